"""Stateful: random command sequences through a real desk keep every order consistent.

:class:`OrderDeskMachine` places a few orders and drives them with every ``desk.orders``
command, valid or not. A command may only be refused with ``InvalidTransition`` or
``ValidationError``, and a refused command must leave the order and the journal untouched. A
command that succeeds must follow a row of ``TRANSITIONS``. After every step every order must
satisfy the counter, pricing, payment and stock invariants, replay from its journal to exactly
the stored order, and the journal's hash chain must verify.

An edit that would lower the total below what was captured is refused (refund first); the
machine checks that like any other refusal, and a deterministic test below pins it down.
"""

from __future__ import annotations

import pytest

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    EditRequest,
    LineDraft,
    ManualClock,
    Money,
    Order,
    OrderDesk,
    OrderDraft,
    OrderPolicy,
    OrderStatus,
    PaymentKind,
    ReviewPolicy,
    SequentialIds,
    ValidationError,
)
from ordercore.testing.lifecycle_machine import check_order

S = OrderStatus
ACTOR = Actor("u-clerk", roles={"clerk"})
CONTACT = Contact("Ann Example", email="ann@example.com")
ADDRESS = Address("Ann Example", "1 Main Street", "Springfield", "DE", "12345")

# The machine itself (ordercore.testing.lifecycle_machine) runs against every backend in
# tests/contract/.

# -- regressions: bugs this machine found, each reduced to its shortest path -------------------


def _desk(policy: OrderPolicy | None = None) -> OrderDesk:
    return OrderDesk.open(
        "memory://",
        clock=ManualClock(),
        ids=SequentialIds(),
        config=DeskConfig(orders=policy or OrderPolicy(), review=ReviewPolicy(automatic=False)),
        entry_points=False,
    )


def _draft(*lines: LineDraft) -> OrderDraft:
    return OrderDraft(
        channel="web",
        currency="EUR",
        contact=CONTACT,
        shipping_address=ADDRESS,
        lines=list(lines) or [LineDraft("SKU-A", 2, "10.00")],
    )


def _confirmed_and_held(desk: OrderDesk) -> Order:
    order = desk.orders.place(_draft(), actor=ACTOR)
    desk.orders.approve(order.id, actor=ACTOR)
    desk.orders.confirm(order.id, actor=ACTOR)
    return desk.orders.hold(order.id, actor=ACTOR, reason="fraud check")


def test_approving_and_confirming_a_hold_taken_after_confirmation_keeps_one_reservation() -> None:
    # Found by this machine: the second confirmation used to reserve every open unit again.
    with _desk() as desk:
        held = _confirmed_and_held(desk)
        approved = desk.orders.approve(held.id, actor=ACTOR)
        check_order(approved)
        reconfirmed = desk.orders.confirm(held.id, actor=ACTOR)
        check_order(reconfirmed)
        assert [line.reserved for line in reconfirmed.lines] == [2]
        assert desk.orders.replay(held.id) == reconfirmed


def test_rejecting_a_hold_taken_after_confirmation_releases_stock() -> None:
    # Found by this machine: the rejected order used to keep its reservations.
    with _desk() as desk:
        held = _confirmed_and_held(desk)
        rejected = desk.orders.reject(held.id, actor=ACTOR, reason="fraud")
        check_order(rejected)
        assert all(line.reserved == 0 for line in rejected.lines)
        assert desk.orders.replay(held.id) == rejected


def test_an_edit_cannot_lower_the_total_below_what_was_captured() -> None:
    with _desk() as desk:
        order = desk.orders.place(_draft(), actor=ACTOR)
        desk.orders.approve(order.id, actor=ACTOR)
        desk.orders.confirm(order.id, actor=ACTOR)
        desk.orders.record_payment(
            order.id, actor=ACTOR, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
        )
        with pytest.raises(ValidationError) as refused:
            desk.orders.edit(
                order.id, EditRequest(set_quantities={"L1": 1}), actor=ACTOR, reason="fewer"
            )
        assert "refund" in refused.value.reason
        assert desk.orders.get(order.id).captured <= desk.orders.get(order.id).totals.grand_total


def test_dropping_the_unshipped_rest_of_a_delivered_shipment_is_allowed() -> None:
    policy = OrderPolicy(require_payment_to_ship=False)
    with _desk(policy) as desk:
        order = desk.orders.place(
            _draft(LineDraft("SKU-A", 2, "10.00"), LineDraft("SKU-B", 1, "1.00")), actor=ACTOR
        )
        desk.orders.approve(order.id, actor=ACTOR)
        desk.orders.confirm(order.id, actor=ACTOR)
        desk.orders.ship(order.id, actor=ACTOR, lines={"L1": 1})
        desk.orders.deliver(order.id, actor=ACTOR)
        edited = desk.orders.edit(
            order.id,
            EditRequest(set_quantities={"L1": 1, "L2": 0}),
            actor=ACTOR,
            reason="rest out of stock",
        )
        check_order(edited)
        assert edited.status in (S.FULFILLED, S.DELIVERED)


def test_an_order_with_refunds_cannot_be_edited_back_up_to_hide_what_is_owed() -> None:
    # Found by this machine: capture 20.00, refund 10.00, edit 2 -> 1 unit, edit back to 2 left
    # 10.00 owed with balance_due 0.00 (refunds do not reopen the balance). Until refunds are
    # tied to the change they pay for, raising the total of a refunded order is refused.
    with _desk() as desk:
        order = desk.orders.place(_draft(), actor=ACTOR)
        desk.orders.approve(order.id, actor=ACTOR)
        desk.orders.confirm(order.id, actor=ACTOR)
        ten, twenty = Money.of("10.00", "EUR"), Money.of("20.00", "EUR")
        desk.orders.record_payment(order.id, actor=ACTOR, kind=PaymentKind.CAPTURE, amount=twenty)
        desk.orders.record_payment(order.id, actor=ACTOR, kind=PaymentKind.REFUND, amount=ten)
        one = EditRequest(set_quantities={"L1": 1})
        lowered = desk.orders.edit(order.id, one, actor=ACTOR, reason="one fewer")
        two = EditRequest(set_quantities={"L1": 2})
        with pytest.raises(ValidationError) as refused:
            desk.orders.edit(order.id, two, actor=ACTOR, reason="two again")
        assert refused.value.field == "changes"
        assert desk.orders.get(order.id) == lowered
        assert lowered.captured - lowered.refunded == lowered.totals.grand_total
