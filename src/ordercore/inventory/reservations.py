"""Reservation decisions as pure functions over an order's (or cart's) reservations.

Each function takes the holder's :class:`OrderReservations` and returns it changed together
with the :class:`~ordercore.inventory.ledger.StockMoved` movements that change the levels. The
desk applies the movements to the levels, journals them and saves everything in one unit of
work. Nothing here reads the clock or storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from ordercore._replace import constructor, replace
from ordercore.errors import InsufficientStock, InvalidTransition, ValidationError
from ordercore.inventory.allocation import AllocationPlan, Demand
from ordercore.inventory.ledger import MovementKind, StockMoved
from ordercore.inventory.model import (
    Location,
    OrderReservations,
    Reservation,
    ReservationStatus,
    StockItem,
    StockLevel,
)

__all__ = [
    "Change",
    "check_backorders",
    "consume",
    "expire_due",
    "extend",
    "release",
    "reserve",
]

Change = tuple[OrderReservations, list[StockMoved]]
"""A holder's reservations after a step, and the movements the step makes."""

_ENDED_BY = {
    MovementKind.RELEASE: ReservationStatus.RELEASED,
    MovementKind.EXPIRE: ReservationStatus.EXPIRED,
    MovementKind.CONSUME: ReservationStatus.CONSUMED,
}


def _movement(
    kind: MovementKind, reservation: Reservation, reserved: int, **extra: object
) -> StockMoved:
    return StockMoved(
        kind=kind,
        sku=reservation.sku,
        location=reservation.location,
        reserved_change=reserved,
        reservation_id=reservation.id,
        order_id=reservation.order_id,
        line_id=reservation.line_id,
        **extra,  # type: ignore[arg-type]
    )


def check_backorders(
    plan: AllocationPlan,
    demand: Demand,
    items: Mapping[str, StockItem],
    levels: Iterable[StockLevel],
) -> InsufficientStock | None:
    """Return the shortage that the SKUs' oversell policies do not allow, if any.

    A preorder SKU may have at most ``preorder_limit`` units promised beyond stock in total,
    counting what earlier reservations already promised.
    """
    if plan.is_complete:
        return None
    oversold: dict[str, int] = {}
    available: dict[str, int] = {}
    for level in levels:
        oversold[level.sku] = oversold.get(level.sku, 0) + level.oversold
        available[level.sku] = available.get(level.sku, 0) + max(level.available, 0)
    wanted = demand.by_sku()
    for sku, short in sorted(plan.backordered().items()):
        if not items[sku].may_oversell(oversold.get(sku, 0) + short):
            return InsufficientStock(sku, "all locations", wanted[sku], available.get(sku, 0))
    return None


def _backorder_location(sku: str, plan: AllocationPlan, locations: tuple[Location, ...]) -> str:
    """Where units promised beyond stock wait: where the SKU is also served, else the best."""
    for allocation in plan.allocations:
        if allocation.sku == sku:
            return allocation.location
    return locations[0].id


def reserve(
    group: OrderReservations,
    plan: AllocationPlan,
    *,
    locations: tuple[Location, ...],
    now: datetime,
    expires_at: datetime | None,
) -> Change:
    """Reserve what ``plan`` allocates, and its backorders (already allowed by the caller).

    Args:
        group: The holder's reservations so far.
        plan: Allocations and backorders (see :func:`check_backorders`).
        locations: Every location, best priority first (backorders wait at the first).
        now: Creation time.
        expires_at: When the reservations lapse (``None``: never; orders release them).
    """
    if plan.backorders and not locations:
        first = plan.backorders[0]
        raise InsufficientStock(first.sku, "all locations", first.quantity, 0)
    wanted = [(a.line_id, a.sku, a.location, a.quantity) for a in plan.allocations]
    for item in plan.backorders:
        location = _backorder_location(item.sku, plan, locations)
        wanted.append((item.line_id, item.sku, location, item.quantity))
    reservations = list(group.reservations)
    movements = []
    holder = group.id
    # Both classes hold plain fields with no checks of their own: build them field by field.
    new_reservation = constructor(Reservation)
    new_movement = constructor(StockMoved)
    active = ReservationStatus.ACTIVE
    for line_id, sku, location, quantity in wanted:
        reservation_id = f"{holder}#{len(reservations) + 1}"
        reservations.append(
            new_reservation(
                reservation_id, holder, line_id, sku, location, quantity, active, now,
                expires_at, 0,
            )
        )  # fmt: skip
        movements.append(
            new_movement(
                MovementKind.RESERVE, sku, location, 0, quantity, reservation_id, holder,
                line_id, expires_at, None, None,
            )
        )  # fmt: skip
    return replace(group, reservations=tuple(reservations), version=group.version + 1), movements


