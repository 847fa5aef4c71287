"""Unit tests for ordercore.serialization: canonical JSON, fingerprints and the converter."""

from __future__ import annotations

import enum
import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ordercore.errors import ValidationError
from ordercore.money import Money
from ordercore.serialization import (
    JSONValue,
    canonical_json,
    ensure_valid_unicode,
    fingerprint,
    make_converter,
    structure,
)

# Domain classes for the converter tests -------------------------------------------------------


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@attrs.frozen
class Line:
    sku: str
    quantity: int
    price: Decimal


@attrs.frozen
class Order:
    total: Money
    rate: Decimal
    placed_at: datetime
    due: date
    colour: Colour
    lines: tuple[Line, ...]
    note: str | None = None
    shipped_at: datetime | None = None
    discount: Decimal | None = None


@attrs.frozen
class Tagged:
    order: Order
    tags: frozenset[str]
    colours: frozenset[Colour]


PLACED = datetime(2030, 6, 15, 12, 30, tzinfo=UTC)

ORDER = Order(
    total=Money.of("12.30", "EUR"),
    rate=Decimal("0.190"),
    placed_at=PLACED,
    due=date(2030, 7, 1),
    colour=Colour.GREEN,
    lines=(
        Line("SKU-1", 2, Decimal("4.10")),
        Line("SKU-2", 1, Decimal("4.1")),
    ),
    note="leave at the door",
    shipped_at=None,
    discount=Decimal("-1.5E+2"),
)

TAGGED = Tagged(ORDER, frozenset({"gift", "express"}), frozenset({Colour.RED, Colour.GREEN}))

# Strategies -----------------------------------------------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
JSON_VALUES: st.SearchStrategy[JSONValue] = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=25,
)
JSON_OBJECTS = st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=8)

OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
AWARE_TIMES = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=OFFSETS
)
DECIMALS = st.decimals(allow_nan=False, allow_infinity=False)
MONEYS = st.builds(
    lambda cents, currency: Money(Decimal(cents).scaleb(-2), currency),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.sampled_from(["EUR", "USD", "GBP"]),
)
LINES = st.builds(Line, st.text(max_size=10), st.integers(), DECIMALS)
ORDERS = st.builds(
    Order,
    total=MONEYS,
    rate=DECIMALS,
    placed_at=AWARE_TIMES,
    due=st.dates(),
    colour=st.sampled_from(Colour),
    lines=st.lists(LINES, max_size=4).map(tuple),
    note=st.none() | st.text(max_size=10),
    shipped_at=st.none() | AWARE_TIMES,
    discount=st.none() | DECIMALS,
)
TAGGEDS = st.builds(
    Tagged,
    ORDERS,
    st.frozensets(st.text(max_size=5), max_size=4),
    st.frozensets(st.sampled_from(Colour)),
)


def reversed_keys(value: JSONValue) -> JSONValue:
    """The same value with the key order of every dict, at any depth, reversed."""
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value


def unstructured_order() -> dict[str, Any]:
    data = make_converter().unstructure(ORDER)
    assert isinstance(data, dict)
    return data


# canonical_json -------------------------------------------------------------------------------


def test_canonical_json_sorts_keys_at_every_depth() -> None:
    value = {"b": 1, "a": {"z": [{"y": 1, "x": 2}], "c": None}}

    assert canonical_json(value) == b'{"a":{"c":null,"z":[{"x":2,"y":1}]},"b":1}'


def test_canonical_json_has_no_insignificant_white_space() -> None:
    assert canonical_json({"a": [1, 2], "b": "x y"}) == b'{"a":[1,2],"b":"x y"}'


def test_canonical_json_keeps_non_ascii_text_as_utf8_bytes() -> None:
    encoded = canonical_json({"name": "Zoë", "city": "東京"})

    assert encoded == '{"city":"東京","name":"Zoë"}'.encode()
    assert b"\\u" not in encoded


