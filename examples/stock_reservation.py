"""Stock reservation: locations, orders that reserve, carts that expire, alerts and advice.

Run it from the repository root with ``python examples/stock_reservation.py``. The output is the
same on every run: the clock is a ``ManualClock`` and ids come from ``SequentialIds``.
"""

# %% [markdown]
# # Stock reservation
#
# Two warehouses and a shop; three tracked SKUs with different oversell policies and one SKU
# that is not tracked at all; orders confirmed, held for want of stock, shipped and cancelled;
# a cart hold that expires; the refusals that write nothing; low-stock alerts and purchase
# suggestions in the outbox; and a level rebuilt from its ledger.

# %%
from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ordercore import (
    Actor,
    Address,
    CommittedEvent,
    Contact,
    DeskConfig,
    InventoryPolicy,
    LineDraft,
    LocationKind,
    ManualClock,
    Order,
    OrderCoreError,
    OrderDesk,
    OrderDraft,
    OversellPolicy,
    PaymentKind,
    ReorderRule,
    SequentialIds,
    hookimpl,
)


class ErpListener:
    """Stands in for an ERP: it receives committed events through the outbox."""

    def __init__(self) -> None:
        self.received: list[CommittedEvent] = []

    @hookimpl
    def ordercore_event_committed(self, event: CommittedEvent) -> None:
        if event.event_type in ("LowStockReached", "PurchaseSuggestion"):
            self.received.append(event)


clock = ManualClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
erp = ErpListener()
# The shop lives in a SQLite file, the embedded default; this run's file is a temporary one.
shop = tempfile.TemporaryDirectory(prefix="ordercore-example-")
shop_url = f"sqlite:///{Path(shop.name) / 'shop.db'}"
desk = OrderDesk.open(
    shop_url,
    plugins=[erp],
    clock=clock,
    ids=SequentialIds(),
    config=DeskConfig(inventory=InventoryPolicy(strategy="nearest-region")),
    entry_points=False,
)
clerk = Actor("u-clerk", roles={"clerk"})
sweeper = Actor.system("stock-sweeper")

# %% [markdown]
# ## Locations and tracked SKUs

# %%
inventory = desk.inventory
inventory.add_location("BER", actor=clerk, name="Berlin", priority=1, region="DE")
inventory.add_location("LYS", actor=clerk, name="Lyon", priority=2, region="FR")
inventory.add_location(
    "MUC", actor=clerk, name="Munich shop", kind=LocationKind.STORE, priority=3, pickup=True
)
inventory.track(
    "MUG-01",
    actor=clerk,
    low_stock={"BER": 3},
    reorder={"BER": ReorderRule(minimum=3, maximum=12, multiple=6, lead_time_days=4)},
)
inventory.track("BOOK-9", actor=clerk, policy=OversellPolicy.PREORDER, preorder_limit=5)
inventory.track("TEA-07", actor=clerk, policy=OversellPolicy.BACKORDER)
inventory.receive("MUG-01", "BER", 6, actor=clerk, reference="ASN-1001")
inventory.receive("MUG-01", "LYS", 4, actor=clerk, reference="ASN-1002")
inventory.receive("TEA-07", "MUC", 1, actor=clerk)
for sku in ("MUG-01", "BOOK-9", "TEA-07"):
    print(sku, "available to promise:", inventory.available_to_promise(sku))


# %% [markdown]
# ## Orders reserve what they confirm


# %%
def take(*lines: tuple[str, int], country: str = "DE") -> Order:
    """Place an order for ``lines``; automatic review approves it at intake."""
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Emmy Noether", email="emmy@example.de"),
        shipping_address=Address("Emmy Noether", "1 Ring Road", "Town", country, "10115"),
        lines=[LineDraft(sku, quantity, "9.90") for sku, quantity in lines],
    )
    order = desk.orders.place(draft, actor=clerk)
    assert order.status.value == "approved", order.status_reason
    return order


