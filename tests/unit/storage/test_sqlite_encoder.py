"""The aggregate encoder writes exactly the bytes of the shared converter's result, and only
memoizes values that cannot change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Actor,
    Address,
    Contact,
    InvalidTransition,
    LineDraft,
    OrderDesk,
    OrderDraft,
    PaymentKind,
    ReviewPolicy,
    SequentialIds,
    ValidationError,
)
from ordercore.desk.config import DeskConfig
from ordercore.desk.review_context import IdentityActivity, OrderSighting
from ordercore.inventory.model import StockItem
from ordercore.orders.model import Order
from ordercore.serialization import make_converter
from ordercore.storage._sqlite_codec import decode_body, encode_body
from ordercore.storage._sqlite_encoder import AggregateEncoder, _immutable_class
from ordercore.testing.lifecycle_machine import drafts

CLERK = Actor("clerk", roles={"clerk"})


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


@given(draft=drafts(allow_invalid=False))
def test_every_version_of_an_order_unstructures_as_the_shared_converter_does(
    draft: OrderDraft,
) -> None:
    plain, encoder = make_converter(), AggregateEncoder()
    for order in _versions(draft):
        first = encoder.encode(order)
        assert first == encode_body(plain.unstructure(order))
        assert encoder.encode(order) == first  # the second time from the memo
        assert encoder.converter.structure(decode_body(first), Order) == order


def test_a_forgetful_memo_still_gives_the_right_result() -> None:
    plain, tiny = make_converter(), AggregateEncoder(limit=1)
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ann Example", email="ann@example.com"),
        shipping_address=Address("Ann Example", "1 Main Street", "Springfield", "DE", "12345"),
        lines=[LineDraft("SKU-A", 2, "10.00"), LineDraft("SKU-B", 1, "3.50")],
    )
    for order in _versions(draft):
        assert tiny.encode(order) == encode_body(plain.unstructure(order))


@attrs.frozen
class _HoldsADict:
    data: dict[str, int]


@attrs.define
class _Mutable:
    value: int


@attrs.frozen
class _Fixed:
    name: str
    at: datetime
    parts: tuple[int, ...]


def test_only_classes_fixed_all_the_way_down_are_memoized() -> None:
    assert _immutable_class(Order, set())
    assert _immutable_class(_Fixed, set())
    assert not _immutable_class(_HoldsADict, set())
    assert not _immutable_class(_Mutable, set())
    # A stock item keeps its thresholds per location in dicts: unstructured afresh every time.
    assert not _immutable_class(StockItem, set())


def test_a_value_holding_a_dict_is_unstructured_afresh_each_time() -> None:
    encoder = AggregateEncoder()
    value = _HoldsADict({"a": 1})
    first = encoder.encode(value)
    value.data["a"] = 2  # frozen, yet its dict can change: it must not be memoized
    assert decode_body(encoder.encode(value)) == {"data": {"a": 2}}
    assert decode_body(first) == {"data": {"a": 1}}
    fixed = _Fixed("x", datetime(2025, 1, 1, tzinfo=UTC), (1, 2))
    assert encoder.encode(fixed) == encode_body(make_converter().unstructure(fixed))


@given(st.lists(st.integers(), max_size=5))
def test_tuples_of_immutable_values_round_trip(parts: list[int]) -> None:
    fixed = _Fixed("x", datetime(2025, 1, 1, tzinfo=UTC), tuple(parts))
    assert decode_body(AggregateEncoder().encode(fixed))["parts"] == parts


def test_a_growing_tuple_of_memoized_items_unstructures_as_the_shared_converter_does() -> None:
    plain, encoder = make_converter(), AggregateEncoder()
    at = datetime(2025, 1, 1, tzinfo=UTC)
    sightings: tuple[OrderSighting, ...] = ()
    for index in range(60):
        sightings = (*sightings[-49:], OrderSighting(f"o{index}", at))
        activity = IdentityActivity("key", sightings, index + 1)
        assert encoder.encode(activity) == encode_body(plain.unstructure(activity))
    assert len(decode_body(encoder.encode(activity))["orders"]) == 50


@attrs.frozen
class _Named:
    name: str
    big: int


def test_text_or_numbers_orjson_cannot_write_take_the_slow_path_and_read_back() -> None:
    encoder = AggregateEncoder()
    for value in (_Named("lone \udc80 surrogate", 1), _Named("fine", 2**70)):
        for _ in range(2):  # not remembered: the same result the second time
            body = encoder.encode(_Fixed(value.name, datetime(2025, 1, 1, tzinfo=UTC), (1,)))
            assert decode_body(body)["name"] == value.name
            body = encoder.encode(value)
            assert body == encode_body(make_converter().unstructure(value))
            assert encoder.converter.structure(decode_body(body), _Named) == value
