"""The fast replace is only used on classes for which it equals ``attrs.evolve``."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from ordercore._replace import replace
from ordercore.orders.model import Milestones, Order, OrderLine
from ordercore.storage.ports import OutboxMessage

FAST_REPLACED = (Order, OrderLine, Milestones, OutboxMessage)


@pytest.mark.parametrize("cls", FAST_REPLACED, ids=lambda cls: cls.__name__)
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
