"""What integrations see of a committed domain event."""

from __future__ import annotations

from datetime import datetime

import attrs

from ordercore.clock import ensure_aware_utc
from ordercore.errors import ValidationError
from ordercore.serialization import JSONValue

__all__ = ["CommittedEvent"]


@attrs.frozen(slots=True)
class CommittedEvent:
    """A domain event that has been committed, as ``ordercore_event_committed`` receives it.

    Attributes:
        event_id: Unique id; a redelivery carries the same id.
        stream_type: The aggregate kind (``"order"``).
        stream_id: The aggregate id.
        version: The aggregate's version after the event.
        event_type: The event's name (``"OrderPlaced"``).
        payload: The event's data (JSON-ready; amounts are decimal strings).
        actor: The id of the actor who caused it.
        recorded_at: When it was recorded.
        reason: The reason the command gave, if any.
        correlation_id: Shared by the events of one command.
        personal: Personal data of the event (names, contacts, addresses), kept apart from the
            payload by dotted path (``{"order.contact": {...}}``), or ``None``.
    """

    event_id: str
    stream_type: str
    stream_id: str
    version: int
    event_type: str
    payload: dict[str, JSONValue]
    actor: str
    recorded_at: datetime
    reason: str | None = None
    correlation_id: str | None = None
    personal: dict[str, JSONValue] | None = None

    def to_json(self) -> dict[str, JSONValue]:
        """Return the event as JSON-ready data (for the outbox)."""
        return {
            "event_id": self.event_id,
            "stream_type": self.stream_type,
            "stream_id": self.stream_id,
            "version": self.version,
            "event_type": self.event_type,
            "payload": self.payload,
            "actor": self.actor,
            "recorded_at": self.recorded_at.isoformat(),
            "reason": self.reason,
            "correlation_id": self.correlation_id,
            "personal": self.personal,
        }

    @classmethod
    def from_json(cls, data: dict[str, JSONValue]) -> CommittedEvent:
        """Rebuild an event written by :meth:`to_json`.

        Raises:
            ValidationError: If a field is missing or of the wrong type.
        """
        try:
            payload = data["payload"]
            recorded_at = data["recorded_at"]
            version = data["version"]
            if not isinstance(payload, dict) or not isinstance(recorded_at, str):
                raise TypeError("payload must be an object and recorded_at a string")
            if not isinstance(version, int):
                raise TypeError("version must be an integer")
            reason, correlation_id = data.get("reason"), data.get("correlation_id")
            personal = data.get("personal")
            if personal is not None and not isinstance(personal, dict):
                raise TypeError("personal must be an object")
            return cls(
                event_id=str(data["event_id"]),
                stream_type=str(data["stream_type"]),
                stream_id=str(data["stream_id"]),
                version=version,
                event_type=str(data["event_type"]),
                payload=payload,
                actor=str(data["actor"]),
                recorded_at=ensure_aware_utc(datetime.fromisoformat(recorded_at)),
                reason=None if reason is None else str(reason),
                correlation_id=None if correlation_id is None else str(correlation_id),
                personal=personal,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError("event", f"not a committed event: {exc}") from exc
