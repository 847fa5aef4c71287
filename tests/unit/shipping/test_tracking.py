from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordercore.errors import ValidationError
from ordercore.shipping.model import IncidentReason, TrackingEvent, TrackingStatus
from ordercore.shipping.tracking import (
    CarrierEvent,
    StatusTable,
    latest_status,
    merge_events,
    normalize,
)
from ordercore.testing.carriers import SCRIPTED_CODES

S = TrackingStatus
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def event(hours: int, status: TrackingStatus, code: str | None = None) -> TrackingEvent:
    return TrackingEvent(T0 + timedelta(hours=hours), status, code or status.value)


def test_a_code_listed_twice_is_refused_naming_the_code() -> None:
    with pytest.raises(ValidationError) as raised:
        StatusTable.of([("PU", S.IN_TRANSIT), ("DEL", S.DELIVERED), ("PU", S.PRE_TRANSIT)])
    assert raised.value.field == "status_table[PU]"


def test_an_empty_code_is_refused() -> None:
    with pytest.raises(ValidationError):
        StatusTable.of([("", S.IN_TRANSIT)])


def test_unmapped_codes_are_listed_and_normalize_to_unknown() -> None:
    assert SCRIPTED_CODES.unmapped(["PU", "ZZZ", "DEL", "AAA"]) == ["AAA", "ZZZ"]
    raw = CarrierEvent("acme", "P1", T0, "ZZZ", "Berlin", "odd scan")
    normalized = normalize(raw, SCRIPTED_CODES)
    assert normalized.status is S.UNKNOWN
    assert normalized.code == "ZZZ"
    assert normalized.incident is None


def test_a_mapped_code_carries_its_status_and_incident() -> None:
    normalized = normalize(CarrierEvent("acme", "P1", T0, "NA1"), SCRIPTED_CODES)
    assert normalized.status is S.DELIVERY_FAILED
    assert normalized.incident is IncidentReason.RECIPIENT_ABSENT


def test_the_identity_table_maps_every_normalized_status_to_itself() -> None:
    table = StatusTable.identity()
    for status in TrackingStatus:
        row = table.lookup(status.value)
        assert row is not None
        assert row.status is status


def test_the_status_follows_the_latest_event_by_time_not_by_arrival() -> None:
    history, added = merge_events((), [event(5, S.DELIVERED), event(1, S.IN_TRANSIT)])
    assert [e.status for e in history] == [S.IN_TRANSIT, S.DELIVERED]
    assert len(added) == 2
    late, _ = merge_events(history, [event(3, S.OUT_FOR_DELIVERY)])
    assert latest_status(late) is S.DELIVERED
    assert [e.status for e in late] == [S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED]


def test_duplicates_by_time_and_code_are_dropped() -> None:
    history, _ = merge_events((), [event(1, S.IN_TRANSIT)])
    again, added = merge_events(history, [event(1, S.IN_TRANSIT), event(1, S.IN_TRANSIT)])
    assert again == history
    assert added == ()


def test_an_unknown_code_does_not_override_a_known_status() -> None:
    history, _ = merge_events((), [event(1, S.IN_TRANSIT), event(2, S.UNKNOWN, "ZZZ")])
    assert latest_status(history) is S.IN_TRANSIT
    assert latest_status([event(2, S.UNKNOWN, "ZZZ")]) is S.UNKNOWN


def test_events_at_the_same_instant_resolve_to_the_further_status_in_any_order() -> None:
    pair = [event(1, S.OUT_FOR_DELIVERY), event(1, S.DELIVERED)]
    assert latest_status(pair) is S.DELIVERED
    assert latest_status(reversed(pair)) is S.DELIVERED


def test_a_carrier_event_names_its_bad_field() -> None:
    with pytest.raises(ValidationError) as raised:
        CarrierEvent("acme", "P1", datetime(2025, 3, 3), "PU").check()
    assert raised.value.field == "at"
    with pytest.raises(ValidationError) as raised:
        CarrierEvent("acme", " ", T0, "PU").check()
    assert raised.value.field == "tracking_number"
