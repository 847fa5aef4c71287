"""The journal's index by stream, written behind the journal in batches.

Finding a stream's entries (an order's history, the entries that bring a row up to date) needs
an index by stream type, id and sequence. Kept by SQLite on the journal table, that index
gains an entry, and a commit writes one of its pages, on every append. Here it is a table of its
own, ``journal_streams``, written like the rows behind their journal: many entries at a time,
on every checkpoint round, when :data:`STREAM_TAIL_LIMIT` entries wait, and when the storage
is closed. The ``watermarks`` row ``journal_streams`` says up to which sequence it is complete.

The entries after that mark (the tail) are known to every storage object from the journal
itself: a :class:`StreamTail` follows the last sequence committed (its own commits, and a
look at the journal when ``PRAGMA data_version`` says another connection committed), reads the
tail's entries by stream the first time a lookup needs them, and from then on adds the new
ones (its own, and only those of others it has not seen). A lookup by stream is the table's index
search plus the tail in memory plus the unit of work's own entries, so no reader, in any
process, scans the journal. The entries are committed with the journal and the mark with the
entries, so a crash leaves a longer tail and nothing else.
"""

from __future__ import annotations

import sqlite3
from typing import Final

__all__ = [
    "STREAM_TAIL_LIMIT",
    "StreamKey",
    "StreamTail",
    "TailEntry",
    "makes_version_after",
]

STREAM_TAIL_LIMIT: Final = 1024
"""How many journal entries may wait for ``journal_streams`` before a commit writes them."""

StreamKey = tuple[bytes, bytes]
"""A stream's stored type and id."""

TailEntry = tuple[int, int | None]
"""An entry's sequence and the stream version it makes (``None`` in journals before schema 5)."""


def makes_version_after(version: int | None, after_version: int | None) -> bool:
    """Whether an entry making ``version`` is wanted: all are (``None``), or those above one.

    Entries without a version (journals before schema 5) are never wanted after one: their
    aggregates' rows were written with them.
    """
    return after_version is None or (version is not None and version > after_version)


_WATERMARK: Final = "journal_streams"
_READ_MARK: Final = "SELECT value FROM watermarks WHERE name = ?"
_LAST_BEFORE: Final = "SELECT max(sequence) FROM journal WHERE sequence < ?"
_ENTRIES_BETWEEN: Final = (
    "SELECT sequence, stream_type, stream_id, version FROM journal "
    "WHERE sequence > ? AND sequence <= ? ORDER BY sequence"
)
_NO_END: Final = 2**63 - 1


