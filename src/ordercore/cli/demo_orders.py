"""The order lifecycle part of ``ordercore demo``: a batch of orders from several channels."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import attrs

from ordercore.actors import Actor
from ordercore.cli._output import Printer
from ordercore.desk.desk import OrderDesk
from ordercore.errors import InvalidTransition, ValidationError
from ordercore.orders.edits import EditRequest
from ordercore.orders.intake import LineDraft, OrderDraft
from ordercore.orders.model import Address, Contact, Order, PaymentKind

__all__ = ["run_orders_part"]

_CUSTOMERS = (
    ("web", "WEB-1001", Contact("Ada Lovelace", email="ada@example.com"), "GB", "London"),
    (
        "phone",
        None,
        Contact("Grace Hopper", phone="+1 555 0100", preferred_channel="sms"),
        "US",
        "Arlington",
    ),
    ("email", "MAIL-77", Contact("Alan Turing", email="alan@example.org"), "GB", "Manchester"),
    (
        "marketplace",
        "MKT-9-4411",
        Contact("Emmy Noether", email="emmy@example.de"),
        "DE",
        "Erlangen",
    ),
)


def _draft(
    channel: str, external_id: str | None, contact: Contact, country: str, city: str, index: int
) -> OrderDraft:
    return OrderDraft(
        channel=channel,
        currency="EUR",
        external_id=external_id,
        contact=contact,
        shipping_address=Address(
            name=contact.name,
            line1=f"{index + 1} Demo Street",
            city=city,
            country=country,
            postal_code=f"{10000 + index}",
        ),
        lines=[
            LineDraft("MUG-01", 2, "12.50", name="Mug", tax_rate="0.19", category="kitchen"),
            LineDraft("TEA-07", 1 + index, "4.99", name="Tea", tax_rate="0.07", category="grocery"),
            *_big_ticket(index),
        ],
        billing_address=_billing(contact, index),
        order_discount="2.00" if index % 2 else "0",
        shipping_fee="4.95",
    )


def _big_ticket(index: int) -> list[LineDraft]:
    # The phone order is a large first order billed abroad: review holds it for a person.
    if index != 1:
        return []
    return [LineDraft("SAM-01", 1, "1199.00", name="Samovar", tax_rate="0.19")]


def _billing(contact: Contact, index: int) -> Address | None:
    if index != 1:
        return None
    return Address(contact.name, "1 Maple Road", "Toronto", "CA", "M5V 2T6")


def _row(order: Order) -> tuple[object, ...]:
    return (
        order.number,
        order.channel,
        order.status.value,
        order.payment_state.value,
        str(order.totals.grand_total),
        order.queue or "-",
        sum(line.shipped for line in order.lines),
    )


def run_orders_part(printer: Printer, desk: OrderDesk) -> None:
    """Place (reviewed at intake), confirm, pay, ship, deliver, complete; show refusals too."""
    printer.heading("Orders: intake from four channels, through to completion")
    clerk = Actor("u-clerk", roles={"clerk"})
    orders = desk.orders
    placed = [
        orders.place(_draft(*customer, index), actor=clerk, idempotency_key=f"demo-order-{index}")
        for index, customer in enumerate(_CUSTOMERS)
    ]
    resent = orders.place(_draft(*_CUSTOMERS[3], 3), actor=clerk)
    printer.line(
        f"  the marketplace sends order MKT-9-4411 again -> {resent.number}, not a duplicate"
    )
    first, second, third, fourth = (order.id for order in placed)

    printer.line("  automatic review at intake:")
    for order in placed:
        printer.line(f"    {order.number}: {order.status.value}")
    for held in desk.review.queue():
        printer.line(f"  review queue: {held.order.number}, score {held.score}")
        for finding in held.findings:
            printer.line(f"    - {finding.rule} (+{finding.score}): {finding.message}")
    reviewer = Actor("u-reviewer", roles={"reviewer"})
    desk.review.approve(second, actor=reviewer, reason="customer confirmed by phone")
    printer.line("  a reviewer approved it after calling the customer back")
    edited = orders.edit(
        third,
        EditRequest(set_quantities={"L2": 5}),
        actor=clerk,
        reason="customer asked for more tea",
    )
    printer.line(f"  {edited.number} edited: tea 3 -> 5, total now {edited.totals.grand_total}")
    for order_id in (first, second, third):
        order = orders.confirm(order_id, actor=clerk)
        orders.record_payment(
            order_id,
            actor=clerk,
            kind=PaymentKind.CAPTURE,
            amount=order.totals.grand_total,
            reference=f"psp-{order.number}",
            idempotency_key=f"psp-{order.number}",
        )
    orders.ship(first, actor=clerk, lines={"L1": 1})
    for order_id in (first, second, third):
        orders.ship(order_id, actor=clerk)
        orders.deliver(order_id, actor=clerk)
    orders.complete(first, actor=clerk)
    orders.complete(second, actor=clerk)
    orders.cancel(fourth, actor=clerk, reason="customer withdrew before payment")

    printer.table(
        "Orders",
        ["number", "channel", "status", "payment", "total", "queue", "shipped"],
        [_row(order) for order in orders.list()],
    )

    timeline = orders.timeline(third)
    printer.line(f"  timeline of {timeline.number}: now '{timeline.current}'")
    for stage in timeline.stages:
        when = stage.at.strftime("%H:%M:%S") if stage.at else ""
        printer.line(f"    [{stage.state.value:8}] {stage.label} {when} {stage.detail}".rstrip())
    printer.line(f"    next: {timeline.next_step}")

    printer.heading("Orders: refusals write nothing")
    before = desk.audit.head().sequence
    bad = _draft(*_CUSTOMERS[0], 9)
    float_price = LineDraft("MUG-01", 1, 12.5)  # type: ignore[arg-type]
    fractional = LineDraft("MUG-01", Decimal("1.5"), "12.50")  # type: ignore[arg-type]
    attempts: list[tuple[str, Callable[[], Order]]] = [
        (
            "a float price",
            lambda: orders.place(attrs.evolve(bad, lines=[float_price]), actor=clerk),
        ),
        (
            "a fractional quantity",
            lambda: orders.place(attrs.evolve(bad, lines=[fractional]), actor=clerk),
        ),
        ("shipping a cancelled order", lambda: orders.ship(fourth, actor=clerk)),
        ("cancelling a completed order", lambda: orders.cancel(first, actor=clerk, reason="x")),
    ]
    for label, attempt in attempts:
        try:
            attempt()
        except (ValidationError, InvalidTransition) as exc:
            printer.line(f"  {label}: {type(exc).__name__}: {exc}")
    printer.line(
        f"  journal length before and after the refusals: {before} and {desk.audit.head().sequence}"
    )

    replayed = orders.replay(third)
    printer.line(
        f"  replaying {replayed.number} from the journal rebuilds the stored order: "
        f"{replayed == orders.get(third)}"
    )
