"""Customer input: what a new record or a change may say, checked before anything is written.

:func:`new_customer` and :func:`apply_update` check every field of a :class:`CustomerDraft` or
:class:`CustomerUpdate` and raise :class:`~ordercore.errors.ValidationError` naming the first bad
one (``email``, ``addresses[1].country``, ``credit_limit``), so the desk refuses bad input before
it opens a unit of work.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import attrs

from ordercore.customers.model import ChannelIdentity, Consent, Customer
from ordercore.customers.validation import (
    check_address,
    check_channel,
    normalize_email,
    normalize_phone,
)
from ordercore.errors import ValidationError
from ordercore.money import Money
from ordercore.orders.model import Address
from ordercore.serialization import ensure_valid_unicode

__all__ = ["KEEP", "CustomerDraft", "CustomerUpdate", "Keep", "apply_update", "new_customer"]


class Keep(enum.Enum):
    """The type of :data:`KEEP`."""

    KEEP = "keep"


KEEP = Keep.KEEP
"""A :class:`CustomerUpdate` field left at ``KEEP`` leaves that field as it is."""


@attrs.frozen(slots=True)
class CustomerDraft:
    """A new customer, as a host or a person gives it.

    Attributes:
        name: Full name.
        email: E-mail address (checked; domain lower-cased).
        phone: Phone number (checked; stored in E.164 form).
        company: The company the customer buys for.
        addresses: Postal addresses, the default first.
        channel_identities: Accounts on sales channels.
        tags: Free labels.
        birthday: Date of birth.
        consents: Purpose to yes/no (``{"marketing": True}``).
        preferred_channel: ``email``, ``sms``, ``phone``, ``post`` or ``none``.
        credit_limit: The most the customer may owe on account.
        payment_terms_days: Days to pay an invoice (0: before shipping).
        customer_id: The host's own id for the customer, if it has one.
    """

    name: str
    email: str | None = None
    phone: str | None = None
    company: str = ""
    addresses: tuple[Address, ...] = ()
    channel_identities: tuple[ChannelIdentity, ...] = ()
    tags: tuple[str, ...] = ()
    birthday: date | None = None
    consents: Mapping[str, bool] = attrs.Factory(dict)
    preferred_channel: str = "email"
    credit_limit: Money | None = None
    payment_terms_days: int = 0
    customer_id: str | None = None


@attrs.frozen(slots=True)
class CustomerUpdate:
    """Changes to a customer; every field left at :data:`KEEP` stays as it is.

    ``consents`` adds or replaces answers per purpose; the other fields replace the value.
    """

    name: str | Keep = KEEP
    email: str | Keep | None = KEEP
    phone: str | Keep | None = KEEP
    company: str | Keep = KEEP
    addresses: tuple[Address, ...] | Keep = KEEP
    channel_identities: tuple[ChannelIdentity, ...] | Keep = KEEP
    tags: tuple[str, ...] | Keep = KEEP
    birthday: date | Keep | None = KEEP
    consents: Mapping[str, bool] | Keep = KEEP
    preferred_channel: str | Keep = KEEP
    credit_limit: Money | Keep | None = KEEP
    payment_terms_days: int | Keep = KEEP

    def fields(self) -> list[str]:
        """The names of the fields this update changes."""
        return [a.name for a in attrs.fields(type(self)) if getattr(self, a.name) is not KEEP]


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("name", "give the customer's name")
    if len(value) > 200:
        raise ValidationError("name", "at most 200 characters")
    return value.strip()


def _optional(value: object, check: Any, field: str) -> Any:
    return None if value is None else check(value, field)


def _addresses(value: object) -> tuple[Address, ...]:
    if not isinstance(value, tuple | list):
        raise ValidationError("addresses", "give a tuple of Address values")
    return tuple(check_address(item, f"addresses[{i}]") for i, item in enumerate(value))


def _identities(value: object) -> tuple[ChannelIdentity, ...]:
    if not isinstance(value, tuple | list):
        raise ValidationError("channel_identities", "give a tuple of ChannelIdentity values")
    for index, item in enumerate(value):
        field = f"channel_identities[{index}]"
        if not isinstance(item, ChannelIdentity):
            raise ValidationError(field, "expected a ChannelIdentity")
        if not item.channel.strip() or not item.external_id.strip():
            raise ValidationError(field, "give the channel and the id on it")
    return tuple(value)


def _tags(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError("tags", "give a tuple of labels")
    tags = tuple(value)
    if not all(isinstance(tag, str) and tag.strip() for tag in tags):
        raise ValidationError("tags", "every tag is a non-empty text")
    return tuple(sorted({tag.strip() for tag in tags}))


def _birthday(value: object, now: datetime) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError("birthday", "give a date")
    if value > now.date() or value.year < 1900:
        raise ValidationError("birthday", "must be a past date after 1900")
    return value


def _consents(
    value: object, now: datetime, earlier: tuple[Consent, ...] = ()
) -> tuple[Consent, ...]:
    if not isinstance(value, Mapping):
        raise ValidationError("consents", "give {purpose: True or False}")
    merged = {consent.purpose: consent for consent in earlier}
    for purpose, granted in value.items():
        if not isinstance(purpose, str) or not purpose.strip():
            raise ValidationError("consents", "a purpose is a non-empty word")
        if not isinstance(granted, bool):
            raise ValidationError(f"consents.{purpose}", "True or False")
        merged[purpose] = Consent(purpose, granted, now)
    return tuple(merged[purpose] for purpose in sorted(merged))


def _credit_limit(value: object) -> Money | None:
    if value is None:
        return None
    if not isinstance(value, Money):
        raise ValidationError("credit_limit", "give a Money amount")
    if value.is_negative():
        raise ValidationError("credit_limit", "must not be negative")
    return value


def _terms(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
        raise ValidationError("payment_terms_days", "a whole number of days from 0 to 365")
    return value


def _customer_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise ValidationError("customer_id", "a non-empty id without surrounding blanks")
    if "@" in value or len(value) > 100:
        raise ValidationError("customer_id", "an id, not an e-mail address, at most 100 characters")
    return value


def new_customer(draft: CustomerDraft, *, customer_id: str, now: datetime) -> Customer:
    """Check ``draft`` and return the customer it describes, version 1.

    Raises:
        ValidationError: Naming the first bad field.
    """
    if not isinstance(draft, CustomerDraft):
        raise ValidationError("draft", "expected a CustomerDraft")
    return Customer(
        id=_customer_id(customer_id),
        name=_name(draft.name),
        created_at=now,
        company=_text(draft.company, "company"),
        email=_optional(draft.email, normalize_email, "email"),
        phone=_optional(draft.phone, normalize_phone, "phone"),
        addresses=_addresses(draft.addresses),
        channel_identities=_identities(draft.channel_identities),
        tags=_tags(draft.tags),
        birthday=_birthday(draft.birthday, now),
        consents=_consents(draft.consents, now),
        preferred_channel=check_channel(draft.preferred_channel),
        credit_limit=_credit_limit(draft.credit_limit),
        payment_terms_days=_terms(draft.payment_terms_days),
    )


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    ensure_valid_unicode(value, field)
    return value.strip()


def apply_update(
    customer: Customer, update: CustomerUpdate, now: datetime
) -> tuple[Customer, tuple[str, ...]]:
    """Check ``update`` and return the changed customer and the names of the changed fields.

    Raises:
        ValidationError: Naming the first bad field, or if the record is not active.
    """
    if not isinstance(update, CustomerUpdate):
        raise ValidationError("update", "expected a CustomerUpdate")
    if not customer.is_active:
        raise ValidationError("customer", f"{customer.id} is {customer.status.value}; not changed")
    u = update
    changed = customer
    if u.name is not KEEP:
        changed = attrs.evolve(changed, name=_name(u.name))
    if u.email is not KEEP:
        changed = attrs.evolve(changed, email=_optional(u.email, normalize_email, "email"))
    if u.phone is not KEEP:
        changed = attrs.evolve(changed, phone=_optional(u.phone, normalize_phone, "phone"))
    if u.company is not KEEP:
        changed = attrs.evolve(changed, company=_text(u.company, "company"))
    if u.addresses is not KEEP:
        changed = attrs.evolve(changed, addresses=_addresses(u.addresses))
    if u.channel_identities is not KEEP:
        changed = attrs.evolve(changed, channel_identities=_identities(u.channel_identities))
    if u.tags is not KEEP:
        changed = attrs.evolve(changed, tags=_tags(u.tags))
    if u.birthday is not KEEP:
        changed = attrs.evolve(changed, birthday=_birthday(u.birthday, now))
    if u.consents is not KEEP:
        changed = attrs.evolve(changed, consents=_consents(u.consents, now, customer.consents))
    if u.preferred_channel is not KEEP:
        changed = attrs.evolve(changed, preferred_channel=check_channel(u.preferred_channel))
    if u.credit_limit is not KEEP:
        changed = attrs.evolve(changed, credit_limit=_credit_limit(u.credit_limit))
    if u.payment_terms_days is not KEEP:
        changed = attrs.evolve(changed, payment_terms_days=_terms(u.payment_terms_days))
    names = tuple(
        name for name in update.fields() if getattr(changed, name) != getattr(customer, name)
    )
    if not names:
        return customer, ()
    return attrs.evolve(changed, version=customer.version + 1), names
