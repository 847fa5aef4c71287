"""Facts from a CSV export, from dicts, or from a pandas DataFrame, with a report of bad rows.

A column mapping (:class:`OrderColumns`, :class:`LineColumns`) names the column that holds each
fact field; unmapped optional fields keep their defaults. Every bad row is listed in the
:class:`ReadReport` with its line number, the column and the reason, and is left out whole:
a row is never half-read. A file that lacks a mapped column is refused before any row is read.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any, Generic, TypeVar

import attrs

from ordercore.analytics._scan import Batch, Field, Kind, RowProblem, _Scanner, scan
from ordercore.analytics._values import CellError
from ordercore.analytics.facts import LineFact, OrderFact
from ordercore.errors import RowsRejected, ValidationError
from ordercore.money import Money

__all__ = [
    "CsvSource",
    "FactsRead",
    "LineColumns",
    "OrderColumns",
    "ReadReport",
    "RowProblem",
    "lines_from_csv",
    "lines_from_dataframe",
    "lines_from_dicts",
    "open_csv",
    "orders_from_csv",
    "orders_from_dataframe",
    "orders_from_dicts",
]

CsvSource = str | os.PathLike[str] | IO[bytes] | IO[str]
"""A path, or a binary or text file positioned at the header line."""

F = TypeVar("F", OrderFact, LineFact)

_ORDER_KINDS: Mapping[str, Kind] = {
    "order_id": "text",
    "customer_id": "opt_text",
    "placed_at": "datetime",
    "total": "amount",
    "currency": "currency",
    "status": "opt_text",
    "channel": "opt_text",
    "region": "opt_text",
    "tier": "opt_text",
    "assignee": "opt_text",
    "units": "count",
    "approved_at": "opt_datetime",
    "confirmed_at": "opt_datetime",
    "shipped_at": "opt_datetime",
    "delivered_at": "opt_datetime",
    "completed_at": "opt_datetime",
    "cancelled_at": "opt_datetime",
    "held": "flag",
    "returned": "flag",
    "ship_by": "opt_datetime",
}
_LINE_KINDS: Mapping[str, Kind] = {
    "order_id": "text",
    "placed_at": "datetime",
    "sku": "text",
    "quantity": "count",
    "amount": "amount",
    "currency": "currency",
    "category": "opt_text",
    "customer_id": "opt_text",
    "channel": "opt_text",
    "region": "opt_text",
}


@attrs.frozen(slots=True)
class OrderColumns:
    """Which column holds each :class:`OrderFact` field (``None``: not in the data).

    The defaults fit ``order_id,customer_id,order_date,amount``; without a currency column the
    reader's ``currency`` argument gives the currency of every amount.
    """

    order_id: str = "order_id"
    customer_id: str | None = "customer_id"
    placed_at: str = "order_date"
    total: str = "amount"
    currency: str | None = None
    status: str | None = None
    channel: str | None = None
    region: str | None = None
    tier: str | None = None
    assignee: str | None = None
    units: str | None = None
    approved_at: str | None = None
    confirmed_at: str | None = None
    shipped_at: str | None = None
    delivered_at: str | None = None
    completed_at: str | None = None
    cancelled_at: str | None = None
    held: str | None = None
    returned: str | None = None
    ship_by: str | None = None

    def fields(self) -> list[Field]:
        """The scanner fields for the mapped columns."""
        return _fields(self, _ORDER_KINDS)


@attrs.frozen(slots=True)
class LineColumns:
    """Which column holds each :class:`LineFact` field (``None``: not in the data)."""

    order_id: str = "order_id"
    placed_at: str = "order_date"
    sku: str = "sku"
    quantity: str = "quantity"
    amount: str = "amount"
    currency: str | None = None
    category: str | None = None
    customer_id: str | None = None
    channel: str | None = None
    region: str | None = None

    def fields(self) -> list[Field]:
        """The scanner fields for the mapped columns."""
        return _fields(self, _LINE_KINDS)


def _fields(columns: OrderColumns | LineColumns, kinds: Mapping[str, Kind]) -> list[Field]:
    found: list[Field] = []
    for name, kind in kinds.items():
        column = getattr(columns, name)
        if column is not None:
            if not isinstance(column, str) or not column:
                raise ValidationError(f"columns.{name}", "give the column's header as text")
            found.append(Field(name, column, kind))
    return found


@attrs.frozen(slots=True)
class ReadReport:
    """What a reader made of its input.

    Attributes:
        rows_read: Rows turned into facts.
        problems: Every row left out, with its line number, column and reason.
    """

    rows_read: int
    problems: tuple[RowProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every row was read."""
        return not self.problems

    def raise_if_bad(self) -> None:
        """Raise :class:`~ordercore.errors.RowsRejected` if any row was left out."""
        if self.problems:
            raise RowsRejected(
                [(problem.line, problem.column, problem.reason) for problem in self.problems]
            )

    def __str__(self) -> str:
        head = f"{self.rows_read} rows read, {len(self.problems)} rejected"
        shown = [f"  line {p.line}, {p.column}: {p.reason}" for p in self.problems[:20]]
        more = len(self.problems) - len(shown)
        return "\n".join([head, *shown, *([f"  ... and {more} more"] if more > 0 else [])])


