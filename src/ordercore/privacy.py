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


def _mask_value(key: str, value: JSONValue) -> JSONValue:
    if isinstance(value, str):
        if "email" in key or "@" in value:
            return mask_email(value)
        if "phone" in key:
            return mask_phone(value)
        return mask_text(value)
    if isinstance(value, dict | list):
        return _mask_all(value)
    return value


def _mask_all(value: JSONValue) -> JSONValue:
    if isinstance(value, dict):
        return {key: _mask_value(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_all(item) for item in value]
    if isinstance(value, str) and "@" in value:
        return mask_email(value)
    return value


def mask_personal_data(data: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """Return a copy of ``data`` with every personal value masked, at any depth.

    A value is personal when its key is in :data:`PERSONAL_KEYS` (or ends in ``_email`` or
    ``_phone``); free text that looks like an e-mail address is masked wherever it appears.
    """
    masked: dict[str, JSONValue] = {}
    for key, value in data.items():
        if _is_personal_key(key):
            masked[key] = _mask_value(key, value)
        elif isinstance(value, dict):
            masked[key] = mask_personal_data(value)
        else:
            masked[key] = _mask_all(value)
    return masked


def _is_personal_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in PERSONAL_KEYS or lowered.endswith(("_email", "_phone", "_name"))
