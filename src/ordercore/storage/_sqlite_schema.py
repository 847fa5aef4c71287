"""The SQLite schema and its forward-only migrations, tracked with ``PRAGMA user_version``.

Migration ``n`` takes a database at version ``n - 1`` to version ``n``. Each runs in its own
``BEGIN IMMEDIATE`` transaction together with the ``user_version`` update, so a migration that
fails (or a process killed half way) leaves the database at the version before it. Several
processes may open a new file at once: each takes the write lock, reads the version again, and
applies only what is still missing.

A database whose version is higher than :data:`SCHEMA_VERSION` was written by a newer ordercore;
it is refused before anything is written to it.

A step is an SQL statement, or a function given the connection for work SQL alone cannot do
(reading JSON bodies written in Python). Never edit a migration that has shipped: add the next
one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ordercore.errors import StorageError
from ordercore.storage import _sqlite_codec as codec
from ordercore.storage._sqlite_sightings import SIGHTINGS_TABLE, move_identity_records

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SchemaTooNew", "migrate", "schema_version"]

MigrationStep = str | Callable[[sqlite3.Connection], None]

_BACKFILL_CHUNK = 1000


def _fill_retention_columns(connection: sqlite3.Connection) -> None:
    """Copy delivery and creation times out of the bodies written before migration 3."""
    last = -1
    while True:
        rows = connection.execute(
            "SELECT position, body FROM outbox WHERE status = ? AND position > ? "
            "ORDER BY position LIMIT ?",
            ("delivered", last, _BACKFILL_CHUNK),
        ).fetchall()
        if not rows:
            break
        for position, body in rows:
            delivered_at = codec.decode_message(body).delivered_at
            if delivered_at is not None:
                connection.execute(
                    "UPDATE outbox SET delivered_at = ? WHERE position = ?",
                    (codec.micros(delivered_at), position),
                )
        last = rows[-1][0]
    after = b""
    while True:
        keyed = connection.execute(
            "SELECT key, body FROM idempotency WHERE key > ? ORDER BY key LIMIT ?",
            (after, _BACKFILL_CHUNK),
        ).fetchall()
        if not keyed:
            break
        for key, body in keyed:
            created_at = codec.decode_record(body).created_at
            connection.execute(
                "UPDATE idempotency SET created_at = ? WHERE key = ?",
                (codec.micros(created_at), key),
            )
        after = keyed[-1][0]


MIGRATIONS: tuple[tuple[MigrationStep, ...], ...] = (
    # 1: the tables of the storage port.
    (
        # A rowid table, not WITHOUT ROWID: bodies of a few kilobytes then fit in one page, so
        # that an update rewrites one page instead of a leaf and its overflow pages.
        """CREATE TABLE aggregates (
            kind BLOB NOT NULL,
            id BLOB NOT NULL,
            version INTEGER NOT NULL CHECK (version > 0),
            body BLOB NOT NULL,
            UNIQUE (kind, id)
        )""",
        """CREATE TABLE journal (
            sequence INTEGER PRIMARY KEY,
            stream_type BLOB NOT NULL,
            stream_id BLOB NOT NULL,
            hash TEXT NOT NULL,
            body BLOB NOT NULL
        )""",
        """CREATE TABLE outbox (
            position INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE,
            status TEXT NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            claimed_until INTEGER,
            body BLOB NOT NULL
        )""",
        """CREATE TABLE idempotency (
            key BLOB PRIMARY KEY,
            body BLOB NOT NULL
        ) WITHOUT ROWID""",
    ),
    # 2: indexes for what the desk and the audit sweeps ask: one stream of the journal
    # (an order's history, a level's ledger) and the outbox's due or per-status messages.
    (
        "CREATE INDEX journal_by_stream ON journal (stream_type, stream_id, sequence)",
        "CREATE INDEX outbox_by_status ON outbox (status, position)",
    ),
    # 3: retention: when a message was delivered and when an idempotency key was recorded, in
    # indexed columns, so that purging old ones finds them without reading bodies.
    (
        "ALTER TABLE outbox ADD COLUMN delivered_at INTEGER",
        "ALTER TABLE idempotency ADD COLUMN created_at INTEGER",
        _fill_retention_columns,
        # Partial: pending messages, the ones written on every command, are not in it.
        "CREATE INDEX outbox_by_delivery ON outbox (delivered_at) WHERE status = 'delivered'",
        "CREATE INDEX idempotency_by_age ON idempotency (created_at)",
    ),
    # 4: one index of the outbox's state instead of two. Pending and dead messages sort by
    # position (their delivery time is NULL), delivered ones by delivery time, so the due
    # messages, the lists and the retention purge all search it, and recording a delivery
    # changes one index instead of two: a commit writes one page fewer.
    (
        # Only delivered messages carry a delivery time in the column (the bodies keep theirs).
        "UPDATE outbox SET delivered_at = NULL "
        "WHERE status != 'delivered' AND delivered_at IS NOT NULL",
        "CREATE INDEX outbox_by_state ON outbox (status, delivered_at, position)",
        "DROP INDEX outbox_by_status",
        "DROP INDEX outbox_by_delivery",
    ),
    # 5: each journal row's stream version in a column, so that the rows of aggregates whose
    # kind names a journal stream can be brought up to date from the entries after them.
    # Entries written before are NULL there: their aggregates' rows were written with them.
    ("ALTER TABLE journal ADD COLUMN version INTEGER",),
    # 6: the journal's index by stream becomes a table of its own, written behind the journal
    # in batches (see _sqlite_streams), instead of an index that every append changes; the
    # watermarks row says up to which sequence it holds every entry.
    (
        """CREATE TABLE journal_streams (
            stream_type BLOB NOT NULL,
            stream_id BLOB NOT NULL,
            sequence INTEGER NOT NULL,
            version INTEGER,
            PRIMARY KEY (stream_type, stream_id, sequence)
        ) WITHOUT ROWID""",
        "INSERT INTO journal_streams (stream_type, stream_id, sequence, version) "
        "SELECT stream_type, stream_id, sequence, version FROM journal",
        "CREATE TABLE watermarks (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        "INSERT INTO watermarks (name, value) "
        "SELECT 'journal_streams', coalesce(max(sequence), 0) FROM journal",
        "DROP INDEX journal_by_stream",
    ),
    # 7: the outbox's index by state is written behind too (see _sqlite_outbox): a message is
    # inserted outside it (indexed = 0), and the index takes in the messages after the
    # watermarks row 'outbox' in batches, and before any query that searches it.
    (
        "ALTER TABLE outbox ADD COLUMN indexed INTEGER NOT NULL DEFAULT 1",
        "DROP INDEX outbox_by_state",
        "CREATE INDEX outbox_by_state ON outbox (status, delivered_at, position) WHERE indexed = 1",
        "INSERT INTO watermarks (name, value) "
        "SELECT 'outbox', coalesce(max(position), 0) FROM outbox",
    ),
    # 8: sightings (see _sqlite_sightings), rows added and never rewritten, take the place of
    # the review's identity records, one aggregate per key read and rewritten on every order.
    (SIGHTINGS_TABLE, move_identity_records),
)

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this ordercore writes."""