def _take(
    group: OrderReservations,
    lines: Mapping[str, int] | None,
    kind: MovementKind,
    *,
    strict: bool,
    newest_first: bool,
) -> Change:
    """End or shrink active reservations line by line; the common core of release and consume."""
    active = group.active()
    if lines is None:
        lines = {}
        for reservation in active:
            lines[reservation.line_id] = lines.get(reservation.line_id, 0) + reservation.quantity
    if strict and not active:
        state = group.reservations[-1].status.value if group.reservations else "empty"
        raise InvalidTransition(f"reservations of {group.id}", state, kind.value, "none is active")
    changed = {r.id: r for r in group.reservations}
    movements: list[StockMoved] = []
    for line_id, quantity in lines.items():
        held = group.held(line_id)
        if strict and quantity > held:
            raise ValidationError(
                f"lines[{line_id}].quantity", f"cannot {kind.value} {quantity}: {held} held"
            )
        need = min(quantity, held)
        candidates = group.active(line_id)
        for reservation in reversed(candidates) if newest_first else candidates:
            if need <= 0:
                break
            units = min(need, reservation.quantity)
            need -= units
            left = reservation.quantity - units
            updated = replace(
                reservation,
                quantity=left,
                status=reservation.status if left else _ENDED_BY[kind],
                consumed=reservation.consumed + (units if kind is MovementKind.CONSUME else 0),
            )
            changed[reservation.id] = updated
            on_hand = -units if kind is MovementKind.CONSUME else 0
            movements.append(_movement(kind, reservation, -units, on_hand_change=on_hand))
    updated_group = replace(group, reservations=tuple(changed.values()), version=group.version + 1)
    return updated_group, movements


def release(
    group: OrderReservations, lines: Mapping[str, int] | None = None, *, strict: bool = True
) -> Change:
    """Release units per line (every active unit when ``lines`` is ``None``), newest first.

    Args:
        group: The holder's reservations.
        lines: ``{line_id: units}`` to release.
        strict: Refuse releasing what is not held, and releasing when nothing is active.
            The order lifecycle passes ``False``: units it reserved while the SKU was not
            tracked were never held here.

    Raises:
        InvalidTransition: If nothing is active (released twice), when strict.
        ValidationError: If a line releases more than it holds, when strict.
    """
    return _take(group, lines, MovementKind.RELEASE, strict=strict, newest_first=True)


def consume(
    group: OrderReservations,
    lines: Mapping[str, int],
    levels: Mapping[str, StockLevel],
    *,
    strict: bool = True,
) -> Change:
    """Consume shipped units from the line's reservations, oldest first.

    Args:
        group: The holder's reservations.
        lines: ``{line_id: units}`` shipped.
        levels: The levels involved, by id, to check the units are on hand.
        strict: As for :func:`release`.

    Raises:
        InsufficientStock: If a backordered unit is shipped before it is on hand.
        ValidationError: If a line consumes more than it holds, when strict.
        InvalidTransition: If nothing is active, when strict.
    """
    changed, movements = _take(
        group, lines, MovementKind.CONSUME, strict=strict, newest_first=False
    )
    out: dict[str, int] = {}
    for movement in movements:
        key = f"{movement.sku}@{movement.location}"
        out[key] = out.get(key, 0) - movement.on_hand_change
        on_hand = levels[key].on_hand
        if out[key] > on_hand:
            raise InsufficientStock(movement.sku, movement.location, out[key], on_hand)
    return changed, movements


def extend(group: OrderReservations, expires_at: datetime, now: datetime) -> Change:
    """Move the expiry of every active, expiring reservation to ``expires_at``.

    Raises:
        ValidationError: If ``expires_at`` is not after ``now``.
        InvalidTransition: If nothing is active.
    """
    if expires_at <= now:
        raise ValidationError("ttl", "must end in the future")
    active = [r for r in group.active() if r.expires_at is not None]
    if not active:
        raise InvalidTransition(f"reservations of {group.id}", "inactive", "extend", "no hold")
    changed = {r.id: r for r in group.reservations}
    movements = []
    for reservation in active:
        changed[reservation.id] = replace(reservation, expires_at=expires_at)
        movements.append(_movement(MovementKind.EXTEND, reservation, 0, expires_at=expires_at))
    return replace(
        group, reservations=tuple(changed.values()), version=group.version + 1
    ), movements


def expire_due(group: OrderReservations, now: datetime) -> Change:
    """Expire every active reservation of ``group`` past its time (none: no movements)."""
    due: dict[str, int] = {}
    for reservation in group.reservations:
        if reservation.is_due(now):
            due[reservation.line_id] = due.get(reservation.line_id, 0) + reservation.quantity
    if not due:
        return group, []
    expiring = OrderReservations(
        group.id, tuple(r for r in group.reservations if r.is_due(now)), group.version
    )
    ended, movements = _take(expiring, due, MovementKind.EXPIRE, strict=False, newest_first=False)
    merged = {r.id: r for r in group.reservations}
    merged.update((r.id, r) for r in ended.reservations)
    return replace(group, reservations=tuple(merged.values()), version=group.version + 1), movements
