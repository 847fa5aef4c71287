"""Plugin checks take part in sweeps; a failing check is a finding; reports export masked."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

import attrs
import pytest

from ordercore import Actor, OrderDesk, PluginError, hookimpl
from ordercore.audit.checks import AuditCheck, AuditFinding, AuditScope, Severity
from ordercore.testing.seeding import seed_orders

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
AUDITOR = Actor("u-auditor", roles={"auditor"})


@attrs.frozen
class BigOrdersCheck:
    """Flags orders above a grand total, with personal data in its message on purpose."""

    code: str = "big-orders"
    description: str = "orders above 30 EUR"

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        for order in scope.orders():
            if order.totals.grand_total.amount > 30:
                yield AuditFinding(
                    check=self.code,
                    severity=Severity.INFO,
                    subject_kind="order",
                    subject_id=order.id,
                    problem=f"large order for {order.contact.email}",
                    action="call the customer",
                    details={"email": order.contact.email, "name": order.contact.name},
                )


@attrs.frozen
class BrokenCheck:
    code: str = "broken"
    description: str = "always raises"

    def run(self, scope: AuditScope, now: datetime) -> Iterable[AuditFinding]:
        raise RuntimeError("the ERP is down")


class AuditPlugin:
    """A host plugin offering checks through the hook."""

    plugin_name = "erp-audit"

    def __init__(self, *checks: AuditCheck) -> None:
        self.checks = checks

    @hookimpl
    def ordercore_audit_checks(self) -> list[AuditCheck]:
        return list(self.checks)


def test_a_plugin_check_takes_part_in_every_sweep(
    open_desk: Callable[..., OrderDesk], seeded_into: Callable[[OrderDesk], None]
) -> None:
    desk = open_desk(AuditPlugin(BigOrdersCheck()))
    seeded_into(desk)
    assert "big-orders" in desk.audit.checks()
    report = desk.audit.sweep(actor=AUDITOR, now=NOW)
    assert report.by_check["big-orders"] > 0
    assert {f.check for f in report.findings} == {"big-orders"}
    assert report.by_severity[Severity.INFO] == report.by_check["big-orders"]


def test_a_check_that_raises_is_a_finding_and_the_sweep_goes_on(
    open_desk: Callable[..., OrderDesk], seeded_into: Callable[[OrderDesk], None]
) -> None:
    desk = open_desk(AuditPlugin(BrokenCheck(), BigOrdersCheck()))
    seeded_into(desk)
    report = desk.audit.sweep(actor=AUDITOR, now=NOW)
    broken = [f for f in report.findings if f.check == "broken"]
    assert [(f.severity, f.subject_kind) for f in broken] == [(Severity.ERROR, "audit_check")]
    assert "the ERP is down" in broken[0].problem
    assert report.by_check["big-orders"] > 0
    runs = {run.code: run for run in report.checks}
    assert runs["broken"].failed
    assert not runs["big-orders"].failed


def test_a_check_that_yields_something_else_is_reported_as_failed(
    open_desk: Callable[..., OrderDesk],
) -> None:
    @attrs.frozen
    class Sloppy:
        code: str = "sloppy"
        description: str = "yields strings"

        def run(self, scope: AuditScope, now: datetime) -> Iterable[AuditFinding]:
            return ["not a finding"]  # type: ignore[list-item]

    desk = open_desk()
    report = desk.audit.sweep(actor=AUDITOR, checks=[Sloppy()], now=NOW)
    assert [f.subject_id for f in report.findings] == ["sloppy"]
    assert "expected AuditFinding" in report.findings[0].problem


def test_a_plugin_check_may_not_take_a_built_in_code(open_desk: Callable[..., OrderDesk]) -> None:
    with pytest.raises(PluginError, match="order-totals"):
        open_desk(AuditPlugin(attrs.evolve(BigOrdersCheck(), code="order-totals")))


def test_an_unknown_check_code_is_refused(open_desk: Callable[..., OrderDesk]) -> None:
    desk = open_desk()
    with pytest.raises(Exception, match="unknown check 'nope'") as raised:
        desk.audit.sweep(actor=AUDITOR, checks=["nope"], now=NOW)
    assert getattr(raised.value, "field", None) == "checks"


def test_exports_carry_every_finding_and_mask_personal_data(
    open_desk: Callable[..., OrderDesk], seeded_into: Callable[[OrderDesk], None]
) -> None:
    desk = open_desk()
    seeded_into(desk)
    report = desk.audit.sweep(actor=AUDITOR, checks=[BigOrdersCheck(), BrokenCheck()], now=NOW)
    total = len(report.findings)
    assert total > 1
    exports = (report.to_json(), report.to_csv(), report.to_markdown(limit=total))
    for text in exports:
        assert "@example.com" not in text
        assert "Ada Lovelace" not in text
        assert "the ERP is down" in text

    document = json.loads(exports[0])
    assert len(document["results"]) == total
    assert document["by_severity"]["info"] == total - 1
    assert document["by_check"] == {"big-orders": total - 1, "broken": 1}
    assert [check["code"] for check in document["checks"]] == ["big-orders", "broken"]
    assert document["results"][0]["severity"] == "error"  # most severe first

    rows = list(csv.DictReader(io.StringIO(exports[1])))
    assert len(rows) == total
    assert {row["check"] for row in rows} == {"big-orders", "broken"}
    assert json.loads(rows[-1]["details"])["email"].endswith(".com")

    markdown = exports[2]
    assert markdown.startswith("# Audit sweep")
    assert "| big-orders | " in markdown
    assert "| broken (failed) |" in markdown
    assert markdown.count("\n| info | big-orders |") == total - 1


def test_markdown_lists_the_first_findings_and_says_how_many_more(
    open_desk: Callable[..., OrderDesk], seeded_into: Callable[[OrderDesk], None]
) -> None:
    desk = open_desk()
    seeded_into(desk)
    report = desk.audit.sweep(actor=AUDITOR, checks=[BigOrdersCheck()], now=NOW)
    markdown = report.to_markdown(limit=3)
    assert markdown.count("| info | big-orders |") == 3
    assert f"and {len(report.findings) - 3} more" in markdown


@pytest.fixture
def seeded_into() -> Callable[[OrderDesk], None]:
    def seed(desk: OrderDesk) -> None:
        seed_orders(desk.storage, 40, now=NOW)

    return seed
