"""The SQLite storage backend (``sqlite:///path`` and ``sqlite://:memory:``), standard library only.

The embedded persistent default: one file, no server, safe for several threads and several
processes at once.

- **Write lock first.** Every unit of work opens with ``BEGIN IMMEDIATE``, which takes SQLite's
  write lock before the first read. A deferred transaction that reads and then writes would fail
  with ``SQLITE_BUSY`` whatever the timeout; an immediate one waits its turn instead, and nothing
  can change between what it reads and what it writes.
- **Waiting is bounded and never leaks.** ``busy_timeout`` lets SQLite wait for the lock; when
  it gives up, the backend retries with jittered backoff until ``lock_wait_s`` runs out, so
  ``database is locked`` never reaches the caller (after ``lock_wait_s`` a
  :class:`~ordercore.errors.StorageError` says what happened).
- **WAL and durability.** The file is in WAL mode (readers never block the writer) with
  ``synchronous=NORMAL``: a committed unit of work survives a crash of the process; after a power
  cut the last commits may be lost, never the file's consistency. ``?synchronous=full`` makes
  every commit durable through power loss too, at the cost of an fsync per commit.
- **Migrations.** The schema is versioned with ``PRAGMA user_version`` and migrated forward on
  open; a file written by a newer ordercore is refused (:class:`SchemaTooNew`) and left as it is.
- **Values.** Aggregates are stored as JSON written by the shared converter
  (:func:`ordercore.serialization.make_converter`); every statement binds its values as parameters.
- **Rows that follow the journal.** The row of an aggregate whose kind names a
  :class:`~ordercore.storage.ports.JournalStream` (an order's) is written once for many changes
  (:meth:`SQLiteStorage.write_rows_behind`), and a new one is inserted without its value when
  the stream can build it; every read brings a row that is behind up to date from the journal
  entries after it, in any process (see :mod:`._sqlite_rows`).

URL forms, as in SQLAlchemy: ``sqlite:///shop.db`` (relative to the working directory),
``sqlite:////var/lib/shop.db`` (absolute), ``sqlite://:memory:`` (private to this storage
object). Query options: ``synchronous=normal|full``, ``busy_timeout_ms=<int>``,
``lock_wait_s=<number>``, ``cache_size=<int>`` (decoded aggregates kept in memory).
"""

from __future__ import annotations

import logging
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote

import attrs

from ordercore.errors import StorageError, ValidationError
from ordercore.storage._gate import UnitOfWorkGate
from ordercore.storage._sqlite_busy import is_busy, retry_while_busy
from ordercore.storage._sqlite_checkpoint import Checkpointer
from ordercore.storage._sqlite_encoder import AggregateEncoder
from ordercore.storage._sqlite_schema import SCHEMA_VERSION, SchemaTooNew, migrate, schema_version
from ordercore.storage._sqlite_uow import SharedState, SQLiteUnitOfWork
from ordercore.storage.ports import StorageBackend

__all__ = ["SCHEMA_VERSION", "SQLiteOptions", "SQLiteStorage", "SchemaTooNew", "sqlite_backend"]

MEMORY = ":memory:"
_LOGGER_NAME = "ordercore.storage"


