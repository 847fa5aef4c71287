"""The journal's stream index, written behind the journal in batches (schema version 6)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.audit.journal import EntryDraft, verify_chain
from ordercore.storage import _sqlite_uow
from ordercore.storage._sqlite_schema import migrate
from ordercore.storage.sqlite import SQLiteStorage

OpenStorage = Callable[[Path], AbstractContextManager[SQLiteStorage]]
T0 = datetime(2025, 1, 6, 9, tzinfo=UTC)
STREAMS = ("s1", "s2", "s3")


class Boom(Exception):
    """Raised inside a unit of work to roll it back."""


def _draft(stream_id: str, version: int) -> EntryDraft:
    return EntryDraft(
        event_id=f"e-{stream_id}-{version}",
        stream_type="counter",
        stream_id=stream_id,
        version=version,
        event_type="CounterBumped",
        payload={"by": 1},
        actor="tester",
        recorded_at=T0,
    )


def _append(storage: SQLiteStorage, stream_id: str, *, version: int | None = None) -> int:
    """Append an entry in a unit of work of its own; return its sequence.

    Without ``version`` the stream is read first for its next version; with one, nothing is
    read before the append (as a command appends an event to a stream it holds in memory).
    """
    with storage.unit_of_work() as uow:
        if version is None:
            version = len(uow.journal.stream("counter", stream_id)) + 1
        return uow.journal.append(_draft(stream_id, version)).sequence


def _append_and_roll_back(storage: SQLiteStorage, stream_id: str) -> int:
    """Append an entry, look the stream up, then fail; return the sequence that was used.

    The lookup inside the unit of work sees its own entry and reads the shared tail, which must
    not take the uncommitted entry in: its sequence is used again by the next append.
    """
    used: list[int] = []

    def append_then_fail() -> None:
        with storage.unit_of_work() as uow:
            used.append(uow.journal.append(_draft(stream_id, 1)).sequence)
            assert uow.journal.stream("counter", stream_id)[-1].sequence == used[0]
            raise Boom

    with pytest.raises(Boom):
        append_then_fail()
    return used[0]


def _tail(storage: SQLiteStorage, stream_id: str) -> list[int]:
    """The sequences of a stream's entries a storage keeps in memory, waiting for the index."""
    with storage.unit_of_work() as uow:
        uow.journal.head()
        tail = storage._shared.stream_tail
        tail.sync(uow.connection, storage._shared.epoch)
        return tail.sequences(uow.connection, (b"counter", stream_id.encode()), None)


def _sequences(storage: SQLiteStorage, stream_id: str) -> list[int]:
    with storage.unit_of_work() as uow:
        return [entry.sequence for entry in uow.journal.stream("counter", stream_id)]


def _expected(storage: SQLiteStorage, stream_id: str) -> list[int]:
    """A stream's sequences found the slow way: the whole journal, filtered."""
    with storage.unit_of_work() as uow:
        return [entry.sequence for entry in uow.journal.read() if entry.stream_id == stream_id]


