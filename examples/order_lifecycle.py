"""Order lifecycle: take orders from several channels and carry them through to completion.

Run it from the repository root with ``python examples/order_lifecycle.py``. The output is the
same on every run: the clock is a ``ManualClock`` and ids come from ``SequentialIds``.
"""

# %% [markdown]
# # Order lifecycle
#
# A desk with a routing rule and a recording notifier; orders from the web shop, the phone and a
# marketplace; review, confirmation, payment, partial shipping, delivery and completion; an
# edit, a cancellation and the refusals that write nothing; then the timeline, the journal and
# a replay of one order from its events.

# %%
from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    EditRequest,
    InvalidTransition,
    LineDraft,
    ManualClock,
    Order,
    OrderDesk,
    OrderDraft,
    OrderPolicy,
    PaymentKind,
    ReviewPolicy,
    RoutingPolicy,
    RoutingRule,
    SequentialIds,
    ValidationError,
)
from ordercore.money import money_of_units, round_to_minor_units
from ordercore.testing import RecordingNotifier

clock = ManualClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
outbox = RecordingNotifier("mail", channels=("email", "sms"))
policy = OrderPolicy(
    routing=RoutingPolicy(
        rules=(RoutingRule("marketplaces", queue="marketplace-desk", channels=("marketplace",)),),
        default_queue="shop",
    )
)
# The shop lives in a SQLite file, the embedded default; this run's file is a temporary one.
shop = tempfile.TemporaryDirectory(prefix="ordercore-example-")
shop_url = f"sqlite:///{Path(shop.name) / 'shop.db'}"
desk = OrderDesk.open(
    shop_url,
    clock=clock,
    ids=SequentialIds(),
    # Review by hand in this walk-through; examples/order_review.py shows the automatic review.
    config=DeskConfig(orders=policy, review=ReviewPolicy(automatic=False)),
    plugins=[outbox],
    entry_points=False,
)
clerk = Actor("u-clerk", roles={"clerk"})


def draft(channel: str, external_id: str | None, name: str, email: str) -> OrderDraft:
    """An order of a mug and some tea, as a channel would send it."""
    return OrderDraft(
        channel=channel,
        external_id=external_id,
        currency="EUR",
        contact=Contact(name, email=email),
        shipping_address=Address(
            name=name, line1="1 Example Street", city="Berlin", country="DE", postal_code="10115"
        ),
        lines=[
            LineDraft("MUG-01", 2, "12.50", name="Mug", tax_rate="0.19", category="kitchen"),
            LineDraft("TEA-07", 3, "4.99", name="Tea", tax_rate="0.07", category="grocery"),
        ],
        order_discount="2.00",
        shipping_fee="4.95",
    )


# %% [markdown]
# ## Intake from three channels

# %%
web = desk.orders.place(
    draft("web", "W-1001", "Ada Lovelace", "ada@example.com"),
    actor=clerk,
    idempotency_key="web-W-1001",
)
phone = desk.orders.place(draft("phone", None, "Grace Hopper", "grace@example.com"), actor=clerk)
market = desk.orders.place(
    draft("marketplace", "MKT-77", "Emmy Noether", "emmy@example.de"), actor=clerk
)
again = desk.orders.place(
    draft("marketplace", "MKT-77", "Emmy Noether", "emmy@example.de"), actor=clerk
)
assert again.id == market.id  # the marketplace resent its order: no duplicate
for order in (web, phone, market):
    print(order.number, order.channel, order.queue, order.totals.grand_total)
print("lines of", web.number)
for line in web.lines:
    print(
        f"  {line.line_id} {line.sku} x{line.quantity}: discount share {line.order_discount_share},"
        f" shipping share {line.shipping_share}, tax {line.tax}, total {line.total}"
    )

# %% [markdown]
# ## Review, confirmation, payment, shipping

# %%
desk.orders.hold(phone.id, actor=clerk, reason="first phone order of this customer: call back")
desk.orders.release(phone.id, actor=clerk, reason="customer confirmed by phone")
edited = desk.orders.edit(
    phone.id,
    EditRequest(set_quantities={"L2": 1}),
    actor=clerk,
    reason="customer wants one tea only",
)
print(edited.number, "edited, now", edited.totals.grand_total)

for order_id in (web.id, phone.id):
    desk.orders.approve(order_id, actor=clerk)
    confirmed = desk.orders.confirm(order_id, actor=clerk)
    desk.orders.record_payment(
        order_id,
        actor=clerk,
        kind=PaymentKind.CAPTURE,
        amount=confirmed.totals.grand_total,
        reference=f"psp-{confirmed.number}",
        idempotency_key=f"psp-{confirmed.number}",
    )

clock.advance(timedelta(hours=2))
partial = desk.orders.ship(web.id, actor=clerk, lines={"L1": 1})
print(partial.number, partial.status.value)
try:
    desk.orders.edit(web.id, EditRequest(set_quantities={"L1": 0}), actor=clerk, reason="fewer")
except ValidationError as error:
    print(f"edit below what shipped: {error}")
clock.advance(timedelta(hours=1))
desk.orders.ship(web.id, actor=clerk)
desk.orders.ship(phone.id, actor=clerk)
clock.advance(timedelta(days=1))
desk.orders.deliver(web.id, actor=clerk)
desk.orders.deliver(phone.id, actor=clerk)
done = desk.orders.complete(web.id, actor=clerk)
print(done.number, done.status.value, done.payment_state.value)

# %% [markdown]
# ## Cancellation and refusals (nothing is written)

# %%
desk.orders.cancel(market.id, actor=clerk, reason="item out of stock at the marketplace")
head = desk.audit.head().sequence
refusals: list[tuple[str, Callable[[], Order]]] = [
    ("ship a cancelled order", lambda: desk.orders.ship(market.id, actor=clerk)),
    ("cancel a completed order", lambda: desk.orders.cancel(web.id, actor=clerk, reason="late")),
]
for label, attempt in refusals:
    try:
        attempt()
    except (InvalidTransition, ValidationError) as error:
        print(f"{label}: {type(error).__name__}: {error}")
assert desk.audit.head().sequence == head

# %% [markdown]
# ## Timeline, journal, replay, notifications

# %%
timeline = desk.orders.timeline(phone.id)
print(timeline.number, "is at", timeline.current, "-", timeline.next_step)
for stage in timeline.stages:
    print(f"  {stage.state.value:8} {stage.label:18} {stage.at or ''}")
for entry in desk.orders.history(web.id):
    print(f"  #{entry.sequence} v{entry.version} {entry.event_type} by {entry.actor}")
assert desk.orders.replay(web.id) == desk.orders.get(web.id)
print("journal verifies:", desk.audit.verify_journal().ok)
print("notifications:", [(n.template, n.recipient) for n in outbox.received][:4], "...")

# %% [markdown]
# ## Amounts in minor units
#
# Pricing adds up whole cents and makes each amount once: `money_of_units` and
# `round_to_minor_units` are the checked-already forms of `Money.from_minor_units` and
# `Money.of(...).minor_units` it uses.

# %%
total = desk.orders.get(web.id).totals.grand_total
cents = total.minor_units
assert money_of_units(cents, total.currency) == total
tax = round_to_minor_units(total.amount * Decimal("0.19"), total.currency, ROUND_HALF_EVEN)
print(f"{total} is {cents} cents; 19 % of it rounds to {tax} cents")
desk.close()
shop.cleanup()
