"""Low-stock alerts and replenishment advice, decided from a level before and after a movement.

Both fire once per *crossing*: when a movement takes the available quantity from above a line to
at or below it. Further orders below the line say nothing more; stock coming back above the line
re-arms it. Nothing is stored to achieve this: the crossing is read off the level before and
after the movement, which the desk has in hand anyway.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import attrs

from ordercore.inventory.model import ReorderRule, StockLevel

__all__ = [
    "LowStockReached",
    "PurchaseSuggestion",
    "crossed_down",
    "low_stock_alert",
    "reorder_point",
    "suggest_purchase",
]


@attrs.frozen(slots=True)
class LowStockReached:
    """Available stock of a SKU at a location fell to its threshold or below."""

    sku: str
    location: str
    available: int
    threshold: int


@attrs.frozen(slots=True)
class PurchaseSuggestion:
    """Advice to buy: a host raises the purchase order.

    Attributes:
        sku: What to buy.
        location: Where it is needed.
        quantity: How many (a whole number of order multiples).
        available: Available when the advice was given.
        reorder_point: The line that was crossed.
        target: The level the quantity restores.
        suggested_at: When.
        expected_at: When it would arrive if ordered now (the rule's lead time).
    """

    sku: str
    location: str
    quantity: int
    available: int
    reorder_point: int
    target: int
    suggested_at: datetime
    expected_at: datetime


def crossed_down(before: int, after: int, line: int) -> bool:
    """Whether a change from ``before`` to ``after`` crosses ``line`` going down."""
    return before > line >= after


def reorder_point(rule: ReorderRule) -> int:
    """Safety stock plus the demand expected over the lead time, at least the rule's minimum."""
    lead_demand = math.ceil(rule.daily_demand * rule.lead_time_days)
    return max(rule.minimum, rule.safety_stock + lead_demand)


def low_stock_alert(
    before: StockLevel, after: StockLevel, threshold: int | None
) -> LowStockReached | None:
    """The alert a movement raises, if it crosses ``threshold``."""
    if threshold is None or not crossed_down(before.available, after.available, threshold):
        return None
    return LowStockReached(after.sku, after.location, after.available, threshold)


def suggest_purchase(level: StockLevel, rule: ReorderRule, now: datetime) -> PurchaseSuggestion:
    """What to buy to bring ``level`` back to the rule's target."""
    point = reorder_point(rule)
    target = max(rule.maximum, point)
    missing = max(target - level.available, 0)
    quantity = math.ceil(missing / rule.multiple) * rule.multiple
    return PurchaseSuggestion(
        sku=level.sku,
        location=level.location,
        quantity=max(quantity, rule.multiple),
        available=level.available,
        reorder_point=point,
        target=target,
        suggested_at=now,
        expected_at=now + timedelta(days=rule.lead_time_days),
    )