class StreamTail:
    """The journal entries not yet in ``journal_streams``; one per storage object.

    Only units of work use it, one at a time, under the storage's lock. It is *current* for an
    epoch of the storage (see :class:`~._sqlite_uow.SharedState`): no other connection has
    committed since it last looked at the journal. The tail is the sequences after
    ``through`` up to ``upto``; the entries are read by stream only when a lookup first needs
    them, and kept up to date from then on.
    """

    def __init__(self) -> None:
        self.through = 0  # journal_streams holds every entry up to this sequence
        self.upto = 0  # the last committed sequence this tail knows of
        self.epoch = -1  # the storage epoch the two are current for (-1: look again)
        self._by_stream: dict[StreamKey, list[TailEntry]] | None = None

    @property
    def count(self) -> int:
        """How many entries wait for ``journal_streams``."""
        return self.upto - self.through

    def may_wait(self) -> bool:
        """Whether entries wait for ``journal_streams``, or may.

        They may when the tail was never read, or missed commits of its own storage because
        another connection committed first.
        """
        return self.count > 0 or self.epoch == -1

    def sync(self, connection: sqlite3.Connection, epoch: int, before: int | None = None) -> None:
        """Make the tail current: read the mark and the last sequence committed.

        ``before``: the first sequence the calling unit of work appended, if it has. Its own
        entries are visible to it but not committed, so they are left to it (it may still roll
        back, and the sequences be used again).
        """
        if self.epoch == epoch:
            return
        row = connection.execute(_READ_MARK, (_WATERMARK,)).fetchone()
        through = 0 if row is None else int(row[0])
        if through != self.through:
            self._forget_through(through)
        (last,) = connection.execute(
            _LAST_BEFORE, (_NO_END if before is None else before,)
        ).fetchone()
        if last is not None and last > self.upto:
            if self._by_stream is not None:
                self._read(connection, self.upto, last)
            self.upto = last
        self.epoch = epoch

    def _read(self, connection: sqlite3.Connection, after: int, upto: int) -> None:
        by_stream = self._by_stream
        assert by_stream is not None
        for sequence, stream_type, stream_id, version in connection.execute(
            _ENTRIES_BETWEEN, (after, upto)
        ):
            by_stream.setdefault((stream_type, stream_id), []).append((sequence, version))

    def _forget_through(self, through: int) -> None:
        """The index holds every entry up to ``through`` now: drop those from the tail."""
        by_stream = self._by_stream
        if by_stream is not None:
            kept: dict[StreamKey, list[TailEntry]] = {}
            for key, found in by_stream.items():
                later = [entry for entry in found if entry[0] > through]
                if later:
                    kept[key] = later
            self._by_stream = kept
        self.through = through
        self.upto = max(self.upto, through)

    def _streams(self, connection: sqlite3.Connection) -> dict[StreamKey, list[TailEntry]]:
        if self._by_stream is None:
            self._by_stream = {}
            self._read(connection, self.through, self.upto)
        return self._by_stream

    def committed(
        self,
        appended: list[tuple[StreamKey, int, int | None]],
        epoch: int,
        written_through: int | None,
    ) -> None:
        """After a commit: what the unit of work wrote into the index, and what it appended.

        ``written_through`` is the mark it moved the index to, if it did. Its entries are taken
        in only when the tail was current before them; otherwise it is looked at again next
        time, and they with it.
        """
        if written_through is not None:
            self._forget_through(written_through)
        if not appended:
            return
        if self.epoch != epoch or appended[0][1] != self.upto + 1:
            self.epoch = -1
            return
        by_stream = self._by_stream
        if by_stream is not None:
            for key, sequence, version in appended:
                found = by_stream.get(key)
                if found is None:
                    by_stream[key] = [(sequence, version)]
                else:
                    found.append((sequence, version))
        self.upto = appended[-1][1]

    def write(self, connection: sqlite3.Connection, epoch: int, before: int | None) -> int:
        """Write the tail into ``journal_streams`` and move the mark; return the new mark.

        Runs inside a write transaction (``before`` as for :meth:`sync`); :meth:`committed`
        forgets the entries once it commits. The entries are copied from the journal by SQL.
        """
        self.sync(connection, epoch, before)
        connection.execute(
            "INSERT INTO journal_streams (stream_type, stream_id, sequence, version) "
            "SELECT stream_type, stream_id, sequence, version FROM journal "
            "WHERE sequence > ? AND sequence <= ?",
            (self.through, self.upto),
        )
        connection.execute(
            "UPDATE watermarks SET value = ? WHERE name = ?", (self.upto, _WATERMARK)
        )
        return self.upto

    def last(self, connection: sqlite3.Connection, key: StreamKey) -> TailEntry | None:
        """The newest tail entry of a stream, if it has any."""
        if self.upto == self.through:
            return None
        found = self._streams(connection).get(key)
        return None if not found else found[-1]

    def sequences(
        self, connection: sqlite3.Connection, key: StreamKey, after_version: int | None
    ) -> list[int]:
        """A stream's tail entries: all (``None``), or those making versions above one."""
        if self.upto == self.through:
            return []
        return [
            sequence
            for sequence, version in self._streams(connection).get(key, ())
            if makes_version_after(version, after_version)
        ]
