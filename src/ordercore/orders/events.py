"""Order events and how each one changes an order.

:func:`evolve` applies one event; replaying an order's events from the journal with
:func:`replay` rebuilds the stored order exactly (an audit sweep checks this). Events carry
everything they change, including computed prices, so that replay never depends on the policy or
the code that decided them.

An event class may name ``personal_fields``: dotted paths into its payload that hold personal
data. The desk journals those beside the payload (see :mod:`ordercore.audit.journal`) so that
they can be erased without breaking the hash chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from ordercore._replace import replace
from ordercore.audit.journal import JournalEntry, payload_with_personal
from ordercore.errors import ValidationError
from ordercore.orders.model import (
    Address,
    LineQuantity,
    Order,
    OrderLine,
    OrderStatus,
    OrderTotals,
    Payment,
    ReviewNote,
    StockDelta,
)
from ordercore.serialization import structure

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "EVENT_TYPES",
    "OrderApproved",
    "OrderAssigned",
    "OrderCancelled",
    "OrderCompleted",
    "OrderConfirmed",
    "OrderDelivered",
    "OrderEdited",
    "OrderEvent",
    "OrderExpired",
    "OrderHeld",
    "OrderPlaced",
    "OrderRejected",
    "OrderReleased",
    "OrderReviewed",
    "OrderShipped",
    "PaymentRecorded",
    "catch_up",
    "event_of_entry",
    "evolve",
    "fulfilment_status",
    "replay",
]


@attrs.frozen(slots=True)
class OrderPlaced:
    """An order was taken; carries the whole new order."""

    personal_fields: ClassVar[tuple[str, ...]] = (
        "order.contact",
        "order.shipping_address",
        "order.billing_address",
    )
    order: Order


@attrs.frozen(slots=True)
class OrderApproved:
    """Review approved the order."""

    at: datetime
    reason: str | None = None


@attrs.frozen(slots=True)
class OrderReviewed:
    """The review engine's verdict; an approval, hold or rejection follows in the same command.

    Attributes:
        at: When the review ran.
        decision: ``"approve"``, ``"hold"`` or ``"reject"``.
        score: The sum of the findings' risk points.
        findings: What the rules found.
    """

    at: datetime
    decision: str
    score: int
    findings: tuple[ReviewNote, ...] = ()


@attrs.frozen(slots=True)
class OrderHeld:
    """The order was put on hold (for manual review, a payment problem, ...)."""

    at: datetime
    reason: str


@attrs.frozen(slots=True)
class OrderReleased:
    """A hold was lifted; the order returns to the state it was held from."""

    at: datetime
    reason: str | None = None


@attrs.frozen(slots=True)
class OrderRejected:
    """Review rejected the order; reservations it held (if held after confirmation) are released."""

    at: datetime
    reason: str
    stock: StockDelta = attrs.Factory(StockDelta)


@attrs.frozen(slots=True)
class OrderConfirmed:
    """The order was confirmed; stock is reserved for its lines."""

    at: datetime
    stock: StockDelta


@attrs.frozen(slots=True)
class PaymentRecorded:
    """A payment authorization, capture, failure or refund."""

    payment: Payment


@attrs.frozen(slots=True)
class OrderAssigned:
    """The order was routed to a queue and possibly a person."""

    at: datetime
    queue: str
    assignee: str | None
    reason: str | None = None


@attrs.frozen(slots=True)
class OrderShipped:
    """Units left in one shipment; their reservations are consumed."""

    at: datetime
    shipment_id: str
    lines: tuple[LineQuantity, ...]
    stock: StockDelta


@attrs.frozen(slots=True)
class OrderDelivered:
    """Units were delivered."""

    at: datetime
    lines: tuple[LineQuantity, ...]


@attrs.frozen(slots=True)
class OrderCompleted:
    """The order is closed."""

    at: datetime


@attrs.frozen(slots=True)
class OrderCancelled:
    """The order was cancelled; its reservations are released."""

    at: datetime
    reason: str
    stock: StockDelta


@attrs.frozen(slots=True)
class OrderExpired:
    """The order was not paid in time; its reservations are released."""

    at: datetime
    stock: StockDelta


@attrs.frozen(slots=True)
class OrderEdited:
    """Lines, quantities or the address changed after placement.

    Attributes:
        changes: What changed, in words, for people reading the journal.
        before_quantities: Each line's quantity before the edit (0 for added lines).
        after_quantities: Each line's quantity after it (0 for removed lines).
        before_totals: Totals before.
        lines: All lines after the edit, priced.
        totals: Totals after.
        shipping_address: The new address, if it changed (personal data).
        stock: What to reserve or release because of the edit.
    """

    personal_fields: ClassVar[tuple[str, ...]] = ("shipping_address",)
    at: datetime
    reason: str
    changes: tuple[str, ...]
    before_quantities: tuple[LineQuantity, ...]
    after_quantities: tuple[LineQuantity, ...]
    before_totals: OrderTotals
    lines: tuple[OrderLine, ...]
    totals: OrderTotals
    stock: StockDelta
    shipping_address: Address | None = None


OrderEvent = (
    OrderPlaced
    | OrderApproved
    | OrderReviewed
    | OrderHeld
    | OrderReleased
    | OrderRejected
    | OrderConfirmed
    | PaymentRecorded
    | OrderAssigned
    | OrderShipped
    | OrderDelivered
    | OrderCompleted
    | OrderCancelled
    | OrderExpired
    | OrderEdited
)

EVENT_TYPES: Mapping[str, type[OrderEvent]] = MappingProxyType(
    {
        cls.__name__: cls
        for cls in (
            OrderPlaced,
            OrderApproved,
            OrderReviewed,
            OrderHeld,
            OrderReleased,
            OrderRejected,
            OrderConfirmed,
            PaymentRecorded,
            OrderAssigned,
            OrderShipped,
            OrderDelivered,
            OrderCompleted,
            OrderCancelled,
            OrderExpired,
            OrderEdited,
        )
    }
)
"""Event type name to class, for reading events back from the journal."""


def fulfilment_status(lines: Iterable[OrderLine], current: OrderStatus) -> OrderStatus:
    """Derive the status from the counters once shipping has started.

    Nothing shipped keeps ``current``; some units shipped means in fulfilment; every wanted unit
    shipped means fulfilled; every shipped unit delivered as well means delivered.
    """
    active = shipped = delivered = 0
    for line in lines:
        active += line.quantity - line.cancelled
        shipped += line.shipped
        delivered += line.delivered
    if shipped == 0:
        return current
    if shipped < active:
        return OrderStatus.IN_FULFILMENT
    if delivered < shipped:
        return OrderStatus.FULFILLED
    return OrderStatus.DELIVERED


def _adjust_lines(
    order: Order, field: str, quantities: Iterable[LineQuantity], *, consume_reserved: bool
) -> tuple[OrderLine, ...]:
    by_line = {item.line_id: item.quantity for item in quantities}
    updated = []
    for line in order.lines:
        amount = by_line.get(line.line_id, 0)
        if amount:
            changes: dict[str, Any] = {field: getattr(line, field) + amount}
            if consume_reserved:
                changes["reserved"] = max(line.reserved - amount, 0)
            line = replace(line, **changes)
        updated.append(line)
    return tuple(updated)


def _reserve(lines: tuple[OrderLine, ...], delta: StockDelta) -> tuple[OrderLine, ...]:
    change: dict[str, int] = {}
    for item in delta.reserve:
        change[item.line_id] = change.get(item.line_id, 0) + item.quantity
    for item in delta.release:
        change[item.line_id] = change.get(item.line_id, 0) - item.quantity
    if not change:
        return lines
    return tuple(
        replace(line, reserved=line.reserved + change[line.line_id])
        if line.line_id in change
        else line
        for line in lines
    )


def _close_lines(order: Order) -> tuple[OrderLine, ...]:
    return tuple(
        replace(line, cancelled=line.quantity - line.shipped, reserved=0) for line in order.lines
    )


def evolve(order: Order | None, event: OrderEvent) -> Order:
    """Apply one event to an order (``None`` before :class:`OrderPlaced`).

    Raises:
        ValidationError: If the event cannot apply (an event before the order exists).
    """
    if isinstance(event, OrderPlaced):
        return event.order
    if order is None:
        raise ValidationError("event", f"{type(event).__name__} before OrderPlaced")
    version = order.version + 1
    milestones = order.milestones
    if isinstance(event, OrderReviewed):
        # The verdict lives in the journal; the approval, hold or rejection after it moves
        # the order.
        return replace(order, version=version)
    if isinstance(event, OrderApproved):
        return replace(
            order,
            status=OrderStatus.APPROVED,
            milestones=replace(milestones, approved_at=event.at),
            held_from=None,
            version=version,
        )
    if isinstance(event, OrderHeld):
        return replace(
            order,
            status=OrderStatus.ON_HOLD,
            held_from=order.status,
            status_reason=event.reason,
            milestones=replace(milestones, held_at=event.at),
            version=version,
        )
    if isinstance(event, OrderReleased):
        return replace(
            order,
            status=order.held_from or OrderStatus.PENDING_REVIEW,
            held_from=None,
            version=version,
        )
    if isinstance(event, OrderRejected):
        return replace(
            order,
            status=OrderStatus.REJECTED,
            status_reason=event.reason,
            held_from=None,
            lines=_close_lines(order),
            milestones=replace(milestones, rejected_at=event.at),
            version=version,
        )
    if isinstance(event, OrderConfirmed):
        return replace(
            order,
            status=OrderStatus.CONFIRMED,
            lines=_reserve(order.lines, event.stock),
            milestones=replace(milestones, confirmed_at=event.at),
            version=version,
        )
    if isinstance(event, PaymentRecorded):
        paid = replace(order, payments=(*order.payments, event.payment), version=version)
        if milestones.paid_at is None and paid.is_paid:
            paid = replace(paid, milestones=replace(milestones, paid_at=event.payment.at))
        return paid
    if isinstance(event, OrderAssigned):
        return replace(order, queue=event.queue, assignee=event.assignee, version=version)
    if isinstance(event, OrderShipped):
        lines = _adjust_lines(order, "shipped", event.lines, consume_reserved=True)
        status = fulfilment_status(lines, order.status)
        milestones = replace(
            milestones,
            first_shipped_at=milestones.first_shipped_at or event.at,
            fulfilled_at=event.at if status is OrderStatus.FULFILLED else milestones.fulfilled_at,
        )
        return replace(order, lines=lines, status=status, milestones=milestones, version=version)
    if isinstance(event, OrderDelivered):
        lines = _adjust_lines(order, "delivered", event.lines, consume_reserved=False)
        status = fulfilment_status(lines, order.status)
        if status is OrderStatus.DELIVERED:
            milestones = replace(milestones, delivered_at=event.at)
        return replace(order, lines=lines, status=status, milestones=milestones, version=version)
    if isinstance(event, OrderCompleted):
        return replace(
            order,
            status=OrderStatus.COMPLETED,
            milestones=replace(milestones, completed_at=event.at),
            version=version,
        )
    if isinstance(event, OrderCancelled):
        return replace(
            order,
            status=OrderStatus.CANCELLED,
            status_reason=event.reason,
            held_from=None,
            lines=_close_lines(order),
            milestones=replace(milestones, cancelled_at=event.at),
            version=version,
        )
    if isinstance(event, OrderExpired):
        return replace(
            order,
            status=OrderStatus.EXPIRED,
            held_from=None,
            lines=_close_lines(order),
            milestones=replace(milestones, expired_at=event.at),
            version=version,
        )
    if isinstance(event, OrderEdited):
        status = order.status
        if status is OrderStatus.IN_FULFILMENT:
            status = fulfilment_status(event.lines, status)
            if status is OrderStatus.FULFILLED:
                milestones = replace(milestones, fulfilled_at=event.at)
            elif status is OrderStatus.DELIVERED:
                milestones = replace(milestones, fulfilled_at=event.at, delivered_at=event.at)
        return replace(
            order,
            lines=event.lines,
            totals=event.totals,
            shipping_address=event.shipping_address or order.shipping_address,
            status=status,
            milestones=milestones,
            version=version,
        )
    raise ValidationError("event", f"unknown order event {type(event).__name__}")


def replay(events: Iterable[OrderEvent]) -> Order:
    """Rebuild an order from its events, oldest first.

    Raises:
        ValidationError: If there are no events or they do not start with :class:`OrderPlaced`.
    """
    order: Order | None = None
    for event in events:
        order = evolve(order, event)
    if order is None:
        raise ValidationError("events", "no events to replay")
    return order


def event_of_entry(entry: JournalEntry, converter: cattrs.Converter) -> OrderEvent:
    """The order event that a journal entry of an order's stream records.

    Raises:
        ValidationError: If the entry is not an order event, or its personal data was redacted.
    """
    event_type = EVENT_TYPES.get(entry.event_type)
    if event_type is None:
        raise ValidationError("event_type", f"unknown order event {entry.event_type!r}")
    event: OrderEvent = structure(converter, payload_with_personal(entry), event_type)
    return event


def catch_up(order: Order, entries: Sequence[JournalEntry], converter: cattrs.Converter) -> Order:
    """``order`` with the journal entries recorded after it applied, oldest first.

    The ``catch_up`` that :data:`~ordercore.orders.model.ORDERS` names in its
    :class:`~ordercore.storage.ports.JournalStream`: a backend that wrote an order's row at an
    earlier version brings it up to date from the order's stream.

    Raises:
        ValidationError: If an entry cannot be applied, or does not make the next version.
    """
    for entry in entries:
        order = _applied(order, entry, converter)
    return order


def replay_entries(entries: Sequence[JournalEntry], converter: cattrs.Converter) -> Order:
    """The order that its stream's journal entries make, from its ``OrderPlaced`` on.

    The ``replay`` of :data:`~ordercore.orders.model.ORDERS`' stream: a backend that stored a
    new order without its value builds it from the entries.

    Raises:
        ValidationError: If there are no entries, the first does not place the order, or an
            entry cannot be applied or does not make the next version.
    """
    order: Order | None = None
    for entry in entries:
        order = _applied(order, entry, converter)
    if order is None:
        raise ValidationError("entries", "no journal entries to replay")
    return order


def _applied(order: Order | None, entry: JournalEntry, converter: cattrs.Converter) -> Order:
    applied = evolve(order, event_of_entry(entry, converter))
    if applied.version != entry.version:
        raise ValidationError(
            "version",
            f"journal entry {entry.sequence} makes version {entry.version} of order "
            f"{applied.id}, but applying it gives version {applied.version}",
        )
    return applied
