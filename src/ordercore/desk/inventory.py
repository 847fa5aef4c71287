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

from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs

from ordercore.actors import Actor
from ordercore.desk import _inventory_input as check
from ordercore.desk._reservation_commands import ReservationCommands
from ordercore.desk._stock_session import StockSession
from ordercore.inventory import movements
from ordercore.inventory.ledger import (
    LocationSaved,
    MovementKind,
    StockItemSaved,
    StockMoved,
)
from ordercore.inventory.model import (
    LOCATIONS,
    STOCK_ITEMS,
    Location,
    LocationKind,
    OversellPolicy,
    ReorderRule,
    StockItem,
    StockLevel,
)
from ordercore.serialization import JSONValue
from ordercore.storage.ports import AggregateKind

__all__ = ["InventoryDesk", "StockTransfer"]


@attrs.frozen(slots=True)
class StockTransfer:
    """The two levels after a transfer."""

    source: StockLevel
    destination: StockLevel


Setting = TypeVar("Setting", Location, StockItem)


def _save_setting(session: StockSession, kind: AggregateKind[Setting], draft: Setting) -> Setting:
    """Store a new location or item, or the next version of an existing one."""
    stored = session.ctx.uow.aggregates(kind)
    current = stored.find(draft.id)
    version = 0 if current is None else current.version
    saved = attrs.evolve(draft, version=version + 1)
    stored.save(saved, expected_version=version)
    return saved


class InventoryDesk(ReservationCommands):
    """Stock commands and queries; reached as ``desk.inventory``.

    Set-up (:meth:`add_location`, :meth:`track`) and movements (:meth:`receive`,
    :meth:`adjust`, :meth:`transfer`) are here; reservations come from
    :class:`~ordercore.desk._reservation_commands.ReservationCommands` and queries from
    :class:`~ordercore.desk._inventory_queries.InventoryQueries`.
    """

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
            saved = _save_setting(session, LOCATIONS, draft)
            session.ctx.record(LOCATIONS.name, saved.id, saved.version, LocationSaved(saved))
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
            saved = _save_setting(session, STOCK_ITEMS, draft)
            session.ctx.record(STOCK_ITEMS.name, saved.id, saved.version, StockItemSaved(saved))
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
            return movements.adjustment(item, level, session.levels([sku]), units)

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
        units = check.quantity(quantity)

        def work(session: StockSession) -> StockTransfer:
            session.item(sku)
            session.location(from_location)
            session.location(to_location)
            source = session.level(sku, from_location)
            moved = movements.transfer(source, to_location, units, reason)
            after = {level.location: level for level in session.move(moved, reason)}
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

    def __repr__(self) -> str:
        return f"InventoryDesk(strategy={self.policy.strategy!r})"