def test_canonical_json_writes_tuples_as_lists() -> None:
    assert canonical_json({"pair": (1, "a")}) == b'{"pair":[1,"a"]}'


def test_canonical_json_keeps_booleans_and_integers_apart() -> None:
    assert canonical_json([True, 1, False, 0, None]) == b"[true,1,false,0,null]"


@given(value=JSON_VALUES)
def test_canonical_json_reads_back_as_the_same_value(value: JSONValue) -> None:
    encoded = canonical_json(value)

    assert json.loads(encoded) == value
    assert canonical_json(json.loads(encoded)) == encoded


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (1.5, "value"),
        ([1, 2, 0.5], "value[2]"),
        ({"lines": [{"price": "1.00"}, {"price": 1.0}]}, "value.lines[1].price"),
        ({"a": {"b": {"c": float("nan")}}}, "value.a.b.c"),
        ({"pairs": [(1, 2.0)]}, "value.pairs[0][1]"),
    ],
)
def test_canonical_json_refuses_a_float_anywhere_naming_its_path(value: object, path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        canonical_json(value)

    assert caught.value.field == path
    assert "float" in caught.value.reason


def test_canonical_json_roots_error_paths_at_the_given_field_name() -> None:
    with pytest.raises(ValidationError) as caught:
        canonical_json({"lines": [{"price": 2.5}]}, field="payload")

    assert caught.value.field == "payload.lines[0].price"


@pytest.mark.parametrize(
    ("value", "path", "key"),
    [
        ({1: "a"}, "value", "1"),
        ({"a": {True: "b"}}, "value.a", "True"),
        ({"a": [{None: 1}]}, "value.a[0]", "None"),
        ({"a": {(1, 2): 3}}, "value.a", "(1, 2)"),
    ],
)
def test_canonical_json_refuses_non_string_keys(value: object, path: str, key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        canonical_json(value)

    assert caught.value.field == path
    assert "keys must be strings" in caught.value.reason
    assert key in caught.value.reason


@pytest.mark.parametrize(
    ("item", "type_name"),
    [
        (Decimal("1.00"), "Decimal"),
        (datetime(2030, 1, 1, tzinfo=UTC), "datetime"),
        ({"a"}, "set"),
        (b"bytes", "bytes"),
        (object(), "object"),
        (Colour.RED, "Colour"),
    ],
)
def test_canonical_json_refuses_objects_that_are_not_json(item: object, type_name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        canonical_json({"data": [None, item]})

    assert caught.value.field == "value.data[1]"
    assert type_name in caught.value.reason
    assert "unstructure" in caught.value.reason


# fingerprint ----------------------------------------------------------------------------------


def test_fingerprint_is_the_sha256_of_the_canonical_json() -> None:
    value = {"b": [1, "ü"], "a": None}

    assert fingerprint(value) == hashlib.sha256(canonical_json(value)).hexdigest()
    assert len(fingerprint(value)) == 64


@given(value=JSON_OBJECTS)
def test_fingerprint_does_not_depend_on_key_order(value: dict[str, JSONValue]) -> None:
    assert fingerprint(reversed_keys(value)) == fingerprint(value)


@given(value=JSON_OBJECTS.filter(bool), data=st.data())
def test_fingerprint_changes_when_a_value_changes(
    value: dict[str, JSONValue], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(value)), label="key")
    replacement = data.draw(JSON_VALUES, label="replacement")
    assume(replacement != value[key])

    assert fingerprint({**value, key: replacement}) != fingerprint(value)


def test_fingerprint_refuses_floats_like_canonical_json() -> None:
    with pytest.raises(ValidationError) as caught:
        fingerprint({"amount": 1.5}, field="request")

    assert caught.value.field == "request.amount"


# make_converter: shapes ----------------------------------------------------------------------


def test_converter_unstructures_decimals_to_strings_keeping_their_digits() -> None:
    data = unstructured_order()

    assert data["rate"] == "0.190"
    assert data["discount"] == "-1.5E+2"
    assert [line["price"] for line in data["lines"]] == ["4.10", "4.1"]


def test_converter_unstructures_money_to_an_amount_and_currency_object() -> None:
    assert unstructured_order()["total"] == {"amount": "12.30", "currency": "EUR"}


def test_converter_unstructures_datetimes_to_iso_strings_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    order = attrs.evolve(ORDER, placed_at=datetime(2030, 6, 15, 21, 30, tzinfo=tokyo))

    data = make_converter().unstructure(order)

    assert data["placed_at"] == "2030-06-15T12:30:00+00:00"


def test_converter_unstructures_dates_enums_tuples_and_nones() -> None:
    data = unstructured_order()

    assert data["due"] == "2030-07-01"
    assert data["colour"] == "green"
    assert data["lines"] == [
        {"sku": "SKU-1", "quantity": 2, "price": "4.10"},
        {"sku": "SKU-2", "quantity": 1, "price": "4.1"},
    ]
    assert data["shipped_at"] is None


def test_converter_unstructures_a_bare_frozenset_to_a_sorted_list() -> None:
    assert make_converter().unstructure(frozenset({"b", "c", "a"})) == ["a", "b", "c"]


def test_converter_sorts_frozenset_members_after_unstructuring_them() -> None:
    assert make_converter().unstructure(frozenset({Colour.RED, Colour.GREEN})) == ["green", "red"]


def test_converter_gives_frozensets_of_objects_one_stable_order() -> None:
    lines = frozenset({Line("SKU-2", 1, Decimal("1")), Line("SKU-1", 1, Decimal("1"))})

    data = make_converter().unstructure(lines)

    assert [line["sku"] for line in data] == ["SKU-1", "SKU-2"]


def test_converter_output_is_accepted_by_canonical_json() -> None:
    assert json.loads(canonical_json(unstructured_order())) == unstructured_order()


def test_converter_unstructures_frozenset_fields_to_sorted_lists_ready_for_canonical_json() -> None:
    converter = make_converter()

    data = converter.unstructure(TAGGED)

    assert data["tags"] == ["express", "gift"]
    assert data["colours"] == ["green", "red"]
    assert structure(converter, json.loads(canonical_json(data)), Tagged) == TAGGED


def test_converters_are_independent_of_each_other() -> None:
    first, second = make_converter(), make_converter()
    first.register_unstructure_hook(Decimal, lambda value: "overridden")

    assert first.unstructure(Decimal("1")) == "overridden"
    assert second.unstructure(Decimal("1")) == "1"


# make_converter: round trips ------------------------------------------------------------------


def test_converter_round_trips_an_attrs_class_through_canonical_json() -> None:
    converter = make_converter()

    data = json.loads(canonical_json(converter.unstructure(ORDER)))

    assert structure(converter, data, Order) == ORDER


def test_converter_round_trips_optional_fields_when_they_are_set() -> None:
    converter = make_converter()
    order = attrs.evolve(ORDER, note=None, shipped_at=PLACED + timedelta(days=2), discount=None)

    data = json.loads(canonical_json(converter.unstructure(order)))

    assert data["shipped_at"] == "2030-06-17T12:30:00+00:00"
    assert data["note"] is None
    assert structure(converter, data, Order) == order


def test_converter_round_trips_frozenset_fields() -> None:
    converter = make_converter()

    assert structure(converter, converter.unstructure(TAGGED), Tagged) == TAGGED


@given(order=ORDERS)
def test_converter_round_trip_through_json_gives_back_an_equal_order(order: Order) -> None:
    converter = make_converter()

    back = structure(converter, json.loads(canonical_json(converter.unstructure(order))), Order)

    assert back == order
    assert back.placed_at.tzinfo is UTC
    assert [line.price.as_tuple() for line in back.lines] == [
        line.price.as_tuple() for line in order.lines
    ]


@given(tagged=TAGGEDS)
def test_converter_round_trip_gives_back_equal_frozensets(tagged: Tagged) -> None:
    converter = make_converter()

    assert structure(converter, converter.unstructure(tagged), Tagged) == tagged


# make_converter: datetimes --------------------------------------------------------------------


def test_converter_refuses_to_unstructure_a_naive_datetime() -> None:
    naive = attrs.evolve(ORDER, placed_at=datetime(2030, 1, 1))  # naive on purpose

    with pytest.raises(ValidationError) as caught:
        make_converter().unstructure(naive)

    assert "naive" in caught.value.reason


def test_structure_refuses_a_naive_iso_time() -> None:
    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), "2030-01-01T00:00:00", datetime)

    assert caught.value.field == "value"
    assert "naive" in caught.value.reason


