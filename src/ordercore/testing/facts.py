"""Short builders of analytics facts, for tests and examples."""

from __future__ import annotations

from datetime import UTC, datetime

from ordercore.analytics.facts import LineFact, OrderFact
from ordercore.money import Money

__all__ = ["line_fact", "order_fact", "utc_day"]


def utc_day(text: str) -> datetime:
    """Midnight UTC of an ISO day (``"2024-03-07"``), or the UTC time of an ISO date-time."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def order_fact(
    order_id: str,
    customer_id: str | None,
    placed: str,
    total: str,
    currency: str = "EUR",
    **fields: object,
) -> OrderFact:
    """An :class:`OrderFact` from text; ``fields`` sets any other attribute."""
    return OrderFact(
        order_id,
        customer_id,
        utc_day(placed),
        Money.of(total, currency),
        **fields,  # type: ignore[arg-type]
    )


def line_fact(
    order_id: str, placed: str, sku: str, quantity: int, amount: str, currency: str = "EUR"
) -> LineFact:
    """A :class:`LineFact` from text."""
    return LineFact(order_id, utc_day(placed), sku, quantity, Money.of(amount, currency))
