"""The audit desk: read and verify the journal, plan and run audit sweeps.

A sweep takes one snapshot of the orders and the journal, runs the checks with no unit of work
open, and (for a plan) records the run as one command: the :class:`AuditPlanRun` aggregate,
an ``AuditPlanRan`` journal entry and the findings in the outbox for the plan's owner.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ordercore.actors import Actor
from ordercore.audit.builtin_checks import builtin_checks
from ordercore.audit.checks import AuditCheck
from ordercore.audit.journal import ChainVerification, JournalEntry, JournalHead
from ordercore.audit.journal_checks import JOURNAL_CHAIN, REPLAY_CONSISTENCY
from ordercore.audit.plans import AuditPlan, DuePlan, OrderScope
from ordercore.audit.report import AuditReport
from ordercore.audit.sweeps import AUDIT_PLAN_RUNS, AuditPlanRan, AuditPlanRun, run_checks
from ordercore.clock import ensure_aware_utc
from ordercore.desk.audit_scope import StoredRecords, verify_stored
from ordercore.desk.commands import CommandContext
from ordercore.errors import NotFound, PluginError, ValidationError
from ordercore.serialization import JSONValue
from ordercore.storage.ports import AggregateKind

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk

__all__ = ["AUDIT_PLAN_STREAM", "FINDINGS_TEMPLATE", "AuditDesk"]

AUDIT_PLAN_STREAM = "audit_plan"
FINDINGS_TEMPLATE = "audit_findings"
"""The notification template of a plan's findings."""

_NOTIFIED_FINDINGS = 100  # a notification lists this many; the report has them all
_CHECKPOINTED = (JOURNAL_CHAIN, REPLAY_CONSISTENCY)