def test_structure_refuses_a_naive_iso_time_inside_a_class_naming_its_path() -> None:
    data = {**unstructured_order(), "placed_at": "2030-01-01T00:00:00"}

    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), data, Order)

    assert "value.placed_at" in str(caught.value)


def test_structure_converts_an_offset_time_to_utc() -> None:
    result = structure(make_converter(), "2030-06-15T14:30:00+02:00", datetime)

    assert result == PLACED
    assert result.tzinfo is UTC


@pytest.mark.parametrize("value", ["yesterday", "2030-13-01T00:00:00Z", 1_700_000_000])
def test_structure_refuses_values_that_are_not_iso_times(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), value, datetime)

    assert caught.value.field == "value"


@pytest.mark.parametrize("value", ["2030-02-30", "soon", 20300101])
def test_structure_refuses_values_that_are_not_iso_dates(value: object) -> None:
    with pytest.raises(ValidationError):
        structure(make_converter(), value, date)


# structure(): decimals and money --------------------------------------------------------------


@pytest.mark.parametrize("value", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf"])
def test_structure_refuses_decimal_strings_that_are_not_amounts(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), value, Decimal)

    assert caught.value.field == "value"
    assert "NaN and Infinity" in caught.value.reason


@pytest.mark.parametrize("value", [1.5, 0.0, float("nan"), True])
def test_structure_refuses_floats_and_bools_as_decimals(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), value, Decimal)

    assert "float" in caught.value.reason


