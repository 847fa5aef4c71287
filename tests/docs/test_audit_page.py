"""The audit sweeps guide runs as one script, as printed, and says what it shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_the_audit_page_runs_and_finds_the_damage_it_does(tmp_path: Path) -> None:
    blocks = PYTHON_BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    script = tmp_path / "audit_page.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    finished = subprocess.run(  # noqa: S603 - the script is our own documentation
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert lines[0] == "True 500 orders, 2700 journal entries"
    assert lines[1].startswith("2 critical,")
    assert "{'marketplace-external-id': 20}" in lines
