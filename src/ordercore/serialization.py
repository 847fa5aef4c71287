"""One way to turn domain values into JSON and back.

:func:`make_converter` builds the cattrs converter that every layer uses for domain values
(attrs classes, ``Decimal``, :class:`~ordercore.money.Money`, aware datetimes, dates, enums,
tuples and frozensets). It is a factory rather than a module global so that no two desks share
mutable converter state.

:func:`canonical_json` is the byte form used for hashing (the audit journal, idempotency
fingerprints): sorted keys, no insignificant white space, UTF-8, and no floats anywhere, since a
float would make the same amount hash differently on different machines.
"""

from __future__ import annotations

import enum
import hashlib
import json
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias, TypeVar

import attrs
import cattrs
import orjson
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.fns import identity
from cattrs.v import format_exception

from ordercore.clock import ensure_aware_utc
from ordercore.errors import ValidationError
from ordercore.money import Money

__all__ = [
    "JSONValue",
    "canonical_json",
    "canonical_json_read_back",
    "canonical_json_unchecked",
    "ensure_json_ready",
    "ensure_valid_unicode",
    "fingerprint",
    "iso_text",
    "make_converter",
    "structure",
]

JSONValue: TypeAlias = "bool | int | str | list[JSONValue] | dict[str, JSONValue] | None"
"""A value that JSON can carry exactly: no floats."""

T = TypeVar("T")


def _structure_decimal(value: Any, _: type[Decimal]) -> Decimal:
    if isinstance(value, float | bool):
        raise ValidationError("decimal", "expected a decimal string, got a float")
    try:
        result = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError("decimal", f"not a decimal number: {value!r}") from exc
    if not result.is_finite():
        raise ValidationError("decimal", "NaN and Infinity are not amounts")
    return result


def _structure_money(value: Any, _: type[Money]) -> Money:
    if not isinstance(value, Mapping) or set(value) != {"amount", "currency"}:
        raise ValidationError("money", "expected {'amount': '<decimal>', 'currency': '<ISO code>'}")
    amount = _structure_decimal(value["amount"], Decimal)
    return Money(amount, str(value["currency"]))


# Reading an order back builds a few dozen Money values, most of them repeats (prices, zero
# amounts); Money is immutable, so each converter keeps the ones it built, up to this many.
_MONEY_CACHE_SIZE = 4096


def _cached_money_structurer() -> Callable[[Any, type[Money]], Money]:
    """A Money hook that remembers what it built from each (amount text, currency) pair."""
    built: dict[tuple[str, str], Money] = {}

    def structure_money(value: Any, cls: type[Money]) -> Money:
        if type(value) is dict and len(value) == 2:
            key = (value.get("amount"), value.get("currency"))
            found = built.get(key)  # type: ignore[arg-type]
            if found is not None:
                return found
            money = _structure_money(value, cls)
            if type(key[0]) is str and type(key[1]) is str:
                if len(built) >= _MONEY_CACHE_SIZE:
                    built.clear()
                built[key] = money  # type: ignore[index]
            return money
        return _structure_money(value, cls)

    return structure_money


