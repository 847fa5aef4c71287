"""The events a shipment journals (stream ``shipment``), one per change of its state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType

import attrs

from ordercore.money import Money
from ordercore.shipping.model import (
    ExceptionKind,
    Shipment,
    ShipmentException,
    TrackingEvent,
    TrackingStatus,
)

__all__ = [
    "EVENT_TYPES",
    "ExceptionOpened",
    "ExceptionResolved",
    "LabelBought",
    "LabelFailed",
    "LabelRequested",
    "ShipmentCancelled",
    "ShipmentDelivered",
    "ShipmentEvent",
    "ShipmentPlanned",
    "ShipmentReturned",
    "ShipmentShipped",
    "TrackingRecorded",
]


@attrs.frozen(slots=True)
class ShipmentPlanned:
    """A shipment was planned (its lines, location, carrier and service)."""

    shipment: Shipment


@attrs.frozen(slots=True)
class LabelRequested:
    """A label purchase starts; the key is recorded before the carrier is called."""

    at: datetime
    idempotency_key: str
    carrier: str
    service: str


@attrs.frozen(slots=True)
class LabelFailed:
    """A carrier call for the label failed or timed out.

    ``key_released``: the carrier refused the request before anything was bought, so the key
    was dropped and the shipment is planned again.
    """

    at: datetime
    idempotency_key: str
    attempt: int
    error: str
    key_released: bool = False


@attrs.frozen(slots=True)
class LabelBought:
    """The carrier issued the label."""

    at: datetime
    idempotency_key: str
    carrier: str
    service: str
    tracking_number: str
    label_reference: str
    cost: Money | None
    estimated_on: date | None
    tracking_url: str | None = None
    transit_days: int | None = None


@attrs.frozen(slots=True)
class ShipmentShipped:
    """The parcel was handed to the carrier; the order's units shipped with it."""

    at: datetime
    estimated_on: date | None


@attrs.frozen(slots=True)
class TrackingRecorded:
    """New tracking events (duplicates left out) and the status they lead to."""

    events: tuple[TrackingEvent, ...]
    status: TrackingStatus


@attrs.frozen(slots=True)
class ShipmentDelivered:
    """The carrier reported the parcel delivered."""

    at: datetime


@attrs.frozen(slots=True)
class ShipmentReturned:
    """The carrier is sending the parcel back."""

    at: datetime


@attrs.frozen(slots=True)
class ShipmentCancelled:
    """The shipment was cancelled before it left (its label voided if it had one)."""

    at: datetime
    reason: str


@attrs.frozen(slots=True)
class ExceptionOpened:
    """An exception rule fired."""

    exception: ShipmentException


@attrs.frozen(slots=True)
class ExceptionResolved:
    """Staff closed an exception."""

    at: datetime
    kind: ExceptionKind
    note: str


ShipmentEvent = (
    ShipmentPlanned
    | LabelRequested
    | LabelFailed
    | LabelBought
    | ShipmentShipped
    | TrackingRecorded
    | ShipmentDelivered
    | ShipmentReturned
    | ShipmentCancelled
    | ExceptionOpened
    | ExceptionResolved
)
"""Any shipment event."""

EVENT_TYPES: Mapping[str, type[ShipmentEvent]] = MappingProxyType(
    {
        cls.__name__: cls
        for cls in (
            ShipmentPlanned,
            LabelRequested,
            LabelFailed,
            LabelBought,
            ShipmentShipped,
            TrackingRecorded,
            ShipmentDelivered,
            ShipmentReturned,
            ShipmentCancelled,
            ExceptionOpened,
            ExceptionResolved,
        )
    }
)
"""Event type name (as journaled) to class."""