class SchemaTooNew(StorageError):
    """The database was written by a newer ordercore; it is left as it is."""

    def __init__(self, where: str, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        super().__init__(
            f"{where}: the database has schema version {found}, but this ordercore knows only "
            f"up to {supported}; upgrade ordercore to open it (nothing was changed)"
        )


def schema_version(connection: sqlite3.Connection) -> int:
    """The database's ``user_version``."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    return int(version)


def migrate(connection: sqlite3.Connection, where: str, *, upto: int = SCHEMA_VERSION) -> int:
    """Bring the database up to version ``upto``; return the version it was at.

    The connection must be in autocommit mode (``isolation_level=None``).

    Raises:
        SchemaTooNew: If the database is newer than this ordercore; nothing is written.
    """
    found = schema_version(connection)
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(where, found, SCHEMA_VERSION)
    if found >= upto:
        return found
    for target in range(found + 1, upto + 1):
        connection.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(connection)  # another process may have migrated meanwhile
            if current > SCHEMA_VERSION:
                raise SchemaTooNew(where, current, SCHEMA_VERSION)
            if current < target:
                for step in MIGRATIONS[target - 1]:
                    if isinstance(step, str):
                        connection.execute(step)
                    else:
                        step(connection)
                # PRAGMA takes no bound parameters; the value is our own integer.
                connection.execute(f"PRAGMA user_version = {int(target)}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return found
