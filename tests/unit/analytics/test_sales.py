"""Sales by period and dimension, growth, rankings and seasonality."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from ordercore.analytics import (
    ExchangeRates,
    LineColumns,
    Period,
    best_and_worst,
    sales,
    sales_from_csv,
    seasonality_index,
)
from ordercore.errors import ValidationError
from ordercore.testing.facts import line_fact, order_fact


def test_monthly_sales_by_channel_count_orders_and_average_their_value() -> None:
    facts = [
        order_fact("o1", "c1", "2024-01-05", "10.00", channel="web", units=2),
        order_fact("o2", "c2", "2024-01-20", "20.01", channel="web", units=1),
        order_fact("o3", "c2", "2024-02-01", "5.00", channel="phone", units=1),
    ]

    report = sales(facts, by="channel")

    web = report.cell("2024-01", "web")
    assert web is not None
    assert (web.revenue, web.count, web.units, web.average) == (
        Decimal("30.01"), 2, 3, Decimal("15.00"),
    )  # fmt: skip
    assert report.columns[:5] == ("period", "channel", "currency", "revenue", "orders")
    assert report.totals() == {"EUR": Decimal("35.01")}


def test_currencies_are_kept_apart_unless_rates_are_given() -> None:
    facts = [
        order_fact("o1", "c", "2024-01-01", "10.00"),
        order_fact("o2", "c", "2024-01-02", "1000", "JPY"),
    ]

    apart = sales(facts)
    converted = sales(facts, rates=ExchangeRates("EUR", {"JPY": Decimal("0.0061")}))

    assert apart.totals() == {"EUR": Decimal("10.00"), "JPY": Decimal("1000")}
    assert converted.totals() == {"EUR": Decimal("16.10")}


@pytest.mark.parametrize(
    ("period", "label"),
    [
        (Period.DAY, "2024-12-30"),
        (Period.WEEK, "2025-W01"),
        (Period.MONTH, "2024-12"),
        (Period.QUARTER, "2024-Q4"),
        (Period.YEAR, "2024"),
        (None, "all"),
    ],
)
def test_periods_are_labelled_in_iso_terms(period: Period | None, label: str) -> None:
    report = sales([order_fact("o1", "c", "2024-12-30", "1.00")], period=period)
    assert [c.period for c in report.cells] == [label]


def test_growth_against_the_previous_period_and_the_same_period_last_year() -> None:
    facts = [
        order_fact("a", "c", "2023-02-10", "50.00"),
        order_fact("b", "c", "2024-01-10", "100.00"),
        order_fact("d", "c", "2024-02-10", "150.00"),
    ]

    rows = {row[0]: row for row in sales(facts).rows()}

    assert rows["2024-02"][7:] == (0.5, 2.0)
    assert rows["2024-01"][7:] == (None, None)


def test_line_facts_count_lines_and_rank_best_and_worst_sellers() -> None:
    lines = [
        line_fact("o1", "2024-01-01", "A", 2, "20.00"),
        line_fact("o1", "2024-01-01", "B", 1, "5.00"),
        line_fact("o2", "2024-02-01", "A", 1, "10.00"),
        line_fact("o3", "2024-02-01", "C", 9, "9.00"),
    ]

    report = sales(lines, by="sku")
    ranking = best_and_worst(report, n=2)
    by_units = best_and_worst(report, n=1, measure="units")

    assert report.counts == "lines"
    assert [c.key for c in ranking.best] == ["A", "C"]
    assert [c.key for c in ranking.worst] == ["B", "C"]
    assert by_units.best[0].key == "C"


def test_seasonality_index_compares_each_month_with_the_average_month() -> None:
    facts = [
        order_fact("a", "c", "2023-01-01", "10.00"),
        order_fact("b", "c", "2023-02-01", "30.00"),
        order_fact("d", "c", "2024-01-01", "30.00"),
        order_fact("e", "c", "2024-02-01", "10.00"),
    ]

    index = seasonality_index(sales(facts))

    assert index.rows() == [(1, "EUR", 1.0), (2, "EUR", 1.0)]
    with pytest.raises(ValidationError):
        seasonality_index(sales(facts, period=Period.YEAR))


def test_an_unknown_dimension_names_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        sales([order_fact("o", "c", "2024-01-01", "1.00")], by="colour")
    assert caught.value.field == "by"


def test_sales_from_csv_equals_sales_of_the_same_line_facts() -> None:
    text = (
        "order_id,order_date,sku,quantity,amount\n"
        "1,2024-01-01,A,2,20.00\n"
        "1,2024-01-01,B,1,5\n"
        "2,2024-02-01,A,x,1.00\n"
        "3,2024-02-01,A,1,10.00\n"
    )

    from_csv = sales_from_csv(io.StringIO(text), LineColumns(), by="sku", currency="EUR")

    expected = sales(
        [
            line_fact("1", "2024-01-01", "A", 2, "20.00"),
            line_fact("1", "2024-01-01", "B", 1, "5.00"),
            line_fact("3", "2024-02-01", "A", 1, "10.00"),
        ],
        by="sku",
    )
    assert from_csv.rows() == expected.rows()
    assert from_csv.report is not None
    assert [(p.line, p.column) for p in from_csv.report.problems] == [(4, "quantity")]
