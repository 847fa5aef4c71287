"""What every result offers: rows, CSV/JSON with Decimals as text, masking, repr, pandas."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import ClassVar

import attrs
import pytest

from ordercore.analytics import TableResult, sales
from ordercore.analytics.results import Row
from ordercore.errors import ValidationError
from ordercore.testing.facts import order_fact


@attrs.frozen(slots=True, repr=False)
class _Contacts(TableResult):
    title: ClassVar[str] = "contacts"

    @property
    def columns(self) -> tuple[str, ...]:
        return ("customer_id", "email", "spend")

    def rows(self) -> list[Row]:
        return [("c1", "ada.lovelace@example.com", Decimal("1.10"))]


def _report() -> TableResult:
    return sales([order_fact(f"o{i}", "c", f"2024-{i:02d}-01", "10.10") for i in range(1, 13)])


def test_json_keeps_amounts_as_text_and_masks_personal_columns() -> None:
    records = json.loads(_Contacts().to_json())

    assert records[0]["spend"] == "1.10"
    assert records[0]["email"] != "ada.lovelace@example.com"
    assert "ada.lovelace" not in _Contacts().to_csv()


def test_csv_export_writes_the_header_and_rows(tmp_path: object) -> None:
    text = _report().to_csv()
    assert text.splitlines()[0].startswith("period,key,currency,revenue,orders")
    assert text.splitlines()[1].startswith("2024-01,,EUR,10.10,1,0,10.10")


def test_repr_is_a_readable_table_and_html_escapes() -> None:
    shown = repr(_report())
    assert shown.startswith("<SalesReport: sales, 12 rows>")
    assert "... 2 more rows" in shown
    assert "<table>" in _report()._repr_html_()


def test_to_pandas_gives_a_dataframe_with_the_columns() -> None:
    pytest.importorskip("pandas", reason="the pandas extra is not installed")
    frame = _report().to_pandas()
    assert list(frame.columns) == list(_report().columns)
    assert frame["revenue"].iloc[0] == Decimal("10.10")


def test_plot_names_a_missing_column_before_needing_matplotlib() -> None:
    with pytest.raises(ValidationError) as caught:
        _report().plot("period", "colour")
    assert caught.value.field == "column"
