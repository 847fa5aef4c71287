"""Readers: CSV (fast and careful paths alike), dicts, DataFrames; every bad row reported."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ordercore.analytics import (
    OrderColumns,
    lines_from_dicts,
    orders_from_csv,
    orders_from_dataframe,
    orders_from_dicts,
)
from ordercore.errors import RowsRejected, ValidationError
from ordercore.money import Money

GOOD = "order_id,customer_id,order_date,amount,currency\n1,c1,2024-01-01,10.00,EUR\n"


def test_a_plain_file_reads_every_row() -> None:
    read = orders_from_csv(io.StringIO(GOOD), OrderColumns(currency="currency"))

    assert read.report.ok
    (fact,) = read.facts
    assert fact.total == Money.of("10.00", "EUR")
    assert fact.placed_at == datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("2,c2,2024-13-01,1.00,EUR", "order_date", "not a date"),
        ("2,c2,,1.00,EUR", "order_date", "empty"),
        ("2,c2,03/2024,1.00,EUR", "order_date", "incomplete"),
        ("2,c2,2024-01-02,1.001,EUR", "amount", "decimal places"),
        ("2,c2,2024-01-02,NaN,EUR", "amount", "NaN"),
        ("2,c2,2024-01-02,12,XXY", "currency", "ISO 4217"),
        (",c2,2024-01-02,1.00,EUR", "order_id", "required"),
        ("2,c2,2024-01-02,1.00", "row", "expected 5 fields"),
        ('2,"c2,2024-01-02,1.00,EUR', "row", "expected 5 fields"),
    ],
)
def test_each_bad_row_is_named_with_its_line_column_and_reason(
    row: str, column: str, reason: str
) -> None:
    text = GOOD + row + "\n" + "3,c3,2024-01-03,3.00,EUR\n"

    read = orders_from_csv(io.StringIO(text), OrderColumns(currency="currency"))

    assert [f.order_id for f in read.facts] == ["1", "3"]
    (problem,) = read.report.problems
    assert (problem.line, problem.column) == (3, column)
    assert reason in problem.reason
    with pytest.raises(RowsRejected) as caught:
        read.report.raise_if_bad()
    assert caught.value.problems[0][0] == 3


def test_missing_columns_are_named_before_any_row_is_read() -> None:
    with pytest.raises(ValidationError) as caught:
        orders_from_csv(io.StringIO("order_id,amount\n1,2.00\n"), currency="EUR")
    assert caught.value.field == "columns"
    assert "customer_id" in caught.value.reason
    assert "order_date" in caught.value.reason


def test_no_currency_at_all_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        orders_from_csv(io.StringIO("order_id,customer_id,order_date,amount\n"))
    assert caught.value.field == "currency"


def test_quoted_fields_crlf_endings_and_non_iso_dates_read_as_plain_ones() -> None:
    text = (
        "order_id,customer_id,order_date,amount\r\n"
        '"1","c1","2024-01-05T10:00:00+02:00","1,5"\r\n'
        "2,c2,March 7 2024,2.50\r\n"
        "3,c3,2024-03-08,3"
    )

    read = orders_from_csv(io.StringIO(text), currency="EUR")

    assert [p.line for p in read.report.problems] == [2]  # "1,5" is not an amount
    assert [f.placed_at.date() for f in read.facts] == [date(2024, 3, 7), date(2024, 3, 8)]
    assert read.facts[1].total == Money.of("3.00", "EUR")


def test_bytes_that_are_not_utf8_are_reported_and_the_rest_kept() -> None:
    data = GOOD.encode() + b"2,c\xff,2024-01-02,1.00,EUR\n3,c3,2024-01-03,3.00,EUR\n"

    read = orders_from_csv(io.BytesIO(data), OrderColumns(currency="currency"))

    assert [f.order_id for f in read.facts] == ["1", "3"]
    assert [(p.line, p.reason) for p in read.report.problems] == [(3, "not UTF-8 text")]


def test_dicts_take_python_values_and_refuse_float_amounts() -> None:
    names = ("order_id", "customer_id", "order_date", "amount")
    rows: list[dict[str, object]] = [
        dict(zip(names, ("1", 7, date(2024, 1, 1), Decimal("1.50")), strict=True)),
        dict(zip(names, ("2", None, "2024-01-02", 2.5), strict=True)),
        dict(zip(names, ("3", "c", datetime(2024, 1, 3), Money.of(3, "EUR")), strict=True)),
    ]

    read = orders_from_dicts(rows, currency="EUR")

    assert [f.order_id for f in read.facts] == ["1", "3"]
    assert read.facts[0].customer_id == "7"
    assert [(p.line, p.column) for p in read.report.problems] == [(2, "amount")]


def test_line_dicts_refuse_negative_quantities() -> None:
    rows = [
        {"order_id": "1", "order_date": "2024-01-01", "sku": "A", "quantity": -1, "amount": "1"}
    ]

    read = lines_from_dicts(rows, currency="EUR")

    assert read.facts == ()
    assert read.report.problems[0].column == "quantity"


def test_dataframes_read_float_amounts_through_their_shortest_text() -> None:
    pd = pytest.importorskip("pandas", reason="the pandas extra is not installed")
    frame = pd.DataFrame(
        {
            "order_id": ["1", "2"],
            "customer_id": [1, 2],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [19.99, 0.001],
        }
    )

    read = orders_from_dataframe(frame, currency="EUR")

    assert [f.total for f in read.facts] == [Money.of("19.99", "EUR")]
    assert read.report.problems[0].column == "amount"
