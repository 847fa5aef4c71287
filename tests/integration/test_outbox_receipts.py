"""Deliveries made right after a commit are recorded with a later command that writes messages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from ordercore import (
    Actor,
    CommandContext,
    DeskConfig,
    ManualClock,
    OrderDesk,
    OutboxMessage,
    OutboxPolicy,
    OutboxStatus,
    SequentialIds,
    StorageError,
    ValidationError,
)
from ordercore.desk._receipts import DeliveryReceipts
from ordercore.storage.memory import MemoryStorage
from ordercore.storage.ports import Storage, UnitOfWork
from ordercore.testing import Counter, RecordingNotifier, increment

CLERK = Actor("u-clerk")
LONG = OutboxPolicy(receipt_delay=timedelta(minutes=1))


def _notify(ctx: CommandContext) -> Counter:
    counter = increment("c")(ctx)
    ctx.notify("hello", channel="email", recipient="ada@example.com", data={})
    return counter


def _fail(ctx: CommandContext) -> None:
    increment("c")(ctx)
    raise ValidationError("quantity", "refused on purpose")


def _stored(desk: OrderDesk) -> list[OutboxMessage]:
    """The outbox as stored, read past the desk (which would record held deliveries first)."""
    with desk.storage.unit_of_work() as uow:
        return uow.outbox.list()


def _open(
    policy: OutboxPolicy = LONG,
    url: str = "memory://",
    clock: ManualClock | None = None,
    recorder: RecordingNotifier | None = None,
) -> tuple[OrderDesk, RecordingNotifier]:
    recorder = recorder or RecordingNotifier("mail")
    desk = OrderDesk.open(
        url,
        plugins=[recorder],
        clock=clock or ManualClock(),
        ids=SequentialIds(),
        config=DeskConfig(outbox=policy),
        entry_points=False,
    )
    return desk, recorder


def _by_id(desk: OrderDesk) -> dict[str, OutboxMessage]:
    return {message.id: message for message in _stored(desk)}


def test_a_delivery_is_recorded_with_the_next_command_that_writes_messages() -> None:
    clock = ManualClock()
    desk, recorder = _open(clock=clock)
    delivered_at = clock.now()
    desk.execute(_notify, action="counter.increment", actor=CLERK)
    first = set(_by_id(desk))

    assert [n.template for n in recorder.received] == ["hello"]
    held = _stored(desk)
    assert {m.status for m in held} == {OutboxStatus.PENDING}
    assert all(m.claimed_until is not None for m in held)  # no worker takes them meanwhile

    clock.advance(seconds=5)
    desk.execute(_notify, action="counter.increment", actor=CLERK)

    stored = _by_id(desk)
    assert {stored[i].status for i in first} == {OutboxStatus.DELIVERED}
    assert {stored[i].delivered_at for i in first} == {delivered_at}  # when it was delivered
    # The second command's own deliveries wait in turn.
    assert {m.status for i, m in stored.items() if i not in first} == {OutboxStatus.PENDING}
    desk.close()


def test_a_command_that_writes_no_message_leaves_the_receipts_waiting() -> None:
    desk, _ = _open()
    desk.execute(_notify, action="counter.increment", actor=CLERK)
    first = set(_by_id(desk))

    # Its commit would change the outbox's pages only for the records: they wait.
    desk.execute(increment("c"), action="counter.increment", actor=CLERK)
    assert {m.status for m in _stored(desk)} == {OutboxStatus.PENDING}

    desk.execute(_notify, action="counter.increment", actor=CLERK)
    stored = _by_id(desk)
    assert {stored[i].status for i in first} == {OutboxStatus.DELIVERED}
    desk.close()


def test_an_idle_desk_records_its_deliveries_when_the_delay_runs_out() -> None:
    desk, _ = _open(OutboxPolicy(receipt_delay=timedelta(milliseconds=20)))
    desk.execute(_notify, action="counter.increment", actor=CLERK)

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if {m.status for m in _stored(desk)} == {OutboxStatus.DELIVERED}:
            break
        time.sleep(0.01)
    assert {m.status for m in _stored(desk)} == {OutboxStatus.DELIVERED}
    desk.close()


def test_closing_the_desk_records_what_it_holds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    desk, _ = _open(url=url)
    desk.execute(_notify, action="counter.increment", actor=CLERK)
    desk.close()

    again, recorder = _open(url=url)
    assert {m.status for m in _stored(again)} == {OutboxStatus.DELIVERED}
    assert again.outbox.dispatch().delivered == 0
    assert recorder.received == []
    again.close()


def test_a_command_that_fails_leaves_its_receipts_to_the_next() -> None:
    desk, _ = _open()
    desk.execute(_notify, action="counter.increment", actor=CLERK)

    first = set(_by_id(desk))

    with pytest.raises(ValidationError):
        desk.execute(_fail, action="counter.increment", actor=CLERK)
    assert {m.status for m in _stored(desk)} == {OutboxStatus.PENDING}

    desk.execute(_notify, action="counter.increment", actor=CLERK)
    stored = _by_id(desk)
    assert {stored[i].status for i in first} == {OutboxStatus.DELIVERED}
    desk.close()


class _CommitFails:
    """A storage whose next commit fails (after the command and its receipts were written)."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.url = inner.url
        self.fail_next = False

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        return self._unit()

    @contextmanager
    def _unit(self) -> Iterator[UnitOfWork]:
        with self.inner.unit_of_work() as uow:
            yield uow
            if self.fail_next:
                self.fail_next = False
                raise StorageError("commit failed")  # rolls the inner unit of work back

    def close(self) -> None:
        self.inner.close()


