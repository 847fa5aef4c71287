"""Inventory formulas against textbook worked examples."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordercore.analytics import (
    LineFact,
    abc_analysis,
    economic_order_quantity,
    reorder_point,
    safety_stock,
    sku_revenue,
)
from ordercore.errors import CurrencyMismatch, ValidationError
from ordercore.money import Money


def test_eoq_of_the_heizer_render_example_is_200_units() -> None:
    """Heizer & Render, *Operations Management*, EOQ example: D = 1,000 units a year,
    S = $10 per order, H = $0.50 per unit-year gives Q* = sqrt(2 x 1000 x 10 / 0.5) = 200."""
    assert economic_order_quantity(
        annual_demand=1000, order_cost=Decimal("10"), holding_cost=Decimal("0.50")
    ) == pytest.approx(200.0)


def test_safety_stock_with_demand_and_lead_time_variability() -> None:
    """Silver, Pyke & Peterson, section 7.5: sigma_LTD = sqrt(L sd^2 + d^2 sL^2).

    d = 100/day, sd = 20, L = 9 days, sL = 2: sigma = sqrt(9*400 + 10000*4) = sqrt(43600)
    = 208.81; at a 95 % cycle service level z = 1.6449, so SS = 343.45 and the reorder
    point is 900 + 343.45.
    """
    stock = safety_stock(
        service_level=0.95, demand_mean=100, demand_std=20, lead_time_mean=9, lead_time_std=2
    )

    assert stock == pytest.approx(1.6448536 * 208.8061, rel=1e-5)
    assert reorder_point(
        service_level=0.95, demand_mean=100, demand_std=20, lead_time_mean=9, lead_time_std=2
    ) == pytest.approx(900 + stock)


def test_safety_stock_with_a_fixed_lead_time_is_z_sigma_root_l() -> None:
    """The classic case (sL = 0): SS = z sd sqrt(L); 99 % -> z = 2.3263."""
    assert safety_stock(
        service_level=0.99, demand_mean=50, demand_std=10, lead_time_mean=4
    ) == pytest.approx(2.3263479 * 10 * 2)


def test_abc_puts_the_sku_that_crosses_a_cutoff_in_the_higher_class() -> None:
    revenue = {"a": 7000, "b": 2000, "c": 600, "d": 300, "e": 100}

    result = abc_analysis(revenue, "EUR")

    assert result.classes() == {"a": "A", "b": "A", "c": "B", "d": "C", "e": "C"}
    assert [row[4] for row in result.rows()] == [0.7, 0.9, 0.96, 0.99, 1.0]
    assert result.rows()[0][1] == Decimal("70.00")


def test_abc_cutoffs_are_configurable_and_checked() -> None:
    revenue = {"a": 50, "b": 30, "c": 20}
    assert abc_analysis(revenue, "EUR", cutoffs=(Decimal("0.5"), Decimal("0.9"))).classes() == {
        "a": "A",
        "b": "B",
        "c": "B",
    }
    with pytest.raises(ValidationError) as caught:
        abc_analysis(revenue, "EUR", cutoffs=(Decimal("0.9"), Decimal("0.5")))
    assert caught.value.field == "cutoffs"


def test_sku_revenue_refuses_mixed_currencies() -> None:
    at = datetime(2024, 1, 1, tzinfo=UTC)
    lines = [
        LineFact("o1", at, "a", 1, Money.of("1.00", "EUR")),
        LineFact("o2", at, "a", 1, Money.of("1.00", "USD")),
    ]
    with pytest.raises(CurrencyMismatch):
        sku_revenue(lines)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"service_level": 1.0}, "service_level"),
        ({"demand_std": -1.0}, "demand_std"),
        ({"lead_time_mean": float("nan")}, "lead_time_mean"),
    ],
)
def test_bad_safety_stock_input_names_the_field(kwargs: dict[str, float], field: str) -> None:
    arguments = {
        "service_level": 0.95,
        "demand_mean": 1.0,
        "demand_std": 1.0,
        "lead_time_mean": 1.0,
    }
    arguments.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        safety_stock(**arguments)
    assert caught.value.field == field


def test_eoq_refuses_float_costs() -> None:
    with pytest.raises(ValidationError) as caught:
        economic_order_quantity(annual_demand=10, order_cost=10.0, holding_cost=Decimal(1))  # type: ignore[arg-type]
    assert caught.value.field == "order_cost"
