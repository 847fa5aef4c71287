"""``desk.orders``: the order lifecycle as authorized, journaled, idempotent commands.

Each command loads the order, asks :mod:`ordercore.orders.lifecycle` to decide, saves the new
version with a compare-and-swap, journals every event (personal data kept beside the payload),
hands the stock delta to the desk's :class:`~ordercore.desk.stock.StockPort` and queues the
customer's notification, all in one unit of work. Bad input is refused before anything is
opened, so a refused command writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ordercore.actors import Actor
from ordercore.desk._order_frame import OrderCommandFrame
from ordercore.desk._order_records import (
    CHANNEL_REFS,
    ORDER_NUMBERS,
    ORDER_STREAM,
    ChannelRef,
    NumberSeries,
    channel_key,
    optional_text,
)
from ordercore.desk.commands import CommandContext
from ordercore.desk.stock import StockPort, shortage
from ordercore.errors import ConcurrencyConflict, InvalidTransition, ValidationError
from ordercore.money import Money
from ordercore.orders import lifecycle
from ordercore.orders.edits import EditRequest, edit
from ordercore.orders.events import (
    OrderEvent,
)
from ordercore.orders.intake import OrderDraft, validate_draft
from ordercore.orders.model import ORDERS, Order, PaymentKind
from ordercore.orders.policy import OrderPolicy
from ordercore.serialization import JSONValue
from ordercore.storage.ports import UnitOfWork

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk

__all__ = ["CHANNEL_REFS", "ORDER_NUMBERS", "ChannelRef", "NumberSeries", "OrdersDesk"]


class OrdersDesk(OrderCommandFrame):
    """Order commands and queries; reached as ``desk.orders``.

    Every command takes the acting :class:`~ordercore.actors.Actor` and an optional
    ``idempotency_key``; repeating a command with the same key and arguments returns the first
    result without running it again. Commands return the order as it is after the command.

    Attributes:
        policy: Pricing, intake, routing and payment rules.
        stock: Where stock deltas go (an inventory, or :class:`IntentOnlyStock`).
    """

    def __init__(self, desk: OrderDesk, policy: OrderPolicy, stock: StockPort) -> None:
        self._desk = desk
        self.policy = policy
        self.stock = stock
        # Set by the review desk: runs in the placing unit of work and returns the order as
        # review left it.
        self.after_place: Callable[[CommandContext, Order], Order] | None = None
        # Set by the customers desk: runs in the unit of work of every order change, after the
        # order and its events are written (customer order index, points, tiers).
        self.on_commit: Callable[[CommandContext, Order, tuple[OrderEvent, ...]], None] | None = (
            None
        )

    # -- intake ----------------------------------------------------------------------------

    def place(
        self, draft: OrderDraft, *, actor: Actor, idempotency_key: str | None = None
    ) -> Order:
        """Take an order from any channel.

        The draft is validated before anything is written; the order is priced, numbered,
        routed to a queue, journaled as ``OrderPlaced`` and the customer is told it was
        received. A draft whose (channel, external id) was seen before returns that order
        instead of making a second one.

        Raises:
            ValidationError: Naming the first bad field of the draft (``lines[0].quantity``).
            PermissionDenied: If a policy refuses the actor.
            IdempotencyConflict: If the key was used for another request.
        """
        # Authorize before looking at the draft, so that an actor who may not place orders
        # learns nothing about what a valid one looks like.
        self._desk.authorize(actor, "order.place", "*")
        valid = validate_draft(draft, self.policy.intake)
        request = None if idempotency_key is None else self._desk.converter.unstructure(draft)

        def handler(ctx: CommandContext) -> Order:
            order_id = ctx.ids.new_id("ord")
            if draft.external_id is not None:
                # Claimed first, without a lookup: a new external id (nearly every one) then
                # costs one insert, and a repeated one is found by the refusal.
                refs = ctx.uow.aggregates(CHANNEL_REFS)
                ref_key = channel_key(draft.channel, draft.external_id)
                try:
                    refs.save(ChannelRef(ref_key, order_id), expected_version=0)
                except ConcurrencyConflict:
                    known = refs.get(ref_key)
                    return ctx.uow.aggregates(ORDERS).get(known.order_id)
            decision = lifecycle.place(
                valid,
                order_id=order_id,
                number=self._next_number(ctx.uow),
                now=ctx.now,
                policy=self.policy,
            )
            self.commit_decision(ctx, 0, decision, None)
            if self.after_place is not None:
                return self.after_place(ctx, decision.order)
            return decision.order

        return self._execute(
            handler, "order.place", actor, "*", request, idempotency_key, authorized=True
        )

    def _next_number(self, uow: UnitOfWork) -> str:
        numbers = uow.aggregates(ORDER_NUMBERS)
        series = numbers.find(ORDER_STREAM)
        last = 0 if series is None else series.last
        version = 0 if series is None else series.version
        numbers.save(NumberSeries(ORDER_STREAM, last + 1, version + 1), expected_version=version)
        return f"{self.policy.number_prefix}{last + 1:0{self.policy.number_width}d}"

    # -- review and confirmation -----------------------------------------------------------

    def approve(
        self,
        order_id: str,
        *,
        actor: Actor,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> Order:
        """Approve an order pending review or on hold."""
        return self._with_reason(
            "approve", lifecycle.approve, order_id, actor, reason, idempotency_key
        )

    def hold(
        self, order_id: str, *, actor: Actor, reason: str, idempotency_key: str | None = None
    ) -> Order:
        """Put an order on hold for a person to look at; the customer is told."""
        return self._with_reason("hold", lifecycle.hold, order_id, actor, reason, idempotency_key)

    def release(
        self,
        order_id: str,
        *,
        actor: Actor,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> Order:
        """Lift a hold; the order returns to the state it was held from."""
        return self._with_reason(
            "release", lifecycle.release, order_id, actor, reason, idempotency_key
        )

    def reject(
        self, order_id: str, *, actor: Actor, reason: str, idempotency_key: str | None = None
    ) -> Order:
        """Reject an order that has not been confirmed."""
        return self._with_reason(
            "reject", lifecycle.reject, order_id, actor, reason, idempotency_key
        )

    def confirm(self, order_id: str, *, actor: Actor, idempotency_key: str | None = None) -> Order:
        """Confirm an approved order: stock is reserved and the customer is told.

        When the stock port finds tracked stock short (``InventoryPolicy.on_shortage`` is
        ``HOLD``), the order is put on hold instead, the reason naming what is short; release
        it and confirm again once stock arrives.
        """
        return self._command(
            "confirm",
            order_id,
            self._confirm_or_hold,
            actor=actor,
            request=None,
            idempotency_key=idempotency_key,
        )

    def _confirm_or_hold(self, order: Order, ctx: CommandContext) -> lifecycle.Decision:
        decision = lifecycle.confirm(order, now=ctx.now, policy=self.policy)
        short = shortage(self.stock, ctx, order, decision.stock) if decision.stock.reserve else None
        return decision if short is None else lifecycle.hold(order, now=ctx.now, reason=short)

    # -- money and people ------------------------------------------------------------------

    def record_payment(
        self,
        order_id: str,
        *,
        actor: Actor,
        kind: PaymentKind,
        amount: Money,
        reference: str = "",
        method: str = "",
        idempotency_key: str | None = None,
    ) -> Order:
        """Record a payment authorization, capture, failure or refund.

        Give the payment provider's transaction id as ``idempotency_key`` so that a webhook
        delivered twice records the payment once.
        """
        if not isinstance(amount, Money):
            raise ValidationError("amount", "give a Money amount")
        if not isinstance(kind, PaymentKind):
            raise ValidationError("kind", "one of authorization, capture, failure, refund")
        request: JSONValue = {
            "kind": kind.value,
            "amount": str(amount.amount),
            "currency": amount.currency,
            "reference": optional_text(reference, "reference"),
            "method": optional_text(method, "method"),
        }
        return self._command(
            "record_payment",
            order_id,
            lambda order, ctx: lifecycle.record_payment(
                order, kind=kind, amount=amount, now=ctx.now, reference=reference, method=method
            ),
            actor=actor,
            request=request,
            idempotency_key=idempotency_key,
        )

    def assign(
        self,
        order_id: str,
        *,
        actor: Actor,
        queue: str | None = None,
        assignee: str | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> Order:
        """Move an order to another queue and/or responsible person, with a reason."""
        request: JSONValue = {
            "queue": optional_text(queue, "queue"),
            "assignee": optional_text(assignee, "assignee"),
            "reason": optional_text(reason, "reason"),
        }
        return self._command(
            "assign",
            order_id,
            lambda order, ctx: lifecycle.assign(
                order, now=ctx.now, queue=queue, assignee=assignee, reason=reason
            ),
            actor=actor,
            request=request,
            reason=reason,
            idempotency_key=idempotency_key,
        )

    # -- fulfilment ------------------------------------------------------------------------

    def ship(
        self,
        order_id: str,
        *,
        actor: Actor,
        lines: Mapping[str, int] | None = None,
        shipment_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Order:
        """Ship some units (``{line_id: quantity}``) or, with ``lines=None``, all open units.

        Reservations for the shipped units are consumed.
        """
        if lines is not None and not isinstance(lines, Mapping):
            raise ValidationError("lines", "give {line_id: quantity}")
        request: JSONValue = {
            "lines": None if lines is None else dict(lines),
            "shipment_id": optional_text(shipment_id, "shipment_id"),
        }
        return self._command(
            "ship",
            order_id,
            lambda order, ctx: lifecycle.ship(
                order,
                now=ctx.now,
                shipment_id=shipment_id or ctx.ids.new_id("shp"),
                policy=self.policy,
                lines=lines,
            ),
            actor=actor,
            request=request,
            idempotency_key=idempotency_key,
        )

    def deliver(
        self,
        order_id: str,
        *,
        actor: Actor,
        lines: Mapping[str, int] | None = None,
        idempotency_key: str | None = None,
    ) -> Order:
        """Record that shipped units arrived (all of them when ``lines`` is ``None``)."""
        if lines is not None and not isinstance(lines, Mapping):
            raise ValidationError("lines", "give {line_id: quantity}")
        return self._command(
            "deliver",
            order_id,
            lambda order, ctx: lifecycle.deliver(order, now=ctx.now, lines=lines),
            actor=actor,
            request={"lines": None if lines is None else dict(lines)},
            idempotency_key=idempotency_key,
        )

    def complete(self, order_id: str, *, actor: Actor, idempotency_key: str | None = None) -> Order:
        """Close a delivered order."""
        return self._command(
            "complete",
            order_id,
            lambda order, ctx: lifecycle.complete(order, now=ctx.now, policy=self.policy),
            actor=actor,
            request=None,
            idempotency_key=idempotency_key,
        )

    # -- cancellation, expiry and edits ----------------------------------------------------

    def cancel(
        self, order_id: str, *, actor: Actor, reason: str, idempotency_key: str | None = None
    ) -> Order:
        """Cancel an order before anything shipped; its reservations are released."""
        return self._with_reason(
            "cancel", lifecycle.cancel, order_id, actor, reason, idempotency_key
        )

    def expire(self, order_id: str, *, actor: Actor, idempotency_key: str | None = None) -> Order:
        """Expire an order left unpaid past its payment deadline."""
        return self._command(
            "expire",
            order_id,
            lambda order, ctx: lifecycle.expire(order, now=ctx.now),
            actor=actor,
            request=None,
            idempotency_key=idempotency_key,
        )

    def expire_overdue(self, *, actor: Actor) -> tuple[str, ...]:
        """Expire every open order left unpaid past its deadline; return their ids.

        Each order is expired by its own command, so one that was paid in the meantime is
        skipped without affecting the others.
        """
        now = self._desk.clock.now()
        expired = []
        for order in self._scan():
            if "expire" in lifecycle.allowed_commands(order.status) and lifecycle.is_overdue(
                order, now
            ):
                try:
                    self.expire(order.id, actor=actor)
                except InvalidTransition:
                    continue
                expired.append(order.id)
        return tuple(expired)

    def edit(
        self,
        order_id: str,
        request: EditRequest,
        *,
        actor: Actor,
        reason: str,
        idempotency_key: str | None = None,
    ) -> Order:
        """Change quantities, add or remove lines, or change the shipping address.

        The journal keeps the quantities and totals before and after; the stock delta goes to
        the stock port. Quantities cannot drop below what has shipped, and a fulfilled order
        cannot be edited.
        """
        if not isinstance(request, EditRequest):
            raise ValidationError("request", "expected an EditRequest")
        body: JSONValue = {
            "edit": self._desk.converter.unstructure(request),
            "reason": optional_text(reason, "reason"),
        }
        return self._command(
            "edit",
            order_id,
            lambda order, ctx: edit(order, request, now=ctx.now, reason=reason, policy=self.policy),
            actor=actor,
            request=body,
            reason=reason,
            idempotency_key=idempotency_key,
        )

    def __repr__(self) -> str:
        return f"OrdersDesk(stock={self.stock!r})"
