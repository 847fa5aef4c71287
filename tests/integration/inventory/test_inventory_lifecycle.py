"""The order lifecycle reserves, releases and consumes tracked stock in its own unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    EditRequest,
    InsufficientStock,
    InventoryPolicy,
    LineDraft,
    ManualClock,
    NotFound,
    Order,
    OrderDesk,
    OrderDraft,
    OrderStatus,
    OversellPolicy,
    PaymentKind,
    ShortageAction,
)

S = OrderStatus
CLERK = Actor("u-clerk", roles={"clerk"})


def _approved(
    desk: OrderDesk, *lines: tuple[str, int], country: str = "DE", region: str = ""
) -> Order:
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email="ada@example.com"),
        shipping_address=Address("Ada", "1 Main St", "Town", country, "10115", region=region),
        lines=[LineDraft(sku, quantity, "10.00") for sku, quantity in lines],
    )
    order = desk.orders.place(draft, actor=CLERK)
    # Automatic review approves these orders at intake; without it, a person approves.
    if order.status is S.PENDING_REVIEW:
        order = desk.orders.approve(order.id, actor=CLERK)
    assert order.status is S.APPROVED
    return order


def _pay(desk: OrderDesk, order_id: str) -> None:
    due = desk.orders.get(order_id).balance_due
    desk.orders.record_payment(order_id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=due)


def _written(desk: OrderDesk) -> tuple[int, int]:
    with desk.storage.unit_of_work() as uow:
        return uow.journal.head().sequence, len(uow.outbox.list())


def test_confirm_reserves_tracked_skus_and_lets_untracked_ones_pass(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 5, actor=CLERK)
    order = _approved(desk, ("SKU-1", 3), ("SKU-2", 1))

    confirmed = desk.orders.confirm(order.id, actor=CLERK)

    assert confirmed.status is S.CONFIRMED
    assert [line.reserved for line in confirmed.lines] == [3, 1]
    assert desk.inventory.level("SKU-1", "BER").reserved == 3
    held = desk.inventory.reservations(order.id).active()
    assert [(r.line_id, r.sku, r.location, r.quantity) for r in held] == [("L1", "SKU-1", "BER", 3)]
    with pytest.raises(NotFound):
        desk.inventory.item("SKU-2")


def test_confirm_holds_the_order_naming_what_is_short_and_confirms_once_stock_arrives(
    desk: OrderDesk,
) -> None:
    desk.inventory.receive("SKU-1", "BER", 2, actor=CLERK)
    order = _approved(desk, ("SKU-1", 3))

    held = desk.orders.confirm(order.id, actor=CLERK)

    assert held.status is S.ON_HOLD
    assert held.held_from is S.APPROVED
    assert held.status_reason == "awaiting stock: SKU-1 short by 1"
    assert desk.inventory.level("SKU-1", "BER").reserved == 0
    assert desk.inventory.reservations(order.id).reservations == ()

    desk.inventory.receive("SKU-1", "PAR", 1, actor=CLERK)
    desk.orders.release(order.id, actor=CLERK)
    confirmed = desk.orders.confirm(order.id, actor=CLERK)

    assert confirmed.status is S.CONFIRMED
    assert desk.inventory.availability("SKU-1").reserved == 3
    assert desk.inventory.available("SKU-1") == 0


REFUSE = DeskConfig(inventory=InventoryPolicy(on_shortage=ShortageAction.REFUSE))


@pytest.mark.parametrize("config", [REFUSE])
def test_a_refused_confirm_writes_nothing_at_all(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 2, actor=CLERK)
    order = _approved(desk, ("SKU-2", 1), ("SKU-1", 3))
    before = _written(desk)

    with pytest.raises(InsufficientStock) as caught:
        desk.orders.confirm(order.id, actor=CLERK)

    assert (caught.value.sku, caught.value.requested, caught.value.available) == ("SKU-1", 3, 2)
    assert _written(desk) == before
    assert desk.orders.get(order.id).status is S.APPROVED
    assert desk.inventory.level("SKU-1", "BER").reserved == 0


def test_two_lines_of_one_sku_are_checked_together(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 5, actor=CLERK)
    order = _approved(desk, ("SKU-1", 3), ("SKU-1", 3))

    held = desk.orders.confirm(order.id, actor=CLERK)

    assert held.status is S.ON_HOLD
    assert held.status_reason == "awaiting stock: SKU-1 short by 1"
    assert desk.inventory.available("SKU-1") == 5


def test_cancel_releases_every_active_reservation(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 2, actor=CLERK)
    desk.inventory.receive("SKU-1", "PAR", 2, actor=CLERK)
    order = _approved(desk, ("SKU-1", 3))
    desk.orders.confirm(order.id, actor=CLERK)
    assert desk.inventory.available("SKU-1") == 1

    desk.orders.cancel(order.id, actor=CLERK, reason="customer asked")

    assert desk.inventory.available("SKU-1") == 4
    assert desk.inventory.reservations(order.id).active() == ()


def test_expiring_an_unpaid_order_releases_its_stock(desk: OrderDesk, clock: ManualClock) -> None:
    desk.inventory.receive("SKU-1", "BER", 3, actor=CLERK)
    order = _approved(desk, ("SKU-1", 3))
    desk.orders.confirm(order.id, actor=CLERK)
    clock.advance(timedelta(days=8))

    desk.orders.expire(order.id, actor=CLERK)

    assert desk.inventory.available("SKU-1") == 3


def test_shipping_consumes_the_reservations_and_the_units_on_hand(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 5, actor=CLERK)
    order = _approved(desk, ("SKU-1", 3))
    desk.orders.confirm(order.id, actor=CLERK)
    _pay(desk, order.id)

    desk.orders.ship(order.id, actor=CLERK, lines={"L1": 2})
    level = desk.inventory.level("SKU-1", "BER")
    assert (level.on_hand, level.reserved) == (3, 1)

    desk.orders.ship(order.id, actor=CLERK)
    level = desk.inventory.level("SKU-1", "BER")
    assert (level.on_hand, level.reserved) == (2, 0)
    (reservation,) = desk.inventory.reservations(order.id).reservations
    assert (reservation.status.value, reservation.consumed) == ("consumed", 3)


def test_an_edit_reserves_or_releases_the_difference(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 5, actor=CLERK)
    order = _approved(desk, ("SKU-1", 2))
    desk.orders.confirm(order.id, actor=CLERK)

    desk.orders.edit(order.id, EditRequest(set_quantities={"L1": 4}), actor=CLERK, reason="more")
    assert desk.inventory.level("SKU-1", "BER").reserved == 4

    desk.orders.edit(order.id, EditRequest(set_quantities={"L1": 1}), actor=CLERK, reason="less")
    assert desk.inventory.level("SKU-1", "BER").reserved == 1


def test_an_edit_beyond_stock_is_refused_and_writes_nothing(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 3, actor=CLERK)
    order = _approved(desk, ("SKU-1", 2))
    desk.orders.confirm(order.id, actor=CLERK)
    before = _written(desk)

    with pytest.raises(InsufficientStock):
        desk.orders.edit(order.id, EditRequest(set_quantities={"L1": 4}), actor=CLERK, reason="x")

    assert _written(desk) == before
    assert desk.orders.get(order.id).lines[0].quantity == 2
    assert desk.inventory.level("SKU-1", "BER").reserved == 2


def test_a_backorder_sku_confirms_beyond_stock_and_ships_only_what_is_on_hand(
    desk: OrderDesk,
) -> None:
    desk.inventory.track("SKU-1", actor=CLERK, policy=OversellPolicy.BACKORDER)
    desk.inventory.receive("SKU-1", "PAR", 1, actor=CLERK)
    order = _approved(desk, ("SKU-1", 3))

    assert desk.orders.confirm(order.id, actor=CLERK).status is S.CONFIRMED
    # The unit in Paris is reserved there; the two backordered units wait there too.
    assert desk.inventory.level("SKU-1", "PAR").available == -2
    _pay(desk, order.id)
    before = _written(desk)
    with pytest.raises(InsufficientStock):
        desk.orders.ship(order.id, actor=CLERK)
    assert _written(desk) == before

    desk.inventory.receive("SKU-1", "PAR", 2, actor=CLERK)
    assert desk.orders.ship(order.id, actor=CLERK).status is S.FULFILLED
    assert desk.inventory.level("SKU-1", "PAR").on_hand == 0


def test_a_preorder_sku_promises_up_to_its_limit(desk: OrderDesk) -> None:
    desk.inventory.track("SKU-1", actor=CLERK, policy=OversellPolicy.PREORDER, preorder_limit=4)
    first = _approved(desk, ("SKU-1", 3))
    second = _approved(desk, ("SKU-1", 2))

    assert desk.orders.confirm(first.id, actor=CLERK).status is S.CONFIRMED
    assert desk.inventory.available_to_promise("SKU-1") == 1
    held = desk.orders.confirm(second.id, actor=CLERK)
    assert held.status is S.ON_HOLD
    assert held.status_reason == "awaiting stock: SKU-1 short by 2"


@pytest.mark.parametrize(
    "config", [DeskConfig(inventory=InventoryPolicy(strategy="nearest-region"))]
)
def test_the_configured_strategy_serves_an_order_from_its_region(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 5, actor=CLERK)
    desk.inventory.receive("SKU-1", "PAR", 5, actor=CLERK)
    order = _approved(desk, ("SKU-1", 2), country="FR")

    desk.orders.confirm(order.id, actor=CLERK)

    assert [r.location for r in desk.inventory.reservations(order.id).active()] == ["PAR"]


def test_orders_of_untracked_skus_never_touch_stock(clock: ManualClock) -> None:
    with OrderDesk.open(clock=clock, entry_points=False) as fresh:
        order = _approved(fresh, ("NEVER-RECEIVED", 2))
        fresh.orders.confirm(order.id, actor=CLERK)
        _pay(fresh, order.id)
        shipped = fresh.orders.ship(order.id, actor=CLERK)
        fresh.orders.cancel(_approved(fresh, ("OTHER", 1)).id, actor=CLERK, reason="test")
        streams = {entry.stream_type for entry in fresh.audit.journal()}

    assert shipped.status is S.FULFILLED
    assert streams == {"order"}


def test_order_review_sees_what_the_inventory_can_still_promise(desk: OrderDesk) -> None:
    desk.inventory.track("SKU-9", actor=CLERK, policy=OversellPolicy.BACKORDER)
    desk.inventory.receive("SKU-1", "BER", 2, actor=CLERK)
    order = _approved(desk, ("SKU-1", 3), ("SKU-9", 50), ("UNTRACKED", 7))

    verdict = desk.review.evaluate(order.id, actor=Actor("u-reviewer", roles={"reviewer"}))

    stock = [f.message for f in verdict.findings if f.rule == "stock-sufficient"]
    assert stock == ["not enough stock: SKU-1: 3 wanted, 2 available"]