@attrs.frozen(slots=True)
class FactsRead(Generic[F]):
    """Facts and the report of how they were read."""

    facts: tuple[F, ...]
    report: ReadReport


def open_csv(
    source: CsvSource,
    fields: Sequence[Field],
    *,
    currency: str | None,
    delimiter: str = ",",
    dayfirst: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[Batch, list[RowProblem]]]:
    """Scan a CSV path or open file block by block (see :func:`._scan.scan`)."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            yield from scan(
                stream,
                fields,
                currency=currency,
                delimiter=delimiter,
                dayfirst=dayfirst,
                progress=progress,
            )
    else:
        yield from scan(
            source,
            fields,
            currency=currency,
            delimiter=delimiter,
            dayfirst=dayfirst,
            progress=progress,
        )


def _order_fact(values: Mapping[str, Any], currency: str) -> OrderFact:
    customer = values.get("customer_id") or None
    return OrderFact(
        order_id=values["order_id"],
        customer_id=customer,
        placed_at=values["placed_at"],
        total=Money.from_minor_units(values["total"], values.get("currency", currency)),
        status=values.get("status") or "placed",
        channel=values.get("channel") or "",
        region=values.get("region") or "",
        tier=values.get("tier") or "",
        assignee=values.get("assignee") or None,
        units=values.get("units", 0),
        approved_at=values.get("approved_at"),
        confirmed_at=values.get("confirmed_at"),
        shipped_at=values.get("shipped_at"),
        delivered_at=values.get("delivered_at"),
        completed_at=values.get("completed_at"),
        cancelled_at=values.get("cancelled_at"),
        held=values.get("held", False),
        returned=values.get("returned", False),
        ship_by=values.get("ship_by"),
    )


def _line_fact(values: Mapping[str, Any], currency: str) -> LineFact:
    return LineFact(
        order_id=values["order_id"],
        placed_at=values["placed_at"],
        sku=values["sku"],
        quantity=values["quantity"],
        amount=Money.from_minor_units(values["amount"], values.get("currency", currency)),
        category=values.get("category") or "",
        customer_id=values.get("customer_id") or None,
        channel=values.get("channel") or "",
        region=values.get("region") or "",
    )


def _from_batches(
    batches: Iterable[tuple[Batch, list[RowProblem]]],
    build: Callable[[Mapping[str, Any], str], F],
    currency: str | None,
) -> FactsRead[F]:
    facts: list[F] = []
    problems: list[RowProblem] = []
    for batch, bad in batches:
        problems.extend(bad)
        names = list(batch.columns)
        for row in zip(*batch.columns.values(), strict=True):
            facts.append(build(dict(zip(names, row, strict=True)), currency or ""))
    return FactsRead(tuple(facts), ReadReport(len(facts), tuple(problems)))


def orders_from_csv(
    source: CsvSource,
    columns: OrderColumns | None = None,
    *,
    currency: str | None = None,
    delimiter: str = ",",
    dayfirst: bool = False,
) -> FactsRead[OrderFact]:
    """Read order facts from a CSV export.

    Args:
        source: A path, or an open binary or text file.
        columns: Which column holds each field; defaults to :class:`OrderColumns` ().
        currency: The currency of every amount, when no currency column is mapped.
        delimiter: The field separator.
        dayfirst: Read ambiguous dates (03/04/2024) as day first.

    Returns:
        The facts of the good rows and a report listing every bad row.

    Raises:
        ValidationError: ``columns`` naming the missing columns; ``header``; ``currency``.
    """
    mapping = columns or OrderColumns()
    batches = open_csv(
        source, mapping.fields(), currency=currency, delimiter=delimiter, dayfirst=dayfirst
    )
    return _from_batches(batches, _order_fact, currency)


def lines_from_csv(
    source: CsvSource,
    columns: LineColumns | None = None,
    *,
    currency: str | None = None,
    delimiter: str = ",",
    dayfirst: bool = False,
) -> FactsRead[LineFact]:
    """Read line facts from a CSV export; arguments as :func:`orders_from_csv`."""
    mapping = columns or LineColumns()
    batches = open_csv(
        source, mapping.fields(), currency=currency, delimiter=delimiter, dayfirst=dayfirst
    )
    return _from_batches(batches, _line_fact, currency)


# -- dicts and DataFrames ------------------------------------------------------------------


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _typed_cell(
    parser: _Scanner, field: Field, value: object, currency: str | None, floats: bool
) -> Any:
    """Turn a Python value into the scanner's value for ``field``; text goes through the parser."""
    kind = field.kind
    if kind in ("text", "opt_text") and not isinstance(value, str | bool):
        if isinstance(value, int):
            value = str(value)  # integer ids from a DataFrame column
        elif floats and isinstance(value, float) and value.is_integer():
            value = str(int(value))  # an id column with gaps becomes float in pandas
    if kind in ("datetime", "opt_datetime", "day") and isinstance(value, datetime | date):
        moment = value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return moment.date().isoformat() if kind == "day" else moment
    if kind == "amount" and not isinstance(value, str):
        if isinstance(value, Money):
            if value.currency != currency:
                raise CellError(f"in {value.currency}, but the row's currency is {currency}")
            return value.minor_units
        if isinstance(value, float) and floats and math.isfinite(value):
            value = repr(value)  # the shortest text that reads back as this float
        elif isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise CellError(f"expected a decimal amount, got {type(value).__name__}")
        value = str(value)
    if kind == "count" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if kind == "count" and floats and isinstance(value, float) and value.is_integer():
        value = str(int(value))
    if kind == "flag" and isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise CellError(f"expected text, got {type(value).__name__}")
    return parser.cell(field, value, currency)


