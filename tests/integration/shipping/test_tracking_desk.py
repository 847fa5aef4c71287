"""Tracking through the desk: a plugin carrier end to end, webhooks, polling, exceptions."""

from __future__ import annotations

from datetime import timedelta

from ordercore import ManualClock, OrderDesk, OrderStatus
from ordercore.shipping.model import ExceptionKind, Shipment, ShipmentStatus, TrackingStatus
from ordercore.shipping.rates import RateChoice
from ordercore.shipping.tracking import CarrierEvent
from ordercore.testing import RecordingNotifier
from ordercore.testing.carriers import ScriptedCarrier

from .conftest import CLERK, HOOK, T0, paid_order


def _shipped(desk: OrderDesk, carrier: str = "acme", service: str = "ground") -> Shipment:
    order = paid_order(desk, ("SKU-1", 2))
    (shipment,) = desk.shipping.create_from_plan(
        order.id, actor=CLERK, carrier=carrier, service=service
    )
    desk.shipping.buy_label(shipment.id, actor=CLERK)
    return desk.shipping.ship(shipment.id, actor=CLERK)


def test_a_plugin_carrier_serves_rates_labels_and_tracking(
    desk: OrderDesk, acme: ScriptedCarrier
) -> None:
    order = paid_order(desk, ("SKU-1", 2))
    (shipment,) = desk.shipping.create_from_plan(order.id, actor=CLERK)
    quotes = desk.shipping.rates(shipment.id)
    assert {(r.carrier, r.service) for r in quotes.rates} == {("acme", "ground"), ("acme", "air")}
    fastest = desk.shipping.shop(shipment.id, choice=RateChoice.FASTEST)
    assert (fastest.carrier, fastest.service) == ("acme", "air")

    labelled = desk.shipping.buy_label(shipment.id, actor=CLERK, rate=fastest)
    assert (labelled.carrier, labelled.service) == ("acme", "air")
    assert labelled.tracking_number is not None
    assert labelled.transit_days == 1
    assert labelled.estimated_on is not None
    shipped = desk.shipping.ship(shipment.id, actor=CLERK)

    acme.scan(labelled.tracking_number, T0 + timedelta(hours=2), "PU", "Berlin")
    acme.scan(labelled.tracking_number, T0 + timedelta(hours=20), "OFD", "Munich")
    report = desk.shipping.poll_tracking(actor=HOOK)
    assert (report.recorded, report.duplicates) == (2, 0)
    assert desk.shipping.get(shipped.id).tracking_status is TrackingStatus.OUT_FOR_DELIVERY

    delivered = desk.shipping.receive_webhook(
        "acme",
        {
            "parcel": labelled.tracking_number,
            "scans": [{"ts": "2025-03-04T10:00:00+00:00", "status_code": "DEL"}],
        },
        actor=HOOK,
    )
    assert delivered.delivered == (shipment.id,)
    assert desk.orders.get(order.id).status is OrderStatus.DELIVERED
    again = desk.shipping.poll_tracking(actor=HOOK)
    assert (again.recorded, again.duplicates) == (0, 0)  # delivered parcels are not polled


def test_duplicates_and_late_events_leave_the_latest_status(desk: OrderDesk) -> None:
    shipment = _shipped(desk)
    number = shipment.tracking_number
    assert number is not None

    def at(hours: int, code: str) -> CarrierEvent:
        return CarrierEvent("acme", number, T0 + timedelta(hours=hours), code)

    first = desk.shipping.record_tracking([at(30, "OFD"), at(2, "PU"), at(2, "PU")], actor=HOOK)
    assert (first.received, first.recorded, first.duplicates) == (3, 2, 1)
    late = desk.shipping.record_tracking([at(10, "HUB"), at(30, "OFD"), at(31, "ZZZ")], actor=HOOK)
    assert (late.recorded, late.duplicates) == (2, 1)
    after = desk.shipping.get(shipment.id)
    assert after.tracking_status is TrackingStatus.OUT_FOR_DELIVERY  # ZZZ is unmapped
    assert [e.code for e in after.events] == ["PU", "HUB", "OFD", "ZZZ"]
    unchanged = desk.shipping.record_tracking([at(2, "PU")], actor=HOOK)
    assert unchanged.shipments == ()
    assert desk.shipping.get(shipment.id).version == after.version


def test_out_for_delivery_is_told_once(desk: OrderDesk, recorder: RecordingNotifier) -> None:
    shipment = _shipped(desk)
    assert shipment.tracking_number is not None
    for hours in (5, 6):
        event = CarrierEvent("acme", shipment.tracking_number, T0 + timedelta(hours=hours), "OFD")
        desk.shipping.record_tracking([event], actor=HOOK)
    templates = [n.template for n in recorder.received]
    assert templates.count("shipment_out_for_delivery") == 1


