"""The outbox's index by state, written behind its messages (schema version 7)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.storage._sqlite_schema import migrate
from ordercore.storage.ports import OutboxMessage, OutboxStatus
from ordercore.storage.sqlite import SQLiteStorage

OpenStorage = Callable[[Path], AbstractContextManager[SQLiteStorage]]
T0 = datetime(2025, 1, 6, 9, tzinfo=UTC)
LATER = T0 + timedelta(days=30)


def _message(message_id: str) -> OutboxMessage:
    return OutboxMessage(
        id=message_id,
        destination="notifier:test",
        topic="order_confirmed",
        payload={"channel": "email", "recipient": "x", "data": {}},
        created_at=T0,
        next_attempt_at=T0,
    )


def _put(storage: SQLiteStorage, *message_ids: str) -> None:
    with storage.unit_of_work() as uow:
        for message_id in message_ids:
            uow.outbox.put(_message(message_id))


def _deliver(storage: SQLiteStorage, *message_ids: str) -> None:
    with storage.unit_of_work() as uow:
        for message_id in message_ids:
            uow.outbox.mark_delivered(message_id, T0)


def _purge(storage: SQLiteStorage) -> int:
    with storage.unit_of_work() as uow:
        return uow.outbox.purge_delivered(LATER, limit=1000)


def _ids(storage: SQLiteStorage, status: OutboxStatus | None = None) -> list[str]:
    with storage.unit_of_work() as uow:
        return [message.id for message in uow.outbox.list(status)]


def _rows(path: Path) -> list[tuple[int, str, int]]:
    """Each message's position, id and whether the index holds it."""
    with closing(sqlite3.connect(path)) as connection:
        return [
            (position, bytes(message_id).decode(), indexed)
            for position, message_id, indexed in connection.execute(
                "SELECT position, id, indexed FROM outbox ORDER BY position"
            )
        ]


def _mark(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        (value,) = connection.execute(
            "SELECT value FROM watermarks WHERE name = 'outbox'"
        ).fetchone()
    return int(value)


def test_a_message_is_written_outside_the_index_and_a_search_takes_it_in(
    tmp_path: Path, storage_without_rounds: OpenStorage
) -> None:
    path = tmp_path / "shop.db"
    with storage_without_rounds(path) as storage:
        _put(storage, "m1", "m2")
        assert _rows(path) == [(1, "m1", 0), (2, "m2", 0)]
        _deliver(storage, "m1")  # found by id, and still outside the index
        assert _rows(path) == [(1, "m1", 0), (2, "m2", 0)]
        with storage.unit_of_work() as uow:
            due = uow.outbox.claim_due(T0, limit=10, lease=timedelta(minutes=5))
        assert [message.id for message in due] == ["m2"]
        assert _rows(path) == [(1, "m1", 1), (2, "m2", 1)]
        assert _mark(path) == 2


def test_every_search_finds_the_messages_written_since_the_last_batch(
    tmp_path: Path, storage_without_rounds: OpenStorage
) -> None:
    path = tmp_path / "shop.db"
    with storage_without_rounds(path) as storage:
        _put(storage, "m1", "m2", "m3")
        assert _ids(storage, OutboxStatus.PENDING) == ["m1", "m2", "m3"]
        _put(storage, "m4")
        _deliver(storage, "m2", "m4")
        assert _ids(storage, OutboxStatus.DELIVERED) == ["m2", "m4"]
        assert _ids(storage, OutboxStatus.PENDING) == ["m1", "m3"]
        _put(storage, "m5")
        _deliver(storage, "m5")
        assert _purge(storage) == 3
        assert _ids(storage) == ["m1", "m3"]


def test_messages_after_a_purge_of_the_last_ones_are_placed_after_the_mark(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    with storage_without_rounds(path) as storage:
        _put(storage, "m1", "m2", "m3")
        _deliver(storage, "m1", "m2", "m3")
        assert _purge(storage) == 3  # the index holds them first: the mark is at 3
        assert (_rows(path), _mark(path)) == ([], 3)
        _put(storage, "m4")
        # SQLite alone would give m4 position 1, below the mark, where no batch would look.
        assert _rows(path) == [(4, "m4", 0)]
        assert _ids(storage, OutboxStatus.PENDING) == ["m4"]


def test_the_storage_writes_the_index_with_its_batches(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    storage = SQLiteStorage(f"sqlite:///{path}")
    _put(storage, "m1")
    storage.close()  # the last batch
    assert _rows(path) == [(1, "m1", 1)]
    assert _mark(path) == 1


def test_a_version_6_file_has_its_messages_in_the_index(
    tmp_path: Path, storage_without_rounds: OpenStorage
) -> None:
    path = tmp_path / "v6.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        migrate(connection, str(path), upto=6)
        connection.execute(
            "INSERT INTO outbox (position, id, status, next_attempt_at, body) "
            "VALUES (7, ?, 'pending', 0, ?)",
            (
                b"m-old",
                b'["m-old","notifier:test","x",{},"2025-01-06T09:00:00+00:00",'
                b'"2025-01-06T09:00:00+00:00","pending",0,null,null,null]',
            ),
        )
    with storage_without_rounds(path) as storage:
        assert _rows(path) == [(7, "m-old", 1)]
        assert _mark(path) == 7
        _put(storage, "m-new")
        assert _rows(path)[-1] == (8, "m-new", 0)
        assert _ids(storage, OutboxStatus.PENDING) == ["m-old", "m-new"]


# -- properties ---------------------------------------------------------------------------------

_STEP = st.tuples(
    st.integers(min_value=0, max_value=1),
    st.sampled_from(("put", "put", "deliver", "purge", "batch")),
)


@given(st.lists(_STEP, min_size=1, max_size=20))
def test_two_storages_list_the_outbox_as_written_whatever_the_index_holds(
    tmp_path_factory: pytest.TempPathFactory,
    storage_without_rounds: OpenStorage,
    steps: list[tuple[int, str]],
) -> None:
    path = tmp_path_factory.mktemp("outbox") / "shop.db"
    written: list[str] = []  # the messages still there, oldest first
    delivered: set[str] = set()
    with storage_without_rounds(path) as first, storage_without_rounds(path) as second:
        storages = (first, second)
        for number, (who, action) in enumerate(steps):
            storage = storages[who]
            if action == "put":
                written.append(f"m{number}")
                _put(storage, written[-1])
            elif action == "deliver":
                pending = [message_id for message_id in written if message_id not in delivered]
                if pending:
                    _deliver(storage, pending[0])
                    delivered.add(pending[0])
            elif action == "purge":
                assert _purge(storage) == len(delivered)
                written = [message_id for message_id in written if message_id not in delivered]
                delivered.clear()
            else:
                storage.write_rows_behind()
            for each in storages:
                assert _ids(each) == written
                assert _ids(each, OutboxStatus.DELIVERED) == [m for m in written if m in delivered]
                assert _ids(each, OutboxStatus.PENDING) == [
                    m for m in written if m not in delivered
                ]
        positions = [position for position, _, _ in _rows(path)]
        assert positions == sorted(set(positions))
        assert all(indexed for _, _, indexed in _rows(path))  # the searches took every one in
