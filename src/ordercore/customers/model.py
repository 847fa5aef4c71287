"""Customers as immutable values: the record, its contacts, consents, log and tier history.

A :class:`Customer` is one aggregate, stored by the desk under :data:`CUSTOMERS`. Contacts,
addresses, channel identities, the birthday and the communication log are personal data: the
record's ``repr`` masks them, the journal keeps them beside the payload (so they can be erased),
and :func:`anonymized` blanks them while keeping everything orders and tiers depend on.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import attrs

from ordercore.kinds import AggregateKind
from ordercore.money import Money
from ordercore.orders.model import Address
from ordercore.privacy import mask_email, mask_phone, mask_text

__all__ = [
    "ANONYMIZED_NAME",
    "CUSTOMERS",
    "ChannelIdentity",
    "CommunicationEntry",
    "Consent",
    "Customer",
    "CustomerStatus",
    "TierChange",
    "anonymized",
]

ANONYMIZED_NAME = "(anonymized)"
"""The name an anonymized customer is left with."""


class CustomerStatus(enum.Enum):
    """Whether the record is in use, was merged into another, or was anonymized."""

    ACTIVE = "active"
    MERGED = "merged"
    ANONYMIZED = "anonymized"


@attrs.frozen(slots=True)
class ChannelIdentity:
    """Who the customer is on a sales channel (a marketplace buyer id, a shop account)."""

    channel: str
    external_id: str


@attrs.frozen(slots=True)
class Consent:
    """The customer's answer about one purpose (``"marketing"``, ``"profiling"``), and when."""

    purpose: str
    granted: bool
    at: datetime


@attrs.frozen(slots=True)
class CommunicationEntry:
    """One contact with the customer: a call, a mail, a complaint (the summary is personal).

    Attributes:
        at: When it happened.
        channel: How (``"phone"``, ``"email"``, ...).
        author: The member of staff (an actor id).
        summary: What was said; free text, so treated as personal data.
        direction: ``"inbound"`` or ``"outbound"``.
    """

    at: datetime
    channel: str
    author: str
    summary: str
    direction: str = "inbound"


@attrs.frozen(slots=True)
class TierChange:
    """One step in a customer's tier history.

    Attributes:
        at: When the change took effect.
        from_tier: The tier before (``""``: none).
        to_tier: The tier after.
        reason: Why, in words (the metric, its value and the threshold).
    """

    at: datetime
    from_tier: str
    to_tier: str
    reason: str


@attrs.frozen(slots=True, repr=False)
class Customer:
    """A customer record.

    Attributes:
        id: The customer's id (``cus_...``, or the host's own).
        name: Full name (personal).
        created_at: When the record was made; membership years count from here.
        company: The company the customer buys for, if any.
        email: E-mail address, domain in lower case (personal).
        phone: Phone number in E.164 form (personal).
        addresses: Postal addresses, the first is the default (personal).
        channel_identities: Accounts on sales channels (personal: they identify the person).
        tags: Free labels, sorted.
        birthday: Date of birth, for greetings (personal).
        consents: The latest answer per purpose, sorted by purpose.
        preferred_channel: ``email``, ``sms``, ``phone``, ``post`` or ``none``.
        credit_limit: The most the customer may owe on account (``None``: no account).
        payment_terms_days: Days to pay an invoice; 0 means pay before shipping.
        communications: The communication log, oldest first (summaries are personal).
        status: Active, merged into another record, or anonymized.
        merged_into: The record this one was merged into.
        merged_from: Records merged into this one; their orders count as this customer's.
        tier: The current tier code (``""``: none).
        tier_since: When the current tier started.
        below_since: Since when the customer qualifies for less than their tier (grace runs).
        tier_history: Every tier change, oldest first.
        anonymized_at: When the personal data was erased.
        version: Starts at 1; one more per change.
    """

    id: str
    name: str
    created_at: datetime
    company: str = ""
    email: str | None = None
    phone: str | None = None
    addresses: tuple[Address, ...] = ()
    channel_identities: tuple[ChannelIdentity, ...] = ()
    tags: tuple[str, ...] = ()
    birthday: date | None = None
    consents: tuple[Consent, ...] = ()
    preferred_channel: str = "email"
    credit_limit: Money | None = None
    payment_terms_days: int = 0
    communications: tuple[CommunicationEntry, ...] = ()
    status: CustomerStatus = CustomerStatus.ACTIVE
    merged_into: str | None = None
    merged_from: tuple[str, ...] = ()
    tier: str = ""
    tier_since: datetime | None = None
    below_since: datetime | None = None
    tier_history: tuple[TierChange, ...] = ()
    anonymized_at: datetime | None = None
    version: int = 1

    @property
    def on_credit_terms(self) -> bool:
        """Whether the customer buys on account."""
        return self.payment_terms_days > 0 or self.credit_limit is not None

    @property
    def is_active(self) -> bool:
        """Whether the record is in use (not merged away, not anonymized)."""
        return self.status is CustomerStatus.ACTIVE

    def consented(self, purpose: str) -> bool:
        """Whether the customer's latest answer for ``purpose`` was yes."""
        return any(c.purpose == purpose and c.granted for c in self.consents)

    def recipient(self) -> tuple[str, str] | None:
        """``(channel, address)`` to notify, preferring the chosen channel; ``None`` if none."""
        by_channel = {"email": self.email, "sms": self.phone}
        preferred = by_channel.get(self.preferred_channel)
        if preferred:
            return self.preferred_channel, preferred
        if self.preferred_channel == "none":
            return None
        for channel, address in by_channel.items():
            if address:
                return channel, address
        return None

    def __repr__(self) -> str:
        email = None if self.email is None else mask_email(self.email)
        phone = None if self.phone is None else mask_phone(self.phone)
        return (
            f"Customer(id={self.id!r}, name={mask_text(self.name)!r}, email={email!r}, "
            f"phone={phone!r}, tier={self.tier!r}, status={self.status.value!r}, "
            f"version={self.version})"
        )


def anonymized(customer: Customer, at: datetime) -> Customer:
    """Return ``customer`` with every personal value erased and the rest kept.

    Kept: the id, company, tags, consents (as evidence), credit settings, tier and its
    history, merge links and the dates of the communication log (summaries erased).
    """
    return attrs.evolve(
        customer,
        name=ANONYMIZED_NAME,
        email=None,
        phone=None,
        addresses=(),
        channel_identities=(),
        birthday=None,
        preferred_channel="none",
        communications=tuple(
            attrs.evolve(entry, summary="", author=entry.author)
            for entry in customer.communications
        ),
        status=CustomerStatus.ANONYMIZED,
        anonymized_at=at,
        version=customer.version + 1,
    )


CUSTOMERS: AggregateKind[Customer] = AggregateKind("customer", Customer)
"""The aggregate kind under which customers are stored."""
