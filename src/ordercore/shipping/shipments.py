"""Shipment decisions as pure functions.

Each takes a shipment and returns it changed, with the events to journal. Nothing here reads
the clock, storage or a carrier. The version counts journaled events: the desk sets it to one
more per event when it saves (:func:`track` sets it itself).

What may happen in which status is a table, :data:`TRANSITIONS`, as for orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType

import attrs

from ordercore._replace import replace
from ordercore.errors import InvalidTransition, ValidationError
from ordercore.orders.model import Order
from ordercore.shipping.carriers import Label
from ordercore.shipping.events import (
    ExceptionOpened,
    ExceptionResolved,
    LabelBought,
    LabelFailed,
    LabelRequested,
    ShipmentCancelled,
    ShipmentDelivered,
    ShipmentReturned,
    ShipmentShipped,
    TrackingRecorded,
)
from ordercore.shipping.model import (
    ExceptionKind,
    Shipment,
    ShipmentException,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
)
from ordercore.shipping.tracking import advance

__all__ = [
    "TRANSITIONS",
    "Room",
    "cancel",
    "choose_lines",
    "close_on_delivery",
    "label_bought",
    "label_failed",
    "open_exceptions",
    "request_label",
    "resolve_exception",
    "ship",
    "track",
]

St = ShipmentStatus

TRANSITIONS: Mapping[str, frozenset[ShipmentStatus]] = MappingProxyType(
    {
        "request_label": frozenset({St.PLANNED, St.LABEL_PENDING}),
        "label_failed": frozenset({St.LABEL_PENDING}),
        "label_bought": frozenset({St.LABEL_PENDING}),
        "ship": frozenset({St.LABELLED}),
        "cancel": frozenset({St.PLANNED, St.LABEL_PENDING, St.LABELLED}),
        "track": frozenset({St.LABELLED, St.SHIPPED, St.DELIVERED, St.RETURNED}),
    }
)
"""Command to the statuses it applies in."""


def _check(shipment: Shipment, command: str) -> None:
    if shipment.status not in TRANSITIONS[command]:
        raise InvalidTransition(f"shipment {shipment.id}", shipment.status.value, command)


@attrs.frozen(slots=True)
class Room:
    """How many units of an order line one more shipment may still take, and why not more.

    Attributes:
        units: The limit.
        reason: What sets it, in words (``"reserved at BER"``).
    """

    units: int
    reason: str


def choose_lines(
    order: Order, requested: Mapping[str, int], room: Mapping[str, Room]
) -> tuple[ShipmentLine, ...]:
    """Check the units asked for against the room each line has, in the order's line order.

    Args:
        order: The order shipped.
        requested: ``{line_id: units}``.
        room: Per line, what may still go into a new shipment from this location.

    Raises:
        ValidationError: Naming the line (``lines[L1].quantity``) and the limit.
    """
    if not isinstance(requested, Mapping) or not requested:
        raise ValidationError("lines", "give {line_id: quantity} with at least one line")
    known = {line.line_id: line for line in order.lines}
    for line_id, quantity in requested.items():
        field = f"lines[{line_id}]"
        if line_id not in known:
            raise ValidationError(field, f"order {order.number} has no such line")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise ValidationError(
                f"{field}.quantity", f"must be a positive whole number, got {quantity!r}"
            )
        limit = room.get(line_id, Room(0, "nothing left to ship"))
        if quantity > limit.units:
            raise ValidationError(
                f"{field}.quantity", f"asks for {quantity} but only {limit.units} {limit.reason}"
            )
    return tuple(
        ShipmentLine(line.line_id, line.sku, requested[line.line_id])
        for line in order.lines
        if line.line_id in requested
    )


def request_label(
    shipment: Shipment, *, key: str, now: datetime
) -> tuple[Shipment, LabelRequested]:
    """Record the idempotency key of a label purchase before the carrier is called.

    A shipment already waiting for its label keeps its key, so a retry asks for the same label.
    """
    _check(shipment, "request_label")
    key = shipment.label_key or key
    changed = replace(shipment, status=St.LABEL_PENDING, label_key=key)
    return changed, LabelRequested(now, key, shipment.carrier, shipment.service)


def label_failed(
    shipment: Shipment, *, error: str, now: datetime, refused: bool = False
) -> tuple[Shipment, LabelFailed]:
    """Count a failed carrier call; the key stays for the retry.

    A request the carrier *refused* (``refused``: it cannot be served, nothing was bought) on
    the key's first call releases the key: the shipment is planned again and may be bought
    with another service or carrier. After an earlier failure the key stays, because that
    call may have bought a label whose answer was lost.
    """
    _check(shipment, "label_failed")
    assert shipment.label_key is not None  # set by request_label
    attempt = shipment.label_attempts + 1
    release = refused and shipment.label_attempts == 0
    if release:
        changed = replace(
            shipment, status=St.PLANNED, label_key=None, label_attempts=0, last_error=error[:500]
        )
    else:
        changed = replace(shipment, label_attempts=attempt, last_error=error[:500])
    return changed, LabelFailed(now, shipment.label_key, attempt, error[:500], release)


def label_bought(
    shipment: Shipment,
    *,
    label: Label,
    now: datetime,
    tracking_url: str | None,
    transit_days: int,
    estimated_on: date | None,
) -> tuple[Shipment, LabelBought]:
    """Record the label the carrier issued."""
    _check(shipment, "label_bought")
    assert shipment.label_key is not None
    changed = replace(
        shipment,
        status=St.LABELLED,
        tracking_number=label.tracking_number,
        tracking_url=label.tracking_url or tracking_url,
        label_reference=label.label_reference,
        label_cost=label.cost,
        service=label.service or shipment.service,
        labelled_at=now,
        last_error=None,
        transit_days=transit_days,
        estimated_on=estimated_on,
        promised_on=shipment.promised_on or estimated_on,
    )
    event = LabelBought(
        now,
        shipment.label_key,
        shipment.carrier,
        changed.service,
        label.tracking_number,
        label.label_reference,
        label.cost,
        estimated_on,
        changed.tracking_url,
        transit_days,
    )
    return changed, event


def ship(
    shipment: Shipment, *, now: datetime, estimated_on: date | None
) -> tuple[Shipment, ShipmentShipped]:
    """Hand the parcel to the carrier."""
    _check(shipment, "ship")
    changed = replace(
        shipment,
        status=St.SHIPPED,
        shipped_at=now,
        estimated_on=estimated_on or shipment.estimated_on,
    )
    return changed, ShipmentShipped(now, changed.estimated_on)


def track(
    shipment: Shipment, events: Iterable[TrackingEvent]
) -> tuple[Shipment, list[TrackingRecorded | ShipmentDelivered | ShipmentReturned]]:
    """Add tracking events; the status follows the latest; a shipped parcel may arrive.

    Delivery and return are only taken from a shipment that has left (``shipped``); a
    ``labelled`` one keeps its carrier status until :func:`ship`, which then follows it.

    Returns:
        The shipment (unchanged when every event was a duplicate) and its
        events to journal.
    """
    _check(shipment, "track")
    history, added, status = advance(shipment.events, shipment.tracking_status, events)
    if not added:
        return shipment, []
    recorded: list[TrackingRecorded | ShipmentDelivered | ShipmentReturned] = [
        TrackingRecorded(added, status)
    ]
    arrival = _arrival(shipment.status, status, history)
    # The version is set here already (one per event), sparing the desk a second copy on the
    # hot path of tracking ingestion.
    if arrival is None:
        version = shipment.version + 1
        return replace(shipment, events=history, tracking_status=status, version=version), recorded
    recorded.append(arrival)
    changed = replace(
        shipment,
        events=history,
        tracking_status=status,
        status=St.DELIVERED if isinstance(arrival, ShipmentDelivered) else St.RETURNED,
        delivered_at=arrival.at if isinstance(arrival, ShipmentDelivered) else None,
        version=shipment.version + 2,
    )
    return changed, recorded


def _arrival(
    status: ShipmentStatus, tracking: TrackingStatus, events: tuple[TrackingEvent, ...]
) -> ShipmentDelivered | ShipmentReturned | None:
    if status is not St.SHIPPED:
        return None
    if tracking is TrackingStatus.DELIVERED:
        return ShipmentDelivered(_time_of(events, tracking))
    if tracking is TrackingStatus.RETURN_TO_SENDER:
        return ShipmentReturned(_time_of(events, tracking))
    return None


def follow_tracking(
    shipment: Shipment,
) -> tuple[Shipment, ShipmentDelivered | ShipmentReturned | None]:
    """Move a shipped parcel to delivered or returned when its tracking status says so.

    Both are final for the shipment: the order's delivered units cannot be taken back by a
    later scan.
    """
    arrival = _arrival(shipment.status, shipment.tracking_status, shipment.events)
    if isinstance(arrival, ShipmentDelivered):
        return replace(shipment, status=St.DELIVERED, delivered_at=arrival.at), arrival
    if isinstance(arrival, ShipmentReturned):
        return replace(shipment, status=St.RETURNED), arrival
    return shipment, None


def _time_of(events: tuple[TrackingEvent, ...], status: TrackingStatus) -> datetime:
    return max(event.at for event in events if event.status is status)


def cancel(shipment: Shipment, *, now: datetime, reason: str) -> tuple[Shipment, ShipmentCancelled]:
    """Cancel a shipment that has not left."""
    _check(shipment, "cancel")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("reason", "a reason is required")
    changed = replace(shipment, status=St.CANCELLED)
    return changed, ShipmentCancelled(now, reason)


def open_exceptions(
    shipment: Shipment, found: Iterable[ShipmentException]
) -> tuple[Shipment, list[ExceptionOpened]]:
    """Add exceptions the rules found (the caller has left out kinds already opened)."""
    opened = [ExceptionOpened(item) for item in found]
    if not opened:
        return shipment, []
    changed = replace(
        shipment,
        exceptions=shipment.exceptions + tuple(event.exception for event in opened),
    )
    return changed, opened


def close_on_delivery(
    shipment: Shipment, *, at: datetime
) -> tuple[Shipment, list[ExceptionResolved]]:
    """Close the exceptions still open on a parcel that was delivered after all."""
    still_open = shipment.open_exceptions()
    if not still_open:
        return shipment, []
    items = tuple(
        replace(item, resolved_at=at, note="delivered") if item.is_open else item
        for item in shipment.exceptions
    )
    closed = [ExceptionResolved(at, item.kind, "delivered") for item in still_open]
    return replace(shipment, exceptions=items), closed


def resolve_exception(
    shipment: Shipment, kind: ExceptionKind, *, now: datetime, note: str
) -> tuple[Shipment, ExceptionResolved]:
    """Close the open exception of ``kind``.

    Raises:
        ValidationError: If no exception of that kind is open, or the note is empty.
    """
    if not isinstance(note, str) or not note.strip():
        raise ValidationError("note", "say how it was resolved")
    items = list(shipment.exceptions)
    for index, item in enumerate(items):
        if item.kind is kind and item.is_open:
            items[index] = replace(item, resolved_at=now, note=note)
            changed = replace(shipment, exceptions=tuple(items))
            return changed, ExceptionResolved(now, kind, note)
    raise ValidationError("kind", f"shipment {shipment.id} has no open {kind.value} exception")
