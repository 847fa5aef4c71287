"""What a review rule is given and what it returns.

A rule looks at one incoming order and the :class:`ReviewContext` the desk gathered for it (the
customer, stock, the customer's recent orders) and either says nothing or returns a
:class:`Finding`. Rules do no I/O and do not read the clock: everything they may look at is in
the context, which keeps them fast, repeatable and easy to test.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Protocol, runtime_checkable

import attrs

from ordercore._replace import constructor
from ordercore.errors import ValidationError
from ordercore.money import Money
from ordercore.orders.model import Order, OrderStatus, ReviewNote

__all__ = [
    "CustomerProfile",
    "Finding",
    "RecentOrder",
    "ReviewContext",
    "ReviewRule",
    "Sentiment",
]


class Sentiment(enum.Enum):
    """Whether a finding speaks against the order, for it, or is only worth knowing."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


def _check_code(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("finding.rule", "a finding names the rule that made it")


def _check_score(_: object, __: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError("finding.score", "risk points are a whole number")


@attrs.frozen(slots=True)
class Finding:
    """Something a rule noticed about an order.

    Attributes:
        rule: The rule's code.
        sentiment: Against the order, for it, or neutral.
        score: Risk points added to the order's review score; a reassuring finding carries
            negative points.
        message: What a reviewer should look at, in words a person can act on.
    """

    rule: str = attrs.field(validator=_check_code)
    sentiment: Sentiment
    score: int = attrs.field(validator=_check_score)
    message: str

    def note(self) -> ReviewNote:
        """The finding as the journal keeps it."""
        return ReviewNote(self.rule, self.sentiment.value, self.score, self.message)


@attrs.frozen(slots=True)
class CustomerProfile:
    """What review knows about the customer behind an order.

    Attributes:
        key: The customer id, or a stand-in built from the contact when there is none.
        tier: The customer's tier code (``""`` when untiered); tiers can exempt rules.
        known_since: When the customer's first order was seen, if ever.
        completed_orders: Orders of this customer that completed.
        credit_limit: The most the customer may owe on account, if they buy on account.
        on_credit_terms: Whether the customer buys on account.
    """

    key: str
    tier: str = ""
    known_since: datetime | None = None
    completed_orders: int = 0
    credit_limit: Money | None = None
    on_credit_terms: bool = False

    @property
    def is_new(self) -> bool:
        """Whether the customer has no completed order yet."""
        return self.completed_orders == 0


@attrs.frozen(slots=True)
class RecentOrder:
    """An earlier order that shares an identity (customer, e-mail, phone, address) with this one.

    Attributes:
        order_id: The earlier order.
        placed_at: When it was placed.
        status: Its status now.
        grand_total: Its total.
        owed_on_account: What is still owed on it if it was bought on account (zero otherwise).
        quantities: Units per SKU.
        shared: Which identities it shares with the order under review
            (``"customer"``, ``"email"``, ``"phone"``, ``"address"``).
    """

    order_id: str
    placed_at: datetime
    status: OrderStatus
    grand_total: Money
    owed_on_account: Money
    quantities: Mapping[str, int]
    shared: frozenset[str]

    @classmethod
    def of(cls, order: Order, shared: frozenset[str]) -> RecentOrder:
        """Summarise ``order`` as review sees it, with the identities it shares."""
        quantities: dict[str, int] = {}
        for line in order.lines:
            quantities[line.sku] = quantities.get(line.sku, 0) + line.quantity
        # Positional and past __init__ (RecentOrder has no checks): a review summarises up to
        # 50 earlier orders per identity, so this runs often.
        return constructor(cls)(
            order.id,
            order.milestones.placed_at,
            order.status,
            order.totals.grand_total,
            RecentOrder.owed_on_account_of(order),
            quantities,
            shared,
        )

    @staticmethod
    def owed_on_account_of(order: Order) -> Money:
        """What an open order bought on account still owes (zero for any other order).

        An unpaid order not on account is a payment not yet taken, not credit.
        """
        if order.credit_terms and not order.status.is_terminal:
            return order.balance_due
        return Money.zero(order.currency)

    @property
    def is_live(self) -> bool:
        """Whether the order was not rejected, cancelled or expired."""
        return self.status not in _DEAD


_DEAD = frozenset({OrderStatus.REJECTED, OrderStatus.CANCELLED, OrderStatus.EXPIRED})


@attrs.frozen(slots=True)
class ReviewContext:
    """Everything a rule may look at besides the order; gathered by the desk, no I/O in rules.

    Attributes:
        now: When the review runs.
        customer: The customer, when the desk could tell who it is.
        available: Units available per SKU, for the SKUs an inventory tracks; ``None`` when no
            inventory is attached (then stock is not judged).
        recent_orders: Earlier orders sharing an identity with this one, newest first.
    """

    now: datetime
    customer: CustomerProfile | None = None
    available: Mapping[str, int] | None = None
    recent_orders: tuple[RecentOrder, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.available is not None and not isinstance(self.available, MappingProxyType):
            object.__setattr__(self, "available", MappingProxyType(dict(self.available)))


@runtime_checkable
class ReviewRule(Protocol):
    """A rule that looks at an order and may produce a finding.

    Attributes:
        code: Unique, stable code (``"high-value-new-customer"``); policies refer to it.
        description: One line saying what the rule looks for.
    """

    @property
    def code(self) -> str:
        """Unique, stable code."""
        ...

    @property
    def description(self) -> str:
        """What the rule looks for."""
        ...

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Return a finding about ``order``, or ``None`` when the rule has nothing to say."""
        ...
