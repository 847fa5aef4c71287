"""Sets of names in settings, checked: a lone string is refused rather than split into letters.

``frozenset("velocity")`` is a set of eight letters, so a setting written with one name where a
collection was meant would silently match nothing (or the wrong thing); these helpers refuse it
with a :class:`~ordercore.errors.ValidationError` that names the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ordercore.errors import ValidationError

__all__ = ["text_set"]


def _as_given(text: str) -> str:
    return text


def text_set(field: str, value: object, normal: Callable[[str], str] = _as_given) -> frozenset[str]:
    """The non-empty strings of ``value`` (a set, list, tuple, ...), each passed through ``normal``.

    Raises:
        ValidationError: ``field`` is named when ``value`` is one string, not a collection, or
            holds anything but non-empty strings.
    """
    if isinstance(value, str):
        raise ValidationError(
            field, f"give a collection of names such as {{{value!r}}}, not one string"
        )
    if isinstance(value, bytes) or not isinstance(value, Iterable):
        raise ValidationError(field, f"give a collection of strings, not {type(value).__name__}")
    # Listed before hashing: an unhashable member would fail with a bare TypeError.
    items = list(value)
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise ValidationError(field, "entries must be non-empty strings")
    return frozenset(normal(item) for item in items)
