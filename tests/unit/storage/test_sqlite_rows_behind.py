"""SQLite rows of orders behind their journal: written later, never read behind."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Actor,
    Address,
    ConcurrencyConflict,
    Contact,
    DeskConfig,
    LineDraft,
    ManualClock,
    Order,
    OrderDesk,
    OrderDraft,
    OrderStatus,
    PaymentKind,
    ReviewPolicy,
    StorageError,
    ValidationError,
)
from ordercore._replace import replace
from ordercore.audit.journal import EntryDraft
from ordercore.orders.model import ORDERS
from ordercore.storage._sqlite_schema import migrate
from ordercore.storage.ports import AggregateKind, JournalStream
from ordercore.storage.sqlite import SQLiteStorage

CLERK = Actor("u-clerk", roles={"clerk"})
ADDRESS = Address("Ada Lovelace", "1 Main St", "Berlin", "DE", "10115")


OpenStorage = Callable[[Path], AbstractContextManager[SQLiteStorage]]


def _draft(index: int) -> OrderDraft:
    return OrderDraft(
        channel="web",
        currency="EUR",
        external_id=f"EXT-{index}",
        contact=Contact("Ada Lovelace", email=f"ada{index}@example.com"),
        shipping_address=ADDRESS,
        lines=[LineDraft("SKU-1", 2, "10.00", tax_rate="0.19"), LineDraft("SKU-2", 1, "5.00")],
        shipping_fee="4.95",
    )


def _no_round(storage: SQLiteStorage) -> None:
    """A checkpoint round that writes no rows, so tests see rows behind for as long as needed."""


def _open(path: Path, *, rounds: bool = False) -> OrderDesk:
    with pytest.MonkeyPatch.context() as patch:
        if not rounds:
            patch.setattr(SQLiteStorage, "_rows_behind_round", _no_round)
        return OrderDesk.open(
            f"sqlite:///{path}",
            clock=ManualClock(),
            config=DeskConfig(review=ReviewPolicy(automatic=False)),
            entry_points=False,
        )


def _storage(desk: OrderDesk) -> SQLiteStorage:
    storage = desk.storage
    assert isinstance(storage, SQLiteStorage)
    return storage


def _pay(desk: OrderDesk, order_id: str) -> Order:
    order = desk.orders.get(order_id)
    return desk.orders.record_payment(
        order_id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )


STEPS: tuple[Callable[[OrderDesk, str], Order], ...] = (
    lambda desk, order_id: desk.orders.approve(order_id, actor=CLERK),
    lambda desk, order_id: desk.orders.confirm(order_id, actor=CLERK),
    _pay,
    lambda desk, order_id: desk.orders.ship(order_id, actor=CLERK),
    lambda desk, order_id: desk.orders.deliver(order_id, actor=CLERK),
    lambda desk, order_id: desk.orders.complete(order_id, actor=CLERK),
)


def _place_and_step(desk: OrderDesk, index: int, steps: int) -> Order:
    order = desk.orders.place(_draft(index), actor=CLERK)
    for step in STEPS[:steps]:
        order = step(desk, order.id)
    return order


def _stored(path: Path, order_id: str) -> tuple[int, bytes]:
    """The order's stored row as another connection reads it: (version, body)."""
    with closing(sqlite3.connect(path)) as connection:
        version, body = connection.execute(
            "SELECT version, body FROM aggregates WHERE kind = ? AND id = ?",
            (b"order", order_id.encode()),
        ).fetchone()
    return version, bytes(body)


def _row(path: Path, order_id: str) -> tuple[int, dict[str, object] | None]:
    """The order's stored row, its body read as JSON (``None``: stored without its value)."""
    version, body = _stored(path, order_id)
    return version, orjson.loads(body) if body else None


def _written(path: Path, order_id: str) -> tuple[int, dict[str, object]]:
    """The order's stored row, which must hold its value: (version, body as JSON)."""
    version, body = _row(path, order_id)
    assert body is not None, f"the row of {order_id} holds no value"
    return version, body