@pytest.mark.parametrize("value", ["", "one", "1,50", None, [1]])
def test_structure_refuses_text_that_is_not_a_decimal(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), value, Decimal)

    assert "not a decimal" in caught.value.reason


@pytest.mark.parametrize(("value", "expected"), [("1.50", "1.50"), (7, "7"), ("-2E+3", "-2E+3")])
def test_structure_reads_decimal_strings_and_ints_exactly(value: object, expected: str) -> None:
    assert str(structure(make_converter(), value, Decimal)) == expected


def test_structure_refuses_a_nan_price_inside_a_class_naming_its_path() -> None:
    data = unstructured_order()
    data["lines"][1]["price"] = "NaN"

    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), data, Order)

    assert caught.value.field == "value.lines[1].price"
    assert "NaN and Infinity" in caught.value.reason


@pytest.mark.parametrize(
    "value",
    [
        "12.30 EUR",
        {"amount": "12.30"},
        {"currency": "EUR"},
        {"amount": "12.30", "currency": "EUR", "note": "x"},
        {"amount": 12.3, "currency": "EUR"},
        {"amount": "NaN", "currency": "EUR"},
        {"amount": "12.345", "currency": "EUR"},
        {"amount": "12.30", "currency": "XXQ"},
        ["12.30", "EUR"],
    ],
)
def test_structure_refuses_malformed_money(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), value, Money)

    assert caught.value.field == "value"


def test_structure_reads_money() -> None:
    money = structure(make_converter(), {"amount": "1.5", "currency": "EUR"}, Money)

    assert money == Money.of("1.50", "EUR")


# structure(): cattrs errors ------------------------------------------------------------------


