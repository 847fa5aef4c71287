"""A faster ``attrs.evolve`` for the hot paths of the lifecycle and the memory backend.

``attrs.evolve`` runs the class's ``__init__`` again, validators included, which is most of
the cost of every lifecycle step. :func:`replace` copies the fields into a new instance
directly. It is only for classes without validators, converters or ``__attrs_post_init__``:
for them the two are the same, and ``tests/unit/test_replace.py`` checks that every class it
is used on qualifies.

The copy is made by a small function generated once per class and set of changed fields
(straight-line code, each field written once through its slot's own setter, no loop and no
name lookups), about twice as fast as a loop over the fields for a value as wide as a
shipment. The generated functions are kept in a bounded cache keyed by the class and names.
"""

from __future__ import annotations

import functools
import keyword
import types
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["constructor", "replace"]

T = TypeVar("T")

_new = object.__new__
_set = object.__setattr__


@functools.lru_cache(maxsize=1024)
def _changer(cls: Any, changed: tuple[str, ...]) -> Callable[..., Any]:
    """A function ``(instance, *values)`` copying ``cls`` with the ``changed`` fields replaced."""
    names = [field.name for field in cls.__attrs_attrs__]
    unknown = [name for name in changed if name not in names]
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {unknown[0]!r}")
    arguments = {name: f"value_{index}" for index, name in enumerate(changed)}
    values = {name: arguments.get(name, f"instance.{name}") for name in names}
    return _generate(cls, ["instance", *arguments.values()], values, "replace")


def _generate(
    cls: Any, parameters: list[str], values: dict[str, str], purpose: str
) -> Callable[..., Any]:
    """Compile ``def made(*parameters)`` building ``cls`` with each field set to its value."""
    scope: dict[str, Any] = {"_new": _new, "_set": _set, "cls": cls}
    body = []
    for index, (name, value) in enumerate(values.items()):
        if not name.isidentifier() or keyword.iskeyword(name):
            raise TypeError(f"{cls.__name__}: field name {name!r} is not an identifier")
        slot = _slot(cls, name)
        if slot is None:
            body.append(f"    _set(made, {name!r}, {value})")
        else:
            # A slot's own setter, bound once: it writes the slot without looking the name up.
            scope[f"_set_{index}"] = slot.__set__
            body.append(f"    _set_{index}(made, {value})")
    source = "\n".join(
        [f"def make({', '.join(parameters)}):", "    made = _new(cls)", *body, "    return made"]
    )
    # The source is made of the class's field names (checked above to be identifiers) and
    # names of our own: no data ever reaches it. This is how attrs, cattrs and dataclasses
    # build their methods too; a loop over the fields costs about twice as much per copy.
    exec(compile(source, f"<ordercore {purpose} {cls.__qualname__}>", "exec"), scope)  # noqa: S102
    made: Callable[..., Any] = scope["make"]
    return made


def _slot(cls: type[Any], name: str) -> types.MemberDescriptorType | None:
    """The slot descriptor that stores ``name`` on instances of ``cls``, if it is a slot."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            return found if isinstance(found, types.MemberDescriptorType) else None
    return None


def replace(instance: T, /, **changes: Any) -> T:
    """Return a copy of a frozen attrs ``instance`` with ``changes`` (field names) applied.

    Raises:
        TypeError: If a name in ``changes`` is not a field of the class (as ``attrs.evolve``).
    """
    cls: Any = type(instance)
    copy: T = _changer(cls, tuple(changes))(instance, *changes.values())
    return copy


@functools.lru_cache(maxsize=512)
def _constructor(cls: Any) -> Callable[..., Any]:
    values = {field.name: f"value_{index}" for index, field in enumerate(cls.__attrs_attrs__)}
    return _generate(cls, list(values.values()), values, "constructor")


def constructor(cls: type[T]) -> Callable[..., T]:
    """A function that builds ``cls`` from every field, positionally, without ``__init__``.

    For the same classes as :func:`replace` (no validators, converters, defaults that
    ``__init__`` computes, or ``__attrs_post_init__``), or for callers that have made the
    checks of ``__init__`` themselves; every field must be given.
    """
    key: Any = cls
    made: Callable[..., T] = _constructor(key)
    return made
