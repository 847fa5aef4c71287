"""mkdocs hook: replace the lifecycle placeholders with what the code's transition table says.

The diagram and the table on the orders page are generated from
``ordercore.orders.lifecycle.TRANSITIONS`` at build time, so the docs cannot drift from the
code.
"""

from __future__ import annotations

from typing import Any

from ordercore.orders.lifecycle import TRANSITIONS, mermaid

DIAGRAM = "<!-- lifecycle-diagram -->"
TABLE = "<!-- lifecycle-table -->"


def _table() -> str:
    rows = ["| from | command | to | guard |", "| --- | --- | --- | --- |"]
    for row in TRANSITIONS:
        source = "(new)" if row.source is None else row.source.value
        rows.append(f"| {source} | `{row.command}` | {row.target.value} | {row.guard} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Fill in the placeholders of a page, if it has them."""
    if DIAGRAM in markdown:
        markdown = markdown.replace(DIAGRAM, f"```mermaid\n{mermaid()}\n```")
    if TABLE in markdown:
        markdown = markdown.replace(TABLE, _table())
    return markdown
