"""Built-in audit checks over stored orders: staleness, money, counters and contact data.

Each check is a small configurable attrs value; a sweep calls ``run(scope, now)``. They read
``Decimal`` amounts straight from the orders rather than adding :class:`~ordercore.money.Money`
values, because a sweep covers every stored order and ``Money`` arithmetic is the slow part.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

import attrs

from ordercore.audit.checks import AuditFinding, AuditScope, Severity, overdue_severity
from ordercore.errors import ValidationError
from ordercore.orders.events import fulfilment_status
from ordercore.orders.lifecycle import allowed_commands, is_overdue
from ordercore.orders.model import Order, OrderStatus, TaxMode

__all__ = [
    "DEFAULT_SERVICE_LEVELS",
    "HeldOrdersCheck",
    "IncompleteContactCheck",
    "OrderCountersCheck",
    "OrderTotalsCheck",
    "StuckOrdersCheck",
    "UnpaidOrdersCheck",
    "entered_status_at",
]

S = OrderStatus

DEFAULT_SERVICE_LEVELS: Mapping[OrderStatus, timedelta] = MappingProxyType(
    {
        S.PENDING_REVIEW: timedelta(hours=4),
        S.APPROVED: timedelta(hours=24),
        S.CONFIRMED: timedelta(hours=48),
        S.IN_FULFILMENT: timedelta(days=5),
        S.FULFILLED: timedelta(days=14),
        S.DELIVERED: timedelta(days=7),
    }
)
"""How long an order may stay in each open state. ``ON_HOLD`` is left to
:class:`HeldOrdersCheck`, whose message suits a review queue."""

_ENTERED_BY = MappingProxyType(
    {
        S.PENDING_REVIEW: "placed_at",
        S.ON_HOLD: "held_at",
        S.APPROVED: "approved_at",
        S.CONFIRMED: "confirmed_at",
        S.IN_FULFILMENT: "first_shipped_at",
        S.FULFILLED: "fulfilled_at",
        S.DELIVERED: "delivered_at",
    }
)
_RELEASABLE = frozenset({S.PENDING_REVIEW, S.APPROVED, S.CONFIRMED})
_PRE_SHIPPING = frozenset(
    {S.PENDING_REVIEW, S.ON_HOLD, S.APPROVED, S.CONFIRMED, S.REJECTED, S.CANCELLED, S.EXPIRED}
)
_SHIPPING = frozenset({S.IN_FULFILMENT, S.FULFILLED, S.DELIVERED})
_CLOSED_UNSHIPPED = frozenset({S.REJECTED, S.CANCELLED, S.EXPIRED})


def entered_status_at(order: Order, scope: AuditScope | None = None) -> datetime:
    """When ``order`` entered its current status, as far as the records tell.

    The milestones say when each state was first reached. An order released from a hold
    re-enters an earlier state without a milestone; then the journal (through ``scope``) says
    when it was released.
    """
    milestones = order.milestones
    field = _ENTERED_BY.get(order.status)
    stamp = (getattr(milestones, field) if field else None) or milestones.placed_at
    held_at = milestones.held_at
    if order.status in _RELEASABLE and held_at is not None and held_at >= stamp:
        stamp = held_at
        if scope is not None:
            for entry in reversed(scope.stream("order", order.id)):
                if entry.event_type == "OrderReleased":
                    return max(stamp, entry.recorded_at)
    return stamp


def _hours(age: timedelta) -> str:
    return f"{age.total_seconds() / 3600:.1f} h"


@attrs.frozen(slots=True)
class StuckOrdersCheck:
    """Orders that stayed in a state longer than that state's service level.

    Attributes:
        service_levels: The longest an order may stay in each state; states left out are not
            checked.
        escalate_after: A finding is an ``ERROR`` past this multiple of the service level,
            a ``WARNING`` before.
    """

    service_levels: Mapping[OrderStatus, timedelta] = DEFAULT_SERVICE_LEVELS
    escalate_after: int = 2
    code: str = "orders-stuck"
    description: str = "orders in a state longer than its service level"

    def __attrs_post_init__(self) -> None:
        if isinstance(self.escalate_after, bool) or not isinstance(self.escalate_after, int):
            raise ValidationError("escalate_after", "a whole multiple such as 2")
        for status, limit in self.service_levels.items():
            if not isinstance(limit, timedelta) or limit <= timedelta(0):
                raise ValidationError(f"service_levels[{status.value}]", "must be positive")

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield one finding per order past its state's service level."""
        levels = self.service_levels
        for order in scope.orders():
            limit = levels.get(order.status)
            # Cheap filter first: an order placed within the limit cannot be late in any state.
            if limit is None or now - order.milestones.placed_at <= limit:
                continue
            age = now - entered_status_at(order, scope)
            if age <= limit:
                continue
            yield AuditFinding(
                check=self.code,
                severity=overdue_severity(age, limit, self.escalate_after),
                subject_kind="order",
                subject_id=order.id,
                problem=(
                    f"order {order.number} has been {order.status.value} for {_hours(age)}, "
                    f"longer than the {_hours(limit)} allowed"
                ),
                action=f"move it on or find out what blocks it (queue {order.queue or '-'})",
                details={
                    "number": order.number,
                    "status": order.status.value,
                    "age_hours": f"{age.total_seconds() / 3600:.1f}",
                    "limit_hours": f"{limit.total_seconds() / 3600:.1f}",
                    "queue": order.queue,
                    "assignee": order.assignee,
                },
            )


