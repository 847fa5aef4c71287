"""Customers over time: monthly cohort retention, repeat purchases, churn risk.

A customer's cohort is the month of their first order. Retention in month ``k`` is the share
of the cohort that ordered in the ``k``-th month after it. Months after the end of the data
are missing (``None``), not zero: nobody could have ordered in them yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import ClassVar

import attrs

from ordercore.analytics.facts import OrderFact
from ordercore.analytics.results import Row, TableResult
from ordercore.errors import ValidationError

__all__ = [
    "ChurnRisk",
    "CohortRetention",
    "churn_risk",
    "cohort_retention",
    "repeat_purchase_rate",
]


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_label(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


@attrs.frozen(slots=True, repr=False)
class CohortRetention(TableResult):
    """Share of each monthly cohort still ordering ``k`` months later.

    Attributes:
        cohorts: ``(cohort month, customers, shares)``; ``shares[k]`` is ``None`` after the
            end of the data.
    """

    title: ClassVar[str] = "monthly cohort retention"
    cohorts: tuple[tuple[str, int, tuple[float | None, ...]], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """``cohort``, ``customers``, then ``m0``, ``m1``, ... for the longest cohort."""
        width = max((len(shares) for _, _, shares in self.cohorts), default=0)
        return ("cohort", "customers", *(f"m{k}" for k in range(width)))

    def rows(self) -> list[Row]:
        """One row per cohort, oldest first."""
        width = len(self.columns) - 2
        return [
            (cohort, size, *shares, *([None] * (width - len(shares))))
            for cohort, size, shares in self.cohorts
        ]


def cohort_retention(facts: Iterable[OrderFact]) -> CohortRetention:
    """Monthly cohort retention; guest orders (no customer) are left out."""
    months: dict[str, set[int]] = {}
    for fact in facts:
        if fact.customer_id is not None:
            months.setdefault(fact.customer_id, set()).add(_month_number(fact.placed_at.date()))
    if not months:
        return CohortRetention(())
    last = max(max(active) for active in months.values())
    sizes: dict[int, int] = {}
    active_counts: dict[tuple[int, int], int] = {}
    for active in months.values():
        first = min(active)
        sizes[first] = sizes.get(first, 0) + 1
        for month in active:
            key = (first, month - first)
            active_counts[key] = active_counts.get(key, 0) + 1
    cohorts = tuple(
        (
            _month_label(first),
            size,
            tuple(
                round(active_counts.get((first, k), 0) / size, 4) for k in range(last - first + 1)
            ),
        )
        for first, size in sorted(sizes.items())
    )
    return CohortRetention(cohorts)


def repeat_purchase_rate(facts: Iterable[OrderFact]) -> float | None:
    """Share of customers with two or more orders (``None`` without customers)."""
    counts: dict[str, int] = {}
    for fact in facts:
        if fact.customer_id is not None:
            counts[fact.customer_id] = counts.get(fact.customer_id, 0) + 1
    if not counts:
        return None
    return round(sum(1 for n in counts.values() if n >= 2) / len(counts), 4)


@attrs.frozen(slots=True, repr=False)
class ChurnRisk(TableResult):
    """Each repeat customer's silence against their own purchase rhythm.

    ``overdue`` is days since the last order divided by the customer's mean gap between orders:
    1 means "an order is due about now", 3 means "three gaps have passed without one".
    Customers with a single order have no rhythm and are listed with ``None``.

    Attributes:
        as_of: The day silence is measured to.
        entries: ``(customer, orders, mean_gap_days, days_since_last, overdue, risk)``.
    """

    title: ClassVar[str] = "churn risk"
    as_of: date
    entries: tuple[tuple[str, int, float | None, int, float | None, str], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("customer_id", "orders", "mean_gap_days", "days_since_last", "overdue", "risk")

    def rows(self) -> list[Row]:
        """Most overdue first; customers without a rhythm last."""
        return list(self.entries)


def churn_risk(
    facts: Iterable[OrderFact], *, as_of: date, late: float = 1.5, lost: float = 3.0
) -> ChurnRisk:
    """Rate each customer's risk of churning from their own rhythm.

    Args:
        facts: Orders; guest orders are left out.
        as_of: The day to measure silence to.
        late: ``overdue`` above this is ``"at_risk"``.
        lost: ``overdue`` above this is ``"likely_lost"``.

    Raises:
        ValidationError: ``late`` is not below ``lost``, or either is not positive.
    """
    if not 0 < late < lost:
        raise ValidationError("late", "need 0 < late < lost")
    spans: dict[str, list[int]] = {}
    for fact in facts:
        if fact.customer_id is None:
            continue
        day = fact.placed_at.date().toordinal()
        span = spans.get(fact.customer_id)
        if span is None:
            spans[fact.customer_id] = [day, day, 1]
        else:
            span[0] = min(span[0], day)
            span[1] = max(span[1], day)
            span[2] += 1
    entries: list[tuple[str, int, float | None, int, float | None, str]] = []
    today = as_of.toordinal()
    for customer, (first, last, orders) in spans.items():
        since = today - last
        if orders < 2 or last == first:
            entries.append((customer, orders, None, since, None, "no_rhythm"))
            continue
        gap = (last - first) / (orders - 1)
        overdue = round(since / gap, 2)
        risk = "likely_lost" if overdue > lost else "at_risk" if overdue > late else "active"
        entries.append((customer, orders, round(gap, 2), since, overdue, risk))
    entries.sort(key=lambda e: (e[4] is None, -(e[4] or 0.0), e[0]))
    return ChurnRisk(as_of, tuple(entries))
