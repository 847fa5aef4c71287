"""Orders as immutable values: the order, its lines, payments, addresses and totals.

Per-line quantities are counters (ordered, reserved, shipped, delivered, cancelled, returned) that
obey :meth:`OrderLine.check_counters`. Whatever can be derived from them is derived: the payment
state from the payments and the total, the open quantities, and (in the lifecycle) the fulfilment
status.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from ordercore.errors import ValidationError
from ordercore.kinds import AggregateKind, JournalStream
from ordercore.money import Money

if TYPE_CHECKING:
    import cattrs

    from ordercore.audit.journal import JournalEntry

__all__ = [
    "ORDERS",
    "Address",
    "Contact",
    "LineQuantity",
    "Milestones",
    "Note",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OrderTotals",
    "Payment",
    "PaymentKind",
    "PaymentState",
    "ReviewNote",
    "StockDelta",
    "StockLine",
    "TaxMode",
]


class OrderStatus(enum.Enum):
    """Where an order is in its lifecycle (see :mod:`ordercore.orders.lifecycle`)."""

    PENDING_REVIEW = "pending_review"
    ON_HOLD = "on_hold"
    APPROVED = "approved"
    REJECTED = "rejected"
    CONFIRMED = "confirmed"
    IN_FULFILMENT = "in_fulfilment"
    FULFILLED = "fulfilled"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        """Whether no further lifecycle command applies."""
        return self in _TERMINAL


_TERMINAL = frozenset(
    {OrderStatus.REJECTED, OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.EXPIRED}
)


class PaymentState(enum.Enum):
    """The order's payment position, derived from its payments and total."""

    UNPAID = "unpaid"
    AUTHORIZED = "authorized"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"


class PaymentKind(enum.Enum):
    """What a payment record says happened."""

    AUTHORIZATION = "authorization"
    CAPTURE = "capture"
    FAILURE = "failure"
    REFUND = "refund"


class TaxMode(enum.Enum):
    """Whether unit prices include tax (common for consumers) or exclude it (B2B)."""

    EXCLUSIVE = "exclusive"
    INCLUSIVE = "inclusive"


@attrs.frozen(slots=True)
class Contact:
    """The customer's contact details as given with the order (personal data)."""

    name: str
    email: str | None = None
    phone: str | None = None
    preferred_channel: str = "email"

    def recipient(self) -> tuple[str, str] | None:
        """Return ``(channel, address)`` to notify, preferring the chosen channel."""
        by_channel = {"email": self.email, "sms": self.phone}
        preferred = by_channel.get(self.preferred_channel)
        if preferred:
            return self.preferred_channel, preferred
        for channel, address in by_channel.items():
            if address:
                return channel, address
        return None


@attrs.frozen(slots=True)
class Address:
    """A postal address (personal data). ``country`` is an ISO 3166-1 alpha-2 code."""

    name: str
    line1: str
    city: str
    country: str
    postal_code: str = ""
    line2: str = ""
    region: str = ""
    company: str = ""


@attrs.frozen(slots=True)
class Note:
    """A free-text note on an order, by an actor."""

    at: datetime
    author: str
    text: str


@attrs.frozen(slots=True)
class Payment:
    """One payment event reported by a payment provider or a person."""

    kind: PaymentKind
    amount: Money
    at: datetime
    reference: str = ""
    method: str = ""


@attrs.frozen(slots=True)
class ReviewNote:
    """One finding of an order review, as the journal keeps it (see :mod:`ordercore.review`).

    Attributes:
        rule: The code of the rule that found it.
        sentiment: ``"negative"``, ``"neutral"`` or ``"positive"``.
        score: Risk points it added (negative for a reassuring finding).
        message: What a person should look at.
    """

    rule: str
    sentiment: str
    score: int
    message: str


@attrs.frozen(slots=True)
class LineQuantity:
    """A quantity of one order line (used by shipments, deliveries and edits)."""

    line_id: str
    quantity: int


@attrs.frozen(slots=True)
class StockLine:
    """A quantity of a SKU for an order line, as the stock port sees it."""

    line_id: str
    sku: str
    quantity: int


@attrs.frozen(slots=True)
class StockDelta:
    """What a lifecycle step asks of stock: reserve, release and consume, per line."""

    reserve: tuple[StockLine, ...] = ()
    release: tuple[StockLine, ...] = ()
    consume: tuple[StockLine, ...] = ()

    def is_empty(self) -> bool:
        """Whether the step touches no stock."""
        return not (self.reserve or self.release or self.consume)


