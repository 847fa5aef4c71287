"""Which attrs classes the shared converter can only turn into plain JSON, decided from types.

The journal refuses payloads that hold floats or other non-JSON values, and checking a payload
value by value costs about as much as hashing it (an order placement's payload has a few hundred
values). For the desk's own event classes the answer follows from their declared field types:
strings, integers, booleans, decimals, times, dates, :class:`~ordercore.money.Money`, enums with
string or integer values, and tuples, lists, sets, optionals and string-keyed dicts of those or
of other such classes can only become JSON through the converter's hooks. :class:`JsonOnlyTypes`
decides that once per class, so the desk can tell the journal that a payload needs no check.

A class with a field typed ``Any``, ``object``, ``float`` or anything else it cannot see into is
simply not trusted, and its payloads are checked value by value as before. The decision also
requires the converter's hooks for the leaf types to be the ones :func:`make_converter` installs.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs
import cattrs

from ordercore.money import Money
from ordercore.serialization import make_converter

__all__ = ["JsonOnlyTypes"]

_LEAVES = (str, int, bool, Decimal, datetime, date, Money)
_SEQUENCES = (tuple, list, frozenset, set)


class JsonOnlyTypes:
    """Answers "can this class only unstructure to JSON?" for one converter, remembering answers.

    Args:
        converter: The converter whose output is in question (the desk's).
    """

    def __init__(self, converter: cattrs.Converter) -> None:
        self._converter = converter
        self._reference = make_converter()
        self._answers: dict[type[Any], bool] = {}

    def __call__(self, cls: type[Any]) -> bool:
        """Whether every instance of ``cls`` unstructures to JSON-only data (no float)."""
        answer = self._answers.get(cls)
        if answer is None:
            # The leaf hooks are compared when a class is first asked about, so that hooks a
            # host registers on the desk's converter before its first command are seen.
            answer = self._leaf_hooks_unchanged() and self._class_is_json_only(cls, set())
            self._answers[cls] = answer
        return answer

    def _leaf_hooks_unchanged(self) -> bool:
        return all(
            _same_hook(self._converter, self._reference, leaf) for leaf in (*_LEAVES, enum.Enum)
        )

    def _class_is_json_only(self, cls: type[Any], seen: set[type[Any]]) -> bool:
        if not attrs.has(cls):
            return False
        if cls in seen:
            return True  # a recursive reference decides nothing new
        seen.add(cls)
        try:
            hints = typing.get_type_hints(cls)
        except (NameError, TypeError):
            return False
        return all(
            self._type_is_json_only(hints.get(field.name, Any), seen) for field in attrs.fields(cls)
        )

    def _type_is_json_only(self, hint: Any, seen: set[type[Any]]) -> bool:
        if hint is None or hint is type(None):
            return True
        if isinstance(hint, type):
            if issubclass(hint, enum.Enum):
                return all(type(member.value) in (str, int) for member in hint)
            if hint in _LEAVES:
                return True
            return self._class_is_json_only(hint, seen)
        origin = typing.get_origin(hint)
        arguments = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            return all(self._type_is_json_only(argument, seen) for argument in arguments)
        if origin in _SEQUENCES:
            items = [argument for argument in arguments if argument is not Ellipsis]
            return bool(items) and all(self._type_is_json_only(item, seen) for item in items)
        if origin is dict and len(arguments) == 2:
            return arguments[0] is str and self._type_is_json_only(arguments[1], seen)
        if origin is typing.Literal:
            return all(type(argument) in (str, int, bool) for argument in arguments)
        return False


def _same_hook(converter: cattrs.Converter, reference: cattrs.Converter, cls: type[Any]) -> bool:
    ours: Callable[..., Any] = converter.get_unstructure_hook(cls)
    expected: Callable[..., Any] = reference.get_unstructure_hook(cls)
    # Hooks registered as plain functions are the same objects in both converters; cattrs'
    # identity hook too. Anything else was registered by a host after the converter was made.
    return ours is expected
