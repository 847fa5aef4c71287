"""The README's code example runs as printed, so the front page never lies."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def python_blocks(text: str) -> list[str]:
    """Return the bodies of the fenced Python blocks in a Markdown text."""
    return PYTHON_BLOCK.findall(text)


def test_readme_has_a_code_example_of_at_most_twenty_five_lines() -> None:
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) == 1
    assert len(blocks[0].strip().splitlines()) <= 25


def test_readme_code_example_runs(tmp_path: Path) -> None:
    (block,) = python_blocks(README.read_text(encoding="utf-8"))
    script = tmp_path / "readme_example.py"
    script.write_text(block, encoding="utf-8")
    finished = subprocess.run(  # noqa: S603 - the script is our own README example
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip()
