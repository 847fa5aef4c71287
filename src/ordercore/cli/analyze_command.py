"""``ordercore analyze orders.csv``: a weekly report from a CSV export.

Sales by month, top products (when the file has a SKU column), customer segments, stalled
orders (when it has stage times) and restock advice, each read in one streaming pass, so the
file may be far larger than memory. A progress bar goes to stderr when it is a terminal (or
with ``--progress``).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
from collections.abc import Callable
from datetime import date
from typing import TextIO

from ordercore.analytics._periods import Period
from ordercore.analytics.rfm import rfm_from_csv
from ordercore.analytics.sales import best_and_worst, sales_from_csv
from ordercore.analytics.sources import LineColumns, OrderColumns, ReadReport
from ordercore.analytics.stock import reorder_point
from ordercore.cli._output import Printer
from ordercore.errors import ValidationError

__all__ = ["add_analyze_parser", "run_analyze"]

_BAR = 30


def add_analyze_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``analyze`` and its options."""
    parser = commands.add_parser("analyze", help="print an analytics report from a CSV export")
    parser.add_argument("csv", help="the CSV file (one row per order, or per order line)")
    parser.add_argument("--currency", help="currency of the amounts, if no currency column")
    parser.add_argument("--delimiter", default=",", help="field separator (default: ,)")
    parser.add_argument("--order-id", default="order_id", help="order id column")
    parser.add_argument("--customer", default="customer_id", help="customer column")
    parser.add_argument("--date", default="order_date", help="order date column")
    parser.add_argument("--amount", default="amount", help="amount column")
    parser.add_argument("--sku", default="sku", help="SKU column (lines files)")
    parser.add_argument("--quantity", default="quantity", help="quantity column (lines files)")
    parser.add_argument("--lead-time-days", type=float, default=7.0, help="for restock advice")
    parser.add_argument("--service-level", type=float, default=0.95, help="for restock advice")
    parser.add_argument("--top", type=int, default=10, help="how many products to list")
    parser.add_argument("--progress", action="store_true", help="always show a progress bar")


class _ProgressBar:
    """A dependency-free bar on a stream, redrawn as bytes are read."""

    def __init__(self, stream: TextIO, total: int, label: str) -> None:
        self._stream = stream
        self._total = max(total, 1)
        self._label = label

    def __call__(self, done: int) -> None:
        share = min(done / self._total, 1.0)
        filled = int(share * _BAR)
        bar = "#" * filled + "-" * (_BAR - filled)
        self._stream.write(f"\r{self._label:<12} [{bar}] {share:4.0%}")
        if share >= 1.0:
            self._stream.write("\n")
        self._stream.flush()


def _header(path: str, delimiter: str) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return [name.strip() for name in next(csv.reader(stream, delimiter=delimiter), [])]


def _report_problems(printer: Printer, what: str, report: ReadReport | None) -> None:
    if report is not None and report.problems:
        printer.line(f"  {what}: {report}")


def run_analyze(printer: Printer, args: argparse.Namespace) -> int:
    """Print the report for ``args.csv``."""
    path: str = args.csv
    if not os.path.isfile(path):
        raise ValidationError("csv", f"no such file: {path}")
    header = _header(path, args.delimiter)
    currency_column = "currency" if "currency" in header else None
    if currency_column is None and not args.currency:
        raise ValidationError("currency", "the file has no currency column; pass --currency EUR")
    show = args.progress or sys.stderr.isatty()
    size = os.path.getsize(path)

    def bar(label: str) -> Callable[[int], None] | None:
        return _ProgressBar(sys.stderr, size, label) if show else None

    orders = OrderColumns(
        order_id=args.order_id,
        customer_id=args.customer if args.customer in header else None,
        placed_at=args.date,
        total=args.amount,
        currency=currency_column,
    )
    is_lines = args.sku in header
    lines = LineColumns(
        order_id=args.order_id,
        placed_at=args.date,
        sku=args.sku,
        quantity=args.quantity,
        amount=args.amount,
        currency=currency_column,
    )
    printer.heading(f"Analytics report: {os.path.basename(path)}")
    monthly = sales_from_csv(
        path,
        lines if is_lines else orders,
        period=Period.MONTH,
        currency=args.currency,
        delimiter=args.delimiter,
        progress=bar("sales"),
    )
    printer.table(
        "Sales by month",
        ["month", "currency", "revenue", monthly.counts, "average", "growth"],
        [
            (r[0], r[2], r[3], r[4], r[6], "" if r[7] is None else f"{r[7]:+.1%}")
            for r in monthly.rows()
        ],
    )
    _report_problems(printer, "rows left out", monthly.report)
    if is_lines:
        _products(printer, path, lines, args, bar)
    if orders.customer_id is not None and not is_lines:
        scores = rfm_from_csv(
            path,
            orders,
            currency=args.currency,
            delimiter=args.delimiter,
            progress=bar("customers"),
        )
        printer.table(
            f"Customer segments (RFM as of {scores.as_of}, {len(scores.customers)} customers)",
            ["segment", "customers"],
            list(scores.segment_counts().items()),
        )
    if "shipped_at" not in header:
        printer.line("Stalled orders: the file has no stage times (shipped_at, ...); skipped.")
    return 0


def _products(
    printer: Printer,
    path: str,
    lines: LineColumns,
    args: argparse.Namespace,
    bar: Callable[[str], Callable[[int], None] | None],
) -> None:
    options = {"currency": args.currency, "delimiter": args.delimiter}
    by_sku = sales_from_csv(path, lines, period=None, by="sku", progress=bar("products"), **options)
    ranking = best_and_worst(by_sku, n=args.top)
    printer.table(
        f"Top {args.top} products by revenue",
        ["rank", "sku", "revenue", "units"],
        [
            (rank, key, revenue, units)
            for side, rank, key, _, revenue, units in ranking.rows()
            if side == "best"
        ],
    )
    daily = sales_from_csv(
        path, lines, period=Period.DAY, by="sku", progress=bar("demand"), **options
    )
    first = min(date.fromisoformat(c.period) for c in daily.cells)
    last = max(date.fromisoformat(c.period) for c in daily.cells)
    days = (last - first).days + 1
    advice = []
    for cell in ranking.best:
        units = [c.units for c in daily.cells if c.key == cell.key]
        units += [0] * (days - len(units))  # days without a sale sold nothing
        mean = statistics.fmean(units)
        spread = statistics.pstdev(units)
        point = reorder_point(
            service_level=args.service_level,
            demand_mean=mean,
            demand_std=spread,
            lead_time_mean=args.lead_time_days,
        )
        advice.append((cell.key, f"{mean:.1f}", f"{spread:.1f}", f"{point:.0f}"))
    printer.table(
        f"Restock advice (lead time {args.lead_time_days:g} days, "
        f"service level {args.service_level:.0%})",
        ["sku", "units/day", "std/day", "reorder at"],
        advice,
    )
