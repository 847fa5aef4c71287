"""The read side of ``desk.orders``: orders, their journal, their events and replay."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ordercore.audit.journal import JournalEntry
from ordercore.desk._order_records import (
    CHANNEL_REFS,
    ORDER_STREAM,
    channel_key,
    checked_order_id,
)
from ordercore.errors import NotFound
from ordercore.orders.events import OrderEvent, event_of_entry, replay
from ordercore.orders.model import ORDERS, Order, OrderStatus
from ordercore.orders.timeline import Timeline, build_timeline

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk

__all__ = ["OrderQueries"]


class OrderQueries:
    """Order queries; part of ``desk.orders``."""

    _desk: OrderDesk

    def get(self, order_id: str) -> Order:
        """Return an order.

        Raises:
            NotFound: If there is no such order.
        """
        with self._desk.storage.unit_of_work() as uow:
            return uow.aggregates(ORDERS).get(checked_order_id(order_id))

    def find_by_channel(self, channel: str, external_id: str) -> Order | None:
        """Return the order a channel's external order id became, if any."""
        with self._desk.storage.unit_of_work() as uow:
            ref = uow.aggregates(CHANNEL_REFS).find(channel_key(channel, external_id))
            return None if ref is None else uow.aggregates(ORDERS).get(ref.order_id)

    def list(
        self,
        *,
        status: OrderStatus | None = None,
        channel: str | None = None,
        queue: str | None = None,
        assignee: str | None = None,
        customer_id: str | None = None,
    ) -> builtins.list[Order]:
        """Return the orders that match every filter given, oldest first."""
        found = [
            order
            for order in self._scan()
            if (status is None or order.status is status)
            and (channel is None or order.channel == channel)
            and (queue is None or order.queue == queue)
            and (assignee is None or order.assignee == assignee)
            and (customer_id is None or order.customer_id == customer_id)
        ]
        found.sort(key=lambda order: (order.milestones.placed_at, order.number))
        return found

    def timeline(self, order_id: str) -> Timeline:
        """The customer-facing progress of an order: stages with times, current, next."""
        return build_timeline(self.get(order_id))

    def history(self, order_id: str) -> builtins.list[JournalEntry]:
        """The order's journal entries, oldest first (who, what, when, why, before/after)."""
        with self._desk.storage.unit_of_work() as uow:
            entries = uow.journal.stream(ORDER_STREAM, checked_order_id(order_id))
        if not entries:
            raise NotFound(ORDER_STREAM, order_id)
        return entries

    def events(self, order_id: str) -> builtins.list[OrderEvent]:
        """The order's events read back from the journal.

        Raises:
            NotFound: If the order has no events.
            ValidationError: If an entry's personal data was redacted (it cannot be rebuilt).
        """
        return [self._event_of(entry) for entry in self.history(order_id)]

    def replay(self, order_id: str) -> Order:
        """Rebuild the order from its journal alone; an audit compares it with :meth:`get`."""
        return replay(self.events(order_id))

    # -- machinery -------------------------------------------------------------------------

    def _event_of(self, entry: JournalEntry) -> OrderEvent:
        return event_of_entry(entry, self._desk.converter)

    def _scan(self) -> Iterator[Order]:
        with self._desk.storage.unit_of_work() as uow:
            orders = list(uow.aggregates(ORDERS).scan())
        return iter(orders)
