"""The outbox and idempotency tables of the SQLite unit of work.

Outbox messages are rows ordered by ``position`` (the order they were written), with their
status, due time, lease and delivery time in columns and the whole message as a JSON body. One
index, ``(status, delivered_at, position)``, serves every query: the delivery time column is
NULL but for delivered messages, so pending and dead ones sort by position within it. Marking
a message delivered writes only its status and delivery time; its body keeps the message as it
was, and reading brings it forward.

That index is written behind, like the journal's stream index (schema version 7): a message is
inserted outside it (``indexed = 0``, the index being partial), at a position after the
watermarks row ``outbox``, and :func:`write_index` takes every message after that mark into it
at once. That runs with the storage's batches (checkpoint rounds, close) and at the start of
every query that searches the index (the due messages, the lists by status, the purge), in the
same transaction, so a search always finds every message. A command that writes a message and
records the delivery of the one before then changes no page of that index (only the table and
the unique index of ids, by which the desk finds the messages it delivers itself).

Idempotency records keep their creation time in a column too, for purging. A message this
storage object wrote or changed is remembered, while pending, in the storage's shared state, so
that reading it right after the commit that wrote it need not go to the file; like cached
aggregates it is trusted only while no other connection has committed.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ordercore._replace import replace
from ordercore.errors import NotFound, StorageError
from ordercore.storage import _sqlite_codec as codec
from ordercore.storage.ports import IdempotencyRecord, OutboxMessage, OutboxStatus

if TYPE_CHECKING:
    from ordercore.storage._sqlite_uow import SQLiteUnitOfWork

__all__ = ["SQLiteIdempotency", "SQLiteOutbox", "write_index"]


def write_index(connection: sqlite3.Connection) -> None:
    """Take every message written after the mark into the index by state; move the mark.

    Inside a write transaction. The messages after the mark are the latest ones, so this is a
    search by position over them only.
    """
    connection.execute(
        "UPDATE outbox SET indexed = 1 WHERE position > "
        "(SELECT value FROM watermarks WHERE name = 'outbox') AND indexed = 0"
    )
    connection.execute(
        "UPDATE watermarks SET value = max(value, coalesce((SELECT max(position) FROM outbox), 0)) "
        "WHERE name = 'outbox'"
    )


class SQLiteOutbox:
    """The outbox table; its position column keeps messages oldest first."""

    def __init__(self, uow: SQLiteUnitOfWork) -> None:
        self._uow = uow
        self._connection = uow.connection

    def _write(self, message: OutboxMessage) -> None:
        self._uow.messages[message.id] = message
        self._uow.marked.discard(message.id)
        self._connection.execute(
            "UPDATE outbox SET status = ?, next_attempt_at = ?, claimed_until = ?, "
            "delivered_at = ?, body = ? WHERE id = ?",
            (
                message.status.value,
                codec.micros(message.next_attempt_at),
                _micros_or_none(message.claimed_until),
                _delivery_column(message),
                codec.encode_message(message),
                codec.key(message.id),
            ),
        )

    def put(self, message: OutboxMessage) -> None:
        try:
            self._connection.execute(
                # After every message, and after the mark: a message outside the index never
                # sits at or below it, even when the last ones were purged (SQLite would
                # give their positions again).
                "INSERT INTO outbox (position, id, status, next_attempt_at, claimed_until, "
                "delivered_at, indexed, body) VALUES ("
                "max(coalesce((SELECT max(position) FROM outbox), 0), "
                "(SELECT value FROM watermarks WHERE name = 'outbox')) + 1, ?, ?, ?, ?, ?, 0, ?)",
                (
                    codec.key(message.id),
                    message.status.value,
                    codec.micros(message.next_attempt_at),
                    _micros_or_none(message.claimed_until),
                    _delivery_column(message),
                    codec.encode_message(message),
                ),
            )
        except sqlite3.IntegrityError:
            raise StorageError(f"outbox message {message.id!r} already exists") from None
        self._uow.messages[message.id] = message

    def get(self, message_id: str) -> OutboxMessage:
        message = self._uow.messages.get(message_id)
        if message is not None:
            return message
        shared = self._uow.shared
        cached = shared.messages.get(message_id)
        if cached is not None and cached[1] == shared.epoch and message_id not in self._uow.marked:
            return cached[0]
        row = self._connection.execute(
            "SELECT body, status, delivered_at FROM outbox WHERE id = ?", (codec.key(message_id),)
        ).fetchone()
        if row is None:
            raise NotFound("outbox message", message_id)
        return codec.decode_message(*row)

    def claim_due(self, now: datetime, *, limit: int, lease: timedelta) -> list[OutboxMessage]:
        moment = codec.micros(now)
        write_index(self._connection)
        rows = self._connection.execute(
            "SELECT body, status, delivered_at FROM outbox "
            "WHERE indexed = 1 AND status = ? AND delivered_at IS NULL AND next_attempt_at <= ? "
            "AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY position LIMIT ?",
            (OutboxStatus.PENDING.value, moment, moment, limit),
        ).fetchall()
        claimed = []
        for row in rows:
            leased = replace(codec.decode_message(*row), claimed_until=now + lease)
            self._write(leased)
            claimed.append(leased)
        return claimed

    def mark_delivered(self, message_id: str, at: datetime) -> None:
        # Only the indexed columns: the body keeps the message as it was before delivery, and
        # reading brings it forward (see decode_message), so the body is not written again.
        changed = self._connection.execute(
            "UPDATE outbox SET status = ?, claimed_until = NULL, delivered_at = ? WHERE id = ?",
            (OutboxStatus.DELIVERED.value, codec.micros(at), codec.key(message_id)),
        ).rowcount
        if changed != 1:
            raise NotFound("outbox message", message_id)
        self._uow.messages.pop(message_id, None)
        self._uow.marked.add(message_id)

    def mark_failed(
        self, message_id: str, *, error: str, next_attempt_at: datetime, dead: bool
    ) -> None:
        self._write(self.get(message_id).failed(error, next_attempt_at, dead=dead))

    def requeue(self, message_id: str, at: datetime) -> OutboxMessage:
        again = self.get(message_id).requeued(at)
        self._write(again)
        return again

    def list(self, status: OutboxStatus | None = None) -> list[OutboxMessage]:
        if status is None:
            rows = self._connection.execute(
                "SELECT body, status, delivered_at FROM outbox ORDER BY position"
            )
        elif status is OutboxStatus.DELIVERED:
            # Sorted here: the index keeps delivered messages by delivery time.
            write_index(self._connection)
            rows = self._connection.execute(
                "SELECT body, status, delivered_at FROM outbox WHERE indexed = 1 AND status = ? "
                "ORDER BY position",
                (status.value,),
            )
        else:
            write_index(self._connection)
            rows = self._connection.execute(
                "SELECT body, status, delivered_at FROM outbox "
                "WHERE indexed = 1 AND status = ? AND delivered_at IS NULL ORDER BY position",
                (status.value,),
            )
        return [codec.decode_message(*row) for row in rows.fetchall()]

    def purge_delivered(self, before: datetime, *, limit: int) -> int:
        write_index(self._connection)
        deleted = self._connection.execute(
            # The index named, so that a purge never falls back to reading every delivered
            # message should the planner ever choose otherwise.
            "DELETE FROM outbox WHERE position IN (SELECT position FROM outbox "
            "INDEXED BY outbox_by_state WHERE indexed = 1 AND status = 'delivered' "
            "AND delivered_at < ? LIMIT ?) RETURNING id",
            (codec.micros(before), limit),
        ).fetchall()
        for (message_id,) in deleted:
            self._uow.messages.pop(codec.key_text(message_id), None)
        return len(deleted)


class SQLiteIdempotency:
    """The idempotency table, keyed by idempotency key."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def get(self, key: str) -> IdempotencyRecord | None:
        row = self._connection.execute(
            "SELECT body FROM idempotency WHERE key = ?", (codec.key(key),)
        ).fetchone()
        return None if row is None else codec.decode_record(row[0])

    def put(self, record: IdempotencyRecord) -> None:
        try:
            self._connection.execute(
                "INSERT INTO idempotency (key, created_at, body) VALUES (?, ?, ?)",
                (
                    codec.key(record.key),
                    codec.micros(record.created_at),
                    codec.encode_record(record),
                ),
            )
        except sqlite3.IntegrityError:
            raise StorageError(f"idempotency key {record.key!r} is already recorded") from None

    def purge(self, before: datetime, *, limit: int) -> int:
        return self._connection.execute(
            "DELETE FROM idempotency WHERE key IN (SELECT key FROM idempotency "
            "WHERE created_at < ? LIMIT ?)",
            (codec.micros(before), limit),
        ).rowcount


def _micros_or_none(moment: datetime | None) -> int | None:
    return None if moment is None else codec.micros(moment)


def _delivery_column(message: OutboxMessage) -> int | None:
    """The ``delivered_at`` column: NULL but for delivered messages (see the module's index)."""
    if message.status is OutboxStatus.DELIVERED:
        return _micros_or_none(message.delivered_at)
    return None
