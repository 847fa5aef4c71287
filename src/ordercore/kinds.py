"""Kinds of stored aggregates: what a domain package declares about how its values are kept.

Part of the kernel, so that domain packages can name their aggregate kinds (``ORDERS``,
``STOCK_LEVELS``, ...) without importing the storage layer; the storage port
(:mod:`ordercore.storage.ports`) re-exports every name here, and backends take these kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import attrs

from ordercore.errors import ValidationError

if TYPE_CHECKING:
    import cattrs

    from ordercore.audit.journal import JournalEntry

__all__ = ["A", "Aggregate", "AggregateKind", "CatchUp", "JournalStream", "Replay"]


class Aggregate(Protocol):
    """Anything stored by id with a version: orders, stock levels, customers, ..."""

    @property
    def id(self) -> str:
        """The aggregate's id."""
        ...

    @property
    def version(self) -> int:
        """Its version: 1 when first stored, one more on every change."""
        ...


A = TypeVar("A", bound=Aggregate)


def _check_kind_name(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not value or not value.replace("_", "").replace("-", "").isalnum():
        raise ValidationError("name", "an aggregate kind is a short word such as 'order'")


CatchUp = Callable[[A, Sequence["JournalEntry"], "cattrs.Converter"], A]
"""Applies journal entries (oldest first) to an aggregate; see :class:`JournalStream`."""

Replay = Callable[[Sequence["JournalEntry"], "cattrs.Converter"], A]
"""Builds an aggregate from every entry of its stream, oldest first; see :class:`JournalStream`."""


def _check_stream_type(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValidationError("stream_type", "must be a non-empty string")


@attrs.frozen(slots=True)
class JournalStream(Generic[A]):
    """Where an aggregate kind's changes are journaled, and how to replay them onto it.

    A kind that names one promises that every version of an aggregate after the first is the
    previous version with the journal entries of stream ``(stream_type, aggregate id)`` applied
    in order, each entry's ``version`` being the version it makes. A backend may use this to
    write an aggregate's stored form less often than it changes (the SQLite backend does: see
    its documentation); others ignore it.

    When the stream's first entry makes the aggregate's first version (an order's
    ``OrderPlaced`` does), ``replay`` builds it from the entries alone, and a backend may store a
    new aggregate without its value until it writes the row later (the SQLite backend does).

    Attributes:
        stream_type: The journal stream type whose stream id is the aggregate's id.
        catch_up: ``catch_up(item, entries, converter)``: ``item`` with ``entries`` applied.
            Must raise :class:`~ordercore.errors.ValidationError` for an entry it cannot apply.
        replay: ``replay(entries, converter)``: the aggregate that every entry of its stream,
            from the first, makes; ``None`` (the default) when the stream cannot build one.
            Raises as ``catch_up`` does, and for no entries at all.
    """

    stream_type: str = attrs.field(validator=_check_stream_type)
    catch_up: CatchUp[A] = attrs.field(eq=False)
    replay: Replay[A] | None = attrs.field(default=None, eq=False, kw_only=True)


@attrs.frozen(slots=True)
class AggregateKind(Generic[A]):
    """Names a kind of aggregate and its Python type, so that backends can store and rebuild it.

    Example:
        ``ORDERS = AggregateKind("order", Order)``; then ``uow.aggregates(ORDERS).get(order_id)``
        is typed as ``Order``.

    Attributes:
        name: A short word naming the kind (``"order"``).
        type: The aggregates' class.
        stream: The journal stream that records every change of such an aggregate, when there
            is one (:class:`JournalStream`); ``None`` for kinds written without one.
    """

    name: str = attrs.field(validator=_check_kind_name)
    type: type[A]
    stream: JournalStream[A] | None = attrs.field(default=None, kw_only=True)
