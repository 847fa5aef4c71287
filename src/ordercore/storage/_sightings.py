"""What the backends' sightings repositories check before they keep anything."""

from __future__ import annotations

from collections.abc import Collection

from ordercore.errors import ValidationError

__all__ = ["check_limit", "checked_sighting"]

_INT64 = 1 << 63


def _check_text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(field, "expected a non-empty str")
    return value


def checked_sighting(keys: Collection[str], record_id: str, at_us: int) -> list[str]:
    """The keys of a sighting to add, once every part of it is known to be storable.

    Raises:
        ValidationError: Naming ``keys``, ``record_id`` or ``at_us`` and what is wrong with it.
    """
    if isinstance(keys, str | bytes) or not isinstance(keys, Collection):
        raise ValidationError("keys", "expected a collection of keys, such as a list or a set")
    checked = [_check_text("keys", key) for key in keys]
    _check_text("record_id", record_id)
    if isinstance(at_us, bool) or not isinstance(at_us, int):
        raise ValidationError("at_us", "expected an int: microseconds since the epoch")
    if not -_INT64 <= at_us < _INT64:
        raise ValidationError("at_us", "outside the range of a 64-bit integer")
    return checked


def check_limit(limit: int) -> None:
    """Refuse a ``limit`` that is not a whole number of sightings."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValidationError("limit", "expected an int of at least 0")
