"""The customer-facing progress view of an order: stages reached, the current one, what is next.

Built from the order alone (its milestones, counters and payments), so it is pure and cheap.
Shipping adds tracking and delivery estimates to it later.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from ordercore.orders.model import Order, OrderStatus, PaymentState

__all__ = ["StageState", "Timeline", "TimelineStage", "build_timeline"]


class StageState(enum.Enum):
    """Where a stage stands."""

    DONE = "done"
    CURRENT = "current"
    UPCOMING = "upcoming"


@attrs.frozen(slots=True)
class TimelineStage:
    """One stage of the timeline."""

    key: str
    label: str
    state: StageState
    at: datetime | None = None
    detail: str = ""


@attrs.frozen(slots=True)
class Timeline:
    """An order's progress as a customer would see it.

    Attributes:
        order_id: The order.
        number: Its human number.
        status: The lifecycle state.
        payment_state: The payment position.
        stages: Every stage, in order, with its state and time.
        current: The label of the current stage.
        next_step: What happens next, in words (``None`` once the order is closed).
    """

    order_id: str
    number: str
    status: OrderStatus
    payment_state: PaymentState
    stages: tuple[TimelineStage, ...]
    current: str
    next_step: str | None


_NEXT_STEP = {
    OrderStatus.PENDING_REVIEW: "We are checking your order.",
    OrderStatus.ON_HOLD: "Your order is waiting for a manual check.",
    OrderStatus.APPROVED: "Your order will be confirmed shortly.",
    OrderStatus.CONFIRMED: "Your order is being prepared for shipping.",
    OrderStatus.IN_FULFILMENT: "The rest of your order is being prepared.",
    OrderStatus.FULFILLED: "Your order is on its way.",
    OrderStatus.DELIVERED: "Your order has arrived.",
}

# The stage the lifecycle state stands at. Payment is not in here: it runs beside the other
# stages (a card is charged before review, an invoice is paid after delivery), so it is done
# when it happened and upcoming otherwise, never where the order stands.
_STANDS_AT = {
    OrderStatus.PENDING_REVIEW: "placed",
    OrderStatus.APPROVED: "reviewed",
    OrderStatus.CONFIRMED: "confirmed",
    OrderStatus.IN_FULFILMENT: "shipped",
    OrderStatus.FULFILLED: "shipped",
    OrderStatus.DELIVERED: "delivered",
    OrderStatus.COMPLETED: "completed",
}

_CLOSED_LABEL = {
    OrderStatus.REJECTED: ("rejected", "Rejected"),
    OrderStatus.CANCELLED: ("cancelled", "Cancelled"),
    OrderStatus.EXPIRED: ("expired", "Expired (not paid in time)"),
}


def _shipped_detail(order: Order) -> str:
    shipped = sum(line.shipped for line in order.lines)
    wanted = sum(line.quantity - line.cancelled for line in order.lines)
    return f"{shipped} of {wanted} items" if 0 < shipped < wanted else ""


def build_timeline(order: Order) -> Timeline:
    """Build the timeline of ``order``.

    The stage the order's state stands at is current (a partly shipped order stands at
    "Shipped"); stages reached are done and the others upcoming. Payment runs beside the rest:
    done once paid, upcoming until then, wherever the order stands. An order on hold shows the
    hold as current; a closed order (rejected, cancelled, expired) ends with that and leaves out
    the stages it will never reach.
    """
    m = order.milestones
    flow = [
        ("placed", "Order received", m.placed_at, ""),
        ("reviewed", "Order checked", m.approved_at, ""),
        ("confirmed", "Order confirmed", m.confirmed_at, ""),
        ("paid", "Payment received", m.paid_at, ""),
        ("shipped", "Shipped", m.fulfilled_at or m.first_shipped_at, _shipped_detail(order)),
        ("delivered", "Delivered", m.delivered_at, ""),
        ("completed", "Completed", m.completed_at, ""),
    ]
    closed = _CLOSED_LABEL.get(order.status)
    on_hold = order.status is OrderStatus.ON_HOLD
    standing = _STANDS_AT.get(order.status)
    stages: list[TimelineStage] = []
    current: str | None = None
    for key, label, at, detail in flow:
        if key == standing:
            stages.append(TimelineStage(key, label, StageState.CURRENT, at, detail))
            current = label
        elif at is not None:
            stages.append(TimelineStage(key, label, StageState.DONE, at, detail))
        elif closed is None:
            stages.append(TimelineStage(key, label, StageState.UPCOMING, None, detail))
    if on_hold:
        reason = order.status_reason or ""
        stages.append(TimelineStage("on_hold", "On hold", StageState.CURRENT, m.held_at, reason))
        current = "On hold"
    if closed is not None:
        key, label = closed
        at = {"rejected": m.rejected_at, "cancelled": m.cancelled_at, "expired": m.expired_at}[key]
        stages.append(TimelineStage(key, label, StageState.CURRENT, at, order.status_reason or ""))
        current = label
    return Timeline(
        order_id=order.id,
        number=order.number,
        status=order.status,
        payment_state=order.payment_state,
        stages=tuple(stages),
        current=current or stages[-1].label,
        next_step=_NEXT_STEP.get(order.status),
    )
