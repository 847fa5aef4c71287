"""Split shipments ship exactly what was ordered and consume exactly what each location held."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    InventoryPolicy,
    LineDraft,
    ManualClock,
    OrderDesk,
    OrderDraft,
    OrderStatus,
    PaymentKind,
    ReviewPolicy,
    SequentialIds,
)

CLERK = Actor("u-clerk")
LOCATIONS = ("A", "B", "C")
SKUS = ("SKU-1", "SKU-2")

stock = st.fixed_dictionaries({(sku, loc): st.integers(0, 4) for sku in SKUS for loc in LOCATIONS})


@st.composite
def scenario(draw: st.DrawFn) -> tuple[dict[tuple[str, str], int], list[tuple[str, int]], str]:
    on_hand = draw(stock)
    lines = []
    for sku in SKUS:
        total = sum(units for (s, _), units in on_hand.items() if s == sku)
        if total:
            # One or two lines per SKU, together at most what is on hand.
            first = draw(st.integers(1, total))
            lines.append((sku, first))
            if first < total and draw(st.booleans()):
                lines.append((sku, draw(st.integers(1, total - first))))
    lines.append(("UNTRACKED", draw(st.integers(0, 2))))
    strategy = draw(st.sampled_from(["priority", "fewest-splits", "most-stock"]))
    return on_hand, [line for line in lines if line[1] > 0], strategy


@given(scenario())
# Only untracked units and no stock anywhere: nothing is reserved, yet the order must ship.
@example(({(sku, loc): 0 for sku in SKUS for loc in LOCATIONS}, [("UNTRACKED", 1)], "priority"))
def test_shipping_every_split_shipment_ships_the_order_exactly(
    case: tuple[dict[tuple[str, str], int], list[tuple[str, int]], str],
) -> None:
    on_hand, lines, strategy = case
    if not lines:
        return
    desk = OrderDesk.open(
        clock=ManualClock(datetime(2025, 3, 3, 9, tzinfo=UTC)),
        ids=SequentialIds(),
        config=DeskConfig(
            review=ReviewPolicy(automatic=False), inventory=InventoryPolicy(strategy=strategy)
        ),
        entry_points=False,
    )
    for priority, location in enumerate(LOCATIONS, start=1):
        desk.inventory.add_location(location, actor=CLERK, priority=priority)
    for sku in SKUS:
        desk.inventory.track(sku, actor=CLERK)
    for (sku, location), units in on_hand.items():
        if units:
            desk.inventory.receive(sku, location, units, actor=CLERK)
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada", email="ada@example.com"),
        shipping_address=Address("Ada", "1 St", "Berlin", "DE", "10115"),
        lines=[LineDraft(sku, quantity, "1.00") for sku, quantity in lines],
    )
    order = desk.orders.approve(desk.orders.place(draft, actor=CLERK).id, actor=CLERK)
    desk.orders.record_payment(
        order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )
    order = desk.orders.confirm(order.id, actor=CLERK)
    held = {(r.sku, r.location): 0 for r in desk.inventory.reservations(order.id).active()}
    for r in desk.inventory.reservations(order.id).active():
        held[(r.sku, r.location)] += r.quantity

    shipments = desk.shipping.create_from_plan(order.id, actor=CLERK)
    planned: dict[str, int] = {}
    for shipment in shipments:
        for line in shipment.lines:
            planned[line.line_id] = planned.get(line.line_id, 0) + line.quantity
        desk.shipping.buy_label(shipment.id, actor=CLERK)
        desk.shipping.ship(shipment.id, actor=CLERK)

    after = desk.orders.get(order.id)
    assert planned == {line.line_id: line.quantity for line in after.lines}
    assert all(line.shipped == line.quantity for line in after.lines)
    assert after.status is OrderStatus.FULFILLED
    assert not desk.inventory.reservations(order.id).active()
    for (sku, location), units in on_hand.items():
        level = desk.inventory.level(sku, location)
        assert level.reserved == 0
        assert level.on_hand == units - held.get((sku, location), 0)
    for shipment in desk.shipping.for_order(order.id):
        assert desk.shipping.replay(shipment.id) == shipment
    desk.close()
