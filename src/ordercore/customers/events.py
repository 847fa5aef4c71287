"""Customer events, as the desk journals them.

Events that carry a whole record name its personal fields in ``personal_fields``; the desk keeps
those beside the payload (see :mod:`ordercore.audit.journal`), so anonymizing a customer can erase
them from the journal without breaking the hash chain.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

import attrs

from ordercore.customers.loyalty import PointsEntry
from ordercore.customers.model import CommunicationEntry, Customer

__all__ = [
    "CUSTOMER_PERSONAL_FIELDS",
    "CommunicationLogged",
    "CustomerAnonymized",
    "CustomerMergedInto",
    "CustomerRegistered",
    "CustomerUpdated",
    "CustomersMerged",
    "PointsBooked",
    "ReminderSent",
    "TierChanged",
]

CUSTOMER_PERSONAL_FIELDS: tuple[str, ...] = tuple(
    f"customer.{name}"
    for name in (
        "name",
        "email",
        "phone",
        "addresses",
        "channel_identities",
        "birthday",
        "communications",
    )
)
"""Dotted paths of the personal values in an event that carries a whole customer."""


@attrs.frozen(slots=True)
class CustomerRegistered:
    """A customer record was made."""

    personal_fields: ClassVar[tuple[str, ...]] = CUSTOMER_PERSONAL_FIELDS
    customer: Customer


@attrs.frozen(slots=True)
class CustomerUpdated:
    """A customer record changed; ``changed`` names the fields."""

    personal_fields: ClassVar[tuple[str, ...]] = CUSTOMER_PERSONAL_FIELDS
    customer: Customer
    changed: tuple[str, ...]


@attrs.frozen(slots=True)
class CommunicationLogged:
    """A contact with the customer was logged."""

    personal_fields: ClassVar[tuple[str, ...]] = ("entry.summary",)
    customer_id: str
    entry: CommunicationEntry


@attrs.frozen(slots=True)
class CustomersMerged:
    """Another record was merged into this one (journaled on the surviving record)."""

    personal_fields: ClassVar[tuple[str, ...]] = CUSTOMER_PERSONAL_FIELDS
    customer: Customer
    absorbed: str
    points_moved: int


@attrs.frozen(slots=True)
class CustomerMergedInto:
    """This record was merged into another (journaled on the absorbed record)."""

    customer_id: str
    survivor: str
    at: datetime


@attrs.frozen(slots=True)
class CustomerAnonymized:
    """The customer's personal data was erased on request."""

    customer_id: str
    at: datetime
    entries_erased: int


@attrs.frozen(slots=True)
class TierChanged:
    """The customer moved to another tier."""

    customer_id: str
    from_tier: str
    to_tier: str
    metric_value: Decimal
    at: datetime


@attrs.frozen(slots=True)
class PointsBooked:
    """One loyalty ledger entry (journaled in the ``points_ledger`` stream)."""

    customer_id: str
    entry: PointsEntry
    balance: int


@attrs.frozen(slots=True)
class ReminderSent:
    """A care reminder went to the outbox."""

    customer_id: str
    reminder_id: str
    kind: str
    due_at: datetime