to_france = take(("MUG-01", 3), ("GIFT-WRAP", 1), country="FR")  # GIFT-WRAP is not tracked
confirmed = desk.orders.confirm(to_france.id, actor=clerk)
held_at = [(r.sku, r.location, r.quantity) for r in inventory.reservations(confirmed.id).active()]
print(confirmed.number, confirmed.status.value, "- reserved", held_at)

too_many = take(("MUG-01", 4), ("MUG-01", 4))  # 8 together, 7 available
held = desk.orders.confirm(too_many.id, actor=clerk)
print(held.number, held.status.value, "-", held.status_reason)

preorder = desk.orders.confirm(take(("BOOK-9", 4)).id, actor=clerk)
backorder = desk.orders.confirm(take(("TEA-07", 3)).id, actor=clerk)
print("preorder:", preorder.status.value, "| backorder:", backorder.status.value)
print("TEA-07 at MUC:", inventory.level("TEA-07", "MUC"))

# %% [markdown]
# ## Shipping consumes, cancelling releases

# %%
due = desk.orders.get(confirmed.id).balance_due
desk.orders.record_payment(confirmed.id, actor=clerk, kind=PaymentKind.CAPTURE, amount=due)
desk.orders.ship(confirmed.id, actor=clerk)
print("after shipping, LYS:", inventory.level("MUG-01", "LYS"))
desk.orders.cancel(backorder.id, actor=clerk, reason="customer changed their mind")
print("after cancelling, TEA-07 at MUC:", inventory.level("TEA-07", "MUC"))

# %% [markdown]
# ## A cart hold that expires, one that is extended

# %%
inventory.hold("cart-1", {"MUG-01": 2}, actor=clerk, ttl=timedelta(minutes=15))
inventory.hold("cart-2", {"MUG-01": 1}, actor=clerk, ttl=timedelta(minutes=15))
clock.advance(timedelta(minutes=10))
inventory.extend("cart-2", actor=clerk, ttl=timedelta(minutes=30))
clock.advance(timedelta(minutes=10))
print("expired:", inventory.expire_due(actor=sweeper))
inventory.reserve("phone-7", {"MUG-01": 3}, actor=clerk, location="BER")
print("MUG-01 available:", inventory.available("MUG-01"))

# %% [markdown]
# ## Refusals write nothing

# %%
refusals: list[tuple[str, Callable[[], object]]] = [
    ("unknown SKU", lambda: inventory.receive("NOPE", "BER", 1, actor=clerk)),
    ("unknown location", lambda: inventory.receive("MUG-01", "HAM", 1, actor=clerk)),
    ("zero units", lambda: inventory.reserve("o-x", {"MUG-01": 0}, actor=clerk)),
    ("more than available", lambda: inventory.reserve("o-x", {"MUG-01": 50}, actor=clerk)),
    ("consume more than held", lambda: inventory.consume("cart-2", {"MUG-01": 5}, actor=clerk)),
    ("release twice", lambda: inventory.release("cart-1", actor=clerk)),
    ("transfer to itself", lambda: inventory.transfer("MUG-01", "BER", "BER", 1, actor=clerk)),
]
journal_before = desk.audit.head().sequence
for label, attempt in refusals:
    try:
        attempt()
    except OrderCoreError as error:
        print(f"{label}: {type(error).__name__}: {error}")
assert desk.audit.head().sequence == journal_before

# %% [markdown]
# ## Alerts, advice and the ledger

# %%
print("ERP received:", [(e.event_type, e.payload["available"]) for e in erp.received])
for suggestion in inventory.purchase_suggestions():
    print(
        "buy",
        suggestion.quantity,
        suggestion.sku,
        "for",
        suggestion.location,
        "by",
        suggestion.expected_at.date(),
    )
for movement in inventory.ledger("MUG-01", "BER"):
    changes = f"on hand {movement.on_hand_change:+d} reserved {movement.reserved_change:+d}"
    print(f"  {movement.kind.value:12} {changes}")
assert inventory.replay("MUG-01", "BER") == inventory.level("MUG-01", "BER")
print("journal verifies:", desk.audit.verify_journal().ok)
desk.close()
shop.cleanup()