@attrs.frozen(slots=True)
class HeldOrdersCheck:
    """Orders on hold, waiting for a reviewer, for longer than ``review_within``.

    Attributes:
        review_within: How long a held order may wait for a decision.
        escalate_after: ``ERROR`` past this multiple of ``review_within``.
    """

    review_within: timedelta = timedelta(hours=24)
    escalate_after: int = 2
    code: str = "orders-held-too-long"
    description: str = "held orders awaiting review longer than allowed"

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.review_within, timedelta) or self.review_within <= timedelta(0):
            raise ValidationError("review_within", "must be a positive duration")

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield one finding per order held too long."""
        for order in scope.orders():
            if order.status is not S.ON_HOLD:
                continue
            age = now - entered_status_at(order)
            if age <= self.review_within:
                continue
            yield AuditFinding(
                check=self.code,
                severity=overdue_severity(age, self.review_within, self.escalate_after),
                subject_kind="order",
                subject_id=order.id,
                problem=(
                    f"order {order.number} has waited on hold for {_hours(age)} "
                    f"(review within {_hours(self.review_within)}); "
                    f"held: {order.status_reason or 'no reason given'}"
                ),
                action="approve, release or reject it from the review queue",
                details={"number": order.number, "held_from": _value(order.held_from)},
            )


def _value(status: OrderStatus | None) -> str | None:
    return None if status is None else status.value


@attrs.frozen(slots=True)
class UnpaidOrdersCheck:
    """Open orders unpaid past their payment deadline (see ``lifecycle.is_overdue``).

    A confirmed order holds stock for a customer who has not paid, so it is an ``ERROR``;
    earlier states are a ``WARNING``.
    """

    code: str = "orders-unpaid-past-deadline"
    description: str = "orders unpaid past their payment deadline"

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield one finding per overdue order that could still be expired."""
        for order in scope.orders():
            due = order.payment_due_at
            if due is None or now < due or order.credit_terms:
                continue
            if "expire" not in allowed_commands(order.status) or not is_overdue(order, now):
                continue
            confirmed = order.status is S.CONFIRMED
            yield AuditFinding(
                check=self.code,
                severity=Severity.ERROR if confirmed else Severity.WARNING,
                subject_kind="order",
                subject_id=order.id,
                problem=(
                    f"order {order.number} ({order.status.value}) is unpaid "
                    f"{_hours(now - due)} past its deadline; {order.balance_due} due"
                    + ("; its stock stays reserved" if confirmed else "")
                ),
                action="chase the payment or expire it (desk.orders.expire_overdue)",
                details={
                    "number": order.number,
                    "payment_due_at": due.isoformat(),
                    "balance_due": str(order.balance_due.amount),
                    "currency": order.currency,
                },
            )


def _totals_problems(order: Order) -> list[str]:
    currency = order.currency
    exclusive = order.tax_mode is TaxMode.EXCLUSIVE
    subtotal = discount = shipping = tax = grand = Decimal(0)
    problems = []
    for line in order.lines:
        amounts = (
            line.unit_price,
            line.discount,
            line.order_discount_share,
            line.shipping_share,
            line.tax,
            line.total,
        )
        if any(money.currency != currency for money in amounts):
            problems.append(f"line {line.line_id} has an amount in another currency")
            continue
        gross = line.unit_price.amount * line.quantity
        net = gross - line.discount.amount - line.order_discount_share.amount
        expected = net + line.shipping_share.amount + (line.tax.amount if exclusive else 0)
        if expected != line.total.amount:
            problems.append(f"line {line.line_id} total {line.total.amount} should be {expected}")
        subtotal += gross
        discount += line.discount.amount + line.order_discount_share.amount
        shipping += line.shipping_share.amount
        tax += line.tax.amount
        grand += line.total.amount
    totals = order.totals
    for name, stored, computed in (
        ("subtotal", totals.subtotal, subtotal),
        ("discount", totals.discount, discount),
        ("shipping", totals.shipping, shipping),
        ("tax", totals.tax, tax),
        ("grand_total", totals.grand_total, grand),
    ):
        if stored.currency != currency or stored.amount != computed:
            problems.append(f"{name} is {stored} but the lines add up to {computed} {currency}")
    return problems