def _rows_from_mappings(
    rows: Iterable[Mapping[str, object]],
    fields: Sequence[Field],
    currency: str | None,
    floats: bool,
) -> Iterator[tuple[Batch, list[RowProblem]]]:
    currency_field = next((f for f in fields if f.kind == "currency"), None)
    if currency_field is None and currency is None:
        raise ValidationError("currency", "give the currency of the amounts, or map a column")
    parser = _Scanner([], [], None, ",", dayfirst=False)  # its cell rules, for non-file values
    columns: dict[str, list[Any]] = {field.name: [] for field in fields}
    lines: list[int] = []
    problems: list[RowProblem] = []
    for number, row in enumerate(rows, start=1):
        values: dict[str, Any] = {}
        row_currency = currency
        try:
            for field in sorted(fields, key=lambda f: f.kind != "currency"):
                raw = row.get(field.column)
                if _is_missing(raw):
                    raw = ""
                try:
                    value = _typed_cell(parser, field, raw, row_currency, floats)
                except CellError as error:
                    problems.append(RowProblem(number, field.column, error.reason))
                    raise
                values[field.name] = value
                if field.kind == "currency":
                    row_currency = value
        except CellError:
            continue
        for name, value in values.items():
            columns[name].append(value)
        lines.append(number)
    yield Batch(columns, lines), problems


def orders_from_dicts(
    rows: Iterable[Mapping[str, object]],
    columns: OrderColumns | None = None,
    *,
    currency: str | None = None,
) -> FactsRead[OrderFact]:
    """Read order facts from mappings (one per order); ``line`` numbers count rows from 1.

    Values may be text (read as a CSV cell would be), ``datetime``/``date``, ``Decimal``, ``int``
    or :class:`~ordercore.money.Money`; floats are refused as amounts.
    """
    mapping = columns or OrderColumns()
    batches = _rows_from_mappings(rows, mapping.fields(), currency, floats=False)
    return _from_batches(batches, _order_fact, currency)


def lines_from_dicts(
    rows: Iterable[Mapping[str, object]],
    columns: LineColumns | None = None,
    *,
    currency: str | None = None,
) -> FactsRead[LineFact]:
    """Read line facts from mappings; as :func:`orders_from_dicts`."""
    mapping = columns or LineColumns()
    batches = _rows_from_mappings(rows, mapping.fields(), currency, floats=False)
    return _from_batches(batches, _line_fact, currency)


def _records(frame: Any) -> list[dict[str, object]]:
    records: list[dict[str, object]] = frame.to_dict("records")
    return records


def orders_from_dataframe(
    frame: Any, columns: OrderColumns | None = None, *, currency: str | None = None
) -> FactsRead[OrderFact]:
    """Read order facts from a pandas DataFrame.

    A float amount column is read through each value's shortest decimal text (``19.99``), and
    must fit the currency's minor units; NaN and ``None`` count as empty cells.
    """
    mapping = columns or OrderColumns()
    batches = _rows_from_mappings(_records(frame), mapping.fields(), currency, floats=True)
    return _from_batches(batches, _order_fact, currency)


def lines_from_dataframe(
    frame: Any, columns: LineColumns | None = None, *, currency: str | None = None
) -> FactsRead[LineFact]:
    """Read line facts from a pandas DataFrame; as :func:`orders_from_dataframe`."""
    mapping = columns or LineColumns()
    batches = _rows_from_mappings(_records(frame), mapping.fields(), currency, floats=True)
    return _from_batches(batches, _line_fact, currency)
