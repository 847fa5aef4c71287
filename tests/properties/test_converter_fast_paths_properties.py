"""The shared converter's fast hooks give what cattrs' own hooks give.

``make_converter`` unstructures ``tuple[X, ...]`` and ``list[X]`` fields with a list
comprehension, reads an enum's ``_value_`` directly and leaves ``X | None`` as it is when ``X``
is; a converter built the same way without those must give equal data of the same types, for
nested, empty and missing values alike.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import cattrs
from hypothesis import given
from hypothesis import strategies as st

from ordercore.inventory.ledger import MovementKind, StockMoved
from ordercore.money import Money
from ordercore.orders.events import OrderDelivered
from ordercore.orders.model import LineQuantity
from ordercore.serialization import (
    _sorted_list,
    _unstructure_money,
    canonical_json,
    iso_text,
    make_converter,
)
from ordercore.shipping.events import TrackingRecorded
from ordercore.shipping.model import IncidentReason, TrackingEvent, TrackingStatus

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _plain_converter() -> cattrs.Converter:
    """``make_converter``'s unstructure side with cattrs' own sequence and enum hooks."""
    converter = cattrs.Converter(
        forbid_extra_keys=True, unstruct_collection_overrides={frozenset: _sorted_list}
    )
    converter.register_unstructure_hook(Decimal, str)
    converter.register_unstructure_hook(Money, _unstructure_money)
    converter.register_unstructure_hook(datetime, lambda value: value.astimezone(UTC).isoformat())
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_unstructure_hook(enum.Enum, lambda member: member.value)
    return converter


@attrs.frozen
class Nested:
    """Sequences of sequences, of plain values, of money and of optional values."""

    grid: tuple[tuple[int, ...], ...]
    names: list[str]
    prices: tuple[Money, ...]
    maybe: tuple[TrackingStatus | None, ...]
    days: list[date]
    tags: frozenset[str]


@attrs.frozen
class Optionals:
    """Optional fields of every kind of leaf."""

    text: str | None
    number: int | None
    price: Money | None
    day: date | None
    status: TrackingStatus | None
    lines: tuple[LineQuantity, ...] | None


tracking_events = st.builds(
    TrackingEvent,
    at=st.integers(0, 10**6).map(lambda seconds: T0 + timedelta(seconds=seconds)),
    status=st.sampled_from(TrackingStatus),
    code=st.text(max_size=5),
    incident=st.none() | st.sampled_from(IncidentReason),
)
values: st.SearchStrategy[Any] = st.one_of(
    st.builds(
        StockMoved,
        st.sampled_from(MovementKind),
        st.just("MUG"),
        st.just("BER"),
        st.integers(-3, 3),
        st.integers(-3, 3),
        st.none() | st.just("o-1#1"),
        st.none() | st.just("o-1"),
        st.none() | st.just("L1"),
        st.none() | st.just(T0),
    ),
    st.builds(
        Optionals,
        st.none() | st.text(max_size=3),
        st.none() | st.integers(),
        st.none() | st.just(Money(Decimal("1.50"), "EUR")),
        st.none() | st.dates(),
        st.none() | st.sampled_from(TrackingStatus),
        st.none() | st.just((LineQuantity("L1", 2),)),
    ),
    st.builds(
        TrackingRecorded,
        st.lists(tracking_events, max_size=4).map(tuple),
        st.sampled_from(TrackingStatus),
    ),
    st.builds(
        OrderDelivered,
        st.just(T0),
        st.lists(st.builds(LineQuantity, st.text(max_size=3), st.integers(0, 9)), max_size=3).map(
            tuple
        ),
    ),
    st.builds(
        Nested,
        st.lists(st.lists(st.integers(), max_size=3).map(tuple), max_size=3).map(tuple),
        st.lists(st.text(max_size=3), max_size=3),
        st.lists(
            st.decimals(min_value=0, max_value=1000, places=2).map(lambda d: Money(d, "EUR")),
            max_size=2,
        ).map(tuple),
        st.lists(st.none() | st.sampled_from(TrackingStatus), max_size=3).map(tuple),
        st.lists(st.dates(), max_size=2),
        st.frozensets(st.text(max_size=3), max_size=3),
    ),
)


def _shape(value: Any) -> Any:
    """The value with the type of every container, so that a tuple never passes for a list."""
    if isinstance(value, dict):
        return ("dict", {key: _shape(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_shape(item) for item in value])
    return (type(value).__name__, value)


@given(values)
def test_unstructure_equals_cattrs_own_hooks(value: Any) -> None:
    fast = make_converter().unstructure(value)
    plain = _plain_converter().unstructure(value)
    assert _shape(fast) == _shape(plain)
    assert canonical_json(fast) == canonical_json(plain)


@given(values)
def test_structure_reads_back_what_unstructure_wrote(value: Any) -> None:
    converter = make_converter()
    assert converter.structure(converter.unstructure(value), type(value)) == value


@given(st.datetimes(timezones=st.just(UTC)))
def test_utc_times_are_written_as_isoformat_writes_them(value: datetime) -> None:
    assert iso_text(value) == value.isoformat()
    assert make_converter().unstructure(value) == value.isoformat()


@given(st.datetimes(timezones=st.sampled_from([timezone(timedelta(hours=5, minutes=30))])))
def test_other_zones_are_converted_to_utc_first(value: datetime) -> None:
    assert make_converter().unstructure(value) == value.astimezone(UTC).isoformat()
