"""Tiers and points inside ``desk.customers``: after order events, on schedule, on request.

Payments, refunds, cancellations and edits of an order that belongs to a customer record settle
that order's loyalty points and re-evaluate the customer's tier in the same unit of work as the
order change, so a tier never lags behind the money. Every ledger entry and tier change is
journaled (with the reason) and so reaches the outbox's event listeners; a tier change also
notifies the customer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

import attrs

from ordercore.actors import Actor
from ordercore.customers.events import PointsBooked, TierChanged
from ordercore.customers.facts import CustomerFacts, purchase_fact
from ordercore.customers.loyalty import (
    POINTS_LEDGERS,
    LedgerChange,
    PointsKind,
    PointsLedger,
    expire_due,
    redeem,
    settle_order,
)
from ordercore.customers.model import CUSTOMERS, Customer
from ordercore.customers.policy import CustomerPolicy
from ordercore.customers.tiering import TierEvaluation, apply_evaluation
from ordercore.desk._customer_store import (
    CUSTOMER_RUNS,
    JobRun,
    customer_ids,
    index_order,
    orders_of,
    resolve,
)
from ordercore.desk.commands import CommandContext
from ordercore.errors import ValidationError
from ordercore.orders.events import (
    OrderCancelled,
    OrderEdited,
    OrderExpired,
    OrderPlaced,
    OrderRejected,
    PaymentRecorded,
)
from ordercore.orders.model import Order
from ordercore.serialization import JSONValue

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk

__all__ = ["LoyaltyAndTiers"]

R = TypeVar("R")

POINTS_STREAM = "points_ledger"
CUSTOMER_STREAM = "customer"
_MONEY_EVENTS = (PaymentRecorded, OrderCancelled, OrderRejected, OrderExpired, OrderEdited)


def customer_id_of(value: object) -> str:
    """Check a customer id argument."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("customer_id", "give the customer's id")
    return value


