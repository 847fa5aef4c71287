"""desk.analytics facts from storage, and ``ordercore analyze`` on CSV exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ordercore import (
    Actor,
    Address,
    Contact,
    LineDraft,
    ManualClock,
    OrderDesk,
    OrderDraft,
    SequentialIds,
    ValidationError,
)
from ordercore.analytics import sales
from ordercore.cli.__main__ import main

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _draft(index: int) -> OrderDraft:
    return OrderDraft(
        channel="web" if index % 2 else "phone",
        currency="EUR",
        customer_id=f"cust-{index % 2}",
        contact=Contact("Ada Lovelace", email="ada@example.com"),
        shipping_address=Address(
            name="Ada", line1="1 Street", city="Berlin", country="DE", postal_code="10115"
        ),
        lines=[LineDraft("MUG-01", 1 + index, "12.50", category="kitchen")],
    )


def test_desk_analytics_gives_facts_of_the_orders_in_the_window() -> None:
    clock = ManualClock(START)
    desk = OrderDesk.open(clock=clock, ids=SequentialIds(), entry_points=False)
    clerk = Actor("u-clerk", roles={"clerk"})
    placed = []
    for index in range(3):
        placed.append(desk.orders.place(_draft(index), actor=clerk))
        clock.advance(timedelta(days=1))

    facts = desk.analytics.facts(since=START + timedelta(hours=1))
    everything = desk.analytics.facts()
    lines = desk.analytics.line_facts(until=START + timedelta(hours=1))

    assert [f.order_id for f in facts] == [placed[1].id, placed[2].id]
    assert everything[0].approved_at is not None
    assert everything[0].customer_id == "cust-0"
    assert everything[0].region == "DE"
    assert sum(sales(everything).totals().values()) == sum(
        o.totals.grand_total.amount for o in placed
    )
    assert [(line.sku, line.quantity) for line in lines] == [("MUG-01", 1)]
    with pytest.raises(ValidationError) as caught:
        desk.analytics.facts(since=datetime(2025, 1, 1))
    assert caught.value.field == "since"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_analyze_prints_sales_and_segments_of_an_orders_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"{i},{i % 7},2024-0{1 + i % 3}-1{i % 9},{i}.50\n" for i in range(1, 60))
    path = _write(tmp_path, "orders.csv", "order_id,customer_id,order_date,amount\n" + rows)

    status = main(["--plain", "analyze", str(path), "--currency", "EUR", "--progress"])

    captured = capsys.readouterr()
    assert status == 0
    assert "Sales by month" in captured.out
    assert "2024-03" in captured.out
    assert "Customer segments" in captured.out
    assert "100%" in captured.err


def test_analyze_gives_top_products_and_restock_advice_for_a_lines_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(
        f"{i},2024-01-0{1 + i % 5},SKU-{i % 4},{1 + i % 3},{i}.00\n" for i in range(1, 40)
    )
    header = "order_id,order_date,sku,quantity,amount,currency\n"
    path = _write(tmp_path, "lines.csv", header + rows.replace("\n", ",EUR\n"))

    status = main(["--plain", "analyze", str(path)])

    out = capsys.readouterr().out
    assert status == 0
    assert "Top 10 products by revenue" in out
    assert "Restock advice" in out
    assert "SKU-3" in out


def test_analyze_without_a_currency_says_how_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "o.csv", "order_id,customer_id,order_date,amount\n1,1,2024-01-01,1\n")

    assert main(["analyze", str(path)]) == 1
    assert "--currency" in capsys.readouterr().err
