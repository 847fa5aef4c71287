"""Fact records: the plain rows every analytics calculator reads.

An :class:`OrderFact` is one order as an analyst sees it (who, when, where, how much, how far it
got); a :class:`LineFact` is one order line (which SKU, how many, for how much). Facts come from
the desk's storage (``desk.analytics.facts()``), from a CSV export or a DataFrame
(:mod:`ordercore.analytics.sources`), or are built by hand. They hold no personal data beyond
the customer's id.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ordercore.money import Money

__all__ = ["STAGES", "LineFact", "OrderFact"]

STAGES: tuple[str, ...] = ("placed", "approved", "confirmed", "shipped", "delivered", "completed")
"""The lifecycle stages a fact may carry a time for, in the order an order passes them."""


@attrs.frozen(slots=True)
class OrderFact:
    """One order, reduced to what analytics needs.

    Attributes:
        order_id: The order's id.
        customer_id: The customer's id, or ``None`` for a guest order.
        placed_at: When the order was placed.
        total: What the customer pays; its currency is the order's.
        status: Lifecycle status word (``"completed"``, ``"cancelled"``, ``"returned"``, ...).
        channel: Where the order came from (``"web"``, ``"phone"``, ...).
        region: Sales region or country.
        tier: The customer's tier, if known.
        assignee: The member of staff responsible, if any.
        units: Units ordered over all lines.
        approved_at: When it was approved (or passed review).
        confirmed_at: When it was confirmed.
        shipped_at: When the first shipment left.
        delivered_at: When it was delivered.
        completed_at: When it was completed.
        cancelled_at: When it was cancelled (rejected and expired orders count as cancelled).
        held: Whether it was put on hold at any point.
        returned: Whether any of it was returned.
        ship_by: When it was promised to ship, if a promise was made.
    """

    order_id: str
    customer_id: str | None
    placed_at: datetime
    total: Money
    status: str = "placed"
    channel: str = ""
    region: str = ""
    tier: str = ""
    assignee: str | None = None
    units: int = 0
    approved_at: datetime | None = None
    confirmed_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    held: bool = False
    returned: bool = False
    ship_by: datetime | None = None

    @property
    def currency(self) -> str:
        """The ISO 4217 code of the order's amounts."""
        return self.total.currency

    def stage_time(self, stage: str) -> datetime | None:
        """When the order reached ``stage`` (one of :data:`STAGES`), or ``None``."""
        if stage == "placed":
            return self.placed_at
        value: datetime | None = getattr(self, f"{stage}_at")
        return value


@attrs.frozen(slots=True)
class LineFact:
    """One order line, with the order's dimensions copied on so lines can be read alone.

    Attributes:
        order_id: The order the line belongs to.
        placed_at: When the order was placed.
        sku: Stock keeping unit.
        quantity: Units ordered.
        amount: What the line contributes to the order total.
        category: Product category.
        customer_id: The order's customer, if known.
        channel: The order's channel.
        region: The order's region.
    """

    order_id: str
    placed_at: datetime
    sku: str
    quantity: int
    amount: Money
    category: str = ""
    customer_id: str | None = None
    channel: str = ""
    region: str = ""

    @property
    def currency(self) -> str:
        """The ISO 4217 code of the line's amount."""
        return self.amount.currency
