"""The SQLite schema and its forward-only migrations, tracked with ``PRAGMA user_version``.

Migration ``n`` takes a database at version ``n - 1`` to version ``n``. Each runs in its own
``BEGIN IMMEDIATE`` transaction together with the ``user_version`` update, so a migration that
fails (or a process killed half way) leaves the database at the version before it. Several
processes may open a new file at once: each takes the write lock, reads the version again, and
applies only what is still missing.

A database whose version is higher than :data:`SCHEMA_VERSION` was written by a newer ordercore;
it is refused before anything is written to it.

Never edit a migration that has shipped: add the next one.
"""

from __future__ import annotations

import sqlite3

from ordercore.errors import StorageError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SchemaTooNew", "migrate", "schema_version"]

MIGRATIONS: tuple[tuple[str, ...], ...] = (
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
                for statement in MIGRATIONS[target - 1]:
                    connection.execute(statement)
                # PRAGMA takes no bound parameters; the value is our own integer.
                connection.execute(f"PRAGMA user_version = {int(target)}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return found
