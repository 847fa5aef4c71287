"""The desk trusts an event class's payloads only when its field types can only give JSON."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from ordercore import Actor, ManualClock, OrderDesk, SequentialIds, ValidationError
from ordercore._json_types import JsonOnlyTypes
from ordercore.audit.journal import EntryDraft, seal
from ordercore.money import Money
from ordercore.serialization import make_converter


class Colour(enum.Enum):
    RED = "red"
    BLUE = 2


class Ratio(enum.Enum):
    HALF = 0.5


@attrs.frozen
class Inner:
    amount: Money
    when: datetime
    colour: Colour


@attrs.frozen
class Plain:
    name: str
    count: int
    flag: bool
    price: Decimal
    note: str | None
    inner: Inner
    items: tuple[Inner, ...]
    tags: frozenset[str]
    labels: dict[str, int]


@attrs.frozen
class WithFloat:
    share: float


@attrs.frozen
class WithAny:
    data: Any


@attrs.frozen
class WithFloatMap:
    data: dict[str, float]


@attrs.frozen
class WithFloatEnum:
    ratio: Ratio


@attrs.frozen
class WithNestedFloat:
    inner: WithFloat


def test_classes_of_json_only_types_are_trusted() -> None:
    assert JsonOnlyTypes(make_converter())(Plain)


@pytest.mark.parametrize(
    "cls", [WithFloat, WithAny, WithFloatMap, WithFloatEnum, WithNestedFloat, dict, int]
)
def test_classes_that_could_give_floats_are_not_trusted(cls: type[Any]) -> None:
    assert not JsonOnlyTypes(make_converter())(cls)


def test_a_host_hook_for_a_leaf_type_withdraws_the_trust() -> None:
    converter = make_converter()
    converter.register_unstructure_hook(Decimal, float)
    assert not JsonOnlyTypes(converter)(Plain)


def test_an_unchecked_payload_with_a_float_is_refused_by_seal() -> None:
    draft = EntryDraft(
        event_id="evt_1",
        stream_type="order",
        stream_id="ord_1",
        version=1,
        event_type="Odd",
        payload={"lines": [{"share": 0.5}]},  # type: ignore[dict-item]
        actor="u-1",
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(ValidationError) as caught:
        seal(draft, 1, "0" * 64)
    assert caught.value.field == "payload.lines[0].share"


def test_a_desk_journals_its_own_events_without_losing_the_chain() -> None:
    desk = OrderDesk.open(clock=ManualClock(), ids=SequentialIds(), entry_points=False)
    clerk = Actor("u-clerk")
    desk.inventory.add_location("BER", actor=clerk)
    desk.inventory.track("SKU-1", actor=clerk)
    desk.inventory.receive("SKU-1", "BER", 5, actor=clerk)
    assert desk.audit.verify_journal().ok
    assert desk.audit.head().sequence >= 1
