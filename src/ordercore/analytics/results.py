"""What every analytics result offers: rows, pandas, CSV and JSON, a readable repr, plots.

A result is an attrs value whose :meth:`TableResult.rows` gives plain tuples under
:attr:`TableResult.columns`. Amounts stay :class:`~decimal.Decimal` in every export (JSON
writes them as strings), with the currency in its own column. Exports mask any column whose
name marks personal data (``email``, ``name``, ...), so a result can be handed on safely.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from ordercore.errors import ValidationError
from ordercore.privacy import mask_personal_data

__all__ = ["Row", "TableResult"]

Row = tuple[Any, ...]
_SHOWN = 10


def _plain(value: object) -> object:
    """A JSON-ready form of a cell: Decimals and dates as text, never floats for money."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "inf": JSON has no infinity
    if isinstance(value, tuple | frozenset):
        return [_plain(item) for item in sorted(value, key=str)]
    return value


class TableResult:
    """Mixin for analytics results; subclasses set ``title`` and implement :meth:`rows`."""

    __slots__ = ()
    title: ClassVar[str] = "result"

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names of :meth:`rows`."""
        raise NotImplementedError

    def rows(self) -> list[Row]:
        """The result as plain tuples, one per row, under :attr:`columns`."""
        raise NotImplementedError

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column name."""
        names = self.columns
        return [dict(zip(names, row, strict=True)) for row in self.rows()]

    def _export_records(self) -> list[dict[str, Any]]:
        masked = []
        for record in self.records():
            plain = {key: _plain(value) for key, value in record.items()}
            masked.append(mask_personal_data(plain))  # type: ignore[arg-type]
        return masked

    def to_csv(self, path: str | None = None) -> str:
        """Write the rows as CSV (to ``path`` if given) and return the text."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        for record in self._export_records():
            writer.writerow(
                ["" if value is None else value for value in (record[c] for c in self.columns)]
            )
        text = buffer.getvalue()
        if path is not None:
            with open(path, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
        return text

    def to_json(self) -> str:
        """The rows as a JSON array of objects; amounts are strings, never floats."""
        return json.dumps(self._export_records(), ensure_ascii=False)

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame (needs the ``pandas`` extra).

        Raises:
            ModuleNotFoundError: pandas is not installed (``pip install 'ordercore[pandas]'``).
        """
        try:
            import pandas as pd
        except ModuleNotFoundError as error:
            error.msg = "to_pandas() needs pandas: pip install 'ordercore[pandas]'"
            raise
        return pd.DataFrame.from_records(self.rows(), columns=list(self.columns))

    def plot(self, x: str, y: str, *, ax: Any = None, kind: str = "line") -> Any:
        """Plot column ``y`` against ``x`` with matplotlib (the ``plot`` extra).

        Amounts are turned into floats here only, for drawing.

        Returns:
            The matplotlib axes.

        Raises:
            ValidationError: ``x`` or ``y`` is not a column.
            ModuleNotFoundError: matplotlib is not installed.
        """
        for name in (x, y):
            if name not in self.columns:
                raise ValidationError("column", f"{name!r} is not one of {self.columns}")
        try:
            from matplotlib import pyplot
        except ModuleNotFoundError as error:
            error.msg = "plot() needs matplotlib: pip install 'ordercore[plot]'"
            raise
        records = self.records()
        xs = [str(record[x]) for record in records]
        ys = [float(record[y]) if record[y] is not None else float("nan") for record in records]
        axes = ax if ax is not None else pyplot.subplots()[1]
        if kind == "bar":
            axes.bar(xs, ys)
        else:
            axes.plot(xs, ys)
        axes.set_xlabel(x)
        axes.set_ylabel(y)
        axes.set_title(self.title)
        return axes

    def _shown(self) -> tuple[list[Row], int]:
        rows = self.rows()
        return rows[:_SHOWN], len(rows)

    def __repr__(self) -> str:
        shown, total = self._shown()
        cells = [[str(c) for c in self.columns]] + [
            ["" if v is None else str(v) for v in row] for row in shown
        ]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = [f"<{type(self).__name__}: {self.title}, {total} rows>"]
        lines += [
            "  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells
        ]
        if total > len(shown):
            lines.append(f"  ... {total - len(shown)} more rows")
        return "\n".join(line.rstrip() for line in lines)

    def _repr_html_(self) -> str:
        shown, total = self._shown()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell_text(v))}</td>" for v in row) + "</tr>"
            for row in shown
        )
        note = f"<p>{total - len(shown)} more rows</p>" if total > len(shown) else ""
        return (
            f"<p><b>{html.escape(self.title)}</b> ({total} rows)</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"
        )


def _cell_text(value: object) -> str:
    return "" if value is None else str(value)


def column_index(columns: Sequence[str], name: str) -> int:
    """The position of column ``name``, or a ValidationError naming the columns there are."""
    try:
        return list(columns).index(name)
    except ValueError:
        raise ValidationError("column", f"{name!r} is not one of {tuple(columns)}") from None