def _killed_writer(path: Path, steps: int) -> Order:
    """One order placed and moved ``steps`` times by a writer that never wrote its rows behind,
    as a writer killed after its commits leaves them."""
    desk = _open(path)
    _storage(desk).write_rows_behind = lambda: 0  # type: ignore[method-assign]
    order = _place_and_step(desk, 0, steps)
    desk.close()
    return order


def _assert_reads(reader: SQLiteStorage, orders: list[Order]) -> None:
    """``reader`` gets each order, and scans them all, as the writer has them."""
    with reader.unit_of_work() as uow:
        repository = uow.aggregates(ORDERS)
        assert [repository.get(order.id) for order in orders] == orders
    with reader.unit_of_work() as uow:
        assert sorted(uow.aggregates(ORDERS).scan(), key=lambda o: o.id) == orders


# -- the writer ---------------------------------------------------------------------------------


def test_commands_journal_an_order_without_rewriting_its_row(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, len(STEPS))
        assert (order.status, order.version) == (OrderStatus.COMPLETED, 7)
        # Claimed when placed, without its value: all seven versions are in the journal.
        assert _row(path, order.id) == (1, None)
        assert desk.orders.get(order.id) == order
        assert list(desk.orders.list()) == [order]


def test_writing_the_rows_behind_brings_the_stored_row_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 3)
        assert _storage(desk).write_rows_behind() == 1
        version, body = _written(path, order.id)
        assert (version, body["status"], body["version"]) == (4, "confirmed", 4)
        assert _storage(desk).write_rows_behind() == 0


def test_closing_the_storage_writes_the_rows_behind(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 2)
    assert _row(path, order.id)[0] == order.version == 3


def test_a_checkpoint_round_writes_the_rows_behind_within_seconds(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with _open(path, rounds=True) as desk:
        order = _place_and_step(desk, 0, 1)
        deadline = time.monotonic() + 10
        while _row(path, order.id)[0] != order.version and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _row(path, order.id)[0] == order.version


def test_the_command_that_reaches_the_limit_writes_every_row_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ordercore.storage._sqlite_uow.ROWS_BEHIND_LIMIT", 3)
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        first = _place_and_step(desk, 0, 1)
        second = _place_and_step(desk, 1, 1)
        assert (_row(path, first.id), _row(path, second.id)) == ((1, None), (1, None))
        third = _place_and_step(desk, 2, 0)  # the third row behind: all three are written
        rows = [_row(path, order.id) for order in (first, second, third)]
        assert [(version, body and body["version"]) for version, body in rows] == [
            (2, 2),
            (2, 2),
            (1, 1),
        ]
        assert _storage(desk)._shared.behind == {}


def test_a_save_no_journal_entry_covers_is_written_at_commit(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 0)
        noted = replace(order, tags=frozenset({"vip"}), version=order.version + 1)
        with desk.storage.unit_of_work() as uow:
            uow.aggregates(ORDERS).save(noted, expected_version=order.version)
        assert _row(path, order.id)[0] == 2
        assert desk.orders.get(order.id) == noted


def test_an_uncovered_save_that_cannot_be_written_fails_its_unit_of_work(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 0)
        naive = replace(order, payment_due_at=datetime(2030, 1, 1), version=order.version + 1)

        def save_naive() -> None:
            with desk.storage.unit_of_work() as uow:
                uow.aggregates(ORDERS).save(naive, expected_version=order.version)

        with pytest.raises(ValidationError):
            save_naive()
        assert _row(path, order.id)[0] == order.version
        assert desk.orders.get(order.id) == order


def test_an_uncovered_save_whose_row_is_gone_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 0)
        noted = replace(order, tags=frozenset({"vip"}), version=order.version + 1)
        storage = _storage(desk)

        def save_after_the_row_went() -> None:
            with storage.unit_of_work() as uow:
                uow.aggregates(ORDERS).save(noted, expected_version=order.version)
                storage._shared.connection.execute(
                    "DELETE FROM aggregates WHERE id = ?", (order.id.encode(),)
                )

        with pytest.raises(StorageError, match="changed under the write lock"):
            save_after_the_row_went()
        assert _row(path, order.id)[0] == order.version  # rolled back, the row is there


