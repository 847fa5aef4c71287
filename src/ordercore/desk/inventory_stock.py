"""The stock port backed by the inventory: orders reserve, release and consume tracked SKUs.

The order lifecycle hands each command's :class:`~ordercore.orders.model.StockDelta` to
:meth:`InventoryStock.apply` inside the order command's unit of work, so a refusal rolls the
whole order command back. Only *tracked* SKUs (those with a
:class:`~ordercore.inventory.model.StockItem`) touch stock; the others pass through as intent
only, exactly as with :class:`~ordercore.desk.stock.IntentOnlyStock`. A host starts tracking a
SKU with ``desk.inventory.track(sku)``; orders confirmed from then on reserve it.

Releases and consumption are lenient about units this inventory never held (a line confirmed
before its SKU was tracked): what is held is released or consumed, the rest was intent only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from ordercore.desk._stock_session import StockSession
from ordercore.desk.commands import CommandContext
from ordercore.errors import InsufficientStock
from ordercore.inventory import reservations
from ordercore.inventory.allocation import AllocationPlan, Demand, DemandLine
from ordercore.inventory.model import Availability, StockItem
from ordercore.inventory.policy import ShortageAction
from ordercore.orders.model import Order, StockDelta, StockLine

__all__ = ["InventoryStock"]


def _region(order: Order) -> str:
    address = order.shipping_address
    return address.region or address.country


class InventoryStock:
    """A :class:`~ordercore.desk.stock.StockPort` that reserves tracked SKUs in the inventory.

    Args:
        session: Builds the inventory's view of a running command.
    """

    def __init__(self, session: Callable[[CommandContext], StockSession]) -> None:
        self._session = session

    @staticmethod
    def _tracked(
        session: StockSession, lines: Sequence[StockLine]
    ) -> tuple[list[StockLine], dict[str, StockItem]]:
        items: dict[str, StockItem] = {}
        kept = []
        for line in lines:
            item = items.get(line.sku) or session.tracked(line.sku)
            if item is not None:
                items[line.sku] = item
                kept.append(line)
        return kept, items

    def _plan(
        self, session: StockSession, order: Order, lines: Sequence[StockLine]
    ) -> tuple[Demand, AllocationPlan, InsufficientStock | None] | None:
        tracked, items = self._tracked(session, lines)
        if not tracked:
            return None
        demand = Demand(
            tuple(DemandLine(line.line_id, line.sku, line.quantity) for line in tracked),
            _region(order),
        )
        planned, levels = session.plan(demand)
        return demand, planned, reservations.check_backorders(planned, demand, items, levels)

    def available(self, ctx: CommandContext, skus: Iterable[str]) -> Mapping[str, int]:
        """Units a new order can still get per tracked SKU among ``skus`` (for order review).

        Untracked SKUs are left out, and so are SKUs that allow unlimited backorders: nothing
        an order asks of them is short.
        """
        session = self._session(ctx)
        found: dict[str, int] = {}
        for sku in sorted(set(skus)):
            item = session.tracked(sku)
            if item is not None:
                promisable = Availability.of(item, tuple(session.levels([sku]))).promisable
                if promisable is not None:
                    found[sku] = promisable
        return found

    def shortage(self, ctx: CommandContext, order: Order, delta: StockDelta) -> str | None:
        """Why confirming ``order`` should hold it instead, or ``None`` to go ahead.

        Only with ``on_shortage=HOLD``; with ``REFUSE``, :meth:`apply` raises instead.
        """
        session = self._session(ctx)
        if session.policy.on_shortage is not ShortageAction.HOLD or not delta.reserve:
            return None
        planned = self._plan(session, order, delta.reserve)
        if planned is None or planned[2] is None:
            return None
        short = planned[1].backordered()
        detail = ", ".join(f"{sku} short by {units}" for sku, units in sorted(short.items()))
        return f"awaiting stock: {detail}"

    def apply(self, ctx: CommandContext, order: Order, delta: StockDelta) -> None:
        """Release, then consume, then reserve what ``delta`` asks, for tracked SKUs only.

        Raises:
            InsufficientStock: If a reservation is short and the SKU's policy does not cover
                it, or shipped units are not on hand; the order command is rolled back.
        """
        session = self._session(ctx)
        if delta.release or delta.consume:
            released, _ = self._tracked(session, delta.release)
            consumed, _ = self._tracked(session, delta.consume)
            if released or consumed:
                self._release_and_consume(session, order.id, released, consumed)
        if delta.reserve:
            planned = self._plan(session, order, delta.reserve)
            if planned is not None:
                _, plan, short = planned
                if short is not None:
                    raise short
                group = session.group(order.id)
                after, movements = reservations.reserve(
                    group, plan, locations=session.locations(), now=ctx.now, expires_at=None
                )
                session.move(movements)
                session.save_group(group, after)

    @staticmethod
    def _release_and_consume(
        session: StockSession,
        order_id: str,
        released: Sequence[StockLine],
        consumed: Sequence[StockLine],
    ) -> None:
        group = session.group(order_id)
        if not group.reservations:
            return
        current = group
        movements = []
        if released:
            lines = {line.line_id: line.quantity for line in released}
            current, moved = reservations.release(current, lines, strict=False)
            movements.extend(moved)
        if consumed:
            lines = {line.line_id: line.quantity for line in consumed}
            levels = {lv.id: lv for lv in session.levels(line.sku for line in consumed)}
            current, moved = reservations.consume(current, lines, levels, strict=False)
            movements.extend(moved)
        session.move(movements)
        session.save_group(group, current)

    def __repr__(self) -> str:
        return "InventoryStock()"
