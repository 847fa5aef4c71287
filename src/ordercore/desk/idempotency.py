"""Idempotency keys: the same request twice gives the same result, once."""

from __future__ import annotations

from ordercore.errors import ValidationError
from ordercore.serialization import JSONValue, fingerprint

__all__ = ["MAX_KEY_LENGTH", "check_idempotency_key", "request_fingerprint"]

MAX_KEY_LENGTH = 255


def check_idempotency_key(key: object) -> str:
    """Return ``key`` if it is a usable idempotency key.

    Raises:
        ValidationError: If it is not a non-empty string of at most 255 characters.
    """
    if not isinstance(key, str) or not key.strip():
        raise ValidationError("idempotency_key", "must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError("idempotency_key", f"must be at most {MAX_KEY_LENGTH} characters")
    return key


def request_fingerprint(action: str, subject: str, request: JSONValue) -> str:
    """Return the digest that identifies a request for idempotency checks.

    Two calls with one key are "the same request" when action, subject and the canonical JSON of
    the request are equal.
    """
    return fingerprint({"action": action, "subject": subject, "request": request}, "request")