def test_a_row_behind_that_cannot_be_written_any_more_is_logged_and_left_behind(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, storage_without_rounds: OpenStorage
) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 1)
        storage = _storage(desk)
        (key,) = storage._shared.behind
        kind_key, item = storage._shared.behind[key]
        # As if the value had changed since it was committed: msgspec would write it naive.
        storage._shared.behind[key] = (kind_key, replace(item, payment_due_at=datetime(2030, 1, 1)))
        assert storage.write_rows_behind() == 1
        assert "cannot be written" in caplog.text
        assert storage._shared.behind == {}
        assert _row(path, order.id)[0] == 1
        with storage_without_rounds(path) as reader, reader.unit_of_work() as uow:
            assert uow.aggregates(ORDERS).get(order.id) == order


def test_a_rolled_back_unit_of_work_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 0)
        approved = replace(order, status=OrderStatus.APPROVED, version=2)

        def failing_command() -> None:
            with desk.storage.unit_of_work() as uow:
                uow.aggregates(ORDERS).save(approved, expected_version=1)
                raise RuntimeError("the command failed")

        behind = dict(_storage(desk)._shared.behind)  # the placed order, as placed
        assert [item for _, item in behind.values()] == [order]
        with pytest.raises(RuntimeError):
            failing_command()
        assert _storage(desk)._shared.behind == behind
        assert desk.orders.get(order.id) == order


def test_a_kind_object_without_the_stream_reads_rows_behind_up_to_date(
    tmp_path: Path, storage_without_rounds: OpenStorage
) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        first, second = (_place_and_step(desk, index, 2) for index in range(2))
        plain = AggregateKind("order", Order)
        with storage_without_rounds(path) as reader:
            with reader.unit_of_work() as uow:
                assert uow.aggregates(ORDERS).get(first.id) == first
            with reader.unit_of_work() as uow:
                # The kind was seen with its stream: the name keeps it.
                assert uow.aggregates(plain).get(second.id) == second


# -- other readers ------------------------------------------------------------------------------


def test_another_storage_reads_an_order_whose_row_is_behind_up_to_date(
    tmp_path: Path, storage_without_rounds: OpenStorage
) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        orders = [_place_and_step(desk, index, steps) for index, steps in enumerate((6, 3, 0))]
        assert [_row(path, order.id) for order in orders] == [(1, None)] * 3
        with storage_without_rounds(path) as reader:
            _assert_reads(reader, orders)
            # The reader found three rows behind (one of them only placed) and writes them.
            assert reader.write_rows_behind() == 3
        rows = [_row(path, order.id) for order in orders]
        assert [(version, body and body["version"]) for version, body in rows] == [
            (7, 7),
            (4, 4),
            (1, 1),
        ]


def test_a_scan_of_another_storage_brings_each_row_behind_up_to_date(
    tmp_path: Path, storage_without_rounds: OpenStorage
) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        orders = [_place_and_step(desk, index, index % 4) for index in range(6)]
        with storage_without_rounds(path) as reader, reader.unit_of_work() as uow:
            assert sorted(uow.aggregates(ORDERS).scan(), key=lambda o: o.id) == orders


def test_rows_a_crashed_writer_left_behind_are_caught_up_and_then_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.db"
    order = _killed_writer(path, 4)
    assert _row(path, order.id)[0] == 1
    with _open(path) as reopened:
        assert reopened.orders.get(order.id) == order
        assert reopened.orders.replay(order.id) == order
        assert reopened.audit.verify_journal().ok
    # The reopened desk found the row behind and wrote it when it closed.
    assert _row(path, order.id)[0] == order.version == 5


