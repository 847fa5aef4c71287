"""The shared converter, with unchanged parts of an aggregate unstructured once.

A command changes an aggregate by building a new value that shares every unchanged part with the
old one (``attrs.evolve`` keeps references): an order that is approved keeps its lines, contact,
addresses and totals as the very same objects. Unstructuring those parts again on every save is
most of the cost of writing an aggregate, so this converter remembers, by identity, what each
deeply immutable attrs value unstructured to, and hands the same result back when it meets the
same object again.

That is only safe for values that cannot change after they are built: frozen attrs classes whose
fields, all the way down, are strings, numbers, decimals, times, enums, money, tuples or
frozensets of such values, or other such classes. Anything holding a dict, list or set is
unstructured afresh every time. The results are the converter's own (the same generated
function does the work), which ``tests/unit/storage/test_sqlite_encoder.py`` checks.
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

from ordercore.money import Money
from ordercore.serialization import make_converter

__all__ = ["memoizing_converter"]

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


def memoizing_converter(limit: int = 100_000) -> cattrs.Converter:
    """:func:`~ordercore.serialization.make_converter` that unstructures each immutable part once.

    Args:
        limit: How many unstructured parts to remember; when full, the memo starts afresh.
    """
    converter = make_converter()
    memo: dict[int, tuple[object, Any]] = {}

    def applies(cls: Any) -> bool:
        # Money keeps the converter's own hook for it (cheap, and not a generated one).
        if typing.get_origin(cls) is tuple:
            return _immutable_type(cls, set())
        return cls is not Money and attrs.has(cls) and _immutable_class(cls, set())

    def factory(cls: Any) -> Callable[[Any], Any]:
        generated: Callable[[Any], Any]
        if typing.get_origin(cls) is tuple:
            generated = _tuple_hook(converter, cls)
        else:
            generated = converter.gen_unstructure_attrs_fromdict(cls)

        def unstructure(value: Any) -> Any:
            remembered = memo.get(id(value))
            # The memo holds the value itself, so its id cannot be reused while remembered.
            if remembered is not None and remembered[0] is value:
                return remembered[1]
            result = generated(value)
            if len(memo) >= limit:
                # Forget everything at once: dropping the oldest entry one by one would make
                # each eviction walk the ever longer run of deleted slots at the dict's start.
                memo.clear()
            memo[id(value)] = (value, result)
            return result

        return unstructure

    converter.register_unstructure_hook_factory(applies, factory)
    return converter
