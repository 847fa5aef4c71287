"""Allocation as a pure function: which locations serve which units of an order.

:func:`plan` sums the demand per SKU (two lines of one SKU are checked against availability
together), asks an :class:`AllocationStrategy` how many units of each SKU to take from each
location, checks the answer (a plugin strategy cannot over-allocate or invent a location) and
spreads it back over the lines. What no location can serve is the plan's backordered remainder.
The same plan drives the reservations and, later, split shipments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

import attrs

from ordercore._replace import constructor
from ordercore.errors import PluginError, ValidationError
from ordercore.inventory.model import Location, StockLevel

__all__ = [
    "AllocationPlan",
    "AllocationStrategy",
    "Backorder",
    "Demand",
    "DemandLine",
    "LineAllocation",
    "SkuAllocation",
    "StockPicture",
    "plan",
]


def _positive_quantity(_: Any, __: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError("quantity", f"must be a positive whole number, got {value!r}")


def _text(field: str) -> Callable[[Any, Any, Any], None]:
    def check(_: Any, __: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(field, "must be non-empty text")

    return check


@attrs.frozen(slots=True)
class DemandLine:
    """Units of a SKU wanted for one order line (or cart line)."""

    line_id: str = attrs.field(validator=_text("line_id"))
    sku: str = attrs.field(validator=_text("sku"))
    quantity: int = attrs.field(validator=_positive_quantity)


@attrs.frozen(slots=True)
class Demand:
    """What an order asks for, and where it goes.

    Attributes:
        lines: The lines; line ids are unique.
        region: The destination's region, for the nearest-region strategy.
    """

    lines: tuple[DemandLine, ...]
    region: str = ""
    _totals: Mapping[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise ValidationError("lines", "give at least one line")
        seen: set[str] = set()
        totals: dict[str, int] = {}
        for line in self.lines:
            if line.line_id in seen:
                raise ValidationError(f"lines[{line.line_id}]", "appears twice")
            seen.add(line.line_id)
            totals[line.sku] = totals.get(line.sku, 0) + line.quantity
        # Summed once here: the strategy, the plan and the policy check all ask for it.
        object.__setattr__(self, "_totals", MappingProxyType(dict(sorted(totals.items()))))

    def by_sku(self) -> Mapping[str, int]:
        """Units per SKU across lines, in sorted SKU order."""
        return self._totals


@attrs.frozen(slots=True)
class StockPicture:
    """What a strategy sees: the locations (best priority first) and what each has available.

    Attributes:
        locations: Every location, sorted by priority then code.
        available: ``(sku, location)`` to units available (never negative here).
    """

    locations: tuple[Location, ...]
    available: Mapping[tuple[str, str], int]

    @classmethod
    def of(cls, locations: Iterable[Location], levels: Iterable[StockLevel]) -> StockPicture:
        """Build a picture from locations and levels (negative availability counts as 0).

        Locations are sorted by priority then code; a SKU with no level at a location has
        nothing available there.
        """
        ordered = tuple(sorted(locations, key=lambda loc: (loc.priority, loc.id)))
        available = {(lv.sku, lv.location): max(lv.available, 0) for lv in levels}
        return cls(ordered, available)

    def units(self, sku: str, location: str) -> int:
        """Units of ``sku`` available at ``location``."""
        return self.available.get((sku, location), 0)


@attrs.frozen(slots=True)
class SkuAllocation:
    """A strategy's answer: take ``quantity`` of ``sku`` from ``location``."""

    sku: str
    location: str
    quantity: int


@attrs.frozen(slots=True)
class LineAllocation:
    """Units of one line to reserve at one location."""

    line_id: str
    sku: str
    location: str
    quantity: int


@attrs.frozen(slots=True)
class Backorder:
    """Units of one line no location can serve now."""

    line_id: str
    sku: str
    quantity: int


@attrs.frozen(slots=True)
class AllocationPlan:
    """Per line and location, the units to reserve, and the backordered remainder.

    Attributes:
        strategy: The code of the strategy that made it.
        allocations: Units to reserve, in line order, then in the strategy's location order.
        backorders: Units left over, per line.
    """

    strategy: str
    allocations: tuple[LineAllocation, ...]
    backorders: tuple[Backorder, ...] = ()

    @property
    def is_complete(self) -> bool:
        """Whether every unit is served from stock."""
        return not self.backorders

    @property
    def locations(self) -> tuple[str, ...]:
        """The locations used, in first-use order (one shipment each)."""
        return tuple(dict.fromkeys(a.location for a in self.allocations))

    def backordered(self) -> dict[str, int]:
        """Units short per SKU."""
        short: dict[str, int] = {}
        for item in self.backorders:
            short[item.sku] = short.get(item.sku, 0) + item.quantity
        return short


