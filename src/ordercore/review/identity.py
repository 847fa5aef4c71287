"""How contact details are compared: one normal form per e-mail, phone number and address.

Velocity, duplicate and blocklist checks must see ``Ada@Example.com`` and ``ada@example.com``, or
``+49 30 1234-567`` and ``+4930 1234567``, as the same. The desk's index of recent orders stores
only salted digests of these forms, never the details themselves.
"""

from __future__ import annotations

import hashlib

from ordercore.orders.model import Address, Order

__all__ = ["address_key", "identities", "normalize_email", "normalize_phone"]


def normalize_email(email: str) -> str:
    """Lower-case, trimmed. Provider-specific tricks (dots, plus tags) are not undone."""
    return email.strip().lower()


def normalize_phone(phone: str) -> str:
    """Digits only, keeping a leading ``+``; ``00`` as an international prefix becomes ``+``."""
    text = phone.strip()
    digits = "".join(char for char in text if char.isdigit())
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def address_key(address: Address) -> str:
    """Street line, postal code and country, case-folded with runs of spaces collapsed."""
    parts = (address.line1, address.line2, address.postal_code, address.country)
    return "|".join(" ".join(part.casefold().split()) for part in parts)


def identities(order: Order, salt: str) -> dict[str, str]:
    """The identity keys of an order: kind (``customer``, ``email``, ...) to a salted digest.

    Args:
        order: The order.
        salt: The desk's salt, so that keys cannot be looked up from known e-mail addresses.
    """
    found: dict[str, str] = {}
    if order.customer_id:
        found["customer"] = order.customer_id
    if order.contact.email:
        found["email"] = normalize_email(order.contact.email)
    if order.contact.phone:
        found["phone"] = normalize_phone(order.contact.phone)
    found["address"] = address_key(order.shipping_address)
    return {
        kind: kind + ":" + hashlib.sha256(f"{salt}|{kind}|{value}".encode()).hexdigest()[:40]
        for kind, value in found.items()
        if value
    }
