"""How every ``desk.orders`` command runs: authorize, decide, save, journal, notify, move stock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ordercore.actors import Actor
from ordercore.desk._order_queries import OrderQueries
from ordercore.desk._order_records import ORDER_STREAM, checked_order_id, optional_text
from ordercore.desk.commands import CommandContext
from ordercore.desk.stock import StockPort
from ordercore.orders import lifecycle
from ordercore.orders.events import (
    OrderCancelled,
    OrderConfirmed,
    OrderDelivered,
    OrderEvent,
    OrderExpired,
    OrderHeld,
    OrderPlaced,
    OrderRejected,
    OrderShipped,
)
from ordercore.orders.model import ORDERS, Order, OrderStatus
from ordercore.serialization import JSONValue

__all__ = ["Decide", "OrderCommandFrame"]

_TEMPLATES: Mapping[type[Any], str] = MappingProxyType(
    {
        OrderPlaced: "order_received",
        OrderConfirmed: "order_confirmed",
        OrderHeld: "order_on_hold",
        OrderRejected: "order_rejected",
        OrderCancelled: "order_cancelled",
        OrderExpired: "order_expired",
        OrderShipped: "order_shipped",
        OrderDelivered: "order_delivered",
    }
)

Decide = Callable[[Order, CommandContext], lifecycle.Decision]


class OrderCommandFrame(OrderQueries):
    """The command machinery of ``desk.orders``, shared by every order command."""

    stock: StockPort
    on_commit: Callable[[CommandContext, Order, tuple[OrderEvent, ...]], None] | None

    def _with_reason(
        self,
        command: str,
        decide: Callable[..., lifecycle.Decision],
        order_id: str,
        actor: Actor,
        reason: str | None,
        idempotency_key: str | None,
        *,
        action: str | None = None,
    ) -> Order:
        """Run a command whose only argument is a reason (approve, hold, cancel, ...)."""
        return self._command(
            command,
            order_id,
            lambda order, ctx: decide(order, now=ctx.now, reason=reason),
            actor=actor,
            request={"reason": optional_text(reason, "reason")},
            reason=reason,
            idempotency_key=idempotency_key,
            action=action,
        )

    def _command(
        self,
        command: str,
        order_id: str,
        decide: Decide,
        *,
        actor: Actor,
        request: JSONValue,
        reason: str | None = None,
        idempotency_key: str | None = None,
        action: str | None = None,
    ) -> Order:
        key = checked_order_id(order_id)

        def handler(ctx: CommandContext) -> Order:
            order = ctx.uow.aggregates(ORDERS).get(key)
            decision = decide(order, ctx)
            self.commit_decision(ctx, order.version, decision, reason)
            return decision.order

        return self._execute(
            handler, action or f"order.{command}", actor, key, request, idempotency_key
        )

    def _execute(
        self,
        handler: Callable[[CommandContext], Order],
        action: str,
        actor: Actor,
        subject: str,
        request: JSONValue,
        idempotency_key: str | None,
        *,
        authorized: bool = False,
    ) -> Order:
        if not authorized:
            self._desk.authorize(actor, action, subject)
        return self._desk._run_authorized(
            handler,
            action,
            actor,
            subject,
            request,
            idempotency_key,
            None if idempotency_key is None else Order,
        )

    def commit_decision(
        self,
        ctx: CommandContext,
        expected_version: int,
        decision: lifecycle.Decision,
        reason: str | None,
        *,
        notify: bool = True,
    ) -> None:
        """Save, journal, notify and move stock for a decision, inside ``ctx``'s unit of work.

        Every order command ends here; so do sub-desks (review, shipping) that decide on an
        order inside another command.
        ``notify=False`` leaves the customer's message to the sub-desk (shipping sends its own,
        with the tracking number).
        """
        order = decision.order
        ctx.uow.aggregates(ORDERS).save(order, expected_version=expected_version)
        for offset, event in enumerate(decision.events, start=1):
            ctx.record(ORDER_STREAM, order.id, expected_version + offset, event, reason=reason)
            if notify:
                self._notify(ctx, order, event)
        if not decision.stock.is_empty():
            self.stock.apply(ctx, order, decision.stock)
        if self.on_commit is not None:
            self.on_commit(ctx, order, decision.events)

    @staticmethod
    def _notify(ctx: CommandContext, order: Order, event: OrderEvent) -> None:
        template = _TEMPLATES.get(type(event))
        if template is None:
            return
        if isinstance(event, OrderDelivered) and order.status is not OrderStatus.DELIVERED:
            return
        target = order.contact.recipient()
        if target is None:
            return
        channel, recipient = target
        data: dict[str, JSONValue] = {
            "order_id": order.id,
            "order_number": order.number,
            "status": order.status.value,
            "grand_total": str(order.totals.grand_total.amount),
            "currency": order.currency,
        }
        if isinstance(event, OrderShipped):
            data["shipment_id"] = event.shipment_id
            data["units"] = sum(item.quantity for item in event.lines)
        ctx.notify(template, channel=channel, recipient=recipient, data=data)
