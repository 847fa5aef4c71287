"""The ``ordercore`` command line: version, help, the demo, and running it as a program."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import attrs
import pytest

import ordercore
from ordercore import OrderDesk
from ordercore.cli.__main__ import main

RAW_EMAIL = "ada.lovelace@example.com"


def test_version_prints_the_package_version_and_exits_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])

    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"ordercore {ordercore.__version__}"


def test_no_command_prints_help_and_returns_zero(capsys: pytest.CaptureFixture[str]) -> None:
    status = main([])

    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("usage: ordercore")
    assert "demo" in out
    assert "plugins" in out


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])

    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@attrs.frozen
class DemoRun:
    status: int
    out: str
    err: str

    def part(self, heading: str, next_heading: str) -> str:
        return self.out[self.out.index(f"== {heading}") : self.out.index(f"== {next_heading}")]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """One plain demo run, shared by the tests that read its output."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["--plain", "demo", "--db", str(tmp_path_factory.mktemp("demo") / "d.db")])
    return DemoRun(status, out.getvalue(), err.getvalue())


def test_plain_demo_returns_zero_and_shows_the_journal_verifying_and_tampering_caught(
    demo_run: DemoRun,
) -> None:
    assert demo_run.status == 0
    assert "verify: ok=True" in demo_run.out
    assert "TamperDetected" in demo_run.out


def test_demo_ships_the_split_order_in_two_parcels_and_tracks_it_to_delivery(
    demo_run: DemoRun,
) -> None:
    shipping = demo_run.part("Shipping", "Customers")
    assert "from VIE: units {'L1': 3}" in shipping
    assert "from GRZ: units {'L1': 1}" in shipping
    assert "4 events recorded, 2 duplicates ignored" in shipping
    assert "SO-000005 is delivered" in shipping


def test_demo_moves_a_customer_up_the_tiers_and_never_prints_her_e_mail(
    demo_run: DemoRun,
) -> None:
    part = demo_run.part("Customers", "Audit")
    assert "tier member, net spend 160.50 EUR, 160 points" in part
    assert "tier gold, net spend 1123.50 EUR" in part
    assert "member -> gold" in part
    for shown in (demo_run.out, demo_run.err):
        assert "emmy@example.de" not in shown.lower()


def test_demo_shows_sales_by_channel_from_its_own_orders(demo_run: DemoRun) -> None:
    part = demo_run.part("Analytics", "Audit sweep")
    for channel in ("web", "phone", "email", "marketplace"):
        assert channel in part
    assert "RFM segments of the registered customers (1;" in part


def test_demo_sweeps_clean_now_and_finds_what_waits_ten_days_on(demo_run: DemoRun) -> None:
    part = demo_run.part("Audit sweep", "Audit journal")
    assert ": 0 findings" in part
    assert "orders-held-too-long 2" in part
    assert "orders-stuck" in part


def test_plain_demo_never_prints_the_raw_email_address(demo_run: DemoRun) -> None:
    assert RAW_EMAIL not in demo_run.out
    assert RAW_EMAIL not in demo_run.err
    assert "a***@e***.com" in demo_run.out


def test_demo_on_an_unknown_storage_reports_the_error_and_returns_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["--plain", "demo", "--url", "nosuchscheme://x"])

    captured = capsys.readouterr()
    assert status == 1
    assert captured.err.startswith("ordercore: error:")
    assert "nosuchscheme" in captured.err


def test_plain_plugins_lists_the_built_in_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--plain", "plugins"])

    out = capsys.readouterr().out
    assert status == 0
    assert "ordercore.storage" in out


def test_the_demo_runs_as_a_program_and_exits_zero(tmp_path: Path) -> None:
    completed = subprocess.run(  # noqa: S603 - our own command with a path we made
        [sys.executable, "-m", "ordercore.cli", "--plain", "demo", "--db", str(tmp_path / "d.db")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert "verify: ok=True" in completed.stdout
    assert RAW_EMAIL not in completed.stdout


def test_audit_prints_a_clean_report_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--plain", "audit", "--seed", "40"])

    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("# Audit sweep")
    assert "0 finding(s) over 40 orders" in out


def test_audit_exits_one_when_a_finding_reaches_the_threshold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Seeded as of now and audited a year on, open orders are long past their service levels.
    later = ["--plain", "audit", "--seed", "40", "--at", "2099-01-01T00:00:00+00:00"]
    status = main([*later, "--format", "csv"])

    rows = capsys.readouterr().out.splitlines()
    assert status == 1
    assert rows[0].startswith("severity,check,")
    assert any(",orders-stuck," in row for row in rows[1:])
    assert main([*later, "--fail-on", "critical"]) == 0


def test_audit_refuses_an_unknown_check(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--plain", "audit", "--check", "nope"])

    assert status == 1
    assert "unknown check 'nope'" in capsys.readouterr().err


def test_demo_uses_a_new_sqlite_file_by_default_and_says_where_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["--plain", "demo"])

    out = capsys.readouterr().out
    assert status == 0
    first = out.splitlines()[0]
    assert first.startswith("ordercore demo on sqlite:///")
    where = Path(out.rsplit("Everything above is stored in ", 1)[1].strip())
    try:
        assert where.name == "demo.db"
        assert f"the shop is a SQLite file: {where}" in out
        with OrderDesk.open(f"sqlite:///{where}", entry_points=False) as desk:
            assert desk.orders.list()  # what the demo did is in the file
            assert desk.audit.verify_journal().ok
    finally:
        shutil.rmtree(where.parent, ignore_errors=True)


def test_demo_writes_to_the_file_given_with_db_and_refuses_one_that_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "shop.db"
    assert main(["--plain", "demo", "--db", str(path)]) == 0
    assert f"stored in {path}" in capsys.readouterr().out
    assert path.stat().st_size > 0

    assert main(["--plain", "demo", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert "db" in err
    assert "exists" in err
