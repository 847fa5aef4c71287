"""Acceptance: the outbox delivers exactly the committed messages, retries, and never deadlocks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest

from ordercore import (
    Actor,
    CommandContext,
    CommittedEvent,
    DeskConfig,
    ManualClock,
    Notification,
    OrderDesk,
    OutboxPolicy,
    OutboxStatus,
    SequentialIds,
    hookimpl,
)
from ordercore.testing import Counter, RecordingNotifier, increment

CLERK = Actor("u-clerk")


def _open(*plugins: object, clock: ManualClock, config: DeskConfig | None = None) -> OrderDesk:
    return OrderDesk.open(
        plugins=plugins, clock=clock, ids=SequentialIds(), config=config, entry_points=False
    )


def _notify(counter_id: str, *, fail: bool = False) -> Callable[[CommandContext], Counter]:
    def handler(ctx: CommandContext) -> Counter:
        counter = increment(counter_id)(ctx)
        ctx.notify(
            "counter_changed",
            channel="email",
            recipient="ada@example.com",
            data={"counter": counter_id, "value": counter.value},
        )
        if fail:
            raise RuntimeError("rolled back")
        return counter

    return handler


def _run(desk: OrderDesk, counter_id: str, *, fail: bool = False) -> None:
    desk.execute(_notify(counter_id, fail=fail), action="counter.increment", actor=CLERK)


def test_notifier_failing_three_times_still_delivers_exactly_the_committed_messages() -> None:
    clock = ManualClock()
    flaky = RecordingNotifier("flaky", fail_first=3)
    with _open(flaky, clock=clock) as desk:
        _run(desk, "a")
        _run(desk, "b")
        with pytest.raises(RuntimeError):
            _run(desk, "rolled-back", fail=True)
        for _ in range(10):
            clock.advance(hours=2)
            desk.outbox.dispatch()
        delivered = [m for m in desk.outbox.delivered() if m.destination == "notifier:flaky"]
        assert desk.outbox.pending() == []
    received = [(n.data["counter"], n.message_id) for n in flaky.received]
    assert sorted(str(counter) for counter, _ in received) == ["a", "b"]
    # Every attempt for one message carries the same id; there were exactly two ids.
    assert {n.message_id for n in flaky.attempts} == {message_id for _, message_id in received}
    assert len({message_id for _, message_id in received}) == 2
    assert sorted(m.id for m in delivered) == sorted(message_id for _, message_id in received)
    # a failed attempts 1 and 3 of the notifier, b failed attempt 2; b then went through on its
    # second try and a on its third.
    assert {n.data["counter"]: n.attempt for n in flaky.received} == {"a": 3, "b": 2}


def test_a_failed_delivery_waits_with_backoff_and_records_attempts_and_error() -> None:
    clock = ManualClock()
    policy = OutboxPolicy(first_retry=timedelta(seconds=30), max_attempts=3)
    flaky = RecordingNotifier("flaky", fail_first=100)
    with _open(flaky, clock=clock, config=DeskConfig(outbox=policy)) as desk:
        _run(desk, "a")
        (message,) = desk.outbox.pending()
        assert message.attempts == 1
        assert message.last_error is not None
        assert "planned failure 1" in message.last_error
        assert message.next_attempt_at == clock.now() + timedelta(seconds=30)
        assert desk.outbox.dispatch().delivered == 0  # not due yet
        assert len(flaky.attempts) == 1
        clock.advance(seconds=30)
        assert desk.outbox.dispatch().retried == 1
        (message,) = desk.outbox.pending()
        assert message.next_attempt_at == clock.now() + timedelta(seconds=60)
        clock.advance(seconds=60)
        assert desk.outbox.dispatch().dead == 1
        (dead,) = desk.outbox.dead()
        assert (dead.attempts, dead.status) == (3, OutboxStatus.DEAD)
        clock.advance(days=1)
        assert desk.outbox.dispatch().delivered == 0
    assert len(flaky.attempts) == 3


def test_nothing_from_a_rolled_back_unit_of_work_is_delivered() -> None:
    recorder = RecordingNotifier()
    with _open(recorder, clock=ManualClock()) as desk:
        with pytest.raises(RuntimeError):
            _run(desk, "x", fail=True)
        desk.outbox.dispatch()
        assert desk.outbox.delivered() == []
    assert recorder.attempts == []


def test_a_notifier_that_calls_back_into_the_desk_does_not_deadlock() -> None:
    clock = ManualClock()
    desks: list[OrderDesk] = []

    def echo(notification: Notification) -> None:
        if notification.data["counter"] == "first":
            _run(desks[0], "echo")

    recorder = RecordingNotifier(on_send=echo)
    with _open(recorder, clock=clock) as desk:
        desks.append(desk)
        finished = threading.Event()

        def go() -> None:
            _run(desk, "first")
            finished.set()

        worker = threading.Thread(target=go, daemon=True)
        worker.start()
        assert finished.wait(timeout=10), "deadlock: the command did not return"
        assert [n.data["counter"] for n in recorder.received] == ["first", "echo"]
        assert desk.outbox.pending() == []


def test_notifications_go_only_to_notifiers_serving_the_channel_and_the_log_is_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sms = RecordingNotifier("sms", channels=("sms",))
    mail = RecordingNotifier("mail", channels=("email",))
    with (
        caplog.at_level(logging.INFO, logger="ordercore.notifications"),
        _open(sms, mail, clock=ManualClock()) as desk,
    ):
        _run(desk, "a")
    assert len(mail.received) == 1
    assert sms.received == []
    logged = caplog.text
    assert "counter_changed via email" in logged
    assert "ada@example.com" not in logged
    assert "a***@e***.com" in logged


class Ledger:
    plugin_name = "ledger"

    def __init__(self, fail_first: int = 0) -> None:
        self.events: list[CommittedEvent] = []
        self.calls = 0
        self.fail_first = fail_first

    @hookimpl
    def ordercore_event_committed(self, event: CommittedEvent) -> None:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise ConnectionError("ERP down")
        self.events.append(event)


class Crm:
    plugin_name = "crm"

    def __init__(self) -> None:
        self.events: list[CommittedEvent] = []

    @hookimpl
    def ordercore_event_committed(self, event: CommittedEvent) -> None:
        self.events.append(event)


def test_committed_events_reach_each_listener_once_and_a_failing_one_is_retried_alone() -> None:
    clock = ManualClock()
    ledger, crm = Ledger(fail_first=2), Crm()
    with _open(ledger, crm, clock=clock) as desk:
        desk.execute(increment("c"), action="counter.increment", actor=CLERK)
        desk.execute(increment("c"), action="counter.increment", actor=CLERK)
        assert [e.version for e in crm.events] == [1, 2]
        for _ in range(5):
            clock.advance(hours=1)
            desk.outbox.dispatch()
        journal_ids = [entry.event_id for entry in desk.audit.journal()]
    assert [e.event_id for e in crm.events] == journal_ids
    assert sorted(e.event_id for e in ledger.events) == sorted(journal_ids)
    assert crm.events[0].payload == {"by": 1, "value": 1}
    assert crm.events[0].actor == "u-clerk"


def test_dispatch_from_many_threads_delivers_each_message_once() -> None:
    recorder = RecordingNotifier()
    config = DeskConfig(dispatch_after_commit=False)
    with _open(recorder, clock=ManualClock(), config=config) as desk:
        for index in range(200):
            _run(desk, f"c{index}")
        threads = [threading.Thread(target=desk.outbox.dispatch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        delivered = desk.outbox.delivered()
        assert len([m for m in delivered if m.destination == "notifier:recording"]) == 200
    ids = [n.message_id for n in recorder.received]
    assert len(ids) == len(set(ids)) == 200
