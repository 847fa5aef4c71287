"""The plain webhook and import format the built-in carriers read.

One parcel per payload::

    {"tracking_number": "TR1234",
     "events": [{"at": "2025-03-03T09:00:00+00:00", "code": "in_transit",
                 "location": "Berlin", "description": "Departed hub"}]}

``location`` and ``description`` are optional. Anything else is refused with a
:class:`~ordercore.errors.ValidationError` naming the field (``events[1].at``), so that a bad
payload is answered and nothing of it is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ordercore.errors import ValidationError
from ordercore.shipping.tracking import CarrierEvent

__all__ = ["parse_plain_webhook"]


def _text(value: Any, field: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(field, "must be non-empty text" if required else "must be text")
    return value


def _time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise ValidationError(field, "must be an ISO 8601 time with a time zone")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(field, f"not an ISO 8601 time: {value!r}") from exc
    if parsed.utcoffset() is None:
        raise ValidationError(field, "needs a time zone")
    return parsed


def parse_plain_webhook(carrier: str, payload: Mapping[str, Any]) -> list[CarrierEvent]:
    """Read a payload in the plain format into events of ``carrier``.

    Raises:
        ValidationError: Naming the first malformed field.
    """
    if not isinstance(payload, Mapping):
        raise ValidationError("payload", "must be a JSON object")
    number = _text(payload.get("tracking_number"), "tracking_number")
    raw_events = payload.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise ValidationError("events", "must be a non-empty list")
    events = []
    for index, raw in enumerate(raw_events):
        field = f"events[{index}]"
        if not isinstance(raw, Mapping):
            raise ValidationError(field, "must be an object")
        events.append(
            CarrierEvent(
                carrier=carrier,
                tracking_number=number,
                at=_time(raw.get("at"), f"{field}.at"),
                code=_text(raw.get("code"), f"{field}.code"),
                location=_text(raw.get("location"), f"{field}.location", required=False),
                description=_text(raw.get("description"), f"{field}.description", required=False),
            )
        )
    return events