def _mark(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        (value,) = connection.execute(
            "SELECT value FROM watermarks WHERE name = 'journal_streams'"
        ).fetchone()
    return int(value)


def _indexed(path: Path) -> list[tuple[bytes, int]]:
    with closing(sqlite3.connect(path)) as connection:
        return [
            (bytes(stream_id), sequence)
            for stream_id, sequence in connection.execute(
                "SELECT stream_id, sequence FROM journal_streams ORDER BY sequence"
            )
        ]


def test_entries_are_found_by_stream_before_and_after_the_index_holds_them(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    with storage_without_rounds(path) as storage:
        first, second, third = (_append(storage, s) for s in ("s1", "s2", "s1"))
        assert (_mark(path), _indexed(path)) == (0, [])  # all three wait in the tail
        assert _sequences(storage, "s1") == [first, third]
        assert _sequences(storage, "s2") == [second]
        storage.write_rows_behind()
        assert _mark(path) == third
        assert _indexed(path) == [(b"s1", first), (b"s2", second), (b"s1", third)]
        fourth = _append(storage, "s1")
        assert _sequences(storage, "s1") == [first, third, fourth]  # index and tail together


def test_another_storage_finds_entries_in_the_tail_and_after_the_first_indexed_them(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    with storage_without_rounds(path) as writer, storage_without_rounds(path) as reader:
        first = _append(writer, "s1")
        assert _sequences(reader, "s1") == [first]  # read from the journal into its tail
        second = _append(writer, "s1")
        assert _sequences(reader, "s1") == [first, second]
        writer.write_rows_behind()
        third = _append(writer, "s1")
        # The reader's tail held the first two; the index holds them now: each is found once,
        # and the tail keeps only the third.
        assert _sequences(reader, "s1") == [first, second, third]
        assert _tail(reader, "s1") == [third]
        fourth = _append(reader, "s1")
        assert _sequences(writer, "s1") == [first, second, third, fourth]
        reader.write_rows_behind()
        assert _mark(path) == fourth
        assert _sequences(writer, "s1") == [first, second, third, fourth]


def test_entries_of_a_unit_of_work_that_rolled_back_never_reach_the_tail(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    with storage_without_rounds(path) as storage, storage_without_rounds(path) as other:
        assert _sequences(storage, "s1") == []  # the tail is read, and current
        kept = _append(other, "s1")  # now it is not: the next lookup reads the journal again
        lost = _append_and_roll_back(storage, "s2")
        again = _append(storage, "s3")
        assert again == lost
        assert _sequences(storage, "s2") == []
        assert _sequences(storage, "s3") == [again]
        assert _sequences(storage, "s1") == [kept]
        storage.write_rows_behind()
        assert _indexed(path) == [(b"s1", kept), (b"s3", again)]


def test_entries_appended_without_a_lookup_after_another_storage_committed_are_found(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    with storage_without_rounds(path) as storage, storage_without_rounds(path) as other:
        first = _append(storage, "s1")
        assert _sequences(storage, "s1") == [first]  # the tail is read, and current
        second = _append(other, "s1")
        third = _append(storage, "s1", version=3)  # appended without looking: the tail was
        # not current, so it is read again rather than taking the third in after the first
        assert _sequences(storage, "s1") == [first, second, third]
        assert _tail(storage, "s1") == [first, second, third]


def test_a_unit_of_work_writes_the_index_once_the_tail_reaches_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, storage_without_rounds: OpenStorage
) -> None:
    monkeypatch.setattr(_sqlite_uow, "STREAM_TAIL_LIMIT", 3)
    path = tmp_path / "shop.db"
    with storage_without_rounds(path) as storage:
        sequences = [_append(storage, "s1") for _ in range(3)]
        assert _mark(path) == 0  # three wait; the next commit writes them
        sequences.append(_append(storage, "s1"))
        assert _mark(path) == sequences[2]
        assert _sequences(storage, "s1") == sequences


def test_closing_the_storage_writes_the_index(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    storage = SQLiteStorage(f"sqlite:///{path}")
    last = [_append(storage, stream) for stream in STREAMS][-1]
    storage.close()
    assert _mark(path) == last
    assert len(_indexed(path)) == len(STREAMS)


def test_a_version_5_file_has_its_journal_indexed_by_the_migration(
    tmp_path: Path, storage_without_rounds: OpenStorage
) -> None:
    written = tmp_path / "written.db"
    with storage_without_rounds(written) as storage:
        appended = {stream: [_append(storage, stream) for _ in range(2)] for stream in STREAMS}
    # The same journal in a file of version 5: an index on the journal, no table, no mark.
    path = tmp_path / "v5.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        migrate(connection, str(path), upto=5)
        connection.execute("ATTACH DATABASE ? AS written", (str(written),))
        connection.execute(
            "INSERT INTO journal (sequence, stream_type, stream_id, version, hash, body) "
            "SELECT sequence, stream_type, stream_id, version, hash, body FROM written.journal"
        )
        connection.execute("DETACH DATABASE written")
    with storage_without_rounds(path) as storage:
        for stream, sequences in appended.items():
            assert _sequences(storage, stream) == sequences
        with storage.unit_of_work() as uow:
            verify_chain(uow.journal.read()).raise_if_broken()
        names = {
            row[0] for row in storage._shared.connection.execute("SELECT name FROM sqlite_master")
        }
    assert "journal_by_stream" not in names
    assert _mark(path) == 6
    assert len(_indexed(path)) == 6


def test_a_new_file_starts_with_an_empty_stream_index(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        migrate(connection, str(path))
    assert (_mark(path), _indexed(path)) == (0, [])


# -- properties ---------------------------------------------------------------------------------

# A step: which of two storages on one file acts, and what it does to which stream.
_STEP = st.tuples(
    st.integers(min_value=0, max_value=1),
    st.sampled_from(("append", "append", "append blind", "roll back", "write index")),
    st.sampled_from(STREAMS),
)


@given(st.lists(_STEP, min_size=1, max_size=25))
def test_two_storages_find_each_stream_as_the_whole_journal_holds_it(
    tmp_path_factory: pytest.TempPathFactory,
    storage_without_rounds: OpenStorage,
    steps: list[tuple[int, str, str]],
) -> None:
    path = tmp_path_factory.mktemp("streams") / "shop.db"
    with storage_without_rounds(path) as first, storage_without_rounds(path) as second:
        storages = (first, second)
        for who, action, stream in steps:
            storage = storages[who]
            if action == "append":
                _append(storage, stream)
            elif action == "append blind":
                _append(storage, stream, version=99)
            elif action == "write index":
                storage.write_rows_behind()
            else:
                _append_and_roll_back(storage, stream)
            for each in storages:
                for name in STREAMS:
                    assert _sequences(each, name) == _expected(each, name)
                    assert set(_tail(each, name)) <= set(_expected(each, name))
        indexed = [sequence for _, sequence in _indexed(path)]
        assert indexed == list(range(1, _mark(path) + 1))  # each entry once, none skipped
