"""Acceptance 2: split shipments from the allocation ship exactly what was ordered, consume the
right reservations, and the order is delivered only with its last shipment."""

from __future__ import annotations

from datetime import timedelta

from ordercore import ManualClock, OrderDesk, OrderStatus
from ordercore.shipping.model import ShipmentStatus
from ordercore.shipping.tracking import CarrierEvent
from ordercore.testing import RecordingNotifier

from .conftest import CLERK, HOOK, T0, paid_order


def _deliver(desk: OrderDesk, shipment_id: str, hours: int) -> None:
    shipment = desk.shipping.get(shipment_id)
    assert shipment.tracking_number is not None
    event = CarrierEvent(
        shipment.carrier, shipment.tracking_number, T0 + timedelta(hours=hours), "DEL"
    )
    desk.shipping.record_tracking([event], actor=HOOK)


def test_shipments_follow_the_reservations_location_by_location(desk: OrderDesk) -> None:
    order = paid_order(desk, ("SKU-1", 5), ("MUG", 2))
    reserved = {
        (r.line_id, r.location): r.quantity for r in desk.inventory.reservations(order.id).active()
    }
    assert reserved == {("L1", "BER"): 3, ("L1", "PAR"): 2}

    berlin, paris = desk.shipping.create_from_plan(
        order.id, actor=CLERK, carrier="acme", service="ground"
    )

    assert (berlin.location, berlin.units) == ("BER", {"L1": 3, "L2": 2})  # MUG is untracked
    assert (paris.location, paris.units) == ("PAR", {"L1": 2})
    assert [s.id for s in desk.shipping.for_order(order.id)] == [berlin.id, paris.id]


def test_shipping_the_split_consumes_each_locations_reservation_and_ships_exactly_the_order(
    desk: OrderDesk,
) -> None:
    order = paid_order(desk, ("SKU-1", 5), ("MUG", 2))
    berlin, paris = desk.shipping.create_from_plan(
        order.id, actor=CLERK, carrier="acme", service="ground"
    )

    desk.shipping.buy_label(paris.id, actor=CLERK)
    desk.shipping.ship(paris.id, actor=CLERK)  # Paris first: consumption must not go oldest-first
    assert desk.inventory.level("SKU-1", "BER").reserved == 3
    assert desk.inventory.level("SKU-1", "PAR").reserved == 0
    assert desk.inventory.level("SKU-1", "PAR").on_hand == 8
    assert desk.orders.get(order.id).status is OrderStatus.IN_FULFILMENT

    desk.shipping.buy_label(berlin.id, actor=CLERK)
    desk.shipping.ship(berlin.id, actor=CLERK)
    after = desk.orders.get(order.id)
    assert after.status is OrderStatus.FULFILLED
    assert {line.line_id: line.shipped for line in after.lines} == {"L1": 5, "L2": 2}
    assert all(line.reserved == 0 for line in after.lines)
    assert desk.inventory.level("SKU-1", "BER").on_hand == 0
    assert desk.inventory.level("SKU-1", "BER").reserved == 0
    assert not desk.inventory.reservations(order.id).active()
    assert desk.orders.replay(order.id) == after  # the order's journal agrees with its state


def test_the_order_is_delivered_only_when_every_shipment_is(desk: OrderDesk) -> None:
    order = paid_order(desk, ("SKU-1", 5))
    shipments = desk.shipping.create_from_plan(
        order.id, actor=CLERK, carrier="acme", service="ground"
    )
    for shipment in shipments:
        desk.shipping.buy_label(shipment.id, actor=CLERK)
        desk.shipping.ship(shipment.id, actor=CLERK)

    _deliver(desk, shipments[0].id, 30)
    partly = desk.orders.get(order.id)
    assert partly.status is OrderStatus.FULFILLED
    assert {line.line_id: line.delivered for line in partly.lines} == {"L1": 3}

    _deliver(desk, shipments[1].id, 40)
    assert desk.orders.get(order.id).status is OrderStatus.DELIVERED
    assert [s.status for s in desk.shipping.for_order(order.id)] == [ShipmentStatus.DELIVERED] * 2


def test_a_planned_shipment_keeps_the_order_from_being_delivered(desk: OrderDesk) -> None:
    order = paid_order(desk, ("SKU-1", 5))
    first = desk.shipping.create(
        order.id, {"L1": 3}, location="BER", actor=CLERK, carrier="acme", service="ground"
    )
    desk.shipping.create(
        order.id, {"L1": 2}, location="PAR", actor=CLERK, carrier="acme", service="ground"
    )
    desk.shipping.buy_label(first.id, actor=CLERK)
    desk.shipping.ship(first.id, actor=CLERK)
    _deliver(desk, first.id, 30)
    assert desk.orders.get(order.id).status is OrderStatus.IN_FULFILMENT


def test_shipping_and_delivery_tell_the_customer_once_each_with_the_tracking_link(
    desk: OrderDesk, recorder: RecordingNotifier, clock: ManualClock
) -> None:
    order = paid_order(desk, ("SKU-1", 2))
    (shipment,) = desk.shipping.create_from_plan(
        order.id, actor=CLERK, carrier="acme", service="ground"
    )
    labelled = desk.shipping.buy_label(shipment.id, actor=CLERK)
    desk.shipping.ship(shipment.id, actor=CLERK)
    _deliver(desk, shipment.id, 50)

    templates = [n.template for n in recorder.received]
    assert templates.count("shipment_shipped") == 1
    assert templates.count("shipment_delivered") == 1
    assert "order_shipped" not in templates  # shipping's own message replaces the order's
    shipped = next(n for n in recorder.received if n.template == "shipment_shipped")
    assert shipped.data["tracking_number"] == labelled.tracking_number
    assert shipped.data["tracking_url"] == labelled.tracking_url
    assert shipped.data["tracking_url"]
    assert shipped.recipient == "ada@example.com"


def test_an_order_of_untracked_skus_only_leaves_from_the_best_priority_location(
    desk: OrderDesk,
) -> None:
    order = paid_order(desk, ("MUG", 2))
    assert not desk.inventory.reservations(order.id).active()

    (shipment,) = desk.shipping.create_from_plan(order.id, actor=CLERK, carrier="acme")

    assert (shipment.location, shipment.units) == ("BER", {"L1": 2})
