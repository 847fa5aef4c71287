"""Checking and normalizing what people type: e-mail addresses, phone numbers, postal addresses.

Each check either returns the normalized value or raises
:class:`~ordercore.errors.ValidationError` naming the field and saying what is wrong, so a
person can fix the input from the message alone. The error never repeats the bad value: it may
be personal data, and error messages end up in logs.
"""

from __future__ import annotations

import re

from ordercore.errors import ValidationError
from ordercore.orders.model import Address

__all__ = [
    "check_address",
    "check_channel",
    "email_key",
    "normalize_email",
    "normalize_phone",
]

# Deliberately simple: one "@", a local part without spaces, a domain of dot-separated labels
# with a top-level domain of letters. Full RFC 5322 accepts addresses no mail system delivers.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TLD = re.compile(r"[A-Za-z]{2,63}")
# E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_PHONE_PUNCTUATION = str.maketrans("", "", " -().\u00a0/")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CHANNELS = frozenset({"email", "sms", "phone", "post", "none"})


def normalize_email(value: object, field: str = "email") -> str:
    """Return the address with its domain in lower case (``Ada@Example.COM``: ``Ada@example.com``).

    The local part keeps its case, which a mail server may honour; duplicate detection compares
    :func:`email_key` instead.

    Raises:
        ValidationError: If ``value`` is not text shaped like ``name@domain.tld``.
    """
    if not isinstance(value, str):
        raise ValidationError(field, "give an e-mail address as text")
    text = value.strip()
    local, at, domain = text.rpartition("@")
    if not at or "@" in local or not _LOCAL.fullmatch(local):
        raise ValidationError(field, "not an e-mail address (expected name@domain.tld)")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValidationError(field, "the part before '@' may not start, end or repeat a dot")
    labels = domain.lower().split(".")
    if len(labels) < 2 or len(domain) > 253:
        raise ValidationError(field, "the domain needs a dot and a top-level domain")
    if not all(_LABEL.fullmatch(label) for label in labels[:-1]) or not _TLD.fullmatch(labels[-1]):
        raise ValidationError(field, "the domain after '@' is not a valid host name")
    return f"{local}@{'.'.join(labels)}"


def email_key(email: str) -> str:
    """The form two addresses are compared in: all lower case."""
    return email.lower()


def normalize_phone(value: object, field: str = "phone") -> str:
    """Return the number in E.164 form (``+44 20 7946 0958`` -> ``+442079460958``).

    Spaces, dashes, dots, slashes and brackets are dropped; a leading ``00`` becomes ``+``.

    Raises:
        ValidationError: If what remains is not ``+`` and 7 to 15 digits with a country code.
    """
    if not isinstance(value, str):
        raise ValidationError(field, "give a phone number as text")
    digits = value.strip().translate(_PHONE_PUNCTUATION)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        raise ValidationError(field, "give the number in international form, starting with +")
    if not _E164.fullmatch(digits):
        raise ValidationError(
            field, "not an E.164 number (+, country code, then up to 15 digits in all)"
        )
    return digits


def check_address(address: object, field: str = "address") -> Address:
    """Check a postal address: name, first line and city given, country an ISO alpha-2 code.

    Returns:
        The address with surrounding blanks removed and the country in upper case.

    Raises:
        ValidationError: Naming the first bad part (``addresses[0].country``).
    """
    if not isinstance(address, Address):
        raise ValidationError(field, "expected an Address")
    for part in ("name", "line1", "city"):
        text = getattr(address, part)
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(f"{field}.{part}", "must not be empty")
    country = address.country.strip().upper() if isinstance(address.country, str) else ""
    if not _COUNTRY.fullmatch(country):
        raise ValidationError(f"{field}.country", "give a two-letter ISO 3166 code such as 'DE'")
    for part in ("postal_code", "line2", "region", "company"):
        if not isinstance(getattr(address, part), str):
            raise ValidationError(f"{field}.{part}", "must be text")
    if len(address.postal_code.strip()) > 12:
        raise ValidationError(f"{field}.postal_code", "at most 12 characters")
    return Address(
        name=address.name.strip(),
        line1=address.line1.strip(),
        city=address.city.strip(),
        country=country,
        postal_code=address.postal_code.strip(),
        line2=address.line2.strip(),
        region=address.region.strip(),
        company=address.company.strip(),
    )


def check_channel(value: object, field: str = "preferred_channel") -> str:
    """Check a notification channel: ``email``, ``sms``, ``phone``, ``post`` or ``none``."""
    if value not in _CHANNELS:
        raise ValidationError(field, f"one of {', '.join(sorted(_CHANNELS))}")
    assert isinstance(value, str)
    return value
