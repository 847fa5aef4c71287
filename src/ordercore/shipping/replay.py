"""Rebuilding a shipment from its journaled events (an audit compares it with the stored one).

:func:`evolve` applies one event; :func:`replay` folds them from :class:`ShipmentPlanned`. The
version is the number of events, as the desk stores it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ordercore._replace import replace
from ordercore.errors import ValidationError
from ordercore.shipping.events import (
    ExceptionOpened,
    ExceptionResolved,
    LabelBought,
    LabelFailed,
    LabelRequested,
    ShipmentCancelled,
    ShipmentDelivered,
    ShipmentEvent,
    ShipmentPlanned,
    ShipmentReturned,
    ShipmentShipped,
    TrackingRecorded,
)
from ordercore.shipping.model import Shipment, ShipmentStatus
from ordercore.shipping.tracking import advance

__all__ = ["evolve", "replay"]

St = ShipmentStatus


def evolve(shipment: Shipment, event: ShipmentEvent) -> Shipment:
    """Apply one event to ``shipment`` (its version goes up by one)."""
    version = shipment.version + 1
    if isinstance(event, LabelRequested):
        return replace(
            shipment,
            status=St.LABEL_PENDING,
            label_key=event.idempotency_key,
            carrier=event.carrier,
            service=event.service,
            version=version,
        )
    if isinstance(event, LabelFailed):
        if event.key_released:
            return replace(
                shipment,
                status=St.PLANNED,
                label_key=None,
                label_attempts=0,
                last_error=event.error,
                version=version,
            )
        return replace(
            shipment, label_attempts=event.attempt, last_error=event.error, version=version
        )
    if isinstance(event, LabelBought):
        return replace(
            shipment,
            status=St.LABELLED,
            tracking_number=event.tracking_number,
            tracking_url=event.tracking_url,
            label_reference=event.label_reference,
            label_cost=event.cost,
            service=event.service,
            labelled_at=event.at,
            last_error=None,
            transit_days=event.transit_days,
            estimated_on=event.estimated_on,
            promised_on=shipment.promised_on or event.estimated_on,
            version=version,
        )
    if isinstance(event, ShipmentShipped):
        return replace(
            shipment,
            status=St.SHIPPED,
            shipped_at=event.at,
            estimated_on=event.estimated_on,
            version=version,
        )
    if isinstance(event, TrackingRecorded):
        history, _, status = advance(shipment.events, shipment.tracking_status, event.events)
        return replace(shipment, events=history, tracking_status=status, version=version)
    if isinstance(event, ShipmentDelivered):
        return replace(shipment, status=St.DELIVERED, delivered_at=event.at, version=version)
    if isinstance(event, ShipmentReturned):
        return replace(shipment, status=St.RETURNED, version=version)
    if isinstance(event, ShipmentCancelled):
        return replace(shipment, status=St.CANCELLED, version=version)
    if isinstance(event, ExceptionOpened):
        return replace(
            shipment, exceptions=(*shipment.exceptions, event.exception), version=version
        )
    if isinstance(event, ExceptionResolved):
        items = list(shipment.exceptions)
        for index, item in enumerate(items):
            if item.kind is event.kind and item.is_open:
                items[index] = replace(item, resolved_at=event.at, note=event.note)
                break
        return replace(shipment, exceptions=tuple(items), version=version)
    raise ValidationError("event", f"{type(event).__name__} does not apply to a shipment")


def replay(events: Iterable[ShipmentEvent]) -> Shipment:
    """Rebuild a shipment from its events, the first being :class:`ShipmentPlanned`.

    Raises:
        ValidationError: If the first event is not ``ShipmentPlanned`` or there are none.
    """
    iterator = iter(events)
    first = next(iterator, None)
    if not isinstance(first, ShipmentPlanned):
        raise ValidationError("events", "a shipment's history starts with ShipmentPlanned")
    shipment = replace(first.shipment, version=1)
    for event in iterator:
        shipment = evolve(shipment, event)
    return shipment
