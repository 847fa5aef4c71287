"""The SQLite unit of work: one ``BEGIN IMMEDIATE`` transaction and its repositories.

A unit of work takes SQLite's write lock when it opens, so nothing another connection commits
can come between what it reads and what it writes: a compare-and-swap that passed on a value read
inside it is still true when it commits. Every write runs at once inside the transaction (reads
see the unit's own writes); ``COMMIT`` on a clean exit, ``ROLLBACK`` on an error.

Decoded aggregates are kept in a cache shared by the units of work of one storage object, since
they are immutable. ``PRAGMA data_version`` changes only when another connection commits; when
it has, each cached value is checked against its stored version (one indexed lookup) before it
is trusted again, so the cache never serves a value another process replaced.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from typing import Any, Generic, cast

import cattrs

from ordercore.audit.journal import (
    GENESIS_HASH,
    EntryDraft,
    EventFields,
    JournalEntry,
    JournalHead,
    seal_fields,
    seal_with_body,
)
from ordercore.errors import ConcurrencyConflict, NotFound, StorageError, ValidationError
from ordercore.serialization import structure
from ordercore.storage import _sqlite_codec as codec
from ordercore.storage._sqlite_encoder import AggregateEncoder
from ordercore.storage._sqlite_outbox import SQLiteIdempotency, SQLiteOutbox
from ordercore.storage._sqlite_outbox import write_index as write_outbox_index
from ordercore.storage._sqlite_rows import (
    ROWS_BEHIND_LIMIT,
    SCAN,
    STORED_VERSION,
    UNWRITTEN,
    RowBehind,
    stream_entries,
    write_rows,
)
from ordercore.storage._sqlite_sightings import SQLiteSightings
from ordercore.storage._sqlite_streams import (
    STREAM_TAIL_LIMIT,
    StreamKey,
    StreamTail,
    TailEntry,
    makes_version_after,
)
from ordercore.storage.ports import (
    A,
    AggregateKind,
    JournalStream,
    OutboxMessage,
    OutboxStatus,
)

__all__ = ["SQLiteUnitOfWork", "SharedState"]

_BATCH = 500
ABSENT = object()
"""Cached in place of a value to remember that no aggregate has that id."""


class SharedState:
    """What the units of work of one storage object share: the connection and the caches."""

    def __init__(
        self, connection: sqlite3.Connection, encoder: AggregateEncoder, cache_size: int
    ) -> None:
        self.connection = connection
        self.converter: cattrs.Converter = encoder.converter
        self.encode = encoder.encode
        self.decode = encoder.decode
        self.cache: dict[tuple[str, str], tuple[Any, int]] = {}
        self.cache_size = cache_size
        self.data_version = -1
        self.epoch = 0
        self.head: tuple[JournalHead, int] | None = None
        self.messages: dict[str, tuple[OutboxMessage, int]] = {}
        # Rows this storage left behind their journal stream, to be written later (see
        # _sqlite_rows); only units of work change it, one at a time.
        self.behind: dict[tuple[str, str], RowBehind] = {}
        self.streams: dict[str, JournalStream[Any]] = {}
        self.stream_tail = StreamTail()

    def remember(self, cache_key: tuple[str, str], item: Any) -> None:
        """Cache a committed value, dropping the oldest entry when full."""
        cache = self.cache
        if len(cache) >= self.cache_size and cache_key not in cache:
            # Forget the older half in one pass: deleting the oldest entry one at a time
            # would make every eviction walk the run of deleted slots at the dict's start.
            for stale in list(itertools.islice(cache, len(cache) // 2 + 1)):
                del cache[stale]
        cache[cache_key] = (item, self.epoch)


class SQLiteUnitOfWork:
    """One transaction; built and entered by :class:`~ordercore.storage.sqlite.SQLiteStorage`."""

    def __init__(self, shared: SharedState) -> None:
        self.shared = shared
        self.connection = shared.connection
        self.written: dict[tuple[str, str], Any] = {}
        self.messages: dict[str, OutboxMessage] = {}
        self.marked: set[str] = set()
        self.head: JournalHead | None = None
        # Saves of aggregates that follow a journal stream, settled at commit: left to the
        # journal when its entries cover them, written otherwise.
        self.deferred: dict[tuple[str, str], tuple[bytes, str, Any]] = {}
        self.stream_heads: dict[tuple[str, str], int] = {}
        # Streams this unit of work journaled the first version of, and the rows it inserted
        # without their value: such a row may stay so only if its stream starts here.
        self.stream_starts: set[tuple[str, str]] = set()
        self.unwritten: set[tuple[str, str]] = set()
        self.caught_up: dict[tuple[str, str], RowBehind] = {}
        # The journal entries this unit of work appended, for lookups by stream (see
        # _sqlite_streams), and the mark to which it wrote the stream index, if it did.
        self.appended: list[tuple[StreamKey, int, int | None]] = []
        self._streams_written: int | None = None
        self.write_all_rows = False
        self._wrote_all_rows = False
        self._left_behind: dict[tuple[str, str], RowBehind] = {}
        self._repositories: dict[str, SQLiteAggregates[Any]] = {}
        self._journal: SQLiteJournal | None = None
        self._outbox: SQLiteOutbox | None = None
        self._idempotency: SQLiteIdempotency | None = None

    @property
    def journal(self) -> SQLiteJournal:
        """The hash-chained journal."""
        if self._journal is None:
            self._journal = SQLiteJournal(self)
        return self._journal

    @property
    def outbox(self) -> SQLiteOutbox:
        """The outbox."""
        if self._outbox is None:
            self._outbox = SQLiteOutbox(self)
        return self._outbox

    @property
    def idempotency(self) -> SQLiteIdempotency:
        """The idempotency store."""
        if self._idempotency is None:
            self._idempotency = SQLiteIdempotency(self.connection)
        return self._idempotency

    @property
    def sightings(self) -> SQLiteSightings:
        """The sightings (see :class:`~ordercore.storage.ports.SightingsIndex`)."""
        return SQLiteSightings(self.connection)

    def aggregates(self, kind: AggregateKind[A]) -> SQLiteAggregates[A]:
        """The repository of one kind of aggregate."""
        repository = self._repositories.get(kind.name)
        if repository is None:
            repository = SQLiteAggregates(kind, self)
            self._repositories[kind.name] = repository
        return cast("SQLiteAggregates[A]", repository)

    @property
    def _first_appended(self) -> int | None:
        """The sequence of this unit of work's first journal entry, if it appended any."""
        return self.appended[0][1] if self.appended else None

    def _stream_tail(self) -> StreamTail:
        """The storage's journal tail, current for this unit of work."""
        tail = self.shared.stream_tail
        tail.sync(self.connection, self.shared.epoch, self._first_appended)
        return tail

    def stream_last(self, stream: StreamKey) -> TailEntry | None:
        """A stream's newest entry that the stream index does not hold yet, if any."""
        for key, sequence, version in reversed(self.appended):
            if key == stream:
                return sequence, version
        return self._stream_tail().last(self.connection, stream)

    def stream_entries(
        self, stream: StreamKey, after_version: int | None = None
    ) -> list[JournalEntry]:
        """A stream's journal entries, oldest first: all, or those making versions above one."""
        newer = self._stream_tail().sequences(self.connection, stream, after_version)
        for key, sequence, version in self.appended:
            if key == stream and makes_version_after(version, after_version):
                newer.append(sequence)
        return stream_entries(self.connection, stream, newer, after_version)

    def release_repositories(self) -> None:
        """Forget the repositories once the transaction has ended.

        Each repository points back at this unit of work; without this the pair would be a
        reference cycle, left for the garbage collector instead of freed at once, and a few
        cycles per command make its collections several times as frequent. A repository kept
        by a caller still works as before; asking again makes a new one.
        """
        self._repositories = {}
        self._journal = None
        self._outbox = None

    def settle(self) -> None:
        """Before ``COMMIT``: write the rows the journal does not cover, and any that are due.

        A deferred save is covered when this unit of work journaled its stream's entry for the
        saved version; its row then stays behind (see :mod:`._sqlite_rows`) unless this storage
        has :data:`ROWS_BEHIND_LIMIT` rows behind already, or :attr:`write_all_rows` is set.
        """
        shared = self.shared
        covered: dict[tuple[str, str], RowBehind] = dict(self.caught_up)
        uncovered: dict[tuple[str, str], RowBehind] = {}
        heads = self.stream_heads
        unwritten = self.unwritten
        for cache_key, (kind_key, stream_type, item) in self.deferred.items():
            stream_key = (stream_type, cache_key[1])
            if heads.get(stream_key) == item.version and (
                cache_key not in unwritten or stream_key in self.stream_starts
            ):
                covered[cache_key] = (kind_key, item)
            else:
                uncovered[cache_key] = (kind_key, item)
                covered.pop(cache_key, None)
        if uncovered:
            write_rows(self.connection, shared.encode, uncovered, strict=True)
        behind = shared.behind
        due = len(behind)
        for cache_key in covered:
            if cache_key not in behind:
                due += 1
        if self.write_all_rows or due >= ROWS_BEHIND_LIMIT:
            write_rows(self.connection, shared.encode, {**behind, **covered}, strict=False)
            self._wrote_all_rows = True
        else:
            self._left_behind = covered
        tail = shared.stream_tail
        if self.write_all_rows or tail.count >= STREAM_TAIL_LIMIT:
            self._streams_written = tail.write(self.connection, shared.epoch, self._first_appended)
            # The outbox's index by state is written behind in the same batches.
            write_outbox_index(self.connection)

    def committed(self) -> None:
        """After ``COMMIT``: what this unit wrote becomes what the caches know."""
        shared = self.shared
        if self._wrote_all_rows:
            shared.behind.clear()
        else:
            shared.behind.update(self._left_behind)
        for cache_key, item in self.written.items():
            shared.remember(cache_key, item)
        if self.appended or self._streams_written is not None:
            shared.stream_tail.committed(self.appended, shared.epoch, self._streams_written)
        if self.head is not None:
            shared.head = (self.head, shared.epoch)
        # Pending messages are remembered until delivered: the desk marks each one right after
        # the commit that wrote it, and then need not read it back.
        messages = shared.messages
        for message_id, message in self.messages.items():
            if message.status is OutboxStatus.PENDING:
                if len(messages) >= shared.cache_size:
                    messages.clear()  # pending messages are few; a full cache is a backlog
                messages[message_id] = (message, shared.epoch)
            else:
                messages.pop(message_id, None)
        for message_id in self.marked:
            messages.pop(message_id, None)


