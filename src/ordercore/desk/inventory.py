"""``desk.inventory``: locations, levels, reservations and replenishment as journaled commands.

Every operation is a desk command: authorized (actions ``inventory.<name>``), run in one unit of
work, every level change journaled as a :class:`~ordercore.inventory.ledger.StockMoved` in the
level's stream, optionally idempotent. Input is checked before the unit of work opens, and a
refusal inside it (unknown SKU or location, too little stock) rolls everything back.

Orders reach the inventory through :attr:`InventoryDesk.stock`, the desk's
:class:`~ordercore.desk.stock.StockPort`: SKUs that are tracked (have a
:class:`~ordercore.inventory.model.StockItem`) are reserved, released and consumed here; others
pass through as intent only.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import attrs

from ordercore.actors import Actor
from ordercore.desk import _inventory_input as check
from ordercore.desk._stock_session import StockSession
from ordercore.desk.commands import CommandContext
from ordercore.desk.inventory_stock import InventoryStock
from ordercore.errors import NotFound, ValidationError
from ordercore.inventory import reservations
from ordercore.inventory.allocation import AllocationPlan, AllocationStrategy, DemandLine
from ordercore.inventory.ledger import (
    STOCK_STREAM,
    LocationSaved,
    MovementKind,
    StockItemSaved,
    StockMoved,
    replay_level,
)
from ordercore.inventory.model import (
    LOCATIONS,
    RESERVATIONS,
    STOCK_ITEMS,
    Availability,
    Location,
    LocationKind,
    OrderReservations,
    OversellPolicy,
    ReorderRule,
    StockItem,
    StockLevel,
    level_id,
)
from ordercore.inventory.policy import InventoryPolicy
from ordercore.inventory.replenishment import PurchaseSuggestion, reorder_point, suggest_purchase
from ordercore.serialization import JSONValue, structure

if TYPE_CHECKING:
    from datetime import timedelta

    from ordercore.desk.desk import OrderDesk

__all__ = ["InventoryDesk", "StockTransfer"]

R = TypeVar("R")


@attrs.frozen(slots=True)
class StockTransfer:
    """The two levels after a transfer."""

    source: StockLevel
    destination: StockLevel


class InventoryDesk:
    """Stock commands and queries; reached as ``desk.inventory``.

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
        self.stock = InventoryStock(self.session)

    def session(self, ctx: CommandContext) -> StockSession:
        """The inventory's view of a running command (for host command handlers)."""
        return StockSession(ctx, self.policy, self.strategies)

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
        if idempotency_key is None:
            return self._desk.execute(
                handler, action=name, actor=actor, subject=subject, request=request
            )
        return self._desk.execute(
            handler,
            action=name,
            actor=actor,
            subject=subject,
            request=request,
            idempotency_key=idempotency_key,
            result_type=result_type,
        )

    # -- set-up ----------------------------------------------------------------------------

    def add_location(
        self,
        location_id: str,
        *,
        actor: Actor,
        name: str = "",
        kind: LocationKind = LocationKind.WAREHOUSE,
        priority: int = 100,
        region: str = "",
        pickup: bool = False,
    ) -> Location:
        """Add a location, or change one (same id)."""
        draft = Location(location_id, name, kind, priority, region, pickup)

        def work(session: StockSession) -> Location:
            locations = session.ctx.uow.aggregates(LOCATIONS)
            current = locations.find(draft.id)
            version = 0 if current is None else current.version
            saved = attrs.evolve(draft, version=version + 1)
            locations.save(saved, expected_version=version)
            session.ctx.record("stock_location", saved.id, saved.version, LocationSaved(saved))
            return saved

        request = self._desk.converter.unstructure(draft)
        return self._run(
            "add_location",
            draft.id,
            work,
            actor=actor,
            request=request,
            idempotency_key=None,
            result_type=Location,
        )

    def track(
        self,
        sku: str,
        *,
        actor: Actor,
        policy: OversellPolicy = OversellPolicy.DENY,
        preorder_limit: int = 0,
        low_stock: Mapping[str, int] | None = None,
        reorder: Mapping[str, ReorderRule] | None = None,
    ) -> StockItem:
        """Start tracking a SKU, or change its policy, low-stock thresholds and reorder rules.

        From now on orders reserve this SKU when they are confirmed.

        Raises:
            ValidationError: For a bad setting.
            NotFound: If a threshold or rule names an unknown location.
        """
        draft = StockItem(sku, policy, preorder_limit, low_stock or {}, reorder or {})

        def work(session: StockSession) -> StockItem:
            for location in sorted({*draft.low_stock, *draft.reorder}):
                session.location(location)
            items = session.ctx.uow.aggregates(STOCK_ITEMS)
            current = items.find(draft.id)
            version = 0 if current is None else current.version
            saved = attrs.evolve(draft, version=version + 1)
            items.save(saved, expected_version=version)
            session.ctx.record("stock_item", saved.id, saved.version, StockItemSaved(saved))
            return saved

        return self._run(
            "track",
            draft.id,
            work,
            actor=actor,
            request=None,
            idempotency_key=None,
            result_type=StockItem,
        )

    # -- movements of stock ----------------------------------------------------------------

    def _move_one(
        self,
        action: str,
        movement: Callable[[StockSession], StockMoved],
        *,
        actor: Actor,
        sku: str,
        request: JSONValue,
        reason: str | None,
        idempotency_key: str | None,
    ) -> StockLevel:
        def work(session: StockSession) -> StockLevel:
            return session.move([movement(session)], reason)[-1]

        return self._run(
            action,
            sku,
            work,
            actor=actor,
            request=request,
            idempotency_key=idempotency_key,
            result_type=StockLevel,
        )

    def receive(
        self,
        sku: str,
        location: str,
        quantity: int,
        *,
        actor: Actor,
        reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> StockLevel:
        """Book units into stock (a delivery, a return to stock); returns the level after."""
        check.code(sku, "sku")
        check.code(location, "location")
        units = check.quantity(quantity)

        def movement(session: StockSession) -> StockMoved:
            session.item(sku)
            session.location(location)
            return StockMoved(
                MovementKind.RECEIPT, sku, location, on_hand_change=units, reason=reference
            )

        request: JSONValue = {"sku": sku, "location": location, "quantity": units}
        return self._move_one(
            "receive",
            movement,
            actor=actor,
            sku=sku,
            request=request,
            reason=reference,
            idempotency_key=idempotency_key,
        )

    def adjust(
        self,
        sku: str,
        location: str,
        change: int,
        *,
        actor: Actor,
        reason: str,
        idempotency_key: str | None = None,
    ) -> StockLevel:
        """Correct the units on hand by ``change`` (a count, damage, shrinkage), with a reason.

        Raises:
            ValidationError: If the reason is missing, ``change`` is zero, or the units on hand
                would drop below zero or, for a SKU that may not be oversold, below the units
                reserved there (release or move those reservations first).
        """
        check.code(sku, "sku")
        check.code(location, "location")
        units = check.quantity(change, "change", signed=True)
        why = check.code(reason, "reason")

        def movement(session: StockSession) -> StockMoved:
            item = session.item(sku)
            session.location(location)
            level = session.level(sku, location)
            if units < 0 and level.available + units < 0 and not item.may_oversell(-units):
                raise ValidationError(
                    "change", f"{level.reserved} of {level.on_hand} on hand are reserved"
                )
            return StockMoved(MovementKind.ADJUSTMENT, sku, location, on_hand_change=units)

        request: JSONValue = {"sku": sku, "location": location, "change": units, "reason": why}
        return self._move_one(
            "adjust",
            movement,
            actor=actor,
            sku=sku,
            request=request,
            reason=why,
            idempotency_key=idempotency_key,
        )

    def transfer(
        self,
        sku: str,
        from_location: str,
        to_location: str,
        quantity: int,
        *,
        actor: Actor,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> StockTransfer:
        """Move available units between locations.

        Raises:
            ValidationError: If both locations are the same or the units are not available.
        """
        check.code(sku, "sku")
        check.code(from_location, "from_location")
        check.code(to_location, "to_location")
        if from_location == to_location:
            raise ValidationError("to_location", "must differ from from_location")
        units = check.quantity(quantity)

        def work(session: StockSession) -> StockTransfer:
            session.item(sku)
            session.location(from_location)
            session.location(to_location)
            available = session.level(sku, from_location).available
            if units > available:
                raise ValidationError("quantity", f"only {available} available at {from_location}")
            out = StockMoved(
                MovementKind.TRANSFER_OUT,
                sku,
                from_location,
                on_hand_change=-units,
                counterpart=to_location,
                reason=reason,
            )
            into = StockMoved(
                MovementKind.TRANSFER_IN,
                sku,
                to_location,
                on_hand_change=units,
                counterpart=from_location,
                reason=reason,
            )
            # Sorted key order, as every multi-level step takes its levels.
            moved = {m.location: m for m in (out, into)}
            after = {
                level.location: level
                for level in session.move(sorted(moved.values(), key=lambda m: m.location), reason)
            }
            return StockTransfer(after[from_location], after[to_location])

        request: JSONValue = {
            "sku": sku,
            "from": from_location,
            "to": to_location,
            "quantity": units,
            "reason": reason,
        }
        return self._run(
            "transfer",
            sku,
            work,
            actor=actor,
            request=request,
            idempotency_key=idempotency_key,
            result_type=StockTransfer,
        )

    # -- reservations ----------------------------------------------------------------------

    def reserve(
        self,
        order_id: str,
        lines: Sequence[DemandLine] | Mapping[str, int],
        *,
        actor: Actor,
        ttl: timedelta | None = None,
        strategy: str | None = None,
        region: str = "",
        location: str | None = None,
        idempotency_key: str | None = None,
    ) -> OrderReservations:
        """Reserve every line of an order, or nothing.

        Demand for one SKU over several lines is summed before it is checked; the allocation
        strategy picks the locations; units no location has are reserved as backorders only if
        the SKU's policy allows it.

        Args:
            order_id: The order (or cart) that holds the units.
            lines: :class:`DemandLine` values, or ``{sku: units}``.
            actor: Who reserves.
            ttl: How long the reservation holds (``None``: until released or consumed).
            strategy: Allocation strategy code (default: the policy's).
            region: The destination's region, for ``nearest-region``.
            location: Reserve only at this location (click and collect).
            idempotency_key: Makes the call safe to repeat.

        Returns:
            The holder's reservations after the call.

        Raises:
            InsufficientStock: If a SKU is short and its policy does not cover it.
            NotFound: For an untracked SKU or an unknown location.
            ValidationError: For a bad line, quantity or time to live.
        """
        holder = check.code(order_id, "order_id")
        demand = check.demand(lines, region)
        lifetime = check.ttl(ttl, required=False)
        if location is not None:
            check.code(location, "location")

        def work(session: StockSession) -> OrderReservations:
            items = {sku: session.item(sku) for sku in demand.by_sku()}
            if location is not None:
                session.location(location)
            planned, levels = session.plan(demand, strategy, location)
            short = reservations.check_backorders(planned, demand, items, levels)
            if short is not None:
                raise short
            group = session.group(holder)
            now = session.ctx.now
            locations = session.locations() if location is None else (session.location(location),)
            expires_at = None if lifetime is None else now + lifetime
            after, movements = reservations.reserve(
                group, planned, locations=locations, now=now, expires_at=expires_at
            )
            session.move(movements)
            session.save_group(group, after)
            return after

        request: JSONValue = {
            "lines": [[line.line_id, line.sku, line.quantity] for line in demand.lines],
            "ttl": None if lifetime is None else str(lifetime),
            "strategy": strategy,
            "region": region,
            "location": location,
        }
        return self._run(
            "reserve",
            holder,
            work,
            actor=actor,
            request=request,
            idempotency_key=idempotency_key,
            result_type=OrderReservations,
        )

    def hold(
        self,
        cart_id: str,
        lines: Sequence[DemandLine] | Mapping[str, int],
        *,
        actor: Actor,
        ttl: timedelta,
        location: str | None = None,
        idempotency_key: str | None = None,
    ) -> OrderReservations:
        """Hold units for a cart for ``ttl``; :meth:`expire_due` frees them after that.

        Same as :meth:`reserve` with a required time to live.
        """
        check.ttl(ttl, required=True)
        return self.reserve(
            cart_id,
            lines,
            actor=actor,
            ttl=ttl,
            location=location,
            idempotency_key=idempotency_key,
        )

    def extend(
        self, order_id: str, *, actor: Actor, ttl: timedelta, idempotency_key: str | None = None
    ) -> OrderReservations:
        """Let every active hold of an order or cart run ``ttl`` from now.

        Raises:
            InvalidTransition: If the holder has no active hold.
            NotFound: If the holder never reserved anything.
        """
        holder = check.code(order_id, "order_id")
        lifetime = check.ttl(ttl, required=True)
        assert lifetime is not None

        def work(session: StockSession) -> OrderReservations:
            group = self._existing_group(session, holder)
            now = session.ctx.now
            after, movements = reservations.extend(group, now + lifetime, now)
            session.move(movements)
            session.save_group(group, after)
            return after

        request: JSONValue = {"ttl": str(lifetime)}
        return self._run(
            "extend",
            holder,
            work,
            actor=actor,
            request=request,
            idempotency_key=idempotency_key,
            result_type=OrderReservations,
        )

    def release(
        self,
        order_id: str,
        *,
        actor: Actor,
        lines: Mapping[str, int] | None = None,
        idempotency_key: str | None = None,
    ) -> OrderReservations:
        """Release units of an order or cart (``{line_id: units}``; ``None``: all of them).

        Raises:
            InvalidTransition: If nothing is held any more (released twice).
            ValidationError: If a line releases more than it holds.
            NotFound: If the holder never reserved anything.
        """
        return self._take("release", order_id, lines, actor, idempotency_key)

    def consume(
        self,
        order_id: str,
        lines: Mapping[str, int],
        *,
        actor: Actor,
        idempotency_key: str | None = None,
    ) -> OrderReservations:
        """Take shipped units out of stock from their reservations (``{line_id: units}``).

        Raises:
            ValidationError: If a line consumes more than it holds.
            InsufficientStock: If backordered units are shipped before they are on hand.
            NotFound: If the holder never reserved anything.
        """
        if lines is None:
            raise ValidationError("lines", "give {line_id: units}")
        return self._take("consume", order_id, lines, actor, idempotency_key)

    def _take(
        self,
        action: str,
        order_id: str,
        lines: Mapping[str, int] | None,
        actor: Actor,
        idempotency_key: str | None,
    ) -> OrderReservations:
        holder = check.code(order_id, "order_id")
        wanted = check.line_quantities(lines)

        def work(session: StockSession) -> OrderReservations:
            group = self._existing_group(session, holder)
            if action == "consume":
                assert wanted is not None
                skus = {r.sku for r in group.reservations}
                levels = {level.id: level for level in session.levels(skus)}
                after, movements = reservations.consume(group, wanted, levels)
            else:
                after, movements = reservations.release(group, wanted)
            session.move(movements)
            session.save_group(group, after)
            return after

        return self._run(
            action,
            holder,
            work,
            actor=actor,
            request={"lines": wanted},  # type: ignore[dict-item]
            idempotency_key=idempotency_key,
            result_type=OrderReservations,
        )

    @staticmethod
    def _existing_group(session: StockSession, holder: str) -> OrderReservations:
        group = session.group(holder)
        if not group.reservations:
            raise NotFound("reservations", holder)
        return group

    def expire_due(self, *, actor: Actor, now: datetime | None = None) -> tuple[str, ...]:
        """Expire every hold past its time; return the ids of the expired reservations.

        Each order or cart is expired by its own command, which looks at the hold again, so a
        hold extended in the meantime is left alone.

        Args:
            actor: Who sweeps (usually ``Actor.system("stock-sweeper")``).
            now: The time to judge by (default: the desk's clock).
        """
        moment = self._desk.clock.now() if now is None else now
        with self._desk.storage.unit_of_work() as uow:
            due = sorted(
                group.id
                for group in uow.aggregates(RESERVATIONS).scan()
                if any(r.is_due(moment) for r in group.reservations)
            )
        expired: list[str] = []
        for holder in due:

            def work(session: StockSession, holder: str = holder) -> tuple[str, ...]:
                group = session.group(holder)
                after, movements = reservations.expire_due(group, moment)
                if not movements:
                    return ()
                session.move(movements)
                session.save_group(group, after)
                return tuple(m.reservation_id for m in movements if m.reservation_id)

            expired.extend(
                self._run(
                    "expire",
                    holder,
                    work,
                    actor=actor,
                    request=None,
                    idempotency_key=None,
                    result_type=tuple,
                )
            )
        return tuple(expired)

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

    def __repr__(self) -> str:
        return f"InventoryDesk(strategy={self.policy.strategy!r})"
