"""Aggregates written as JSON, with unchanged parts of an aggregate serialized once.

A command changes an aggregate by building a new value that shares every unchanged part with the
old one (``attrs.evolve`` keeps references): an order that is approved keeps its lines, contact,
addresses and totals as the very same objects. Unstructuring and serializing those parts again
on every save is most of the cost of writing an aggregate, so the encoder remembers, by
identity, the JSON bytes each deeply immutable attrs value serialized to, and copies them in
when it meets the same object again.

That is only safe for values that cannot change after they are built: frozen attrs classes whose
fields, all the way down, are strings, numbers, decimals, times, enums, money, tuples or
frozensets of such values, or other such classes. Anything holding a dict, list or set is
unstructured afresh every time. The bytes are those the shared converter's result serializes to
(the same generated functions do the work), which ``tests/unit/storage/test_sqlite_encoder.py``
checks.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from types import NoneType, UnionType
from typing import Any

import attrs
import cattrs
import orjson

from ordercore.money import Money
from ordercore.serialization import make_converter
from ordercore.storage._sqlite_codec import encode_body

__all__ = ["AggregateEncoder"]

_SCALARS = (str, int, bool, NoneType, Decimal, datetime, date, Money)


def _immutable_type(kind: Any, seen: set[type]) -> bool:
    origin = typing.get_origin(kind)
    if origin is typing.Union or origin is UnionType:
        return all(_immutable_type(arg, seen) for arg in typing.get_args(kind))
    if origin is typing.Literal:
        return True
    if origin in (tuple, frozenset):
        return all(arg is Ellipsis or _immutable_type(arg, seen) for arg in typing.get_args(kind))
    if not isinstance(kind, type):
        return False
    if kind in _SCALARS or issubclass(kind, enum.Enum):
        return True
    return _immutable_class(kind, seen)


def _immutable_class(cls: type, seen: set[type]) -> bool:
    """Whether every instance of ``cls`` is fixed for life, all the way down."""
    if cls in seen:
        return True
    if not attrs.has(cls) or getattr(cls.__setattr__, "__name__", "") != "_frozen_setattrs":
        return False
    seen.add(cls)
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):
        return False
    return all(_immutable_type(hints.get(field.name), seen) for field in attrs.fields(cls))


def _tuple_hook(converter: cattrs.Converter, cls: Any) -> Callable[[Any], Any]:
    """A list of the items' unstructured forms, as cattrs gives for ``tuple[T, ...]``.

    A list comprehension over the item's own hook rather than cattrs' generator: a new tuple
    often differs from the last one by an item (a sighting, a payment), so the items come from
    the memo and the loop itself is what costs.
    """
    arguments = typing.get_args(cls)
    if len(arguments) != 2 or arguments[1] is not Ellipsis:
        return converter.gen_unstructure_iterable(cls)
    item_hook = converter.get_unstructure_hook(arguments[0])

    def unstructure_items(value: Any) -> list[Any]:
        return [item_hook(item) for item in value]

    return unstructure_items


class AggregateEncoder:
    """Writes aggregates as JSON bytes, each immutable part serialized once.

    The memo keeps, for each immutable part met (by identity, with the part itself so that its
    id cannot be reused meanwhile), the JSON bytes it serialized to as an ``orjson.Fragment``,
    which the next document that holds the same part copies in as it is. Bytes rather than the
    unstructured dicts and lists: a remembered part then costs the garbage collector one object
    to look at instead of a tree of them, and serializing an aggregate whose parts are mostly
    unchanged copies their bytes instead of walking them again.

    The bytes are exactly those of ``orjson.dumps`` over the shared converter's result. A part
    orjson cannot write (text that is not valid Unicode, an integer beyond 64 bits) is not
    remembered, and its aggregate is written by :func:`~ordercore.storage._sqlite_codec.
    encode_body` from the shared converter's result, as before.

    Args:
        limit: How many serialized parts to remember, at most, in two generations.

    Attributes:
        converter: The shared converter (:func:`~ordercore.serialization.make_converter`), for
            reading aggregates back.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self.converter = make_converter()
        self._fragments = _fragmenting_converter(limit)
        self._outer: dict[type, Callable[[Any], Any]] = {}

    def encode(self, item: object) -> bytes:
        """The JSON body of ``item``, as ``encode_body`` of the shared converter's result."""
        cls = type(item)
        unstructure = self._outer.get(cls)
        if unstructure is None:
            unstructure = self._outer[cls] = self._outer_hook(cls)
        try:
            return orjson.dumps(unstructure(item))
        except orjson.JSONEncodeError:
            return encode_body(self.converter.unstructure(item))

    def _outer_hook(self, cls: type) -> Callable[[Any], Any]:
        # The aggregate itself is not remembered, only its parts: a saved aggregate is a new
        # value every time, and remembering it would only keep its old versions alive.
        if cls is not Money and attrs.has(cls) and _immutable_class(cls, set()):
            return self._fragments.gen_unstructure_attrs_fromdict(cls)
        return self._fragments.get_unstructure_hook(cls)


def _fragmenting_converter(limit: int) -> cattrs.Converter:
    """A converter whose immutable parts unstructure to remembered ``orjson.Fragment`` bytes.

    The memo has two generations of up to ``limit // 2`` parts each: when the young one is
    full it becomes the old one and the previous old one is forgotten, all at once (dropping
    entries one by one from a dict's start makes each eviction walk the run of deleted slots).
    A part found in the old generation moves back to the young one, so the parts of aggregates
    still being worked on stay while those of finished ones go: a small memo serves as well as
    a big one, and keeps far fewer old values alive for the garbage collector to walk.
    """
    converter = make_converter()
    young: dict[int, tuple[object, orjson.Fragment]] = {}
    old: dict[int, tuple[object, orjson.Fragment]] = {}
    generation = max(limit // 2, 1)

    def applies(cls: Any) -> bool:
        # Money keeps the converter's own hook for it (cheap, and not a generated one).
        if typing.get_origin(cls) is tuple:
            return _immutable_type(cls, set())
        return cls is not Money and attrs.has(cls) and _immutable_class(cls, set())

    def remember(key: int, entry: tuple[object, orjson.Fragment]) -> None:
        nonlocal young, old
        if len(young) >= generation:
            old, young = young, {}
        young[key] = entry

    def factory(cls: Any) -> Callable[[Any], Any]:
        generated: Callable[[Any], Any]
        if typing.get_origin(cls) is tuple:
            generated = _tuple_hook(converter, cls)
        else:
            generated = converter.gen_unstructure_attrs_fromdict(cls)

        def unstructure(value: Any) -> Any:
            key = id(value)
            # The memo holds the value itself, so its id cannot be reused while remembered.
            remembered = young.get(key)
            if remembered is not None and remembered[0] is value:
                return remembered[1]
            remembered = old.get(key)
            if remembered is not None and remembered[0] is value:
                remember(key, remembered)
                return remembered[1]
            result = generated(value)
            try:
                # orjson's bytes keep its 4 KiB write buffer; remembered ones get their own size.
                fragment = orjson.Fragment(memoryview(orjson.dumps(result)).tobytes())
            except orjson.JSONEncodeError:
                return result  # not for orjson: the whole aggregate takes the slow path
            remember(key, (value, fragment))
            return fragment

        return unstructure

    converter.register_unstructure_hook_factory(applies, factory)
    return converter
