"""Decisions about stock that is not reserved: adjustments and transfers, as pure functions.

Each takes the levels involved and returns the :class:`~ordercore.inventory.ledger.StockMoved`
movements to apply, or refuses with a :class:`~ordercore.errors.ValidationError` naming the
field. The desk loads the levels, applies the movements and journals them.
"""

from __future__ import annotations

from collections.abc import Iterable

from ordercore.errors import ValidationError
from ordercore.inventory.ledger import MovementKind, StockMoved
from ordercore.inventory.model import StockItem, StockLevel

__all__ = ["adjustment", "transfer"]


def adjustment(
    item: StockItem, level: StockLevel, others: Iterable[StockLevel], change: int
) -> StockMoved:
    """Correct the units on hand of ``level`` by ``change``.

    Args:
        item: The SKU's settings (its oversell policy).
        level: The level to correct.
        others: The SKU's levels at the other locations (what they promise beyond stock counts
            against a preorder limit).
        change: Units to add (negative: to remove).

    Raises:
        ValidationError: (field ``change``) if on hand would drop below zero, or below what is
            reserved there further than the SKU's policy lets it promise units it does not have.
    """
    if level.on_hand + change < 0:
        raise ValidationError("change", f"only {level.on_hand} on hand at {level.location}")
    if change < 0 and level.available + change < 0:
        # Fewer units than reserved turns reservations into backorders: only as far as the
        # SKU's policy lets it promise units it does not have.
        elsewhere = sum(other.oversold for other in others if other.id != level.id)
        if not item.may_oversell(elsewhere + level.reserved - level.on_hand - change):
            raise ValidationError(
                "change",
                f"{level.reserved} of {level.on_hand} on hand at {level.location} are reserved; "
                "release or move reservations first",
            )
    return StockMoved(MovementKind.ADJUSTMENT, level.sku, level.location, on_hand_change=change)


def transfer(
    source: StockLevel, destination: str, units: int, reason: str | None = None
) -> tuple[StockMoved, StockMoved]:
    """Move ``units`` available at ``source`` to the location ``destination``.

    Returns:
        The movements out of and into, in sorted location order (the order levels are taken).

    Raises:
        ValidationError: If the locations are the same (``to_location``) or the units are not
            available at the source (``quantity``).
    """
    if destination == source.location:
        raise ValidationError("to_location", "must differ from from_location")
    if units > source.available:
        raise ValidationError("quantity", f"only {source.available} available at {source.location}")
    out = StockMoved(
        MovementKind.TRANSFER_OUT,
        source.sku,
        source.location,
        on_hand_change=-units,
        counterpart=destination,
        reason=reason,
    )
    into = StockMoved(
        MovementKind.TRANSFER_IN,
        source.sku,
        destination,
        on_hand_change=units,
        counterpart=source.location,
        reason=reason,
    )
    return (out, into) if source.location < destination else (into, out)