class SQLiteAggregates(Generic[A]):
    """Versioned aggregates of one kind, one row each: ``(kind, id, version, body)``.

    The rows of a kind that follows a journal stream may be behind it; they are read together
    with their stream's last version and brought up to date (see :mod:`._sqlite_rows`).
    """

    def __init__(self, kind: AggregateKind[A], uow: SQLiteUnitOfWork) -> None:
        self._kind = kind
        self._name = kind.name
        self._kind_key = codec.key(kind.name)
        self._uow = uow
        self._shared = uow.shared
        self._connection = uow.connection
        # A kind's stream is remembered by name: rows of that name may be behind whichever
        # kind object a caller passes later.
        streams = uow.shared.streams
        if kind.stream is not None:
            streams[kind.name] = kind.stream
        self._stream = stream = streams.get(kind.name)
        self._stream_key = None if stream is None else codec.key(stream.stream_type)

    def _decode(self, body: bytes) -> A:
        data = self._shared.decode(body)
        return structure(self._shared.converter, data, self._kind.type, self._name)

    def _row_value(self, body: bytes, row_key: bytes, *, behind: bool = True) -> A:
        """The current value of a row read with ``body``: decoded, or built from the journal.

        ``behind=False``: the caller read the stream's last version with the row, and it is the
        row's own, so there are no entries to apply.
        """
        if body == UNWRITTEN:
            return self._replayed(row_key)
        found = self._decode(body)
        if behind and self._stream is not None:
            found = self._caught_up(found, row_key)
        return found

    def _replayed(self, row_key: bytes) -> A:
        """The value of a row stored without one, built from every entry of its stream."""
        stream = self._stream
        aggregate_id = codec.key_text(row_key)
        if stream is None or stream.replay is None or self._stream_key is None:
            raise StorageError(
                f"the row of {self._name} {aggregate_id!r} holds no value: it is kept in its "
                "journal stream, which this kind does not name (use the kind that names it)"
            )
        entries = self._uow.stream_entries((self._stream_key, row_key), 0)
        try:
            current = stream.replay(entries, self._shared.converter)
        except ValidationError as exc:
            raise StorageError(
                f"cannot build {self._name} {aggregate_id!r} from its journal: {exc}"
            ) from exc
        # Found without its value: the storage writes the row with its next rows behind.
        self._uow.caught_up[(self._name, aggregate_id)] = (self._kind_key, current)
        return cast("A", current)

    def _stored_version(self, row_key: bytes) -> int | None:
        """The version stored for an id (its stream's, when that is further), or ``None``."""
        if self._stream_key is None:
            row = self._connection.execute(
                "SELECT version FROM aggregates WHERE kind = ? AND id = ?",
                (self._kind_key, row_key),
            ).fetchone()
            return None if row is None else int(row[0])
        row = self._connection.execute(
            STORED_VERSION, (self._stream_key, self._kind_key, row_key)
        ).fetchone()
        if row is None:
            return None
        newer = self._uow.stream_last((self._stream_key, row_key))
        latest = row[1] if newer is None else newer[1]
        return int(row[0]) if latest is None else max(int(row[0]), int(latest))

    def _caught_up(self, item: A, row_key: bytes) -> A:
        """``item`` (a row's value) with its stream's later journal entries applied."""
        stream = self._stream
        stream_key = self._stream_key
        assert stream is not None  # callers check
        assert stream_key is not None
        entries = self._uow.stream_entries((stream_key, row_key), item.version)
        if not entries:
            return item
        try:
            current = stream.catch_up(item, entries, self._shared.converter)
        except ValidationError as exc:
            raise StorageError(
                f"cannot bring {self._name} {item.id!r} from version {item.version} up to date "
                f"from its journal: {exc}"
            ) from exc
        # Found behind: the storage writes the row with its next rows behind.
        self._uow.caught_up[(self._name, item.id)] = (self._kind_key, current)
        return cast("A", current)

    def find(self, aggregate_id: str) -> A | None:
        cache_key = (self._name, aggregate_id)
        item = self._uow.written.get(cache_key)
        if item is not None:
            return cast("A", item)
        shared = self._shared
        cached = shared.cache.get(cache_key)
        if cached is not None:
            item, epoch = cached
            if epoch != shared.epoch:
                stored = self._stored_version(codec.key(aggregate_id))
                if stored != (None if item is ABSENT else item.version):
                    item = None
                else:
                    shared.cache[cache_key] = (item, shared.epoch)
            if item is ABSENT:
                return None
            if item is not None:
                return cast("A", item)
        row_key = codec.key(aggregate_id)
        row = self._connection.execute(
            "SELECT body FROM aggregates WHERE kind = ? AND id = ?",
            (self._kind_key, row_key),
        ).fetchone()
        if row is None:
            # Absence is remembered too: commands look up many ids that do not exist (an
            # untracked SKU's stock item, an order's channel reference before it is placed).
            shared.remember(cache_key, ABSENT)
            return None
        found = self._row_value(row[0], row_key)
        shared.remember(cache_key, found)
        return found

    def get(self, aggregate_id: str) -> A:
        item = self.find(aggregate_id)
        if item is None:
            raise NotFound(self._name, aggregate_id)
        return item

    def save(self, item: A, *, expected_version: int) -> None:
        cache_key = (self._name, item.id)
        if (
            expected_version != 0
            or cache_key in self._uow.written
            or cache_key in self._shared.cache
        ):
            current = self.find(item.id)
            actual = None if current is None else current.version
            if (actual or 0) != expected_version:
                raise ConcurrencyConflict(self._name, item.id, expected_version, actual)
        # else: a new id nothing here has seen (a new order's); the INSERT below refuses one
        # that exists after all, without a lookup before it.
        if item.version <= expected_version:
            raise ValidationError(
                "version", f"new version {item.version} must exceed {expected_version}"
            )
        if not isinstance(item, self._kind.type):
            raise ValidationError(
                self._name, f"expected {self._kind.type.__name__}, got {type(item).__name__}"
            )
        stream = self._stream
        if stream is not None and (expected_version != 0 or stream.replay is not None):
            if expected_version == 0:
                # A new aggregate's row is claimed now, without its value, which its journal
                # stream holds; the value is written with the rows behind (see _sqlite_rows),
                # or at commit should this unit of work not journal the stream from its start.
                self._insert(item, UNWRITTEN)
                self._uow.unwritten.add(cache_key)
            # The version was checked above under the write lock; the row is settled at commit
            # (see SQLiteUnitOfWork.settle).
            self._uow.deferred[cache_key] = (self._kind_key, stream.stream_type, item)
            self._uow.written[cache_key] = item
            return
        body = self._shared.encode(item)
        if expected_version == 0:
            self._insert(item, body)
        else:
            row_key = codec.key(item.id)
            # The version check is repeated in SQL: the row count proves the swap happened.
            changed = self._connection.execute(
                "UPDATE aggregates SET version = ?, body = ? "
                "WHERE kind = ? AND id = ? AND version = ?",
                (item.version, body, self._kind_key, row_key, expected_version),
            ).rowcount
            if changed != 1:
                raise ConcurrencyConflict(self._name, item.id, expected_version, None)
        self._uow.written[cache_key] = item

    def _insert(self, item: A, body: bytes) -> None:
        """Insert a new aggregate's row; one that exists after all is a conflict."""
        row_key = codec.key(item.id)
        try:
            self._connection.execute(
                "INSERT INTO aggregates (kind, id, version, body) VALUES (?, ?, ?, ?)",
                (self._kind_key, row_key, item.version, body),
            )
        except sqlite3.IntegrityError:
            stored = self._stored_version(row_key)
            raise ConcurrencyConflict(self._name, item.id, 0, stored) from None

    def scan(self) -> Iterator[A]:
        shared = self._shared
        written = self._uow.written
        if self._stream_key is not None:
            cursor = self._connection.execute(SCAN, (self._stream_key, self._kind_key))
        else:
            cursor = self._connection.execute(
                "SELECT id, version, body, NULL FROM aggregates WHERE kind = ?", (self._kind_key,)
            )
        stream_key = self._stream_key
        uow = self._uow
        while rows := cursor.fetchmany(_BATCH):
            for row_key, version, body, indexed in rows:
                latest = indexed
                if stream_key is not None:
                    newer = uow.stream_last((stream_key, row_key))
                    if newer is not None:
                        latest = newer[1]
                current = version if latest is None or latest < version else latest
                cache_key = (self._name, codec.key_text(row_key))
                item = written.get(cache_key)
                if item is None:
                    cached = shared.cache.get(cache_key)
                    if cached is not None and getattr(cached[0], "version", None) == current:
                        item = cached[0]
                    else:
                        item = self._row_value(body, row_key, behind=current != version)
                        shared.remember(cache_key, item)
                yield cast("A", item)

    def count(self) -> int:
        (total,) = self._connection.execute(
            "SELECT count(*) FROM aggregates WHERE kind = ?", (self._kind_key,)
        ).fetchone()
        return int(total)


