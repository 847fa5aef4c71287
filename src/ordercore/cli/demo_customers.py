"""The customers part of ``ordercore demo``: a record, its orders, its tier and its points."""

from __future__ import annotations

from decimal import Decimal

from ordercore.actors import Actor
from ordercore.cli._output import Printer
from ordercore.customers.intake import CustomerDraft
from ordercore.customers.tiering import Tier, TierBenefits, TierPolicy, TierWindow, WindowKind
from ordercore.desk.desk import OrderDesk
from ordercore.orders.intake import LineDraft, OrderDraft
from ordercore.orders.model import Address, Contact, OrderStatus, PaymentKind
from ordercore.privacy import mask_email

__all__ = ["DEMO_TIERS", "run_customers_part"]

DEMO_TIERS = TierPolicy(
    (
        Tier("member", Decimal("0.01")),
        Tier("silver", Decimal(200), TierBenefits(points_multiplier=Decimal("1.5"))),
        Tier("gold", Decimal(1000), TierBenefits(discount_rate=Decimal("0.05"), priority=2)),
    ),
    window=TierWindow(WindowKind.ROLLING_MONTHS, months=12),
    grace_days=30,
)


def _paid_order(desk: OrderDesk, clerk: Actor, customer_id: str, price: str) -> None:
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        customer_id=customer_id,
        contact=Contact("Emmy Noether", email="emmy@example.de"),
        shipping_address=Address("Emmy Noether", "3 Ring Road", "Erlangen", "DE", "91054"),
        lines=[LineDraft("BOOK-7", 1, price, name="Algebra", tax_rate="0.07")],
    )
    order = desk.orders.place(draft, actor=clerk)
    if order.status is OrderStatus.PENDING_REVIEW:
        order = desk.orders.approve(order.id, actor=clerk)
    desk.orders.record_payment(
        order.id, actor=clerk, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )


def run_customers_part(printer: Printer, desk: OrderDesk) -> None:
    """Register a customer, let two paid orders move her up the tiers, show her single view."""
    printer.heading("Customers: tiers by spend, loyalty points")
    clerk = Actor("u-clerk", roles={"clerk"})
    emmy = desk.customers.register(
        CustomerDraft("Emmy Noether", email="Emmy@Example.de", consents={"marketing": True}),
        actor=clerk,
    )
    email = mask_email(emmy.email or "")
    printer.line(f"  registered {emmy.id}, e-mail {email} (stored normalized, shown masked)")
    for price in ("150.00", "900.00"):
        _paid_order(desk, clerk, emmy.id, price)
        view = desk.customers.profile(emmy.id)
        spend = ", ".join(str(amount) for amount in view.net_spend)
        printer.line(
            f"  after a paid order of {price} EUR: tier {view.tier}, net spend {spend}, "
            f"{view.points_balance} points"
        )
    for change in desk.customers.get(emmy.id).tier_history:
        printer.line(f"  {change.from_tier or '-'} -> {change.to_tier}: {change.reason}")
