"""Inventory analytics: ABC classes, safety stock, reorder points, economic order quantity.

Safety stock follows Silver, Pyke & Peterson (*Inventory Management and Production Planning
and Scheduling*, 3rd ed., section 7.5): with demand per period of mean ``d`` and standard
deviation ``sd``, and a lead time of mean ``L`` periods and standard deviation ``sL``, the
lead-time demand has standard deviation ``sqrt(L sd^2 + d^2 sL^2)``, and the safety stock is
``z`` of those, ``z`` the standard normal quantile of the cycle service level
(:class:`statistics.NormalDist`). EOQ is Harris' ``sqrt(2 D S / H)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from statistics import NormalDist
from typing import ClassVar

import attrs

from ordercore._currencies import MINOR_UNITS
from ordercore.analytics.facts import LineFact
from ordercore.analytics.results import Row, TableResult
from ordercore.errors import CurrencyMismatch, ValidationError

__all__ = [
    "AbcAnalysis",
    "abc_analysis",
    "economic_order_quantity",
    "reorder_point",
    "safety_stock",
    "sku_revenue",
]


def sku_revenue(lines: Iterable[LineFact]) -> tuple[str, dict[str, int]]:
    """Revenue per SKU in minor units, and its currency.

    Raises:
        CurrencyMismatch: The lines are in more than one currency.
        ValidationError: There are no lines.
    """
    revenue: dict[str, int] = {}
    currency: str | None = None
    for line in lines:
        if currency is None:
            currency = line.currency
        elif line.currency != currency:
            raise CurrencyMismatch("lines", currency, line.currency)
        revenue[line.sku] = revenue.get(line.sku, 0) + line.amount.minor_units
    if currency is None:
        raise ValidationError("lines", "no lines to analyse")
    return currency, revenue


@attrs.frozen(slots=True, repr=False)
class AbcAnalysis(TableResult):
    """SKUs ranked by revenue, with their share, cumulative share and class.

    Attributes:
        currency: The currency of the revenue.
        cutoffs: Cumulative shares that end class A and class B.
        entries: ``(sku, revenue_minor, share, cumulative_share, class)``, largest first.
    """

    title: ClassVar[str] = "ABC analysis"
    currency: str
    cutoffs: tuple[Decimal, Decimal]
    entries: tuple[tuple[str, int, float, float, str], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("sku", "revenue", "currency", "share", "cumulative_share", "class")

    def rows(self) -> list[Row]:
        """One row per SKU, largest revenue first."""
        digits = MINOR_UNITS[self.currency]
        return [
            (sku, Decimal(minor).scaleb(-digits), self.currency, share, cumulative, grade)
            for sku, minor, share, cumulative, grade in self.entries
        ]

    def classes(self) -> dict[str, str]:
        """The class of each SKU."""
        return {entry[0]: entry[4] for entry in self.entries}


def abc_analysis(
    revenue: Mapping[str, int],
    currency: str,
    *,
    cutoffs: tuple[Decimal, Decimal] = (Decimal("0.8"), Decimal("0.95")),
) -> AbcAnalysis:
    """Class SKUs A, B or C by their share of revenue.

    A SKU is A while the SKUs ranked above it hold less than ``cutoffs[0]`` of revenue, B while
    they hold less than ``cutoffs[1]``, and C after that; so the SKU that crosses a cut-off is
    still in the higher class. Ties are ranked by SKU.

    Args:
        revenue: Revenue per SKU in minor units (see :func:`sku_revenue`).
        currency: The currency of the revenue.
        cutoffs: The cumulative shares that end class A and class B.

    Raises:
        ValidationError: Cut-offs not increasing within (0, 1], or a negative revenue.
    """
    a_end, b_end = cutoffs
    if not (isinstance(a_end, Decimal) and isinstance(b_end, Decimal) and 0 < a_end < b_end <= 1):
        raise ValidationError("cutoffs", "give two Decimals with 0 < A < B <= 1")
    if any(value < 0 for value in revenue.values()):
        raise ValidationError("revenue", "revenue per SKU must not be negative")
    total = sum(revenue.values())
    ranked = sorted(revenue.items(), key=lambda item: (-item[1], item[0]))
    entries = []
    before = 0
    for sku, minor in ranked:
        # Compared as integers (before / total < cutoff), so no share is rounded into a class.
        grade = "A" if before < a_end * total else "B" if before < b_end * total else "C"
        before += minor
        entries.append(
            (sku, minor, round(minor / total, 4) if total else 0.0,
             round(before / total, 4) if total else 0.0, grade)
        )  # fmt: skip
    return AbcAnalysis(currency, (a_end, b_end), tuple(entries))


def _not_negative(name: str, value: float) -> float:
    if not value >= 0 or math.isinf(value):
        raise ValidationError(name, "must be a finite number, not negative")
    return float(value)


def safety_stock(
    *,
    service_level: float,
    demand_mean: float,
    demand_std: float,
    lead_time_mean: float,
    lead_time_std: float = 0.0,
) -> float:
    """Units to hold against demand and lead-time variability for a cycle service level.

    Args:
        service_level: Probability of no stock-out in a replenishment cycle (0.5-1, open).
        demand_mean: Mean demand per period.
        demand_std: Standard deviation of demand per period.
        lead_time_mean: Mean lead time, in the same periods.
        lead_time_std: Standard deviation of the lead time.

    Returns:
        ``z * sqrt(L sd^2 + d^2 sL^2)``.

    Raises:
        ValidationError: A service level outside (0, 1) or a negative input.
    """
    if not 0 < service_level < 1:
        raise ValidationError("service_level", "a probability strictly between 0 and 1")
    d = _not_negative("demand_mean", demand_mean)
    sd = _not_negative("demand_std", demand_std)
    lead = _not_negative("lead_time_mean", lead_time_mean)
    lead_sd = _not_negative("lead_time_std", lead_time_std)
    z = NormalDist().inv_cdf(service_level)
    return z * math.sqrt(lead * sd * sd + d * d * lead_sd * lead_sd)


def reorder_point(
    *,
    service_level: float,
    demand_mean: float,
    demand_std: float,
    lead_time_mean: float,
    lead_time_std: float = 0.0,
) -> float:
    """Stock level at which to reorder: expected lead-time demand plus safety stock."""
    buffer = safety_stock(
        service_level=service_level,
        demand_mean=demand_mean,
        demand_std=demand_std,
        lead_time_mean=lead_time_mean,
        lead_time_std=lead_time_std,
    )
    return demand_mean * lead_time_mean + buffer


def economic_order_quantity(
    *, annual_demand: float, order_cost: Decimal, holding_cost: Decimal
) -> float:
    """Harris' economic order quantity ``sqrt(2 D S / H)``, in units.

    Args:
        annual_demand: Units per year.
        order_cost: Cost of placing one order (money, as a Decimal).
        holding_cost: Cost of holding one unit for a year (money, as a Decimal).

    Raises:
        ValidationError: A cost that is not a positive Decimal, or negative demand.
    """
    demand = _not_negative("annual_demand", annual_demand)
    for name, cost in (("order_cost", order_cost), ("holding_cost", holding_cost)):
        if not isinstance(cost, Decimal) or not cost.is_finite() or cost <= 0:
            raise ValidationError(name, "give a positive Decimal amount")
    # The costs only enter as their ratio; the result is a quantity, not money.
    return math.sqrt(2 * demand * float(order_cost / holding_cost))
