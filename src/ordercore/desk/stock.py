"""The port through which order commands reach stock.

Confirming an order reserves stock, cancelling or expiring it releases what was reserved, an edit
reserves or releases the difference, and shipping consumes reservations. The order lifecycle
works these out as a :class:`~ordercore.orders.model.StockDelta` and the desk hands it to a
:class:`StockPort` inside the same unit of work, so that an inventory that refuses (for example
with :class:`~ordercore.errors.InsufficientStock`) rolls the whole command back.
"""

from __future__ import annotations

from typing import Protocol

from ordercore.desk.commands import CommandContext
from ordercore.orders.model import Order, StockDelta

__all__ = ["HoldsWhenShort", "IntentOnlyStock", "StockPort", "shortage"]


class StockPort(Protocol):
    """Applies what an order command asks of stock, inside the command's unit of work."""

    def apply(self, ctx: CommandContext, order: Order, delta: StockDelta) -> None:
        """Reserve, release and consume the units in ``delta`` for ``order``.

        Args:
            ctx: The running command (its unit of work, actor and time).
            order: The order after the command.
            delta: What to reserve, release and consume; never empty.

        Raises:
            InsufficientStock: If a reservation cannot be met; the command is rolled back.
        """
        ...


class HoldsWhenShort(Protocol):
    """A stock port that can ask for an order to be held rather than confirmed short.

    Optional: a port without :meth:`shortage` never holds; it may refuse from ``apply``.
    """

    def shortage(self, ctx: CommandContext, order: Order, delta: StockDelta) -> str | None:
        """Say why confirming ``order`` should put it on hold instead, if stock is short.

        Asked by confirm before it decides, in the same unit of work as :meth:`apply`, so the
        answer cannot go stale. A port that would rather refuse returns ``None`` and raises
        :class:`~ordercore.errors.InsufficientStock` from :meth:`apply`.

        Args:
            ctx: The running command.
            order: The order before confirmation.
            delta: What confirmation would reserve.

        Returns:
            The hold's reason (``"awaiting stock: SKU-1 short by 2"``), or ``None``.
        """
        ...


def shortage(port: StockPort, ctx: CommandContext, order: Order, delta: StockDelta) -> str | None:
    """Ask ``port`` why confirming ``order`` should hold it, if the port can say."""
    ask = getattr(port, "shortage", None)
    if ask is None:
        return None
    reason: str | None = ask(ctx, order, delta)
    return reason


class IntentOnlyStock:
    """The default port until an inventory is attached: it changes nothing.

    The intent is not lost: every order event that moves stock (``OrderConfirmed``,
    ``OrderShipped``, ``OrderEdited``, ``OrderCancelled``, ``OrderExpired``) carries its
    :class:`~ordercore.orders.model.StockDelta` in the journal, and the order's lines keep their
    ``reserved`` counters, so an inventory attached later can be brought up to date from them.

    The desk uses :class:`~ordercore.desk.inventory_stock.InventoryStock`, which treats every
    untracked SKU like this.
    """

    def apply(self, ctx: CommandContext, order: Order, delta: StockDelta) -> None:
        """Do nothing; the delta is already journaled with the order's event."""
        del ctx, order, delta

    def __repr__(self) -> str:
        return "IntentOnlyStock()"