def _structure_datetime(value: Any, _: type[datetime]) -> datetime:
    if isinstance(value, datetime):
        return ensure_aware_utc(value)
    if not isinstance(value, str):
        raise ValidationError(
            "datetime", f"expected an ISO 8601 string, got {type(value).__name__}"
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError("datetime", f"not an ISO 8601 time: {value!r}") from exc
    return ensure_aware_utc(parsed)


def _structure_date(value: Any, _: type[date]) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValidationError("date", f"expected an ISO 8601 date, got {type(value).__name__}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError("date", f"not an ISO 8601 date: {value!r}") from exc


def _unstructure_money(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def _enum_value(member: enum.Enum) -> Any:
    # ``_value_`` is what ``Enum.value`` returns, read without the property's Python call.
    return member._value_


def iso_text(value: datetime) -> str:
    """``value.isoformat()`` of an aware ``datetime``; UTC times are written by orjson.

    orjson writes an aware time in RFC 3339 with the offset as ``+00:00`` and microseconds
    only when there are some, which is ``isoformat()``'s text for UTC times exactly (a property
    test checks it over the whole range), about three times faster.
    """
    if type(value) is datetime and value.tzinfo is UTC:
        return orjson.dumps(value)[1:-1].decode()
    return value.isoformat()


def _unstructure_datetime(value: datetime) -> str:
    return iso_text(ensure_aware_utc(value))


def _sorted_list(items: Iterable[Any]) -> list[Any]:
    """Sort the already unstructured members of a set, so equal sets give equal JSON."""
    members = list(items)
    try:
        return sorted(members)
    except TypeError:
        # Members that do not order among themselves (objects, mixed types) still need one
        # stable order for hashing; their canonical JSON bytes give it.
        return sorted(members, key=canonical_json)


def _structure_objects_from_mappings(
    converter: cattrs.Converter,
) -> Callable[[type[Any]], Callable[[Any, type[Any]], Any]]:
    """Wrap cattrs' hook for attrs classes so that data which is not an object is refused.

    cattrs' generated hook calls ``data.keys()`` and lets the ``AttributeError`` escape for
    ``None``, a string or a list, which no caller can act on.
    """

    def factory(cls: type[Any]) -> Callable[[Any, type[Any]], Any]:
        generated = converter.gen_structure_attrs_fromdict(cls)
        name = getattr(cls, "__name__", repr(cls))

        def structure_object(value: Any, target: type[Any]) -> Any:
            # Decoded JSON is a dict: skip the slower check against the Mapping ABC for it.
            if type(value) is not dict and not isinstance(value, Mapping):
                raise ValidationError(
                    name, f"expected an object for {name}, got {type(value).__name__}"
                )
            return generated(value, target)

        return structure_object

    return factory


def _homogeneous_sequence_item(cls: Any) -> Any:
    """The item type of ``tuple[X, ...]`` or ``list[X]`` (a concrete ``X``), else ``None``."""
    origin = typing.get_origin(cls)
    arguments = typing.get_args(cls)
    homogeneous_tuple = origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis
    if not (homogeneous_tuple or (origin is list and len(arguments) == 1)):
        return None
    item = arguments[0]
    return None if isinstance(item, TypeVar) or item is Any else item


def _sequences_to_lists(
    converter: cattrs.Converter,
) -> Callable[[type[Any]], Callable[[Any], list[Any]]]:
    """Unstructure ``tuple[X, ...]`` and ``list[X]`` fields with a list comprehension.

    What cattrs' own hook gives (a list of the items' unstructured values, through the hook
    the converter has for ``X`` when the field's hook is made), without a generator per value.
    """

    def factory(cls: type[Any]) -> Callable[[Any], list[Any]]:
        hook = converter.get_unstructure_hook(_homogeneous_sequence_item(cls), cache_result=False)
        if hook is identity:
            return list

        def unstructure_sequence(items: Iterable[Any]) -> list[Any]:
            return [hook(item) for item in items]

        return unstructure_sequence

    return factory


def _optional_item(cls: Any) -> Any:
    """The ``X`` of ``X | None`` (a concrete ``X``), else ``None``."""
    if typing.get_origin(cls) not in (typing.Union, types.UnionType):
        return None
    arguments = typing.get_args(cls)
    if len(arguments) != 2 or type(None) not in arguments:
        return None
    item = arguments[0] if arguments[1] is type(None) else arguments[1]
    return None if isinstance(item, TypeVar) else item


def _optionals(converter: cattrs.Converter) -> Callable[[type[Any]], Callable[[Any], Any]]:
    """Unstructure ``X | None`` as cattrs does, and not at all when ``X`` is left as it is.

    cattrs wraps even ``str | None`` in a function call per value; when the hook of ``X`` is
    the identity, ``None`` and ``X`` both stay as they are, so the identity is the whole hook
    (and the generated hook of an attrs class then reads the field directly).
    """

    def factory(cls: type[Any]) -> Callable[[Any], Any]:
        hook = converter.get_unstructure_hook(_optional_item(cls))
        if hook is identity:
            return identity

        def unstructure_optional(value: Any) -> Any:
            return None if value is None else hook(value)

        return unstructure_optional

    return factory


def make_converter() -> cattrs.Converter:
    """Build the converter for all ordercore domain values.

    Decimals become strings, :class:`Money` becomes ``{"amount": "12.30", "currency": "EUR"}``,
    datetimes become ISO 8601 strings in UTC (naive datetimes are refused), enums become their
    values, tuples and frozensets become lists (frozensets sorted). Unknown keys are refused
    when structuring, so a typo in a payload is an error rather than a silently dropped field.

    Returns:
        A fresh :class:`cattrs.Converter`; callers may register hooks for their own types.
    """
    # A collection override rather than a hook for ``frozenset``: a hook registered for the bare
    # class is not used for annotated ``frozenset[...]`` fields, which cattrs builds by factory.
    converter = cattrs.Converter(
        forbid_extra_keys=True, unstruct_collection_overrides={frozenset: _sorted_list}
    )
    converter.register_structure_hook_factory(
        attrs.has, _structure_objects_from_mappings(converter)
    )
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_unstructure_hook(Money, _unstructure_money)
    converter.register_structure_hook(Money, _cached_money_structurer())
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, _structure_date)
    converter.register_unstructure_hook(enum.Enum, _enum_value)
    converter.register_unstructure_hook_factory(
        lambda cls: _homogeneous_sequence_item(cls) is not None, _sequences_to_lists(converter)
    )
    converter.register_unstructure_hook_factory(
        lambda cls: _optional_item(cls) is not None, _optionals(converter)
    )
    return converter


def structure(converter: cattrs.Converter, data: Any, cls: type[T], field: str = "value") -> T:
    """Structure ``data`` into ``cls``, turning cattrs' errors into one :class:`ValidationError`.

    Args:
        converter: A converter from :func:`make_converter`.
        data: JSON-ready data.
        cls: The type to build.
        field: The name of the whole value, used as the root of error paths.

    Raises:
        ValidationError: With the first bad field's path as ``field``
            (``"payload.lines[0].quantity"``); any further problems follow in the reason, each
            with its own path.
    """
    try:
        return converter.structure(data, cls)
    except ValidationError as exc:
        raise ValidationError(field, exc.reason) from exc
    except cattrs.BaseValidationError as exc:
        (path, reason), *others = _problems(exc, field)
        reason = "; ".join([reason, *(f"{where}: {what}" for where, what in others)])
        raise ValidationError(path, reason) from exc
    except (TypeError, ValueError, KeyError) as exc:
        raise ValidationError(field, f"cannot read as {cls.__name__}: {exc}") from exc


def _describe(exc: BaseException, expected: Any) -> str:
    if isinstance(exc, ValidationError):
        return exc.reason
    return format_exception(exc, expected)


def _problems(exc: BaseException, path: str) -> list[tuple[str, str]]:
    """Flatten cattrs' nested exception groups into ``(path, reason)`` pairs, in field order.

    This mirrors :func:`cattrs.transform_error`, which only returns formatted strings, so that
    the path can go into :attr:`ValidationError.field` and our own reasons are kept.
    """
    problems: list[tuple[str, str]] = []
    if isinstance(exc, IterableValidationError):
        indexed, unplaced = exc.group_exceptions()
        for inner, item in indexed:
            problems.extend(_problem_at(inner, f"{path}[{item.index!r}]", item.type))
    elif isinstance(exc, ClassValidationError):
        named, unplaced = exc.group_exceptions()
        for inner, attribute in named:
            problems.extend(_problem_at(inner, f"{path}.{attribute.name}", attribute.type))
    else:
        return [(path, _describe(exc, None))]
    problems.extend((path, _describe(inner, None)) for inner in unplaced)
    return problems


def _problem_at(exc: BaseException, path: str, expected: Any) -> list[tuple[str, str]]:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        return _problems(exc, path)
    return [(path, _describe(exc, expected))]


_SCALARS = (str, int, bool, type(None))


def _is_json_ready(value: object) -> bool:
    """Fast check with no path bookkeeping; the slow walk below runs only to explain a failure.

    Written as flat loops with identity checks because it runs on every journal append.
    """
    kind = type(value)
    if kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str:
                return False
            item_kind = type(item)
            if item_kind is str or item_kind is int or item_kind is bool or item is None:
                continue
            if item_kind is float or not _is_json_ready(item):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:  # type: ignore[attr-defined]
            item_kind = type(item)
            if item_kind is str or item_kind is int or item_kind is bool or item is None:
                continue
            if item_kind is float or not _is_json_ready(item):
                return False
        return True
    return kind is str or kind is int or kind is bool or value is None


def _explain_not_json(value: object, path: str) -> None:
    kind = type(value)
    if kind in _SCALARS:
        return
    if kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str:
                raise ValidationError(path, f"object keys must be strings, got {key!r}")
            _explain_not_json(item, f"{path}.{key}")
        return
    if kind is list or kind is tuple:
        for index, item in enumerate(value):  # type: ignore[arg-type]
            _explain_not_json(item, f"{path}[{index}]")
        return
    if kind is float:
        raise ValidationError(path, "floats are not allowed; use a decimal string")
    raise ValidationError(path, f"{kind.__name__} is not JSON; unstructure it first")


# A configured encoder is immutable in use; building one per call would cost more than hashing.
# It defines the canonical form; orjson writes the same bytes about ten times faster, which
# ``tests/properties/test_canonical_json_properties.py`` checks on arbitrary JSON values.
_CANONICAL_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_ORJSON_SORTED = orjson.OPT_SORT_KEYS


def reference_canonical_json(value: object) -> bytes:
    """The canonical form written by the standard library: the reference for :func:`canonical_json`.

    Takes JSON-ready data only (no check); used where orjson refuses a value (integers beyond
    64 bits) and by the tests that hold orjson's output to this one.
    """
    return _CANONICAL_ENCODER.encode(value).encode("utf-8")


def canonical_json(value: object, field: str = "value") -> bytes:
    """Return the canonical UTF-8 JSON bytes of ``value``.

    Args:
        value: JSON-ready data (dicts with string keys, lists, str, int, bool, None).
        field: The name to report when the value is refused.

    Raises:
        ValidationError: If a float or a non-JSON value is found, naming its path.
    """
    if not _is_json_ready(value):
        _explain_not_json(value, field)
    try:
        return orjson.dumps(value, option=_ORJSON_SORTED)
    except orjson.JSONEncodeError:
        # Integers beyond 64 bits, or text that is not valid Unicode: the standard library
        # writes the first; the second is refused naming where it is.
        return _reference_or_refuse(value, field)


_BROKEN_TEXT = "text is not valid Unicode (it holds a lone surrogate)"


def _is_valid_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def ensure_valid_unicode(text: str, field: str) -> None:
    """Refuse text that cannot be written as UTF-8 (a lone surrogate) with a ValidationError.

    Python carries undecodable bytes as lone surrogates; the journal's canonical JSON is UTF-8,
    so such text is refused where it comes in, naming its field.
    """
    if not _is_valid_unicode(text):
        raise ValidationError(field, _BROKEN_TEXT)


def _reference_or_refuse(value: object, field: str) -> bytes:
    try:
        return reference_canonical_json(value)
    except UnicodeEncodeError:
        raise ValidationError(_path_of_broken_text(value, field) or field, _BROKEN_TEXT) from None


def _path_of_broken_text(value: object, path: str) -> str | None:
    """The path of the first string (or key) that cannot be written as UTF-8, if any."""
    if isinstance(value, str):
        return None if _is_valid_unicode(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            found = _path_of_broken_text(key, f"{path}.<key>") or _path_of_broken_text(
                item, f"{path}.{key}"
            )
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _path_of_broken_text(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def ensure_json_ready(value: object, field: str = "value") -> None:
    """Raise :class:`ValidationError` naming the path of the first float or non-JSON value."""
    if not _is_json_ready(value):
        _explain_not_json(value, field)


def canonical_json_unchecked(value: object, field: str = "value") -> bytes:
    """:func:`canonical_json` for values known to be JSON already, without the check.

    For data whose shape is proven by its type (see ``ordercore._json_types``) and for
    re-hashing stored journal entries, where a changed value shows as a changed digest anyway.
    Anything orjson cannot write still goes through the standard library; text that is not
    valid Unicode is refused with a :class:`ValidationError` naming its path under ``field``.
    """
    return canonical_json_read_back(value, field)[0]


def canonical_json_read_back(value: object, field: str = "value") -> tuple[bytes, bool]:
    """:func:`canonical_json_unchecked`, and whether ``orjson.loads`` reads the bytes back exactly.

    It does unless the standard library had to write them: orjson reads integers beyond 64
    bits back as floats, so such bytes must be read with :func:`json.loads`.
    """
    try:
        return orjson.dumps(value, option=_ORJSON_SORTED), True
    except orjson.JSONEncodeError:
        return _reference_or_refuse(value, field), False


def fingerprint(value: object, field: str = "value") -> str:
    """Return the SHA-256 hex digest of :func:`canonical_json` of ``value``."""
    return hashlib.sha256(canonical_json(value, field)).hexdigest()