class AuditDesk:
    """Reached as ``desk.audit``.

    Checks: the built-ins, then those of ``ordercore_audit_checks`` plugins, then any the host
    passes to :meth:`use` (which replaces a check of the same code: that is how a built-in is
    configured). Plans are added with :meth:`add_plan`; when each last ran is stored.
    """

    def __init__(self, desk: OrderDesk) -> None:
        self._desk = desk
        self._storage = desk.storage
        checks: dict[str, AuditCheck] = {check.code: check for check in builtin_checks()}
        for code, check in desk.plugins.audit_checks().items():
            if code in checks:
                raise PluginError(code, f"audit check {code!r} is a built-in check's code")
            checks[code] = check
        self._checks = checks
        self._plans: dict[str, AuditPlan] = {}

    # -- the journal ------------------------------------------------------------------------

    def head(self) -> JournalHead:
        """The journal's newest sequence and digest; keep it elsewhere to detect truncation."""
        with self._storage.unit_of_work() as uow:
            return uow.journal.head()

    def verify_journal(
        self, *, against: JournalHead | None = None, after: JournalHead | None = None
    ) -> ChainVerification:
        """Recompute the journal's hash chain.

        Args:
            against: A head saved earlier; detects truncation and rewritten history.
            after: Verify only entries after this trusted head.

        Returns:
            The verification; ``raise_if_broken()`` raises
            :class:`~ordercore.errors.TamperDetected`.
        """
        return verify_stored(self._storage, after=after, against=against)

    def journal(self, *, after: int = 0, limit: int | None = None) -> list[JournalEntry]:
        """Return journal entries after sequence ``after``, oldest first."""
        with self._storage.unit_of_work() as uow:
            return list(uow.journal.read(after=after, limit=limit))

    def stream(self, stream_type: str, stream_id: str) -> list[JournalEntry]:
        """Return the entries of one aggregate, oldest first."""
        with self._storage.unit_of_work() as uow:
            return uow.journal.stream(stream_type, stream_id)

    # -- checks and plans -------------------------------------------------------------------

    def checks(self) -> dict[str, AuditCheck]:
        """Every check a sweep can run, by code."""
        return dict(self._checks)

    def use(self, check: AuditCheck) -> None:
        """Add a check, or replace the one with its code (to configure a built-in)."""
        if not isinstance(check, AuditCheck):
            raise ValidationError("check", "needs a code, a description and run(scope, now)")
        self._checks[check.code] = check

    def add_plan(self, plan: AuditPlan) -> None:
        """Schedule ``plan``; a plan with the same code is replaced (its run history stays).

        Raises:
            ValidationError: If the plan names a check the desk does not know.
        """
        if not isinstance(plan, AuditPlan):
            raise ValidationError("plan", "expected an AuditPlan")
        self._resolve(plan.checks)
        self._plans[plan.code] = plan

    def plans(self) -> list[AuditPlan]:
        """The scheduled plans, by code."""
        return [self._plans[code] for code in sorted(self._plans)]

    def last_run(self, plan: str) -> AuditPlanRun | None:
        """The stored record of a plan's last run, if it ever ran."""
        with self._storage.unit_of_work() as uow:
            return uow.aggregates(AUDIT_PLAN_RUNS).find(plan)

    def due(self, now: datetime | None = None) -> list[DuePlan]:
        """The plans due at ``now`` (default: the desk's clock), the longest waiting first.

        A plan is due when its schedule had an occurrence after its last run; one that missed
        several occurrences is due once, ``since`` the first it missed. A plan that never ran
        is due at its latest occurrence: it does not make up for the time before it existed.
        """
        moment = ensure_aware_utc(now) if now is not None else self._desk.clock.now()
        with self._storage.unit_of_work() as uow:
            runs = uow.aggregates(AUDIT_PLAN_RUNS)
            covered = {code: runs.find(code) for code in self._plans}
        due = []
        for code, plan in self._plans.items():
            record = covered[code]
            occurrences = plan.schedule.due(
                None if record is None else record.covered_until, moment
            )
            if record is None:
                occurrences = occurrences[-1:]
            if occurrences:
                due.append(DuePlan(plan, occurrences[0], occurrences[-1], len(occurrences)))
        due.sort(key=lambda item: (item.since, item.plan.code))
        return due

    def _plan(self, plan: str | AuditPlan) -> AuditPlan:
        if isinstance(plan, AuditPlan):
            return plan
        found = self._plans.get(plan)
        if found is None:
            raise NotFound("audit plan", str(plan))
        return found

    def _resolve(self, checks: Iterable[str | AuditCheck]) -> list[AuditCheck]:
        resolved = []
        for item in checks:
            if isinstance(item, str):
                check = self._checks.get(item)
                if check is None:
                    known = ", ".join(sorted(self._checks))
                    raise ValidationError("checks", f"unknown check {item!r}; known: {known}")
                resolved.append(check)
            elif isinstance(item, AuditCheck):
                resolved.append(item)
            else:
                raise ValidationError("checks", f"expected a check or its code, got {item!r}")
        return resolved

    # -- sweeps -----------------------------------------------------------------------------

    def sweep(
        self,
        plan: str | AuditPlan | None = None,
        *,
        actor: Actor,
        checks: Sequence[str | AuditCheck] | None = None,
        scope: OrderScope | None = None,
        deep: bool = False,
        now: datetime | None = None,
    ) -> AuditReport:
        """Run a plan, or the given checks, and return what they found.

        For a plan, the run is recorded (so the plan is not due again until its next
        occurrence), journaled, and its findings are queued for the plan's owner. A sweep
        without a plan writes nothing.

        Args:
            plan: A plan added with :meth:`add_plan` (or its code), or ``None``.
            actor: Who runs it; needs permission for ``audit.sweep``.
            checks: Without a plan: the checks (objects or codes); every known check if
                ``None``.
            scope: Without a plan: which orders (all by default).
            deep: Re-verify the whole journal and replay every order even if a previous clean
                run left a checkpoint.
            now: The sweep's time; the desk's clock by default.

        Raises:
            PermissionDenied: If the actor may not run sweeps; nothing is read or written.
            NotFound: For an unknown plan code.
            ValidationError: For an unknown check code, or ``checks``/``scope`` with a plan.
        """
        chosen = None if plan is None else self._plan(plan)
        self._desk.authorize(actor, "audit.sweep", "*" if chosen is None else chosen.code)
        if chosen is not None and (checks is not None or scope is not None):
            raise ValidationError("checks", "a plan names its own checks and scope")
        started = time.perf_counter()
        moment = ensure_aware_utc(now) if now is not None else self._desk.clock.now()
        if chosen is None:
            selected = self._resolve(self._checks.values() if checks is None else checks)
            records = StoredRecords(
                self._storage,
                scope or OrderScope(),
                moment,
                deep=True,
                snapshot_kinds=_snapshot_kinds(selected),
            )
            return self._run(selected, records, moment, None, started)
        selected = self._resolve(chosen.checks or self._checks.values())
        previous = self.last_run(chosen.code)
        checkpoint = None if previous is None or chosen.deep else previous.checkpoint
        records = StoredRecords(
            self._storage,
            chosen.scope,
            moment,
            checkpoint=checkpoint,
            deep=deep or chosen.deep,
            snapshot_kinds=_snapshot_kinds(selected),
        )
        report = self._run(selected, records, moment, chosen.code, started)
        self._record(chosen, report, records, actor)
        return report

    def _run(
        self,
        checks: list[AuditCheck],
        records: StoredRecords,
        now: datetime,
        plan: str | None,
        started: float,
    ) -> AuditReport:
        return run_checks(
            checks,
            records,
            now,
            timer=time.perf_counter,
            plan=plan,
            orders_in_scope=len(records.orders()),
            journal_entries=records.journal_size,
            started=started,
        )

    def run_due(self, *, actor: Actor, now: datetime | None = None) -> list[AuditReport]:
        """Run every plan that is due, each once; return their reports."""
        return [self.sweep(item.plan, actor=actor, now=now) for item in self.due(now)]

    def _record(
        self, plan: AuditPlan, report: AuditReport, records: StoredRecords, actor: Actor
    ) -> None:
        checkpoint = records.checkpoint
        ran = {run.code: run for run in report.checks}
        guarded = [code for code in _CHECKPOINTED if code in ran]
        clean = all(not ran[code].findings and not ran[code].failed for code in guarded)
        # A replay over part of the orders vouches for that part only, so it sets no checkpoint.
        whole = plan.scope.is_everything or REPLAY_CONSISTENCY not in ran
        if guarded and clean and whole:
            checkpoint = records.journal_head()
        event = AuditPlanRan(
            ran_at=report.ran_at,
            covered_until=report.ran_at,
            findings=len(report.findings),
            by_severity={severity.value: n for severity, n in report.by_severity.items()},
            checks=tuple(ran),
            deep=report.deep,
            checkpoint=checkpoint,
        )

        def handler(ctx: CommandContext) -> None:
            runs = ctx.uow.aggregates(AUDIT_PLAN_RUNS)
            previous = runs.find(plan.code)
            version = 1 if previous is None else previous.version + 1
            runs.save(
                AuditPlanRun(
                    id=plan.code,
                    version=version,
                    ran_at=report.ran_at,
                    covered_until=report.ran_at,
                    findings=len(report.findings),
                    worst=report.worst(),
                    checkpoint=checkpoint,
                ),
                expected_version=version - 1,
            )
            ctx.record(AUDIT_PLAN_STREAM, plan.code, version, event)
            if report.findings:
                ctx.notify(
                    FINDINGS_TEMPLATE,
                    channel=plan.owner_channel,
                    recipient=plan.owner,
                    data=_notification(report),
                )

        self._desk.execute(handler, action="audit.sweep", actor=actor, subject=plan.code)


def _notification(report: AuditReport) -> dict[str, JSONValue]:
    rows: list[JSONValue] = list(report.rows()[:_NOTIFIED_FINDINGS])
    return {
        **report.summary(),
        "results": rows,
        "more": max(len(report.findings) - _NOTIFIED_FINDINGS, 0),
    }


def _snapshot_kinds(checks: list[AuditCheck]) -> list[AggregateKind[Any]]:
    """The aggregate kinds the checks want read with the orders and the journal head."""
    kinds: dict[str, AggregateKind[Any]] = {}
    for check in checks:
        for kind in getattr(check, "snapshot_kinds", ()):
            kinds.setdefault(kind.name, kind)
    return list(kinds.values())