class LoyaltyAndTiers:
    """The tier and points half of :class:`~ordercore.desk.customers.CustomersDesk`."""

    _desk: OrderDesk
    policy: CustomerPolicy

    def _run(
        self,
        action: str,
        subject: str,
        handler: Callable[[CommandContext], R],
        *,
        actor: Actor,
        request: JSONValue = None,
        idempotency_key: str | None = None,
        result_type: type[R] | None = None,
    ) -> R:
        if idempotency_key is None:
            return self._desk.execute(
                handler, action=f"customer.{action}", actor=actor, subject=subject, request=request
            )
        assert result_type is not None
        return self._desk.execute(
            handler,
            action=f"customer.{action}",
            actor=actor,
            subject=subject,
            request=request,
            idempotency_key=idempotency_key,
            result_type=result_type,
        )

    @staticmethod
    def _active(ctx: CommandContext, customer_id: str) -> Customer:
        customer = ctx.uow.aggregates(CUSTOMERS).get(customer_id)
        if not customer.is_active:
            raise ValidationError(
                "customer_id", f"{customer_id} is {customer.status.value}; use the surviving record"
            )
        return customer

    # -- order events ----------------------------------------------------------------------

    def on_order_commit(self, ctx: CommandContext, order: Order, events: Sequence[object]) -> None:
        """Index a new order under its customer; settle points and tier after money events."""
        if order.customer_id is None:
            return
        if any(isinstance(event, OrderPlaced) for event in events):
            index_order(ctx.uow, order.customer_id, order.id)
        if not any(isinstance(event, _MONEY_EVENTS) for event in events):
            return
        customer = resolve(ctx.uow, order.customer_id)
        if customer is None or not customer.is_active:
            return
        if self.policy.loyalty.enabled:
            self._settle_points(ctx, customer, order)
        if self.policy.tiers is not None:
            self._reevaluate(ctx, ctx.uow.aggregates(CUSTOMERS).get(customer.id))

    # -- points ----------------------------------------------------------------------------

    @staticmethod
    def _ledger(ctx: CommandContext, customer_id: str) -> PointsLedger:
        found = ctx.uow.aggregates(POINTS_LEDGERS).find(customer_id)
        return PointsLedger(customer_id) if found is None else found

    @staticmethod
    def _book(ctx: CommandContext, before: PointsLedger, change: LedgerChange) -> PointsLedger:
        if not change.added:
            return before
        ledger = attrs.evolve(change.ledger, version=before.version + len(change.added))
        ctx.uow.aggregates(POINTS_LEDGERS).save(ledger, expected_version=before.version)
        balance = before.balance
        for offset, entry in enumerate(change.added, start=1):
            balance += entry.points
            event = PointsBooked(ledger.id, entry, balance)
            ctx.record(
                POINTS_STREAM, ledger.id, before.version + offset, event, reason=entry.reason
            )
        return ledger

    def _settle_points(self, ctx: CommandContext, customer: Customer, order: Order) -> None:
        ledger = self._ledger(ctx, customer.id)
        earned = ledger.earned_for(order.id)
        rate = ledger.rate_for(order.id)
        for merged in customer.merged_from:
            other = ctx.uow.aggregates(POINTS_LEDGERS).find(merged)
            if other is not None:
                earned += other.earned_for(order.id)
                rate = rate or other.rate_for(order.id)
        spend = purchase_fact(order, self.policy.spend).net
        tiers = self.policy.tiers
        multiplier = (
            Decimal(1) if tiers is None else tiers.benefits(customer.tier).points_multiplier
        )
        change = settle_order(
            ledger, order.id, spend, at=ctx.now, policy=self.policy.loyalty,
            multiplier=multiplier, earned=earned, rate=rate,
        )  # fmt: skip
        self._book(ctx, ledger, change)

    def points(self, customer_id: str) -> PointsLedger:
        """The customer's points ledger (empty if they never earned).

        Raises:
            NotFound: If there is no such customer.
        """
        with self._desk.storage.unit_of_work() as uow:
            uow.aggregates(CUSTOMERS).get(customer_id_of(customer_id))
            found = uow.aggregates(POINTS_LEDGERS).find(customer_id)
        return PointsLedger(customer_id) if found is None else found

    def redeem_points(
        self,
        customer_id: str,
        points: int,
        *,
        actor: Actor,
        reason: str = "",
        idempotency_key: str | None = None,
    ) -> PointsLedger:
        """Spend points; points that lapsed by now are booked as expired first.

        Raises:
            ValidationError: If ``points`` is not a whole number above zero or exceeds the
                unexpired balance; nothing is written.
            NotFound: If there is no such customer.
        """
        key = customer_id_of(customer_id)
        if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
            raise ValidationError("points", "must be a whole number of points above zero")

        def handler(ctx: CommandContext) -> PointsLedger:
            self._active(ctx, key)
            ledger = self._ledger(ctx, key)
            return self._book(ctx, ledger, redeem(ledger, points, at=ctx.now, reason=reason))

        return self._run(
            "redeem_points", key, handler, actor=actor,
            request={"points": points, "reason": reason},
            idempotency_key=idempotency_key, result_type=PointsLedger,
        )  # fmt: skip

    def expire_points(self, *, actor: Actor) -> int:
        """Book every lapsed lot of every ledger as expired; returns the points that lapsed."""
        with self._desk.storage.unit_of_work() as uow:
            ids = sorted(ledger.id for ledger in uow.aggregates(POINTS_LEDGERS).scan())
        lapsed = 0
        for key in ids:

            def handler(ctx: CommandContext, key: str = key) -> int:
                ledger = self._ledger(ctx, key)
                change = expire_due(ledger, ctx.now)
                self._book(ctx, ledger, change)
                return -sum(entry.points for entry in change.added)

            lapsed += self._run("expire_points", key, handler, actor=actor)
        return lapsed

    # -- tiers -----------------------------------------------------------------------------

    def facts(self, ctx: CommandContext, customer: Customer) -> CustomerFacts:
        """What the tier policy may look at for ``customer``, read in ``ctx``'s unit of work."""
        basis = self.policy.spend
        purchases = tuple(purchase_fact(order, basis) for order in orders_of(ctx.uow, customer))
        points: list[tuple[datetime, int]] = []
        ledgers = ctx.uow.aggregates(POINTS_LEDGERS)
        for cid in customer_ids(customer):
            ledger = ledgers.find(cid)
            for entry in () if ledger is None else ledger.entries:
                if entry.kind in (PointsKind.EARN, PointsKind.REVERSE):
                    points.append((entry.at, entry.points))
        return CustomerFacts(purchases, tuple(points))

    def _reevaluate(self, ctx: CommandContext, customer: Customer) -> TierEvaluation:
        tiers = self.policy.tiers
        assert tiers is not None
        evaluation = tiers.evaluate(customer, self.facts(ctx, customer), ctx.now)
        updated = apply_evaluation(customer, evaluation)
        if updated is customer:
            return evaluation
        ctx.uow.aggregates(CUSTOMERS).save(updated, expected_version=customer.version)
        if evaluation.changed:
            event = TierChanged(
                customer.id, evaluation.previous, evaluation.tier, evaluation.metric_value, ctx.now
            )
            ctx.record(
                CUSTOMER_STREAM, customer.id, updated.version, event, reason=evaluation.reason
            )
            target = updated.recipient()
            if target is not None:
                data: dict[str, JSONValue] = {
                    "customer_id": customer.id,
                    "from_tier": evaluation.previous,
                    "to_tier": evaluation.tier,
                }
                ctx.notify("tier_changed", channel=target[0], recipient=target[1], data=data)
        return evaluation

    def reevaluate(self, customer_id: str, *, actor: Actor) -> TierEvaluation:
        """Evaluate one customer's tier now and apply the outcome.

        Raises:
            ValidationError: If the desk has no tier policy, or the record is not active.
            NotFound: If there is no such customer.
        """
        key = customer_id_of(customer_id)
        if self.policy.tiers is None:
            raise ValidationError("customers.tiers", "this desk has no tier policy")
        return self._run(
            "reevaluate", key, lambda ctx: self._reevaluate(ctx, self._active(ctx, key)),
            actor=actor,
        )  # fmt: skip

    def reevaluate_due(self, *, actor: Actor) -> list[TierEvaluation]:
        """Evaluate every active customer if the tier schedule fell due since the last run.

        The first call on a store runs at once. Each customer is evaluated in a command of its
        own, so one that fails does not hold up the rest.

        Returns:
            The evaluations made (empty when nothing was due).
        """
        tiers = self.policy.tiers
        if tiers is None or tiers.schedule is None:
            return []
        now = self._desk.clock.now()
        with self._desk.storage.unit_of_work() as uow:
            run = uow.aggregates(CUSTOMER_RUNS).find("tiers")
            ids = sorted(c.id for c in uow.aggregates(CUSTOMERS).scan() if c.is_active)
        if run is not None and next(tiers.schedule.occurrences(run.ran_at, now), None) is None:
            return []
        done = [self.reevaluate(key, actor=actor) for key in ids]
        self._mark_run("tiers", actor)
        return done

    def _mark_run(self, job: str, actor: Actor) -> None:
        def handler(ctx: CommandContext) -> None:
            runs = ctx.uow.aggregates(CUSTOMER_RUNS)
            found = runs.find(job)
            version = 0 if found is None else found.version
            runs.save(JobRun(job, ctx.now, version + 1), expected_version=version)

        self._run(f"run_{job}", job, handler, actor=actor)
