"""Tracking as pure functions: carrier codes to normalized statuses, and merging events.

A carrier's raw codes map to :class:`~ordercore.shipping.model.TrackingStatus` through a
:class:`StatusTable`, which is data: it refuses a code listed twice, and a code it does not
list maps to ``unknown``. :func:`merge_events` adds events to a shipment's history: a duplicate
(same time and raw code) is dropped, events arriving out of order are put in their place, and
the status follows the latest event by time. An ``unknown`` event is kept in the history but
never overrides a known status: a carrier that adds a code we have not mapped yet must not make
a parcel look lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from ordercore._replace import constructor
from ordercore.errors import ValidationError
from ordercore.shipping.model import IncidentReason, TrackingEvent, TrackingStatus

__all__ = [
    "CarrierEvent",
    "StatusRow",
    "StatusTable",
    "advance",
    "latest_status",
    "merge_events",
    "normalize",
]

S = TrackingStatus

# Among events at the same instant, the one further along wins, so the outcome does not depend
# on the order the carrier sent them in.
_PROGRESS = {
    S.UNKNOWN: 0,
    S.PRE_TRANSIT: 1,
    S.IN_TRANSIT: 2,
    S.DELIVERY_DELAYED: 3,
    S.ON_HOLD: 4,
    S.OUT_FOR_DELIVERY: 5,
    S.AVAILABLE_FOR_PICKUP: 6,
    S.DELIVERY_FAILED: 7,
    S.RETURN_TO_SENDER: 8,
    S.CANCELLED: 9,
    S.DELIVERED: 10,
}


@attrs.frozen(slots=True)
class StatusRow:
    """One raw carrier code and what it means."""

    code: str
    status: TrackingStatus
    incident: IncidentReason | None = None


@attrs.frozen(slots=True)
class StatusTable:
    """A carrier's raw codes and their normalized status (pure data, no I/O).

    Build it with :meth:`of`, which refuses a code listed twice.

    Attributes:
        rows: The codes, as given.
    """

    rows: tuple[StatusRow, ...]
    _by_code: Mapping[str, StatusRow] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_code: dict[str, StatusRow] = {}
        for row in self.rows:
            if not isinstance(row.code, str) or not row.code:
                raise ValidationError("status_table", "a raw code must be non-empty text")
            if row.code in by_code:
                raise ValidationError(f"status_table[{row.code}]", "is listed twice")
            by_code[row.code] = row
        object.__setattr__(self, "_by_code", MappingProxyType(by_code))

    @classmethod
    def of(
        cls,
        mapping: Iterable[tuple[str, TrackingStatus] | tuple[str, TrackingStatus, IncidentReason]],
    ) -> StatusTable:
        """Build a table from ``(code, status)`` or ``(code, status, incident)`` tuples.

        Raises:
            ValidationError: If a code is empty or listed twice (naming it).
        """
        return cls(tuple(StatusRow(*item) for item in mapping))

    @classmethod
    def identity(cls) -> StatusTable:
        """The table whose codes are the normalized status values themselves."""
        return cls(tuple(StatusRow(status.value, status) for status in TrackingStatus))

    def lookup(self, code: str) -> StatusRow | None:
        """The row for ``code``, or ``None`` if the table does not list it."""
        return self._by_code.get(code)

    def unmapped(self, codes: Iterable[str]) -> list[str]:
        """The codes among ``codes`` that this table does not list, sorted."""
        return sorted({code for code in codes if code not in self._by_code})

    @property
    def codes(self) -> frozenset[str]:
        """Every listed code."""
        return frozenset(self._by_code)


@attrs.frozen(slots=True)
class CarrierEvent:
    """A tracking event as a carrier reports it (raw code, not yet normalized).

    Attributes:
        carrier: The carrier's code.
        tracking_number: The parcel.
        at: When it happened (tz-aware).
        code: The carrier's raw code.
        location: Where.
        description: The carrier's words.
    """

    carrier: str
    tracking_number: str
    at: datetime
    code: str
    location: str = ""
    description: str = ""

    def check(self) -> None:
        """Raise :class:`ValidationError` naming the first bad field."""
        for field in ("carrier", "tracking_number", "code"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(field, "must be non-empty text")
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise ValidationError("at", "must be a time with a time zone")


def normalize(event: CarrierEvent, table: StatusTable) -> TrackingEvent:
    """Turn a carrier's event into a :class:`TrackingEvent` through its status table."""
    row = table.lookup(event.code)
    # TrackingEvent's __init__ only stores its fields; its constructor does so positionally.
    make = constructor(TrackingEvent)
    if row is None:
        return make(event.at, S.UNKNOWN, event.code, event.location, event.description, None)
    return make(event.at, row.status, event.code, event.location, event.description, row.incident)


def _rank(event: TrackingEvent) -> tuple[datetime, int, str]:
    return (event.at, _PROGRESS[event.status], event.code)


def latest_status(events: Iterable[TrackingEvent]) -> TrackingStatus:
    """The status of the latest known event by time (``unknown`` if none is known)."""
    best: TrackingEvent | None = None
    for event in events:
        if event.status is S.UNKNOWN:
            continue
        if best is None or _rank(event) > _rank(best):
            best = event
    return S.UNKNOWN if best is None else best.status


def merge_events(
    history: tuple[TrackingEvent, ...], incoming: Iterable[TrackingEvent]
) -> tuple[tuple[TrackingEvent, ...], tuple[TrackingEvent, ...]]:
    """Add ``incoming`` to ``history``: drop duplicates, keep time order.

    Args:
        history: The events so far, sorted by :func:`latest_status`'s order.
        incoming: New reports, in any order, possibly repeated.

    Returns:
        The merged history and the events that were new, both in time order.
    """
    merged, added, _ = advance(history, latest_status(history), incoming)
    return merged, added


def advance(
    history: tuple[TrackingEvent, ...],
    status: TrackingStatus,
    incoming: Iterable[TrackingEvent],
) -> tuple[tuple[TrackingEvent, ...], tuple[TrackingEvent, ...], TrackingStatus]:
    """:func:`merge_events`, also returning the status after it.

    ``status`` must be :func:`latest_status` of ``history``. When the news comes after
    everything known (the usual case) the status is worked out from the news alone.
    """
    fresh = list(incoming)
    last = history[-1].at if history else None
    if last is None or (
        fresh[0].at > last if len(fresh) == 1 else all(event.at > last for event in fresh)
    ):
        if len(fresh) == 1:
            # One scan after everything known (the usual webhook): new, and the status is its
            # own unless it is unknown; what the general case below gives, without set, sort
            # or ranks.
            news: tuple[TrackingEvent, ...] = (fresh[0],)
            newest = fresh[0].status
            return history + news, news, status if newest is S.UNKNOWN else newest
        # History is sorted by time first, so when every piece of news is later than its last
        # event nothing in it can share a key (time, code) with the news: only the news is
        # compared among itself.
        seen: set[tuple[datetime, str]] = set()
    else:
        seen = {event.key for event in history}
    added = []
    for event in fresh:
        key = event.key
        if key not in seen:
            seen.add(key)
            added.append(event)
    if not added:
        return history, (), status
    added.sort(key=_rank)
    news = tuple(added)
    if not history or _rank(added[0]) >= _rank(history[-1]):
        newest = latest_status(news)
        return history + news, news, status if newest is S.UNKNOWN else newest
    merged = tuple(sorted(history + news, key=_rank))
    return merged, news, latest_status(merged)