@runtime_checkable
class AllocationStrategy(Protocol):
    """Decides which locations serve which quantities of an order's demand.

    Offered by plugins through ``ordercore_allocation_strategies``; the built-in ones are in
    :mod:`ordercore.inventory.strategies`.

    Attributes:
        code: Unique, stable code (``"priority"``, ``"fewest-splits"``).
        description: One line saying what the strategy optimises.
    """

    code: str
    description: str

    def allocate(self, demand: Demand, stock: StockPicture) -> Sequence[SkuAllocation]:
        """Say how many units of each SKU to take from each location.

        Args:
            demand: The order's lines and destination; use ``demand.by_sku()`` for totals.
            stock: Locations and availability.

        Returns:
            Allocations; at most the SKU's demand in total and at most what each location has.
            Units not allocated are backordered.
        """
        ...


def _checked(
    strategy: AllocationStrategy, demand: Demand, stock: StockPicture
) -> dict[str, list[tuple[str, int]]]:
    """The strategy's answer per SKU, refused if it breaks the contract."""
    wanted = demand.by_sku()
    available = stock.available
    known = {location.id for location in stock.locations}
    taken: dict[tuple[str, str], int] = {}
    per_sku: dict[str, list[tuple[str, int]]] = {sku: [] for sku in wanted}
    left = dict(wanted)
    for item in strategy.allocate(demand, stock):
        sku, location, quantity = item.sku, item.location, item.quantity
        if quantity == 0:
            continue
        if sku not in wanted or location not in known or quantity < 0:
            raise PluginError(strategy.code, f"allocated an impossible {item!r}")
        key = (sku, location)
        total = taken.get(key, 0) + quantity
        if total > available.get(key, 0):
            raise PluginError(strategy.code, f"took more {sku} than {location} has")
        taken[key] = total
        left[sku] -= quantity
        if left[sku] < 0:
            raise PluginError(strategy.code, f"allocated more {sku} than was asked for")
        per_sku[sku].append((location, quantity))
    return per_sku


def _answer(
    strategy: AllocationStrategy, demand: Demand, stock: StockPicture
) -> dict[str, list[tuple[str, int]]]:
    """The strategy's answer per SKU, taken as it is."""
    per_sku: dict[str, list[tuple[str, int]]] = {sku: [] for sku in demand.by_sku()}
    for item in strategy.allocate(demand, stock):
        if item.quantity:
            per_sku[item.sku].append((item.location, item.quantity))
    return per_sku


def plan(
    demand: Demand, stock: StockPicture, strategy: AllocationStrategy, *, check: bool = True
) -> AllocationPlan:
    """Plan where each line's units come from.

    Args:
        demand: The order's lines (several lines may share a SKU) and destination region.
        stock: Locations and what each has available.
        strategy: Chooses the locations.
        check: Refuse an answer that breaks the strategy contract (more than a location has
            or than was asked for, an unknown location or SKU). Leave it on for strategies
            from plugins; the desk turns it off only for the built-in ones
            (:data:`~ordercore.inventory.strategies.BUILTIN_STRATEGY_TYPES`), whose answers a
            property test holds to the contract.

    Returns:
        The plan: allocations spread over the lines in line order, and the backorders.

    Raises:
        PluginError: If the strategy over-allocates or names an unknown location.
    """
    per_sku = _checked(strategy, demand, stock) if check else _answer(strategy, demand, stock)
    # The plan's values hold plain fields with no checks of their own.
    allocation = constructor(LineAllocation)
    allocations: list[LineAllocation] = []
    backorders: list[Backorder] = []
    for line in demand.lines:
        need = line.quantity
        sources = per_sku[line.sku]
        while need and sources:
            location, quantity = sources[0]
            take = min(need, quantity)
            allocations.append(allocation(line.line_id, line.sku, location, take))
            need -= take
            if take == quantity:
                sources.pop(0)
            else:
                sources[0] = (location, quantity - take)
        if need:
            backorders.append(Backorder(line.line_id, line.sku, need))
    return constructor(AllocationPlan)(strategy.code, tuple(allocations), tuple(backorders))
