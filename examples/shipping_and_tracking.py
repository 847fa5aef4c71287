"""Shipping and tracking: split shipments, rate shopping, labels, tracking, exceptions, documents.

Run it from the repository root with ``python examples/shipping_and_tracking.py``. The output is
the same on every run: the clock is a ``ManualClock`` and ids come from ``SequentialIds``.
"""

# %% [markdown]
# # Shipping and tracking
#
# Two warehouses hold a mug; an order for five mugs and a tea towel is reserved across both,
# so it leaves in two parcels. We shop rates across carriers (the built-in table-rate carrier
# and a plugin carrier), buy labels (one carrier fails once: the retry buys one label, not
# two), hand the parcels over, ingest tracking events (duplicated and out of order), watch a
# failed delivery open an exception, and print a delivery note.

# %%
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ordercore import (
    Actor,
    Address,
    BusinessCalendar,
    CarrierEvent,
    Contact,
    DeskConfig,
    LineDraft,
    ManualClock,
    Money,
    OrderDesk,
    OrderDraft,
    PaymentKind,
    RateChoice,
    RateRow,
    RateTable,
    SequentialIds,
    ShippingPolicy,
)
from ordercore.testing import RecordingNotifier
from ordercore.testing.carriers import ScriptedCarrier

clock = ManualClock(datetime(2025, 4, 16, 9, 0, tzinfo=UTC))  # the Wednesday before Easter
easter = BusinessCalendar(holidays={date(2025, 4, 18), date(2025, 4, 21)})
table = RateTable(
    rows=(
        RateRow("standard", "domestic", Decimal("5"), Money.of("4.90", "EUR")),
        RateRow("express", "domestic", Decimal("5"), Money.of("9.90", "EUR")),
    ),
    zones={"DE": "domestic"},
    transit_days={"standard": 2, "express": 1},
    calendar=easter,
)
# A plugin carrier that loses its first answer (after buying the label).
acme = ScriptedCarrier(
    "acme",
    fail_first=1,
    lose_answer=True,
    prices={"ground": (Decimal("5.50"), 3), "air": (Decimal("11.00"), 1)},
)
outbox = RecordingNotifier()
desk = OrderDesk.open(
    plugins=[acme, outbox],
    clock=clock,
    ids=SequentialIds(),
    config=DeskConfig(
        shipping=ShippingPolicy(
            calendar=easter,
            rate_table=table,
            retry_pause=timedelta(0),
            staff=("email", "ops@example.com"),
        )
    ),
    entry_points=False,
)
clerk = Actor("u-clerk", roles={"clerk"})
webhook = Actor.system("carrier-webhook")
print("carriers:", sorted(desk.shipping.carriers))

# %% [markdown]
# ## An order reserved in two warehouses

# %%
desk.inventory.add_location("BER", actor=clerk, name="Berlin", priority=1)
desk.inventory.add_location("HAM", actor=clerk, name="Hamburg", priority=2)
desk.inventory.track("MUG-01", actor=clerk)
desk.inventory.receive("MUG-01", "BER", 3, actor=clerk)
desk.inventory.receive("MUG-01", "HAM", 10, actor=clerk)
draft = OrderDraft(
    channel="web",
    currency="EUR",
    contact=Contact("Ada Lovelace", email="ada@example.com"),
    shipping_address=Address("Ada Lovelace", "1 Analytical St", "Munich", "DE", "80331"),
    lines=[
        LineDraft("MUG-01", 5, "12.00", name="Mug"),
        LineDraft("TOWEL", 1, "8.00", name="Towel"),
    ],
)
order = desk.orders.place(draft, actor=clerk)
desk.orders.record_payment(
    order.id, actor=clerk, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
)
order = desk.orders.confirm(order.id, actor=clerk)
for reservation in desk.inventory.reservations(order.id).active():
    print("reserved", reservation.line_id, reservation.location, reservation.quantity)

# %% [markdown]
# ## One shipment per location of the allocation

# %%
berlin, hamburg = desk.shipping.create_from_plan(order.id, actor=clerk, carrier="table-rate")
for shipment in (berlin, hamburg):
    print(shipment.id, shipment.location, shipment.units)

