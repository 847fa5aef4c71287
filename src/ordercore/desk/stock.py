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

__all__ = ["IntentOnlyStock", "StockPort"]


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


class IntentOnlyStock:
    """The default port until an inventory is attached: it changes nothing.

    The intent is not lost: every order event that moves stock (``OrderConfirmed``,
    ``OrderShipped``, ``OrderEdited``, ``OrderCancelled``, ``OrderExpired``) carries its
    :class:`~ordercore.orders.model.StockDelta` in the journal, and the order's lines keep their
    ``reserved`` counters, so an inventory attached later can be brought up to date from them.
    """

    def apply(self, ctx: CommandContext, order: Order, delta: StockDelta) -> None:
        """Do nothing; the delta is already journaled with the order's event."""
        del ctx, order, delta

    def __repr__(self) -> str:
        return "IntentOnlyStock()"