@attrs.frozen(slots=True)
class OrderLine:
    """One line of an order, priced, with its quantity counters.

    Attributes:
        line_id: Stable within the order (``"L1"``); survives edits.
        sku: Stock keeping unit.
        name: Product name at the time of ordering.
        quantity: Units ordered (after edits).
        unit_price: Price per unit, in the order's currency.
        tax_rate: Tax rate as a fraction (``Decimal("0.19")``).
        discount: Discount on this line (an amount for the whole line).
        category: Product category, for routing and analytics.
        list_price: The catalogue price per unit, if known (review rules compare against it).
        order_discount_share: This line's share of the order-level discount.
        shipping_share: This line's share of the shipping fee.
        tax: Tax on this line.
        total: What this line contributes to the grand total.
        reserved: Units reserved in stock and not yet shipped.
        shipped: Units shipped.
        delivered: Units delivered.
        cancelled: Units cancelled.
        returned: Units returned.
        discount_basis: The discount as first granted, once an edit has scaled it.
        discount_basis_quantity: The quantity ``discount_basis`` was granted for; an edit
            scales from this pair, so that 3 -> 1 -> 3 units gives back the first discount
            rather than compounding roundings.
    """

    line_id: str
    sku: str
    name: str
    quantity: int
    unit_price: Money
    tax_rate: Decimal
    discount: Money
    order_discount_share: Money
    shipping_share: Money
    tax: Money
    total: Money
    category: str = ""
    list_price: Money | None = None
    reserved: int = 0
    shipped: int = 0
    delivered: int = 0
    cancelled: int = 0
    returned: int = 0
    discount_basis: Money | None = None
    discount_basis_quantity: int = 0

    @property
    def gross(self) -> Money:
        """Unit price times quantity, before discounts."""
        return self.unit_price * self.quantity

    @property
    def active_quantity(self) -> int:
        """Units still wanted: ordered minus cancelled."""
        return self.quantity - self.cancelled

    @property
    def open_quantity(self) -> int:
        """Units still to ship: ordered minus cancelled minus shipped."""
        return self.quantity - self.cancelled - self.shipped

    def check_counters(self) -> None:
        """Raise :class:`ValidationError` unless the counters are consistent.

        Every counter is at least zero; cancelled <= ordered; shipped <= ordered - cancelled;
        delivered <= shipped; returned <= delivered; reserved <= the open quantity.
        """
        field = f"lines[{self.line_id}]"
        counters = {
            "quantity": self.quantity,
            "reserved": self.reserved,
            "shipped": self.shipped,
            "delivered": self.delivered,
            "cancelled": self.cancelled,
            "returned": self.returned,
        }
        for name, value in counters.items():
            if value < 0:
                raise ValidationError(f"{field}.{name}", "must not be negative")
        if self.cancelled > self.quantity:
            raise ValidationError(f"{field}.cancelled", "exceeds the ordered quantity")
        if self.shipped > self.active_quantity:
            raise ValidationError(f"{field}.shipped", "exceeds ordered minus cancelled")
        if self.delivered > self.shipped:
            raise ValidationError(f"{field}.delivered", "exceeds the shipped quantity")
        if self.returned > self.delivered:
            raise ValidationError(f"{field}.returned", "exceeds the delivered quantity")
        if self.reserved > self.open_quantity:
            raise ValidationError(f"{field}.reserved", "exceeds the quantity still to ship")


@attrs.frozen(slots=True)
class OrderTotals:
    """The order's money: ``grand_total`` always equals the sum of the lines' totals.

    Attributes:
        subtotal: Sum of unit price times quantity.
        discount: Line discounts plus the order-level discount.
        shipping: The shipping fee.
        tax: Sum of line taxes (included in prices when the tax mode is inclusive).
        grand_total: What the customer pays.
    """

    subtotal: Money
    discount: Money
    shipping: Money
    tax: Money
    grand_total: Money


@attrs.frozen(slots=True)
class Milestones:
    """When the order reached each stage (``None``: not reached)."""

    placed_at: datetime
    approved_at: datetime | None = None
    held_at: datetime | None = None
    confirmed_at: datetime | None = None
    paid_at: datetime | None = None
    first_shipped_at: datetime | None = None
    fulfilled_at: datetime | None = None
    delivered_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    rejected_at: datetime | None = None
    expired_at: datetime | None = None


