"""Basket analysis: frequent itemsets (Apriori) and association rules.

Measures follow Agrawal & Srikant (1994) and the definitions mlxtend documents: for a rule
``A -> C``, support is the share of baskets holding both, confidence ``supp(A u C) /
supp(A)``, lift ``confidence / supp(C)``, leverage ``supp(A u C) - supp(A) supp(C)`` and
conviction ``(1 - supp(C)) / (1 - confidence)`` (infinite when confidence is 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import combinations
from typing import ClassVar

import attrs

from ordercore.analytics.facts import LineFact
from ordercore.analytics.results import Row, TableResult
from ordercore.errors import ValidationError

__all__ = [
    "AssociationRules",
    "FrequentItemsets",
    "Rule",
    "association_rules",
    "baskets_of",
    "frequent_itemsets",
]


def baskets_of(lines: Iterable[LineFact]) -> list[frozenset[str]]:
    """The set of SKUs of each order, in order id order."""
    orders: dict[str, set[str]] = {}
    for line in lines:
        orders.setdefault(line.order_id, set()).add(line.sku)
    return [frozenset(orders[key]) for key in sorted(orders)]


@attrs.frozen(slots=True, repr=False)
class FrequentItemsets(TableResult):
    """Itemsets held by at least ``min_support`` of the baskets.

    Attributes:
        baskets: How many baskets were counted.
        min_support: The threshold used.
        counts: Baskets holding each frequent itemset.
    """

    title: ClassVar[str] = "frequent itemsets"
    baskets: int
    min_support: float
    counts: dict[frozenset[str], int]

    def support(self, items: Iterable[str]) -> float:
        """Share of baskets holding every item of ``items`` (0 if it is not frequent)."""
        return self.counts.get(frozenset(items), 0) / self.baskets if self.baskets else 0.0

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("itemset", "size", "baskets", "support")

    def rows(self) -> list[Row]:
        """Largest support first; then smaller sets, then by items."""
        ordered = sorted(self.counts.items(), key=lambda kv: (-kv[1], len(kv[0]), sorted(kv[0])))
        return [
            (" + ".join(sorted(items)), len(items), count, round(count / self.baskets, 4))
            for items, count in ordered
        ]


def frequent_itemsets(
    baskets: Iterable[Iterable[str]], *, min_support: float, max_size: int = 3
) -> FrequentItemsets:
    """Apriori: grow itemsets one item at a time, counting only those whose subsets are frequent.

    Args:
        baskets: The items of each basket (duplicates within a basket count once).
        min_support: The least share of baskets an itemset must be in (0-1].
        max_size: The largest itemset to look for.

    Raises:
        ValidationError: A support outside (0, 1] or a size below 1.
    """
    if not 0 < min_support <= 1:
        raise ValidationError("min_support", "a share of baskets in (0, 1]")
    if max_size < 1:
        raise ValidationError("max_size", "at least 1")
    sets = [frozenset(basket) for basket in baskets]
    needed = math.ceil(min_support * len(sets) - 1e-9)
    counts: dict[frozenset[str], int] = {}
    singles: dict[frozenset[str], int] = {}
    for basket in sets:
        for item in basket:
            key = frozenset((item,))
            singles[key] = singles.get(key, 0) + 1
    level = {items: n for items, n in singles.items() if n >= needed}
    size = 1
    while level:
        counts.update(level)
        size += 1
        if size > max_size:
            break
        frequent_items = sorted({item for items in level for item in items})
        candidates = {
            frozenset(combo)
            for combo in combinations(frequent_items, size)
            if all(frozenset(sub) in level for sub in combinations(combo, size - 1))
        }
        tally = dict.fromkeys(candidates, 0)
        for basket in sets:
            if len(basket) >= size:
                for candidate in candidates:
                    if candidate <= basket:
                        tally[candidate] += 1
        level = {items: n for items, n in tally.items() if n >= needed}
    return FrequentItemsets(len(sets), min_support, counts)


@attrs.frozen(slots=True)
class Rule:
    """An association rule ``antecedent -> consequent`` and its measures."""

    antecedent: frozenset[str]
    consequent: frozenset[str]
    support: float
    confidence: float
    lift: float
    leverage: float
    conviction: float


@attrs.frozen(slots=True, repr=False)
class AssociationRules(TableResult):
    """Rules from frequent itemsets, strongest first (confidence, then lift)."""

    title: ClassVar[str] = "association rules"
    rules: tuple[Rule, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return (
            "antecedent", "consequent", "support", "confidence", "lift", "leverage", "conviction",
        )  # fmt: skip

    def rows(self) -> list[Row]:
        """One row per rule; infinite conviction is given as ``inf``."""
        return [
            (
                " + ".join(sorted(r.antecedent)), " + ".join(sorted(r.consequent)),
                round(r.support, 4), round(r.confidence, 4), round(r.lift, 4),
                round(r.leverage, 4), r.conviction if math.isinf(r.conviction)
                else round(r.conviction, 4),
            )
            for r in self.rules
        ]  # fmt: skip

    def bought_with(self, sku: str, *, n: int = 5) -> list[tuple[str, float, float]]:
        """What is bought with ``sku``: ``(item, confidence, lift)``, best first."""
        found: dict[str, tuple[float, float]] = {}
        for rule in self.rules:
            if rule.antecedent == {sku} and len(rule.consequent) == 1:
                (item,) = rule.consequent
                found[item] = max(found.get(item, (0.0, 0.0)), (rule.confidence, rule.lift))
        ranked = sorted(found.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
        return [(item, conf, lift) for item, (conf, lift) in ranked[:n]]


def association_rules(
    itemsets: FrequentItemsets, *, min_confidence: float = 0.5, min_lift: float = 0.0
) -> AssociationRules:
    """Every rule from the frequent itemsets with at least the given confidence and lift.

    Raises:
        ValidationError: A confidence outside [0, 1].
    """
    if not 0 <= min_confidence <= 1:
        raise ValidationError("min_confidence", "a share in [0, 1]")
    rules = []
    for items, count in itemsets.counts.items():
        if len(items) < 2:
            continue
        support = count / itemsets.baskets
        for size in range(1, len(items)):
            for antecedent_items in combinations(sorted(items), size):
                antecedent = frozenset(antecedent_items)
                consequent = items - antecedent
                support_a = itemsets.support(antecedent)
                support_c = itemsets.support(consequent)
                confidence = support / support_a
                lift = confidence / support_c
                if confidence < min_confidence or lift < min_lift:
                    continue
                leverage = support - support_a * support_c
                conviction = math.inf if confidence >= 1 else (1 - support_c) / (1 - confidence)
                rules.append(
                    Rule(antecedent, consequent, support, confidence, lift, leverage, conviction)
                )
    rules.sort(key=lambda r: (-r.confidence, -r.lift, sorted(r.antecedent), sorted(r.consequent)))
    return AssociationRules(tuple(rules))
