"""Masking of personal data for logs, exports and reprs.

A value is masked by keeping just enough to recognise it (``j***@e***.com``, ``+44*******89``) and
hiding the rest. :func:`mask_personal_data` walks JSON-ready data and masks every value whose key
names personal data, so notifiers and exports can pass whole payloads through it.
"""

from __future__ import annotations

from collections.abc import Mapping

from ordercore.serialization import JSONValue

__all__ = ["PERSONAL_KEYS", "mask_email", "mask_personal_data", "mask_phone", "mask_text"]

PERSONAL_KEYS = frozenset(
    {
        "address",
        "address_line",
        "address1",
        "address2",
        "birthday",
        "city",
        "contact",
        "email",
        "first_name",
        "full_name",
        "last_name",
        "line1",
        "line2",
        "name",
        "phone",
        "postal_code",
        "postcode",
        "recipient",
        "street",
        "zip",
    }
)
"""Keys whose values are personal data wherever they appear in a payload."""


def mask_text(value: str) -> str:
    """Keep the first character and hide the rest (``"Ada Lovelace"`` -> ``"A***"``)."""
    return f"{value[:1]}***" if value else value


def mask_email(value: str) -> str:
    """Mask an e-mail address, keeping the first letters and the top-level domain."""
    local, at, domain = value.partition("@")
    if not at:
        return mask_text(value)
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{mask_text(host)}{dot}{tld}" if dot else mask_text(domain)
    return f"{mask_text(local)}@{masked_domain}"


def mask_phone(value: str) -> str:
    """Mask a phone number, keeping a leading ``+``, the first two and the last two digits."""
    digits = [char for char in value if char.isdigit()]
    if len(digits) <= 4:
        return "*" * len(digits)
    prefix = "+" if value.strip().startswith("+") else ""
    return prefix + "".join(digits[:2]) + "*" * (len(digits) - 4) + "".join(digits[-2:])


def _mask_text_shaped_by(key: str, value: str) -> str:
    lowered = key.lower()
    if "email" in lowered or "@" in value:
        return mask_email(value)
    if "phone" in lowered:
        return mask_phone(value)
    return mask_text(value)


def _mask_personal(key: str, value: JSONValue, *, numbers: bool) -> JSONValue:
    """Mask ``value``, which sits in personal data under ``key``.

    Every text is masked, down to the texts of objects and lists. Numbers are masked only when
    their own key (or the key of the list holding them) is personal: a postal code or phone
    number given as a number is personal, the floor number inside an address object is not.
    """
    if isinstance(value, str):
        return _mask_text_shaped_by(key, value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return _mask_text_shaped_by(key, str(value)) if numbers else value
    if isinstance(value, list):
        return [_mask_personal(key, item, numbers=numbers) for item in value]
    return {
        inner: _mask_personal(inner, item, numbers=_is_personal_key(inner))
        for inner, item in value.items()
    }


def _mask_neutral(value: JSONValue) -> JSONValue:
    """Mask ``value``, which sits under a key that does not name personal data."""
    if isinstance(value, dict):
        return mask_personal_data(value)
    if isinstance(value, list):
        return [_mask_neutral(item) for item in value]
    if isinstance(value, str) and "@" in value:
        return mask_email(value)
    return value


def mask_personal_data(data: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """Return a copy of ``data`` with every personal value masked, at any depth.

    A value is personal when its key is in :data:`PERSONAL_KEYS` (or ends in ``_email``,
    ``_phone`` or ``_name``). Everything under a personal key is masked: texts, texts listed
    in it, the texts of an object it holds, and numbers (masked as their text, so a postal code
    ``90210`` becomes ``"9***"``). Free text that looks like an e-mail address is masked
    wherever it appears; other values under other keys are left as they are.

    Args:
        data: JSON-ready data; it is not changed.

    Returns:
        A masked copy of ``data``.
    """
    return {
        key: _mask_personal(key, value, numbers=True)
        if _is_personal_key(key)
        else _mask_neutral(value)
        for key, value in data.items()
    }


def _is_personal_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in PERSONAL_KEYS or lowered.endswith(("_email", "_phone", "_name"))
