"""Intake: order drafts as channels send them, validated before anything is written.

A draft carries what a web shop, phone agent, e-mail parser or marketplace sends. Nothing in it
is trusted: :func:`validate_draft` checks every field and raises a
:class:`~ordercore.errors.ValidationError` naming the first bad one by its path
(``"lines[2].quantity"``), so the caller can point at the exact input.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import attrs

from ordercore.errors import CurrencyMismatch, ValidationError
from ordercore.money import Money, is_known_currency
from ordercore.orders.model import Address, Contact
from ordercore.serialization import ensure_valid_unicode

__all__ = [
    "IntakePolicy",
    "LineDraft",
    "OrderDraft",
    "ValidDraft",
    "ValidLine",
    "check_address",
    "check_contact",
    "parse_money",
    "validate_draft",
    "validate_lines",
]

MoneyInput = Money | Decimal | str | int


@attrs.frozen(slots=True)
class LineDraft:
    """A line as a channel sends it.

    Attributes:
        sku: Stock keeping unit.
        quantity: A positive whole number of units.
        unit_price: Price per unit: a :class:`Money` in the order currency, or a decimal
            string, ``Decimal`` or int (never a float).
        name: Product name (defaults to the SKU).
        tax_rate: Tax rate as a fraction, 0 to 1 (``"0.19"``).
        discount: Discount on the whole line, in the order currency.
        category: Product category.
        list_price: Catalogue price per unit, if the channel knows it.
    """

    sku: str
    quantity: int
    unit_price: MoneyInput
    name: str = ""
    tax_rate: Decimal | str | int = 0
    discount: MoneyInput = 0
    category: str = ""
    list_price: MoneyInput | None = None


@attrs.frozen(slots=True)
class OrderDraft:
    """An order as a channel sends it, before validation.

    Attributes:
        channel: ``web``, ``phone``, ``email``, ``marketplace``, ``store``, ``api``, or any word.
        currency: ISO 4217 code of every amount.
        contact: The customer's contact details.
        shipping_address: Where to ship.
        lines: At least one line.
        external_id: The channel's own order id; the same (channel, external id) always gives
            the same order.
        customer_id: The customer record, if known.
        billing_address: Where to bill, when not the shipping address.
        order_discount: Discount on the whole order.
        shipping_fee: Shipping charged.
        credit_terms: The customer buys on account.
        tags: Free labels.
        note: A note to keep with the order.
    """

    channel: str
    currency: str
    contact: Contact
    shipping_address: Address
    lines: Sequence[LineDraft]
    external_id: str | None = None
    customer_id: str | None = None
    billing_address: Address | None = None
    order_discount: MoneyInput = 0
    shipping_fee: MoneyInput = 0
    credit_terms: bool = False
    tags: Sequence[str] = ()
    note: str = ""


@attrs.frozen(slots=True)
class IntakePolicy:
    """What intake insists on.

    Attributes:
        require_contact_channel: The contact needs an e-mail address or a phone number.
        require_postal_code: Shipping addresses need a postal code.
        max_lines: Most lines one order may have.
        max_quantity: Most units of one line.
    """

    require_contact_channel: bool = True
    require_postal_code: bool = True
    max_lines: int = 500
    max_quantity: int = 1_000_000


def _text(value: object, field: str, *, required: bool = True, limit: int = 500) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"expected text, got {type(value).__name__}")
    if required and not value.strip():
        raise ValidationError(field, "is required")
    if len(value) > limit:
        raise ValidationError(field, f"is longer than {limit} characters")
    ensure_valid_unicode(value, field)
    return value


def parse_money(value: object, currency: str, field: str) -> Money:
    """Read an amount given as Money, Decimal, decimal string or int, in ``currency``.

    Raises:
        ValidationError: For floats, bools, text that is not a number, NaN or Infinity, more
            decimals than the currency has, or a :class:`Money` in another currency
            (:class:`~ordercore.errors.CurrencyMismatch`).
    """
    if isinstance(value, Money):
        if value.currency != currency:
            raise CurrencyMismatch(field, currency, value.currency)
        return value
    if isinstance(value, float | bool) or not isinstance(value, Decimal | str | int):
        kind = type(value).__name__
        raise ValidationError(field, f"got a {kind}; give a decimal string such as '12.30'")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValidationError(field, f"not a number: {value!r}") from exc
    try:
        return Money(amount, currency)
    except ValidationError as exc:
        raise ValidationError(field, exc.reason) from exc


def _quantity(value: object, field: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"must be a positive whole number, got {value!r}")
    if value <= 0:
        raise ValidationError(field, f"must be a positive whole number, got {value}")
    if value > limit:
        raise ValidationError(field, f"more than {limit} units in one line")
    return value


def _rate(value: object, field: str) -> Decimal:
    if isinstance(value, float | bool) or not isinstance(value, Decimal | str | int):
        raise ValidationError(field, "give the rate as a decimal string such as '0.19'")
    try:
        rate = Decimal(value)
    except InvalidOperation as exc:
        raise ValidationError(field, f"not a number: {value!r}") from exc
    if not rate.is_finite() or rate < 0 or rate > 1:
        raise ValidationError(field, "must be a fraction between 0 and 1")
    return rate


def check_contact(contact: object, policy: IntakePolicy) -> None:
    """Check a contact: a name, and an e-mail address or phone number if the policy wants one.

    Raises:
        ValidationError: Naming the bad field (``contact.email``).
    """
    if not isinstance(contact, Contact):
        raise ValidationError("contact", "a Contact is required")
    _text(contact.name, "contact.name")
    email, phone = contact.email, contact.phone
    if email is not None:
        _text(email, "contact.email", required=False)
        if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
            raise ValidationError("contact.email", "is not an e-mail address")
    if phone is not None:
        _text(phone, "contact.phone", required=False)
    if policy.require_contact_channel and not (email or phone):
        raise ValidationError("contact.email", "an e-mail address or a phone number is required")


def check_address(address: object, field: str, policy: IntakePolicy) -> None:
    """Check an address: name, street, city, a two-letter country, a postal code if required.

    Raises:
        ValidationError: Naming the bad field under ``field`` (``shipping_address.city``).
    """
    if not isinstance(address, Address):
        raise ValidationError(field, "an Address is required")
    _text(address.name, f"{field}.name")
    _text(address.line1, f"{field}.line1")
    _text(address.city, f"{field}.city")
    country = _text(address.country, f"{field}.country")
    if len(country) != 2 or not country.isascii() or not country.isupper():
        raise ValidationError(f"{field}.country", "use an ISO 3166-1 alpha-2 code such as 'DE'")
    _text(address.postal_code, f"{field}.postal_code", required=policy.require_postal_code)


@attrs.frozen(slots=True)
class ValidLine:
    """A line that passed intake."""

    sku: str
    name: str
    quantity: int
    unit_price: Money
    tax_rate: Decimal
    discount: Money
    category: str
    list_price: Money | None


def validate_lines(
    lines: object, currency: str, policy: IntakePolicy, field: str = "lines"
) -> list[ValidLine]:
    """Validate line drafts; return them in a checked form."""
    if isinstance(lines, str) or not isinstance(lines, Sequence):
        raise ValidationError(field, "give a list of lines")
    if len(lines) > policy.max_lines:
        raise ValidationError(field, f"more than {policy.max_lines} lines")
    valid = []
    for index, line in enumerate(lines):
        path = f"{field}[{index}]"
        if not isinstance(line, LineDraft):
            raise ValidationError(path, "each line must be a LineDraft")
        sku = _text(line.sku, f"{path}.sku", limit=100)
        list_price = line.list_price
        valid.append(
            ValidLine(
                sku=sku,
                name=_text(line.name, f"{path}.name", required=False) or sku,
                quantity=_quantity(line.quantity, f"{path}.quantity", policy.max_quantity),
                unit_price=_amount(line.unit_price, currency, f"{path}.unit_price"),
                tax_rate=_rate(line.tax_rate, f"{path}.tax_rate"),
                discount=_amount(line.discount, currency, f"{path}.discount"),
                category=_text(line.category, f"{path}.category", required=False),
                list_price=None
                if list_price is None
                else _amount(list_price, currency, f"{path}.list_price"),
            )
        )
    return valid


def _amount(value: object, currency: str, field: str) -> Money:
    amount = parse_money(value, currency, field)
    if amount.is_negative():
        raise ValidationError(field, "must not be negative")
    return amount


@attrs.frozen(slots=True)
class ValidDraft:
    """A draft that passed intake; the lifecycle prices it and builds the order."""

    draft: OrderDraft
    lines: tuple[ValidLine, ...]
    order_discount: Money
    shipping_fee: Money


def validate_draft(draft: OrderDraft, policy: IntakePolicy) -> ValidDraft:
    """Check every field of ``draft``.

    Raises:
        ValidationError: Naming the first bad field: an empty line list, a zero, negative or
            fractional quantity, a float price, an unknown or mixed currency, a missing contact
            or address field, and so on.
    """
    if not isinstance(draft, OrderDraft):
        raise ValidationError("draft", "expected an OrderDraft")
    channel = _text(draft.channel, "channel", limit=50)
    if not channel.replace("-", "").replace("_", "").isalnum():
        raise ValidationError("channel", "a short word such as 'web' or 'phone'")
    if not isinstance(draft.currency, str) or not is_known_currency(draft.currency):
        raise ValidationError("currency", f"unknown ISO 4217 currency {draft.currency!r}")
    if draft.external_id is not None:
        _text(draft.external_id, "external_id", limit=200)
    if draft.customer_id is not None:
        _text(draft.customer_id, "customer_id", limit=200)
    check_contact(draft.contact, policy)
    check_address(draft.shipping_address, "shipping_address", policy)
    if draft.billing_address is not None:
        check_address(draft.billing_address, "billing_address", policy)
    lines = validate_lines(draft.lines, draft.currency, policy)
    if not lines:
        raise ValidationError("lines", "an order needs at least one line")
    for index, tag in enumerate(draft.tags):
        _text(tag, f"tags[{index}]", limit=50)
    _text(draft.note, "note", required=False, limit=2000)
    return ValidDraft(
        draft=draft,
        lines=tuple(lines),
        order_discount=_amount(draft.order_discount, draft.currency, "order_discount"),
        shipping_fee=_amount(draft.shipping_fee, draft.currency, "shipping_fee"),
    )
