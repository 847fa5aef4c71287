"""Operations (stage times, stalls, rates, staff) and customers over time (cohorts, churn)."""

from __future__ import annotations

from datetime import date

import pytest

from ordercore.analytics import (
    OrderFact,
    churn_risk,
    cohort_retention,
    operations_rates,
    percentile,
    repeat_purchase_rate,
    staff_performance,
    stage_times,
    stalls,
)
from ordercore.errors import ValidationError
from ordercore.testing.facts import order_fact, utc_day

JAN1_NOON = utc_day("2024-01-01T12:00")
JAN2 = utc_day("2024-01-02")
JAN3 = utc_day("2024-01-03")


def test_percentile_interpolates_linearly_like_numpy() -> None:
    """numpy.percentile([1, 2, 3, 4], 90) == 3.7 (method "linear", Hyndman-Fan type 7)."""
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.9) == pytest.approx(3.7)
    assert percentile([5.0], 0.5) == 5.0
    with pytest.raises(ValidationError):
        percentile([], 0.5)


def _shipped(order_id: str, hours_to_ship: int) -> OrderFact:
    return order_fact(
        order_id, "c", "2024-01-01", "1.00",
        approved_at=utc_day("2024-01-01T01:00"),
        shipped_at=utc_day(f"2024-01-{1 + hours_to_ship // 24:02d}T{hours_to_ship % 24:02d}:00"),
    )  # fmt: skip


def test_stage_times_bridge_missing_steps_and_give_median_and_p90() -> None:
    facts = [_shipped(f"o{i}", 24 * i) for i in range(1, 4)]

    result = stage_times(facts)

    assert result.rows() == [("approved", 3, 1.0, 1.0), ("shipped", 3, 47.0, 66.2)]


def test_orders_waiting_longer_than_the_p90_are_stalled() -> None:
    facts = [_shipped(f"o{i}", 24) for i in range(5)]
    facts.append(
        order_fact("late", "c", "2024-01-01", "1.00", approved_at=utc_day("2024-01-01T01:00"))
    )

    found = stalls(facts, as_of=utc_day("2024-01-05"))

    assert [(s.order_id, s.waiting_for) for s in found.items] == [("late", "shipped")]


def test_rates_count_promises_cancellations_holds_and_returns() -> None:
    facts = [
        order_fact("a", "c", "2024-01-01", "1", ship_by=JAN2, shipped_at=JAN2),
        order_fact("b", "c", "2024-01-01", "1", ship_by=JAN2, shipped_at=JAN3, held=True),
        order_fact("d", "c", "2024-01-01", "1", status="cancelled"),
        order_fact("e", "c", "2024-01-01", "1", status="completed", returned=True),
    ]  # fmt: skip

    rates = operations_rates(facts)

    assert (rates.on_time_shipment, rates.cancellation, rates.hold, rates.returns) == (
        0.5, 0.25, 0.25, 1.0,
    )  # fmt: skip
    assert rates.fulfilment == pytest.approx(2 / 3, abs=1e-4)


def test_staff_performance_per_assignee() -> None:
    facts = [
        order_fact("a", "c", "2024-01-01", "1", assignee="ann", completed_at=JAN2),
        order_fact("b", "c", "2024-01-01", "1", assignee="ann"),
        order_fact("d", "c", "2024-01-01", "1", assignee="bob", completed_at=JAN1_NOON),
    ]  # fmt: skip

    assert staff_performance(facts).rows() == [
        ("ann", 2, 1, 0.5, 24.0),
        ("bob", 1, 1, 1.0, 12.0),
    ]


def test_cohort_cells_after_the_end_of_data_are_missing_not_zero() -> None:
    facts = [
        order_fact("1", "a", "2024-01-03", "1"),
        order_fact("2", "b", "2024-01-09", "1"),
        order_fact("3", "a", "2024-03-01", "1"),
        order_fact("4", "c", "2024-02-01", "1"),
    ]

    table = cohort_retention(facts)

    assert table.columns == ("cohort", "customers", "m0", "m1", "m2")
    assert table.rows() == [
        ("2024-01", 2, 1.0, 0.0, 0.5),
        ("2024-02", 1, 1.0, 0.0, None),
    ]


def test_repeat_purchase_rate_counts_customers_with_two_orders() -> None:
    facts = [
        order_fact("1", "a", "2024-01-01", "1"),
        order_fact("2", "a", "2024-01-02", "1"),
        order_fact("3", "b", "2024-01-02", "1"),
        order_fact("4", None, "2024-01-02", "1"),
    ]
    assert repeat_purchase_rate(facts) == 0.5
    assert repeat_purchase_rate([]) is None


def test_churn_risk_measures_silence_against_each_customers_own_rhythm() -> None:
    facts = [
        order_fact("1", "weekly", "2024-01-01", "1"),
        order_fact("2", "weekly", "2024-01-15", "1"),
        order_fact("3", "monthly", "2023-11-01", "1"),
        order_fact("4", "monthly", "2024-01-30", "1"),
        order_fact("5", "once", "2024-01-01", "1"),
    ]

    rows = churn_risk(facts, as_of=date(2024, 2, 1)).rows()

    assert rows == [
        ("weekly", 2, 14.0, 17, 1.21, "active"),
        ("monthly", 2, 90.0, 2, 0.02, "active"),
        ("once", 1, None, 31, None, "no_rhythm"),
    ]
    late = churn_risk(facts, as_of=date(2024, 3, 1)).rows()
    assert late[0][0::5] == ("weekly", "likely_lost")
