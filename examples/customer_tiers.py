"""Customer tiers: records, points, tier changes, segments, reminders, merge and erasure.

Run it from the repository root with ``python examples/customer_tiers.py``. The output is the
same on every run: the clock is a ``ManualClock`` and ids come from ``SequentialIds``.
"""

# %% [markdown]
# # Customer tiers
#
# A desk with a three-tier policy on net spend over the last 12 months: customers registered,
# paid orders that earn points and lift the tier, a refund that takes points back, a downgrade
# after the grace period, RFM segments, a birthday greeting, a merge of two records and an
# erasure on request, and the bad input that writes nothing.

# %%
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ordercore import (
    Actor,
    Address,
    Contact,
    CustomerDraft,
    CustomerPolicy,
    DeskConfig,
    LineDraft,
    ManualClock,
    Money,
    OrderCoreError,
    OrderDesk,
    OrderDraft,
    PaymentKind,
    SequentialIds,
    Tier,
    TierBenefits,
    TierPolicy,
    TierWindow,
    WindowKind,
)

clock = ManualClock(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
tiers = TierPolicy(
    (
        Tier("member", Decimal("0.01")),
        Tier("silver", Decimal(200), TierBenefits(points_multiplier=Decimal("1.5"))),
        Tier(
            "gold",
            Decimal(1000),
            TierBenefits(
                discount_rate=Decimal("0.05"),
                priority=2,
                points_multiplier=Decimal(2),
                review_rules_skipped={"velocity", "large-first-order"},
            ),
        ),
    ),
    window=TierWindow(WindowKind.ROLLING_MONTHS, months=12),
    grace_days=30,
)
desk = OrderDesk.open(
    clock=clock,
    ids=SequentialIds(),
    config=DeskConfig(customers=CustomerPolicy(tiers=tiers)),
    entry_points=False,
)
clerk = Actor("u-clerk", roles={"clerk"})

# %% [markdown]
# ## Register customers; contacts are checked and normalized

# %%
ada = desk.customers.register(
    CustomerDraft(
        "Ada Lovelace",
        email="Ada@Example.COM",
        phone="+44 20 7946 0958",
        birthday=date(1985, 4, 4),
        consents={"marketing": True},
    ),
    actor=clerk,
)
print(ada)  # personal data masked
print(ada.email, ada.phone)


def paid_order(customer_id: str, amount: str) -> str:
    order = desk.orders.place(
        OrderDraft(
            channel="web",
            currency="EUR",
            contact=Contact("Ada Lovelace", email="ada@example.com"),
            shipping_address=Address("Ada Lovelace", "12 Analytical Row", "London", "GB", "N1 7AA"),
            lines=[LineDraft("BOOK-1", 1, amount)],
            customer_id=customer_id,
        ),
        actor=clerk,
    )
    desk.orders.record_payment(
        order.id, actor=clerk, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )
    return order.id


# %% [markdown]
# ## Payments earn points and lift the tier at once; a refund takes points back

# %%
paid_order(ada.id, "150.00")
print(desk.customers.get(ada.id).tier, desk.customers.points(ada.id).balance)
big = paid_order(ada.id, "900.00")
view = desk.customers.profile(ada.id)
print(view.tier, view.net_spend, view.points_balance)
for change in desk.customers.get(ada.id).tier_history:
    print(f"{change.from_tier or '-'} -> {change.to_tier}: {change.reason}")

desk.orders.record_payment(
    big, actor=clerk, kind=PaymentKind.REFUND, amount=Money.of("900.00", "EUR")
)
view = desk.customers.profile(ada.id)
print(view.tier, view.net_spend, view.points_balance)  # still gold: grace period

clock.advance(timedelta(days=31))
print(desk.customers.reevaluate(ada.id, actor=clerk).tier)  # one step down

# %% [markdown]
# ## Points are redeemed from unexpired lots; too many is refused

# %%
print(desk.customers.redeem_points(ada.id, 100, actor=clerk, reason="voucher").balance)
try:
    desk.customers.redeem_points(ada.id, 10_000, actor=clerk)
except OrderCoreError as refused:
    print(type(refused).__name__, refused)

# %% [markdown]
# ## Segments and reminders

# %%
bob = desk.customers.register(
    CustomerDraft("Bob Babbage", email="bob@example.com", consents={"marketing": True}),
    actor=clerk,
)
paid_order(bob.id, "40.00")
print(desk.customers.segments())
print([r.id for r in desk.customers.send_due_reminders(actor=clerk)])  # first run: nothing due
clock.advance(timedelta(days=1))  # 4 April, 09:00: Ada's birthday
print([r.id for r in desk.customers.send_due_reminders(actor=clerk)])
print([r.id for r in desk.customers.send_due_reminders(actor=clerk)])  # never twice

# %% [markdown]
# ## Duplicates, merge and erasure

# %%
try:
    desk.customers.register(CustomerDraft("A. Lovelace", email="ada@example.com"), actor=clerk)
except OrderCoreError as refused:
    print(type(refused).__name__, refused)
twin = desk.customers.register(
    CustomerDraft("A. Lovelace", email="ada@example.com"), actor=clerk, allow_duplicate=True
)
paid_order(twin.id, "30.00")
merged = desk.customers.merge(ada.id, twin.id, actor=clerk, reason="same person")
print(merged.merged_from, desk.customers.profile(ada.id).paid_orders)

erased = desk.customers.anonymize(ada.id, actor=clerk, reason="erasure request 2025-07")
print(erased.name, erased.email, desk.customers.profile(ada.id).paid_orders)
print(desk.audit.verify_journal().ok)
print("ada" in str(desk.customers.export(ada.id, actor=clerk, personal=True)).lower())
