"""Audit plans: due, recorded durably and journaled, findings to the owner, checkpoints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from ordercore import Actor, DeskConfig, Money, NotFound, Order, OrderDesk, PermissionDenied
from ordercore.audit.checks import Severity
from ordercore.audit.plans import AuditPlan, AuditSchedule, OrderScope
from ordercore.errors import ValidationError
from ordercore.orders.model import OrderStatus
from ordercore.testing import RecordingNotifier
from ordercore.testing.seeding import seed_orders

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # a Monday
AUDITOR = Actor("u-auditor", roles={"auditor"})
WEEKDAYS_6 = AuditSchedule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=6", "Europe/Berlin")
Overwrite = Callable[..., Order]
State = Callable[[OrderDesk], Any]


def _plan(**changes: Any) -> AuditPlan:
    values: dict[str, Any] = {
        "code": "nightly",
        "schedule": attrs.evolve(WEEKDAYS_6, start=datetime(2025, 3, 3)),
        "owner": "ops@example.com",
    }
    values.update(changes)
    return AuditPlan(**values)


def test_a_new_plan_is_due_since_its_first_occurrence(seeded: OrderDesk) -> None:
    seeded.audit.add_plan(_plan())
    assert seeded.audit.due(datetime(2025, 3, 3, 4, 59, tzinfo=UTC)) == []
    due = seeded.audit.due(NOW)
    assert [(d.plan.code, d.since, d.latest, d.missed) for d in due] == [
        ("nightly", datetime(2025, 3, 3, 5, tzinfo=UTC), datetime(2025, 3, 3, 5, tzinfo=UTC), 1)
    ]


def test_a_new_plan_does_not_make_up_for_the_time_before_it_existed(seeded: OrderDesk) -> None:
    seeded.audit.add_plan(_plan(schedule=WEEKDAYS_6))  # starts in 2024
    due = seeded.audit.due(NOW)
    assert [(d.since, d.latest, d.missed) for d in due] == [
        (datetime(2025, 3, 3, 5, tzinfo=UTC), datetime(2025, 3, 3, 5, tzinfo=UTC), 1)
    ]
    saturday = datetime(2025, 3, 8, 12, tzinfo=UTC)
    assert [d.since for d in seeded.audit.due(saturday)] == [datetime(2025, 3, 7, 5, tzinfo=UTC)]


def test_a_plan_that_ran_is_not_due_until_its_next_occurrence(seeded: OrderDesk) -> None:
    seeded.audit.add_plan(_plan())
    report = seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    assert report.ok
    assert report.plan == "nightly"
    assert seeded.audit.due(NOW) == []
    assert seeded.audit.due(datetime(2025, 3, 4, 4, 59, tzinfo=UTC)) == []
    tuesday = datetime(2025, 3, 4, 5, tzinfo=UTC)
    assert [d.since for d in seeded.audit.due(tuesday)] == [tuesday]


def test_a_plan_that_missed_several_runs_is_due_once(seeded: OrderDesk) -> None:
    seeded.audit.add_plan(_plan())
    seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    next_week = datetime(2025, 3, 11, 12, tzinfo=UTC)
    due = seeded.audit.due(next_week)
    assert len(due) == 1
    assert due[0].since == datetime(2025, 3, 4, 5, tzinfo=UTC)
    assert due[0].latest == datetime(2025, 3, 11, 5, tzinfo=UTC)
    assert due[0].missed == 6  # Tue..Fri, Mon, Tue: the weekend is not on the schedule
    reports = seeded.audit.run_due(actor=AUDITOR, now=next_week)
    assert [r.plan for r in reports] == ["nightly"]
    assert seeded.audit.due(next_week) == []


def test_a_run_is_recorded_durably_and_journaled(seeded: OrderDesk) -> None:
    seeded.audit.add_plan(_plan())
    seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    later = seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW + timedelta(days=1))
    assert later.findings  # a day on, some seeded orders are late
    record = seeded.audit.last_run("nightly")
    assert record is not None
    assert (record.version, record.covered_until, record.findings) == (
        2,
        NOW + timedelta(days=1),
        len(later.findings),
    )
    entries = seeded.audit.stream("audit_plan", "nightly")
    assert [(e.event_type, e.version, e.actor) for e in entries] == [
        ("AuditPlanRan", 1, "u-auditor"),
        ("AuditPlanRan", 2, "u-auditor"),
    ]
    assert entries[0].payload["ran_at"] == NOW.isoformat()
    assert seeded.audit.verify_journal().ok
    # Another desk on the same storage sees the run: it lives in storage, not in the desk.
    other = OrderDesk(
        storage=seeded.storage,
        plugins=seeded.plugins,
        clock=seeded.clock,
        ids=seeded.ids,
        config=seeded.config,
    )
    other.audit.add_plan(_plan())
    assert other.audit.due(NOW + timedelta(days=1)) == []


def test_findings_go_to_the_outbox_for_the_plan_owner(
    seeded: OrderDesk, notifier: RecordingNotifier, overwrite: Overwrite
) -> None:
    order = seeded.orders.list()[0]
    wrong = attrs.evolve(order.totals, tax=order.totals.tax + Money.of("1", "EUR"))
    overwrite(seeded, order, totals=wrong)
    seeded.audit.add_plan(_plan(checks=["order-totals"], owner_channel="email"))
    report = seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    assert report.worst() is Severity.ERROR
    sent = [n for n in notifier.received if n.template == "audit_findings"]
    assert len(sent) == 1
    assert sent[0].recipient == "ops@example.com"
    assert sent[0].data["findings"] == 1
    results = sent[0].data["results"]
    assert isinstance(results, list)
    assert [row["subject_id"] for row in results if isinstance(row, dict)] == [order.id]
    record = seeded.audit.last_run("nightly")
    assert record is not None
    assert record.worst is Severity.ERROR


def test_a_clean_run_tells_nobody(seeded: OrderDesk, notifier: RecordingNotifier) -> None:
    seeded.audit.add_plan(_plan())
    seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    assert [n for n in notifier.received if n.template == "audit_findings"] == []


def test_sweeping_needs_permission_and_a_refusal_writes_nothing(
    open_desk: Callable[..., OrderDesk],
) -> None:
    desk = open_desk(config=DeskConfig(required_roles={"audit.*": {"auditor"}}))
    seed_orders(desk.storage, 20, now=NOW)
    desk.audit.add_plan(_plan())
    head = desk.audit.head()
    with pytest.raises(PermissionDenied):
        desk.audit.sweep("nightly", actor=Actor("u-clerk", roles={"clerk"}), now=NOW)
    assert desk.audit.head() == head
    assert desk.audit.last_run("nightly") is None
    assert desk.audit.sweep("nightly", actor=AUDITOR, now=NOW).ok


def test_plans_name_known_checks_and_unknown_plans_are_not_found(seeded: OrderDesk) -> None:
    with pytest.raises(ValidationError, match="unknown check 'typo'"):
        seeded.audit.add_plan(_plan(checks=["typo"]))
    with pytest.raises(NotFound):
        seeded.audit.sweep("nope", actor=AUDITOR)
    seeded.audit.add_plan(_plan())
    with pytest.raises(ValidationError):
        seeded.audit.sweep("nightly", actor=AUDITOR, checks=["order-totals"])


def test_a_plan_scope_limits_the_orders(seeded: OrderDesk) -> None:
    scope = OrderScope(statuses={OrderStatus.ON_HOLD}, channels={"web"})
    seeded.audit.add_plan(_plan(scope=scope))
    report = seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    expected = [
        o for o in seeded.orders.list() if o.status is OrderStatus.ON_HOLD and o.channel == "web"
    ]
    assert 0 < report.orders_in_scope == len(expected)


# -- checkpoints ------------------------------------------------------------------------------


def test_a_clean_run_leaves_a_checkpoint_that_the_next_run_starts_from(
    seeded: OrderDesk, memory_state: State, overwrite: Overwrite
) -> None:
    seeded.audit.add_plan(_plan())
    first = seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    assert first.deep
    record = seeded.audit.last_run("nightly")
    assert record is not None
    assert record.checkpoint is not None
    assert record.checkpoint.sequence == first.journal_entries

    # An order written without its events is still caught by the next, incremental run.
    order = seeded.orders.list()[5]
    overwrite(seeded, order, assignee="mallory")
    second = seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    assert not second.deep
    assert [f.subject_id for f in second.findings] == [order.id]
    after_findings = seeded.audit.last_run("nightly")
    assert after_findings is not None
    assert after_findings.checkpoint == record.checkpoint  # not moved past a finding


def test_an_incremental_run_catches_a_changed_checkpoint_entry_and_deep_catches_the_rest(
    seeded: OrderDesk, memory_state: State
) -> None:
    seeded.audit.add_plan(_plan(checks=["journal-chain"]))
    seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    record = seeded.audit.last_run("nightly")
    assert record is not None
    assert record.checkpoint is not None
    journal = memory_state(seeded).journal
    old = journal[20]
    journal[20] = attrs.evolve(old, actor="mallory")
    # Before the checkpoint: the incremental run does not re-read it; a deep run does.
    assert seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW).ok
    deep = seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW, deep=True)
    assert [f.subject_id for f in deep.findings] == [str(old.sequence)]
    journal[20] = old
    # The checkpoint entry itself replaced: caught without a deep run.
    record = seeded.audit.last_run("nightly")
    assert record is not None
    assert record.checkpoint is not None
    at = record.checkpoint.sequence - 1
    journal[at] = attrs.evolve(journal[at], actor="mallory")
    found = seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW).findings
    assert [f.subject_id for f in found] == [str(record.checkpoint.sequence)]
    assert "hash" in found[0].problem


def test_a_deep_plan_never_uses_a_checkpoint(seeded: OrderDesk) -> None:
    seeded.audit.add_plan(_plan(deep=True))
    seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    assert seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW).deep


def test_an_incremental_run_catches_a_journal_cut_short_behind_the_checkpoint(
    seeded: OrderDesk, memory_state: State
) -> None:
    seeded.audit.add_plan(_plan(checks=["journal-chain"]))
    seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW)
    journal = memory_state(seeded).journal
    del journal[-5:]
    found = seeded.audit.sweep("nightly", actor=AUDITOR, now=NOW).findings
    assert [f.severity for f in found] == [Severity.CRITICAL]
    assert "cut off" in found[0].problem
