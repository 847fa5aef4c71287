"""Frequent itemsets and association rules against the mlxtend documentation's example.

Source: mlxtend user guide, ``frequent_patterns.apriori`` and ``association_rules`` (the
five-transaction Milk/Onion/Nutmeg/Kidney Beans/Eggs/Yogurt data set, min_support 0.6,
rules with confidence >= 0.7); measures as defined by Agrawal & Srikant (1994).
"""

from __future__ import annotations

import math

import pytest

from ordercore.analytics import association_rules, frequent_itemsets
from ordercore.errors import ValidationError

DATASET = [
    ["Milk", "Onion", "Nutmeg", "Kidney Beans", "Eggs", "Yogurt"],
    ["Dill", "Onion", "Nutmeg", "Kidney Beans", "Eggs", "Yogurt"],
    ["Milk", "Apple", "Kidney Beans", "Eggs"],
    ["Milk", "Unicorn", "Corn", "Kidney Beans", "Yogurt"],
    ["Corn", "Onion", "Onion", "Kidney Beans", "Ice cream", "Eggs"],
]


def test_apriori_finds_the_eleven_itemsets_of_the_mlxtend_example() -> None:
    found = frequent_itemsets(DATASET, min_support=0.6)

    expected = {
        frozenset({"Eggs"}): 0.8,
        frozenset({"Kidney Beans"}): 1.0,
        frozenset({"Milk"}): 0.6,
        frozenset({"Onion"}): 0.6,
        frozenset({"Yogurt"}): 0.6,
        frozenset({"Eggs", "Kidney Beans"}): 0.8,
        frozenset({"Eggs", "Onion"}): 0.6,
        frozenset({"Milk", "Kidney Beans"}): 0.6,
        frozenset({"Kidney Beans", "Onion"}): 0.6,
        frozenset({"Kidney Beans", "Yogurt"}): 0.6,
        frozenset({"Eggs", "Kidney Beans", "Onion"}): 0.6,
    }
    assert {items: found.support(items) for items in found.counts} == pytest.approx(expected)


def test_rules_carry_the_measures_mlxtend_documents() -> None:
    rules = association_rules(frequent_itemsets(DATASET, min_support=0.6), min_confidence=0.7)

    by_pair = {(frozenset(r.antecedent), frozenset(r.consequent)): r for r in rules.rules}
    assert len(by_pair) == 12
    eggs_to_onion = by_pair[(frozenset({"Eggs"}), frozenset({"Onion"}))]
    assert eggs_to_onion.support == pytest.approx(0.6)
    assert eggs_to_onion.confidence == pytest.approx(0.75)
    assert eggs_to_onion.lift == pytest.approx(1.25)
    assert eggs_to_onion.leverage == pytest.approx(0.12)
    assert eggs_to_onion.conviction == pytest.approx(1.6)
    beans_to_eggs = by_pair[(frozenset({"Kidney Beans"}), frozenset({"Eggs"}))]
    assert (beans_to_eggs.confidence, beans_to_eggs.lift) == pytest.approx((0.8, 1.0))
    assert beans_to_eggs.conviction == pytest.approx(1.0)
    onion_to_eggs = by_pair[(frozenset({"Onion"}), frozenset({"Eggs"}))]
    assert math.isinf(onion_to_eggs.conviction)


def test_frequently_bought_with_ranks_by_confidence_then_lift() -> None:
    rules = association_rules(frequent_itemsets(DATASET, min_support=0.6), min_confidence=0.7)

    assert [item for item, _, _ in rules.bought_with("Onion")] == ["Eggs", "Kidney Beans"]
    assert rules.bought_with("Nutmeg") == []


def test_rules_export_infinite_conviction_as_text_in_json() -> None:
    rules = association_rules(frequent_itemsets(DATASET, min_support=0.6), min_confidence=0.7)

    assert '"inf"' in rules.to_json()


@pytest.mark.parametrize("support", [0, -0.1, 1.5])
def test_a_support_outside_zero_to_one_is_refused(support: float) -> None:
    with pytest.raises(ValidationError) as caught:
        frequent_itemsets(DATASET, min_support=support)
    assert caught.value.field == "min_support"
