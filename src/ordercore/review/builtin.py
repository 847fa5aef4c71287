"""The built-in review rules, each a small attrs value with its settings.

Points are risk: with the default policy 50 holds an order and 100 rejects it. A rule's
``score`` setting is what it adds when it fires; change it, or the policy's weight for the rule,
to make it count more or less.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from statistics import median
from types import MappingProxyType

import attrs

from ordercore._texts import text_set
from ordercore.errors import ValidationError
from ordercore.orders.model import Address, Order, PaymentState
from ordercore.review.identity import address_key, normalize_email, normalize_phone
from ordercore.review.rules import Finding, ReviewContext, ReviewRule, Sentiment

__all__ = [
    "Blocklist",
    "CountryMismatch",
    "CreditLimit",
    "CustomerDataComplete",
    "HighValueNewCustomer",
    "LikelyDuplicate",
    "PaymentSecured",
    "PriceDeviation",
    "ReturningCustomer",
    "StockSufficient",
    "UnusualQuantity",
    "Velocity",
    "builtin_rules",
]

NEG = Sentiment.NEGATIVE


def _amounts(value: Mapping[str, object]) -> Mapping[str, Decimal]:
    return MappingProxyType({code: Decimal(str(amount)) for code, amount in value.items()})


def _ordered(order: Order) -> dict[str, int]:
    """Units still wanted per SKU, lines of one SKU summed."""
    # A plain dict: a Counter costs a Python-level __init__ on every review.
    wanted: dict[str, int] = {}
    for line in order.lines:
        wanted[line.sku] = wanted.get(line.sku, 0) + line.open_quantity
    return wanted


@attrs.frozen(slots=True)
class StockSufficient:
    """Every SKU the inventory tracks has enough available units for the order."""

    score: int = 30
    code: str = attrs.field(default="stock-sufficient", init=False)
    description: str = attrs.field(default="enough stock available for every line", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire when a tracked SKU has fewer available units than the order wants."""
        if context.available is None:
            return None
        short = [
            f"{sku}: {wanted} wanted, {context.available[sku]} available"
            for sku, wanted in sorted(_ordered(order).items())
            if sku in context.available and context.available[sku] < wanted
        ]
        if not short:
            return None
        return Finding(self.code, NEG, self.score, "not enough stock: " + "; ".join(short))


