"""Read models of ``desk.customers``: the single view of a customer and their data export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
import cattrs

from ordercore.customers.facts import SpendBasis, purchase_fact
from ordercore.customers.loyalty import PointsLedger
from ordercore.customers.model import Customer
from ordercore.customers.tiering import TierBenefits
from ordercore.money import Money
from ordercore.orders.model import Order, OrderStatus, PaymentState
from ordercore.privacy import mask_personal_data, mask_text
from ordercore.serialization import JSONValue

__all__ = ["CustomerOverview", "build_overview", "export_data"]


@attrs.frozen(slots=True)
class CustomerOverview:
    """One view of a customer: orders, spend, tier, points and open matters.

    Attributes:
        customer: The record.
        orders: Every order of the customer (merged records' included).
        paid_orders: Orders that count: something paid and kept.
        net_spend: Lifetime spend per currency: paid, minus refunds and cancellations.
        last_order_id: The most recent order, if any.
        last_order_at: When it was placed.
        tier: The current tier (``""``: none).
        benefits: What the tier gives.
        points_balance: The points ledger's balance.
        points_available: Points that may be spent now (lapsed lots left out).
        held_orders: Orders on hold, waiting for a person.
        exceptions: Open orders in trouble, each as ``"<number>: <what>"``.
    """

    customer: Customer
    orders: int
    paid_orders: int
    net_spend: tuple[Money, ...]
    last_order_id: str | None
    last_order_at: datetime | None
    tier: str
    benefits: TierBenefits
    points_balance: int
    points_available: int
    held_orders: tuple[str, ...]
    exceptions: tuple[str, ...]


def _exceptions(order: Order, now: datetime) -> list[str]:
    if order.status.is_terminal:
        return []
    found = []
    if order.payment_state is PaymentState.FAILED:
        found.append(f"{order.number}: payment failed")
    if order.payment_due_at is not None and order.payment_due_at < now and not order.is_paid:
        found.append(f"{order.number}: payment overdue")
    return found


def build_overview(
    customer: Customer,
    orders: list[Order],
    ledger: PointsLedger,
    benefits: TierBenefits,
    basis: SpendBasis,
    now: datetime,
) -> CustomerOverview:
    """Assemble the overview from the records read in one unit of work."""
    spend: dict[str, int] = {}
    paid = 0
    for order in orders:
        fact = purchase_fact(order, basis)
        if fact.counts:
            paid += 1
            spend[fact.currency] = spend.get(fact.currency, 0) + fact.net_minor
    last = max(orders, key=lambda o: (o.milestones.placed_at, o.number), default=None)
    return CustomerOverview(
        customer=customer,
        orders=len(orders),
        paid_orders=paid,
        net_spend=tuple(Money.from_minor_units(m, c) for c, m in sorted(spend.items())),
        last_order_id=None if last is None else last.id,
        last_order_at=None if last is None else last.milestones.placed_at,
        tier=customer.tier,
        benefits=benefits,
        points_balance=ledger.balance,
        points_available=ledger.available(now),
        held_orders=tuple(o.id for o in orders if o.status is OrderStatus.ON_HOLD),
        exceptions=tuple(problem for o in orders for problem in _exceptions(o, now)),
    )


def export_data(
    converter: cattrs.Converter,
    customer: Customer,
    orders: list[Order],
    ledger: PointsLedger,
    *,
    personal: bool,
) -> dict[str, JSONValue]:
    """The customer's data as JSON-ready values; personal values masked unless ``personal``.

    Orders are summarised without their contact and address snapshots.
    """
    record: dict[str, Any] = converter.unstructure(customer)
    if not personal:
        for entry in record["communications"]:
            entry["summary"] = mask_text(entry["summary"])
        for identity in record["channel_identities"]:
            identity["external_id"] = mask_text(identity["external_id"])
        record = mask_personal_data(record)
    summaries: list[JSONValue] = [
        {
            "order_id": order.id,
            "number": order.number,
            "status": order.status.value,
            "placed_at": order.milestones.placed_at.isoformat(),
            "grand_total": str(order.totals.grand_total.amount),
            "currency": order.currency,
            "payment_state": order.payment_state.value,
        }
        for order in orders
    ]
    points: list[JSONValue] = converter.unstructure(list(ledger.entries))
    return {"customer": record, "orders": summaries, "points": points}