@attrs.frozen(slots=True)
class Order:
    """An order: one aggregate, changed only by lifecycle events.

    Attributes:
        id: Internal id (``ord_...``).
        number: Human order number (``SO-000123``).
        channel: Where it came from (``web``, ``phone``, ``email``, ``marketplace``, ``store``,
            ``api`` or any other word).
        external_id: The channel's own order id, if any; unique per channel.
        customer_id: The customer record, if known.
        contact: Contact snapshot (personal data).
        shipping_address: Where to ship (personal data).
        billing_address: Where to bill, when different from shipping.
        currency: ISO 4217 code of every amount on the order.
        lines: The lines, priced, with counters.
        order_discount: Discount on the whole order (spread over the lines).
        shipping_fee: Shipping charged (spread over the lines).
        tax_mode: Whether prices include tax.
        totals: The totals; ``grand_total`` is the sum of the lines' totals.
        status: The lifecycle state.
        payments: Payment events, oldest first.
        payment_due_at: Unpaid orders expire after this time, if set.
        credit_terms: The customer buys on account (may be confirmed before payment).
        queue: The work queue the order is routed to.
        assignee: The person responsible, if any.
        tags: Free labels.
        notes: Notes by staff.
        milestones: When each stage was reached.
        held_from: The state an order on hold returns to when released.
        status_reason: The reason given for the last hold, rejection or cancellation.
        version: Starts at 1; one more per event.
    """

    id: str
    number: str
    channel: str
    external_id: str | None
    customer_id: str | None
    contact: Contact
    shipping_address: Address
    billing_address: Address | None
    currency: str
    lines: tuple[OrderLine, ...]
    order_discount: Money
    shipping_fee: Money
    tax_mode: TaxMode
    totals: OrderTotals
    status: OrderStatus
    milestones: Milestones
    payments: tuple[Payment, ...] = ()
    payment_due_at: datetime | None = None
    credit_terms: bool = False
    queue: str = ""
    assignee: str | None = None
    tags: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()
    held_from: OrderStatus | None = None
    status_reason: str | None = None
    version: int = 1

    def line(self, line_id: str) -> OrderLine:
        """Return the line with ``line_id``.

        Raises:
            ValidationError: If the order has no such line.
        """
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise ValidationError("line_id", f"order {self.number} has no line {line_id!r}")

    @property
    def captured(self) -> Money:
        """Money captured so far, refunds not deducted."""
        return self._sum_payments(PaymentKind.CAPTURE)

    @property
    def refunded(self) -> Money:
        """Money refunded so far."""
        return self._sum_payments(PaymentKind.REFUND)

    @property
    def authorized(self) -> Money:
        """Money authorized so far (not yet necessarily captured)."""
        return self._sum_payments(PaymentKind.AUTHORIZATION)

    @property
    def balance_due(self) -> Money:
        """Grand total minus what was captured (refunds do not reopen the balance)."""
        return self.totals.grand_total - self.captured

    def _sum_payments(self, kind: PaymentKind) -> Money:
        total = Money.zero(self.currency)
        for payment in self.payments:
            if payment.kind is kind:
                total = total + payment.amount
        return total

    @property
    def payment_state(self) -> PaymentState:
        """Derived from the payments and the grand total."""
        if not self.payments:
            return PaymentState.UNPAID
        captured, refunded = self.captured, self.refunded
        if refunded.is_positive():
            if refunded >= captured:
                return PaymentState.REFUNDED
            return PaymentState.PARTIALLY_REFUNDED
        if captured.is_positive():
            if captured >= self.totals.grand_total:
                return PaymentState.PAID
            return PaymentState.PARTIALLY_PAID
        if self.authorized >= self.totals.grand_total:
            return PaymentState.AUTHORIZED
        if self.payments[-1].kind is PaymentKind.FAILURE:
            return PaymentState.FAILED
        return PaymentState.UNPAID

    @property
    def is_paid(self) -> bool:
        """Whether everything due has been captured."""
        return not self.balance_due.is_positive()

    def stock_lines(self, quantities: dict[str, int]) -> tuple[StockLine, ...]:
        """Turn ``{line_id: quantity}`` into stock lines, skipping zeros, in line order."""
        return tuple(
            StockLine(line.line_id, line.sku, quantities[line.line_id])
            for line in self.lines
            if quantities.get(line.line_id, 0) > 0
        )


def _catch_up(order: Order, entries: Sequence[JournalEntry], converter: cattrs.Converter) -> Order:
    # The events module builds on this one; it is only needed once entries are replayed.
    from ordercore.orders.events import catch_up

    return catch_up(order, entries, converter)


def _replay(entries: Sequence[JournalEntry], converter: cattrs.Converter) -> Order:
    from ordercore.orders.events import replay_entries

    return replay_entries(entries, converter)


ORDERS: AggregateKind[Order] = AggregateKind(
    "order", Order, stream=JournalStream("order", _catch_up, replay=_replay)
)
"""The aggregate kind under which orders are stored.

Each change of an order is journaled on stream ``("order", order id)``, whose entries replay
onto it (:func:`ordercore.orders.events.catch_up`) and, from its ``OrderPlaced`` on, build it
(:func:`ordercore.orders.events.replay_entries`).
"""
