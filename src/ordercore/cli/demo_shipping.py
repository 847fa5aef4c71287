"""The shipping part of ``ordercore demo``: an order reserved in two places, two parcels."""

from __future__ import annotations

from datetime import timedelta

from ordercore.actors import Actor
from ordercore.cli._output import Printer
from ordercore.desk.desk import OrderDesk
from ordercore.orders.model import PaymentKind
from ordercore.shipping.tracking import CarrierEvent

__all__ = ["run_shipping_part"]


def run_shipping_part(printer: Printer, desk: OrderDesk, order_id: str) -> None:
    """Plan, label, hand over and track the shipments of a confirmed order until delivery."""
    printer.heading("Shipping: one parcel per warehouse, tracked to the door")
    clerk = Actor("u-clerk", roles={"clerk"})
    webhook = Actor.system("carrier-webhook")
    order = desk.orders.get(order_id)
    due = order.totals.grand_total - order.captured
    desk.orders.record_payment(order_id, actor=clerk, kind=PaymentKind.CAPTURE, amount=due)
    printer.line(f"  {order.number}: {due} captured, so it may ship")
    shipments = desk.shipping.create_from_plan(order_id, actor=clerk)
    for planned in shipments:
        shipment = desk.shipping.buy_label(planned.id, actor=clerk)
        desk.shipping.ship(shipment.id, actor=clerk)
        printer.line(
            f"  {shipment.id} from {shipment.location}: units {shipment.units}, "
            f"label {shipment.tracking_number}, estimated {shipment.estimated_on}"
        )
    order = desk.orders.get(order_id)
    printer.line(f"  after hand-over: {order.number} is {order.status.value}")

    start = desk.clock.now()
    events = []
    for hours, shipment in enumerate(desk.shipping.for_order(order_id), start=1):
        number = shipment.tracking_number or ""
        scan = CarrierEvent(shipment.carrier, number, start + timedelta(hours=hours), "in_transit")
        events += [
            CarrierEvent(
                shipment.carrier, number, start + timedelta(days=1, hours=hours), "delivered"
            ),
            scan,
            scan,  # carriers send some scans twice; the second is ignored
        ]
    report = desk.shipping.record_tracking(events, actor=webhook)
    printer.line(
        f"  tracking: {report.recorded} events recorded, {report.duplicates} duplicates ignored, "
        "the late scans placed before the deliveries"
    )
    order = desk.orders.get(order_id)
    printer.table(
        "Shipments",
        ["shipment", "location", "status", "replays from journal"],
        [
            (s.id, s.location, s.tracking_status.value, desk.shipping.replay(s.id) == s)
            for s in desk.shipping.for_order(order_id)
        ],
    )
    printer.line(f"  with its last parcel delivered, {order.number} is {order.status.value}")