def test_a_cached_order_another_storage_changed_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk, _open(path) as other:
        order = _place_and_step(desk, 0, 0)
        assert other.orders.get(order.id) == order  # now cached by the other desk
        approved = desk.orders.approve(order.id, actor=CLERK)
        assert _row(path, order.id)[0] == 1  # only the journal knows version 2
        assert other.orders.get(order.id) == approved
        confirmed = other.orders.confirm(order.id, actor=CLERK)
        assert desk.orders.get(order.id) == confirmed


def test_a_stale_save_against_a_row_behind_is_a_conflict(
    tmp_path: Path, storage_without_rounds: OpenStorage
) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk, storage_without_rounds(path) as other:
        order = _place_and_step(desk, 0, 0)
        with other.unit_of_work() as uow:
            assert uow.aggregates(ORDERS).get(order.id) == order
        desk.orders.approve(order.id, actor=CLERK)
        held = replace(order, status=OrderStatus.ON_HOLD, version=2)
        with pytest.raises(ConcurrencyConflict) as conflict, other.unit_of_work() as uow:
            uow.aggregates(ORDERS).save(held, expected_version=1)
        assert conflict.value.actual == 2


def test_an_entry_that_cannot_be_applied_is_a_storage_error_naming_the_order(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 0)
    placed = _stored(path, order.id)[1]
    with _open(path) as desk:
        for step in STEPS[:3]:
            step(desk, order.id)
    # Put the row back as placed and lose the entry that made version 2: a gap in the stream.
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "UPDATE aggregates SET version = 1, body = ? WHERE kind = ? AND id = ?",
            (placed, b"order", order.id.encode()),
        )
        connection.execute(
            "DELETE FROM journal WHERE stream_id = ? AND version = 2", (order.id.encode(),)
        )
    with (
        storage_without_rounds(path) as reader,
        reader.unit_of_work() as uow,
        pytest.raises(StorageError, match=order.id),
    ):
        uow.aggregates(ORDERS).get(order.id)


# -- rows stored without their value -------------------------------------------------------------


