"""The stock part of ``ordercore demo``: reservations that cannot oversell."""

from __future__ import annotations

from datetime import timedelta

from ordercore.actors import Actor
from ordercore.cli._output import Printer
from ordercore.desk.desk import OrderDesk
from ordercore.errors import InsufficientStock
from ordercore.orders.intake import LineDraft, OrderDraft
from ordercore.orders.model import Address, Contact, OrderStatus

__all__ = ["run_stock_part"]

_SKU = "LAMP-3"


def _approved_order(desk: OrderDesk, clerk: Actor, units: int, index: int) -> str:
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Lise Meitner", email="lise@example.at"),
        shipping_address=Address("Lise Meitner", f"{index} Lamp Lane", "Vienna", "AT", "1010"),
        lines=[LineDraft(_SKU, units, "39.00", name="Desk lamp", tax_rate="0.20")],
    )
    order = desk.orders.place(draft, actor=clerk)
    if order.status is OrderStatus.PENDING_REVIEW:  # automatic review is off
        desk.orders.approve(order.id, actor=clerk)
    return order.id


def run_stock_part(printer: Printer, desk: OrderDesk) -> str:
    """Track a SKU in two locations, confirm orders against it, hold a cart, expire it.

    Returns:
        The id of the confirmed order reserved across both locations.
    """
    printer.heading("Stock: reserved on confirmation, never oversold")
    clerk = Actor("u-clerk", roles={"clerk"})
    inventory = desk.inventory
    inventory.add_location("VIE", actor=clerk, name="Vienna", priority=1, region="AT")
    inventory.add_location("GRZ", actor=clerk, name="Graz", priority=2, region="AT")
    inventory.track(_SKU, actor=clerk, low_stock={"VIE": 1})
    inventory.receive(_SKU, "VIE", 3, actor=clerk, reference="demo delivery")
    inventory.receive(_SKU, "GRZ", 2, actor=clerk, reference="demo delivery")

    first = desk.orders.confirm(_approved_order(desk, clerk, 4, 1), actor=clerk)
    places = [(r.location, r.quantity) for r in inventory.reservations(first.id).active()]
    printer.line(f"  {first.number} for 4 lamps: {first.status.value}, reserved {places}")
    second = desk.orders.confirm(_approved_order(desk, clerk, 2, 2), actor=clerk)
    printer.line(f"  {second.number} for 2 lamps: {second.status.value} ({second.status_reason})")

    try:
        inventory.hold("cart-demo", {_SKU: 2}, actor=clerk, ttl=timedelta(minutes=15))
    except InsufficientStock as exc:
        printer.line(f"  a cart asks for 2 more: {type(exc).__name__}: {exc}")
    inventory.hold("cart-demo", {_SKU: 1}, actor=clerk, ttl=timedelta(minutes=15))
    later = desk.clock.now() + timedelta(minutes=20)
    expired = inventory.expire_due(actor=Actor.system("stock-sweeper"), now=later)
    printer.line(f"  a cart holds the last lamp; 20 minutes later the sweep expires {expired}")
    printer.table(
        f"Stock of {_SKU}",
        ["location", "on hand", "reserved", "available", "ledger replays"],
        [
            (
                location,
                level.on_hand,
                level.reserved,
                level.available,
                inventory.replay(_SKU, location) == level,
            )
            for location in ("VIE", "GRZ")
            for level in [inventory.level(_SKU, location)]
        ],
    )
    return first.id
