"""Every exception rule fires at its boundary and not a moment before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest

from ordercore.errors import ValidationError
from ordercore.shipping.exceptions import ExceptionPolicy, due_exceptions
from ordercore.shipping.model import (
    ExceptionKind,
    Resolution,
    Shipment,
    ShipmentException,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
)

K = ExceptionKind
S = TrackingStatus
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)
POLICY = ExceptionPolicy(
    no_first_scan_after=timedelta(days=2),
    no_movement_after=timedelta(days=5),
    presumed_lost_after=timedelta(days=14),
)


def shipment(status: ShipmentStatus = ShipmentStatus.LABELLED, **changes: Any) -> Shipment:
    base = Shipment(
        id="shp-1",
        order_id="ord-1",
        location="BER",
        lines=(ShipmentLine("L1", "SKU-1", 1),),
        carrier="acme",
        service="ground",
        status=status,
        created_at=T0,
        tracking_number="ACME1",
        labelled_at=T0,
    )
    return attrs.evolve(base, **changes)


def kinds(item: Shipment, now: datetime) -> set[ExceptionKind]:
    return {found.kind for found in due_exceptions(item, now, POLICY)}


def scan(at: datetime, status: TrackingStatus) -> TrackingEvent:
    return TrackingEvent(at, status, status.value)


def test_no_first_scan_fires_exactly_n_days_after_the_label() -> None:
    item = shipment()
    boundary = T0 + POLICY.no_first_scan_after
    assert K.NO_FIRST_SCAN not in kinds(item, boundary - TICK)
    assert K.NO_FIRST_SCAN in kinds(item, boundary)


def test_a_pre_transit_event_is_not_a_scan_but_any_movement_is() -> None:
    boundary = T0 + POLICY.no_first_scan_after
    announced = shipment(events=(scan(T0, S.PRE_TRANSIT),))
    assert K.NO_FIRST_SCAN in kinds(announced, boundary)
    moving = shipment(events=(scan(T0, S.IN_TRANSIT),))
    assert K.NO_FIRST_SCAN not in kinds(moving, boundary)


def test_past_promised_date_fires_at_midnight_after_the_promised_day() -> None:
    item = shipment(ShipmentStatus.SHIPPED, shipped_at=T0, promised_on=date(2025, 3, 5))
    midnight = datetime(2025, 3, 6, tzinfo=UTC)
    assert K.PAST_PROMISED_DATE not in kinds(item, midnight - TICK)
    assert K.PAST_PROMISED_DATE in kinds(item, midnight)
    delivered = attrs.evolve(item, status=ShipmentStatus.DELIVERED)
    assert K.PAST_PROMISED_DATE not in kinds(delivered, midnight + timedelta(days=3))


def test_delivery_failed_and_returned_fire_on_the_latest_status_only() -> None:
    failed = shipment(ShipmentStatus.SHIPPED, shipped_at=T0, tracking_status=S.DELIVERY_FAILED)
    assert kinds(failed, T0) == {K.DELIVERY_FAILED}
    found = due_exceptions(failed, T0, POLICY)[0]
    assert found.resolution is Resolution.CONTACT_CARRIER
    back = shipment(ShipmentStatus.RETURNED, shipped_at=T0, tracking_status=S.RETURN_TO_SENDER)
    assert K.RETURNED_TO_SENDER in kinds(back, T0)
    assert due_exceptions(back, T0, POLICY)[0].resolution is Resolution.RESHIP
    moving = shipment(ShipmentStatus.SHIPPED, shipped_at=T0, tracking_status=S.IN_TRANSIT)
    assert K.DELIVERY_FAILED not in kinds(moving, T0)


def test_no_movement_and_presumed_lost_count_from_the_last_event() -> None:
    last = T0 + timedelta(days=1)
    item = shipment(
        ShipmentStatus.SHIPPED,
        shipped_at=T0,
        events=(scan(T0, S.IN_TRANSIT), scan(last, S.IN_TRANSIT)),
        tracking_status=S.IN_TRANSIT,
    )
    assert K.NO_MOVEMENT not in kinds(item, last + POLICY.no_movement_after - TICK)
    assert K.NO_MOVEMENT in kinds(item, last + POLICY.no_movement_after)
    assert K.PRESUMED_LOST not in kinds(item, last + POLICY.presumed_lost_after - TICK)
    assert K.PRESUMED_LOST in kinds(item, last + POLICY.presumed_lost_after)
    lost = due_exceptions(item, last + POLICY.presumed_lost_after, POLICY)
    assert {f.kind: f.resolution for f in lost}[K.PRESUMED_LOST] is Resolution.RESHIP


def test_a_shipment_not_handed_over_is_not_watched_for_movement() -> None:
    far = T0 + timedelta(days=60)
    assert not {K.NO_MOVEMENT, K.PRESUMED_LOST} & kinds(shipment(), far)


def test_each_kind_opens_once_per_shipment() -> None:
    opened = ShipmentException(K.DELIVERY_FAILED, T0, "x", Resolution.CONTACT_CARRIER, T0)
    item = shipment(
        ShipmentStatus.SHIPPED,
        shipped_at=T0,
        tracking_status=S.DELIVERY_FAILED,
        exceptions=(opened,),
    )
    assert K.DELIVERY_FAILED not in kinds(item, T0)


def test_lost_must_come_after_no_movement() -> None:
    with pytest.raises(ValidationError) as raised:
        ExceptionPolicy(no_movement_after=timedelta(days=5), presumed_lost_after=timedelta(days=5))
    assert raised.value.field == "presumed_lost_after"
