"""Audit values refuse bad input with the field and reason, and order findings by urgency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ordercore import (
    AuditFinding,
    AuditPlan,
    AuditSchedule,
    HeldOrdersCheck,
    OrderScope,
    OrderStatus,
    Severity,
    StuckOrdersCheck,
)
from ordercore.audit.report import AuditReport, CheckRun
from ordercore.errors import ValidationError

SCHEDULE = AuditSchedule("FREQ=DAILY;BYHOUR=6")


def _finding(**changes: Any) -> AuditFinding:
    values: dict[str, Any] = {
        "check": "order-totals",
        "severity": Severity.ERROR,
        "subject_kind": "order",
        "subject_id": "ord_1",
        "problem": "totals disagree",
        "action": "fix them",
    }
    values.update(changes)
    return AuditFinding(**values)


def test_severities_rank_from_info_to_critical() -> None:
    assert [s.rank for s in Severity] == [0, 1, 2, 3]
    assert Severity.CRITICAL.rank > Severity.ERROR.rank > Severity.WARNING.rank


@pytest.mark.parametrize("field", ["check", "subject_kind", "subject_id", "problem", "action"])
def test_a_finding_needs_every_text(field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _finding(**{field: " "})
    assert raised.value.field == field


def test_a_finding_needs_a_severity() -> None:
    with pytest.raises(ValidationError) as raised:
        _finding(severity="error")
    assert raised.value.field == "severity"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "no spaces please"}, "plan.code"),
        ({"owner": ""}, "plan.owner"),
        ({"checks": "order-totals"}, "plan.checks"),
        ({"schedule": "FREQ=DAILY"}, "plan.schedule"),
    ],
)
def test_a_bad_plan_names_the_field(changes: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"code": "nightly", "schedule": SCHEDULE, "owner": "ops@example.com"}
    values.update(changes)
    with pytest.raises(ValidationError) as raised:
        AuditPlan(**values)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"statuses": {"confirmed"}}, "scope.statuses"),
        ({"channels": "web"}, "scope.channels"),
        ({"queues": [""]}, "scope.queues"),
    ],
)
def test_a_bad_scope_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        OrderScope(**changes)
    assert raised.value.field == field


def test_an_empty_scope_is_everything_and_any_filter_is_not() -> None:
    assert OrderScope().is_everything
    assert not OrderScope(statuses={OrderStatus.CONFIRMED}).is_everything
    assert not OrderScope(placed_within=timedelta(days=1)).is_everything


def test_check_settings_are_checked() -> None:
    with pytest.raises(ValidationError) as raised:
        StuckOrdersCheck(service_levels={OrderStatus.CONFIRMED: timedelta(0)})
    assert raised.value.field == "service_levels[confirmed]"
    with pytest.raises(ValidationError):
        StuckOrdersCheck(escalate_after=True)
    with pytest.raises(ValidationError):
        HeldOrdersCheck(review_within=timedelta(hours=-1))


def test_report_counts_cover_every_severity_and_every_check_that_ran() -> None:
    report = AuditReport(
        ran_at=datetime(2025, 1, 1, tzinfo=UTC),
        plan=None,
        checks=(CheckRun("order-totals", "", 0.1, 2), CheckRun("orders-stuck", "", 0.1, 0)),
        findings=(_finding(), _finding(subject_id="ord_2", severity=Severity.WARNING)),
        orders_in_scope=2,
        journal_entries=4,
        deep=True,
        seconds=0.2,
    )
    assert report.by_severity == {
        Severity.CRITICAL: 0,
        Severity.ERROR: 1,
        Severity.WARNING: 1,
        Severity.INFO: 0,
    }
    assert report.by_check == {"order-totals": 2, "orders-stuck": 0}
    assert report.worst() is Severity.ERROR
    assert not report.ok
