"""Reminders through the desk: queued in the outbox once, never twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from ordercore import Actor, CustomerDraft, CustomerUpdate, ManualClock, OrderDesk
from ordercore.storage.ports import OutboxStatus
from ordercore.testing import RecordingNotifier

CLERK = Actor("u-clerk", roles={"clerk"})


def _birthday_messages(desk: OrderDesk) -> list[str]:
    with desk.storage.unit_of_work() as uow:
        return [
            str(m.payload["data"]["reminder_id"])  # type: ignore[call-overload,index]
            for m in uow.outbox.list()
            if m.topic == "birthday_greeting" and m.destination == "notifier:recording"
        ]


def test_a_due_birthday_greeting_goes_to_the_outbox_once(
    desk: OrderDesk,
    customer_draft: Callable[..., CustomerDraft],
    clock: ManualClock,
    recorder: RecordingNotifier,
) -> None:
    # The clock starts on 6 January 2025 at 09:00; the greeting is due on 7 January at 09:00.
    ada = desk.customers.register(customer_draft(birthday=date(1990, 1, 7)), actor=CLERK)
    desk.customers.register(
        customer_draft("Bob", email="bob@example.com", phone=None, birthday=date(1990, 1, 7),
                       consents={"marketing": False}),
        actor=CLERK,
    )  # fmt: skip

    assert desk.customers.send_due_reminders(actor=CLERK) == []
    clock.advance(timedelta(days=1))
    sent = desk.customers.send_due_reminders(actor=CLERK)
    assert [(r.customer_id, r.id) for r in sent] == [
        (ada.id, f"birthday_greeting:{ada.id}:2025-01-07")
    ]
    assert desk.customers.send_due_reminders(actor=CLERK) == []
    clock.advance(timedelta(hours=1))
    assert desk.customers.send_due_reminders(actor=CLERK) == []

    assert _birthday_messages(desk) == [sent[0].id]
    greeting = [n for n in recorder.received if n.template == "birthday_greeting"]
    assert len(greeting) == 1
    # Read through the desk, which records the deliveries it still holds first.
    assert desk.outbox.pending() == []
    assert desk.outbox.dead() == []
    with desk.storage.unit_of_work() as uow:
        assert all(m.status is OutboxStatus.DELIVERED for m in uow.outbox.list())


def test_a_run_that_overlaps_an_earlier_one_does_not_send_again(
    desk: OrderDesk, customer_draft: Callable[..., CustomerDraft], clock: ManualClock
) -> None:
    ada = desk.customers.register(customer_draft(birthday=date(1990, 1, 7)), actor=CLERK)
    clock.advance(timedelta(days=1))
    desk.customers.send_due_reminders(actor=CLERK)
    # Withdrawing and granting consent again does not make the same greeting due twice.
    desk.customers.update(ada.id, CustomerUpdate(consents={"marketing": False}), actor=CLERK)
    desk.customers.update(ada.id, CustomerUpdate(consents={"marketing": True}), actor=CLERK)
    with desk.storage.unit_of_work() as uow:
        from ordercore.desk._customer_store import CUSTOMER_RUNS, JobRun

        runs = uow.aggregates(CUSTOMER_RUNS)
        run = runs.get("reminders")
        runs.save(JobRun("reminders", run.ran_at - timedelta(days=2), run.version + 1),
                  expected_version=run.version)  # fmt: skip

    assert desk.customers.send_due_reminders(actor=CLERK) == []
    assert len(_birthday_messages(desk)) == 1
