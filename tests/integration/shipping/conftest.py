"""Fixtures for desk.shipping tests: two warehouses, a tracked SKU split between them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    LineDraft,
    ManualClock,
    Money,
    Order,
    OrderDesk,
    OrderDraft,
    PaymentKind,
    SequentialIds,
)
from ordercore.shipping.policy import ShippingPolicy
from ordercore.testing import RecordingNotifier
from ordercore.testing.carriers import ScriptedCarrier

CLERK = Actor("u-clerk", roles={"clerk"})
HOOK = Actor.system("carrier-webhook")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def acme() -> ScriptedCarrier:
    """The third-party test carrier, registered through the ``ordercore_carriers`` hook."""
    return ScriptedCarrier("acme")


@pytest.fixture
def shipping_policy() -> ShippingPolicy:
    return ShippingPolicy(
        retry_pause=timedelta(0),
        carrier_timeout=timedelta(seconds=5),
        staff=("email", "ops@example.com"),
    )


@pytest.fixture
def desk(
    clock: ManualClock,
    recorder: RecordingNotifier,
    acme: ScriptedCarrier,
    shipping_policy: ShippingPolicy,
) -> Iterator[OrderDesk]:
    """Berlin (priority 1) holds 3 of SKU-1, Paris (priority 2) holds 10; MUG is untracked."""
    opened = OrderDesk.open(
        plugins=[recorder, acme],
        clock=clock,
        config=DeskConfig(shipping=shipping_policy),
        ids=SequentialIds(),
        entry_points=False,
    )
    opened.inventory.add_location("BER", actor=CLERK, name="Berlin", priority=1, region="DE")
    opened.inventory.add_location("PAR", actor=CLERK, name="Paris", priority=2, region="FR")
    opened.inventory.track("SKU-1", actor=CLERK)
    opened.inventory.receive("SKU-1", "BER", 3, actor=CLERK)
    opened.inventory.receive("SKU-1", "PAR", 10, actor=CLERK)
    yield opened
    acme.release()
    # Whatever a test did, every shipment must be rebuilt exactly from its journal.
    for shipment in opened.shipping.list():
        assert opened.shipping.replay(shipment.id) == shipment
    opened.close()


def paid_order(desk: OrderDesk, *lines: tuple[str, int]) -> Order:
    """Place, pay and confirm an order for ``lines`` (sku, quantity)."""
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email="ada@example.com"),
        shipping_address=Address("Ada Lovelace", "1 Analytical St", "Berlin", "DE", "10115"),
        lines=[LineDraft(sku, quantity, "10.00") for sku, quantity in lines],
    )
    order = desk.orders.place(draft, actor=CLERK)
    if order.status.value == "pending_review":
        order = desk.orders.approve(order.id, actor=CLERK)
    order = desk.orders.record_payment(
        order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )
    return desk.orders.confirm(order.id, actor=CLERK)


def money(amount: str) -> Money:
    return Money.of(amount, "EUR")
