"""What a sweep found: the findings, counts, timings, and exports for people and machines.

Every export masks personal data (:func:`ordercore.privacy.mask_personal_data`): findings
should not carry any, but a plugin check's message might, and reports travel by e-mail.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Mapping
from datetime import datetime

import attrs

from ordercore.audit.checks import AuditFinding, Severity
from ordercore.privacy import mask_personal_data
from ordercore.serialization import JSONValue

__all__ = ["AuditReport", "CheckRun"]

CSV_COLUMNS = ("severity", "check", "subject_kind", "subject_id", "problem", "action", "details")


@attrs.frozen(slots=True)
class CheckRun:
    """How one check went in a sweep.

    Attributes:
        code: The check's code.
        description: What it looks for.
        seconds: How long it ran.
        findings: How many findings it produced.
        failed: Whether it raised (its error is one of the findings).
    """

    code: str
    description: str
    seconds: float
    findings: int
    failed: bool = False


def _row(finding: AuditFinding) -> dict[str, JSONValue]:
    row: dict[str, JSONValue] = {
        "severity": finding.severity.value,
        "check": finding.check,
        "subject_kind": finding.subject_kind,
        "subject_id": finding.subject_id,
        "problem": finding.problem,
        "action": finding.action,
        "details": dict(finding.details),
    }
    return mask_personal_data(row)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@attrs.frozen(slots=True)
class AuditReport:
    """The outcome of one sweep.

    Attributes:
        ran_at: The sweep's ``now``.
        plan: The plan it ran for, if any.
        checks: Each check that ran, in order, with its timing.
        findings: What was found, most severe first, then by check and subject.
        orders_in_scope: How many orders the sweep looked at.
        journal_entries: How many journal entries the snapshot held.
        deep: Whether the expensive checks verified everything from the start.
        seconds: How long the sweep took, snapshot included.
    """

    ran_at: datetime
    plan: str | None
    checks: tuple[CheckRun, ...]
    findings: tuple[AuditFinding, ...]
    orders_in_scope: int
    journal_entries: int
    deep: bool
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether nothing was found."""
        return not self.findings

    @property
    def by_severity(self) -> dict[Severity, int]:
        """Finding counts per severity, every severity present (most severe first)."""
        counts = Counter(finding.severity for finding in self.findings)
        return {severity: counts[severity] for severity in reversed(Severity)}

    @property
    def by_check(self) -> dict[str, int]:
        """Finding counts per check code, every check that ran present."""
        counts = Counter(finding.check for finding in self.findings)
        return {run.code: counts[run.code] for run in self.checks}

    def worst(self) -> Severity | None:
        """The most severe finding's severity, or ``None`` when nothing was found."""
        return self.findings[0].severity if self.findings else None

    def summary(self) -> dict[str, JSONValue]:
        """Counts and timings without the findings (for notifications and dashboards)."""
        return {
            "plan": self.plan,
            "ran_at": self.ran_at.isoformat(),
            "ok": self.ok,
            "findings": len(self.findings),
            "by_severity": {severity.value: n for severity, n in self.by_severity.items()},
            "by_check": dict(self.by_check),
            "orders_in_scope": self.orders_in_scope,
            "journal_entries": self.journal_entries,
            "deep": self.deep,
            "milliseconds": round(self.seconds * 1000),
        }

    def rows(self) -> list[dict[str, JSONValue]]:
        """One masked, JSON-ready row per finding."""
        return [_row(finding) for finding in self.findings]

    def to_json(self, *, indent: int | None = 2) -> str:
        """The summary, each check's timing and the masked findings as JSON."""
        document: Mapping[str, object] = {
            **self.summary(),
            "checks": [
                {
                    "code": run.code,
                    "description": run.description,
                    "seconds": round(run.seconds, 4),
                    "findings": run.findings,
                    "failed": run.failed,
                }
                for run in self.checks
            ],
            "results": list(self.rows()),
        }
        return json.dumps(document, indent=indent, ensure_ascii=False)

    def to_csv(self) -> str:
        """The masked findings as CSV, one row each; ``details`` is a JSON cell."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in self.rows():
            writer.writerow(
                {**row, "details": json.dumps(row["details"], sort_keys=True, ensure_ascii=False)}
            )
        return buffer.getvalue()

    def to_markdown(self, *, limit: int = 200) -> str:
        """A report for people: counts, timings and the first ``limit`` findings, masked."""
        title = f"Audit sweep {self.plan}" if self.plan else "Audit sweep"
        lines = [
            f"# {title} — {self.ran_at.isoformat()}",
            "",
            f"{len(self.findings)} finding(s) over {self.orders_in_scope} orders and "
            f"{self.journal_entries} journal entries in {self.seconds:.2f} s"
            + (" (deep)." if self.deep else "."),
            "",
            "| severity | count |",
            "| --- | ---: |",
            *(f"| {sev.value} | {count} |" for sev, count in self.by_severity.items()),
            "",
            "| check | findings | seconds |",
            "| --- | ---: | ---: |",
            *(
                f"| {run.code}{' (failed)' if run.failed else ''} | {run.findings} | "
                f"{run.seconds:.3f} |"
                for run in self.checks
            ),
        ]
        if self.findings:
            lines += [
                "",
                "| severity | check | object | problem | action |",
                "| --- | --- | --- | --- | --- |",
            ]
            for row in self.rows()[:limit]:
                obj = f"{row['subject_kind']} {row['subject_id']}"
                lines.append(
                    f"| {row['severity']} | {row['check']} | {_cell(obj)} | "
                    f"{_cell(str(row['problem']))} | {_cell(str(row['action']))} |"
                )
            if len(self.findings) > limit:
                lines += ["", f"… and {len(self.findings) - limit} more (see the JSON or CSV)."]
        return "\n".join(lines) + "\n"
