"""Messages a command delivers itself after commit are claimed, so a worker cannot double them."""

from __future__ import annotations

import threading

from ordercore import (
    Actor,
    CommandContext,
    DeskConfig,
    DispatchReport,
    ManualClock,
    Notification,
    OrderDesk,
    OutboxStatus,
    SequentialIds,
)
from ordercore.testing import Counter, RecordingNotifier, increment

CLERK = Actor("u-clerk")


def _two_notifications(ctx: CommandContext) -> Counter:
    counter = increment("c")(ctx)
    for template in ("first", "second"):
        ctx.notify(template, channel="email", recipient="ada@example.com", data={})
    return counter


def test_a_worker_dispatching_during_the_after_commit_delivery_takes_nothing_of_it() -> None:
    worker_reports: list[DispatchReport] = []
    desk_box: list[OrderDesk] = []

    def run_worker(notification: Notification) -> None:
        if notification.template == "first":
            # "second" is committed but not yet delivered: a worker must leave it alone.
            worker = threading.Thread(
                target=lambda: worker_reports.append(desk_box[0].outbox.dispatch())
            )
            worker.start()
            worker.join(timeout=10)

    recorder = RecordingNotifier("mail", on_send=run_worker)
    desk = OrderDesk.open(
        plugins=[recorder], clock=ManualClock(), ids=SequentialIds(), entry_points=False
    )
    desk_box.append(desk)

    desk.execute(_two_notifications, action="counter.increment", actor=CLERK)

    assert [n.template for n in recorder.received] == ["first", "second"]
    assert [report.delivered for report in worker_reports] == [0]
    assert {m.status for m in desk.outbox.delivered()} == {OutboxStatus.DELIVERED}
    assert desk.outbox.pending() == []


def test_without_after_commit_delivery_messages_wait_unclaimed_for_a_worker() -> None:
    recorder = RecordingNotifier("mail")
    desk = OrderDesk.open(
        plugins=[recorder],
        clock=ManualClock(),
        ids=SequentialIds(),
        config=DeskConfig(dispatch_after_commit=False),
        entry_points=False,
    )

    desk.execute(_two_notifications, action="counter.increment", actor=CLERK)

    pending = desk.outbox.pending()
    assert len(pending) == 4  # two templates, each to "mail" and to the built-in "log"
    assert {m.claimed_until for m in pending} == {None}
    assert desk.outbox.dispatch().delivered == 4
    assert [n.template for n in recorder.received] == ["first", "second"]