def test_receipts_taken_by_a_unit_of_work_that_rolls_back_are_held_again() -> None:
    desk, _ = _open()
    failing = _CommitFails(desk.storage)
    desk.storage = failing  # the desk's commands go through it
    desk.execute(_notify, action="counter.increment", actor=CLERK)

    first = set(_by_id(desk))

    failing.fail_next = True
    with pytest.raises(StorageError):
        desk.execute(_notify, action="counter.increment", actor=CLERK)
    held = _by_id(desk)
    assert set(held) == first  # the failed command's own messages were rolled back
    assert {m.status for m in held.values()} == {OutboxStatus.PENDING}

    desk.execute(_notify, action="counter.increment", actor=CLERK)
    stored = _by_id(desk)
    assert {stored[i].status for i in first} == {OutboxStatus.DELIVERED}
    desk.close()


def test_listing_dispatching_and_purging_record_held_deliveries_first() -> None:
    desk, _ = _open()
    desk.execute(_notify, action="counter.increment", actor=CLERK)
    assert desk.outbox.pending() == []
    assert len(desk.outbox.delivered()) == 2  # to "mail" and to the built-in "log"

    desk.execute(_notify, action="counter.increment", actor=CLERK)
    assert desk.outbox.dispatch().delivered == 0  # nothing left to deliver again
    assert {m.status for m in _stored(desk)} == {OutboxStatus.DELIVERED}
    desk.close()


def test_a_zero_delay_records_each_delivery_at_once() -> None:
    desk, _ = _open(OutboxPolicy(receipt_delay=timedelta(0)))
    desk.execute(_notify, action="counter.increment", actor=CLERK)
    assert {m.status for m in _stored(desk)} == {OutboxStatus.DELIVERED}
    desk.close()


def test_a_worker_elsewhere_does_not_deliver_a_held_message_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    desk, first = _open(url=url)
    desk.execute(_notify, action="counter.increment", actor=CLERK)

    worker, second = _open(url=url)  # as a worker process would open the file
    assert worker.outbox.dispatch().delivered == 0
    assert second.received == []
    assert len(first.received) == 1
    worker.close()
    desk.close()


def test_a_failed_delivery_is_recorded_at_once() -> None:
    desk, _ = _open(recorder=RecordingNotifier("mail", fail_first=1))
    desk.execute(_notify, action="counter.increment", actor=CLERK)

    (failed,) = [m for m in _stored(desk) if m.destination == "notifier:mail"]
    assert failed.status is OutboxStatus.PENDING
    assert failed.attempts == 1
    assert failed.last_error is not None
    desk.close()


def test_a_receipt_for_a_message_that_is_gone_is_dropped() -> None:
    storage = MemoryStorage()
    receipts = DeliveryReceipts(storage, timedelta(minutes=1))
    receipts.hold([("no-such-message", ManualClock().now())])
    receipts.flush()  # no error, and nothing waits any more
    with storage.unit_of_work() as uow:
        assert list(receipts.write_into(uow)) == []
    receipts.close()


class _MarkingOutbox:
    """Records the messages marked delivered; or fails every mark, as a full disk would."""

    def __init__(self, *, broken: bool = False) -> None:
        self.broken = broken
        self.marked: list[str] = []

    def mark_delivered(self, message_id: str, at: object) -> None:
        if self.broken:
            raise StorageError("disk full")
        self.marked.append(message_id)


class _Unit:
    def __init__(self, outbox: _MarkingOutbox) -> None:
        self.outbox = outbox


def test_receipts_whose_marking_fails_are_held_again() -> None:
    receipts = DeliveryReceipts(MemoryStorage(), timedelta(minutes=1))
    at = ManualClock().now()
    receipts.hold([("m1", at), ("m2", at)])
    with pytest.raises(StorageError):
        receipts.write_into(_Unit(_MarkingOutbox(broken=True)))  # type: ignore[arg-type]

    working = _MarkingOutbox()
    receipts.write_into(_Unit(working))  # type: ignore[arg-type]
    assert working.marked == ["m1", "m2"]
    receipts.close()


@pytest.mark.parametrize(
    ("delay", "reason"),
    [
        (timedelta(seconds=-1), "must not be negative"),
        (timedelta(minutes=5), "must be shorter than the lease"),
        (0.2, "must be a duration"),
    ],
)
def test_a_bad_receipt_delay_is_refused(delay: object, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OutboxPolicy(lease=timedelta(minutes=5), receipt_delay=delay)  # type: ignore[arg-type]
    assert caught.value.field == "receipt_delay"
    assert reason in caught.value.reason


def test_the_default_delay_stays_inside_a_short_lease() -> None:
    assert OutboxPolicy().receipt_delay == timedelta(milliseconds=200)
    assert OutboxPolicy(lease=timedelta(milliseconds=100)).receipt_delay == timedelta(
        milliseconds=50
    )
