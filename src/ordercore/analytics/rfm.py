"""RFM: recency, frequency and monetary value per customer, scored 1-5 and named as segments.

Scores follow what an analyst gets from pandas (``qcut`` of ``rank(method="first")`` into five
equal bins): customers are put in id order (numeric ids numerically), ranked by each measure
with ties kept in that order, and rank ``r`` of ``n`` falls in bin ``ceil(5 (r-1) / (n-1))``
(at least 1). R is reversed, so the most recent customers score 5. Segments name the (R, F)
pair with the map in common use (champions, loyal customers, at risk, hibernating, ...).

Recency is counted in days from ``as_of``, which defaults to the day after the latest order.
Memory grows with customers, not orders: facts are folded in as they stream past.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from itertools import repeat
from typing import ClassVar

import attrs

from ordercore._currencies import MINOR_UNITS
from ordercore.analytics import _halves
from ordercore.analytics._rfm_fold import CustomerTotals, customer_order
from ordercore.analytics._scan import Field, RowProblem
from ordercore.analytics.facts import OrderFact
from ordercore.analytics.rates import ExchangeRates
from ordercore.analytics.results import Row, TableResult
from ordercore.analytics.sources import CsvSource, OrderColumns, ReadReport, open_csv
from ordercore.errors import CurrencyMismatch, NotFound, ValidationError

__all__ = ["SEGMENTS", "RfmScores", "customer_order", "quintile_scores", "rfm", "rfm_from_csv"]

SEGMENTS: Mapping[tuple[int, int], str] = {
    **dict.fromkeys([(1, 1), (1, 2), (2, 1), (2, 2)], "hibernating"),
    **dict.fromkeys([(1, 3), (1, 4), (2, 3), (2, 4)], "at_risk"),
    **dict.fromkeys([(1, 5), (2, 5)], "cant_loose"),
    **dict.fromkeys([(3, 1), (3, 2)], "about_to_sleep"),
    (3, 3): "need_attention",
    **dict.fromkeys([(3, 4), (3, 5), (4, 4), (4, 5)], "loyal_customers"),
    (4, 1): "promising",
    (5, 1): "new_customers",
    **dict.fromkeys([(4, 2), (4, 3), (5, 2), (5, 3)], "potential_loyalists"),
    **dict.fromkeys([(5, 4), (5, 5)], "champions"),
}
"""Segment of each (R, F) score pair."""


def quintile_scores(values: list[int], *, reverse: bool = False) -> list[int]:
    """Score each value 1-5 by its rank, ties in list order (pandas' ``qcut`` of ranks).

    Args:
        values: One value per customer, customers in id order.
        reverse: Give the smallest values 5 (recency).

    Returns:
        One score per value.
    """
    n = len(values)
    scores = [1] * n
    order = sorted(range(n), key=values.__getitem__)  # stable: ties stay in id order
    span = max(n - 1, 1)
    # Rank position p (0-based) scores max(1, ceil(5p / span)): each score is one run of
    # positions, so the scores are written a run at a time.
    start = 0
    for score in range(1, 6):
        end = min(n, score * span // 5 + 1)
        label = 6 - score if reverse else score
        deque(map(scores.__setitem__, order[start:end], repeat(label)), maxlen=0)
        start = end
    return scores


@attrs.frozen(slots=True, repr=False)
class RfmScores(TableResult):
    """RFM measures, scores and segments of every customer, in customer id order.

    Attributes:
        as_of: The day recency is counted from.
        currency: The currency of ``monetary``.
        customers: Customer ids.
        recency: Days since each customer's last order.
        frequency: Orders per customer.
        monetary_minor: Spend per customer, in minor units of ``currency``.
        r: Recency scores (5 = most recent).
        f: Frequency scores.
        m: Monetary scores.
        guest_orders: Orders without a customer, left out.
        report: How the input was read, when it came from a file.
    """

    title: ClassVar[str] = "RFM scores"
    as_of: date
    currency: str
    customers: tuple[str, ...]
    recency: tuple[int, ...]
    frequency: tuple[int, ...]
    monetary_minor: tuple[int, ...]
    r: tuple[int, ...]
    f: tuple[int, ...]
    m: tuple[int, ...]
    guest_orders: int = 0
    report: ReadReport | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return (
            "customer_id", "recency_days", "frequency", "monetary", "currency",
            "r", "f", "m", "rfm_score", "segment",
        )  # fmt: skip

    def monetary(self, index: int) -> Decimal:
        """Spend of the customer at ``index``, as a Decimal in :attr:`currency`."""
        return Decimal(self.monetary_minor[index]).scaleb(-MINOR_UNITS[self.currency])

    def segment(self, index: int) -> str:
        """Segment of the customer at ``index``."""
        return SEGMENTS[(self.r[index], self.f[index])]

    def rows(self) -> list[Row]:
        """One row per customer."""
        return [self.row(index) for index in range(len(self.customers))]

    def row(self, index: int) -> Row:
        """The row of the customer at ``index``."""
        r, f, m = self.r[index], self.f[index], self.m[index]
        return (
            self.customers[index], self.recency[index], self.frequency[index],
            self.monetary(index), self.currency, r, f, m, f"{r}{f}{m}", SEGMENTS[(r, f)],
        )  # fmt: skip

    def customer(self, customer_id: str) -> Row:
        """The row of one customer.

        Raises:
            NotFound: The customer has no orders here.
        """
        for index, customer in enumerate(self.customers):
            if customer == customer_id:
                return self.row(index)
        raise NotFound("customer", customer_id)

    def segment_counts(self) -> dict[str, int]:
        """How many customers each segment has, largest first."""
        counts: dict[str, int] = {}
        for r, f in zip(self.r, self.f, strict=True):
            name = SEGMENTS[(r, f)]
            counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _scores(totals: CustomerTotals, as_of: date | None, report: ReadReport | None) -> RfmScores:
    customers, frequency, monetary, last_days, guests = totals.result()
    if not customers:
        raise ValidationError("facts", "no orders with a customer; RFM needs at least one")
    # The latest order of all, guests' included, sets the default as-of day.
    newest = date.fromisoformat(totals.newest).toordinal()
    snapshot = as_of.toordinal() if as_of is not None else newest + 1
    ordinals = {day: date.fromisoformat(day).toordinal() for day in set(last_days)}
    recency = list(map(snapshot.__sub__, map(ordinals.__getitem__, last_days)))
    return RfmScores(
        as_of=date.fromordinal(snapshot),
        currency=totals.currency or "XXX",
        customers=tuple(customers),
        recency=tuple(recency),
        frequency=tuple(frequency),
        monetary_minor=tuple(monetary),
        r=tuple(quintile_scores(recency, reverse=True)),
        f=tuple(quintile_scores(frequency)),
        m=tuple(quintile_scores(monetary)),
        guest_orders=guests,
        report=report,
    )


def rfm(
    facts: Iterable[OrderFact], *, as_of: date | None = None, rates: ExchangeRates | None = None
) -> RfmScores:
    """Score every customer of ``facts`` by recency, frequency and monetary value.

    Args:
        facts: Orders; guest orders (no customer) are counted and left out.
        as_of: The day recency is counted from; the day after the latest order by default.
        rates: Convert every amount into ``rates.base``; without rates all orders must share
            one currency.

    Returns:
        The scores, customers in id order.

    Raises:
        CurrencyMismatch: Orders in more than one currency and no rates.
        ValidationError: No order has a customer.
    """
    totals = CustomerTotals(rates)
    block: list[OrderFact] = []
    for fact in facts:
        block.append(fact)  # guests fold in under "" and are counted out at the end
        if len(block) >= 10_000:
            _add_facts(totals, block)
            block = []
    _add_facts(totals, block)
    return _scores(totals, as_of, None)


def _add_facts(totals: CustomerTotals, block: list[OrderFact]) -> None:
    if block:
        totals.add(
            [fact.customer_id or "" for fact in block],
            [fact.placed_at.date().isoformat() for fact in block],
            [fact.total.minor_units for fact in block],
            [fact.currency for fact in block],
        )


def rfm_from_csv(
    source: CsvSource,
    columns: OrderColumns | None = None,
    *,
    currency: str | None = None,
    as_of: date | None = None,
    rates: ExchangeRates | None = None,
    delimiter: str = ",",
    dayfirst: bool = False,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> RfmScores:
    """RFM straight from a CSV export, reading only the columns it needs, in one pass.

    Arguments as :func:`rfm` and :func:`~ordercore.analytics.sources.orders_from_csv`; the
    result's ``report`` lists every row left out, with its line and reason.

    ``workers=2`` reads the second half of a large file (a path, 8 MiB or more) in a forked
    process while this one reads the first half, on POSIX systems, when no ``progress`` is
    asked for and this process runs a single thread; otherwise, and whenever the child fails,
    the file is read here. The result is the same either way.

    Raises:
        ValidationError: ``workers`` other than 1 or 2; no customer column; as
            :func:`~ordercore.analytics.sources.orders_from_csv` for the file.
        CurrencyMismatch: Amounts in more than one currency and no rates.
    """
    if workers not in (1, 2):
        raise ValidationError("workers", "use 1 (this process) or 2 (two halves at once)")
    mapping = columns or OrderColumns()
    if mapping.customer_id is None:
        raise ValidationError("columns.customer_id", "RFM needs the customer column")
    fields = [
        field
        for field in mapping.fields()
        if field.name in ("customer_id", "placed_at", "total", "currency")
    ]
    fields = [attrs.evolve(f, kind="day") if f.name == "placed_at" else f for f in fields]

    def fresh_totals() -> CustomerTotals:
        totals = CustomerTotals(rates)
        if mapping.currency is None and rates is None:
            totals.currency = currency
        return totals

    def read(stream: CsvSource, totals: CustomerTotals) -> tuple[int, list[RowProblem]]:
        return _fold_csv(stream, fields, totals, currency, delimiter, dayfirst, progress)

    totals = fresh_totals()
    halves = _halves.split(source, workers) if progress is None else None
    if halves is None:
        rows, problems = read(source, totals)
    else:
        rows, problems = _read_in_halves(halves, totals, fresh_totals, read)
    return _scores(totals, as_of, ReadReport(rows, tuple(problems)))


def _fold_csv(
    source: CsvSource,
    fields: list[Field],
    totals: CustomerTotals,
    currency: str | None,
    delimiter: str,
    dayfirst: bool,
    progress: Callable[[int], None] | None,
) -> tuple[int, list[RowProblem]]:
    problems: list[RowProblem] = []
    rows = 0
    for batch, bad in open_csv(
        source, fields, currency=currency, delimiter=delimiter, dayfirst=dayfirst,
        progress=progress,
    ):  # fmt: skip
        problems.extend(bad)
        rows += batch.size
        columns_of = batch.columns
        totals.add(
            columns_of["customer_id"],
            columns_of["placed_at"],
            columns_of["total"],
            columns_of.get("currency", []),
        )
    return rows, problems


def _read_in_halves(
    halves: _halves.Split,
    totals: CustomerTotals,
    fresh_totals: Callable[[], CustomerTotals],
    read: Callable[[CsvSource, CustomerTotals], tuple[int, list[RowProblem]]],
) -> tuple[int, list[RowProblem]]:
    """Fold the first half here and the second in a forked child, then add the child's totals."""

    def second_half() -> bytes:
        theirs = fresh_totals()
        with halves.second() as stream:
            rows, problems = read(stream, theirs)
        customers, counts, sums, lasts = theirs.items()
        found = {
            "rows": rows,
            "problems": [[p.line, p.column, p.reason] for p in problems],
            "currency": theirs.currency,
            "customers": customers,
            "counts": counts,
            "sums": sums,
            "lasts": lasts,
        }
        return json.dumps(found).encode()

    with _halves.fork(second_half) as child:
        with halves.first() as stream:
            rows, problems = read(stream, totals)
        sent = child.result()
    if sent is None:  # the child failed: read its half here, where any error surfaces
        with halves.second() as stream:
            more_rows, more = read(stream, totals)
    else:
        theirs = json.loads(sent)
        their_currency = theirs["currency"]
        if totals.currency is None:
            totals.currency = their_currency
        elif their_currency is not None and their_currency != totals.currency:
            raise CurrencyMismatch("monetary", totals.currency, their_currency)
        totals.merge(theirs["customers"], theirs["counts"], theirs["sums"], theirs["lasts"])
        more_rows = theirs["rows"]
        more = [RowProblem(line, column, reason) for line, column, reason in theirs["problems"]]
    if more:  # the second half numbered its lines from 2, as a file of its own
        offset = halves.lines_in_first()
        problems.extend(RowProblem(p.line + offset, p.column, p.reason) for p in more)
    return rows + more_rows, problems
