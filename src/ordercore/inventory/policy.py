"""How the inventory behaves: the default strategy, what confirm does when short, who is told."""

from __future__ import annotations

import enum
from typing import Any

import attrs

from ordercore.errors import ValidationError

__all__ = ["InventoryPolicy", "ShortageAction"]


class ShortageAction(enum.Enum):
    """What confirming an order does when a tracked SKU's policy does not cover a shortage."""

    HOLD = "hold"
    """Put the order on hold from *approved*, naming what is short; confirm again later."""
    REFUSE = "refuse"
    """Raise :class:`~ordercore.errors.InsufficientStock`; nothing is written."""


def _alerts_to(_: Any, __: Any, value: Any) -> None:
    if value is None:
        return
    if not (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(part, str) and part for part in value)
    ):
        raise ValidationError("alerts_to", "give (channel, recipient), e.g. ('email', 'ops@…')")


@attrs.frozen(slots=True)
class InventoryPolicy:
    """Settings of ``desk.inventory``.

    Attributes:
        strategy: Code of the allocation strategy orders and carts use by default.
        on_shortage: What confirming an order does when stock is short.
        alerts_to: ``(channel, recipient)`` told of low stock and purchase suggestions through
            the notifiers (``None``: the events still go to event listeners via the outbox).
    """

    strategy: str = "priority"
    on_shortage: ShortageAction = attrs.field(
        default=ShortageAction.HOLD, validator=attrs.validators.instance_of(ShortageAction)
    )
    alerts_to: tuple[str, str] | None = attrs.field(default=None, validator=_alerts_to)