def _positive(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise ValidationError(attribute.name, "must be greater than zero")


@attrs.frozen(slots=True)
class SQLiteOptions:
    """Where the database is and how it is opened; parsed from the URL by :meth:`from_url`.

    Attributes:
        path: The database file, or ``":memory:"``.
        synchronous: ``"normal"`` (default; survives process crashes) or ``"full"`` (also power
            loss).
        busy_timeout_ms: How long SQLite itself waits for a lock before reporting it.
        lock_wait_s: How long a unit of work waits for the write lock in all.
        cache_size: How many decoded aggregates are kept in memory.
    """

    path: str
    synchronous: str = attrs.field(default="normal")
    busy_timeout_ms: int = attrs.field(default=5_000, validator=_positive)
    lock_wait_s: float = attrs.field(default=30.0, validator=_positive)
    cache_size: int = attrs.field(default=20_000, validator=_positive)

    @synchronous.validator
    def _check_synchronous(self, _: attrs.Attribute[str], value: str) -> None:
        if value not in ("normal", "full"):
            raise ValidationError("synchronous", "must be 'normal' or 'full'")

    @classmethod
    def from_url(cls, url: str) -> SQLiteOptions:
        """Read ``sqlite:///path?option=value`` (see the module documentation).

        Raises:
            ValidationError: If the URL is not a SQLite URL or an option is unknown or bad.
        """
        scheme, separator, rest = url.partition("://")
        if scheme != "sqlite" or not separator:
            raise ValidationError("url", "expected 'sqlite:///path' or 'sqlite://:memory:'")
        location, _, query = rest.partition("?")
        if location == MEMORY:
            path = MEMORY
        elif location.startswith("/") and len(location) > 1:
            path = unquote(location[1:])
        else:
            raise ValidationError(
                "url",
                "expected 'sqlite:///relative/path', 'sqlite:////absolute/path' or ':memory:'",
            )
        options: dict[str, str] = {}
        for name, value in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
            if name not in ("synchronous", "busy_timeout_ms", "lock_wait_s", "cache_size"):
                raise ValidationError(f"url.{name}", "unknown option")
            options[name] = value
        try:
            return cls(
                path=path,
                synchronous=options.get("synchronous", "normal").lower(),
                busy_timeout_ms=int(options.get("busy_timeout_ms", 5_000)),
                lock_wait_s=float(options.get("lock_wait_s", 30.0)),
                cache_size=int(options.get("cache_size", 20_000)),
            )
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                raise ValidationError(f"url.{exc.field}", exc.reason) from exc
            raise ValidationError("url", f"bad option value: {exc}") from exc


class SQLiteStorage:
    """Storage in one SQLite database; thread-safe, and safe for several processes per file.

    The units of work of one storage object run one at a time over one connection (a thread
    waits for the one before it); other processes, or other storage objects on the same file,
    wait for SQLite's write lock.

    Args:
        url: ``"sqlite:///path"`` or ``"sqlite://:memory:"``, with options (module docs).

    Raises:
        ValidationError: For a malformed URL or option.
        SchemaTooNew: If the file was written by a newer ordercore (it is not changed).
        StorageError: If the file cannot be opened as a database.
    """

    def __init__(self, url: str = "sqlite://:memory:") -> None:
        self.options = SQLiteOptions.from_url(url)
        self._url = url
        self._gate = UnitOfWorkGate()
        self._lock = self._gate.lock
        self._jitter = random.Random()  # noqa: S311 -- backoff jitter, not security
        memory = self.options.path == MEMORY
        self._path = MEMORY if memory else str(Path(self.options.path).resolve())
        self._shared = SharedState(self._connect(), AggregateEncoder(), self.options.cache_size)
        self._checkpointer = (
            None
            if memory
            else Checkpointer(self._path, self._lock, each_round=self._rows_behind_round)
        )

    def _rows_behind_round(self) -> None:
        """Write the rows behind, or log why not: the checkpointer's rounds and ``close`` call it.

        Nothing is lost when it fails: the journal holds every change, and readers catch up.
        """
        try:
            self.write_rows_behind()
        except StorageError:
            logging.getLogger(_LOGGER_NAME).warning(
                "%s: could not write the rows behind their journal yet", self.path, exc_info=True
            )

    @property
    def url(self) -> str:
        """The URL this storage was opened with."""
        return self._url

    @property
    def path(self) -> str:
        """The database file's absolute path, or ``":memory:"``."""
        return self._path

    def _connect(self) -> sqlite3.Connection:
        options = self.options
        try:
            connection = sqlite3.connect(
                options.path,
                timeout=options.busy_timeout_ms / 1000,
                isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
                check_same_thread=False,  # guarded by self._lock
                cached_statements=256,
            )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open SQLite database {options.path!r}: {exc}") from exc
        try:
            self._prepare(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        options = self.options
        where = self.path

        def wait(action: str, run: Callable[[], object]) -> None:
            retry_while_busy(
                run, what=f"{where}: {action}", lock_wait_s=options.lock_wait_s, jitter=self._jitter
            )

        try:
            # Check the version before anything that writes (even switching to WAL writes).
            found: list[int] = []
            wait("reading the schema version", lambda: found.append(schema_version(connection)))
            if found[0] > SCHEMA_VERSION:
                raise SchemaTooNew(where, found[0], SCHEMA_VERSION)
            if options.path != MEMORY:
                wait("switching to WAL", lambda: connection.execute("PRAGMA journal_mode=WAL"))
            # A PRAGMA takes no bound parameters; the value is one of two validated words.
            connection.execute(f"PRAGMA synchronous={options.synchronous.upper()}")
            # Up to 32 MiB of pages in memory (SQLite's default is 2 MiB): lookups of ids that do
            # not exist yet, which every new order makes, then rarely go to the file.
            connection.execute("PRAGMA cache_size=-32768")
            if options.path != MEMORY:
                # Checkpoints run on a thread of their own (see _sqlite_checkpoint); SQLite's
                # own stays as a safety net, far above what that thread lets the WAL reach,
                # and a WAL that did grow is cut back to 64 MiB when it starts over.
                connection.execute("PRAGMA wal_autocheckpoint=20000")
                connection.execute("PRAGMA journal_size_limit=67108864")
            wait("migrating the schema", lambda: migrate(connection, where))
        except sqlite3.DatabaseError as exc:
            if is_busy(exc):  # pragma: no cover - retry_while_busy turns these into StorageError
                raise
            raise StorageError(f"cannot use {where!r} as an ordercore database: {exc}") from exc

    def unit_of_work(self) -> _SQLiteTransaction:
        """Open a unit of work; commits on clean exit, leaves no trace on error."""
        return _SQLiteTransaction(self)

    def write_rows_behind(self) -> int:
        """Write now every aggregate row this storage left behind its journal stream.

        Rows of kinds that follow a journal stream are written less often than they change
        (see :class:`~ordercore.storage.ports.JournalStream`); readers bring them up to date
        either way. The same transaction writes the journal's stream index and the outbox's
        indexes up to date (they take in new entries in batches too). The storage does this
        itself on every checkpoint round and when closed.

        Returns:
            How many rows were due (a row another process wrote further meanwhile is kept).
        """
        shared = self._shared
        due = len(shared.behind)
        # The same unit of work writes the journal's stream index and the outbox's indexes up
        # to date (see _sqlite_streams and _sqlite_outbox).
        if due or shared.stream_tail.may_wait():
            with self.unit_of_work() as uow:
                uow.write_all_rows = True
        return due

    def close(self) -> None:
        """Write the rows left behind their journal, then close the connection."""
        # The checkpointer takes the lock for a moment; stop it before taking the lock here.
        if self._checkpointer is not None:
            self._rows_behind_round()
            self._checkpointer.stop()
            self._checkpointer = None
        with self._lock:
            self._shared.connection.close()

    def __repr__(self) -> str:
        return f"SQLiteStorage({self.path!r})"


class _SQLiteTransaction(SQLiteUnitOfWork):
    """A unit of work that is its own context manager: lock, BEGIN IMMEDIATE, COMMIT/ROLLBACK."""

    def __init__(self, storage: SQLiteStorage) -> None:
        super().__init__(storage._shared)
        self._storage = storage

    def __enter__(self) -> _SQLiteTransaction:
        gate = self._storage._gate
        gate.enter()
        try:
            self._begin()
        except BaseException:
            gate.leave()
            raise
        return self

    def _begin(self) -> None:
        connection = self.connection
        storage = self._storage
        try:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as busy:
                if not is_busy(busy):
                    raise
                retry_while_busy(
                    lambda: connection.execute("BEGIN IMMEDIATE"),
                    what=f"{storage.path}: opening a unit of work",
                    lock_wait_s=storage.options.lock_wait_s,
                    jitter=storage._jitter,
                )
            (data_version,) = connection.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error as exc:
            raise StorageError(f"{storage.path}: cannot open a unit of work: {exc}") from exc
        shared = self.shared
        if data_version != shared.data_version:
            # Another connection committed since our last unit of work: cached values must be
            # checked against their stored versions before they are trusted again.
            shared.data_version = data_version
            shared.epoch += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        storage = self._storage
        connection = self.connection
        try:
            if exc_type is None:
                try:
                    self.settle()
                    connection.execute("COMMIT")
                except sqlite3.Error as error:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise StorageError(f"{storage.path}: commit failed: {error}") from error
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
                self.committed()
                checkpointer = storage._checkpointer
                if checkpointer is not None:
                    checkpointer.committed()
                return
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StorageError(f"{storage.path}: {exc}") from exc
        finally:
            self.release_repositories()
            storage._gate.leave()


def sqlite_backend() -> StorageBackend:
    """Return the registration of the ``sqlite://`` backend."""
    return StorageBackend(
        scheme="sqlite",
        open=SQLiteStorage,
        description="one SQLite file (WAL), safe for several processes; or sqlite://:memory:",
    )
