"""What a customer bought, as tiering and loyalty count it: one :class:`PurchaseFact` per order.

Spend is money the customer actually paid and kept paid: captures minus refunds, and nothing for
an order that was cancelled, rejected or expired. Whether shipping and tax count is the
:class:`SpendBasis`'s choice; when they do not, their share of the grand total is taken off the
paid amount in proportion (a half-refunded order loses half its shipping too). Amounts are kept in
minor units, so that summing a million facts stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from ordercore.money import Money
from ordercore.orders.model import Order, OrderStatus, PaymentKind

__all__ = ["CustomerFacts", "PurchaseFact", "SpendBasis", "purchase_fact"]

_VOID = frozenset({OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED})


@attrs.frozen(slots=True)
class SpendBasis:
    """What counts as spend: paid orders minus refunds, with or without shipping and tax.

    Attributes:
        include_shipping: Count the shipping fee as spend.
        include_tax: Count tax as spend.
    """

    include_shipping: bool = True
    include_tax: bool = True


@attrs.frozen(slots=True)
class PurchaseFact:
    """One order as tiering counts it.

    Attributes:
        order_id: The order.
        at: When it was paid (the first capture), or placed if nothing was captured.
        net_minor: Spend in minor units of ``currency``: paid, minus refunds, per the basis.
        currency: The order's currency.
    """

    order_id: str
    at: datetime
    net_minor: int
    currency: str

    @property
    def counts(self) -> bool:
        """Whether the order counts as an order: something was paid and kept."""
        return self.net_minor > 0

    @property
    def net(self) -> Money:
        """The spend as money."""
        return Money.from_minor_units(self.net_minor, self.currency)


@attrs.frozen(slots=True)
class CustomerFacts:
    """Everything :meth:`~ordercore.customers.tiering.TierPolicy.evaluate` may look at.

    Attributes:
        purchases: The customer's orders (merged records' included), any order.
        qualifying_points: ``(when, points)`` earned and reversed, for a points metric.
    """

    purchases: tuple[PurchaseFact, ...] = ()
    qualifying_points: tuple[tuple[datetime, int], ...] = ()

    @classmethod
    def of_orders(cls, orders: Iterable[Order], basis: SpendBasis | None = None) -> CustomerFacts:
        """Facts of ``orders`` under ``basis`` (everything counts by default)."""
        chosen = basis or SpendBasis()
        return cls(tuple(purchase_fact(order, chosen) for order in orders))


def purchase_fact(order: Order, basis: SpendBasis) -> PurchaseFact:
    """Reduce ``order`` to what it adds to the customer's spend."""
    captured = refunded = 0
    first_capture: datetime | None = None
    for payment in order.payments:
        if payment.kind is PaymentKind.CAPTURE:
            captured += payment.amount.minor_units
            first_capture = first_capture or payment.at
        elif payment.kind is PaymentKind.REFUND:
            refunded += payment.amount.minor_units
    totals = order.totals
    grand = totals.grand_total.minor_units
    kept = 0 if order.status in _VOID else max(0, min(captured - refunded, grand))
    excluded = 0
    if not basis.include_shipping:
        excluded += totals.shipping.minor_units
    if not basis.include_tax:
        excluded += totals.tax.minor_units
    if kept and excluded and grand > 0:
        # Floor, so that a basis without shipping and tax never counts more than was paid.
        kept = kept * max(grand - excluded, 0) // grand
    at = order.milestones.paid_at or first_capture or order.milestones.placed_at
    return PurchaseFact(order.id, at, kept, order.currency)
