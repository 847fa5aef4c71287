"""The engine: scores, thresholds, switched-off and re-weighted rules, exemptions, broken rules."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Address,
    Contact,
    CustomerProfile,
    Finding,
    LineDraft,
    Order,
    OrderDraft,
    OrderPolicy,
    ReviewContext,
    ReviewDecision,
    ReviewPolicy,
    Sentiment,
    ValidationError,
    review_order,
)
from ordercore.orders import lifecycle
from ordercore.orders.intake import validate_draft

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONTEXT = ReviewContext(now=NOW)


def _order() -> Order:
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada", email="ada@example.com"),
        shipping_address=Address("Ada", "1 Row", "London", "GB", "N1"),
        lines=[LineDraft("SKU-1", 1, "10.00")],
    )
    valid = validate_draft(draft, OrderPolicy().intake)
    return lifecycle.place(valid, order_id="o", number="1", now=NOW, policy=OrderPolicy()).order


ORDER = _order()


@attrs.frozen
class Fixed:
    """A rule that always finds the same points."""

    code: str
    points: int
    description: str = "fixed points"

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        del order, context
        return Finding(self.code, Sentiment.NEGATIVE, self.points, f"{self.points} points")


@attrs.frozen
class Broken:
    code: str = "broken"
    description: str = "raises"

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        raise RuntimeError("database is down")


@attrs.frozen
class WrongType:
    code: str = "wrong"
    description: str = "returns a string"

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        return "looks fine"  # type: ignore[return-value]


def _policy(*rules: object, **settings: object) -> ReviewPolicy:
    return ReviewPolicy(rules=rules, **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("points", "decision"),
    [
        (0, ReviewDecision.APPROVE),
        (49, ReviewDecision.APPROVE),
        (50, ReviewDecision.HOLD),
        (99, ReviewDecision.HOLD),
        (100, ReviewDecision.REJECT),
        (-30, ReviewDecision.APPROVE),
    ],
)
def test_default_thresholds_hold_at_50_and_reject_at_100(
    points: int, decision: ReviewDecision
) -> None:
    verdict = review_order(ORDER, CONTEXT, _policy(Fixed("x", points)))

    assert verdict.score == points
    assert verdict.decision is decision


@given(
    scores=st.lists(st.integers(-200, 200), max_size=6),
    hold_at=st.integers(-100, 200),
    gap=st.integers(0, 200),
)
def test_the_verdict_is_the_sum_of_the_points_through_the_thresholds(
    scores: list[int], hold_at: int, gap: int
) -> None:
    rules = [Fixed(f"r{index}", score) for index, score in enumerate(scores)]
    policy = _policy(*rules, hold_at=hold_at, reject_at=hold_at + gap)

    verdict = review_order(ORDER, CONTEXT, policy)

    assert verdict.score == sum(scores)
    expected = (
        ReviewDecision.REJECT
        if sum(scores) >= hold_at + gap
        else ReviewDecision.HOLD
        if sum(scores) >= hold_at
        else ReviewDecision.APPROVE
    )
    assert verdict.decision is expected


def test_a_switched_off_rule_does_not_run_and_weights_scale_points() -> None:
    policy = _policy(Fixed("a", 40), Fixed("b", 30), disabled={"b"}, weights={"a": "1.5"})

    verdict = review_order(ORDER, CONTEXT, policy)

    assert [f.rule for f in verdict.findings] == ["a"]
    assert verdict.score == 60
    assert verdict.decision is ReviewDecision.HOLD


def test_a_tier_exemption_skips_the_rule_for_that_tier_only() -> None:
    policy = _policy(Fixed("velocity", 60), exemptions={"gold": {"velocity"}})
    gold = attrs.evolve(CONTEXT, customer=CustomerProfile("c", tier="gold"))
    silver = attrs.evolve(CONTEXT, customer=CustomerProfile("c", tier="silver"))

    assert review_order(ORDER, gold, policy).findings == ()
    assert review_order(ORDER, silver, policy).decision is ReviewDecision.HOLD


def test_a_rule_that_raises_becomes_a_finding_that_holds_the_order() -> None:
    verdict = review_order(ORDER, CONTEXT, _policy(Broken(), Fixed("ok", 0)))

    assert verdict.decision is ReviewDecision.HOLD
    broken = verdict.findings[0]
    assert broken.rule == "broken"
    assert broken.sentiment is Sentiment.NEGATIVE
    assert "RuntimeError: database is down" in broken.message
    assert [f.rule for f in verdict.findings] == ["broken", "ok"]


def test_a_rule_returning_something_else_than_a_finding_is_reported_too() -> None:
    verdict = review_order(ORDER, CONTEXT, _policy(WrongType()))

    assert verdict.findings[0].rule == "wrong"
    assert "returned str" in verdict.findings[0].message


def test_plugin_rules_run_after_the_policy_rules() -> None:
    verdict = review_order(ORDER, CONTEXT, _policy(Fixed("own", 1)), [Fixed("plugin", 2)])

    assert [f.rule for f in verdict.findings] == ["own", "plugin"]


def test_the_reason_lists_what_counted_against_the_order() -> None:
    verdict = review_order(ORDER, CONTEXT, _policy(Fixed("a", 10), Fixed("b", 5)))

    assert verdict.reason() == "review score 15: 10 points; 5 points"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"hold_at": 80, "reject_at": 50}, "reject_at"),
        ({"hold_at": 1.5}, "hold_at"),
        ({"weights": {"a": 0.5}}, "weights.a"),
        ({"weights": {"a": "-1"}}, "weights.a"),
        ({"history_days": 0}, "history_days"),
    ],
)
def test_bad_policy_settings_name_the_field(settings: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ReviewPolicy(**settings)  # type: ignore[arg-type]

    assert caught.value.field == field


def test_two_rules_with_one_code_are_refused() -> None:
    with pytest.raises(ValidationError, match="two rules have the code 'a'"):
        _policy(Fixed("a", 1), Fixed("a", 2))


def test_with_rule_replaces_the_rule_of_the_same_code() -> None:
    policy = _policy(Fixed("a", 1), Fixed("b", 2)).with_rule(Fixed("a", 7))

    assert [(rule.code, rule.points) for rule in policy.rules] == [("b", 2), ("a", 7)]  # type: ignore[attr-defined]
