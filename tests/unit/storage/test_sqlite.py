"""The SQLite backend beyond the shared contract: URLs, pragmas, migrations, locks, caches."""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
import weakref
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ordercore import (
    Actor,
    ConcurrencyConflict,
    ManualClock,
    NotFound,
    OrderDesk,
    StorageError,
    ValidationError,
)
from ordercore._replace import replace
from ordercore.storage import _sqlite_codec as codec
from ordercore.storage._sqlite_rows import STORED_VERSION, STREAM_ENTRIES
from ordercore.storage._sqlite_schema import SCHEMA_VERSION, migrate, schema_version
from ordercore.storage.ports import IdempotencyRecord, OutboxMessage, OutboxStatus
from ordercore.storage.sqlite import SchemaTooNew, SQLiteOptions, SQLiteStorage
from ordercore.testing.fakes import COUNTERS, Counter


def _url(path: Path, query: str = "") -> str:
    return f"sqlite:///{path}" + (f"?{query}" if query else "")


# -- URLs and options ---------------------------------------------------------------------------


def test_url_forms_name_a_relative_file_an_absolute_file_or_memory() -> None:
    assert SQLiteOptions.from_url("sqlite:///shop.db").path == "shop.db"
    assert SQLiteOptions.from_url("sqlite:////var/lib/shop.db").path == "/var/lib/shop.db"
    assert SQLiteOptions.from_url("sqlite://:memory:").path == ":memory:"
    options = SQLiteOptions.from_url("sqlite:///a.db?synchronous=FULL&busy_timeout_ms=10")
    assert (options.synchronous, options.busy_timeout_ms) == ("full", 10)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("postgres:///shop.db", "url"),
        ("sqlite:shop.db", "url"),
        ("sqlite://", "url"),
        ("sqlite:///", "url"),
        ("sqlite:///a.db?colour=blue", "url.colour"),
        ("sqlite:///a.db?synchronous=off", "url.synchronous"),
        ("sqlite:///a.db?busy_timeout_ms=0", "url.busy_timeout_ms"),
        ("sqlite:///a.db?lock_wait_s=soon", "url"),
    ],
)
def test_a_bad_url_is_refused_naming_what_is_wrong(url: str, field: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        SQLiteStorage(url)
    assert refused.value.field == field


def test_a_file_is_opened_in_wal_mode_with_normal_or_full_synchronous(tmp_path: Path) -> None:
    normal = SQLiteStorage(_url(tmp_path / "n.db"))
    full = SQLiteStorage(_url(tmp_path / "f.db", "synchronous=full"))
    try:
        for storage, expected in ((normal, 1), (full, 2)):
            connection = storage._shared.connection
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert connection.execute("PRAGMA synchronous").fetchone() == (expected,)
    finally:
        normal.close()
        full.close()


def test_the_desk_opens_sqlite_urls_through_the_builtin_plugin(tmp_path: Path) -> None:
    with OrderDesk.open(_url(tmp_path / "shop.db"), entry_points=False) as desk:
        assert isinstance(desk.storage, SQLiteStorage)
        assert desk.storage.path == str(tmp_path / "shop.db")


def test_an_unopenable_path_is_a_storage_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "shop.db"
    with pytest.raises(StorageError, match=r"shop\.db"):
        SQLiteStorage(_url(missing))


def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my notes, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StorageError, match=r"notes\.txt"):
        SQLiteStorage(_url(path))
    assert path.read_bytes() == before


# -- persistence and caches ---------------------------------------------------------------------


def test_committed_work_is_there_after_reopening(tmp_path: Path) -> None:
    storage = SQLiteStorage(_url(tmp_path / "shop.db"))
    with storage.unit_of_work() as uow:
        uow.aggregates(COUNTERS).save(Counter("c1", 1, 7), expected_version=0)
    storage.close()
    reopened = SQLiteStorage(_url(tmp_path / "shop.db"))
    try:
        with reopened.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).get("c1") == Counter("c1", 1, 7)
    finally:
        reopened.close()


