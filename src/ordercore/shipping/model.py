"""Shipments as immutable values: lines, tracking events, exceptions and the shipment itself.

A :class:`Shipment` is its own aggregate: one order has as many as its units leave in (one per
location of the allocation plan, or as the warehouse packs them). Its :attr:`Shipment.status`
says where it is in *our* process (planned, label bought, handed over, delivered); its
:attr:`Shipment.tracking_status` says what the carrier last reported, normalized to
:class:`TrackingStatus`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import attrs

from ordercore.kinds import AggregateKind
from ordercore.money import Money

__all__ = [
    "ORDER_SHIPMENTS",
    "SHIPMENTS",
    "TRACKING_REFS",
    "ExceptionKind",
    "IncidentReason",
    "OrderShipments",
    "Resolution",
    "Shipment",
    "ShipmentException",
    "ShipmentLine",
    "ShipmentStatus",
    "TrackingEvent",
    "TrackingRef",
    "TrackingStatus",
    "tracking_key",
]


class TrackingStatus(enum.Enum):
    """What a carrier says about a parcel, in one vocabulary for every carrier."""

    PRE_TRANSIT = "pre_transit"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED = "delivered"
    DELIVERY_DELAYED = "delivery_delayed"
    ON_HOLD = "on_hold"
    DELIVERY_FAILED = "delivery_failed"
    RETURN_TO_SENDER = "return_to_sender"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class IncidentReason(enum.Enum):
    """Why a parcel is held up, when the carrier says (kept beside the status)."""

    ADDRESS_ISSUE = "address_issue"
    RECIPIENT_ABSENT = "recipient_absent"
    REFUSED = "refused"
    DAMAGED = "damaged"
    CUSTOMS = "customs"
    WEATHER = "weather"
    CARRIER_DELAY = "carrier_delay"
    LOST = "lost"
    OTHER = "other"


class ShipmentStatus(enum.Enum):
    """Where a shipment is in our own process.

    ``planned`` (lines chosen) → ``label_pending`` (a label is being bought; the idempotency key
    is recorded first) → ``labelled`` → ``shipped`` (handed to the carrier; the order's units
    are shipped and their reservations consumed) → ``delivered`` or ``returned``. A shipment not
    yet shipped can be ``cancelled``.
    """

    PLANNED = "planned"
    LABEL_PENDING = "label_pending"
    LABELLED = "labelled"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Whether the shipment has not left yet (its units are still to ship)."""
        return self in _NOT_LEFT


_NOT_LEFT = frozenset(
    {ShipmentStatus.PLANNED, ShipmentStatus.LABEL_PENDING, ShipmentStatus.LABELLED}
)


class ExceptionKind(enum.Enum):
    """A logistics problem an exception rule detects."""

    NO_FIRST_SCAN = "no_first_scan"
    PAST_PROMISED_DATE = "past_promised_date"
    DELIVERY_FAILED = "delivery_failed"
    RETURNED_TO_SENDER = "returned_to_sender"
    NO_MOVEMENT = "no_movement"
    PRESUMED_LOST = "presumed_lost"


class Resolution(enum.Enum):
    """What staff should do about an exception."""

    CONTACT_CARRIER = "contact_carrier"
    RESHIP = "reship"
    REFUND = "refund"


@attrs.frozen(slots=True)
class ShipmentLine:
    """Units of one order line in a shipment."""

    line_id: str
    sku: str
    quantity: int


@attrs.frozen(slots=True)
class TrackingEvent:
    """One carrier scan, normalized.

    Attributes:
        at: When the carrier says it happened (tz-aware).
        status: The normalized status.
        code: The carrier's raw code (kept for support and for duplicate detection).
        location: Where, as the carrier wrote it.
        description: The carrier's words.
        incident: Why it is held up, if the code says.
    """

    at: datetime
    status: TrackingStatus
    code: str
    location: str = ""
    description: str = ""
    incident: IncidentReason | None = None

    @property
    def key(self) -> tuple[datetime, str]:
        """What makes two reports of one parcel the same event: its time and raw code."""
        return (self.at, self.code)


