"""The movement ledger: every change to a stock level is a :class:`StockMoved` event.

Each movement concerns one SKU at one location and is journaled in that level's stream
(``"stock"``, ``"<sku>@<location>"``) with the level's new version, so the journal *is* the
ledger: who moved what, when and why. :func:`apply_movement` is the only way a level changes,
and :func:`replay_level` rebuilds a level from its movements alone (``desk.inventory.replay``
and a test property use it).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

import attrs

from ordercore._replace import constructor
from ordercore.errors import ValidationError
from ordercore.inventory.model import Location, StockItem, StockLevel

__all__ = [
    "STOCK_STREAM",
    "LocationSaved",
    "MovementKind",
    "StockItemSaved",
    "StockMoved",
    "apply_movement",
    "replay_level",
]

STOCK_STREAM = "stock"
"""The journal stream type of stock levels."""


class MovementKind(enum.Enum):
    """Why a level moved."""

    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    RESERVE = "reserve"
    EXTEND = "extend"
    RELEASE = "release"
    EXPIRE = "expire"
    CONSUME = "consume"


@attrs.frozen(slots=True)
class StockMoved:
    """One movement of one level. Actor and time are those of the journal entry.

    Attributes:
        kind: What happened.
        sku: The SKU.
        location: The location.
        on_hand_change: Added to ``on_hand`` (negative: removed).
        reserved_change: Added to ``reserved``.
        reservation_id: The reservation it concerns, for reserve, extend, release, expire and
            consume.
        order_id: The order or cart of that reservation.
        line_id: Its line.
        expires_at: The reservation's expiry after this movement (reserve and extend).
        counterpart: The other location of a transfer.
        reason: Why, for adjustments; the reference (delivery note) for receipts.
    """

    kind: MovementKind
    sku: str
    location: str
    on_hand_change: int = 0
    reserved_change: int = 0
    reservation_id: str | None = None
    order_id: str | None = None
    line_id: str | None = None
    expires_at: datetime | None = None
    counterpart: str | None = None
    reason: str | None = None


def apply_movement(level: StockLevel, movement: StockMoved) -> StockLevel:
    """Return ``level`` after ``movement``, one version on.

    Raises:
        ValidationError: If the movement is for another level or would leave a negative count.
    """
    if movement.sku != level.sku or movement.location != level.location:
        raise ValidationError("movement", f"is for {movement.sku}@{movement.location}")
    on_hand = level.on_hand + movement.on_hand_change
    reserved = level.reserved + movement.reserved_change
    if on_hand < 0:
        raise ValidationError("quantity", f"would leave {on_hand} on hand at {level.location}")
    if reserved < 0:
        raise ValidationError("quantity", f"would leave {reserved} reserved at {level.location}")
    # Every field of a level, built directly: it has no checks of its own (the counts are
    # checked above), and this is the step every movement takes.
    return constructor(StockLevel)(
        level.id, level.sku, level.location, on_hand, reserved, level.version + 1
    )


def replay_level(sku: str, location: str, movements: Iterable[StockMoved]) -> StockLevel:
    """Rebuild a level from its movements, oldest first."""
    level = StockLevel.empty(sku, location)
    for movement in movements:
        level = apply_movement(level, movement)
    return level


@attrs.frozen(slots=True)
class LocationSaved:
    """A location was added or changed (journaled in the ``"stock_location"`` stream)."""

    location: Location


@attrs.frozen(slots=True)
class StockItemSaved:
    """A SKU began to be tracked or its settings changed (``"stock_item"`` stream)."""

    item: StockItem
