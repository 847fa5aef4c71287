"""Properties of tracking and ETAs: duplicates, arrival order and unknown codes never change the
outcome; business-day counting agrees with counting day by day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ordercore.errors import ValidationError
from ordercore.shipping.eta import BusinessCalendar
from ordercore.shipping.model import (
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
)
from ordercore.shipping.shipments import track
from ordercore.shipping.tracking import CarrierEvent, normalize
from ordercore.testing.carriers import SCRIPTED_CODES

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CODES = [*sorted(SCRIPTED_CODES.codes), "ZZZ", "Q-1"]  # two codes the table does not map
# Progress among events at one instant (mirrors the documented tie rule).
ORDER = [
    TrackingStatus.PRE_TRANSIT,
    TrackingStatus.IN_TRANSIT,
    TrackingStatus.DELIVERY_DELAYED,
    TrackingStatus.ON_HOLD,
    TrackingStatus.OUT_FOR_DELIVERY,
    TrackingStatus.AVAILABLE_FOR_PICKUP,
    TrackingStatus.DELIVERY_FAILED,
    TrackingStatus.RETURN_TO_SENDER,
    TrackingStatus.CANCELLED,
    TrackingStatus.DELIVERED,
]

raw_events = st.lists(
    st.builds(
        lambda minutes, code: CarrierEvent("acme", "P1", T0 + timedelta(minutes=minutes), code),
        st.integers(min_value=0, max_value=60 * 24 * 10),
        st.sampled_from(CODES),
    ),
    max_size=25,
)


def _shipped() -> Shipment:
    return Shipment(
        id="shp-1",
        order_id="ord-1",
        location="BER",
        lines=(ShipmentLine("L1", "SKU-1", 1),),
        carrier="acme",
        service="ground",
        status=ShipmentStatus.SHIPPED,
        created_at=T0,
        tracking_number="P1",
        shipped_at=T0,
    )


def _expected(events: list[CarrierEvent]) -> TrackingStatus:
    """The status by the rule, worked out independently: latest known event, ties by progress."""
    known = [normalize(e, SCRIPTED_CODES).status for e in events]
    pairs = [
        (e.at, s) for e, s in zip(events, known, strict=True) if s is not TrackingStatus.UNKNOWN
    ]
    if not pairs:
        return TrackingStatus.UNKNOWN
    latest = max(at for at, _ in pairs)
    return max((s for at, s in pairs if at == latest), key=ORDER.index)


def _ingest(events: list[CarrierEvent], batches: list[int]) -> Shipment:
    shipment = _shipped()
    start = 0
    for size in [*batches, len(events)]:
        chunk = events[start : start + size]
        start += len(chunk)
        shipment, _ = track(shipment, [normalize(e, SCRIPTED_CODES) for e in chunk])
    return shipment


@given(raw_events, st.randoms(use_true_random=False), st.lists(st.integers(0, 5), max_size=6))
def test_status_follows_the_latest_known_event_whatever_the_order_and_repeats(
    events: list[CarrierEvent], rng: object, batches: list[int]
) -> None:
    delivered = list(events)
    delivered += delivered[: len(delivered) // 2]  # carriers resend
    rng.shuffle(delivered)  # type: ignore[attr-defined]
    shipment = _ingest(delivered, batches)
    assert shipment.tracking_status is _expected(events)
    # The history holds each distinct (time, code) once, in time order.
    keys = [(e.at, e.code) for e in shipment.events]
    assert len(keys) == len(set(keys)) == len({(e.at, e.code) for e in events})
    assert [e.at for e in shipment.events] == sorted(e.at for e in shipment.events)


@given(raw_events)
def test_a_shipped_parcel_arrives_exactly_when_its_latest_known_status_says_so(
    events: list[CarrierEvent],
) -> None:
    shipment = _ingest(events, [])  # one batch: the status is followed once
    expected = _expected(events)
    assert (shipment.status is ShipmentStatus.DELIVERED) == (expected is TrackingStatus.DELIVERED)
    returned = expected is TrackingStatus.RETURN_TO_SENDER
    assert (shipment.status is ShipmentStatus.RETURNED) == returned


holidays = st.frozensets(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 12, 31)), max_size=20
)


@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 11, 30)), st.integers(0, 20), holidays
)
def test_business_days_agree_with_counting_day_by_day(
    start: date, days: int, off: frozenset[date]
) -> None:
    calendar = BusinessCalendar(holidays=off)
    result = calendar.add_business_days(start, days)

    def working(day: date) -> bool:
        return day.weekday() < 5 and day not in off

    day = start
    while not working(day):
        day += timedelta(days=1)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if working(day):
            counted += 1
    assert result == day
    assert working(result)


_good_texts = st.sampled_from(["x", "DHL", " x ", "1Z999"])
_bad_texts = st.one_of(st.sampled_from(["", " ", "\t\n"]), st.integers(), st.none())
_good_times = st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]))
_bad_times = st.one_of(st.datetimes(), st.none(), st.text(max_size=2))  # naive, missing, text


# The order in which the check looks at the fields: it names the first bad one.
_CHECKED = ("carrier", "tracking_number", "code", "at")


@st.composite
def _maybe_broken_events(draw: st.DrawFn) -> tuple[CarrierEvent, str | None]:
    """A good event with none, one or two of its checked fields made bad, and the field the
    check must name (``None``: it must pass)."""
    broken = draw(st.sets(st.sampled_from(_CHECKED), max_size=2))
    values = {
        field: draw(_bad_texts if field in broken else _good_texts)
        for field in ("carrier", "tracking_number", "code")
    }
    at = draw(_bad_times if "at" in broken else _good_times)
    # Bad values are the point here, so the types are not what the class declares.
    event = CarrierEvent(values["carrier"], values["tracking_number"], at, values["code"])  # type: ignore[arg-type]
    return event, next((field for field in _CHECKED if field in broken), None)


_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@given(_maybe_broken_events())
@example((CarrierEvent("x", "y", _AT, " "), "code"))  # each field bad on its own
@example((CarrierEvent("", "y", _AT, "z"), "carrier"))
@example((CarrierEvent("x", 7, _AT, "z"), "tracking_number"))  # type: ignore[arg-type]
@example((CarrierEvent("x", "y", datetime(2025, 3, 3), "z"), "at"))
@example((CarrierEvent("", "y", datetime(2025, 3, 3), " "), "carrier"))
def test_carrier_event_check_names_the_first_bad_field(
    case: tuple[CarrierEvent, str | None],
) -> None:
    event, expected = case
    if expected is None:
        event.check()
    else:
        with pytest.raises(ValidationError) as raised:
            event.check()
        assert raised.value.field == expected


_described_events = st.lists(
    st.builds(
        CarrierEvent,
        carrier=st.just("scripted"),
        tracking_number=st.just("P1"),
        at=_good_times,
        code=st.sampled_from(CODES),
        location=st.sampled_from(["", "Berlin", "Hub 7"]),
        description=st.sampled_from(["", "Arrived", "Out with courier"]),
    ),
    max_size=8,
)


@given(_described_events)
def test_normalize_builds_what_the_class_would(events: list[CarrierEvent]) -> None:
    table = SCRIPTED_CODES
    for event in events:
        made = normalize(event, table)
        row = table.lookup(event.code)
        assert made == TrackingEvent(
            at=event.at,
            status=TrackingStatus.UNKNOWN if row is None else row.status,
            code=event.code,
            location=event.location,
            description=event.description,
            incident=None if row is None else row.incident,
        )
