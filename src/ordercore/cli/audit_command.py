"""``ordercore audit``: run an audit sweep over a store and print the report.

A sweep from here runs no plan, so it verifies everything from the start. The exit status says
whether anything at or above ``--fail-on`` was found, so a scheduler or a CI job can act on it.
``--seed`` fills an empty store with demo orders first, which is how to try the command on
``memory://``.
"""

from __future__ import annotations

from datetime import datetime

from ordercore.actors import Actor
from ordercore.audit.checks import Severity
from ordercore.cli._output import Printer
from ordercore.desk.desk import OrderDesk
from ordercore.errors import ValidationError

__all__ = ["FORMATS", "run_audit"]

FORMATS = ("markdown", "json", "csv")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError("at", f"not an ISO 8601 time: {text!r}") from exc
    if moment.tzinfo is None:
        raise ValidationError("at", "give the offset too (2025-03-03T06:00:00+01:00)")
    return moment


def run_audit(
    printer: Printer,
    *,
    url: str,
    checks: list[str] | None,
    output: str,
    seed: int,
    fail_on: str,
    at: str | None = None,
) -> int:
    """Sweep the store at ``url``; return 1 if a finding reaches ``fail_on``, else 0.

    Raises:
        ValidationError: For a time that is not ISO 8601 with an offset, or an unknown check.
    """
    threshold = Severity(fail_on)
    moment = None if at is None else _moment(at)
    with OrderDesk.open(url) as desk:
        if seed:
            from ordercore.testing.seeding import seed_orders  # only for trying the command

            seed_orders(desk.storage, seed, now=desk.clock.now())
        report = desk.audit.sweep(actor=Actor.system("ordercore-cli"), checks=checks, now=moment)
    if output == "json":
        printer.line(report.to_json())
    elif output == "csv":
        printer.line(report.to_csv().rstrip("\n"))
    else:
        printer.line(report.to_markdown().rstrip("\n"))
    worst = report.worst()
    return 1 if worst is not None and worst.rank >= threshold.rank else 0