def test_structure_names_the_path_of_a_bad_nested_field() -> None:
    data = unstructured_order()
    data["lines"][1]["quantity"] = "two"

    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), data, Order)

    assert caught.value.field == "value.lines[1].quantity"
    assert "expected int" in caught.value.reason


def test_structure_roots_error_paths_at_the_given_field_name() -> None:
    data = unstructured_order()
    del data["lines"][0]["sku"]

    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), data, Order, field="payload")

    assert caught.value.field == "payload.lines[0].sku"
    assert "missing" in caught.value.reason


def test_structure_refuses_extra_keys() -> None:
    data = {**unstructured_order(), "colour_typo": "red"}

    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), data, Order)

    assert caught.value.field == "value"
    assert "colour_typo" in caught.value.reason


def test_structure_refuses_extra_keys_in_nested_classes() -> None:
    data = unstructured_order()
    data["lines"][0]["discount"] = "1.00"

    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), data, Order)

    assert caught.value.field == "value.lines[0]"
    assert "discount" in caught.value.reason


def test_structure_refuses_an_unknown_enum_value() -> None:
    data = {**unstructured_order(), "colour": "blue"}

    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), data, Order)

    assert caught.value.field == "value.colour"


def test_structure_puts_the_bad_fields_path_in_the_error_field() -> None:
    data = unstructured_order()
    data["lines"][1]["quantity"] = "two"

    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), data, Order)

    assert caught.value.field == "value.lines[1].quantity"


@pytest.mark.parametrize("value", [None, "order", 5, ["a", "b"]])
def test_structure_refuses_data_that_is_not_an_object_for_an_attrs_class(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), value, Line)

    assert caught.value.field == "value"


def test_structure_refuses_a_nested_value_that_is_not_an_object_naming_its_path() -> None:
    data = unstructured_order()
    data["lines"][0] = None

    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), data, Order)

    assert caught.value.field == "value.lines[0]"
    assert "expected an object" in caught.value.reason


def test_structure_names_the_first_bad_field_and_lists_the_others_with_their_paths() -> None:
    data = {**unstructured_order(), "colour": "blue"}
    data["lines"][1]["price"] = "NaN"

    with pytest.raises(ValidationError) as caught:
        structure(make_converter(), data, Order)

    assert caught.value.field == "value.colour"
    assert "value.lines[1].price: NaN and Infinity" in caught.value.reason


def test_money_read_again_is_the_same_value_and_bad_money_is_still_refused() -> None:
    converter = make_converter()
    first = structure(converter, {"amount": "12.30", "currency": "EUR"}, Money)
    again = structure(converter, {"currency": "EUR", "amount": "12.30"}, Money)
    assert again == first == Money.of("12.30", "EUR")
    for bad in (
        {"amount": "12.30", "currency": "EUR", "note": "x"},
        {"amount": "12.30", "cur": "EUR"},
        {"amount": "12.345", "currency": "EUR"},
    ):
        with pytest.raises(ValidationError):
            structure(converter, bad, Money)


def test_canonical_json_refuses_a_lone_surrogate_naming_its_path() -> None:
    with pytest.raises(ValidationError) as caught:
        canonical_json({"contact": {"names": ["Ada", "Bad\ud800"]}}, "payload")
    assert caught.value.field == "payload.contact.names[1]"
    assert "not valid Unicode" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        canonical_json({"k\udc80": 1})
    assert caught.value.field == "value.<key>"


def test_canonical_json_still_writes_integers_beyond_64_bits() -> None:
    assert canonical_json({"n": 2**70}) == b'{"n":1180591620717411303424}'


def test_valid_unicode_passes_and_a_lone_surrogate_is_refused_with_its_field() -> None:
    ensure_valid_unicode("Zoë 🚚", "name")
    with pytest.raises(ValidationError) as caught:
        ensure_valid_unicode("Zo\udceb", "contact.name")
    assert caught.value.field == "contact.name"