# %% [markdown]
# ## Rate shopping, then labels bought outside any unit of work

# %%
quotes = desk.shipping.rates(berlin.id)
for rate in sorted(quotes.rates, key=lambda r: (r.carrier, r.service)):
    print(f"{rate.carrier:<10} {rate.service:<8} {rate.amount} {rate.transit_days} day(s)")
cheapest = desk.shipping.shop(berlin.id, choice=RateChoice.CHEAPEST)
fastest = desk.shipping.shop(hamburg.id, choice=RateChoice.FASTEST, carriers=["acme"])
print(
    "cheapest:", cheapest.carrier, cheapest.service, "| fastest:", fastest.carrier, fastest.service
)

berlin = desk.shipping.buy_label(berlin.id, actor=clerk, rate=cheapest)
hamburg = desk.shipping.buy_label(hamburg.id, actor=clerk, rate=fastest)
print(berlin.id, berlin.carrier, berlin.tracking_number, "estimated", berlin.estimated_on)
print(hamburg.id, hamburg.carrier, "attempts failed:", hamburg.label_attempts,
      "labels bought:", acme.labels_bought, "estimated", hamburg.estimated_on)  # fmt: skip

# %% [markdown]
# ## Hand-over: the order ships exactly each parcel's units

# %%
for shipment in (berlin, hamburg):
    desk.shipping.ship(shipment.id, actor=clerk)
order = desk.orders.get(order.id)
print(order.status.value, {line.line_id: line.shipped for line in order.lines})
for location in ("BER", "HAM"):
    level = desk.inventory.level("MUG-01", location)
    print(location, "on hand", level.on_hand, "reserved", level.reserved)

# %% [markdown]
# ## Tracking: duplicates and late events, a failed delivery, then delivery

# %%
assert berlin.tracking_number is not None
assert hamburg.tracking_number is not None
at = datetime(2025, 4, 16, 12, 0, tzinfo=UTC)
report = desk.shipping.record_tracking(
    [
        CarrierEvent(
            "table-rate", berlin.tracking_number, at + timedelta(hours=20), "out_for_delivery"
        ),
        CarrierEvent("table-rate", berlin.tracking_number, at, "in_transit"),
        CarrierEvent("table-rate", berlin.tracking_number, at, "in_transit"),  # sent twice
        CarrierEvent("acme", hamburg.tracking_number, at, "PU"),
        CarrierEvent("acme", hamburg.tracking_number, at + timedelta(hours=22), "NA1"),
    ],
    actor=webhook,
)
print("recorded", report.recorded, "duplicates", report.duplicates)
print("berlin:", desk.shipping.get(berlin.id).tracking_status.value)
hamburg = desk.shipping.get(hamburg.id)
print("hamburg:", hamburg.tracking_status.value, [e.kind.value for e in hamburg.open_exceptions()])

desk.shipping.receive_webhook(
    "table-rate",
    {"tracking_number": berlin.tracking_number,
     "events": [{"at": "2025-04-17T10:00:00+00:00", "code": "delivered", "location": "Munich"}]},
    actor=webhook,
)  # fmt: skip
print("after berlin delivered:", desk.orders.get(order.id).status.value)
scan = {"ts": "2025-04-22T09:30:00+00:00", "status_code": "DEL"}
desk.shipping.receive_webhook(
    "acme", {"parcel": hamburg.tracking_number, "scans": [scan]}, actor=webhook
)
print("after hamburg delivered:", desk.orders.get(order.id).status.value)

# %% [markdown]
# ## What the customer and staff were told

# %%
for note in outbox.received:
    if note.template.startswith("shipment_"):
        print(note.template, "->", note.recipient, note.data.get("tracking_number"))

# %% [markdown]
# ## The timeline and the delivery note

# %%
for stage in desk.shipping.timeline(order.id).stages:
    print(f"{stage.state.value:<8} {stage.label:<16} {stage.detail}")
print(desk.shipping.delivery_note(berlin.id).to_text())
