"""The demo's later parts: sales and segments, and an audit sweep now and ten days on."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from ordercore.actors import Actor
from ordercore.analytics import rfm, sales
from ordercore.cli._output import Printer
from ordercore.desk.desk import OrderDesk

# Far enough ahead for held, approved and unpaid orders to pass their service levels.
_LATER = timedelta(days=10)


def run_audit_part(printer: Printer, desk: OrderDesk) -> None:
    """Sweep the shop as it is, then as it will look ten days on if nobody acts."""
    auditor = Actor("u-auditor", roles={"auditor"})
    printer.heading("Audit sweep: stale, inconsistent and incomplete records")
    now = desk.clock.now()
    report = desk.audit.sweep(actor=auditor, now=now)
    printer.line(
        f"  now: {len(report.checks)} checks over {report.orders_in_scope} orders and "
        f"{report.journal_entries} journal entries: {len(report.findings)} findings"
    )
    later = desk.audit.sweep(actor=auditor, now=now + _LATER)
    by_check = Counter(finding.check for finding in later.findings)
    printer.line(f"  ten days on, if nobody acts: {len(later.findings)} findings")
    printer.table(
        "Findings ten days on",
        ["check", "severity", "subject", "problem"],
        [
            (f.check, f.severity.value, f"{f.subject_kind} {f.subject_id}", f.problem)
            for f in later.findings[:6]
        ],
    )
    printer.line(f"  per check: {', '.join(f'{k} {v}' for k, v in sorted(by_check.items()))}")


def run_analytics_part(printer: Printer, desk: OrderDesk) -> None:
    """Sales by channel and RFM segments, from the desk's own orders."""
    facts = desk.analytics.facts()
    printer.heading("Analytics: sales by channel, customer segments")
    report = sales(facts, period=None, by="channel")
    shown = ("channel", "currency", "revenue", "orders", "units", "average_order_value")
    printer.table(
        "Sales by channel",
        ["channel", "currency", "revenue", "orders", "units", "average"],
        [tuple(record[name] for name in shown) for record in report.records()],
    )
    scores = rfm(facts)
    segments = Counter(scores.segment(index) for index in range(len(scores.customers)))
    printer.line(
        f"  RFM segments of the registered customers ({len(scores.customers)}; "
        f"{scores.guest_orders} guest orders left out): "
        + ", ".join(f"{name} {count}" for name, count in sorted(segments.items()))
    )
