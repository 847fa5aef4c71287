"""Printing for the CLI: rich tables when the ``cli`` extra is installed, plain text otherwise."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from typing import TextIO

__all__ = ["Printer"]


class Printer:
    """Writes headings, lines and tables to a stream."""

    def __init__(self, stream: TextIO | None = None, *, plain: bool = False) -> None:
        self._stream = stream or sys.stdout
        self._rich = not plain and importlib.util.find_spec("rich") is not None

    def heading(self, text: str) -> None:
        """Print a section heading."""
        self.line("")
        self.line(f"== {text} ==")

    def line(self, text: str = "") -> None:
        """Print one line of text."""
        print(text, file=self._stream)

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Print a table with a title."""
        if self._rich:
            from rich.console import Console
            from rich.table import Table

            table = Table(title=title)
            for column in columns:
                table.add_column(column)
            for row in rows:
                table.add_row(*(str(cell) for cell in row))
            Console(file=self._stream, width=120).print(table)
            return
        self.line(title)
        widths = [len(c) for c in columns]
        for row in rows:
            widths = [max(w, len(str(cell))) for w, cell in zip(widths, row, strict=True)]
        self.line("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        self.line("  ".join("-" * w for w in widths))
        for row in rows:
            self.line("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
