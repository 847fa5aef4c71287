"""The fast paths of the CSV calculators give what the careful, row-by-row paths give.

The scanner reads a plain block a column at a time and falls back to reading it line by line
(the careful path, which names every bad row); the RFM fold keeps whole-number customer ids in
plain lists and other ids in a dictionary; ``workers=2`` folds half a file in a forked process.
Each is checked here against the slow way of doing the same thing.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.analytics import LineColumns, Period, _halves, rfm_from_csv, sales_from_csv
from ordercore.analytics._periods import period_label
from ordercore.analytics._rfm_fold import CustomerTotals
from ordercore.analytics._scan import Field, RowProblem, _Scanner, in_order, scan
from ordercore.errors import CurrencyMismatch, ValidationError

_FIELDS = [
    Field("customer_id", "customer_id", "opt_text"),
    Field("placed_at", "order_date", "day"),
    Field("total", "amount", "amount"),
    Field("units", "quantity", "count"),
]
_HEADER = "customer_id,order_date,amount,quantity"


_PLAIN = {
    "customer_id": ["1", "2", "10", "c1"],
    "order_date": ["2024-01-01", "2024-01-02", "2024-02-29"],
    "amount": ["1.00", "12.34", "-0.50", ".50", "-.50", "0012.30", "0.00", "-0.00"],
    "quantity": ["1", "0", "3", "007", "9" * 18],
}
_ODD = {
    "customer_id": ["0", "01", "", " 3", "99999999999999999999"],
    "order_date": ["2023-02-29", "2024-1-3", "", "03/04/2024"],
    "amount": [
        "+1.00", " 1.00", "1_0.00", "1.5", "1.", "12", "", "-", "1e3", "NaN", "1.000", "1 .00",
        "\u0661.00", "9" * 30 + ".00", "9" * 31 + ".00", "9" * 32 + ".00", "1.0.0",
        "-1_0.00", "1_.00", "_1.00", "1.2.34", "-" + "9" * 32 + ".00",
    ],
    "quantity": ["", "-1", "+1", " 1", "1_0", "0" * 19, "\u0663"],
}  # fmt: skip


def _cells(column: str) -> st.SearchStrategy[str]:
    """Mostly cells the fast path takes, often enough one it must leave to the careful path."""
    plain = _PLAIN[column]
    return st.one_of(st.sampled_from(plain), st.sampled_from(plain + _ODD[column]))


_rows = st.lists(
    st.tuples(*(_cells(column) for column in _HEADER.split(","))), min_size=1, max_size=30
)


def _read(text: str, currency: str, careful: bool) -> tuple[list[Any], list[RowProblem]]:
    """Good rows as (line, values) and the problems, by the normal scan or the careful path."""
    if careful:
        body = text.split("\n", 1)[1]
        scanner = _Scanner(_HEADER.split(","), _FIELDS, currency, ",", dayfirst=False)
        batches = [scanner.careful(body[:-1], 2)]
    else:
        batches = list(scan(io.StringIO(text), _FIELDS, currency=currency))
    rows: list[Any] = []
    problems: list[RowProblem] = []
    for batch, bad in batches:
        names = list(batch.columns)
        for line, values in zip(
            batch.lines, zip(*batch.columns.values(), strict=True), strict=True
        ):
            rows.append((line, dict(zip(names, values, strict=True))))
        problems.extend(bad)
    return rows, problems


@given(_rows, st.sampled_from(["EUR", "JPY", "KWD"]))
def test_a_plain_block_is_read_as_the_careful_path_reads_it(
    rows: list[tuple[str, str, str, str]], currency: str
) -> None:
    text = _HEADER + "\n" + "".join(",".join(row) + "\n" for row in rows)

    assert _read(text, currency, careful=False) == _read(text, currency, careful=True)


@pytest.mark.parametrize(
    ("column", "cell"), [(column, cell) for column, cells in _ODD.items() for cell in cells]
)
@pytest.mark.parametrize("currency", ["EUR", "JPY"])
def test_one_odd_cell_among_plain_ones_is_read_as_the_careful_path_reads_it(
    column: str, cell: str, currency: str
) -> None:
    names = _HEADER.split(",")
    plain = [_PLAIN[name][0] for name in names]
    odd = [cell if name == column else _PLAIN[name][1] for name in names]
    text = _HEADER + "\n" + "".join(",".join(row) + "\n" for row in (plain, odd, plain))

    assert _read(text, currency, careful=False) == _read(text, currency, careful=True)


def test_a_plain_block_takes_the_fast_path() -> None:
    # Cells the fast path must accept as they are, not by falling back: a sign, no whole
    # part, leading zeros, a sorted date column and quantities that repeat.
    text = _HEADER + "\n1,2024-01-01,-0.50,2\n2,2024-01-01,.50,2\n3,2024-01-02,0012.30,1\n"
    scanner = _Scanner(_HEADER.split(","), _FIELDS, "EUR", ",", dayfirst=False)

    batch = scanner.plain(text.split("\n", 1)[1], 2, 3)

    assert batch.columns["total"] == [-50, 50, 1230]
    assert batch.columns["units"] == [2, 2, 1]
    assert list(batch.lines) == [2, 3, 4]


# -- the RFM fold ---------------------------------------------------------------------------

_ids = st.sampled_from(["1", "2", "3", "70000", "140000", "007", "0", "c1", ""])
_blocks = st.lists(
    st.lists(
        st.tuples(_ids, st.dates(date(2024, 1, 1), date(2024, 1, 9)), st.integers(-500, 5000)),
        min_size=1,
        max_size=12,
    ),
    min_size=1,
    max_size=6,
)


def _reference(blocks: list[list[tuple[str, date, int]]]) -> dict[str, tuple[int, int, str]]:
    found: dict[str, tuple[int, int, str]] = {}
    for block in blocks:
        for customer, day, minor in block:
            count, total, last = found.get(customer, (0, 0, ""))
            found[customer] = (count + 1, total + minor, max(last, day.isoformat()))
    return found


@given(_blocks, st.booleans())
def test_the_fold_gives_each_customer_its_count_spend_and_latest_day(
    blocks: list[list[tuple[str, date, int]]], in_day_order: bool
) -> None:
    if in_day_order:
        blocks = [sorted(block, key=lambda row: row[1]) for block in blocks]
    totals = CustomerTotals(None)
    for block in blocks:
        ids, days, minors = zip(*block, strict=True)
        totals.add(list(ids), [d.isoformat() for d in days], list(minors), [])

    customers, counts, sums, lasts = totals.items()

    found = dict(zip(customers, zip(counts, sums, lasts, strict=True), strict=True))
    assert found == _reference(blocks)
    assert totals.newest == max(day.isoformat() for block in blocks for _, day, _ in block)


def _dense(totals: CustomerTotals) -> bool:
    return totals.index is None


def test_whole_number_ids_stay_dense_until_an_id_does_not_fit() -> None:
    totals = CustomerTotals(None)
    totals.add(["3", "1"], ["2024-01-01", "2024-01-02"], [100, 200], [])
    assert _dense(totals)  # the ids index the lists
    totals.add(["007"], ["2024-01-03"], [5], [])  # a leading zero keeps its text
    assert not _dense(totals)
    totals.add(["3"], ["2024-01-04"], [1], [])

    assert totals.result()[:4] == (
        ["1", "3", "007"],
        [1, 2, 1],
        [200, 101, 5],
        ["2024-01-02", "2024-01-04", "2024-01-03"],
    )


def test_merging_another_fold_adds_counts_and_spend_and_keeps_the_later_day() -> None:
    totals = CustomerTotals(None)
    totals.add(["1", "2"], ["2024-01-05", "2024-01-01"], [100, 200], [])

    totals.merge(["2", "1", "c9"], [2, 1, 1], [5, 7, 9], ["2024-01-03", "2024-01-02", "2024-01-04"])

    assert totals.result()[:4] == (
        ["1", "2", "c9"],
        [2, 3, 1],
        [107, 205, 9],
        ["2024-01-05", "2024-01-03", "2024-01-04"],
    )
    assert totals.newest == "2024-01-05"


def test_ids_far_sparser_than_the_customers_do_not_grow_the_lists() -> None:
    totals = CustomerTotals(None)
    totals.add(["1", str(10**9)], ["2024-01-01", "2024-01-01"], [1, 2], [])

    assert not _dense(totals)
    assert len(totals.counts) == 2


# -- workers=2 ------------------------------------------------------------------------------


def _orders_file(path: Any, rows: int, bad_every: int = 0, currency_from: int = 0) -> str:
    lines = ["order_id,customer_id,order_date,amount,currency\n"]
    for i in range(1, rows + 1):
        day = f"2024-{1 + i * 12 // (rows + 1):02d}-{1 + i % 28:02d}"
        amount = "oops" if bad_every and i % bad_every == 0 else f"{i % 997}.{i % 100:02d}"
        code = "USD" if currency_from and i >= currency_from else "EUR"
        lines.append(f"{i},{1 + i % 173},{day},{amount},{code}\n")
    path.write_text("".join(lines))
    return str(path)


@pytest.fixture
def small_halves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_halves, "MIN_BYTES", 1)


def _columns() -> Any:
    from ordercore.analytics import OrderColumns

    return OrderColumns(currency="currency")


@pytest.mark.usefixtures("small_halves")
def test_two_workers_give_the_same_scores_and_report_as_one(tmp_path: Any) -> None:
    path = _orders_file(tmp_path / "orders.csv", 3_000, bad_every=700)
    assert _halves.split(path, 2) is not None  # the file is cut in two here

    one = rfm_from_csv(path, _columns())
    two = rfm_from_csv(path, _columns(), workers=2)

    assert two == one
    assert two.report is not None
    assert [p.line for p in two.report.problems] == [701, 1401, 2101, 2801]  # row i: line i + 1


@pytest.mark.usefixtures("small_halves")
def test_two_workers_refuse_a_currency_that_changes_between_the_halves(tmp_path: Any) -> None:
    path = _orders_file(tmp_path / "orders.csv", 2_000)
    halves = _halves.split(path, 2)
    assert halves is not None
    # Every row of the first half in EUR, every row of the second in USD (same byte lengths).
    _orders_file(tmp_path / "orders.csv", 2_000, currency_from=halves.lines_in_first() + 1)

    with pytest.raises(CurrencyMismatch):
        rfm_from_csv(path, _columns(), workers=2)


@pytest.mark.usefixtures("small_halves")
def test_a_failed_child_leaves_its_half_to_the_parent(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _orders_file(tmp_path / "orders.csv", 2_000, bad_every=900)
    one = rfm_from_csv(path, _columns())

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("the child cannot encode its fold")

    monkeypatch.setattr(json, "dumps", broken)  # only the child encodes JSON here

    assert rfm_from_csv(path, _columns(), workers=2) == one


@pytest.mark.parametrize("workers", [0, 3, -1])
def test_workers_other_than_one_or_two_are_refused(tmp_path: Any, workers: int) -> None:
    path = _orders_file(tmp_path / "orders.csv", 10)

    with pytest.raises(ValidationError) as caught:
        rfm_from_csv(path, _columns(), workers=workers)
    assert caught.value.field == "workers"


def test_open_files_and_small_files_are_read_in_one_process(tmp_path: Any) -> None:
    path = _orders_file(tmp_path / "orders.csv", 100)

    assert _halves.split(path, 2) is None  # below MIN_BYTES
    with open(path, "rb") as stream:
        assert _halves.split(stream, 2) is None
    assert _halves.split(path, 1) is None


# -- sales ----------------------------------------------------------------------------------

_lines = st.lists(
    st.tuples(
        st.dates(date(2023, 12, 25), date(2024, 1, 10)),
        st.sampled_from(["A", "B", "C"]),
        st.integers(1, 4),
        st.integers(-300, 5_000),
        st.sampled_from(["EUR", "EUR", "USD"]),
    ),
    min_size=1,
    max_size=40,
)


@given(_lines, st.sampled_from([Period.DAY, Period.WEEK, Period.MONTH, None]), st.booleans())
def test_sales_from_csv_sum_each_period_key_and_currency(
    lines: list[tuple[date, str, int, int, str]], period: Period | None, in_day_order: bool
) -> None:
    if in_day_order:
        lines = sorted(lines, key=lambda line: line[0])
    text = "order_id,order_date,sku,quantity,amount,currency\n" + "".join(
        f"{i},{day.isoformat()},{sku},{units},{'-' if cents < 0 else ''}"
        f"{abs(cents) // 100}.{abs(cents) % 100:02d},{currency}\n"
        for i, (day, sku, units, cents, currency) in enumerate(lines)
    )
    expected: dict[tuple[str, str, str], tuple[int, int, int]] = {}
    for day, sku, units, cents, currency in lines:
        label = "all" if period is None else period_label(period, day)
        revenue, count, sold = expected.get((label, sku, currency), (0, 0, 0))
        expected[(label, sku, currency)] = (revenue + cents, count + 1, sold + units)

    report = sales_from_csv(
        io.StringIO(text), LineColumns(currency="currency"), period=period, by="sku"
    )

    found = {
        (c.period, c.key, c.currency): (c.revenue_minor, c.count, c.units) for c in report.cells
    }
    assert found == expected
    assert [(c.period, c.key, c.currency) for c in report.cells] == sorted(expected)


def test_in_order_is_refuted_by_a_swap_that_the_probes_miss() -> None:
    values = [f"{i:03d}" for i in range(100)]
    assert in_order(values)
    values[50], values[51] = values[51], values[50]
    assert not in_order(values)
    assert not in_order(list("abcabc"))
    assert in_order([])
