"""Guards added after review: authorization comes first; authorized orders do not expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    LineDraft,
    ManualClock,
    OrderDesk,
    OrderDraft,
    OrderStatus,
    PaymentKind,
    PermissionDenied,
    ReviewPolicy,
    SequentialIds,
    hookimpl,
)

CLERK = Actor("u-clerk", roles={"clerk"})
T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)


def _desk(clock: ManualClock, config: DeskConfig | None = None) -> OrderDesk:
    manual = attrs.evolve(config or DeskConfig(), review=ReviewPolicy(automatic=False))
    return OrderDesk.open(clock=clock, ids=SequentialIds(), config=manual, entry_points=False)


def _draft(quantity: object = 2) -> OrderDraft:
    return OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email="ada@example.com"),
        shipping_address=Address("Ada Lovelace", "1 Main St", "Berlin", "DE", "10115"),
        lines=[LineDraft("SKU-1", quantity, "10.00")],  # type: ignore[arg-type]
    )


def test_an_actor_who_may_not_place_orders_is_refused_before_the_draft_is_read() -> None:
    desk = _desk(ManualClock(T0), DeskConfig(required_roles={"order.*": {"clerk"}}))
    visitor = Actor("u-visitor", roles={"guest"})

    with pytest.raises(PermissionDenied):
        desk.orders.place(_draft(quantity=0), actor=visitor)

    assert desk.audit.head().sequence == 0


def test_an_order_whose_authorization_covers_the_balance_does_not_expire() -> None:
    clock = ManualClock(T0)
    desk = _desk(clock)
    covered = desk.orders.place(_draft(), actor=CLERK)
    unpaid = desk.orders.place(_draft(), actor=CLERK)
    desk.orders.record_payment(
        covered.id,
        actor=CLERK,
        kind=PaymentKind.AUTHORIZATION,
        amount=covered.totals.grand_total,
    )
    clock.advance(timedelta(days=8))

    expired = desk.orders.expire_overdue(actor=CLERK)

    assert expired == (unpaid.id,)
    assert desk.orders.get(covered.id).status is OrderStatus.PENDING_REVIEW
    assert desk.orders.get(unpaid.id).status is OrderStatus.EXPIRED


def test_each_command_asks_the_authorization_policies_once() -> None:
    asked: list[tuple[str, str]] = []

    class CountingPolicy:
        @hookimpl
        def ordercore_authorize(self, actor: Actor, action: str, subject: str) -> bool | None:
            asked.append((action, subject))
            return None

    desk = OrderDesk.open(
        clock=ManualClock(T0),
        ids=SequentialIds(),
        plugins=[CountingPolicy()],
        config=DeskConfig(review=ReviewPolicy(automatic=False)),
        entry_points=False,
    )
    order = desk.orders.place(_draft(), actor=CLERK)
    desk.orders.approve(order.id, actor=CLERK)

    assert asked == [("order.place", "*"), ("order.approve", order.id)]
