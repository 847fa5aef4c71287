"""The named segment map, cell by cell, and its use on RFM scores."""

from __future__ import annotations

import pytest

from ordercore.analytics import (
    CUSTOMER_SEGMENTS,
    SEGMENTS,
    customer_segment,
    customer_segments,
    rfm,
)
from ordercore.errors import ValidationError
from ordercore.testing.facts import order_fact

# Written out by hand from the table in the docs, so a change to the map must change this too.
EXPECTED = {
    (5, 1): "new", (5, 2): "potential_loyalists", (5, 3): "potential_loyalists",
    (5, 4): "champions", (5, 5): "champions",
    (4, 1): "promising", (4, 2): "potential_loyalists", (4, 3): "potential_loyalists",
    (4, 4): "loyal", (4, 5): "loyal",
    (3, 1): "about_to_sleep", (3, 2): "about_to_sleep", (3, 3): "need_attention",
    (3, 4): "loyal", (3, 5): "loyal",
    (2, 1): "hibernating", (2, 2): "hibernating", (2, 3): "at_risk", (2, 4): "at_risk",
    (2, 5): "cannot_lose",
    (1, 1): "lost", (1, 2): "hibernating", (1, 3): "at_risk", (1, 4): "at_risk",
    (1, 5): "cannot_lose",
}  # fmt: skip


@pytest.mark.parametrize(("cell", "name"), sorted(EXPECTED.items()))
def test_every_cell_of_the_map_names_its_segment(cell: tuple[int, int], name: str) -> None:
    assert customer_segment(*cell) == name
    assert CUSTOMER_SEGMENTS[cell] == name


def test_the_map_covers_the_grid_and_names_all_eleven_segments() -> None:
    assert set(CUSTOMER_SEGMENTS) == {(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert set(CUSTOMER_SEGMENTS.values()) == {
        "champions", "loyal", "potential_loyalists", "new", "promising", "need_attention",
        "about_to_sleep", "at_risk", "cannot_lose", "hibernating", "lost",
    }  # fmt: skip


def test_the_named_map_refines_the_analytics_map_only_by_telling_lost_apart() -> None:
    renamed = {"loyal_customers": "loyal", "new_customers": "new", "cant_loose": "cannot_lose"}
    for cell, name in SEGMENTS.items():
        expected = renamed.get(name, name)
        assert CUSTOMER_SEGMENTS[cell] == ("lost" if cell == (1, 1) else expected)


@pytest.mark.parametrize(("r", "f"), [(0, 1), (6, 1), (1, 0), (True, 1)])
def test_scores_outside_one_to_five_are_refused(r: int, f: int) -> None:
    with pytest.raises(ValidationError) as caught:
        customer_segment(r, f)
    assert caught.value.field == "rfm"


def test_customer_segments_name_every_customer_of_the_scores() -> None:
    facts = [order_fact(f"o{i}", f"c{i}", f"2024-01-{i + 1:02d}", f"{i}.00") for i in range(1, 11)]
    facts += [
        order_fact("x", "c10", "2024-01-11", "1.00"),
        order_fact("y", "c9", "2024-01-10", "1.00"),
    ]

    named = customer_segments(rfm(facts))

    assert named["c10"] == "champions"
    assert named["c1"] == "lost"
    assert len(named) == 10
