"""Each built-in allocation strategy keeps its promise, checked against a brute-force optimum.

Small random instances (up to four locations, three SKUs, a few lines) are solved by trying every
possible allocation, and the strategy's plan must be as good as the best of them for the property
the strategy promises. Every plan must also serve as many units as stock allows.
"""

from __future__ import annotations

from itertools import combinations, product

from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    AllocationPlan,
    Demand,
    DemandLine,
    FewestSplits,
    Location,
    MostStock,
    NearestRegion,
    PriorityOrder,
    StockPicture,
    plan_allocation,
)
from ordercore.inventory.strategies import BUILTIN_STRATEGY_TYPES, builtin_strategies

SKUS = ("A", "B", "C")
REGIONS = ("north", "south")


@st.composite
def instances(draw: st.DrawFn) -> tuple[Demand, StockPicture]:
    count = draw(st.integers(1, 4))
    locations = [
        Location(f"L{i}", priority=draw(st.integers(0, 3)), region=draw(st.sampled_from(REGIONS)))
        for i in range(count)
    ]
    available = {(sku, loc.id): draw(st.integers(0, 5)) for sku in SKUS for loc in locations}
    lines = draw(
        st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 6)), min_size=1, max_size=4)
    )
    demand = Demand(
        tuple(DemandLine(f"L{i}", sku, qty) for i, (sku, qty) in enumerate(lines)),
        draw(st.sampled_from(REGIONS)),
    )
    picture = StockPicture(
        tuple(sorted(locations, key=lambda loc: (loc.priority, loc.id))), available
    )
    return demand, picture


def _taken(plan: AllocationPlan, sku: str) -> dict[str, int]:
    taken: dict[str, int] = {}
    for item in plan.allocations:
        if item.sku == sku:
            taken[item.location] = taken.get(item.location, 0) + item.quantity
    return taken


def _servable(demand: Demand, stock: StockPicture, sku: str) -> int:
    return min(demand.by_sku()[sku], sum(stock.units(sku, loc.id) for loc in stock.locations))


def _vectors(demand: Demand, stock: StockPicture, sku: str) -> list[tuple[int, ...]]:
    """Every way to take the servable units of ``sku``, one count per location (stock order)."""
    ranges = [range(stock.units(sku, loc.id) + 1) for loc in stock.locations]
    target = _servable(demand, stock, sku)
    return [v for v in product(*ranges) if sum(v) == target]


def _check_complete(plan: AllocationPlan, demand: Demand, stock: StockPicture) -> None:
    for sku in demand.by_sku():
        assert sum(_taken(plan, sku).values()) == _servable(demand, stock, sku)
        backordered = sum(b.quantity for b in plan.backorders if b.sku == sku)
        assert backordered == demand.by_sku()[sku] - _servable(demand, stock, sku)


@given(instances())
def test_priority_takes_the_lexicographically_best_counts_in_priority_order(
    instance: tuple[Demand, StockPicture],
) -> None:
    demand, stock = instance
    plan = plan_allocation(demand, stock, PriorityOrder())
    _check_complete(plan, demand, stock)
    for sku in demand.by_sku():
        taken = _taken(plan, sku)
        got = tuple(taken.get(loc.id, 0) for loc in stock.locations)
        assert got == max(_vectors(demand, stock, sku))


@given(instances())
def test_fewest_splits_uses_no_more_locations_than_the_best_subset(
    instance: tuple[Demand, StockPicture],
) -> None:
    demand, stock = instance
    plan = plan_allocation(demand, stock, FewestSplits())
    _check_complete(plan, demand, stock)
    wanted = demand.by_sku()
    fewest = min(
        size
        for size in range(len(stock.locations) + 1)
        for subset in combinations(stock.locations, size)
        if all(
            sum(stock.units(sku, loc.id) for loc in subset) >= _servable(demand, stock, sku)
            for sku in wanted
        )
    )
    assert len(plan.locations) == fewest


@given(instances())
def test_nearest_region_serves_as_much_as_possible_from_the_destination_region(
    instance: tuple[Demand, StockPicture],
) -> None:
    demand, stock = instance
    plan = plan_allocation(demand, stock, NearestRegion())
    _check_complete(plan, demand, stock)
    near = [loc.region == demand.region for loc in stock.locations]
    for sku in demand.by_sku():
        taken = _taken(plan, sku)
        got = sum(taken.get(loc.id, 0) for loc in stock.locations if loc.region == demand.region)
        best = max(
            sum(n for n, is_near in zip(v, near, strict=True) if is_near)
            for v in _vectors(demand, stock, sku)
        )
        assert got == best


@given(instances())
def test_most_stock_takes_each_sku_from_as_few_locations_as_possible(
    instance: tuple[Demand, StockPicture],
) -> None:
    demand, stock = instance
    plan = plan_allocation(demand, stock, MostStock())
    _check_complete(plan, demand, stock)
    for sku in demand.by_sku():
        used = sum(1 for units in _taken(plan, sku).values() if units)
        best = min(sum(1 for n in v if n) for v in _vectors(demand, stock, sku))
        assert used == best


@given(instances())
def test_every_line_gets_exactly_its_units_between_allocations_and_backorders(
    instance: tuple[Demand, StockPicture],
) -> None:
    demand, stock = instance
    for strategy in (PriorityOrder(), FewestSplits(), NearestRegion(), MostStock()):
        plan = plan_allocation(demand, stock, strategy)
        for line in demand.lines:
            served = sum(a.quantity for a in plan.allocations if a.line_id == line.line_id)
            short = sum(b.quantity for b in plan.backorders if b.line_id == line.line_id)
            assert served + short == line.quantity


@given(instances())
def test_built_in_strategies_keep_the_contract_so_their_plans_need_no_check(
    instance: tuple[Demand, StockPicture],
) -> None:
    demand, stock = instance
    assert {type(s) for s in builtin_strategies()} == BUILTIN_STRATEGY_TYPES
    for strategy in builtin_strategies():
        # The checked plan raises PluginError if the answer breaks the contract.
        checked = plan_allocation(demand, stock, strategy, check=True)
        assert plan_allocation(demand, stock, strategy, check=False) == checked
