"""A faster ``attrs.evolve`` for the hot paths of the lifecycle and the memory backend.

``attrs.evolve`` runs the class's ``__init__`` again, validators included, which is most of
the cost of every lifecycle step. :func:`replace` copies the fields into a new instance
directly. It is only for classes without validators, converters or ``__attrs_post_init__``:
for them the two are the same, and ``tests/unit/test_replace.py`` checks that every class it
is used on qualifies.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["replace"]

T = TypeVar("T")

_new = object.__new__
_set = object.__setattr__


def replace(instance: T, **changes: Any) -> T:
    """Return a copy of a frozen attrs ``instance`` with ``changes`` (field names) applied."""
    cls = type(instance)
    copy = _new(cls)
    for field in cls.__attrs_attrs__:  # type: ignore[attr-defined]
        name = field.name
        _set(copy, name, changes[name] if name in changes else getattr(instance, name))
    return copy
