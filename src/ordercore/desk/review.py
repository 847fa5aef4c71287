"""The review desk: automatic review at intake, the manual review queue, reviewers' decisions."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from ordercore.actors import Actor
from ordercore.desk.commands import CommandContext
from ordercore.desk.review_context import (
    CustomerLookup,
    HistoryProfiles,
    gather_context,
    record_activity,
)
from ordercore.errors import PermissionDenied, ValidationError
from ordercore.orders import lifecycle
from ordercore.orders.events import EVENT_TYPES, OrderReviewed
from ordercore.orders.model import ORDERS, Order, OrderStatus, ReviewNote
from ordercore.review.engine import ReviewPolicy, Verdict, review_order
from ordercore.review.rules import ReviewRule
from ordercore.serialization import structure

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk
    from ordercore.desk.orders import OrdersDesk

__all__ = ["HeldOrder", "ReviewDesk"]


@attrs.frozen(slots=True)
class HeldOrder:
    """An order waiting in the manual review queue.

    Attributes:
        order: The order (status ``on_hold``).
        held_at: Since when it waits.
        reason: Why it was held.
        score: The review score, when review held it.
        findings: What review found, when review held it.
    """

    order: Order
    held_at: datetime
    reason: str | None
    score: int | None
    findings: tuple[ReviewNote, ...]


class ReviewDesk:
    """Reached as ``desk.review``.

    Attributes:
        policy: Thresholds, rules, weights and exemptions.
        rules: Rules from ``ordercore_review_rules`` plugins, run after the policy's own.
        customers: Who the customer behind an order is (:class:`HistoryProfiles` by default).
    """

    def __init__(
        self,
        desk: OrderDesk,
        orders: OrdersDesk,
        policy: ReviewPolicy,
        plugin_rules: Sequence[ReviewRule],
        customers: CustomerLookup | None = None,
    ) -> None:
        self._desk = desk
        self._orders = orders
        self.policy = policy
        own = {rule.code for rule in policy.rules}
        clashing = sorted(rule.code for rule in plugin_rules if rule.code in own)
        if clashing:
            raise ValidationError(
                "review.rules", f"plugin rules reuse built-in codes: {', '.join(clashing)}"
            )
        self.rules = tuple(plugin_rules)
        self.customers: CustomerLookup = customers or HistoryProfiles()
        orders.after_place = self._after_place

    # -- automatic review ----------------------------------------------------------------------

    def _verdict(
        self, ctx: CommandContext, order: Order, keys: Mapping[str, str] | None = None
    ) -> Verdict:
        context = gather_context(
            ctx,
            order,
            customers=self.customers,
            stock=self._orders.stock,
            keys=keys,
            shared=self.policy.shared,
            history=timedelta(days=self.policy.history_days),
        )
        return review_order(order, context, self.policy, self.rules)

    def _apply(self, ctx: CommandContext, order: Order, verdict: Verdict) -> Order:
        reason = verdict.reason()
        decision = lifecycle.apply_review(
            order,
            now=ctx.now,
            decision=verdict.decision.value,
            score=verdict.score,
            findings=tuple(finding.note() for finding in verdict.findings),
            reason=reason,
        )
        self._orders.commit_decision(ctx, order.version, decision, reason)
        return decision.order

    def _after_place(self, ctx: CommandContext, order: Order) -> Order:
        keys = record_activity(
            ctx, order, timedelta(days=self.policy.history_days), self.policy.shared
        )
        if not self.policy.automatic:
            return order
        return self._apply(ctx, order, self._verdict(ctx, order, keys))

    # -- commands ------------------------------------------------------------------------------

    def review(self, order_id: str, *, actor: Actor, idempotency_key: str | None = None) -> Order:
        """Review an order pending review now, and approve, hold or reject it accordingly.

        For desks with automatic review switched off, or orders placed before it was on.

        Raises:
            InvalidTransition: If the order is not pending review.
        """

        def decide(ctx: CommandContext) -> Order:
            order = ctx.uow.aggregates(ORDERS).get(order_id)
            return self._apply(ctx, order, self._verdict(ctx, order))

        return self._orders._execute(decide, "review.run", actor, order_id, None, idempotency_key)

    def evaluate(self, order_id: str, *, actor: Actor) -> Verdict:
        """What review would decide about an order now; nothing is written.

        Raises:
            PermissionDenied: If a policy refuses the actor ``review.evaluate``.
            NotFound: If there is no such order.
        """
        verdict: list[Verdict] = []

        def dry_run(ctx: CommandContext) -> None:
            order = ctx.uow.aggregates(ORDERS).get(order_id)
            verdict.append(self._verdict(ctx, order))
            # Unwind the unit of work: gathering the context may have written (the salt).
            raise _DryRun

        with contextlib.suppress(_DryRun):
            self._desk.execute(dry_run, action="review.evaluate", actor=actor, subject=order_id)
        return verdict[0]

    def approve(
        self, order_id: str, *, actor: Actor, reason: str, idempotency_key: str | None = None
    ) -> Order:
        """Approve a held order (reviewer role required; a reason is required).

        Raises:
            PermissionDenied: If the actor has none of the policy's reviewer roles.
            ValidationError: If the reason is missing.
            InvalidTransition: If the order is not on hold or pending review.
        """
        self._check_reviewer(actor, "review.approve", order_id)
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("reason", "a reviewer gives a reason")
        return self._orders._with_reason(
            "approve",
            lifecycle.approve,
            order_id,
            actor,
            reason,
            idempotency_key,
            action="review.approve",
        )

    def reject(
        self, order_id: str, *, actor: Actor, reason: str, idempotency_key: str | None = None
    ) -> Order:
        """Reject a held order (reviewer role required; a reason is required).

        Raises:
            PermissionDenied: If the actor has none of the policy's reviewer roles.
            ValidationError: If the reason is missing.
            InvalidTransition: If the order can no longer be rejected.
        """
        self._check_reviewer(actor, "review.reject", order_id)
        return self._orders._with_reason(
            "reject",
            lifecycle.reject,
            order_id,
            actor,
            reason,
            idempotency_key,
            action="review.reject",
        )

    def _check_reviewer(self, actor: Actor, action: str, order_id: str) -> None:
        self._desk.authorize(actor, action, order_id)
        if not actor.roles & self.policy.reviewer_roles:
            roles = ", ".join(sorted(self.policy.reviewer_roles))
            raise PermissionDenied(actor.id, action, order_id, f"needs one of the roles {roles}")

    # -- queries -------------------------------------------------------------------------------

    def queue(self, *, limit: int | None = None) -> list[HeldOrder]:
        """Held orders, oldest hold first, with review's score and findings where it held them."""
        with self._desk.storage.unit_of_work() as uow:
            held = [o for o in uow.aggregates(ORDERS).scan() if o.status is OrderStatus.ON_HOLD]
            held.sort(key=lambda o: (o.milestones.held_at or o.milestones.placed_at, o.id))
            held = held[:limit] if limit is not None else held
            streams = {o.id: uow.journal.stream("order", o.id) for o in held}
        queue = []
        for order in held:
            score: int | None = None
            findings: tuple[ReviewNote, ...] = ()
            for entry in reversed(streams[order.id]):
                if entry.event_type == OrderReviewed.__name__:
                    cls = EVENT_TYPES[entry.event_type]
                    reviewed = structure(self._desk.converter, entry.payload, cls)
                    assert isinstance(reviewed, OrderReviewed)
                    score, findings = reviewed.score, reviewed.findings
                    break
            queue.append(
                HeldOrder(
                    order,
                    order.milestones.held_at or order.milestones.placed_at,
                    order.status_reason,
                    score,
                    findings,
                )
            )
        return queue

    def __repr__(self) -> str:
        return f"ReviewDesk(automatic={self.policy.automatic}, rules={len(self.policy.rules)})"


class _DryRun(Exception):
    """Unwinds a dry-run unit of work so that nothing it touched is kept."""
