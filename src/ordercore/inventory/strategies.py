"""The built-in allocation strategies, each with the property it promises.

- ``priority``: take from locations in priority order. Promise: no unit comes from a location
  while a better-priority location still had that SKU available.
- ``fewest-splits``: serve the order from as few locations (shipments) as possible; one location
  when any can serve everything. Promise: among plans that serve the most units, none uses fewer
  locations. Exact for up to :data:`EXACT_SEARCH_LIMIT` candidate locations, greedy beyond.
- ``nearest-region``: locations in the destination's region first, then by priority. Promise: as
  many units as possible come from the destination's region.
- ``most-stock``: take each SKU from the locations holding most of it first, which keeps stock
  balanced. Promise: each SKU comes from as few locations as possible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import combinations

from ordercore._replace import constructor
from ordercore.inventory.allocation import Demand, SkuAllocation, StockPicture
from ordercore.inventory.model import Location

__all__ = [
    "BUILTIN_STRATEGY_TYPES",
    "EXACT_SEARCH_LIMIT",
    "FewestSplits",
    "MostStock",
    "NearestRegion",
    "PriorityOrder",
    "builtin_strategies",
]

EXACT_SEARCH_LIMIT = 12
"""Above this many candidate locations, ``fewest-splits`` uses a greedy cover (not exact)."""


def _take_in_order(
    sku: str, need: int, locations: Iterable[Location], stock: StockPicture
) -> list[SkuAllocation]:
    taken = []
    available = stock.available
    allocation = constructor(SkuAllocation)  # plain fields, no checks of its own
    for location in locations:
        if need <= 0:
            break
        units = min(need, available.get((sku, location.id), 0))
        if units > 0:
            taken.append(allocation(sku, location.id, units))
            need -= units
    return taken


def _greedy(
    demand: Demand, stock: StockPicture, order: Callable[[str], Iterable[Location]]
) -> list[SkuAllocation]:
    """Take each SKU from the locations in the order ``order(sku)`` gives, as much as each has."""
    result: list[SkuAllocation] = []
    for sku, need in demand.by_sku().items():
        result.extend(_take_in_order(sku, need, order(sku), stock))
    return result


class PriorityOrder:
    """Take from locations in priority order (lowest number first)."""

    code = "priority"
    description = "locations in priority order"

    def allocate(self, demand: Demand, stock: StockPicture) -> Sequence[SkuAllocation]:
        """Allocate each SKU greedily over the locations by priority."""
        result: list[SkuAllocation] = []
        for sku, need in demand.by_sku().items():
            result.extend(_take_in_order(sku, need, stock.locations, stock))
        return result


class NearestRegion:
    """Take from locations in the destination's region first, then by priority."""

    code = "nearest-region"
    description = "locations in the destination's region first"

    def allocate(self, demand: Demand, stock: StockPicture) -> Sequence[SkuAllocation]:
        """Allocate each SKU greedily, same-region locations first."""
        ordered = sorted(stock.locations, key=lambda loc: loc.region != demand.region)
        return _greedy(demand, stock, lambda sku: ordered)


class MostStock:
    """Take each SKU from the locations that hold the most of it first."""

    code = "most-stock"
    description = "locations with the most of the SKU first"

    def allocate(self, demand: Demand, stock: StockPicture) -> Sequence[SkuAllocation]:
        """Allocate each SKU greedily, largest availability first (ties by priority)."""
        return _greedy(
            demand,
            stock,
            lambda sku: sorted(stock.locations, key=lambda loc: -stock.units(sku, loc.id)),
        )


class FewestSplits:
    """Serve the whole order from as few locations as possible."""

    code = "fewest-splits"
    description = "as few locations (shipments) as possible"

    def allocate(self, demand: Demand, stock: StockPicture) -> Sequence[SkuAllocation]:
        """Find the smallest set of locations that serves as much as can be served."""
        wanted = demand.by_sku()
        candidates = [
            loc for loc in stock.locations if any(stock.units(sku, loc.id) for sku in wanted)
        ]
        servable = {
            sku: min(need, sum(stock.units(sku, loc.id) for loc in candidates))
            for sku, need in wanted.items()
        }
        chosen = self._smallest_cover(servable, candidates, stock)
        return _greedy(demand, stock, lambda sku: chosen)

    @staticmethod
    def _serves(subset: Sequence[Location], servable: dict[str, int], stock: StockPicture) -> bool:
        return all(
            sum(stock.units(sku, loc.id) for loc in subset) >= units
            for sku, units in servable.items()
        )

    def _smallest_cover(
        self,
        servable: dict[str, int],
        candidates: list[Location],
        stock: StockPicture,
    ) -> Sequence[Location]:
        if len(candidates) <= EXACT_SEARCH_LIMIT:
            # Sizes ascending, and within a size in priority order: the first subset that
            # serves everything servable is a smallest one, and the best by priority.
            for size in range(len(candidates) + 1):
                for subset in combinations(candidates, size):
                    if self._serves(subset, servable, stock):
                        return subset
        # Greedy cover: repeatedly add the location that serves most of what is still missing.
        missing = dict(servable)
        chosen: list[Location] = []
        remaining = list(candidates)
        while any(missing.values()) and remaining:
            best = max(
                remaining,
                key=lambda loc: sum(min(stock.units(s, loc.id), u) for s, u in missing.items()),
            )
            remaining.remove(best)
            chosen.append(best)
            for sku in missing:
                missing[sku] = max(missing[sku] - stock.units(sku, best.id), 0)
        return sorted(chosen, key=lambda loc: (loc.priority, loc.id))


BUILTIN_STRATEGY_TYPES: frozenset[type] = frozenset(
    {PriorityOrder, FewestSplits, NearestRegion, MostStock}
)
"""The built-in strategy classes, whose answers need no contract check (see ``plan``)."""


def builtin_strategies() -> list[PriorityOrder | FewestSplits | NearestRegion | MostStock]:
    """Fresh instances of the built-in strategies."""
    return [PriorityOrder(), FewestSplits(), NearestRegion(), MostStock()]
