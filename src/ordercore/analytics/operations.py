"""Operations: how long orders spend in each stage, where they stall, and how often they go wrong.

Durations are in hours. A stage's time is measured between the two stage times an order has
(placed -> approved -> confirmed -> shipped -> delivered -> completed); a missing step is
bridged (an order confirmed without a separate approval counts placed -> confirmed towards
the confirmed stage), so every order's time is counted once.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

import attrs

from ordercore.analytics.facts import STAGES, OrderFact
from ordercore.analytics.results import Row, TableResult
from ordercore.errors import ValidationError

__all__ = [
    "OperationsRates",
    "StaffPerformance",
    "StageTimes",
    "Stall",
    "Stalls",
    "operations_rates",
    "percentile",
    "staff_performance",
    "stage_times",
    "stalls",
]

_CANCELLED = frozenset({"cancelled", "rejected", "expired"})


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0-1) by linear interpolation between closest ranks.

    This is numpy's default (``method="linear"``) and Hyndman-Fan type 7.

    Raises:
        ValidationError: No values, or a share outside 0-1.
    """
    if not values:
        raise ValidationError("values", "a percentile needs at least one value")
    if not 0 <= share <= 1:
        raise ValidationError("share", "must lie between 0 and 1")
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def _stage_spans(fact: OrderFact) -> Iterable[tuple[str, float]]:
    """(stage reached, hours it took from the previous stage the order has a time for)."""
    previous = fact.placed_at
    for stage in STAGES[1:]:
        moment = fact.stage_time(stage)
        if moment is not None:
            yield stage, _hours(previous, moment)
            previous = moment


