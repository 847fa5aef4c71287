"""The ``ordercore`` command line: version, help, the demo, and running it as a program."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ordercore
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


def test_plain_demo_returns_zero_and_shows_the_journal_verifying_and_tampering_caught(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["--plain", "demo"])

    out = capsys.readouterr().out
    assert status == 0
    assert "verify: ok=True" in out
    assert "TamperDetected" in out


def test_plain_demo_never_prints_the_raw_email_address(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--plain", "demo"])

    captured = capsys.readouterr()
    assert RAW_EMAIL not in captured.out
    assert RAW_EMAIL not in captured.err
    assert "a***@e***.com" in captured.out


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


def test_the_demo_runs_as_a_program_and_exits_zero() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ordercore.cli", "--plain", "demo"],
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
