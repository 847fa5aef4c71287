"""Unit tests for actors, desk settings and the built-in role policy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.actors import Actor, ActorKind
from ordercore.desk.authorization import RolePolicy
from ordercore.desk.config import DeskConfig, OutboxPolicy
from ordercore.errors import ValidationError

ROLE_NAMES = st.text(min_size=1, max_size=12)

# Small enough that the uncapped first_retry * 2**(attempts - 1), the test's expected value,
# stays inside timedelta's range; larger attempt counts have their own tests below.
BACKOFF_STEPS = st.timedeltas(min_value=timedelta(milliseconds=1), max_value=timedelta(days=1))
BACKOFF_ATTEMPTS = st.integers(min_value=0, max_value=29)


def policy_for(required_roles: Mapping[str, Any]) -> RolePolicy:
    return RolePolicy(DeskConfig(required_roles=required_roles).required_roles)


# Actor ----------------------------------------------------------------------------------------


def test_an_actor_is_a_user_without_roles_by_default() -> None:
    actor = Actor("u-1042")

    assert actor.id == "u-1042"
    assert actor.roles == frozenset()
    assert actor.kind is ActorKind.USER


@pytest.mark.parametrize("actor_id", ["", "   ", "\n"])
def test_an_actor_needs_a_non_blank_id(actor_id: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Actor(actor_id)

    assert caught.value.field == "actor.id"


@pytest.mark.parametrize("actor_id", [None, 1042, b"u-1"])
def test_an_actor_id_must_be_a_string(actor_id: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Actor(actor_id)  # type: ignore[arg-type]

    assert caught.value.field == "actor.id"


def test_an_actor_refuses_roles_given_as_one_string() -> None:
    with pytest.raises(ValidationError) as caught:
        Actor("u-1", roles="reviewer")

    assert caught.value.field == "actor.roles"
    assert "not one string" in caught.value.reason


@pytest.mark.parametrize("roles", [[1], ["reviewer", None], [""], [b"admin"]])
def test_an_actor_refuses_role_names_that_are_not_non_empty_strings(roles: list[Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        Actor("u-1", roles=roles)

    assert caught.value.field == "actor.roles"


@pytest.mark.parametrize("roles", [None, 5, [["reviewer"]]])
def test_an_actor_refuses_roles_that_are_not_a_collection_of_names(roles: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Actor("u-1", roles=roles)

    assert caught.value.field == "actor.roles"


@given(roles=st.lists(ROLE_NAMES, max_size=6))
def test_an_actor_holds_exactly_the_roles_it_was_given(roles: list[str]) -> None:
    actor = Actor("u-1", roles=roles)

    assert actor.roles == frozenset(roles)
    assert isinstance(actor.roles, frozenset)


@given(roles=st.frozensets(ROLE_NAMES, max_size=6), asked=ROLE_NAMES)
def test_has_role_answers_whether_the_actor_holds_the_role(
    roles: frozenset[str], asked: str
) -> None:
    actor = Actor("u-1", roles=roles)

    assert actor.has_role(asked) == (asked in roles)
    assert all(actor.has_role(role) for role in roles)


def test_the_system_actor_is_a_system_kind_with_the_system_role() -> None:
    actor = Actor.system()

    assert actor.id == "system"
    assert actor.kind is ActorKind.SYSTEM
    assert actor.roles == frozenset({"system"})
    assert actor.has_role("system")


def test_the_system_actor_can_be_named_after_the_job() -> None:
    actor = Actor.system("nightly-reconcile")

    assert actor.id == "nightly-reconcile"
    assert actor.kind is ActorKind.SYSTEM


def test_an_actor_is_immutable() -> None:
    actor = Actor("u-1", roles={"clerk"})

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        actor.id = "u-2"  # type: ignore[misc]


# DeskConfig and OutboxPolicy: validation ------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, True, 2.5, "3", None])
def test_desk_config_refuses_a_max_conflict_retries_below_one_or_not_whole(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        DeskConfig(max_conflict_retries=value)  # type: ignore[arg-type]

    assert caught.value.field == "max_conflict_retries"
    assert "positive" in caught.value.reason


@pytest.mark.parametrize("name", ["max_attempts", "batch_size"])
@pytest.mark.parametrize("value", [0, -5, False])
def test_outbox_policy_refuses_counts_below_one(name: str, value: object) -> None:
    settings: dict[str, Any] = {name: value}

    with pytest.raises(ValidationError) as caught:
        OutboxPolicy(**settings)

    assert caught.value.field == name
    assert "whole number" in caught.value.reason


@pytest.mark.parametrize("name", ["first_retry", "max_backoff", "lease"])
@pytest.mark.parametrize("value", [timedelta(0), timedelta(seconds=-1)])
def test_outbox_policy_refuses_durations_that_are_not_positive(name: str, value: timedelta) -> None:
    settings: dict[str, Any] = {name: value}

    with pytest.raises(ValidationError) as caught:
        OutboxPolicy(**settings)

    assert caught.value.field == name
    assert "duration" in caught.value.reason


def test_outbox_policy_refuses_a_number_where_a_duration_is_needed() -> None:
    with pytest.raises(ValidationError) as caught:
        OutboxPolicy(first_retry=30)  # type: ignore[arg-type]

    assert caught.value.field == "first_retry"
    assert "timedelta" in caught.value.reason


@pytest.mark.parametrize("name", ["max_attempts", "batch_size"])
def test_outbox_policy_refuses_a_duration_where_a_count_is_needed(name: str) -> None:
    settings: dict[str, Any] = {name: timedelta(seconds=5)}

    with pytest.raises(ValidationError) as caught:
        OutboxPolicy(**settings)

    assert caught.value.field == name
    assert "whole number" in caught.value.reason


def test_desk_config_accepts_the_smallest_positive_values() -> None:
    policy = OutboxPolicy(
        max_attempts=1,
        first_retry=timedelta(microseconds=1),
        max_backoff=timedelta(microseconds=1),
        lease=timedelta(microseconds=1),
        batch_size=1,
    )

    config = DeskConfig(max_conflict_retries=1, outbox=policy)

    assert config.max_conflict_retries == 1
    assert config.outbox is policy


# OutboxPolicy.backoff -------------------------------------------------------------------------


def test_backoff_starts_at_first_retry_and_doubles() -> None:
    policy = OutboxPolicy(first_retry=timedelta(seconds=30), max_backoff=timedelta(hours=1))

    waits = [policy.backoff(attempts) for attempts in range(1, 6)]

    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480)]


def test_backoff_before_any_failure_is_the_first_retry() -> None:
    policy = OutboxPolicy(first_retry=timedelta(seconds=7))

    assert policy.backoff(0) == timedelta(seconds=7)


def test_backoff_is_capped_at_max_backoff() -> None:
    policy = OutboxPolicy(first_retry=timedelta(seconds=30), max_backoff=timedelta(minutes=3))

    assert [policy.backoff(n) for n in range(1, 7)] == [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=3),
        timedelta(minutes=3),
        timedelta(minutes=3),
    ]


@given(first_retry=BACKOFF_STEPS, max_backoff=BACKOFF_STEPS, attempts=BACKOFF_ATTEMPTS)
def test_backoff_never_decreases_and_never_exceeds_max_backoff(
    first_retry: timedelta, max_backoff: timedelta, attempts: int
) -> None:
    policy = OutboxPolicy(first_retry=first_retry, max_backoff=max_backoff)

    wait, next_wait = policy.backoff(attempts), policy.backoff(attempts + 1)

    assert wait <= next_wait <= max_backoff
    assert wait == min(first_retry * 2 ** max(attempts - 1, 0), max_backoff)


@pytest.mark.parametrize("attempts", [43, 64, 1_000])
def test_backoff_stays_capped_after_many_attempts(attempts: int) -> None:
    policy = OutboxPolicy(max_attempts=2_000)

    assert policy.backoff(attempts) == policy.max_backoff


@given(
    first_retry=st.timedeltas(min_value=timedelta(microseconds=1)),
    max_backoff=st.timedeltas(min_value=timedelta(microseconds=1)),
    attempts=st.integers(min_value=0, max_value=100_000),
)
def test_backoff_never_overflows_for_any_durations_and_attempts(
    first_retry: timedelta, max_backoff: timedelta, attempts: int
) -> None:
    policy = OutboxPolicy(first_retry=first_retry, max_backoff=max_backoff)

    wait, next_wait = policy.backoff(attempts), policy.backoff(attempts + 1)

    assert wait <= next_wait <= max_backoff
    assert wait >= min(first_retry, max_backoff)


# DeskConfig.required_roles -------------------------------------------------------------------


def test_required_roles_turn_one_role_name_into_a_one_element_frozenset() -> None:
    config = DeskConfig(required_roles={"review.approve": "reviewer"})

    assert config.required_roles == {"review.approve": frozenset({"reviewer"})}


def test_required_roles_turn_any_collection_into_a_frozenset() -> None:
    config = DeskConfig(required_roles={"a": ["x", "y", "x"], "b": ("z",), "c": {"w"}})

    assert config.required_roles == {
        "a": frozenset({"x", "y"}),
        "b": frozenset({"z"}),
        "c": frozenset({"w"}),
    }
    assert all(isinstance(roles, frozenset) for roles in config.required_roles.values())


def test_required_roles_are_read_only() -> None:
    config = DeskConfig(required_roles={"order.cancel": {"manager"}})

    with pytest.raises(TypeError):
        config.required_roles["order.cancel"] = frozenset({"anyone"})  # type: ignore[index]


def test_required_roles_do_not_follow_later_changes_to_the_given_dict() -> None:
    given_roles: dict[str, Any] = {"order.cancel": {"manager"}}
    config = DeskConfig(required_roles=given_roles)

    given_roles["order.cancel"].add("intern")
    given_roles["order.refund"] = {"intern"}

    assert config.required_roles == {"order.cancel": frozenset({"manager"})}


def test_a_desk_config_requires_no_roles_by_default() -> None:
    assert dict(DeskConfig().required_roles) == {}


# RolePolicy ----------------------------------------------------------------------------------


def test_role_policy_finds_the_roles_of_an_exactly_listed_action() -> None:
    policy = policy_for({"order.cancel": {"manager", "owner"}})

    assert policy.roles_for("order.cancel") == frozenset({"manager", "owner"})
    assert policy.roles_for("order.cancel.now") is None


@pytest.mark.parametrize("action", ["review.approve", "review.rule.add", "review."])
def test_role_policy_applies_a_prefix_rule_to_actions_under_it(action: str) -> None:
    policy = policy_for({"review.*": "reviewer"})

    assert policy.roles_for(action) == frozenset({"reviewer"})


@pytest.mark.parametrize("action", ["review", "reviewer.add", "order.review.approve"])
def test_role_policy_prefix_rule_covers_only_actions_below_the_dot(action: str) -> None:
    policy = policy_for({"review.*": "reviewer"})

    assert policy.roles_for(action) is None


def test_role_policy_prefers_an_exact_rule_over_a_prefix_rule() -> None:
    policy = policy_for({"review.*": "reviewer", "review.override": "admin"})

    assert policy.roles_for("review.override") == frozenset({"admin"})
    assert policy.roles_for("review.approve") == frozenset({"reviewer"})


def test_role_policy_prefers_the_most_specific_prefix_rule() -> None:
    policy = policy_for({"review.*": "reviewer", "review.admin.*": "admin"})

    assert policy.roles_for("review.admin.purge") == frozenset({"admin"})


@pytest.mark.parametrize(
    "rules",
    [
        {"review.*": "reviewer", "review.admin.*": "admin", "review.admin.keys.*": "owner"},
        {"review.admin.keys.*": "owner", "review.admin.*": "admin", "review.*": "reviewer"},
        {"review.admin.*": "admin", "review.admin.keys.*": "owner", "review.*": "reviewer"},
    ],
)
def test_role_policy_picks_the_longest_matching_prefix_in_any_listed_order(
    rules: dict[str, str],
) -> None:
    policy = policy_for(rules)

    assert policy.roles_for("review.approve") == frozenset({"reviewer"})
    assert policy.roles_for("review.admin.purge") == frozenset({"admin"})
    assert policy.roles_for("review.admin.keys.rotate") == frozenset({"owner"})


def test_role_policy_has_no_opinion_on_unlisted_actions() -> None:
    policy = policy_for({"review.*": "reviewer", "order.cancel": "manager"})

    assert policy.ordercore_authorize(Actor("u-1"), "order.create", "ord_1") is None


def test_role_policy_denies_an_actor_without_any_of_the_roles() -> None:
    policy = policy_for({"order.cancel": {"manager", "owner"}})

    assert policy.ordercore_authorize(Actor("u-1", roles={"clerk"}), "order.cancel", "o") is False
    assert policy.ordercore_authorize(Actor("u-2"), "order.cancel", "o") is False


@pytest.mark.parametrize("roles", [{"manager"}, {"owner"}, {"clerk", "owner"}])
def test_role_policy_allows_an_actor_with_any_one_of_the_roles(roles: set[str]) -> None:
    policy = policy_for({"order.cancel": {"manager", "owner"}})

    assert policy.ordercore_authorize(Actor("u-1", roles=roles), "order.cancel", "o") is True


@given(
    required=st.frozensets(ROLE_NAMES, min_size=1, max_size=4),
    held=st.frozensets(ROLE_NAMES, max_size=4),
)
def test_role_policy_allows_exactly_when_the_actor_shares_a_role(
    required: frozenset[str], held: frozenset[str]
) -> None:
    policy = policy_for({"order.*": required})

    decision = policy.ordercore_authorize(Actor("u-1", roles=held), "order.ship", "ord_1")

    assert decision is bool(required & held)


def test_role_policy_does_not_look_at_the_subject() -> None:
    policy = policy_for({"order.cancel": "manager"})
    manager = Actor("u-1", roles={"manager"})

    decisions = {policy.ordercore_authorize(manager, "order.cancel", s) for s in ("a", "b", "")}

    assert decisions == {True}
