"""RFM: measures, pandas-compatible quintile scores, segments, currencies, CSV."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from ordercore.analytics import ExchangeRates, quintile_scores, rfm, rfm_from_csv
from ordercore.errors import CurrencyMismatch, NotFound, ValidationError
from ordercore.testing.facts import order_fact as order


def test_quintiles_follow_pandas_qcut_of_first_ranks() -> None:
    """pd.qcut(pd.Series(v).rank(method="first"), 5, labels=[1..5]) for v below gives
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5] for ten distinct values, and ties keep list order."""
    assert quintile_scores(list(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores([7] * 10) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores(list(range(10)), reverse=True) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # n = 6: edges 1, 2, 3, 4, 5, 6 -> ranks 1-2 in bin 1, then one rank per bin.
    assert quintile_scores([5, 4, 3, 2, 1, 0]) == [5, 4, 3, 2, 1, 1]


def test_rfm_measures_recency_from_the_day_after_the_latest_order() -> None:
    facts = [
        order("o1", "c1", "2024-01-01", "10.00"),
        order("o2", "c1", "2024-01-10", "5.50"),
        order("o3", "c2", "2024-01-05", "100.00"),
        order("o4", None, "2024-01-11", "1.00"),
    ]

    scores = rfm(facts)

    assert scores.as_of == date(2024, 1, 12)
    assert scores.customer("c1")[:5] == ("c1", 2, 2, Decimal("15.50"), "EUR")
    assert scores.customer("c2")[:4] == ("c2", 7, 1, Decimal("100.00"))
    assert scores.guest_orders == 1
    with pytest.raises(NotFound):
        scores.customer("c9")


def test_customers_are_in_numeric_id_order_and_ties_break_by_id() -> None:
    facts = [order(f"o{i}", str(i), "2024-01-01", "1.00") for i in (10, 9, 100, 2, 1)]

    scores = rfm(facts, as_of=date(2024, 1, 2))

    assert scores.customers == ("1", "2", "9", "10", "100")
    assert scores.m == (1, 2, 3, 4, 5)  # equal spend: rank by id
    assert scores.r == (5, 4, 3, 2, 1)


def test_segments_name_the_r_f_pair() -> None:
    facts = [order(f"o{i}", f"c{i}", f"2024-01-{i + 1:02d}", f"{i}.00") for i in range(1, 11)]
    facts += [order("x", "c10", "2024-01-11", "1.00"), order("y", "c9", "2024-01-10", "1.00")]

    scores = rfm(facts)

    assert scores.customer("c10")[-2:] == ("555", "champions")
    assert scores.customer("c1")[-1] == "hibernating"
    assert sum(scores.segment_counts().values()) == 10


def test_mixed_currencies_are_refused_without_rates_and_converted_with_them() -> None:
    facts = [
        order("o1", "c1", "2024-01-01", "10.00"),
        order("o2", "c2", "2024-01-01", "10.00", "USD"),
    ]

    with pytest.raises(CurrencyMismatch):
        rfm(facts)
    scores = rfm(facts, rates=ExchangeRates("EUR", {"USD": Decimal("0.5")}))
    assert scores.customer("c2")[3] == Decimal("5.00")
    assert scores.currency == "EUR"


def test_no_customer_at_all_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        rfm([order("o1", None, "2024-01-01", "1.00")])
    assert caught.value.field == "facts"


def test_rfm_from_csv_equals_rfm_of_the_same_facts_and_reports_bad_rows() -> None:
    text = (
        "order_id,customer_id,order_date,amount\n"
        "1,7,2024-01-01,10.00\n"
        "2,8,2024-01-03,12.5\n"
        "3,7,2024-02-30,1.00\n"
        "4,9,2024-01-02,abc\n"
        "5,8,2024-01-04,1.00\n"
    )

    scores = rfm_from_csv(io.StringIO(text), currency="EUR")

    assert scores.report is not None
    assert [(p.line, p.column) for p in scores.report.problems] == [
        (4, "order_date"),
        (5, "amount"),
    ]
    assert scores.customers == ("7", "8")
    assert scores.customer("8")[1:4] == (1, 2, Decimal("13.50"))
    expected = rfm([order("1", "7", "2024-01-01", "10.00"), order("2", "8", "2024-01-03", "12.50"),
                    order("5", "8", "2024-01-04", "1.00")])  # fmt: skip
    assert scores.rows() == expected.rows()