def test_a_placed_order_is_counted_found_and_scanned_before_its_row_has_a_value(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        orders = [_place_and_step(desk, index, 0) for index in range(3)]
        assert {_row(path, order.id) for order in orders} == {(1, None)}
        with storage_without_rounds(path) as reader:
            with reader.unit_of_work() as uow:
                assert uow.aggregates(ORDERS).count() == 3
            _assert_reads(reader, orders)


def test_placing_an_order_id_twice_is_a_conflict_before_its_row_has_a_value(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk, storage_without_rounds(path) as other:
        order = _place_and_step(desk, 0, 0)
        with pytest.raises(ConcurrencyConflict) as conflict, other.unit_of_work() as uow:
            uow.aggregates(ORDERS).save(order, expected_version=0)
        assert conflict.value.actual == 1
        assert _row(path, order.id) == (1, None)


def test_a_new_order_saved_without_its_entry_is_written_with_its_value(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = replace(_place_and_step(desk, 0, 0), id="ord_without_entry")
        with desk.storage.unit_of_work() as uow:
            uow.aggregates(ORDERS).save(order, expected_version=0)
        version, body = _written(path, order.id)
        assert (version, body["id"]) == (1, order.id)


def test_a_new_order_whose_stream_does_not_start_in_its_unit_of_work_gets_its_value(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = replace(_place_and_step(desk, 0, 0), id="ord_first_entry_later")
        approved = replace(order, status=OrderStatus.APPROVED, version=2)
        with desk.storage.unit_of_work() as uow:
            uow.aggregates(ORDERS).save(order, expected_version=0)
            # Only version 2 is journaled: the stream could not build the order.
            uow.journal.append(
                EntryDraft.of(
                    "evt_later",
                    "order",
                    order.id,
                    2,
                    "OrderApproved",
                    {},
                    "u-clerk",
                    order.milestones.placed_at,
                    None,
                    None,
                    None,
                    False,
                )
            )
            uow.aggregates(ORDERS).save(approved, expected_version=1)
        version, body = _written(path, order.id)
        assert (version, body["version"], body["status"]) == (2, 2, "approved")
        with storage_without_rounds(path) as reader, reader.unit_of_work() as uow:
            assert uow.aggregates(ORDERS).get(order.id) == approved


def test_a_kind_whose_stream_cannot_replay_writes_new_rows_with_their_value(
    tmp_path: Path,
) -> None:
    assert ORDERS.stream is not None
    catch_up_only = AggregateKind(
        "order", Order, stream=JournalStream("order", ORDERS.stream.catch_up)
    )
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 0)
    with closing(SQLiteStorage(f"sqlite:///{path}")) as storage:
        second = replace(order, id="ord_second")
        with storage.unit_of_work() as uow:
            uow.aggregates(catch_up_only).save(second, expected_version=0)
    version, body = _written(path, second.id)
    assert (version, body["id"]) == (1, second.id)


def test_a_row_without_its_value_read_without_the_stream_is_a_storage_error(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    order = _killed_writer(path, 0)
    assert _row(path, order.id) == (1, None)
    plain = AggregateKind("order", Order)  # a process that never named the order stream
    with (
        storage_without_rounds(path) as reader,
        reader.unit_of_work() as uow,
        pytest.raises(StorageError, match=f"{order.id}.*journal stream"),
    ):
        uow.aggregates(plain).get(order.id)


def test_a_row_without_its_value_whose_entries_are_gone_is_a_storage_error(
    tmp_path: Path,
    storage_without_rounds: OpenStorage,
) -> None:
    path = tmp_path / "shop.db"
    order = _killed_writer(path, 1)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("DELETE FROM journal WHERE version = 1")
    with (
        storage_without_rounds(path) as reader,
        reader.unit_of_work() as uow,
        pytest.raises(StorageError, match=f"cannot build order {order.id!r}"),
    ):
        uow.aggregates(ORDERS).get(order.id)


# -- entries written before the version column ---------------------------------------------------


def test_entries_without_a_version_column_are_not_replayed(
    tmp_path: Path, storage_without_rounds: OpenStorage
) -> None:
    path = tmp_path / "shop.db"
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 2)
    # Closed: the row is current. Entries as schema version 4 wrote them carry no version.
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE journal SET version = NULL")
    with _open(path) as desk:
        assert desk.orders.get(order.id) == order
        paid = _pay(desk, order.id)
        assert _row(path, order.id)[0] == 3
        with storage_without_rounds(path) as reader, reader.unit_of_work() as uow:
            assert uow.aggregates(ORDERS).get(order.id) == paid


def test_the_migration_adds_the_version_column_to_a_version_4_file(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        migrate(connection, str(path), upto=4)
    with _open(path) as desk:
        order = _place_and_step(desk, 0, 1)
    with closing(sqlite3.connect(path)) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(journal)")]
        versions = connection.execute("SELECT version FROM journal ORDER BY sequence").fetchall()
    assert "version" in columns
    assert versions == [(1,), (2,)]
    assert _row(path, order.id)[0] == 2


# -- properties ---------------------------------------------------------------------------------


@given(st.lists(st.integers(min_value=0, max_value=len(STEPS)), min_size=1, max_size=6))
def test_any_mix_of_orders_reads_back_the_same_from_another_storage(
    tmp_path_factory: pytest.TempPathFactory,
    storage_without_rounds: OpenStorage,
    steps: list[int],
) -> None:
    path = tmp_path_factory.mktemp("rows") / "shop.db"
    with _open(path) as desk:
        orders = [_place_and_step(desk, index, count) for index, count in enumerate(steps)]
        with storage_without_rounds(path) as reader:
            _assert_reads(reader, orders)
        assert _storage(desk).write_rows_behind() == len(orders)  # each placed one, too
        for order in orders:
            version, body = _written(path, order.id)
            assert version == body["version"] == order.version
