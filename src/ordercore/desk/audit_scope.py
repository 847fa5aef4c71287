"""The records an audit sweep reads: one consistent snapshot taken in a single unit of work.

The orders and the journal's head are read together, so that no command can slip in between
and make a stored order look newer than its journal; entries are read up to that head when a
check asks for them (the journal only grows), so an incremental run reads only its tail. The
checks run with no unit of work open, so a long sweep never blocks commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from ordercore.audit.journal import (
    ChainVerification,
    JournalEntry,
    JournalHead,
    StoredBody,
    verify_bodies,
    verify_chain,
)
from ordercore.audit.plans import OrderScope
from ordercore.orders.model import ORDERS, Order
from ordercore.storage.ports import (
    A,
    AggregateKind,
    JournalRepository,
    Storage,
    StoredBodies,
    StreamVersionIndex,
)

__all__ = ["StoredRecords", "verify_stored"]

T = TypeVar("T")

_FIRST_CHUNK = 64
_CHUNK = 10_000


def verify_stored(
    storage: Storage,
    *,
    after: JournalHead | None = None,
    against: JournalHead | None = None,
    upto: int | None = None,
) -> ChainVerification:
    """Verify the stored journal's chain after ``after`` (up to sequence ``upto``).

    Entries are read in chunks, each in a short unit of work, and verified outside it, so a
    long verification never blocks commands. A backend that keeps the canonical bytes
    (:class:`~ordercore.storage.ports.StoredBodies`) is verified over those bytes; any other
    has its entries read back and re-hashed.
    """
    start = 0 if after is None else max(after.sequence, 0)
    with storage.unit_of_work() as uow:
        end = uow.journal.head().sequence if upto is None else upto
        as_bodies = isinstance(uow.journal, StoredBodies)
    if as_bodies:
        return verify_bodies(_chunks(storage, start, end, _bodies), after=after, against=against)
    return verify_chain(_chunks(storage, start, end, _entries), after=after, against=against)


def _bodies(journal: JournalRepository, after: int, limit: int) -> list[StoredBody]:
    assert isinstance(journal, StoredBodies)  # checked before the first chunk
    return journal.stored_bodies(after=after, limit=limit)


def _entries(journal: JournalRepository, after: int, limit: int) -> list[JournalEntry]:
    return list(journal.read(after=after, limit=limit))


def _chunks(
    storage: Storage,
    after: int,
    end: int,
    read: Callable[[JournalRepository, int, int], list[T]],
) -> Iterator[T]:
    """What ``read`` gives for the entries after ``after`` up to ``end``, chunk by chunk."""
    size = _FIRST_CHUNK
    while after < end:
        # Each chunk in a short unit of work: nothing holds the whole journal in memory, nor a
        # unit of work open while it is checked. The first chunk is small, since some checks
        # only want the first entry or two.
        with storage.unit_of_work() as uow:
            chunk = read(uow.journal, after, min(size, end - after))
        if not chunk:
            return
        yield from chunk
        after += len(chunk)
        size = min(size * 8, _CHUNK)


class StoredRecords:
    """An :class:`~ordercore.audit.checks.AuditScope` over a storage snapshot.

    Args:
        storage: Where to read.
        scope: Which orders are in scope.
        now: The sweep's time (for scopes relative to it).
        checkpoint: The journal head a previous clean run verified.
        deep: Ignore the checkpoint.
        snapshot_kinds: Other aggregate kinds to read with the orders and the journal head, for
            checks that compare them with the journal (see ``AuditCheck.snapshot_kinds``).
    """

    def __init__(
        self,
        storage: Storage,
        scope: OrderScope,
        now: datetime,
        *,
        checkpoint: JournalHead | None = None,
        deep: bool = False,
        snapshot_kinds: Iterable[AggregateKind[Any]] = (),
    ) -> None:
        self._storage = storage
        self._checkpoint = checkpoint
        self._deep = deep
        self._snapshot: dict[str, list[Any]] = {}
        with storage.unit_of_work() as uow:
            orders = list(uow.aggregates(ORDERS).scan())
            for kind in snapshot_kinds:
                self._snapshot[kind.name] = list(uow.aggregates(kind).scan())
            self._head = uow.journal.head()
        if not scope.is_everything:
            orders = [order for order in orders if scope.includes(order, now)]
        self._orders = orders
        self._versions: dict[str, dict[str, int]] = {}

    @property
    def checkpoint(self) -> JournalHead | None:
        """The head a previous clean sweep verified."""
        return self._checkpoint

    @property
    def deep(self) -> bool:
        """Whether expensive checks must ignore the checkpoint."""
        return self._deep

    def orders(self) -> Sequence[Order]:
        """The orders in scope."""
        return self._orders

    def journal(self, *, after: int = 0) -> Iterator[JournalEntry]:
        """Entries after sequence ``after`` up to the snapshot's head, oldest first.

        The journal only grows, so reading up to the head later sees what the snapshot saw;
        an incremental run reads only the entries after its checkpoint.
        """
        return _chunks(self._storage, max(after, 0), self._head.sequence, _entries)

    def verify_journal(
        self, *, after: JournalHead | None = None, against: JournalHead | None = None
    ) -> ChainVerification:
        """Verify the chain after ``after`` up to the snapshot's head; see :func:`verify_stored`."""
        return verify_stored(self._storage, after=after, against=against, upto=self._head.sequence)

    def journal_head(self) -> JournalHead:
        """The newest entry when the snapshot was taken."""
        return self._head

    @property
    def journal_size(self) -> int:
        """How many entries the snapshot holds."""
        return self._head.sequence

    def stream(self, stream_type: str, stream_id: str) -> Sequence[JournalEntry]:
        """One aggregate's entries up to the snapshot, oldest first."""
        # The backend's stream index, cut at the snapshot's head: indexing the whole snapshot
        # would cost more than the few streams an incremental sweep reads.
        head = self._head.sequence
        with self._storage.unit_of_work() as uow:
            entries = uow.journal.stream(stream_type, stream_id)
        return [entry for entry in entries if entry.sequence <= head]

    def stream_versions(self, stream_type: str) -> Mapping[str, int]:
        """The last journaled version of each stream of ``stream_type``."""
        versions = self._versions.get(stream_type)
        if versions is None:
            with self._storage.unit_of_work() as uow:
                journal = uow.journal
                if isinstance(journal, StreamVersionIndex):
                    versions = journal.stream_versions(stream_type, upto=self._head.sequence)
            if versions is None:
                versions = {}
                for entry in self.journal():
                    if entry.stream_type == stream_type:
                        versions[entry.stream_id] = entry.version
            self._versions[stream_type] = versions
        return versions

    def aggregates(self, kind: AggregateKind[A]) -> Iterable[A]:
        """Every stored aggregate of ``kind``: as of the snapshot if it is a snapshot kind."""
        taken: list[A] | None = self._snapshot.get(kind.name)
        if taken is not None:
            return taken
        with self._storage.unit_of_work() as uow:
            return list(uow.aggregates(kind).scan())
