"""Audit sweeps: run checks over a scope, and the durable record that a plan ran.

:func:`run_checks` is pure apart from the timer it is handed: it runs each check, turns a check
that raises into a finding about the check (the sweep goes on), and sorts the findings most
severe first. The desk (``desk.audit.sweep``) takes the snapshot, calls it, and records the
run as an :class:`AuditPlanRun` aggregate with an :class:`AuditPlanRan` journal entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import attrs

from ordercore.audit.checks import AuditCheck, AuditFinding, AuditScope, Severity
from ordercore.audit.journal import JournalHead
from ordercore.audit.report import AuditReport, CheckRun
from ordercore.kinds import AggregateKind

__all__ = [
    "AUDIT_PLAN_RUNS",
    "AuditPlanRan",
    "AuditPlanRun",
    "check_failed",
    "run_checks",
]

Timer = Callable[[], float]


def check_failed(check: AuditCheck, error: BaseException) -> AuditFinding:
    """The finding that stands for a check that raised instead of reporting."""
    code = str(getattr(check, "code", "") or type(check).__name__)
    return AuditFinding(
        check=code,
        severity=Severity.ERROR,
        subject_kind="audit_check",
        subject_id=code,
        problem=f"the check failed and audited nothing: {type(error).__name__}: {error}",
        action="fix the check or leave it out of the plan; its records went unaudited",
        details={"error": type(error).__name__},
    )


def _sort_key(finding: AuditFinding) -> tuple[int, str, str, str]:
    return (-finding.severity.rank, finding.check, finding.subject_kind, finding.subject_id)


def run_checks(
    checks: Iterable[AuditCheck],
    scope: AuditScope,
    now: datetime,
    *,
    timer: Timer,
    plan: str | None = None,
    orders_in_scope: int = 0,
    journal_entries: int = 0,
    started: float | None = None,
) -> AuditReport:
    """Run ``checks`` over ``scope`` as of ``now`` and gather an :class:`AuditReport`.

    Args:
        checks: The checks, run in this order.
        scope: The records.
        now: The sweep's time (checks compare ages against it).
        timer: A monotonic clock in seconds (``time.perf_counter``), for the timings.
        plan: The plan's code, if the sweep runs for one.
        orders_in_scope: For the report.
        journal_entries: For the report.
        started: When the sweep started by ``timer`` (the snapshot counts); now if ``None``.

    Returns:
        The report; a check that raised appears as an ``ERROR`` finding and ``failed`` run.
    """
    begin = timer() if started is None else started
    runs: list[CheckRun] = []
    findings: list[AuditFinding] = []
    for check in checks:
        check_start = timer()
        failed = False
        try:
            found = list(check.run(scope, now))
            bad = [item for item in found if not isinstance(item, AuditFinding)]
            if bad:
                raise TypeError(f"yielded {type(bad[0]).__name__}, expected AuditFinding")
        except Exception as exc:  # a broken check must not hide what the others find
            found, failed = [check_failed(check, exc)], True
        findings.extend(found)
        seconds = timer() - check_start
        runs.append(CheckRun(str(check.code), str(check.description), seconds, len(found), failed))
    findings.sort(key=_sort_key)
    return AuditReport(
        ran_at=now,
        plan=plan,
        checks=tuple(runs),
        findings=tuple(findings),
        orders_in_scope=orders_in_scope,
        journal_entries=journal_entries,
        deep=scope.deep or scope.checkpoint is None,
        seconds=timer() - begin,
    )


@attrs.frozen(slots=True)
class AuditPlanRun:
    """The durable record of a plan's last run (aggregate kind ``audit_plan_run``).

    Attributes:
        id: The plan's code.
        version: One more per run.
        ran_at: When it last ran.
        covered_until: Every occurrence of the schedule up to here is done.
        findings: How many findings the last run had.
        worst: The most severe of them, if any.
        checkpoint: The journal head the last run verified clean (the chain and replay
            checks ran and found nothing); the next run verifies from here unless deep.
    """

    id: str
    version: int
    ran_at: datetime
    covered_until: datetime
    findings: int
    worst: Severity | None = None
    checkpoint: JournalHead | None = None


AUDIT_PLAN_RUNS: AggregateKind[AuditPlanRun] = AggregateKind("audit_plan_run", AuditPlanRun)
"""Where plan runs are stored, by plan code."""


@attrs.frozen(slots=True)
class AuditPlanRan:
    """Journal event: a plan ran (stream type ``audit_plan``, stream id the plan's code)."""

    ran_at: datetime
    covered_until: datetime
    findings: int
    by_severity: dict[str, int]
    checks: tuple[str, ...]
    deep: bool
    checkpoint: JournalHead | None = None
