"""Guide pages whose code blocks continue one another run as one script, as printed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)

# What each page's output must contain: the outcomes its comments promise.
RUNNABLE_PAGES = {
    "orders.md": ["completed paid"],
    "review.md": ["approved on_hold", "SO-000002 50", "approved\n", "on_hold\n", "\n7\n"],
    "analytics.md": ["champions"],
    "inventory.md": ["confirmed 5", "('cart-77#1', 'cart-77#2') 5", "MUG-01 BER 24"],
    "sqlite.md": ["5\nTrue\n", "4 4\n(1, 0)\n4 True\n", "9 8\n"],
    "shipping.md": [
        "BER {'L1': 3} HAM {'L1': 2}",
        "lines[L1].quantity",
        "labelled 2025-04-22 2025-04-17",
        "fulfilled\n8\n2 1\nout_for_delivery\ndelivered",
        "| 2 | MUG-01 | Mug |",
    ],
    "howto/outbox.md": ["1 1 ()\n", "[True]\n", "{'pending'}\nTrue\n"],
    "customers.md": ["Ada@example.com +442079460958", "gold 120.00 EUR 120", "silver\n", "40\n"],
}


@pytest.mark.parametrize("page", RUNNABLE_PAGES)
def test_the_code_blocks_of_a_guide_page_run_in_order(page: str, tmp_path: Path) -> None:
    blocks = PYTHON_BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))
    assert blocks, f"{page} has no Python blocks"
    script = tmp_path / "page.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    finished = subprocess.run(  # noqa: S603 - the script is our own documentation
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode == 0, finished.stderr
    for promised in RUNNABLE_PAGES[page]:
        assert promised in finished.stdout


def test_the_orders_page_has_the_generated_lifecycle_placeholders() -> None:
    text = (DOCS / "orders.md").read_text(encoding="utf-8")
    assert "<!-- lifecycle-diagram -->" in text
    assert "<!-- lifecycle-table -->" in text


def test_the_docs_hook_renders_every_row_of_the_transition_table() -> None:
    from importlib.util import module_from_spec, spec_from_file_location

    from ordercore import TRANSITIONS

    spec = spec_from_file_location("lifecycle_hook", DOCS / "_hooks" / "lifecycle_diagram.py")
    assert spec is not None
    assert spec.loader is not None
    hook = module_from_spec(spec)
    spec.loader.exec_module(hook)
    rendered = hook.on_page_markdown("<!-- lifecycle-diagram -->\n\n<!-- lifecycle-table -->")
    assert "stateDiagram-v2" in rendered
    for row in TRANSITIONS:
        source = "(new)" if row.source is None else row.source.value
        assert f"| {source} | `{row.command}` | {row.target.value} |" in rendered
        if row.source is not row.target:
            start = "[*]" if row.source is None else row.source.value
            assert f"{start} --> {row.target.value}: {row.command}" in rendered
