"""Sightings on SQLite: one row per key and record, in a table clustered by key and time.

A sighting is inserted once and deleted once; it is never rewritten. The table is ``WITHOUT
ROWID`` with the primary key (key, time, record id), so a key's sightings sit next to each other
in time order and the newest are read from the end of its range without a sort, and an insert
changes one leaf page of one B-tree.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import datetime
from typing import Any

from ordercore.clock import ensure_aware_utc
from ordercore.storage import _sqlite_codec as codec
from ordercore.storage._sightings import check_limit, checked_sighting
from ordercore.storage.ports import Sighting

__all__ = ["SIGHTINGS_TABLE", "SQLiteSightings", "move_identity_records"]

SIGHTINGS_TABLE = """CREATE TABLE sightings (
    key BLOB NOT NULL,
    at_us INTEGER NOT NULL,
    record_id BLOB NOT NULL,
    PRIMARY KEY (key, at_us, record_id)
) WITHOUT ROWID"""

_IDENTITY_KIND = codec.key("review_identity")


# Up to four keys per statement (an order has at most four identities); unused places are
# NULL, which the SELECT leaves out.
_KEYS_PER_INSERT = 4
_ADD = (
    "INSERT OR IGNORE INTO sightings (key, at_us, record_id) "
    "SELECT column1, ?, ? FROM (VALUES (?), (?), (?), (?)) WHERE column1 IS NOT NULL"
)
_UNUSED: tuple[None, ...] = (None,) * _KEYS_PER_INSERT


class SQLiteSightings:
    """The ``sightings`` table, inside the unit of work's transaction."""

    __slots__ = ("_connection",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def add(self, keys: Collection[str], record_id: str, at_us: int) -> None:
        checked = checked_sighting(keys, record_id, at_us)
        head = (at_us, codec.key(record_id))
        for start in range(0, len(checked), _KEYS_PER_INSERT):
            chunk = tuple(codec.key(key) for key in checked[start : start + _KEYS_PER_INSERT])
            self._connection.execute(_ADD, head + chunk + _UNUSED[len(chunk) :])

    def newest(self, key: str, *, limit: int) -> list[Sighting]:
        check_limit(limit)
        rows = self._connection.execute(
            "SELECT record_id, at_us FROM sightings WHERE key = ? "
            "ORDER BY at_us DESC, record_id DESC LIMIT ?",
            (codec.key(key), limit),
        ).fetchall()
        return [(codec.key_text(record_id), at_us) for record_id, at_us in rows]

    def forget(self, key: str, sightings: Collection[Sighting]) -> int:
        stored_key = codec.key(key)
        return self._connection.executemany(
            "DELETE FROM sightings WHERE key = ? AND at_us = ? AND record_id = ?",
            [(stored_key, at_us, codec.key(record_id)) for record_id, at_us in set(sightings)],
        ).rowcount


def _micros_of_iso(text: str) -> int:
    return codec.micros(ensure_aware_utc(datetime.fromisoformat(text)))


def _sightings_of(body: dict[str, Any]) -> list[tuple[int, str]]:
    earlier = [
        (_micros_of_iso(item["placed_at"]), item["order_id"]) for item in body.get("orders", ())
    ]
    later = zip(body.get("placed_us", ()), body.get("order_ids", ()), strict=True)
    return [*earlier, *later]


def move_identity_records(connection: sqlite3.Connection) -> None:
    """Migration 8: the review's identity records (one aggregate per key) become sightings.

    Their bodies are the review's ``IdentityActivity`` as ordercore wrote it up to schema 7: the
    key's sightings as ``order_ids`` and ``placed_us``, or, from earlier versions, ``orders``
    with ISO times. The format is frozen with the schema it belongs to, so it is read here.
    """
    rows = connection.execute(
        "SELECT id, body FROM aggregates WHERE kind = ?", (_IDENTITY_KIND,)
    ).fetchall()
    for stored_key, body in rows:
        for at_us, order_id in _sightings_of(codec.decode_body(body)):
            connection.execute(
                "INSERT OR IGNORE INTO sightings (key, at_us, record_id) VALUES (?, ?, ?)",
                (stored_key, at_us, codec.key(order_id)),
            )
    connection.execute("DELETE FROM aggregates WHERE kind = ?", (_IDENTITY_KIND,))