@attrs.frozen(slots=True)
class CustomerDataComplete:
    """The order has a name, a way to reach the customer and a full shipping address."""

    score: int = 40
    postal_code_optional_in: frozenset[str] = frozenset({"AE", "HK", "IE", "QA"})
    code: str = attrs.field(default="customer-data", init=False)
    description: str = attrs.field(default="name, contact and address complete", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire when any required detail is missing."""
        del context
        contact, address = order.contact, order.shipping_address
        missing = [
            label
            for label, present in (
                ("customer name", contact.name.strip()),
                ("e-mail or phone", (contact.email or "").strip() or (contact.phone or "").strip()),
                ("street", address.line1.strip()),
                ("city", address.city.strip()),
                ("country", address.country.strip()),
                (
                    "postal code",
                    address.postal_code.strip() or address.country in self.postal_code_optional_in,
                ),
            )
            if not present
        ]
        if not missing:
            return None
        return Finding(self.code, NEG, self.score, "missing " + ", ".join(missing))


@attrs.frozen(slots=True)
class PaymentSecured:
    """The order is paid or authorized, or the customer buys on account."""

    score: int = 10
    code: str = attrs.field(default="payment-secured", init=False)
    description: str = attrs.field(default="paid, authorized or on credit terms", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire (mildly) for an order with nothing captured, authorized or on account."""
        on_account = order.credit_terms or (
            context.customer is not None and context.customer.on_credit_terms
        )
        if on_account or order.payment_state in (PaymentState.PAID, PaymentState.AUTHORIZED):
            return None
        state = order.payment_state.value.replace("_", " ")
        return Finding(self.code, NEG, self.score, f"payment {state} and no credit terms")


@attrs.frozen(slots=True)
class CreditLimit:
    """For customers on account: what they owe on open orders plus this one stays in the limit."""

    score: int = 60
    code: str = attrs.field(default="credit-limit", init=False)
    description: str = attrs.field(default="open balance within the credit limit", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire when unpaid balances of live orders plus this order exceed the limit."""
        customer = context.customer
        if customer is None or customer.credit_limit is None:
            return None
        if not (order.credit_terms or customer.on_credit_terms):
            return None
        limit = customer.credit_limit
        if limit.currency != order.currency:
            return None  # a limit in another currency is not compared without a rate
        owed = order.balance_due
        for earlier in context.recent_orders:
            same_currency = earlier.owed_on_account.currency == order.currency
            if "customer" in earlier.shared and earlier.is_live and same_currency:
                owed = owed + earlier.owed_on_account
        if owed <= limit:
            return None
        return Finding(self.code, NEG, self.score, f"would owe {owed}, credit limit is {limit}")


def _default_high_values() -> Mapping[str, Decimal]:
    return _amounts({"EUR": 1000, "USD": 1000, "GBP": 900, "CHF": 1000, "JPY": 150000})


@attrs.frozen(slots=True)
class HighValueNewCustomer:
    """A first order above a per-currency amount (currencies not listed are not judged)."""

    score: int = 40
    limits: Mapping[str, Decimal] = attrs.field(factory=_default_high_values, converter=_amounts)
    code: str = attrs.field(default="high-value-new-customer", init=False)
    description: str = attrs.field(default="large first order", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire when a customer with no completed order places one at or above the limit."""
        limit = self.limits.get(order.currency)
        if limit is None:
            return None
        if context.customer is not None and not context.customer.is_new:
            return None
        total = order.totals.grand_total
        if total.amount < limit:
            return None
        return Finding(
            self.code,
            NEG,
            self.score,
            f"new customer, order of {total} (limit {limit} {order.currency})",
        )


@attrs.frozen(slots=True)
class Velocity:
    """No more than ``max_orders`` earlier orders per identity within ``window``."""

    score: int = 40
    max_orders: int = 5
    window: timedelta = timedelta(hours=24)
    code: str = attrs.field(default="velocity", init=False)
    description: str = attrs.field(default="many orders from one identity", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire when one customer, e-mail, phone or address placed too many orders lately."""
        del order
        since = context.now - self.window
        counts: dict[str, int] = {}
        for earlier in context.recent_orders:
            if earlier.placed_at >= since:
                for kind in earlier.shared:
                    counts[kind] = counts.get(kind, 0) + 1
        busy = sorted(kind for kind, count in counts.items() if count >= self.max_orders)
        if not busy:
            return None
        detail = ", ".join(f"{kind} {counts[kind]}" for kind in busy)
        hours = self.window / timedelta(hours=1)
        return Finding(
            self.code, NEG, self.score, f"earlier orders in the last {hours:g} h: {detail}"
        )


@attrs.frozen(slots=True)
class CountryMismatch:
    """Billing and shipping addresses in different countries."""

    score: int = 20
    code: str = attrs.field(default="country-mismatch", init=False)
    description: str = attrs.field(default="billing and shipping countries differ", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire when a billing address is given in another country than the shipping one."""
        del context
        billing = order.billing_address
        if billing is None:
            return None
        shipping_country = order.shipping_address.country.strip().upper()
        billing_country = billing.country.strip().upper()
        if billing_country == shipping_country:
            return None
        return Finding(
            self.code,
            NEG,
            self.score,
            f"billed to {billing_country}, shipped to {shipping_country}",
        )


def _texts(values: Iterable[str]) -> frozenset[str]:
    return text_set("addresses", values)


def _emails(values: Iterable[str]) -> frozenset[str]:
    return text_set("emails", values, normalize_email)


def _phones(values: Iterable[str]) -> frozenset[str]:
    return text_set("phones", values, normalize_phone)


def _decimal(value: object) -> Decimal:
    if isinstance(value, float | bool):
        raise ValidationError("rule setting", "give a Decimal or a decimal string, not a float")
    return Decimal(str(value))


@attrs.frozen(slots=True)
class Blocklist:
    """E-mail addresses, phone numbers and street addresses that are refused."""

    emails: frozenset[str] = attrs.field(factory=frozenset, converter=_emails)
    phones: frozenset[str] = attrs.field(factory=frozenset, converter=_phones)
    addresses: frozenset[str] = attrs.field(factory=frozenset, converter=_texts)
    score: int = 100
    code: str = attrs.field(default="blocklist", init=False)
    description: str = attrs.field(default="contact or address on the blocklist", init=False)

    @staticmethod
    def address_entry(line1: str, postal_code: str, country: str, line2: str = "") -> str:
        """The blocklist entry for a street address (see :func:`address_key`)."""
        return address_key(Address("", line1, "", country, postal_code, line2))

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire when the e-mail, phone or shipping or billing address is listed."""
        del context
        hits = []
        if order.contact.email and normalize_email(order.contact.email) in self.emails:
            hits.append("e-mail")
        if order.contact.phone and normalize_phone(order.contact.phone) in self.phones:
            hits.append("phone")
        addresses = (order.shipping_address, order.billing_address)
        if any(a is not None and address_key(a) in self.addresses for a in addresses):
            hits.append("address")
        if not hits:
            return None
        return Finding(self.code, NEG, self.score, "blocklisted " + ", ".join(hits))


@attrs.frozen(slots=True)
class LikelyDuplicate:
    """The same customer ordered the same items a short while ago."""

    score: int = 50
    window: timedelta = timedelta(hours=1)
    code: str = attrs.field(default="likely-duplicate", init=False)
    description: str = attrs.field(default="same items from the same customer", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire when a live order with exactly these SKU quantities came within the window."""
        wanted = {line.sku: 0 for line in order.lines}
        for line in order.lines:
            wanted[line.sku] += line.quantity
        since = context.now - self.window
        for earlier in context.recent_orders:
            same_buyer = earlier.shared & {"customer", "email", "phone"}
            recent = earlier.is_live and earlier.placed_at >= since
            if same_buyer and recent and dict(earlier.quantities) == wanted:
                return Finding(
                    self.code,
                    NEG,
                    self.score,
                    f"same items as order {earlier.order_id} placed at "
                    f"{earlier.placed_at:%Y-%m-%d %H:%M} UTC",
                )
        return None


@attrs.frozen(slots=True)
class PriceDeviation:
    """A line's price differs from its list price by more than ``tolerance`` (a fraction)."""

    score: int = 30
    tolerance: Decimal = attrs.field(default=Decimal("0.2"), converter=_decimal)
    code: str = attrs.field(default="price-deviation", init=False)
    description: str = attrs.field(default="price far from the list price", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire for the lines whose unit price is off the list price beyond the tolerance."""
        del context
        off = []
        for line in order.lines:
            listed = line.list_price
            if listed is None or not listed.is_positive():
                continue
            deviation = abs(line.unit_price.amount - listed.amount) / listed.amount
            if deviation > self.tolerance:
                off.append(f"{line.sku} at {line.unit_price} (list {listed})")
        if not off:
            return None
        return Finding(self.code, NEG, self.score, "price off the list: " + "; ".join(off))


@attrs.frozen(slots=True)
class UnusualQuantity:
    """A quantity far above what this customer usually orders of the SKU."""

    score: int = 30
    factor: Decimal = attrs.field(default=Decimal(5), converter=_decimal)
    min_history: int = 3
    code: str = attrs.field(default="unusual-quantity", init=False)
    description: str = attrs.field(default="quantity far above the usual", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire when a SKU's quantity exceeds ``factor`` times the customer's median for it."""
        history: dict[str, list[int]] = {}
        for earlier in context.recent_orders:
            if earlier.shared & {"customer", "email", "phone"} and earlier.is_live:
                for sku, quantity in earlier.quantities.items():
                    history.setdefault(sku, []).append(quantity)
        unusual = []
        for sku, wanted in sorted(_ordered(order).items()):
            past = history.get(sku, [])
            if len(past) < self.min_history:
                continue
            usual = Decimal(str(median(past)))
            if wanted > usual * self.factor:
                unusual.append(f"{sku}: {wanted} (usually {usual:f})")
        if not unusual:
            return None
        return Finding(self.code, NEG, self.score, "unusual quantity " + "; ".join(unusual))


@attrs.frozen(slots=True)
class ReturningCustomer:
    """Reassurance: a customer with completed orders earns negative (good) points."""

    score: int = -20
    min_completed: int = 3
    code: str = attrs.field(default="returning-customer", init=False)
    description: str = attrs.field(default="customer with completed orders", init=False)

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        """Fire (positively) when the customer completed at least ``min_completed`` orders."""
        del order
        customer = context.customer
        if customer is None or customer.completed_orders < self.min_completed:
            return None
        return Finding(
            self.code,
            Sentiment.POSITIVE,
            self.score,
            f"{customer.completed_orders} completed orders before",
        )


def builtin_rules() -> tuple[ReviewRule, ...]:
    """The built-in rules with their default settings, in the order they run."""
    return (
        StockSufficient(),
        CustomerDataComplete(),
        PaymentSecured(),
        CreditLimit(),
        HighValueNewCustomer(),
        Velocity(),
        CountryMismatch(),
        Blocklist(),
        LikelyDuplicate(),
        PriceDeviation(),
        UnusualQuantity(),
        ReturningCustomer(),
    )