@attrs.frozen(slots=True)
class ShipmentException:
    """A logistics exception opened on a shipment.

    Attributes:
        kind: What went wrong.
        opened_at: When a rule (or an event) opened it.
        detail: What a person should know, in words.
        resolution: The suggested resolution.
        resolved_at: When staff closed it (``None``: open).
        note: Staff's note on closing it.
    """

    kind: ExceptionKind
    opened_at: datetime
    detail: str
    resolution: Resolution
    resolved_at: datetime | None = None
    note: str = ""

    @property
    def is_open(self) -> bool:
        """Whether it still needs someone."""
        return self.resolved_at is None


@attrs.frozen(slots=True)
class Shipment:
    """One parcel (or consignment) of an order, from one location.

    Attributes:
        id: ``shp_...``.
        order_id: The order it ships.
        location: The stock location it leaves from.
        lines: Units per order line.
        carrier: The carrier's code (``"manual"``, ``"table-rate"``, a plugin's).
        service: The carrier's service level (``"standard"``, ``"express"``).
        status: Where it is in our process.
        tracking_status: What the carrier last reported (latest event by time).
        created_at: When it was planned.
        tracking_number: The carrier's tracking number, once a label is bought.
        tracking_url: Where the customer can follow it.
        label_reference: The carrier's label id (to reprint or void it).
        label_cost: What the label cost, if the carrier says.
        label_key: The idempotency key of the label purchase in progress or done.
        label_attempts: Failed carrier calls for the current label key.
        last_error: The last carrier failure, for staff.
        transit_days: Business days in transit (from the carrier's label or the policy).
        promised_on: The delivery date promised to the customer.
        estimated_on: The current delivery estimate.
        labelled_at: When the label was bought.
        shipped_at: When it was handed to the carrier.
        delivered_at: When the carrier reported delivery.
        events: Tracking events, oldest first, without duplicates.
        exceptions: Exceptions opened on it, oldest first.
        version: Starts at 1.
    """

    id: str
    order_id: str
    location: str
    lines: tuple[ShipmentLine, ...]
    carrier: str
    service: str
    status: ShipmentStatus
    created_at: datetime
    tracking_status: TrackingStatus = TrackingStatus.UNKNOWN
    tracking_number: str | None = None
    tracking_url: str | None = None
    label_reference: str | None = None
    label_cost: Money | None = None
    label_key: str | None = None
    label_attempts: int = 0
    last_error: str | None = None
    transit_days: int | None = None
    promised_on: date | None = None
    estimated_on: date | None = None
    labelled_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    events: tuple[TrackingEvent, ...] = ()
    exceptions: tuple[ShipmentException, ...] = ()
    version: int = 1

    @property
    def units(self) -> dict[str, int]:
        """Units per order line."""
        return {line.line_id: line.quantity for line in self.lines}

    @property
    def last_event_at(self) -> datetime | None:
        """The time of the newest tracking event."""
        return self.events[-1].at if self.events else None

    def open_exceptions(self) -> tuple[ShipmentException, ...]:
        """Exceptions not yet resolved."""
        return tuple(item for item in self.exceptions if item.is_open)


def tracking_key(carrier: str, tracking_number: str) -> str:
    """The id of the :class:`TrackingRef` for a carrier's tracking number."""
    return f"{carrier}:{tracking_number}"


@attrs.frozen(slots=True)
class TrackingRef:
    """Which shipment a carrier's tracking number belongs to."""

    id: str
    shipment_id: str
    version: int = 1


@attrs.frozen(slots=True)
class OrderShipments:
    """The shipments of one order, in creation order (an index kept with them)."""

    id: str
    shipment_ids: tuple[str, ...] = ()
    version: int = 0


SHIPMENTS: AggregateKind[Shipment] = AggregateKind("shipment", Shipment)
"""The aggregate kind under which shipments are stored."""
TRACKING_REFS: AggregateKind[TrackingRef] = AggregateKind("shipment_tracking", TrackingRef)
"""Tracking number (``carrier:number``) to shipment."""
ORDER_SHIPMENTS: AggregateKind[OrderShipments] = AggregateKind("order_shipments", OrderShipments)
"""Order id to its shipments."""
