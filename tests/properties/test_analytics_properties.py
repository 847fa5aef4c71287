"""Analytics properties: totals conserved, order of input irrelevant, constant forecasts,
and a CSV reader that only ever returns results or the documented errors."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from ordercore.analytics import (
    OrderFact,
    Period,
    croston,
    holt,
    holt_winters_additive,
    orders_from_csv,
    rfm,
    rfm_from_csv,
    sales,
    ses,
)
from ordercore.errors import ValidationError
from ordercore.money import Money

_days = st.dates(
    min_value=__import__("datetime").date(2022, 1, 1),
    max_value=__import__("datetime").date(2025, 12, 31),
)
_orders = st.lists(
    st.tuples(
        st.sampled_from(["c1", "c2", "c3", "7", "10", None]),
        _days,
        st.integers(min_value=0, max_value=10**7),
        st.sampled_from(["EUR", "JPY", "KWD"]),
        st.sampled_from(["web", "phone", "store"]),
    ),
    min_size=1,
    max_size=40,
)


Rows = list[tuple[str | None, date, int, str, str]]


def _facts(rows: Rows) -> list[OrderFact]:
    return [
        OrderFact(
            f"o{i}",
            customer,
            datetime(day.year, day.month, day.day, tzinfo=UTC),
            Money.from_minor_units(minor, currency),
            channel=channel,
        )
        for i, (customer, day, minor, currency, channel) in enumerate(rows)
    ]


@given(_orders, st.sampled_from(list(Period)))
def test_totals_are_the_same_by_any_dimension_and_any_period(rows: Rows, period: Period) -> None:
    facts = _facts(rows)
    expected: dict[str, int] = {}
    for _, _, minor, currency, _ in rows:
        expected[currency] = expected.get(currency, 0) + minor

    reports = (
        sales(facts, period=period),
        sales(facts, period=period, by="channel"),
        sales(facts, period=None, by="customer_id"),
    )
    for report in reports:
        totals: dict[str, int] = {}
        for cell in report.cells:
            totals[cell.currency] = totals.get(cell.currency, 0) + cell.revenue_minor
        assert totals == expected
        assert sum(cell.count for cell in report.cells) == len(rows)


@given(_orders, st.randoms(use_true_random=False))
def test_sales_and_rfm_do_not_depend_on_the_order_of_the_facts(
    rows: Rows, rnd: random.Random
) -> None:
    facts = _facts(rows)
    shuffled = list(facts)
    rnd.shuffle(shuffled)

    assert sales(facts, by="channel").rows() == sales(shuffled, by="channel").rows()
    one_currency = [f for f in facts if f.currency == "EUR" and f.customer_id]
    if one_currency:
        mixed = list(one_currency)
        rnd.shuffle(mixed)
        assert rfm(one_currency).rows() == rfm(mixed).rows()


@given(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.integers(min_value=8, max_value=40),
    st.floats(min_value=0, max_value=1),
)
def test_the_forecast_of_a_constant_series_is_that_constant(
    value: float, n: int, weight: float
) -> None:
    series = [value] * n
    tolerance = 1e-6 * max(1.0, abs(value))

    for forecast in (
        ses(series, alpha=weight, h=3),
        holt(series, alpha=weight, beta=weight, h=3),
        holt_winters_additive(
            series, season_length=4, alpha=weight, beta=weight, gamma=weight, h=3
        ),
    ):
        assert all(abs(v - value) <= tolerance for v in forecast.values)
    if value > 0:
        assert all(
            abs(v - value) <= tolerance for v in croston(series, alpha=weight, sba=False).values
        )


_cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["2024-01-01", "2024-02-30", "1.00", "-0.5", "1e3", "NaN", "", '"', "x,y", "\r"]
    ),
)


@given(st.lists(st.lists(_cell, min_size=0, max_size=6), max_size=12), st.booleans())
def test_the_csv_reader_fed_garbage_returns_results_or_documented_errors(
    rows: list[list[str]], as_bytes: bool
) -> None:
    text = "order_id,customer_id,order_date,amount\n" + "\n".join(",".join(r) for r in rows)
    source = io.BytesIO(text.encode("utf-8", "surrogatepass")) if as_bytes else io.StringIO(text)
    try:
        read = orders_from_csv(source, currency="EUR")
    except ValidationError:
        return
    assert read.report.rows_read == len(read.facts)
    lines = [p.line for p in read.report.problems]
    assert lines == sorted(lines)
    assert all(2 <= line <= text.count("\n") + 1 for line in lines)
    source = io.BytesIO(text.encode("utf-8", "surrogatepass")) if as_bytes else io.StringIO(text)
    try:
        scores = rfm_from_csv(source, currency="EUR")
    except ValidationError:
        return
    assert scores.report is not None
    assert sum(scores.frequency) + scores.guest_orders == scores.report.rows_read
