"""The fast paths of the tracking hot path give exactly what the plain code gives.

- ``replace`` (a copier generated per class) equals ``attrs.evolve`` field by field.
- ``advance`` (which skips the set of the whole history when every piece of news is later than
  it) equals the plain merge: a set of every known key, duplicates dropped, sorted by rank.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore._replace import replace
from ordercore.shipping.model import (
    IncidentReason,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
)
from ordercore.shipping.tracking import _rank, advance, latest_status

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

tracking_events = st.builds(
    TrackingEvent,
    at=st.integers(0, 40).map(lambda minutes: T0 + timedelta(minutes=minutes)),
    status=st.sampled_from(TrackingStatus),
    code=st.sampled_from(["A", "B", "C", "in_transit"]),
    location=st.sampled_from(["", "BER"]),
    incident=st.none() | st.sampled_from(IncidentReason),
)


def _plain_advance(
    history: tuple[TrackingEvent, ...], incoming: list[TrackingEvent]
) -> tuple[tuple[TrackingEvent, ...], tuple[TrackingEvent, ...], TrackingStatus]:
    """The merge as it was written before the fast path (the reference)."""
    seen = {event.key for event in history}
    added: list[TrackingEvent] = []
    for event in incoming:
        if event.key not in seen:
            seen.add(event.key)
            added.append(event)
    if not added:
        return history, (), latest_status(history)
    news = tuple(sorted(added, key=_rank))
    merged = tuple(sorted(history + news, key=_rank))
    return merged, news, latest_status(merged)


def _history(events: list[TrackingEvent]) -> tuple[TrackingEvent, ...]:
    merged, _, _ = _plain_advance((), events)
    return merged


@given(
    st.lists(tracking_events, max_size=8),
    st.lists(tracking_events, max_size=6),
    st.integers(0, 50),
)
def test_advance_equals_the_plain_merge(
    known: list[TrackingEvent], incoming: list[TrackingEvent], shift: int
) -> None:
    history = _history(known)
    # Half the time the news comes later than everything known (the fast path's case).
    later = [attrs.evolve(event, at=event.at + timedelta(minutes=shift)) for event in incoming]
    for news in (incoming, later):
        got = advance(history, latest_status(history), iter(news))
        assert got == _plain_advance(history, news)
        assert [type(part) for part in got[:2]] == [tuple, tuple]


@given(tracking_events, st.lists(tracking_events, min_size=1, max_size=5))
def test_a_later_scan_with_the_key_of_a_known_one_is_still_new(
    event: TrackingEvent, known: list[TrackingEvent]
) -> None:
    history = _history(known)
    last = history[-1]
    same_code_later = attrs.evolve(event, at=last.at + timedelta(seconds=1), code=last.code)
    merged, news, _ = advance(history, latest_status(history), [same_code_later])
    assert news == (same_code_later,)
    assert merged == (*history, same_code_later)


shipments = st.builds(
    Shipment,
    id=st.just("shp_1"),
    order_id=st.just("ord_1"),
    location=st.sampled_from(["BER", "HAM"]),
    lines=st.lists(
        st.builds(ShipmentLine, st.just("L1"), st.just("SKU"), st.integers(1, 5)), max_size=2
    ).map(tuple),
    carrier=st.just("manual"),
    service=st.just("standard"),
    status=st.sampled_from(ShipmentStatus),
    created_at=st.just(T0),
    tracking_number=st.none() | st.just("P1"),
    events=st.lists(tracking_events, max_size=3).map(tuple),
    version=st.integers(1, 9),
)


@given(shipments, st.integers(1, 20), st.sampled_from(TrackingStatus))
def test_replace_equals_evolve(
    shipment: Shipment, version: int, tracking_status: TrackingStatus
) -> None:
    copied = replace(shipment, version=version, tracking_status=tracking_status)
    expected = attrs.evolve(shipment, version=version, tracking_status=tracking_status)
    assert copied == expected
    assert copied is not shipment
    assert all(
        getattr(copied, field.name) is getattr(expected, field.name)
        for field in attrs.fields(Shipment)
    )
    assert replace(shipment) == shipment


def test_replace_refuses_a_name_that_is_not_a_field() -> None:
    shipment = Shipment("shp_1", "ord_1", "BER", (), "manual", "std", ShipmentStatus.PLANNED, T0)
    with pytest.raises(TypeError, match="no field 'versoin'"):
        replace(shipment, versoin=2)


@given(st.lists(tracking_events, min_size=1, max_size=8), st.data())
def test_a_single_scan_among_known_times_equals_the_plain_merge(
    known: list[TrackingEvent], data: st.DataObject
) -> None:
    history = _history(known)
    seen = data.draw(st.sampled_from(history))
    # The same key again (a repeated webhook, maybe normalized differently), or a new code at a
    # known time, or a time before the last one.
    news = data.draw(
        st.sampled_from(
            [
                seen,
                attrs.evolve(seen, status=TrackingStatus.UNKNOWN, location="elsewhere"),
                attrs.evolve(seen, code=seen.code + "-new"),
                attrs.evolve(seen, at=seen.at - timedelta(minutes=1)),
            ]
        )
    )
    got = advance(history, latest_status(history), [news])
    assert got == _plain_advance(history, [news])
