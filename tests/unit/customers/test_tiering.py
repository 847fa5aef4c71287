"""Tier evaluation: windows and their edges, grace and one-step downgrades, spend basis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ordercore.customers import (
    Customer,
    CustomerFacts,
    PurchaseFact,
    Tier,
    TierMetric,
    TierPolicy,
    TierWindow,
    WindowKind,
    apply_evaluation,
)
from ordercore.errors import ValidationError


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _customer(joined: str = "2020-01-01T00:00:00", tier: str = "") -> Customer:
    return Customer("c1", "Ada", _at(joined), tier=tier)


def _facts(*purchases: tuple[str, int]) -> CustomerFacts:
    return CustomerFacts(
        tuple(
            PurchaseFact(f"o{i}", _at(at), minor, "EUR") for i, (at, minor) in enumerate(purchases)
        )
    )


def _policy(window: TierWindow, grace_days: int = 0) -> TierPolicy:
    return TierPolicy(
        (Tier("silver", Decimal(10)), Tier("gold", Decimal(100))),
        window=window,
        grace_days=grace_days,
    )


def test_calendar_year_ends_at_midnight_new_year() -> None:
    policy = _policy(TierWindow(WindowKind.CALENDAR_YEAR))
    facts = _facts(("2024-12-31T23:59:59", 10_000))

    assert policy.evaluate(_customer(), facts, _at("2024-12-31T23:59:59")).tier == "gold"
    assert policy.evaluate(_customer(), facts, _at("2025-01-01T00:00:00")).qualified == ""


def test_calendar_year_follows_the_policy_time_zone() -> None:
    window = TierWindow(WindowKind.CALENDAR_YEAR, timezone="Europe/Berlin")
    policy = _policy(window)
    # 23:30 UTC on 31 December is already 00:30 on 1 January in Berlin.
    facts = _facts(("2024-12-31T23:30:00", 10_000))

    assert policy.evaluate(_customer(), facts, _at("2025-01-01T00:00:00")).tier == "gold"


def test_rolling_months_across_a_month_end_in_a_leap_year() -> None:
    window = TierWindow(WindowKind.ROLLING_MONTHS, months=1)
    start = window.start(_at("2024-03-31T12:00:00"), _at("2020-01-01T00:00:00"))
    assert start == _at("2024-02-29T12:00:00") + timedelta(microseconds=1)
    policy = _policy(window)

    inside = _facts(("2024-02-29T12:00:01", 10_000))
    outside = _facts(("2024-02-29T12:00:00", 10_000))
    assert policy.evaluate(_customer(), inside, _at("2024-03-31T12:00:00")).qualified == "gold"
    assert policy.evaluate(_customer(), outside, _at("2024-03-31T12:00:00")).qualified == ""


def test_rolling_twelve_months_from_a_leap_day() -> None:
    window = TierWindow(WindowKind.ROLLING_MONTHS, months=12)
    start = window.start(_at("2025-02-28T00:00:00"), _at("2020-01-01T00:00:00"))
    assert start == _at("2024-02-28T00:00:00") + timedelta(microseconds=1)
    start = window.start(_at("2024-02-29T00:00:00"), _at("2020-01-01T00:00:00"))
    assert start == _at("2023-02-28T00:00:00") + timedelta(microseconds=1)


def test_a_leap_day_member_has_their_anniversary_on_28_february() -> None:
    window = TierWindow(WindowKind.MEMBERSHIP_YEAR)
    joined = _at("2024-02-29T10:00:00")

    assert window.start(_at("2025-02-28T09:59:59"), joined) == joined
    assert window.start(_at("2025-02-28T10:00:00"), joined) == _at("2025-02-28T10:00:00")
    assert window.start(_at("2028-03-01T00:00:00"), joined) == _at("2028-02-29T10:00:00")


def test_lifetime_counts_everything_up_to_the_evaluation_time_only() -> None:
    policy = _policy(TierWindow())
    facts = _facts(("2001-01-01T00:00:00", 5_000), ("2030-01-01T00:00:00", 5_000))

    evaluation = policy.evaluate(_customer(), facts, _at("2025-01-01T00:00:00"))

    assert evaluation.metric_value == Decimal("50.00")
    assert evaluation.tier == "silver"


def test_order_count_and_points_metrics() -> None:
    tiers = (Tier("regular", Decimal(2)), Tier("vip", Decimal(3)))
    count = TierPolicy(tiers, metric=TierMetric.ORDER_COUNT)
    facts = _facts(
        ("2024-01-01T00:00:00", 100), ("2024-01-02T00:00:00", 0), ("2024-01-03T00:00:00", 1)
    )
    assert count.evaluate(_customer(), facts, _at("2025-01-01T00:00:00")).tier == "regular"

    points = TierPolicy(tiers, metric=TierMetric.QUALIFYING_POINTS)
    earned = CustomerFacts((), ((_at("2024-01-01T00:00:00"), 5), (_at("2024-02-01T00:00:00"), -2)))
    assert points.evaluate(_customer(), earned, _at("2025-01-01T00:00:00")).tier == "vip"


def test_spend_in_another_currency_does_not_count() -> None:
    policy = _policy(TierWindow())
    facts = CustomerFacts((PurchaseFact("o1", _at("2024-01-01T00:00:00"), 10_000, "USD"),))

    assert policy.evaluate(_customer(), facts, _at("2025-01-01T00:00:00")).tier == ""


def test_grace_then_one_step_down_then_grace_again() -> None:
    policy = _policy(TierWindow(), grace_days=10)
    gold = _customer(tier="gold")
    nothing = CustomerFacts()
    day0 = _at("2025-01-01T00:00:00")

    first = policy.evaluate(gold, nothing, day0)
    assert (first.tier, first.below_since) == ("gold", day0)
    waiting = apply_evaluation(gold, first)
    assert waiting.version == 2
    assert waiting.tier_history == ()
    assert policy.evaluate(waiting, nothing, day0 + timedelta(days=9)).tier == "gold"
    step = policy.evaluate(waiting, nothing, day0 + timedelta(days=10))
    assert (step.tier, step.below_since) == ("silver", day0 + timedelta(days=10))
    silver = apply_evaluation(waiting, step)
    assert silver.tier_history[-1].to_tier == "silver"
    assert "one step down" in silver.tier_history[-1].reason
    assert policy.evaluate(silver, nothing, day0 + timedelta(days=19)).tier == "silver"
    assert policy.evaluate(silver, nothing, day0 + timedelta(days=20)).tier == ""


def test_qualifying_again_during_grace_cancels_it() -> None:
    policy = _policy(TierWindow(), grace_days=10)
    waiting = apply_evaluation(
        _customer(tier="gold"),
        policy.evaluate(_customer(tier="gold"), CustomerFacts(), _at("2025-01-01T00:00:00")),
    )
    back = policy.evaluate(
        waiting, _facts(("2025-01-02T00:00:00", 20_000)), _at("2025-01-03T00:00:00")
    )

    assert (back.tier, back.below_since, back.changed) == ("gold", None, False)
    assert apply_evaluation(waiting, back).below_since is None


def test_an_unchanged_evaluation_changes_nothing() -> None:
    policy = _policy(TierWindow())
    customer = _customer(tier="silver")
    evaluation = policy.evaluate(
        customer, _facts(("2024-01-01T00:00:00", 2_000)), _at("2025-01-01T00:00:00")
    )

    assert apply_evaluation(customer, evaluation) is customer
    with pytest.raises(ValidationError, match="another customer"):
        apply_evaluation(Customer("c2", "Bob", _at("2020-01-01T00:00:00")), evaluation)
