"""How contact details are compared: one normal form per e-mail, phone number and address.

Velocity, duplicate and blocklist checks must see ``Ada@Example.com`` and ``ada@example.com``, or
``+49 30 1234-567`` and ``+4930 1234567``, as the same. The desk's index of recent orders stores
only salted digests of these forms, never the details themselves.
"""

from __future__ import annotations

import hashlib
from types import MappingProxyType
from typing import Any

import attrs

from ordercore._texts import text_set
from ordercore.orders.model import Address, Order

__all__ = [
    "SharedIdentities",
    "address_key",
    "identities",
    "normalize_email",
    "normalize_phone",
]


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


def _customer_ids(values: Any) -> frozenset[str]:
    return text_set("customer_ids", values)


def _emails(values: Any) -> frozenset[str]:
    return text_set("emails", values, normalize_email)


def _phones(values: Any) -> frozenset[str]:
    return text_set("phones", values, normalize_phone)


def _addresses(values: Any) -> frozenset[str]:
    return text_set("addresses", values)


@attrs.frozen(slots=True)
class SharedIdentities:
    """Contact details that many unrelated buyers share, so they do not link orders.

    A shop's pickup counter as shipping address, a marketplace's relay e-mail or phone number,
    a company's switchboard, a generic guest account: orders that share only these are not
    one buyer's, and counting them together would hold every such order for velocity or as a
    duplicate. Review neither remembers nor looks up orders under these details; the other
    details of the same order (the buyer's own e-mail, say) still count.

    Attributes:
        customer_ids: Customer ids used by many buyers (a guest account).
        emails: E-mail addresses, compared as :func:`normalize_email` makes them.
        phones: Phone numbers, compared as :func:`normalize_phone` makes them.
        addresses: Street addresses as :meth:`address_entry` writes them.
    """

    customer_ids: frozenset[str] = attrs.field(factory=frozenset, converter=_customer_ids)
    emails: frozenset[str] = attrs.field(factory=frozenset, converter=_emails)
    phones: frozenset[str] = attrs.field(factory=frozenset, converter=_phones)
    addresses: frozenset[str] = attrs.field(factory=frozenset, converter=_addresses)

    @staticmethod
    def address_entry(line1: str, postal_code: str, country: str, line2: str = "") -> str:
        """The entry for a street address (see :func:`address_key`)."""
        return address_key(Address("", line1, "", country, postal_code, line2))

    def excludes(self, kind: str, value: str) -> bool:
        """Whether the normalized ``value`` of identity ``kind`` is a shared one."""
        field = _FIELD_OF_KIND.get(kind)
        return field is not None and value in getattr(self, field)


_FIELD_OF_KIND = MappingProxyType(
    {"customer": "customer_ids", "email": "emails", "phone": "phones", "address": "addresses"}
)


_NOTHING_SHARED = SharedIdentities()


def identities(
    order: Order, salt: str, shared: SharedIdentities = _NOTHING_SHARED
) -> dict[str, str]:
    """The identity keys of an order: kind (``customer``, ``email``, ...) to a salted digest.

    Args:
        order: The order.
        salt: The desk's salt, so that keys cannot be looked up from known e-mail addresses.
        shared: Details many buyers share; they give no key.
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
        if value and not shared.excludes(kind, value)
    }
