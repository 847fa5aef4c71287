"""The in-memory storage backend (``memory://``), the default.

Units of work are serialised by one lock, as SQLite serialises writers with ``BEGIN IMMEDIATE``:
inside a unit of work every read is consistent and every write is buffered; on a clean exit the
buffer is applied in one step, and on an error it is dropped, so a failed unit of work leaves no
trace. Stored values are immutable attrs objects, so they are kept as they are, not copied.

Opening a second unit of work in a thread that already holds one is a programming error (it
would deadlock) and raises :class:`~ordercore.errors.StorageError` instead.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Generic

from ordercore._replace import replace
from ordercore.errors import ConcurrencyConflict, NotFound, StorageError, ValidationError
from ordercore.storage._gate import UnitOfWorkGate
from ordercore.storage._memory_journal import MemoryJournal, PackedEntry, without_personal
from ordercore.storage._sightings import check_limit, checked_sighting
from ordercore.storage.ports import (
    A,
    AggregateKind,
    IdempotencyRecord,
    OutboxMessage,
    OutboxStatus,
    Sighting,
    StorageBackend,
)

__all__ = ["MemoryStorage", "memory_backend"]


class _State:
    """The committed contents of one memory store."""

    def __init__(self) -> None:
        self.aggregates: dict[str, dict[str, Any]] = {}
        self.journal: list[PackedEntry] = []
        self.streams: dict[tuple[str, str], list[int]] = {}
        self.outbox: dict[str, OutboxMessage] = {}
        self.undelivered: dict[str, None] = {}
        self.idempotency: dict[str, IdempotencyRecord] = {}
        # Per key, its sightings as (time, record id) in that order: plain tuples the collector
        # leaves alone.
        self.sightings: dict[str, list[tuple[int, str]]] = {}
        # Per aggregate kind, how many commits wrote one (see AggregateGenerations).
        self.generations: dict[str, int] = {}


class MemoryStorage:
    """Thread-safe storage that lives in this process.

    Args:
        url: ``"memory://"``; anything after the scheme names the store in ``repr`` only.
    """

    def __init__(self, url: str = "memory://") -> None:
        self._url = url
        self._gate = UnitOfWorkGate()
        self._state = _State()

    @property
    def url(self) -> str:
        """The URL this store was opened with."""
        return self._url

    def unit_of_work(self) -> _MemoryUnitOfWork:
        """Open a unit of work; commits on clean exit, leaves no trace on error."""
        return _MemoryUnitOfWork(self)

    def close(self) -> None:
        """Nothing to release; present for the port."""

    def __repr__(self) -> str:
        return f"MemoryStorage({self._url!r})"


class _MemoryUnitOfWork:
    """A unit of work and its own context manager: the lock is held from enter to exit."""

    __slots__ = (
        "_aggregate_writes",
        "_idempotency",
        "_journal",
        "_outbox",
        "_repositories",
        "_sightings",
        "_state",
        "_storage",
    )

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self._state = storage._state
        self._aggregate_writes: dict[str, dict[str, Any]] = {}
        self._repositories: dict[str, _MemoryAggregates[Any]] = {}
        self._journal: MemoryJournal | None = None
        self._outbox: _MemoryOutbox | None = None
        self._idempotency: _MemoryIdempotency | None = None
        self._sightings: _MemorySightings | None = None

    def __enter__(self) -> _MemoryUnitOfWork:
        self._storage._gate.enter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self._storage._gate.leave()

    @property
    def journal(self) -> MemoryJournal:
        if self._journal is None:
            self._journal = MemoryJournal(self._state)
        return self._journal

    @property
    def outbox(self) -> _MemoryOutbox:
        if self._outbox is None:
            self._outbox = _MemoryOutbox(self._state)
        return self._outbox

    @property
    def idempotency(self) -> _MemoryIdempotency:
        if self._idempotency is None:
            self._idempotency = _MemoryIdempotency(self._state)
        return self._idempotency

    @property
    def sightings(self) -> _MemorySightings:
        if self._sightings is None:
            self._sightings = _MemorySightings(self._state.sightings)
        return self._sightings

    def aggregates(self, kind: AggregateKind[A]) -> _MemoryAggregates[A]:
        repository = self._repositories.get(kind.name)
        if repository is None:
            writes = self._aggregate_writes.setdefault(kind.name, {})
            repository = _MemoryAggregates(kind, self._state, writes)
            self._repositories[kind.name] = repository
        # Stored as Any and annotated: a ``typing.cast`` would be a call on every lookup.
        found: _MemoryAggregates[A] = repository
        return found

    def generation(self, kind: AggregateKind[Any]) -> int | None:
        """How many commits wrote a ``kind`` aggregate; ``None`` once this one has written one."""
        if self._aggregate_writes.get(kind.name):
            return None
        return self._state.generations.get(kind.name, 0)

    def commit(self) -> None:
        # Everything that can fail was checked when it was buffered; from here on it is
        # plain dictionary and list updates, so the commit cannot stop half way.
        state = self._state
        for kind_name, writes in self._aggregate_writes.items():
            if writes:
                state.aggregates.setdefault(kind_name, {}).update(writes)
                state.generations[kind_name] = state.generations.get(kind_name, 0) + 1
        if self._journal is not None:
            for packed in self._journal.pending:
                state.streams.setdefault((packed[1], packed[2]), []).append(packed[0])
            state.journal.extend(self._journal.pending)
            for sequence in self._journal.erased:
                state.journal[sequence - 1] = without_personal(state.journal[sequence - 1])
        if self._outbox is not None:
            for message_id in self._outbox.purged:
                del state.outbox[message_id]
            for message in self._outbox.pending.values():
                state.outbox[message.id] = message
                if message.status is OutboxStatus.PENDING:
                    state.undelivered[message.id] = None
                else:
                    state.undelivered.pop(message.id, None)
            if self._outbox.requeued:
                # A requeued message joined the end; due messages are claimed oldest first.
                waiting = state.undelivered
                state.undelivered = {key: None for key in state.outbox if key in waiting}
        if self._idempotency is not None:
            for key in self._idempotency.purged:
                del state.idempotency[key]
            state.idempotency.update(self._idempotency.pending)
        if self._sightings is not None:
            for key, items in self._sightings.changed.items():
                if items:
                    state.sightings[key] = items
                else:
                    state.sightings.pop(key, None)


class _MemoryAggregates(Generic[A]):
    __slots__ = ("_committed", "_kind", "_writes")

    def __init__(self, kind: AggregateKind[A], state: _State, writes: dict[str, Any]) -> None:
        self._kind = kind
        # The values are ``A``; annotated so, no ``typing.cast`` call is needed per read.
        self._committed: dict[str, A] = state.aggregates.setdefault(kind.name, {})
        self._writes: dict[str, A] = writes

    def find(self, aggregate_id: str) -> A | None:
        item = self._writes.get(aggregate_id)
        if item is None:
            return self._committed.get(aggregate_id)
        return item

    def get(self, aggregate_id: str) -> A:
        item = self.find(aggregate_id)
        if item is None:
            raise NotFound(self._kind.name, aggregate_id)
        return item

    def save(self, item: A, *, expected_version: int) -> None:
        current = self.find(item.id)
        actual = None if current is None else current.version
        if (actual or 0) != expected_version:
            raise ConcurrencyConflict(self._kind.name, item.id, expected_version, actual)
        if item.version <= expected_version:
            raise ValidationError(
                "version", f"new version {item.version} must exceed {expected_version}"
            )
        if not isinstance(item, self._kind.type):
            raise ValidationError(
                self._kind.name, f"expected {self._kind.type.__name__}, got {type(item).__name__}"
            )
        self._writes[item.id] = item

    def scan(self) -> Iterator[A]:
        for aggregate_id, item in self._committed.items():
            if aggregate_id not in self._writes:
                yield item
        yield from list(self._writes.values())

    def count(self) -> int:
        new = sum(1 for aggregate_id in self._writes if aggregate_id not in self._committed)
        return len(self._committed) + new


class _MemorySightings:
    """Sightings kept per key as a list in time order, so the newest are its last items.

    A key the unit of work changes gets a copy of its list (a quick copy of a short list of
    pointers), which replaces the committed one at commit.
    """

    __slots__ = ("_committed", "changed")

    def __init__(self, committed: dict[str, list[tuple[int, str]]]) -> None:
        self._committed = committed
        self.changed: dict[str, list[tuple[int, str]]] = {}

    def _current(self, key: str) -> list[tuple[int, str]]:
        found = self.changed.get(key)
        return self._committed.get(key, []) if found is None else found

    def _working(self, key: str) -> list[tuple[int, str]]:
        found = self.changed.get(key)
        if found is None:
            found = self.changed[key] = list(self._committed.get(key, ()))
        return found

    def add(self, keys: Collection[str], record_id: str, at_us: int) -> None:
        sighting = (at_us, record_id)
        for key in checked_sighting(keys, record_id, at_us):
            items = self._working(key)
            if not items or items[-1] < sighting:
                items.append(sighting)  # the usual case: newer than every other
                continue
            place = bisect.bisect_left(items, sighting)
            if place == len(items) or items[place] != sighting:
                items.insert(place, sighting)

    def newest(self, key: str, *, limit: int) -> list[Sighting]:
        check_limit(limit)
        items = self._current(key)
        return [
            (record_id, at_us) for at_us, record_id in reversed(items[-limit:] if limit else [])
        ]

    def forget(self, key: str, sightings: Collection[Sighting]) -> int:
        if not sightings or not self._current(key):
            return 0
        gone = {(at_us, record_id) for record_id, at_us in sightings}
        items = self._working(key)
        kept = [item for item in items if item not in gone]
        dropped = len(items) - len(kept)
        items[:] = kept
        return dropped


class _MemoryOutbox:
    def __init__(self, state: _State) -> None:
        self._state = state
        self.pending: dict[str, OutboxMessage] = {}
        # Committed messages this unit of work deletes: gone for it now, for everyone on commit.
        self.purged: dict[str, None] = {}
        self.requeued = False

    def _current(self, message_id: str) -> OutboxMessage | None:
        found = self.pending.get(message_id)
        if found is None and message_id not in self.purged:
            found = self._state.outbox.get(message_id)
        return found

    def put(self, message: OutboxMessage) -> None:
        if self._current(message.id) is not None:
            raise StorageError(f"outbox message {message.id!r} already exists")
        self.pending[message.id] = message

    def get(self, message_id: str) -> OutboxMessage:
        message = self._current(message_id)
        if message is None:
            raise NotFound("outbox message", message_id)
        return message

    def claim_due(self, now: datetime, *, limit: int, lease: timedelta) -> list[OutboxMessage]:
        claimed: list[OutboxMessage] = []
        candidates = list(self._state.undelivered) + [
            message_id
            for message_id, message in self.pending.items()
            if message.status is OutboxStatus.PENDING and message_id not in self._state.outbox
        ]
        for message_id in candidates:
            if len(claimed) >= limit:
                break
            message = self._current(message_id)
            if message is None or message.status is not OutboxStatus.PENDING:
                continue
            if message.next_attempt_at > now:
                continue
            if message.claimed_until is not None and message.claimed_until > now:
                continue
            leased = replace(message, claimed_until=now + lease)
            self.pending[message_id] = leased
            claimed.append(leased)
        return claimed

    def mark_delivered(self, message_id: str, at: datetime) -> None:
        self.pending[message_id] = self.get(message_id).delivered(at)

    def mark_failed(
        self, message_id: str, *, error: str, next_attempt_at: datetime, dead: bool
    ) -> None:
        self.pending[message_id] = self.get(message_id).failed(error, next_attempt_at, dead=dead)

    def requeue(self, message_id: str, at: datetime) -> OutboxMessage:
        again = self.get(message_id).requeued(at)
        self.pending[message_id] = again
        self.requeued = True
        return again

    def list(self, status: OutboxStatus | None = None) -> list[OutboxMessage]:
        merged = dict(self._state.outbox)
        for message_id in self.purged:
            del merged[message_id]
        merged.update(self.pending)
        return [m for m in merged.values() if status is None or m.status is status]

    def purge_delivered(self, before: datetime, *, limit: int) -> int:
        chosen = 0
        for message_id, message in self._state.outbox.items():
            if chosen >= limit:
                break
            if message_id in self.pending or message_id in self.purged:
                continue
            if message.status is OutboxStatus.DELIVERED and _before(message.delivered_at, before):
                self.purged[message_id] = None
                chosen += 1
        return chosen


class _MemoryIdempotency:
    def __init__(self, state: _State) -> None:
        self._state = state
        self.pending: dict[str, IdempotencyRecord] = {}
        self.purged: dict[str, None] = {}

    def get(self, key: str) -> IdempotencyRecord | None:
        found = self.pending.get(key)
        if found is None and key not in self.purged:
            found = self._state.idempotency.get(key)
        return found

    def put(self, record: IdempotencyRecord) -> None:
        if self.get(record.key) is not None:
            raise StorageError(f"idempotency key {record.key!r} is already recorded")
        self.pending[record.key] = record

    def purge(self, before: datetime, *, limit: int) -> int:
        chosen = 0
        for key, record in self._state.idempotency.items():
            if chosen >= limit:
                break
            if key not in self.pending and key not in self.purged and record.created_at < before:
                self.purged[key] = None
                chosen += 1
        return chosen


def _before(moment: datetime | None, cutoff: datetime) -> bool:
    return moment is not None and moment < cutoff


def memory_backend() -> StorageBackend:
    """Return the registration of the ``memory://`` backend."""
    return StorageBackend(
        scheme="memory",
        open=MemoryStorage,
        description="in-process, thread-safe; contents are lost when the process ends",
    )
