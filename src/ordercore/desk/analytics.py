"""``desk.analytics``: the desk's orders as analytics facts.

This is the one place that knows both the order model and the fact records; the calculators in
:mod:`ordercore.analytics` never see storage.
"""

from __future__ import annotations

from datetime import datetime

from ordercore.analytics.facts import LineFact, OrderFact
from ordercore.errors import ValidationError
from ordercore.orders.model import ORDERS, Order
from ordercore.storage.ports import Storage

__all__ = ["AnalyticsDesk", "line_facts_of", "order_fact_of"]


def order_fact_of(order: Order) -> OrderFact:
    """The analytics view of one order (no personal data beyond the customer id)."""
    stages = order.milestones
    address = order.shipping_address
    return OrderFact(
        order_id=order.id,
        customer_id=order.customer_id,
        placed_at=stages.placed_at,
        total=order.totals.grand_total,
        status=order.status.value,
        channel=order.channel,
        region=address.region or address.country,
        assignee=order.assignee,
        units=sum(line.quantity for line in order.lines),
        approved_at=stages.approved_at,
        confirmed_at=stages.confirmed_at,
        shipped_at=stages.first_shipped_at,
        delivered_at=stages.delivered_at,
        completed_at=stages.completed_at,
        cancelled_at=stages.cancelled_at or stages.rejected_at or stages.expired_at,
        held=stages.held_at is not None,
        returned=any(line.returned for line in order.lines),
    )


def line_facts_of(order: Order) -> list[LineFact]:
    """The analytics view of an order's lines."""
    address = order.shipping_address
    return [
        LineFact(
            order_id=order.id,
            placed_at=order.milestones.placed_at,
            sku=line.sku,
            quantity=line.quantity,
            amount=line.total,
            category=line.category,
            customer_id=order.customer_id,
            channel=order.channel,
            region=address.region or address.country,
        )
        for line in order.lines
    ]


def _window(since: datetime | None, until: datetime | None) -> None:
    for name, value in (("since", since), ("until", until)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValidationError(name, "give a timezone-aware datetime")
    if since is not None and until is not None and until < since:
        raise ValidationError("until", "ends before since")


class AnalyticsDesk:
    """Facts for the analytics calculators, read from the desk's storage; ``desk.analytics``."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def _orders(self, since: datetime | None, until: datetime | None) -> list[Order]:
        _window(since, until)
        with self._storage.unit_of_work() as uow:
            orders = list(uow.aggregates(ORDERS).scan())
        chosen = [
            order
            for order in orders
            if (since is None or order.milestones.placed_at >= since)
            and (until is None or order.milestones.placed_at < until)
        ]
        chosen.sort(key=lambda order: (order.milestones.placed_at, order.id))
        return chosen

    def facts(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[OrderFact]:
        """Order facts of the orders placed in ``[since, until)``, oldest first.

        Raises:
            ValidationError: A bound that is not timezone-aware, or ``until`` before ``since``.
        """
        return [order_fact_of(order) for order in self._orders(since, until)]

    def line_facts(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[LineFact]:
        """Line facts of the orders placed in ``[since, until)``, oldest first."""
        return [line for order in self._orders(since, until) for line in line_facts_of(order)]
