"""The base of ``desk.inventory``: how its commands run, and its queries.

Queries read in a unit of work of their own and write nothing.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from ordercore.actors import Actor
from ordercore.desk import _inventory_input as check
from ordercore.desk._stock_session import LocationsCache, StockSession
from ordercore.desk.commands import CommandContext
from ordercore.desk.inventory_stock import InventoryStock
from ordercore.errors import ValidationError
from ordercore.inventory.allocation import AllocationPlan, AllocationStrategy, DemandLine
from ordercore.inventory.ledger import STOCK_STREAM, StockMoved, replay_level
from ordercore.inventory.model import (
    STOCK_ITEMS,
    Availability,
    Location,
    OrderReservations,
    StockItem,
    StockLevel,
    level_id,
)
from ordercore.inventory.policy import InventoryPolicy
from ordercore.inventory.replenishment import PurchaseSuggestion, reorder_point, suggest_purchase
from ordercore.serialization import JSONValue, structure

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk

__all__ = ["InventoryQueries"]

R = TypeVar("R")


class InventoryQueries:
    """What every part of ``desk.inventory`` shares, and the read-only queries.

    Attributes:
        policy: The default strategy, what confirm does when short, who hears alerts.
        strategies: Allocation strategies by code (built-in and from plugins).
        stock: The stock port the order lifecycle uses.
    """

    def __init__(self, desk: OrderDesk, policy: InventoryPolicy) -> None:
        self._desk = desk
        self.policy = policy
        self.strategies: Mapping[str, AllocationStrategy] = desk.plugins.allocation_strategies()
        if policy.strategy not in self.strategies:
            raise ValidationError("strategy", f"no allocation strategy {policy.strategy!r}")
        self._locations = LocationsCache()
        self.stock = InventoryStock(self.session)

    def session(self, ctx: CommandContext) -> StockSession:
        """The inventory's view of a running command (for host command handlers)."""
        return StockSession(ctx, self.policy, self.strategies, self._locations)

    def _run(
        self,
        action: str,
        subject: str,
        work: Callable[[StockSession], R],
        *,
        actor: Actor,
        request: JSONValue,
        idempotency_key: str | None,
        result_type: type[R],
    ) -> R:
        def handler(ctx: CommandContext) -> R:
            return work(self.session(ctx))

        name = f"inventory.{action}"
        desk = self._desk
        desk.authorize(actor, name, subject)
        return desk._run_authorized(
            handler, name, actor, subject, request, idempotency_key, result_type
        )

    # -- queries ---------------------------------------------------------------------------

    def _read(self, look: Callable[[StockSession], R]) -> R:
        """Run a query in a unit of work of its own (nothing is written)."""
        with self._desk.storage.unit_of_work() as uow:
            ctx = CommandContext(
                uow=uow,
                actor=Actor.system("inventory-query"),
                action="inventory.query",
                now=self._desk.clock.now(),
                correlation_id="query",
                ids=self._desk.ids,
                converter=self._desk.converter,
                notifiers=(),
                event_listeners=(),
            )
            return look(self.session(ctx))

    def level(self, sku: str, location: str) -> StockLevel:
        """The level of a tracked SKU at a location.

        Raises:
            NotFound: For an untracked SKU or an unknown location.
        """

        def look(session: StockSession) -> StockLevel:
            session.item(sku)
            session.location(location)
            return session.level(sku, location)

        return self._read(look)

    def availability(self, sku: str) -> Availability:
        """Stock of a tracked SKU across locations, with what can still be promised."""

        def look(session: StockSession) -> Availability:
            return Availability.of(session.item(sku), tuple(session.levels([sku])))

        return self._read(look)

    def available(self, sku: str, location: str | None = None) -> int:
        """Units available (on hand minus reserved) at ``location``, or across locations."""
        if location is not None:
            return self.level(sku, location).available
        return self.availability(sku).available

    def available_to_promise(self, sku: str) -> int | None:
        """Units a new order can still get (``None``: unlimited, the SKU allows backorders)."""
        return self.availability(sku).promisable

    def plan(
        self,
        lines: Sequence[DemandLine] | Mapping[str, int],
        *,
        strategy: str | None = None,
        region: str = "",
    ) -> AllocationPlan:
        """Where an order would be served from now, without reserving anything."""
        demand = check.demand(lines, region)
        return self._read(lambda session: session.plan(demand, strategy)[0])

    def reservations(self, order_id: str) -> OrderReservations:
        """The reservations of an order or cart (empty if it has none)."""
        return self._read(lambda session: session.group(check.code(order_id, "order_id")))

    def item(self, sku: str) -> StockItem:
        """The settings of a tracked SKU."""
        return self._read(lambda session: session.item(sku))

    def locations(self) -> builtins.list[Location]:
        """Every location, best priority first."""
        return builtins.list(self._read(lambda session: session.locations()))

    def ledger(self, sku: str, location: str) -> builtins.list[StockMoved]:
        """The movements of one level, oldest first, read back from the journal."""
        with self._desk.storage.unit_of_work() as uow:
            entries = uow.journal.stream(STOCK_STREAM, level_id(sku, location))
        return [structure(self._desk.converter, e.payload, StockMoved) for e in entries]

    def replay(self, sku: str, location: str) -> StockLevel:
        """Rebuild a level from its ledger alone; an audit compares it with :meth:`level`."""
        return replay_level(sku, location, self.ledger(sku, location))

    def purchase_suggestions(self) -> builtins.list[PurchaseSuggestion]:
        """What to buy now: every level with a reorder rule at or below its reorder point."""

        def look(session: StockSession) -> builtins.list[PurchaseSuggestion]:
            found = []
            for item in session.ctx.uow.aggregates(STOCK_ITEMS).scan():
                for location, rule in sorted(item.reorder.items()):
                    level = session.level(item.id, location)
                    if level.available <= reorder_point(rule):
                        found.append(suggest_purchase(level, rule, session.ctx.now))
            return sorted(found, key=lambda s: (s.sku, s.location))

        return self._read(look)