def _problems_finding(
    check: str,
    severity: Severity,
    order: Order,
    problems: list[str],
    action: str,
    *,
    heading: str | None = None,
    details_key: str = "problems",
) -> AuditFinding:
    """One finding listing everything wrong with one order."""
    return AuditFinding(
        check=check,
        severity=severity,
        subject_kind="order",
        subject_id=order.id,
        problem=f"{heading or f'order {order.number}'}: " + "; ".join(problems),
        action=action,
        details={"number": order.number, details_key: list(problems)},
    )


@attrs.frozen(slots=True)
class OrderTotalsCheck:
    """Orders whose totals disagree with their lines (each line's total with its parts too)."""

    code: str = "order-totals"
    description: str = "order totals that disagree with their lines"

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield one finding per order whose money does not add up."""
        for order in scope.orders():
            problems = _totals_problems(order)
            if problems:
                yield _problems_finding(
                    self.code,
                    Severity.ERROR,
                    order,
                    problems,
                    "compare with the journal (desk.orders.replay) and correct the stored "
                    "order; do not invoice or refund from these totals",
                )


def _counter_problems(order: Order) -> list[str]:
    problems = []
    status = order.status
    for line in order.lines:
        try:
            line.check_counters()
        except ValidationError as exc:
            problems.append(f"{exc.field} {exc.reason}")
        if status in _PRE_SHIPPING and line.shipped:
            problems.append(f"line {line.line_id} shipped {line.shipped} while {status.value}")
        if status in _CLOSED_UNSHIPPED and line.reserved:
            problems.append(f"line {line.line_id} still reserves {line.reserved} units")
        holds_all = status in (S.CONFIRMED, S.IN_FULFILMENT) or (
            status is S.ON_HOLD and order.held_from is S.CONFIRMED
        )
        if holds_all and line.reserved != line.open_quantity:
            problems.append(
                f"line {line.line_id} reserves {line.reserved} of {line.open_quantity} open units"
            )
    if status in _SHIPPING and not problems:
        derived = fulfilment_status(order.lines, status)
        if derived is not status:
            problems.append(f"the line counters say {derived.value}")
    return problems


@attrs.frozen(slots=True)
class OrderCountersCheck:
    """Orders whose line counters break their invariants or disagree with the status.

    Reserved units must cover exactly the open units of a confirmed order; nothing may be
    reserved on a closed one or shipped before shipping; the fulfilment status derives from
    the shipped and delivered counters.
    """

    code: str = "order-counters"
    description: str = "line counters that break their invariants or disagree with the status"

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield one finding per order whose counters are inconsistent."""
        for order in scope.orders():
            problems = _counter_problems(order)
            if problems:
                yield _problems_finding(
                    self.code,
                    Severity.ERROR,
                    order,
                    problems,
                    "rebuild the order from its journal (desk.orders.replay) and check the "
                    "stock reserved for it",
                    heading=f"order {order.number} ({order.status.value})",
                )


_ADDRESS_FIELDS = ("name", "line1", "city", "country", "postal_code")


def _contact_problems(order: Order, address_fields: tuple[str, ...]) -> list[str]:
    problems = []
    contact = order.contact
    if not contact.name.strip():
        problems.append("contact has no name")
    if contact.recipient() is None:
        problems.append("contact has neither an e-mail address nor a phone number")
    address = order.shipping_address
    missing = [field for field in address_fields if not str(getattr(address, field, "")).strip()]
    if missing:
        problems.append("shipping address lacks " + ", ".join(missing))
    country = address.country
    if country and (len(country) != 2 or not country.isalpha() or not country.isupper()):
        problems.append("shipping country is not an ISO 3166 alpha-2 code")
    return problems


@attrs.frozen(slots=True)
class IncompleteContactCheck:
    """Open orders whose customer data is incomplete: no name, no way to reach, no address.

    Customer records are not built yet, so this checks the contact and address snapshot each
    order carries; a check of customer records belongs beside them when they land. Findings
    name what is missing, never the data itself.

    Attributes:
        address_fields: Address fields that must not be blank.
        include_closed: Also check orders that are closed (completed, cancelled, ...).
    """

    address_fields: tuple[str, ...] = _ADDRESS_FIELDS
    include_closed: bool = False
    code: str = "order-contact-incomplete"
    description: str = "orders whose contact or shipping address is incomplete"

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield one finding per order with incomplete customer data."""
        for order in scope.orders():
            if order.status.is_terminal and not self.include_closed:
                continue
            problems = _contact_problems(order, self.address_fields)
            if problems:
                yield _problems_finding(
                    self.code,
                    Severity.WARNING,
                    order,
                    problems,
                    "ask the customer and correct the order (desk.orders.edit)",
                    details_key="missing",
                )