def test_two_storage_objects_on_one_file_see_each_others_commits(tmp_path: Path) -> None:
    first = SQLiteStorage(_url(tmp_path / "shop.db"))
    second = SQLiteStorage(_url(tmp_path / "shop.db"))
    try:
        with first.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("c1", 1, 1), expected_version=0)
            assert uow.aggregates(COUNTERS).find("c2") is None  # absence is cached, too
        with second.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).get("c1") == Counter("c1", 1, 1)
            uow.aggregates(COUNTERS).save(Counter("c1", 2, 2), expected_version=1)
            uow.aggregates(COUNTERS).save(Counter("c2", 1, 5), expected_version=0)
        with first.unit_of_work() as uow:
            # The first object had both ids cached; the second's commit must win.
            assert uow.aggregates(COUNTERS).get("c1") == Counter("c1", 2, 2)
            assert uow.aggregates(COUNTERS).get("c2") == Counter("c2", 1, 5)
            assert uow.journal.head().sequence == 0
    finally:
        first.close()
        second.close()


def test_the_cache_does_not_keep_what_a_failed_unit_of_work_wrote(tmp_path: Path) -> None:
    storage = SQLiteStorage(_url(tmp_path / "shop.db"))
    try:

        def save_then_fail() -> None:
            with storage.unit_of_work() as uow:
                uow.aggregates(COUNTERS).save(Counter("c1", 1, 1), expected_version=0)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            save_then_fail()
        with storage.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).find("c1") is None
    finally:
        storage.close()


def test_a_small_cache_forgets_the_oldest_values_and_reads_them_again(tmp_path: Path) -> None:
    storage = SQLiteStorage(_url(tmp_path / "shop.db", "cache_size=2"))
    try:
        with storage.unit_of_work() as uow:
            for index in range(5):
                uow.aggregates(COUNTERS).save(Counter(f"c{index}", 1, index), expected_version=0)
        assert len(storage._shared.cache) <= 2
        with storage.unit_of_work() as uow:
            assert [uow.aggregates(COUNTERS).get(f"c{i}").value for i in range(5)] == [
                0,
                1,
                2,
                3,
                4,
            ]
            assert sorted(c.value for c in uow.aggregates(COUNTERS).scan()) == [0, 1, 2, 3, 4]
    finally:
        storage.close()


def test_a_nested_unit_of_work_in_one_thread_is_refused() -> None:
    storage = SQLiteStorage("sqlite://:memory:")
    try:
        with storage.unit_of_work(), pytest.raises(StorageError, match="already open"):
            storage.unit_of_work().__enter__()
    finally:
        storage.close()


# -- locks --------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
def test_an_ended_unit_of_work_is_freed_without_the_garbage_collector(outcome: str) -> None:
    storage = SQLiteStorage("sqlite://:memory:")
    at = datetime(2025, 1, 1, tzinfo=UTC)
    collecting = gc.isenabled()
    gc.disable()
    try:
        failing = pytest.raises(RuntimeError) if outcome == "rollback" else nullcontext()
        with failing, storage.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("c1", 1, 1), expected_version=0)
            uow.journal.head()
            uow.outbox.put(OutboxMessage("m1", "notifier:x", "t", {}, at, at))
            ended = weakref.ref(uow)
            if outcome == "rollback":
                raise RuntimeError("the command failed")
        del uow
        # Freed by reference counting alone: no cycle through its repositories is left.
        assert ended() is None
    finally:
        if collecting:
            gc.enable()
        storage.close()


def _hold_write_lock(path: Path, seconds: float, holding: threading.Event) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    holding.set()
    time.sleep(seconds)
    connection.execute("COMMIT")
    connection.close()


def test_a_unit_of_work_waits_for_a_held_lock_past_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    storage = SQLiteStorage(_url(path, "busy_timeout_ms=20"))
    holding = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 0.3, holding))
    holder.start()
    holding.wait()
    try:
        with storage.unit_of_work() as uow:  # waits through several busy timeouts
            uow.aggregates(COUNTERS).save(Counter("c1", 1), expected_version=0)
    finally:
        holder.join()
        storage.close()


def test_a_lock_held_past_lock_wait_is_a_storage_error_not_database_is_locked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.db"
    storage = SQLiteStorage(_url(path, "busy_timeout_ms=10&lock_wait_s=0.1"))
    holding = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 0.5, holding))
    holder.start()
    holding.wait()
    try:
        with pytest.raises(StorageError) as refused, storage.unit_of_work():
            pass  # pragma: no cover - never entered
        assert "lock" in str(refused.value)
        assert "lock_wait_s" in str(refused.value)
    finally:
        holder.join()
        storage.close()


# -- migrations ---------------------------------------------------------------------------------


