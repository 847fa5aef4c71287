"""Aggregates written as JSON: plain attrs values by msgspec in one call, the rest by cattrs.

Writing an aggregate is most of the Python work of a command on SQLite: the shared converter
walks the value field by field (a generated function per class, a hook per money amount and
time) before orjson writes the result. msgspec writes attrs values itself, in C, to the same
JSON data: attrs fields under their names, decimals as their ``str``, enums as their values,
tuples and sets as arrays, times in ISO 8601. So a class whose every field, all the way down,
is of such a type is written by msgspec, and anything else (a field typed ``Any`` or ``date``,
a float, a ``Mapping`` that is not a dict, a private or non-``__init__`` attrs field, which
cattrs and msgspec treat differently) by the converter and :func:`encode_body`, as before.

Where the two writers differ, the difference does not survive reading back:

- msgspec writes the object's keys in name order, cattrs in field order; keys are read by name.
- msgspec writes a UTC time with ``Z`` and a time in another zone with its own offset, where the
  converter writes ``+00:00`` after turning it to UTC; reading gives the same instant in UTC.
- msgspec writes a set's members in iteration order, the converter sorted; reading gives the set.
- msgspec writes integers beyond 64 bits, which orjson would read back as floats; aggregate
  bodies are therefore read by msgspec too (:meth:`AggregateEncoder.decode`), exactly.

One difference would survive, and is caught: msgspec writes a naive ``datetime`` without an
offset, where the converter refuses it (ordercore times are aware). A body of a class that
holds times is searched for such a text before it is accepted; a match (or a user's text that
looks like one) sends the value through the converter, which refuses a naive time with the
usual :class:`~ordercore.errors.ValidationError` and writes a text as text. Text msgspec cannot
write (a lone surrogate) takes the converter's path too, whose bodies keep their marker.
"""

from __future__ import annotations

import enum
import re
import typing
from datetime import datetime
from decimal import Decimal
from types import NoneType, UnionType
from typing import Any, Final

import attrs
import msgspec

from ordercore.serialization import make_converter
from ordercore.storage._sqlite_codec import decode_body, encode_body, is_stdlib_body

__all__ = ["AggregateEncoder", "native_plan"]

# Not ``date``: a ``datetime`` is a ``date`` too, and in a field typed ``date`` the converter
# writes its date part where msgspec would write the whole time, which would not read back.
_PLAIN_SCALARS: Final = (str, int, bool, NoneType, Decimal)
_NAIVE_TIME: Final = re.compile(rb'T\d\d:\d\d:\d\d(?:\.\d{1,6})?+"')
"""An ISO time followed by the end of the string: a time written without an offset.

The fraction is possessive (``?+``): an aware time fails at its offset without the search
trying shorter fractions first, which matters as every order body holds a dozen times.
"""


class NativePlan(enum.Enum):
    """How the encoder writes a class, decided once per class from its fields' types."""

    MSGSPEC = "msgspec"
    """Every field is of a type msgspec writes as the converter would; no times."""
    MSGSPEC_WITH_TIMES = "msgspec_with_times"
    """As ``MSGSPEC``, but it holds times: the body is checked for a naive one."""
    CONVERTER = "converter"
    """Written by the shared converter and :func:`encode_body`."""


class _NotPlain(Exception):
    """A type msgspec would not write as the converter does."""


def native_plan(cls: type) -> NativePlan:
    """How :class:`AggregateEncoder` writes instances of ``cls``.

    Exposed for tests, which hold the domain's aggregates to the fast path.
    """
    try:
        holds_times = _plain_class(cls, set())
    except _NotPlain:
        return NativePlan.CONVERTER
    return NativePlan.MSGSPEC_WITH_TIMES if holds_times else NativePlan.MSGSPEC


def _plain_type(kind: Any, seen: set[type]) -> bool:
    """Whether ``kind`` holds times; raises :class:`_NotPlain` when it is not written alike."""
    origin = typing.get_origin(kind)
    arguments = typing.get_args(kind)
    if origin is typing.Union or origin is UnionType:
        return _some_hold_times(arguments, seen)
    if origin is typing.Literal:
        if all(type(value) in (str, int, bool, NoneType) for value in arguments):
            return False
        raise _NotPlain(kind)
    if origin in (tuple, list, frozenset, set):
        return _some_hold_times([item for item in arguments if item is not Ellipsis], seen)
    if origin is dict:
        if arguments[0] is not str:
            raise _NotPlain(kind)
        return _plain_type(arguments[1], seen)
    if not isinstance(kind, type) or origin is not None:
        raise _NotPlain(kind)
    if kind is datetime:
        return True
    if kind in _PLAIN_SCALARS:
        return False
    if issubclass(kind, enum.Enum):
        if all(type(member.value) in (str, int) for member in kind):
            return False
        raise _NotPlain(kind)
    return _plain_class(kind, seen)


def _some_hold_times(kinds: typing.Iterable[Any], seen: set[type]) -> bool:
    """Whether any of ``kinds`` holds times, after checking every one of them (no early exit)."""
    holds_times = False
    for kind in kinds:
        holds_times = _plain_type(kind, seen) or holds_times
    return holds_times


def _plain_class(cls: type, seen: set[type]) -> bool:
    if not attrs.has(cls):
        raise _NotPlain(cls)
    if cls in seen:
        return False  # a class met again (recursion): its own walk decides about times
    seen.add(cls)
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError) as unresolved:
        raise _NotPlain(cls) from unresolved
    holds_times = False
    for field in attrs.fields(cls):
        # cattrs leaves out fields that __init__ does not take and names private ones as
        # declared; msgspec writes the first and leaves out the second.
        if not field.init or field.name.startswith("_"):
            raise _NotPlain(cls)
        holds_times = _plain_type(hints.get(field.name, Any), seen) or holds_times
    return holds_times


class AggregateEncoder:
    """Writes aggregates as JSON bytes and reads them back.

    Attributes:
        converter: The shared converter (:func:`~ordercore.serialization.make_converter`), for
            the classes msgspec does not write and for structuring what is read.
    """

    def __init__(self) -> None:
        self.converter = make_converter()
        self._msgspec = msgspec.json.Encoder(decimal_format="string")
        self._reader = msgspec.json.Decoder()
        self._plans: dict[type, NativePlan] = {}

    def encode(self, item: object) -> bytes:
        """The JSON body of ``item``; reading it back gives the converter's data for it.

        Raises:
            ValidationError: For what the converter refuses (a naive time).
        """
        cls = type(item)
        plan = self._plans.get(cls)
        if plan is None:
            plan = self._plans[cls] = native_plan(cls)
        if plan is not NativePlan.CONVERTER:
            try:
                body = self._msgspec.encode(item)
            except (TypeError, ValueError):
                # Text that is not valid Unicode, or a field holding what its type does not
                # say: the converter writes it, or says what is wrong with it.
                pass
            else:
                if plan is NativePlan.MSGSPEC or _NAIVE_TIME.search(body) is None:
                    return body
        return encode_body(self.converter.unstructure(item))

    def decode(self, body: bytes) -> Any:
        """The data of a body :meth:`encode` (or :func:`encode_body`) wrote."""
        if is_stdlib_body(body):
            return decode_body(body)
        return self._reader.decode(body)