class SQLiteJournal:
    """The journal table: one row per entry, its sequence the row id."""

    def __init__(self, uow: SQLiteUnitOfWork) -> None:
        self._uow = uow
        self._connection = uow.connection

    def head(self) -> JournalHead:
        uow = self._uow
        if uow.head is not None:
            return uow.head
        shared = uow.shared
        if shared.head is not None and shared.head[1] == shared.epoch:
            return shared.head[0]
        row = self._connection.execute(
            "SELECT sequence, hash FROM journal ORDER BY sequence DESC LIMIT 1"
        ).fetchone()
        head = JournalHead(0, GENESIS_HASH) if row is None else JournalHead(row[0], row[1])
        shared.head = (head, shared.epoch)
        return head

    def append(self, draft: EntryDraft) -> JournalEntry:
        head = self.head()
        sealed = seal_with_body(draft, head.sequence + 1, head.digest)
        entry = sealed.entry
        body = codec.encode_sealed_entry(sealed.body, sealed.orjson_exact, entry.personal)
        if body is None:
            body = codec.encode_entry(entry)
        self._insert(
            entry.sequence, entry.stream_type, entry.stream_id, entry.version, entry.hash, body
        )
        return entry

    def append_event(self, fields: EventFields) -> None:
        """:meth:`append` from the fields (see :class:`~ordercore.storage.ports.EventAppender`)."""
        head = self.head()
        sequence = head.sequence + 1
        personal = fields.personal
        personal_digest = None if personal is None else personal.digest()
        canonical, orjson_exact, digest = seal_fields(
            fields, sequence, head.digest, personal_digest
        )
        body = codec.encode_sealed_entry(canonical, orjson_exact, personal)
        if body is None:
            body = codec.encode_entry_fields(fields, personal, head.digest, digest, personal_digest)
        self._insert(sequence, fields.stream_type, fields.stream_id, fields.version, digest, body)

    def _insert(
        self,
        sequence: int,
        stream_type: str,
        stream_id: str,
        version: int,
        digest: str,
        body: bytes,
    ) -> None:
        """Write a sealed entry's row and make it this unit of work's head."""
        stream = (codec.key(stream_type), codec.key(stream_id))
        self._connection.execute(
            "INSERT INTO journal (sequence, stream_type, stream_id, version, hash, body) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (sequence, stream[0], stream[1], version, digest, body),
        )
        uow = self._uow
        uow.appended.append((stream, sequence, version))
        uow.head = JournalHead(sequence, digest)
        uow.stream_heads[(stream_type, stream_id)] = version
        if version == 1:
            uow.stream_starts.add((stream_type, stream_id))

    def read(self, *, after: int = 0, limit: int | None = None) -> Iterator[JournalEntry]:
        cursor = self._connection.execute(
            "SELECT sequence, hash, body FROM journal WHERE sequence > ? ORDER BY sequence LIMIT ?",
            (after, -1 if limit is None else limit),
        )
        while rows := cursor.fetchmany(_BATCH):
            for sequence, digest, body in rows:
                yield codec.decode_entry(sequence, digest, body)

    def stream(self, stream_type: str, stream_id: str) -> list[JournalEntry]:
        return self._uow.stream_entries((codec.key(stream_type), codec.key(stream_id)))