def test_a_failed_delivery_opens_an_exception_for_customer_staff_and_timeline(
    desk: OrderDesk, recorder: RecordingNotifier
) -> None:
    shipment = _shipped(desk)
    assert shipment.tracking_number is not None
    event = CarrierEvent(
        "acme", shipment.tracking_number, T0 + timedelta(hours=30), "NA1", "Munich", "Nobody home"
    )
    desk.shipping.record_tracking([event], actor=HOOK)

    after = desk.shipping.get(shipment.id)
    (problem,) = after.open_exceptions()
    assert problem.kind is ExceptionKind.DELIVERY_FAILED
    assert "Nobody home" in problem.detail
    told = [
        (n.template, n.recipient) for n in recorder.received if n.template == "shipment_exception"
    ]
    assert sorted(told) == [
        ("shipment_exception", "ada@example.com"),
        ("shipment_exception", "ops@example.com"),
    ]
    timeline = desk.shipping.timeline(after.order_id)
    assert timeline.stages[-1].key == "shipment_exception"
    assert timeline.current.startswith("Problem with a parcel")

    resolved = desk.shipping.resolve_exception(
        shipment.id, ExceptionKind.DELIVERY_FAILED, actor=CLERK, note="rebooked"
    )
    assert not resolved.open_exceptions()
    assert desk.shipping.timeline(after.order_id).stages[-1].key != "shipment_exception"


def test_the_sweep_opens_time_rules_at_their_boundary(desk: OrderDesk, clock: ManualClock) -> None:
    shipment = _shipped(desk)
    limit = desk.shipping.policy.exceptions.no_first_scan_after
    sweeper = CLERK
    assert (
        desk.shipping.check_exceptions(actor=sweeper, now=T0 + limit - timedelta(seconds=1)) == ()
    )
    found = desk.shipping.check_exceptions(actor=sweeper, now=T0 + limit)
    assert [f.exception.kind for f in found] == [ExceptionKind.NO_FIRST_SCAN]
    assert desk.shipping.check_exceptions(actor=sweeper, now=T0 + limit) == ()  # opened once
    clock.advance(timedelta(days=20))
    later = {f.exception.kind for f in desk.shipping.check_exceptions(actor=sweeper)}
    assert later == {
        ExceptionKind.NO_MOVEMENT,
        ExceptionKind.PRESUMED_LOST,
        ExceptionKind.PAST_PROMISED_DATE,
    }
    assert desk.shipping.get(shipment.id).status is ShipmentStatus.SHIPPED


def test_the_timeline_shows_the_parcel_and_its_delivery_estimate(desk: OrderDesk) -> None:
    shipment = _shipped(desk)
    timeline = desk.shipping.timeline(shipment.order_id)
    stages = {stage.key: stage for stage in timeline.stages}
    assert shipment.tracking_number is not None
    assert shipment.tracking_number in stages["shipped"].detail
    assert shipment.estimated_on is not None
    assert stages["delivered"].detail.startswith(f"expected by {shipment.estimated_on.isoformat()}")


def test_a_cancelled_shipment_voids_its_label_and_ignores_later_events(
    desk: OrderDesk, acme: ScriptedCarrier
) -> None:
    order = paid_order(desk, ("SKU-1", 1))
    (shipment,) = desk.shipping.create_from_plan(
        order.id, actor=CLERK, carrier="acme", service="ground"
    )
    labelled = desk.shipping.buy_label(shipment.id, actor=CLERK)
    cancelled = desk.shipping.cancel(shipment.id, actor=CLERK, reason="customer collects")
    assert cancelled.status is ShipmentStatus.CANCELLED
    assert labelled.tracking_number is not None
    report = desk.shipping.record_tracking(
        [CarrierEvent("acme", labelled.tracking_number, T0, "PU")], actor=HOOK
    )
    assert report.ignored == 1
    # Its units may go in a new shipment.
    again = desk.shipping.create(order.id, {"L1": 1}, location="BER", actor=CLERK)
    assert again.units == {"L1": 1}


def test_documents_come_from_the_shipment_and_its_order(desk: OrderDesk) -> None:
    shipment = _shipped(desk)
    note = desk.shipping.delivery_note(shipment.id)
    assert note.tracking_number == shipment.tracking_number
    assert note.units == 2
    assert "Ada Lovelace" in note.to_text()
    picks = desk.shipping.pick_list(shipment.id)
    assert picks.location == "BER"
    assert [(line.sku, line.quantity) for line in picks.lines] == [("SKU-1", 2)]


def test_a_delivery_after_a_failed_attempt_closes_the_exception(desk: OrderDesk) -> None:
    shipment = _shipped(desk)
    assert shipment.tracking_number is not None
    failed = CarrierEvent("acme", shipment.tracking_number, T0 + timedelta(hours=30), "NA1")
    desk.shipping.record_tracking([failed], actor=HOOK)
    assert desk.shipping.get(shipment.id).open_exceptions()
    arrived = CarrierEvent("acme", shipment.tracking_number, T0 + timedelta(hours=50), "DEL")
    desk.shipping.record_tracking([arrived], actor=HOOK)
    after = desk.shipping.get(shipment.id)
    assert after.status is ShipmentStatus.DELIVERED
    assert not after.open_exceptions()
    (closed,) = after.exceptions
    assert (closed.note, closed.resolved_at) == ("delivered", arrived.at)
    kinds = [e.event_type for e in desk.audit.stream("shipment", shipment.id)][-3:]
    assert kinds == ["TrackingRecorded", "ShipmentDelivered", "ExceptionResolved"]
    assert after.version == len(desk.audit.stream("shipment", shipment.id))
