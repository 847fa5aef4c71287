"""Routing: which work queue (and which person) an order goes to.

Rules are tried in order; the first whose conditions all hold decides. A condition left empty
matches anything. Routing is pure: it looks only at the order.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from ordercore.errors import ValidationError
from ordercore.money import Money
from ordercore.orders.model import Order

__all__ = ["RoutingDecision", "RoutingPolicy", "RoutingRule", "route"]


def _to_frozenset(value: str | Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


@attrs.frozen(slots=True)
class RoutingRule:
    """Sends matching orders to a queue and optionally an assignee.

    Attributes:
        name: Names the rule in the journal (``"big-b2b"``).
        queue: The queue matching orders go to.
        assignee: The person made responsible, if any.
        channels: Match only these channels.
        categories: Match when any line is in one of these categories.
        countries: Match these destination countries (ISO 3166-1 alpha-2).
        regions: Match these destination regions (the address's ``region``: a state, province
            or county, as your addresses spell it).
        min_total: Match grand totals at or above this (same currency only).
        max_total: Match grand totals below this (same currency only).
    """

    name: str
    queue: str
    assignee: str | None = None
    channels: frozenset[str] = attrs.field(factory=frozenset, converter=_to_frozenset)
    categories: frozenset[str] = attrs.field(factory=frozenset, converter=_to_frozenset)
    countries: frozenset[str] = attrs.field(factory=frozenset, converter=_to_frozenset)
    regions: frozenset[str] = attrs.field(factory=frozenset, converter=_to_frozenset)
    min_total: Money | None = None
    max_total: Money | None = None

    def __attrs_post_init__(self) -> None:
        if not self.name or not self.queue:
            raise ValidationError("name" if not self.name else "queue", "must not be empty")

    def matches(self, order: Order) -> bool:
        """Whether every condition of the rule holds for ``order``."""
        if self.channels and order.channel not in self.channels:
            return False
        if self.countries and order.shipping_address.country not in self.countries:
            return False
        if self.regions and order.shipping_address.region not in self.regions:
            return False
        if self.categories and not any(line.category in self.categories for line in order.lines):
            return False
        total = order.totals.grand_total
        low, high = self.min_total, self.max_total
        if low is not None and (low.currency != total.currency or total < low):
            return False
        return high is None or (high.currency == total.currency and total < high)


@attrs.frozen(slots=True)
class RoutingDecision:
    """Where routing sent an order, and by which rule (``None``: the default queue)."""

    queue: str
    assignee: str | None
    rule: str | None


@attrs.frozen(slots=True)
class RoutingPolicy:
    """Ordered routing rules and the queue for orders no rule matches."""

    rules: tuple[RoutingRule, ...] = ()
    default_queue: str = "general"


def route(order: Order, policy: RoutingPolicy) -> RoutingDecision:
    """Return the first matching rule's queue and assignee, or the default queue."""
    for rule in policy.rules:
        if rule.matches(order):
            return RoutingDecision(rule.queue, rule.assignee, rule.name)
    return RoutingDecision(policy.default_queue, None, None)