def test_a_database_of_the_first_schema_version_opens_under_the_latest(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path, isolation_level=None)
    assert migrate(connection, str(path), upto=1) == 0
    assert schema_version(connection) == 1
    # A row as version 1 wrote it: a counter stored as JSON.
    connection.execute(
        "INSERT INTO aggregates (kind, id, version, body) VALUES (?, ?, ?, ?)",
        (b"counter", b"c1", 3, b'{"id":"c1","version":3,"value":9}'),
    )
    connection.close()
    storage = SQLiteStorage(_url(path))
    try:
        connection = storage._shared.connection
        assert schema_version(connection) == SCHEMA_VERSION
        indexes = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        assert {"journal_streams", "outbox_by_state", "idempotency_by_age"} <= indexes
        assert not {"outbox_by_status", "outbox_by_delivery"} & indexes  # replaced in version 4
        assert "journal_by_stream" not in indexes  # a table of its own since version 6
        with storage.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).get("c1") == Counter("c1", 3, 9)
            uow.aggregates(COUNTERS).save(Counter("c1", 4, 10), expected_version=3)
    finally:
        storage.close()


def _database_at_version(tmp_path: Path, version: int) -> tuple[Path, sqlite3.Connection]:
    """A new file migrated up to ``version`` only, and a connection to write rows as it did."""
    path = tmp_path / f"v{version}.db"
    connection = sqlite3.connect(path, isolation_level=None)
    migrate(connection, str(path), upto=version)
    return path, connection


def test_rows_written_before_the_retention_columns_are_purged_by_their_bodies_times(
    tmp_path: Path,
) -> None:
    path, connection = _database_at_version(tmp_path, 2)
    delivered_at = datetime(2025, 1, 2, tzinfo=UTC)
    created = datetime(2025, 1, 1, tzinfo=UTC)
    old = OutboxMessage("m-old", "notifier:x", "t", {}, created, created)
    # Rows as version 2 wrote them: no delivery or creation time outside the body.
    for message in (old.delivered(delivered_at), replace(old, id="m-pending")):
        connection.execute(
            "INSERT INTO outbox (id, status, next_attempt_at, body) VALUES (?, ?, ?, ?)",
            (message.id.encode(), message.status.value, 0, codec.encode_message(message)),
        )
    for key, at in (("k-old", created), ("k-new", created + timedelta(days=30))):
        record = IdempotencyRecord(key, "a", "f" * 64, None, at)
        connection.execute(
            "INSERT INTO idempotency (key, body) VALUES (?, ?)",
            (key.encode(), codec.encode_record(record)),
        )
    connection.close()
    desk = OrderDesk.open(_url(path), clock=ManualClock(created + timedelta(days=20)))
    try:
        report = desk.retention.purge(actor=Actor("u-ops"))
        assert (report.delivered_messages, report.idempotency_keys) == (1, 1)
        assert [m.id for m in desk.outbox.pending()] == ["m-pending"]
        with desk.storage.unit_of_work() as uow:
            assert uow.idempotency.get("k-old") is None
            assert uow.idempotency.get("k-new") is not None
    finally:
        desk.close()


def test_messages_written_before_the_state_index_are_found_by_every_outbox_query(
    tmp_path: Path,
) -> None:
    path, connection = _database_at_version(tmp_path, 3)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    base = OutboxMessage("m", "notifier:x", "t", {}, at, at)
    # Rows as version 3 wrote them, its delivery time column copied from every message: a
    # pending message that carries a delivery time in its fields, a dead one, a delivered one.
    rows = (
        replace(base, id="m-pending", delivered_at=at),
        replace(base, id="m-dead", status=OutboxStatus.DEAD),
        replace(base, id="m-delivered").delivered(at + timedelta(minutes=1)),
    )
    for message in rows:
        connection.execute(
            "INSERT INTO outbox (id, status, next_attempt_at, delivered_at, body) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                message.id.encode(),
                message.status.value,
                codec.micros(message.next_attempt_at),
                None if message.delivered_at is None else codec.micros(message.delivered_at),
                codec.encode_message(message),
            ),
        )
    connection.close()
    storage = SQLiteStorage(_url(path))
    try:
        with storage.unit_of_work() as uow:
            outbox = uow.outbox
            assert [m.id for m in outbox.list(OutboxStatus.PENDING)] == ["m-pending"]
            assert [m.id for m in outbox.list(OutboxStatus.DEAD)] == ["m-dead"]
            assert [m.id for m in outbox.list(OutboxStatus.DELIVERED)] == ["m-delivered"]
            assert outbox.get("m-pending") == rows[0]  # the body keeps what the message held
            claimed = outbox.claim_due(at, limit=10, lease=timedelta(minutes=5))
            assert [m.id for m in claimed] == ["m-pending"]
            assert outbox.purge_delivered(at + timedelta(days=1), limit=10) == 1
    finally:
        storage.close()


