"""The order lifecycle: a transition table, and one pure decide function per command.

:data:`TRANSITIONS` is the single source of what may happen: rows of (from, command, to, guard).
Every decide function checks that its command is in the table for the order's state before it
looks at anything else, and that the state it arrives at is a row's target, so nothing outside the
table can happen. :func:`mermaid` renders the table for the docs.

Decide functions take the order, the command's arguments, ``now`` and the :class:`OrderPolicy`,
and return a :class:`Decision`: the events, the new order and what the step asks of stock.
They never read the clock, touch storage or call plugins.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from ordercore._replace import replace
from ordercore.errors import InvalidTransition, ValidationError
from ordercore.money import Money
from ordercore.orders.events import (
    OrderApproved,
    OrderAssigned,
    OrderCancelled,
    OrderCompleted,
    OrderConfirmed,
    OrderDelivered,
    OrderEvent,
    OrderExpired,
    OrderHeld,
    OrderPlaced,
    OrderRejected,
    OrderReleased,
    OrderReviewed,
    OrderShipped,
    PaymentRecorded,
    evolve,
)
from ordercore.orders.intake import ValidDraft
from ordercore.orders.model import (
    LineQuantity,
    Milestones,
    Note,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentKind,
    ReviewNote,
    StockDelta,
)
from ordercore.orders.policy import OrderPolicy
from ordercore.orders.pricing import LinePrice, price_lines
from ordercore.orders.routing import route

__all__ = [
    "TRANSITIONS",
    "Decision",
    "Transition",
    "allowed_commands",
    "apply_review",
    "approve",
    "assign",
    "cancel",
    "check_allowed",
    "complete",
    "conclude",
    "confirm",
    "deliver",
    "expire",
    "hold",
    "is_overdue",
    "mermaid",
    "place",
    "record_payment",
    "reject",
    "release",
    "ship",
]

S = OrderStatus


@attrs.frozen(slots=True)
class Transition:
    """One row of the lifecycle table.

    Attributes:
        source: The state the command applies in (``None``: the order does not exist yet).
        command: The command's name.
        target: The state it leads to.
        guard: What else must hold, in words (empty: nothing).
    """

    source: OrderStatus | None
    command: str
    target: OrderStatus
    guard: str = ""


_BEFORE_SHIPPING = (S.PENDING_REVIEW, S.ON_HOLD, S.APPROVED, S.CONFIRMED)
_OPEN = (*_BEFORE_SHIPPING, S.IN_FULFILMENT, S.FULFILLED, S.DELIVERED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(None, "place", S.PENDING_REVIEW, "the draft passes intake"),
    Transition(S.PENDING_REVIEW, "approve", S.APPROVED),
    Transition(S.ON_HOLD, "approve", S.APPROVED),
    Transition(S.PENDING_REVIEW, "hold", S.ON_HOLD, "a reason is given"),
    Transition(S.APPROVED, "hold", S.ON_HOLD, "a reason is given"),
    Transition(S.CONFIRMED, "hold", S.ON_HOLD, "a reason is given"),
    Transition(S.ON_HOLD, "release", S.PENDING_REVIEW, "held while pending review"),
    Transition(S.ON_HOLD, "release", S.APPROVED, "held after approval"),
    Transition(S.ON_HOLD, "release", S.CONFIRMED, "held after confirmation"),
    Transition(S.PENDING_REVIEW, "reject", S.REJECTED, "a reason is given"),
    Transition(S.ON_HOLD, "reject", S.REJECTED, "a reason is given"),
    Transition(S.APPROVED, "reject", S.REJECTED, "a reason is given"),
    Transition(
        S.APPROVED, "confirm", S.CONFIRMED, "paid, authorized or on credit terms if required"
    ),
    *(
        Transition(state, "record_payment", state, "captures only while the order is open")
        for state in OrderStatus
    ),
    *(Transition(state, "assign", state) for state in _OPEN),
    Transition(S.CONFIRMED, "ship", S.IN_FULFILMENT, "paid if required; some units left"),
    Transition(S.CONFIRMED, "ship", S.FULFILLED, "paid if required; every unit shipped"),
    Transition(S.IN_FULFILMENT, "ship", S.IN_FULFILMENT, "some units still to ship"),
    Transition(S.IN_FULFILMENT, "ship", S.FULFILLED, "every unit shipped"),
    Transition(S.IN_FULFILMENT, "deliver", S.IN_FULFILMENT, "shipped units arrived"),
    Transition(S.FULFILLED, "deliver", S.FULFILLED, "some shipped units arrived"),
    Transition(S.FULFILLED, "deliver", S.DELIVERED, "every shipped unit arrived"),
    Transition(S.DELIVERED, "complete", S.COMPLETED, "nothing due if required"),
    *(Transition(state, "cancel", S.CANCELLED, "a reason is given") for state in _BEFORE_SHIPPING),
    *(
        Transition(state, "expire", S.EXPIRED, "unpaid past the payment deadline")
        for state in _BEFORE_SHIPPING
    ),
    *(
        Transition(state, "edit", state, "quantities stay above shipped")
        for state in _BEFORE_SHIPPING
    ),
    Transition(S.IN_FULFILMENT, "edit", S.IN_FULFILMENT, "quantities stay above shipped"),
    Transition(S.IN_FULFILMENT, "edit", S.FULFILLED, "what is left is all shipped"),
    Transition(S.IN_FULFILMENT, "edit", S.DELIVERED, "what is left is all shipped and delivered"),
)
"""The lifecycle, row by row. Nothing outside this table can happen to an order."""


def _index() -> Mapping[tuple[OrderStatus | None, str], frozenset[OrderStatus]]:
    table: dict[tuple[OrderStatus | None, str], set[OrderStatus]] = {}
    for row in TRANSITIONS:
        table.setdefault((row.source, row.command), set()).add(row.target)
    return MappingProxyType({key: frozenset(value) for key, value in table.items()})


_TARGETS = _index()


def allowed_commands(status: OrderStatus | None) -> frozenset[str]:
    """The commands the table allows in ``status``."""
    return frozenset(command for source, command in _TARGETS if source is status)


def _subject(order: Order) -> str:
    return f"order {order.number}"


def check_allowed(order: Order, command: str) -> frozenset[OrderStatus]:
    """Return the targets the table allows; raise :class:`InvalidTransition` if there are none."""
    targets = _TARGETS.get((order.status, command))
    if targets is None:
        raise InvalidTransition(_subject(order), order.status.value, command)
    return targets


@attrs.frozen(slots=True)
class Decision:
    """What a command decided: its events, the resulting order, and the stock it asks for."""

    order: Order
    events: tuple[OrderEvent, ...]
    stock: StockDelta = attrs.Factory(StockDelta)


def conclude(
    order: Order, command: str, *events: OrderEvent, stock: StockDelta | None = None
) -> Decision:
    """Apply ``events`` and check that the result is a target the table allows."""
    targets = check_allowed(order, command)
    result = order
    for event in events:
        result = evolve(result, event)
    if result.status not in targets:  # a guard in this module let through a row that is not there
        raise InvalidTransition(
            _subject(order), order.status.value, command, f"would lead to {result.status.value}"
        )
    return Decision(result, events, stock or StockDelta())


def _reason(reason: object, field: str = "reason") -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError(field, "a reason is required")
    if len(reason) > 1000:
        raise ValidationError(field, "is longer than 1000 characters")
    return reason


def _optional_reason(reason: object) -> str | None:
    return None if reason is None else _reason(reason)


def place(
    draft: ValidDraft, *, order_id: str, number: str, now: datetime, policy: OrderPolicy
) -> Decision:
    """Build a new order from a validated draft: price it, route it, give it a deadline."""
    currency = draft.draft.currency
    prices = [LinePrice(v.quantity, v.unit_price, v.discount, v.tax_rate) for v in draft.lines]
    priced, totals = price_lines(
        prices,
        currency=currency,
        order_discount=draft.order_discount,
        shipping_fee=draft.shipping_fee,
        policy=policy.pricing,
    )
    lines = tuple(
        OrderLine(
            line_id=f"L{index + 1}",
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            discount=line.discount,
            order_discount_share=price.order_discount_share,
            shipping_share=price.shipping_share,
            tax=price.tax,
            total=price.total,
            category=line.category,
            list_price=line.list_price,
        )
        for index, (line, price) in enumerate(zip(draft.lines, priced, strict=True))
    )
    source = draft.draft
    order = Order(
        id=order_id,
        number=number,
        channel=source.channel,
        external_id=source.external_id,
        customer_id=source.customer_id,
        contact=source.contact,
        shipping_address=source.shipping_address,
        billing_address=source.billing_address,
        currency=currency,
        lines=lines,
        order_discount=draft.order_discount,
        shipping_fee=draft.shipping_fee,
        tax_mode=policy.pricing.tax_mode,
        totals=totals,
        status=S.PENDING_REVIEW,
        milestones=Milestones(placed_at=now),
        payment_due_at=None if policy.payment_window is None else now + policy.payment_window,
        credit_terms=source.credit_terms,
        tags=tuple(source.tags),
        notes=(Note(now, "intake", source.note),) if source.note else (),
    )
    routed = route(order, policy.routing)
    order = replace(order, queue=routed.queue, assignee=routed.assignee)
    return Decision(order, (OrderPlaced(order),))


def approve(order: Order, *, now: datetime, reason: str | None = None) -> Decision:
    """Approve an order pending review or on hold."""
    check_allowed(order, "approve")  # the state before the reason, as every command does
    return conclude(order, "approve", OrderApproved(now, _optional_reason(reason)))


def hold(order: Order, *, now: datetime, reason: str) -> Decision:
    """Put an order on hold; :func:`release` returns it to where it was."""
    check_allowed(order, "hold")
    return conclude(order, "hold", OrderHeld(now, _reason(reason)))


def release(order: Order, *, now: datetime, reason: str | None = None) -> Decision:
    """Lift a hold."""
    check_allowed(order, "release")
    return conclude(order, "release", OrderReleased(now, _optional_reason(reason)))


def reject(order: Order, *, now: datetime, reason: str) -> Decision:
    """Reject an order under review; an order held after confirmation releases its stock."""
    check_allowed(order, "reject")
    stock = _release_all(order)
    return conclude(order, "reject", OrderRejected(now, _reason(reason), stock), stock=stock)


REVIEW_DECISIONS = ("approve", "hold", "reject")
"""What a review can decide; each is the lifecycle command that follows the verdict."""


def apply_review(
    order: Order,
    *,
    now: datetime,
    decision: str,
    score: int,
    findings: tuple[ReviewNote, ...],
    reason: str,
) -> Decision:
    """Record a review verdict and carry it out: approve, hold or reject the order.

    Only an order pending review can be reviewed; one on hold is decided by a person.

    Raises:
        InvalidTransition: If the order is not pending review.
        ValidationError: If ``decision`` is not one of approve, hold, reject.
    """
    if order.status is not S.PENDING_REVIEW:
        raise InvalidTransition(_subject(order), order.status.value, "review")
    if decision not in REVIEW_DECISIONS:
        raise ValidationError("decision", f"must be one of {', '.join(REVIEW_DECISIONS)}")
    reviewed = OrderReviewed(now, decision, score, findings)
    if decision == "approve":
        return conclude(order, "approve", reviewed, OrderApproved(now, _optional_reason(reason)))
    if decision == "hold":
        return conclude(order, "hold", reviewed, OrderHeld(now, _reason(reason)))
    stock = _release_all(order)
    rejected = OrderRejected(now, _reason(reason), stock)
    return conclude(order, "reject", reviewed, rejected, stock=stock)


def _payment_secured(order: Order) -> bool:
    return order.credit_terms or order.is_paid or order.authorized >= order.balance_due


def confirm(order: Order, *, now: datetime, policy: OrderPolicy) -> Decision:
    """Confirm an approved order and reserve stock for every open unit not yet reserved."""
    check_allowed(order, "confirm")
    if policy.require_payment_to_confirm and not _payment_secured(order):
        raise InvalidTransition(
            _subject(order), order.status.value, "confirm", "payment is required first"
        )
    # Only what is not reserved yet: an order approved again after a hold from confirmation
    # still holds its reservations.
    missing = {item.line_id: item.open_quantity - item.reserved for item in order.lines}
    stock = StockDelta(reserve=order.stock_lines(missing))
    return conclude(order, "confirm", OrderConfirmed(now, stock), stock=stock)


def record_payment(
    order: Order,
    *,
    kind: PaymentKind,
    amount: Money,
    now: datetime,
    reference: str = "",
    method: str = "",
) -> Decision:
    """Record an authorization, capture, failure or refund.

    Raises:
        ValidationError: For a negative amount, another currency, capturing more than is due,
            or refunding more than was captured.
        InvalidTransition: For a capture or authorization on a closed order.
    """
    check_allowed(order, "record_payment")
    if not isinstance(kind, PaymentKind):
        raise ValidationError("kind", "one of authorization, capture, failure, refund")
    if not isinstance(amount, Money):
        raise ValidationError("amount", "give a Money amount")
    if amount.currency != order.currency:
        raise ValidationError("amount", f"the order is in {order.currency}, not {amount.currency}")
    if amount.is_negative() or (kind is not PaymentKind.FAILURE and amount.is_zero()):
        raise ValidationError("amount", "must be positive")
    if kind in (PaymentKind.CAPTURE, PaymentKind.AUTHORIZATION) and order.status.is_terminal:
        raise InvalidTransition(
            _subject(order),
            order.status.value,
            "record_payment",
            f"no {kind.value} on a closed order",
        )
    if kind is PaymentKind.CAPTURE and amount > order.balance_due:
        raise ValidationError("amount", f"exceeds the balance due of {order.balance_due}")
    if kind is PaymentKind.REFUND and amount > order.captured - order.refunded:
        raise ValidationError("amount", "exceeds what was captured and not yet refunded")
    payment = Payment(kind, amount, now, reference, method)
    return conclude(order, "record_payment", PaymentRecorded(payment))


def assign(
    order: Order,
    *,
    now: datetime,
    queue: str | None = None,
    assignee: str | None = None,
    reason: str | None = None,
) -> Decision:
    """Move an order to another queue and/or person."""
    check_allowed(order, "assign")
    if queue is None and assignee is None:
        raise ValidationError("assignee", "give a queue, an assignee or both")
    if queue is not None and not queue.strip():
        raise ValidationError("queue", "must not be empty")
    event = OrderAssigned(now, queue or order.queue, assignee, _optional_reason(reason))
    return conclude(order, "assign", event)


def _line_quantities(
    order: Order, requested: Mapping[str, int] | None, available: Mapping[str, int], what: str
) -> tuple[LineQuantity, ...]:
    if requested is None:
        chosen = {line_id: quantity for line_id, quantity in available.items() if quantity > 0}
    else:
        chosen = {}
        for line_id, quantity in requested.items():
            field = f"lines[{line_id}]"
            if line_id not in available:
                raise ValidationError(field, f"order {order.number} has no such line")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
                raise ValidationError(field, f"must be a positive whole number, got {quantity!r}")
            if quantity > available[line_id]:
                raise ValidationError(
                    field, f"{what} {quantity} but only {available[line_id]} can be"
                )
            chosen[line_id] = quantity
    if not chosen:
        raise ValidationError("lines", f"nothing to {what}")
    return tuple(
        LineQuantity(item.line_id, chosen[item.line_id])
        for item in order.lines
        if item.line_id in chosen
    )


def ship(
    order: Order,
    *,
    now: datetime,
    shipment_id: str,
    policy: OrderPolicy,
    lines: Mapping[str, int] | None = None,
) -> Decision:
    """Ship some or all open units; reservations for them are consumed.

    Args:
        order: The order.
        now: The time.
        shipment_id: The shipment the units leave in.
        policy: Whether payment must come first.
        lines: Units per line id; ``None`` ships every open unit.
    """
    check_allowed(order, "ship")
    if policy.require_payment_to_ship and not (order.credit_terms or order.is_paid):
        raise InvalidTransition(
            _subject(order), order.status.value, "ship", f"{order.balance_due} still due"
        )
    open_units = {line.line_id: line.open_quantity for line in order.lines}
    shipped = _line_quantities(order, lines, open_units, "ship")
    stock = StockDelta(consume=order.stock_lines({q.line_id: q.quantity for q in shipped}))
    return conclude(order, "ship", OrderShipped(now, shipment_id, shipped, stock), stock=stock)


def deliver(order: Order, *, now: datetime, lines: Mapping[str, int] | None = None) -> Decision:
    """Record that shipped units arrived (all of them when ``lines`` is ``None``)."""
    check_allowed(order, "deliver")
    in_transit = {line.line_id: line.shipped - line.delivered for line in order.lines}
    delivered = _line_quantities(order, lines, in_transit, "deliver")
    return conclude(order, "deliver", OrderDelivered(now, delivered))


def complete(order: Order, *, now: datetime, policy: OrderPolicy) -> Decision:
    """Close a delivered order."""
    check_allowed(order, "complete")
    if policy.require_payment_to_complete and order.balance_due.is_positive():
        raise InvalidTransition(
            _subject(order), order.status.value, "complete", f"{order.balance_due} still due"
        )
    return conclude(order, "complete", OrderCompleted(now))


def is_overdue(order: Order, now: datetime) -> bool:
    """Whether ``order`` is unpaid past its payment deadline (and so may be expired).

    An order on credit terms, one with a capture, or one whose authorization covers what is
    due is not overdue.
    """
    due = order.payment_due_at
    if order.credit_terms or due is None or now < due or order.captured.is_positive():
        return False
    return not (order.authorized.is_positive() and order.authorized >= order.balance_due)


def _release_all(order: Order) -> StockDelta:
    return StockDelta(
        release=order.stock_lines({item.line_id: item.reserved for item in order.lines})
    )


def cancel(order: Order, *, now: datetime, reason: str) -> Decision:
    """Cancel an order before anything shipped; its reservations are released."""
    check_allowed(order, "cancel")
    stock = _release_all(order)
    return conclude(order, "cancel", OrderCancelled(now, _reason(reason), stock), stock=stock)


def expire(order: Order, *, now: datetime) -> Decision:
    """Expire an unpaid order past its payment deadline; its reservations are released."""
    check_allowed(order, "expire")
    if not is_overdue(order, now):
        detail = "on credit terms" if order.credit_terms else "not unpaid past its deadline"
        raise InvalidTransition(_subject(order), order.status.value, "expire", detail)
    stock = _release_all(order)
    return conclude(order, "expire", OrderExpired(now, stock), stock=stock)


def mermaid() -> str:
    """Render :data:`TRANSITIONS` as a Mermaid state diagram (self-loops left out)."""
    lines = ["stateDiagram-v2"]
    seen: set[tuple[str, str, str]] = set()
    for row in TRANSITIONS:
        if row.source is row.target:
            continue
        source = "[*]" if row.source is None else row.source.value
        key = (source, row.target.value, row.command)
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"    {source} --> {row.target.value}: {row.command}")
    for state in OrderStatus:
        if state.is_terminal:
            lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines)
