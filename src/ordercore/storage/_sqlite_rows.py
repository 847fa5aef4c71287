"""Aggregate rows that follow their journal stream: written less often than they change.

An aggregate kind that names a :class:`~ordercore.storage.ports.JournalStream` (orders do) is
journaled on every change, in the same unit of work, and each entry says which version it
makes. Rewriting the aggregate's whole row on every change as well (an order is about 3 KB of
JSON: encoding it and writing its page is a fifth of a command's cost) adds nothing the journal
does not already hold. So a unit of work whose journal entries cover a saved aggregate's new
version leaves the row as it was; the row is rewritten later, once for many changes:

- when this storage object has left :data:`ROWS_BEHIND_LIMIT` rows behind, by the unit of work
  that reaches the limit, before its commit;
- on every checkpoint round of a file database (at least once a second while it is written);
- when the storage is closed.

Readers never see a row that is behind: a row of such a kind is read together with the stream
version of its last journal entry, and one that is behind is brought up to date from the
entries after it (:attr:`JournalStream.catch_up <ordercore.storage.ports.JournalStream>`). That
holds in every process and after a crash, which can leave rows behind but never loses a change,
since the entries are committed with the unit of work that made them. A row found behind is
rewritten by the next flush of the storage that found it.

A save whose new version no journal entry of the same unit of work covers is written at commit,
as before, so aggregates saved without their events stay correct.

When the stream can build an aggregate from its entries alone (its ``replay``: an order's
``OrderPlaced`` holds the whole order), a new aggregate's row is inserted without its value:
an empty body (:data:`UNWRITTEN`) at the saved version. The insert claims the id (a second one
is refused as before) and counts and scans see the row; readers build its value from the
stream, and the row gets its value like any row behind, at the same moments (at commit, when
the unit of work did not journal the stream from its first version). A new order's
row is then written once, when the rows behind are, instead of once when it is placed and
again when its changes are.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any, Final

from ordercore.audit.journal import JournalEntry
from ordercore.errors import StorageError, ValidationError
from ordercore.storage import _sqlite_codec as codec
from ordercore.storage._sqlite_streams import StreamKey

__all__ = [
    "ROWS_BEHIND_LIMIT",
    "SCAN",
    "STORED_VERSION",
    "STREAM_ENTRIES",
    "UNWRITTEN",
    "RowBehind",
    "stream_entries",
    "write_rows",
]

ROWS_BEHIND_LIMIT: Final = 256
"""How many rows a storage object leaves behind their journal before it writes them all."""

UNWRITTEN: Final = b""
"""The body of a row stored without its value, which its journal stream holds."""

RowBehind = tuple[bytes, Any]
"""The stored kind and the aggregate whose row is to be rewritten."""

# The version the last journal entry of an aggregate's stream makes is read with the row: one
# index search of journal_streams per row. Entries not in that table yet (see _sqlite_streams)
# are the unit of work's to add.
STORED_VERSION: Final = (
    "SELECT a.version, (SELECT s.version FROM journal_streams AS s WHERE s.stream_type = ? "
    "AND s.stream_id = a.id ORDER BY s.sequence DESC LIMIT 1) "
    "FROM aggregates AS a WHERE a.kind = ? AND a.id = ?"
)
"""A row's version and its stream's last indexed version; bound to (stream type, kind, id)."""

SCAN: Final = (
    "SELECT a.id, a.version, a.body, (SELECT s.version FROM journal_streams AS s "
    "WHERE s.stream_type = ? AND s.stream_id = a.id ORDER BY s.sequence DESC LIMIT 1) "
    "FROM aggregates AS a WHERE a.kind = ?"
)
"""Every row of a kind with its stream's last indexed version; bound to (stream type, kind)."""

# A stream's entries: those in journal_streams (all, when the version bound is NULL), and the
# sequences of newer ones given as a JSON array (the tail, see _sqlite_streams), each row found
# by its sequence.
STREAM_ENTRIES: Final = (
    "SELECT sequence, hash, body FROM journal WHERE sequence IN ("
    "SELECT sequence FROM journal_streams WHERE stream_type = ?1 AND stream_id = ?2 "
    "AND (?3 IS NULL OR version > ?3) UNION ALL SELECT value FROM json_each(?4)) "
    "ORDER BY sequence"
)
"""A stream's entries; bound to (stream type, id, version to read after or NULL, JSON array)."""
_LOGGER_NAME: Final = "ordercore.storage"


def stream_entries(
    connection: sqlite3.Connection,
    stream: StreamKey,
    newer: list[int],
    after_version: int | None = None,
) -> list[JournalEntry]:
    """A stream's journal entries, oldest first: all, or those making versions above one.

    ``newer`` are the sequences of its entries that ``journal_streams`` does not hold yet.
    """
    stream_type, stream_id = stream
    tail = "[" + ",".join(map(str, newer)) + "]"
    rows = connection.execute(STREAM_ENTRIES, (stream_type, stream_id, after_version, tail))
    return [codec.decode_entry(sequence, digest, body) for sequence, digest, body in rows]


def write_rows(
    connection: sqlite3.Connection,
    encode: Callable[[Any], bytes],
    rows: dict[tuple[str, str], RowBehind],
    *,
    strict: bool,
) -> None:
    """Rewrite aggregate rows with the given versions; a row already at or past one is kept.

    A row stored without its value (:data:`UNWRITTEN`) at the given version gets it.

    ``strict`` rows are saves of the current unit of work, whose errors are the command's (so
    is a row not found below the saved version, which the write lock rules out); the others
    were committed already (their changes are in the journal), so one that cannot be encoded
    any more is left behind for readers to bring up to date, and logged.
    """
    for (kind_name, aggregate_id), (kind_key, item) in rows.items():
        try:
            body = encode(item)
        except ValidationError:
            if strict:
                raise
            logging.getLogger(_LOGGER_NAME).warning(
                "left the row of %s %r behind its journal: it cannot be written",
                kind_name,
                aggregate_id,
                exc_info=True,
            )
            continue
        changed = connection.execute(
            "UPDATE aggregates SET version = ?, body = ? WHERE kind = ? AND id = ? "
            "AND (version < ? OR (version = ? AND body = ?))",
            (
                item.version,
                body,
                kind_key,
                codec.key(aggregate_id),
                item.version,
                item.version,
                UNWRITTEN,
            ),
        ).rowcount
        if strict and changed != 1:
            # The save's version was checked under the write lock this unit of work holds.
            raise StorageError(
                f"the row of {kind_name} {aggregate_id!r} changed under the write lock"
            )