@attrs.frozen(slots=True, repr=False)
class StageTimes(TableResult):
    """Hours spent reaching each stage: orders measured, median and 90th percentile."""

    title: ClassVar[str] = "time to reach each stage (hours)"
    entries: tuple[tuple[str, int, float, float], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("stage", "orders", "median_hours", "p90_hours")

    def rows(self) -> list[Row]:
        """One row per stage that any order reached, in lifecycle order."""
        return list(self.entries)

    def p90(self, stage: str) -> float | None:
        """The 90th percentile of hours to reach ``stage``, if measured."""
        return next((e[3] for e in self.entries if e[0] == stage), None)


def stage_times(facts: Iterable[OrderFact]) -> StageTimes:
    """Median and 90th percentile of the hours orders take to reach each stage."""
    spans: dict[str, list[float]] = {stage: [] for stage in STAGES[1:]}
    for fact in facts:
        for stage, hours in _stage_spans(fact):
            spans[stage].append(hours)
    entries = tuple(
        (stage, len(hours), round(statistics.median(hours), 2), round(percentile(hours, 0.9), 2))
        for stage, hours in spans.items()
        if hours
    )
    return StageTimes(entries)


@attrs.frozen(slots=True)
class Stall:
    """An open order that has waited longer than usual for its next stage."""

    order_id: str
    waiting_for: str
    hours_waiting: float
    usual_hours: float


@attrs.frozen(slots=True, repr=False)
class Stalls(TableResult):
    """Open orders waiting longer than the 90th percentile of their next stage, longest first."""

    title: ClassVar[str] = "stalled orders"
    items: tuple[Stall, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("order_id", "waiting_for", "hours_waiting", "usual_hours")

    def rows(self) -> list[Row]:
        """One row per stalled order."""
        return [(s.order_id, s.waiting_for, s.hours_waiting, s.usual_hours) for s in self.items]


def stalls(facts: Iterable[OrderFact], *, as_of: datetime) -> Stalls:
    """Orders still open at ``as_of`` that wait longer than usual for their next stage.

    "Usual" is the 90th percentile of that stage over the same facts.
    """
    known = list(facts)
    usual = stage_times(known)
    found: list[Stall] = []
    for fact in known:
        if fact.cancelled_at is not None or fact.status in _CANCELLED:
            continue
        if fact.completed_at is not None or fact.status == "completed":
            continue
        last_time, reached = fact.placed_at, 0
        for position, stage in enumerate(STAGES[1:], start=1):
            moment = fact.stage_time(stage)
            if moment is not None:
                last_time, reached = moment, position
        # Steps may be skipped, so the order waits for the next stage others are measured at.
        waiting = [(s, usual.p90(s)) for s in STAGES[reached + 1 :] if usual.p90(s) is not None]
        if not waiting:
            continue
        next_stage, limit = waiting[0]
        waited = _hours(last_time, as_of)
        if limit is not None and waited > limit:
            found.append(Stall(fact.order_id, next_stage, round(waited, 2), limit))
    found.sort(key=lambda stall: (-stall.hours_waiting, stall.order_id))
    return Stalls(tuple(found))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@attrs.frozen(slots=True, repr=False)
class OperationsRates(TableResult):
    """How often orders ship on time, get fulfilled, cancelled, held or returned.

    Attributes:
        orders: Orders counted.
        on_time_shipment: Shipped by the promise, of orders with a promise that shipped.
        fulfilment: Shipped, of orders not cancelled.
        cancellation: Cancelled, rejected or expired, of all orders.
        hold: Held at some point, of all orders.
        returns: Returned, of orders delivered.
    """

    title: ClassVar[str] = "operations rates"
    orders: int
    on_time_shipment: float | None
    fulfilment: float | None
    cancellation: float | None
    hold: float | None
    returns: float | None

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("measure", "rate")

    def rows(self) -> list[Row]:
        """One row per rate."""
        return [
            ("orders", self.orders),
            ("on_time_shipment", self.on_time_shipment),
            ("fulfilment", self.fulfilment),
            ("cancellation", self.cancellation),
            ("hold", self.hold),
            ("returns", self.returns),
        ]


def operations_rates(facts: Iterable[OrderFact]) -> OperationsRates:
    """On-time shipment, fulfilment, cancellation, hold and return rates (fractions)."""
    orders = promised = on_time = live = shipped = cancelled = held = delivered = returned = 0
    for fact in facts:
        orders += 1
        is_cancelled = fact.cancelled_at is not None or fact.status in _CANCELLED
        cancelled += is_cancelled
        held += fact.held
        if not is_cancelled:
            live += 1
            shipped += fact.shipped_at is not None
        if fact.ship_by is not None and fact.shipped_at is not None:
            promised += 1
            on_time += fact.shipped_at <= fact.ship_by
        if fact.delivered_at is not None or fact.status in ("delivered", "completed"):
            delivered += 1
            returned += fact.returned
    return OperationsRates(
        orders=orders,
        on_time_shipment=_share(on_time, promised),
        fulfilment=_share(shipped, live),
        cancellation=_share(cancelled, orders),
        hold=_share(held, orders),
        returns=_share(returned, delivered),
    )


@attrs.frozen(slots=True, repr=False)
class StaffPerformance(TableResult):
    """Orders handled, completion rate and median cycle time per assignee."""

    title: ClassVar[str] = "staff performance"
    entries: tuple[tuple[str, int, int, float | None, float | None], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("assignee", "orders", "completed", "completion_rate", "median_cycle_hours")

    def rows(self) -> list[Row]:
        """One row per assignee, by assignee."""
        return list(self.entries)


def staff_performance(facts: Iterable[OrderFact]) -> StaffPerformance:
    """Per assignee: orders handled, completed, completion rate, median placed-to-completed."""
    handled: dict[str, int] = {}
    cycles: dict[str, list[float]] = {}
    for fact in facts:
        if fact.assignee is None:
            continue
        handled[fact.assignee] = handled.get(fact.assignee, 0) + 1
        done = cycles.setdefault(fact.assignee, [])
        if fact.completed_at is not None:
            done.append(_hours(fact.placed_at, fact.completed_at))
    entries = tuple(
        (
            who, count, len(cycles[who]), _share(len(cycles[who]), count),
            round(statistics.median(cycles[who]), 2) if cycles[who] else None,
        )
        for who, count in sorted(handled.items())
    )  # fmt: skip
    return StaffPerformance(entries)