def test_only_delivered_messages_carry_a_delivery_time_in_the_indexed_column() -> None:
    storage = SQLiteStorage("sqlite://:memory:")
    at = datetime(2025, 1, 1, tzinfo=UTC)
    odd = OutboxMessage("m-odd", "notifier:x", "t", {}, at, at, delivered_at=at)
    try:
        with storage.unit_of_work() as uow:
            uow.outbox.put(odd)
            uow.outbox.put(replace(odd, id="m-done", status=OutboxStatus.DELIVERED))
        columns = dict(
            storage._shared.connection.execute("SELECT id, delivered_at FROM outbox").fetchall()
        )
        assert columns == {b"m-odd": None, b"m-done": codec.micros(at)}
        with storage.unit_of_work() as uow:
            assert uow.outbox.get("m-odd") == odd
            due = uow.outbox.claim_due(at, limit=10, lease=timedelta(minutes=1))
            assert [m.id for m in due] == ["m-odd"]
    finally:
        storage.close()


def test_a_database_from_a_newer_ordercore_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    connection = sqlite3.connect(path, isolation_level=None)
    migrate(connection, str(path))
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew) as refused:
        SQLiteStorage(_url(path))
    assert (refused.value.found, refused.value.supported) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    assert "newer" in str(refused.value) or "upgrade" in str(refused.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["future.db"]


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    SQLiteStorage(_url(path)).close()
    connection = sqlite3.connect(path, isolation_level=None)
    assert migrate(connection, str(path)) == SCHEMA_VERSION
    connection.close()


def test_an_outbox_message_marked_by_another_storage_object_is_read_fresh(tmp_path: Path) -> None:
    first = SQLiteStorage(_url(tmp_path / "shop.db"))
    second = SQLiteStorage(_url(tmp_path / "shop.db"))
    at = datetime(2025, 1, 1, tzinfo=UTC)
    message = OutboxMessage("m1", "notifier:log", "hello", {}, at, at)
    try:
        with first.unit_of_work() as uow:
            uow.outbox.put(message)
        with first.unit_of_work() as uow:
            assert uow.outbox.get("m1") == message  # from the cache
        with second.unit_of_work() as uow:
            uow.outbox.mark_delivered("m1", at)
        with first.unit_of_work() as uow:
            assert uow.outbox.get("m1").status is OutboxStatus.DELIVERED
            assert uow.outbox.get("m1").attempts == 1
    finally:
        first.close()
        second.close()


def test_a_new_id_that_another_storage_object_wrote_is_a_conflict_naming_its_version(
    tmp_path: Path,
) -> None:
    first = SQLiteStorage(_url(tmp_path / "shop.db"))
    second = SQLiteStorage(_url(tmp_path / "shop.db"))
    try:
        with second.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("c1", 1), expected_version=0)
            uow.aggregates(COUNTERS).save(Counter("c1", 2, 5), expected_version=1)
        # Unknown to the first storage's caches: its INSERT finds the row, not a lookup.
        with pytest.raises(ConcurrencyConflict) as caught, first.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("c1", 1, 7), expected_version=0)
        assert (caught.value.expected, caught.value.actual) == (0, 2)
        with first.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).get("c1") == Counter("c1", 2, 5)
    finally:
        first.close()
        second.close()


