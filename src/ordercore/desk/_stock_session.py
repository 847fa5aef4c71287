"""Stock reads and writes inside one command's unit of work.

A :class:`StockSession` loads what an inventory step needs (tracked items, locations, levels,
a holder's reservations), hands the values to the pure functions of :mod:`ordercore.inventory`,
and writes their outcome: each movement is applied to its level, saved with a compare-and-swap
and journaled in the level's stream; a movement that crosses a low-stock threshold or a reorder
point also journals an alert (and tells ``alerts_to``). Levels are loaded in sorted
``(sku, location)`` order, so backends that lock rows always lock them in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import attrgetter

from ordercore._replace import constructor
from ordercore.desk.commands import CommandContext
from ordercore.errors import NotFound, ValidationError
from ordercore.inventory.allocation import (
    AllocationPlan,
    AllocationStrategy,
    Demand,
    StockPicture,
    plan,
)
from ordercore.inventory.ledger import STOCK_STREAM, StockMoved, apply_movement
from ordercore.inventory.model import (
    LOCATIONS,
    RESERVATIONS,
    STOCK_ITEMS,
    STOCK_LEVELS,
    Location,
    OrderReservations,
    StockItem,
    StockLevel,
    level_id,
)
from ordercore.inventory.policy import InventoryPolicy
from ordercore.inventory.replenishment import (
    crossed_down,
    low_stock_alert,
    reorder_point,
    suggest_purchase,
)
from ordercore.inventory.strategies import BUILTIN_STRATEGY_TYPES
from ordercore.serialization import JSONValue
from ordercore.storage.ports import AggregateRepository

__all__ = ["LOW_STOCK_STREAM", "REPLENISHMENT_STREAM", "LocationsCache", "StockSession"]

# Locations best priority first, then by code (a C-level key: no Python call per location).
_BY_PRIORITY = attrgetter("priority", "id")

LOW_STOCK_STREAM = "low_stock"
REPLENISHMENT_STREAM = "replenishment"


class LocationsCache:
    """The locations, sorted, as a desk last read them, and the generation they were read at.

    Kept by ``desk.inventory`` and reused by every command while the storage says the
    locations' generation is unchanged (see :class:`~ordercore.storage.ports.AggregateGenerations`);
    a backend without that capability reads them in every command. The entry is replaced as
    a whole, so a thread reads either the old one or the new one.
    """

    __slots__ = ("entry",)

    def __init__(self) -> None:
        self.entry: tuple[int, tuple[Location, ...], tuple[str, ...]] | None = None


class StockSession:
    """The inventory's view of one running command."""

    __slots__ = (
        "_cache",
        "_codes",
        "_group_repository",
        "_items",
        "_level_repository",
        "_locations",
        "_strategies",
        "_tracked",
        "ctx",
        "policy",
    )

    def __init__(
        self,
        ctx: CommandContext,
        policy: InventoryPolicy,
        strategies: Mapping[str, AllocationStrategy],
        cache: LocationsCache | None = None,
    ) -> None:
        self.ctx = ctx
        self._cache = cache
        self.policy = policy
        self._strategies = strategies
        self._items = ctx.uow.aggregates(STOCK_ITEMS)
        # Levels and reservations are asked for only once a tracked SKU is met: most order
        # commands look up untracked SKUs and stop there.
        self._level_repository: AggregateRepository[StockLevel] | None = None
        self._group_repository: AggregateRepository[OrderReservations] | None = None
        self._locations: tuple[Location, ...] | None = None
        self._codes: tuple[str, ...] | None = None
        self._tracked: dict[str, StockItem | None] = {}

    @property
    def _levels(self) -> AggregateRepository[StockLevel]:
        repository = self._level_repository
        if repository is None:
            repository = self._level_repository = self.ctx.uow.aggregates(STOCK_LEVELS)
        return repository

    @property
    def _groups(self) -> AggregateRepository[OrderReservations]:
        repository = self._group_repository
        if repository is None:
            repository = self._group_repository = self.ctx.uow.aggregates(RESERVATIONS)
        return repository

    # -- reads -----------------------------------------------------------------------------

    def tracked(self, sku: str) -> StockItem | None:
        """The item of ``sku``, or ``None`` if the SKU is not tracked."""
        if sku not in self._tracked:
            self._tracked[sku] = self._items.find(sku)
        return self._tracked[sku]

    def item(self, sku: str) -> StockItem:
        """The item of ``sku``; raise :class:`NotFound` (kind ``"sku"``) if it is not tracked."""
        found = self.tracked(sku)
        if found is None:
            raise NotFound("sku", sku)
        return found

    def locations(self) -> tuple[Location, ...]:
        """Every location, best priority first."""
        if self._locations is None:
            self._load_locations()
            assert self._locations is not None
        return self._locations

    def _load_locations(self) -> None:
        uow = self.ctx.uow
        cache = self._cache
        generation = None
        if cache is not None:
            # What isinstance(uow, AggregateGenerations) checks, for one attribute lookup.
            generation_of = getattr(uow, "generation", None)
            generation = None if generation_of is None else generation_of(LOCATIONS)
            entry = cache.entry
            if generation is not None and entry is not None and entry[0] == generation:
                self._locations, self._codes = entry[1], entry[2]
                return
        found = uow.aggregates(LOCATIONS).scan()
        self._locations = tuple(sorted(found, key=_BY_PRIORITY))
        self._codes = tuple(sorted([loc.id for loc in self._locations]))
        if cache is not None and generation is not None:
            cache.entry = (generation, self._locations, self._codes)

    def location(self, code: str) -> Location:
        """The location ``code``; raise :class:`NotFound` (kind ``"location"``) if unknown."""
        found = self.ctx.uow.aggregates(LOCATIONS).find(code)
        if found is None:
            raise NotFound("location", code)
        return found

    def level(self, sku: str, location: str) -> StockLevel:
        """The level of ``sku`` at ``location`` as this command sees it (empty if never moved)."""
        found = self._levels.find(level_id(sku, location))
        return StockLevel.empty(sku, location) if found is None else found

    def levels(self, skus: Iterable[str], only: str | None = None) -> list[StockLevel]:
        """The levels of ``skus`` that exist at any location (or at ``only``), sorted by key.

        A SKU that never moved at a location has no level there: nothing on hand or reserved.
        """
        return self._levels_of(sorted(set(skus)), only)

    def _levels_of(self, sorted_skus: Iterable[str], only: str | None) -> list[StockLevel]:
        if only is None:
            if self._codes is None:
                self._load_locations()
            assert self._codes is not None
            codes: Iterable[str] = self._codes
        else:
            codes = [loc.id for loc in self.locations() if loc.id == only]
        find = self._levels.find
        found = []
        for sku in sorted_skus:
            for code in codes:
                level = find(level_id(sku, code))
                if level is not None:
                    found.append(level)
        return found

    def group(self, holder: str) -> OrderReservations:
        """The reservations of an order or cart (empty, version 0, if it has none)."""
        found = self._groups.find(holder)
        return constructor(OrderReservations)(holder, (), 0) if found is None else found

    def plan(
        self, demand: Demand, strategy: str | None = None, only: str | None = None
    ) -> tuple[AllocationPlan, list[StockLevel]]:
        """Plan ``demand`` against the current levels; return the plan and the levels used."""
        code = strategy or self.policy.strategy
        chosen = self._strategies.get(code)
        if chosen is None:
            raise ValidationError("strategy", f"no allocation strategy {code!r}")
        # by_sku() is already sorted by SKU, one key each.
        levels = self._levels_of(demand.by_sku(), only)
        locations = self.locations() if only is None else (self.location(only),)
        available = {(lv.sku, lv.location): max(lv.on_hand - lv.reserved, 0) for lv in levels}
        # A picture holds plain values with no checks of their own.
        picture = constructor(StockPicture)(locations, available)
        check = type(chosen) not in BUILTIN_STRATEGY_TYPES
        return plan(demand, picture, chosen, check=check), levels

    # -- writes ----------------------------------------------------------------------------

    def save_group(self, before: OrderReservations, after: OrderReservations) -> None:
        """Store a holder's reservations with a compare-and-swap."""
        self._groups.save(after, expected_version=before.version)

    def move(self, movements: Iterable[StockMoved], reason: str | None = None) -> list[StockLevel]:
        """Apply, save and journal each movement; return the levels after each."""
        after_each = []
        for movement in movements:
            before = self.level(movement.sku, movement.location)
            after = apply_movement(before, movement)
            self._levels.save(after, expected_version=before.version)
            self.ctx.record(STOCK_STREAM, after.id, after.version, movement, reason=reason)
            if after.on_hand - after.reserved < before.on_hand - before.reserved:
                self._signal(before, after)
            after_each.append(after)
        return after_each

    def _signal(self, before: StockLevel, after: StockLevel) -> None:
        """Journal (and tell ``alerts_to``) a low-stock or reorder-point crossing."""
        item = self.tracked(after.sku)
        if item is None:
            return
        threshold = item.low_stock.get(after.location)
        alert = None if threshold is None else low_stock_alert(before, after, threshold)
        if alert is not None:
            self.ctx.record(LOW_STOCK_STREAM, after.id, after.version, alert)
            self._tell(
                "low_stock",
                {
                    "sku": alert.sku,
                    "location": alert.location,
                    "available": alert.available,
                    "threshold": alert.threshold,
                },
            )
        rule = item.reorder.get(after.location)
        if rule is not None and crossed_down(
            before.available, after.available, reorder_point(rule)
        ):
            suggestion = suggest_purchase(after, rule, self.ctx.now)
            self.ctx.record(REPLENISHMENT_STREAM, after.id, after.version, suggestion)
            self._tell(
                "purchase_suggestion",
                {
                    "sku": suggestion.sku,
                    "location": suggestion.location,
                    "quantity": suggestion.quantity,
                    "available": suggestion.available,
                    "expected_at": suggestion.expected_at.isoformat(),
                },
            )

    def _tell(self, template: str, data: dict[str, JSONValue]) -> None:
        if self.policy.alerts_to is not None:
            channel, recipient = self.policy.alerts_to
            self.ctx.notify(template, channel=channel, recipient=recipient, data=data)
