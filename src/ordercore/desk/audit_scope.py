"""The records an audit sweep reads: one consistent snapshot taken in a single unit of work.

The orders and the journal are read together, so that no command can slip in between and make
a stored order look newer than its journal. The checks then run with no unit of work open, so a
long sweep never blocks commands.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime

from ordercore.audit.journal import GENESIS_HASH, JournalEntry, JournalHead
from ordercore.audit.plans import OrderScope
from ordercore.orders.model import ORDERS, Order
from ordercore.storage.ports import A, AggregateKind, Storage

__all__ = ["StoredRecords"]


class StoredRecords:
    """An :class:`~ordercore.audit.checks.AuditScope` over a storage snapshot.

    Args:
        storage: Where to read.
        scope: Which orders are in scope.
        now: The sweep's time (for scopes relative to it).
        checkpoint: The journal head a previous clean run verified.
        deep: Ignore the checkpoint.
    """

    def __init__(
        self,
        storage: Storage,
        scope: OrderScope,
        now: datetime,
        *,
        checkpoint: JournalHead | None = None,
        deep: bool = False,
    ) -> None:
        self._storage = storage
        self._checkpoint = checkpoint
        self._deep = deep
        with storage.unit_of_work() as uow:
            orders = list(uow.aggregates(ORDERS).scan())
            self._entries: list[JournalEntry] = list(uow.journal.read())
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
        """Entries after sequence ``after``, oldest first."""
        # Sequences are dense from 1, so sequence n sits at index n - 1.
        return itertools.islice(self._entries, max(after, 0), None)

    def journal_head(self) -> JournalHead:
        """The newest entry when the snapshot was taken."""
        if not self._entries:
            return JournalHead(0, GENESIS_HASH)
        last = self._entries[-1]
        return JournalHead(last.sequence, last.hash)

    @property
    def journal_size(self) -> int:
        """How many entries the snapshot holds."""
        return len(self._entries)

    def stream(self, stream_type: str, stream_id: str) -> Sequence[JournalEntry]:
        """One aggregate's entries up to the snapshot, oldest first."""
        # The backend's stream index, cut at the snapshot's head: indexing the whole snapshot
        # would cost more than the few streams an incremental sweep reads.
        head = len(self._entries)
        with self._storage.unit_of_work() as uow:
            entries = uow.journal.stream(stream_type, stream_id)
        return [entry for entry in entries if entry.sequence <= head]

    def stream_versions(self, stream_type: str) -> Mapping[str, int]:
        """The last journaled version of each stream of ``stream_type``."""
        versions = self._versions.get(stream_type)
        if versions is None:
            versions = {}
            for entry in self._entries:
                if entry.stream_type == stream_type:
                    versions[entry.stream_id] = entry.version
            self._versions[stream_type] = versions
        return versions

    def aggregates(self, kind: AggregateKind[A]) -> Iterable[A]:
        """Every stored aggregate of ``kind``, read now (not part of the snapshot)."""
        with self._storage.unit_of_work() as uow:
            return list(uow.aggregates(kind).scan())