def test_a_delivery_mark_writes_the_columns_and_reading_brings_the_body_forward(
    tmp_path: Path,
) -> None:
    first = SQLiteStorage(_url(tmp_path / "shop.db"))
    at = datetime(2025, 1, 1, tzinfo=UTC)
    later = at + timedelta(minutes=3)
    failed_once = OutboxMessage("m1", "notifier:log", "hello", {"n": 1}, at, at).failed(
        "timeout", at + timedelta(minutes=1), dead=False
    )
    fresh = OutboxMessage("m2", "notifier:log", "bye", {}, at, at)
    try:
        with first.unit_of_work() as uow:
            uow.outbox.put(failed_once)
            uow.outbox.put(fresh)
            uow.outbox.mark_delivered("m2", later)  # in the unit of work that wrote it
            assert uow.outbox.get("m2") == fresh.delivered(later)
        body_before = _outbox_body(first, "m1")
        with first.unit_of_work() as uow:
            uow.outbox.mark_delivered("m1", later)
        assert _outbox_body(first, "m1") == body_before  # the body is not written again
        second = SQLiteStorage(_url(tmp_path / "shop.db"))  # no cache: read from the file
        with second.unit_of_work() as uow:
            assert uow.outbox.get("m1") == failed_once.delivered(later)
            assert uow.outbox.list(OutboxStatus.DELIVERED) == [
                failed_once.delivered(later),
                fresh.delivered(later),
            ]
            assert uow.outbox.list(OutboxStatus.PENDING) == []
        with first.unit_of_work() as uow:
            assert uow.outbox.get("m1") == failed_once.delivered(later)
            with pytest.raises(NotFound):
                uow.outbox.mark_delivered("no-such-message", later)
        second.close()
    finally:
        first.close()


def _outbox_body(storage: SQLiteStorage, message_id: str) -> bytes:
    row = storage._shared.connection.execute(
        "SELECT body FROM outbox WHERE id = ?", (codec.key(message_id),)
    ).fetchone()
    return bytes(row[0])


@pytest.mark.parametrize(
    ("query", "parameters", "index"),
    [
        # Scans of one kind (orders for the audit sweeps and the review queue, reservations
        # for the expiry sweep) and lookups by id.
        ("SELECT id, version, body FROM aggregates WHERE kind = ?", (b"order",), "autoindex"),
        ("SELECT body FROM aggregates WHERE kind = ? AND id = ?", (b"order", b"o"), "autoindex"),
        # One aggregate's history: an order's timeline and replay, a level's ledger (the
        # indexed entries, and those not in the stream index yet by their sequence).
        (STREAM_ENTRIES, (b"order", b"o", None, "[1]"), "journal USING INTEGER PRIMARY KEY"),
        (STREAM_ENTRIES, (b"order", b"o", 3, "[]"), "journal USING INTEGER PRIMARY KEY"),
        (
            "SELECT sequence FROM journal_streams WHERE stream_type = ? AND stream_id = ? "
            "AND version > ?",
            (b"order", b"o", 3),
            "journal_streams USING PRIMARY KEY",
        ),
        (STORED_VERSION, (b"order", b"order", b"o"), "autoindex"),
        (
            "SELECT sequence, hash, body FROM journal WHERE sequence > ? ORDER BY sequence LIMIT ?",
            (10, 5),
            "PRIMARY KEY",
        ),
        # The outbox's due messages and its lists by status.
        # Both in position order straight from the index (no sort step).
        (
            "SELECT body, status, delivered_at FROM outbox WHERE indexed = 1 AND status = ? "
            "AND delivered_at IS NULL AND next_attempt_at <= ? "
            "AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY position LIMIT ?",
            ("pending", 1, 1, 10),
            "outbox_by_state (status=? AND delivered_at=?)",
        ),
        (
            "SELECT body, status, delivered_at FROM outbox "
            "WHERE indexed = 1 AND status = ? AND delivered_at IS NULL ORDER BY position",
            ("dead",),
            "outbox_by_state (status=? AND delivered_at=?)",
        ),
        # Retention: what a purge deletes.
        (
            "SELECT position FROM outbox INDEXED BY outbox_by_state "
            "WHERE indexed = 1 AND status = 'delivered' AND delivered_at < ? LIMIT ?",
            (1, 10),
            "outbox_by_state (status=? AND delivered_at<?)",
        ),
        (
            "SELECT key FROM idempotency WHERE created_at < ? LIMIT ?",
            (1, 10),
            "idempotency_by_age",
        ),
    ],
)
def test_the_queries_of_the_desk_and_the_sweeps_use_an_index(
    query: str, parameters: tuple[object, ...], index: str
) -> None:
    storage = SQLiteStorage("sqlite://:memory:")
    try:
        plan = [
            row[3]
            for row in storage._shared.connection.execute(f"EXPLAIN QUERY PLAN {query}", parameters)
        ]
    finally:
        storage.close()
    # Structure steps (subqueries, compounds) aside, every step is an index search; the one
    # scan allowed is of the JSON array of sequences a query is given.
    steps = [step for step in plan if step.startswith(("SEARCH", "SCAN", "USE TEMP"))]
    assert all(step.startswith("SEARCH") or step.startswith("SCAN json_each") for step in steps), (
        plan
    )
    assert index in plan[0], plan
