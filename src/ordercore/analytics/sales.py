"""Sales: revenue, counts, average value and units by period and by any dimension.

Cells are kept per currency: two currencies are never added unless :class:`ExchangeRates` are
given, in which case every amount is converted into the base currency first. Memory grows with
the number of cells (periods x dimension values x currencies), not with orders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import starmap
from typing import Any, ClassVar

import attrs

from ordercore._currencies import MINOR_UNITS
from ordercore.analytics._periods import Period, period_label, previous_label, year_ago_label
from ordercore.analytics._sales_cells import SalesTotals, runs
from ordercore.analytics._scan import in_order
from ordercore.analytics.facts import LineFact, OrderFact
from ordercore.analytics.rates import ExchangeRates
from ordercore.analytics.results import Row, TableResult
from ordercore.analytics.sources import CsvSource, LineColumns, OrderColumns, ReadReport, open_csv
from ordercore.errors import ValidationError

__all__ = [
    "Ranking",
    "SalesCell",
    "SalesReport",
    "SeasonalityIndex",
    "best_and_worst",
    "sales",
    "sales_from_csv",
    "seasonality_index",
]

ALL_TIME = "all"
"""The period label of a report over all time (``period=None``)."""

Dimension = str | Callable[[Any], str] | None


def _money(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-MINOR_UNITS[currency])


def _growth(now: int, before: int | None) -> float | None:
    if before is None or before == 0:
        return None
    return round((now - before) / abs(before), 4)


@attrs.frozen(slots=True)
class SalesCell:
    """Sales of one period, one dimension value, one currency.

    Attributes:
        period: The period label (``"2024-03"``), or ``"all"``.
        key: The dimension value (``""`` when there is no dimension).
        currency: The currency of ``revenue_minor``.
        revenue_minor: Revenue in minor units.
        count: Orders (from order facts) or lines (from line facts).
        units: Units sold.
    """

    period: str
    key: str
    currency: str
    revenue_minor: int
    count: int
    units: int

    @property
    def revenue(self) -> Decimal:
        """Revenue as a Decimal in :attr:`currency`."""
        return _money(self.revenue_minor, self.currency)

    @property
    def average(self) -> Decimal | None:
        """Revenue per order (or line), rounded half-even to the minor unit."""
        if not self.count:
            return None
        quantum = Decimal(1).scaleb(-MINOR_UNITS[self.currency])
        return (self.revenue / self.count).quantize(quantum, ROUND_HALF_EVEN)


@attrs.frozen(slots=True, repr=False)
class SalesReport(TableResult):
    """Sales by period and dimension, with growth against the previous period and last year.

    Attributes:
        period: The period kind, or ``None`` for one period over all time.
        dimension: The dimension's name (``"channel"``), or ``""``.
        counts: ``"orders"`` or ``"lines"``: what :attr:`SalesCell.count` counts.
        cells: Cells in (period, key, currency) order.
        report: How the input was read, when it came from a file.
    """

    title: ClassVar[str] = "sales"
    period: Period | None
    dimension: str
    counts: str
    cells: tuple[SalesCell, ...]
    report: ReadReport | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        average = "average_order_value" if self.counts == "orders" else "average_line_value"
        return (
            "period", self.dimension or "key", "currency", "revenue", self.counts, "units",
            average, "growth_vs_previous", "growth_vs_year_ago",
        )  # fmt: skip

    def cell(self, period: str, key: str = "", currency: str | None = None) -> SalesCell | None:
        """The cell of one period and key (and currency, when there are several)."""
        for cell in self.cells:
            same_currency = currency is None or cell.currency == currency
            if cell.period == period and cell.key == key and same_currency:
                return cell
        return None

    def rows(self) -> list[Row]:
        """One row per cell, with revenue growth (a fraction; ``None`` where undefined)."""
        revenue = {(c.period, c.key, c.currency): c.revenue_minor for c in self.cells}
        rows: list[Row] = []
        for c in self.cells:
            previous = year_ago = None
            if self.period is not None:
                before = previous_label(self.period, c.period)
                last_year = year_ago_label(self.period, c.period)
                previous = revenue.get((before, c.key, c.currency)) if before else None
                year_ago = revenue.get((last_year, c.key, c.currency)) if last_year else None
            rows.append(
                (
                    c.period, c.key, c.currency, c.revenue, c.count, c.units, c.average,
                    _growth(c.revenue_minor, previous), _growth(c.revenue_minor, year_ago),
                )
            )  # fmt: skip
        return rows

    def totals(self) -> dict[str, Decimal]:
        """Revenue over every cell, per currency."""
        sums: dict[str, int] = {}
        for cell in self.cells:
            sums[cell.currency] = sums.get(cell.currency, 0) + cell.revenue_minor
        return {code: _money(minor, code) for code, minor in sorted(sums.items())}


class _Labels(dict[str, str]):
    """ISO day -> its period label, worked out once per day."""

    def __init__(self, period: Period | None) -> None:
        super().__init__()
        self.period = period

    def __missing__(self, day: str) -> str:
        period = self.period
        label = ALL_TIME if period is None else period_label(period, date.fromisoformat(day))
        self[day] = label
        return label


def _report(
    totals: SalesTotals,
    period: Period | None,
    dimension: str,
    counts: str,
    read: ReadReport | None,
) -> SalesReport:
    cells = tuple(starmap(SalesCell, totals.rows()))
    return SalesReport(period, dimension, counts, cells, read)


def _dimension(by: Dimension) -> tuple[str, Callable[[Any], str] | None]:
    if by is None:
        return "", None
    if isinstance(by, str):
        if not by.isidentifier():
            raise ValidationError("by", "name a fact attribute such as 'channel' or 'sku'")
        name = by

        def read(fact: Any) -> str:
            try:
                value = getattr(fact, name)
            except AttributeError:
                raise ValidationError("by", f"{type(fact).__name__} has no {name!r}") from None
            return "" if value is None else str(value)

        return by, read
    return getattr(by, "__name__", "key"), by


def sales(
    facts: Iterable[OrderFact] | Iterable[LineFact],
    *,
    period: Period | None = Period.MONTH,
    by: Dimension = None,
    rates: ExchangeRates | None = None,
) -> SalesReport:
    """Revenue, count, average value and units per period and dimension value.

    Args:
        facts: Order facts (counts are orders) or line facts (counts are lines).
        period: Day, ISO week, month, quarter or year; ``None`` for all time in one period.
        by: A fact attribute (``"channel"``, ``"region"``, ``"sku"``, ``"category"``,
            ``"tier"``) or a function of a fact; ``None`` for no dimension.
        rates: Convert every amount into one currency; otherwise cells are per currency.

    Returns:
        The report; its rows carry growth against the previous period and last year.

    Raises:
        ValidationError: ``by`` names no attribute of the facts.
    """
    name, key_of = _dimension(by)
    cells = SalesTotals(rates)
    counts = "orders"
    labels: dict[object, str] = {}
    for fact in facts:
        if isinstance(fact, LineFact):
            counts = "lines"
            amount, units = fact.amount, fact.quantity
        else:
            amount, units = fact.total, fact.units
        day = fact.placed_at.date()
        label = labels.get(day)
        if label is None:
            label = labels[day] = ALL_TIME if period is None else period_label(period, day)
        key = key_of(fact) if key_of is not None else ""
        cells.add(label, key, amount.currency, amount.minor_units, units)
    return _report(cells, period, name, counts, None)


def sales_from_csv(
    source: CsvSource,
    columns: LineColumns | OrderColumns | None = None,
    *,
    period: Period | None = Period.MONTH,
    by: str | None = None,
    currency: str | None = None,
    rates: ExchangeRates | None = None,
    delimiter: str = ",",
    dayfirst: bool = False,
    progress: Callable[[int], None] | None = None,
) -> SalesReport:
    """Sales straight from a CSV export of lines (or orders), reading only the columns needed.

    Args:
        source: A path or an open file.
        columns: :class:`LineColumns` (the default) or :class:`OrderColumns`.
        period: As :func:`sales`.
        by: The fact field to group by (``"sku"``, ``"category"``, ``"channel"``, ...); it
            must be mapped to a column.
        currency: The currency of every amount, when no currency column is mapped.
        rates: As :func:`sales`.
        delimiter: The field separator.
        dayfirst: Read ambiguous dates as day first.
        progress: Called with the bytes read so far.

    Returns:
        The report, with ``report`` listing every row left out.
    """
    mapping = columns or LineColumns()
    lines = isinstance(mapping, LineColumns)
    amount_name, units_name = ("amount", "quantity") if lines else ("total", "units")
    wanted = {"placed_at", amount_name, units_name, "currency", by or "placed_at"}
    fields = [f for f in mapping.fields() if f.name in wanted]
    if by is not None and by not in {f.name for f in fields}:
        raise ValidationError("by", f"{by!r} is not mapped to a column of the file")
    fields = [attrs.evolve(f, kind="day") if f.name == "placed_at" else f for f in fields]
    totals = SalesTotals(rates)
    labels = _Labels(period)
    problems = []
    rows = 0
    for batch, bad in open_csv(
        source, fields, currency=currency, delimiter=delimiter, dayfirst=dayfirst,
        progress=progress,
    ):  # fmt: skip
        problems.extend(bad)
        rows += batch.size
        values = batch.columns
        _fold_block(
            totals,
            labels,
            values["placed_at"],
            values[by] if by is not None else [""] * batch.size,
            values.get("currency") or [currency or ""] * batch.size,
            values[amount_name],
            values.get(units_name) or [0] * batch.size,
        )
    return _report(
        totals, period, by or "", "lines" if lines else "orders", ReadReport(rows, tuple(problems))
    )


def _fold_block(
    totals: SalesTotals,
    labels: _Labels,
    days: list[str],
    keys: list[str],
    currencies: list[str],
    minors: list[int],
    units: list[int],
) -> None:
    if not days:
        return
    if totals.rates is None and len(set(currencies)) == 1:
        # One currency: the block is folded a run of one period at a time, with no look-up of
        # period or currency per row. A file in date order has a run or two per block.
        currency = currencies[0]
        if in_order(days):
            for start, end, label in runs(labels, days):
                totals.add_run(
                    label, currency, keys[start:end], minors[start:end], units[start:end]
                )
            return
        per_row = list(map(labels.__getitem__, days))
        if len(set(per_row)) == 1:  # out of date order, but one period (a year, all time)
            totals.add_run(per_row[0], currency, keys, minors, units)
            return
    for day, key, code, minor, count in zip(days, keys, currencies, minors, units, strict=True):
        totals.add(labels[day], key, code, minor, count)


@attrs.frozen(slots=True, repr=False)
class Ranking(TableResult):
    """Best and worst sellers of one currency by revenue or units.

    Attributes:
        measure: ``"revenue"`` or ``"units"``.
        best: Cells of the best sellers, best first.
        worst: Cells of the worst sellers, worst first.
    """

    title: ClassVar[str] = "best and worst sellers"
    measure: str
    best: tuple[SalesCell, ...]
    worst: tuple[SalesCell, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("side", "rank", "key", "currency", "revenue", "units")

    def rows(self) -> list[Row]:
        """Best sellers first, then worst sellers."""
        return [
            (side, rank, c.key, c.currency, c.revenue, c.units)
            for side, cells in (("best", self.best), ("worst", self.worst))
            for rank, c in enumerate(cells, start=1)
        ]


def best_and_worst(report: SalesReport, *, n: int = 10, measure: str = "revenue") -> Ranking:
    """The ``n`` best and worst sellers over a report's whole span, per currency.

    Ties are broken by key, so the ranking is the same for any order of the input.

    Raises:
        ValidationError: ``measure`` is neither ``"revenue"`` nor ``"units"``; ``n`` < 1;
            the report has more than one currency (convert with rates first).
    """
    if measure not in ("revenue", "units"):
        raise ValidationError("measure", "use 'revenue' or 'units'")
    if n < 1:
        raise ValidationError("n", "must be at least 1")
    currencies = {cell.currency for cell in report.cells}
    if len(currencies) > 1:
        raise ValidationError(
            "report", f"has {len(currencies)} currencies; rank one at a time or give rates"
        )
    totals = SalesTotals(None)
    for cell in report.cells:
        totals.add_sums(
            ALL_TIME, cell.key, cell.currency, cell.revenue_minor, cell.count, cell.units
        )
    merged = _report(totals, None, report.dimension, report.counts, None).cells
    index = 3 if measure == "revenue" else 5

    def value(cell: SalesCell) -> int:
        return cell.revenue_minor if index == 3 else cell.units

    best = sorted(merged, key=lambda c: (-value(c), c.key))[:n]
    worst = sorted(merged, key=lambda c: (value(c), c.key))[:n]
    return Ranking(measure, tuple(best), tuple(worst))


@attrs.frozen(slots=True, repr=False)
class SeasonalityIndex(TableResult):
    """Revenue of each month of the year against the average month, per currency.

    An index of 1.2 means that month sells 20 % above the average month.

    Attributes:
        entries: ``(month, currency, index)`` with month 1-12.
    """

    title: ClassVar[str] = "seasonality index"
    entries: tuple[tuple[int, str, float], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("month", "currency", "index")

    def rows(self) -> list[Row]:
        """One row per month of the year and currency."""
        return list(self.entries)


def seasonality_index(report: SalesReport) -> SeasonalityIndex:
    """Seasonality of a monthly report: each calendar month's mean revenue over the mean month.

    Raises:
        ValidationError: The report is not by month.
    """
    if report.period is not Period.MONTH:
        raise ValidationError("report", "seasonality needs a report by month")
    by_month: dict[tuple[str, str], int] = {}
    for cell in report.cells:
        key = (cell.period, cell.currency)
        by_month[key] = by_month.get(key, 0) + cell.revenue_minor
    entries: list[tuple[int, str, float]] = []
    for currency in sorted({c for _, c in by_month}):
        months = {p: v for (p, c), v in by_month.items() if c == currency}
        overall = sum(months.values()) / len(months)
        for month in range(1, 13):
            values = [v for p, v in months.items() if int(p[5:7]) == month]
            if values and overall:
                entries.append((month, currency, round(sum(values) / len(values) / overall, 4)))
    return SeasonalityIndex(tuple(entries))
