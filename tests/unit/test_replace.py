"""The fast replace is only used on classes for which it equals ``attrs.evolve``."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import attrs
import pytest

from ordercore._replace import replace
from ordercore.inventory.allocation import (
    AllocationPlan,
    LineAllocation,
    SkuAllocation,
    StockPicture,
)
from ordercore.inventory.ledger import StockMoved
from ordercore.inventory.model import OrderReservations, Reservation, StockLevel
from ordercore.orders.model import Milestones, Order, OrderLine
from ordercore.storage.ports import OutboxMessage

FAST_REPLACED = (Order, OrderLine, Milestones, OutboxMessage)
# Built field by field with ``constructor`` by callers that make no checks of their own.
BUILT_UNCHECKED = (
    AllocationPlan,
    LineAllocation,
    OrderReservations,
    Reservation,
    SkuAllocation,
    StockLevel,
    StockMoved,
    StockPicture,
)


@pytest.mark.parametrize("cls", FAST_REPLACED + BUILT_UNCHECKED, ids=lambda cls: cls.__name__)
def test_classes_copied_with_replace_have_nothing_that_init_would_run(cls: type) -> None:
    assert not hasattr(cls, "__attrs_post_init__")
    for field in attrs.fields(cls):
        assert field.validator is None, f"{cls.__name__}.{field.name} has a validator"
        assert field.converter is None, f"{cls.__name__}.{field.name} has a converter"
        assert field.init, f"{cls.__name__}.{field.name} is not set by __init__"
        assert field.alias == field.name, f"{cls.__name__}.{field.name} has an alias"


def test_replace_equals_evolve_and_leaves_the_original_alone() -> None:
    placed = datetime(2025, 1, 1, tzinfo=UTC)
    milestones = Milestones(placed_at=placed)
    later = datetime(2025, 1, 2, tzinfo=UTC)

    copied = replace(milestones, approved_at=later)

    assert copied == attrs.evolve(milestones, approved_at=later)
    assert copied is not milestones
    assert milestones.approved_at is None
    assert hash(copied) == hash(attrs.evolve(milestones, approved_at=later))


def test_constructor_builds_a_class_whose_field_names_clash_with_the_generated_code() -> None:
    from ordercore._replace import constructor

    @attrs.frozen
    class Clash:
        made: int
        cls: str
        instance: bool

    built = constructor(Clash)(1, "c", True)
    assert built == Clash(1, "c", True)
    assert replace(built, made=2, instance=False) == Clash(2, "c", False)


def test_a_field_name_that_is_not_an_identifier_is_refused_before_any_code_is_made() -> None:
    from ordercore._replace import constructor

    class Forged:  # attrs itself refuses such names; this class only claims to be attrs
        __attrs_attrs__ = (SimpleNamespace(name="x = 1"),)

    with pytest.raises(TypeError, match="not an identifier"):
        constructor(Forged)
