"""Duplicate detection: customers are the same person when a normalized e-mail or phone matches.

E-mail addresses compare case-insensitively and phone numbers by their digits (``+49 30 1234-567``
is ``+49301234567``), in the same normal forms order review uses. The desk keeps only salted
digests of these forms in its index, never the details themselves.
"""

from __future__ import annotations

import hashlib

from ordercore.customers.model import Customer
from ordercore.review.identity import normalize_email, normalize_phone

__all__ = ["contact_keys", "same_person"]


def _forms(customer: Customer) -> dict[str, str]:
    forms: dict[str, str] = {}
    if customer.email:
        forms["email"] = normalize_email(customer.email)
    if customer.phone:
        forms["phone"] = normalize_phone(customer.phone)
    return forms


def contact_keys(customer: Customer, salt: str) -> dict[str, str]:
    """Kind (``email``, ``phone``) to the salted digest of the customer's normalized contact."""
    return {
        kind: f"{kind}:" + hashlib.sha256(f"{salt}|{kind}|{value}".encode()).hexdigest()[:40]
        for kind, value in _forms(customer).items()
    }


def same_person(left: Customer, right: Customer) -> tuple[str, ...]:
    """The contact kinds two records share (empty: no sign they are the same person)."""
    mine, theirs = _forms(left), _forms(right)
    return tuple(
        kind for kind in ("email", "phone") if kind in mine and mine[kind] == theirs.get(kind)
    )
