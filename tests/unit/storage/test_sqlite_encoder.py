"""The aggregate encoder: msgspec writes plain attrs values, the converter the rest, and every
body reads back as the value that was written."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal

import attrs
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Actor,
    InvalidTransition,
    OrderDesk,
    OrderDraft,
    PaymentKind,
    ReviewPolicy,
    SequentialIds,
    ValidationError,
)
from ordercore.customers.model import Customer
from ordercore.desk.config import DeskConfig
from ordercore.desk.review_context import IdentityActivity
from ordercore.inventory.model import StockLevel
from ordercore.money import Money
from ordercore.orders.model import Order
from ordercore.serialization import make_converter
from ordercore.storage._sqlite_codec import encode_body, is_stdlib_body
from ordercore.storage._sqlite_encoder import _NAIVE_TIME, AggregateEncoder, NativePlan, native_plan
from ordercore.testing.lifecycle_machine import drafts

CLERK = Actor("clerk", roles={"clerk"})
AT = datetime(2025, 1, 1, 12, 30, tzinfo=UTC)


def _versions(draft: OrderDraft) -> list[Order]:
    """Every version of one order taken through the lifecycle (as far as it goes)."""
    config = DeskConfig(review=ReviewPolicy(automatic=False))
    with OrderDesk.open(ids=SequentialIds(), config=config, entry_points=False) as desk:
        order = desk.orders.place(draft, actor=CLERK)
        versions = [order]
        steps: list[Callable[[Order], Order]] = [
            lambda o: desk.orders.approve(o.id, actor=CLERK),
            lambda o: desk.orders.record_payment(
                o.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=o.totals.grand_total
            ),
            lambda o: desk.orders.confirm(o.id, actor=CLERK),
            lambda o: desk.orders.ship(o.id, actor=CLERK),
            lambda o: desk.orders.deliver(o.id, actor=CLERK),
            lambda o: desk.orders.complete(o.id, actor=CLERK),
        ]
        for step in steps:
            try:
                versions.append(step(versions[-1]))
            except (InvalidTransition, ValidationError):
                continue  # a policy or an amount this draft does not allow; go on
        return versions


def _round_trip(encoder: AggregateEncoder, value: object) -> object:
    return encoder.converter.structure(encoder.decode(encoder.encode(value)), type(value))


@given(draft=drafts(allow_invalid=False))
def test_every_version_of_an_order_reads_back_as_written(draft: OrderDraft) -> None:
    encoder, plain = AggregateEncoder(), make_converter()
    for order in _versions(draft):
        body = encoder.encode(order)
        assert encoder.converter.structure(encoder.decode(body), Order) == order
        # The data is the converter's too, once the converter has read both.
        assert plain.structure(orjson.loads(orjson.dumps(plain.unstructure(order))), Order) == (
            plain.structure(encoder.decode(body), Order)
        )


def test_the_domains_hot_aggregates_take_the_fast_path() -> None:
    for cls in (Order, IdentityActivity, StockLevel):
        assert native_plan(cls) is not NativePlan.CONVERTER, cls
    # A birthday is a date, which msgspec would write whole if it were given a datetime.
    assert native_plan(Customer) is NativePlan.CONVERTER
    for plain in (StockLevel, IdentityActivity):  # no times: no search of the body
        assert native_plan(plain) is NativePlan.MSGSPEC


class _Colour(enum.Enum):
    RED = "red"
    BLUE = 2


class _Tupled(enum.Enum):
    PAIR = (1, 2)


@attrs.frozen
class _Plain:
    name: str
    at: datetime | None
    amount: Money
    rate: Decimal
    parts: tuple[int, ...] = ()
    tags: frozenset[str] = frozenset()
    colour: _Colour = _Colour.RED
    extra: dict[str, list[int]] = attrs.Factory(dict)
    kind: Literal["a", "b"] = "a"


@attrs.frozen
class _Private:
    _secret: str


@attrs.frozen
class _Derived:
    value: int
    twice: int = attrs.field(init=False, default=0)


@attrs.frozen
class _Loose:
    data: Any


@attrs.frozen
class _Floating:
    ratio: float


@attrs.frozen
class _IntKeys:
    counts: dict[int, int]


@attrs.frozen
class _Dated:
    day: date


@attrs.frozen
class _Odd:
    pair: _Tupled


@attrs.frozen
class _TimeOrAnything:
    value: datetime | Any


def _plain(**changes: Any) -> _Plain:
    value = _Plain(
        "x", AT, Money.of("12.30", "EUR"), Decimal("0.19"), (1, 2), frozenset({"b", "a"})
    )
    return attrs.evolve(value, **changes)


def test_plain_values_take_msgspec_and_read_back() -> None:
    assert native_plan(_Plain) is NativePlan.MSGSPEC_WITH_TIMES
    encoder = AggregateEncoder()
    value = _plain(extra={"k": [1, 2]}, colour=_Colour.BLUE, kind="b")
    assert _round_trip(encoder, value) == value


@pytest.mark.parametrize(
    "cls", [_Private, _Derived, _Loose, _Floating, _IntKeys, _Odd, _TimeOrAnything, _Dated, dict]
)
def test_classes_msgspec_would_write_differently_take_the_converter(cls: type) -> None:
    assert native_plan(cls) is NativePlan.CONVERTER


def test_the_converters_classes_still_read_back() -> None:
    encoder = AggregateEncoder()
    for value in (_Derived(3), _Loose({"a": [1, "b"]}), _Floating(0.5), _IntKeys({1: 2})):
        body = encoder.encode(value)
        assert body == encode_body(make_converter().unstructure(value))
        assert encoder.converter.structure(encoder.decode(body), type(value)) == value


def test_a_time_in_another_zone_reads_back_as_the_same_instant_in_utc() -> None:
    encoder = AggregateEncoder()
    berlin = datetime(2025, 1, 1, 13, 30, tzinfo=timezone(timedelta(hours=1)))
    read = _round_trip(encoder, _plain(at=berlin))
    assert isinstance(read, _Plain)
    assert read.at == AT
    assert read.at.tzinfo is UTC


@pytest.mark.parametrize("microsecond", [0, 1, 120_000, 999_999])
def test_a_naive_time_is_refused_as_the_converter_refuses_it(microsecond: int) -> None:
    encoder = AggregateEncoder()
    naive = datetime(2025, 1, 1, 12, 30, 5, microsecond)  # naive: the bad input
    with pytest.raises(ValidationError):
        encoder.encode(_plain(at=naive))


_BACKTRACKING_NAIVE_TIME = re.compile(rb'T\d\d:\d\d:\d\d(?:\.\d{1,6})?"')


@given(st.binary(max_size=40), st.text(alphabet='T0123456789:.Z+"-', max_size=40))
def test_the_naive_time_search_finds_what_a_backtracking_one_finds(
    noise: bytes, shaped: str
) -> None:
    # The possessive fraction only skips retries that could not succeed.
    for body in (noise, shaped.encode(), noise + shaped.encode()):
        expected = _BACKTRACKING_NAIVE_TIME.search(body)
        found = _NAIVE_TIME.search(body)
        assert (found is None) == (expected is None)
        if found is not None and expected is not None:
            assert found.span() == expected.span()


def test_text_that_looks_like_a_naive_time_is_kept_as_text() -> None:
    encoder = AggregateEncoder()
    value = _plain(name="2025-01-01T12:30:00")
    assert _round_trip(encoder, value) == value


@given(st.text(), st.integers(min_value=-(2**80), max_value=2**80))
def test_any_text_and_any_integer_read_back_exactly(text: str, number: int) -> None:
    # Lone surrogates take the converter's marked body; integers beyond 64 bits, which orjson
    # would read as floats, are read by msgspec.
    value = _plain(name=text, parts=(number,))
    encoder = AggregateEncoder()
    assert _round_trip(encoder, value) == value
    surrogate = any("\ud800" <= char <= "\udfff" for char in text)
    assert is_stdlib_body(encoder.encode(value)) == surrogate


def test_a_growing_list_of_sightings_reads_back() -> None:
    encoder = AggregateEncoder()
    order_ids: tuple[str, ...] = ()
    placed_us: tuple[int, ...] = ()
    for index in range(60):
        order_ids = (*order_ids[-49:], f"o{index}")
        placed_us = (*placed_us[-49:], 1_700_000_000_000_000 + index)
        activity = IdentityActivity("key", (), index + 1, order_ids, placed_us)
        assert _round_trip(encoder, activity) == activity
    assert len(encoder.decode(encoder.encode(activity))["order_ids"]) == 50


def test_sightings_in_the_earlier_form_still_read_and_come_first() -> None:
    encoder = AggregateEncoder()
    earlier = {"order_id": "o1", "placed_at": "2025-01-01T12:00:00+00:00"}
    body = orjson.dumps({"id": "key", "orders": [earlier], "version": 3})
    activity = encoder.converter.structure(encoder.decode(body), IdentityActivity)
    assert activity.sightings() == [("o1", 1_735_732_800_000_000)]
    later = IdentityActivity("key", activity.orders, 4, ("o2",), (1_735_732_900_000_000,))
    assert later.seen_ids() == ["o1", "o2"]
    assert [at for _, at in later.sightings()] == [1_735_732_800_000_000, 1_735_732_900_000_000]
