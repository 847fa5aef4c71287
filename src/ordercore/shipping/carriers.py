"""The contract of a carrier adapter, and the typed values it takes and returns.

A carrier adapter is offered through the ``ordercore_carriers`` hook. It is split the way good
carrier integrations are: the *mapping* of the carrier's raw status codes is a pure
:class:`~ordercore.shipping.tracking.StatusTable` (data, tested on its own), and the methods do
the talking. The desk calls every method outside any unit of work, under a time limit, and
retries :meth:`CarrierAdapter.create_shipment` with the **same idempotency key**: an adapter
must return the label it already bought for a key it has seen, never buy a second one. That is
what lets the desk reconcile a purchase whose answer was lost.

``ordercore.testing.carrier_contract`` holds the conformance tests every adapter should pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import attrs

from ordercore.errors import ValidationError
from ordercore.money import Money
from ordercore.shipping.model import ShipmentLine
from ordercore.shipping.tracking import CarrierEvent, StatusTable

__all__ = [
    "CancelRequest",
    "CancelResult",
    "CarrierAdapter",
    "Label",
    "LabelRequest",
    "Parcel",
    "Place",
    "Rate",
    "RateRequest",
]


def _positive_decimal(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValidationError(attribute.name, "must be a positive Decimal")


@attrs.frozen(slots=True)
class Place:
    """Where a parcel leaves from or goes to, as far as rating needs to know.

    Attributes:
        country: ISO 3166-1 alpha-2 code.
        postal_code: Postal code, if any.
        region: Region or state, if any.
    """

    country: str
    postal_code: str = ""
    region: str = ""


@attrs.frozen(slots=True)
class Parcel:
    """A box: its weight in kilograms (and, optionally, its size in centimetres)."""

    weight_kg: Decimal = attrs.field(validator=_positive_decimal)
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None


@attrs.frozen(slots=True)
class RateRequest:
    """What a carrier needs to quote.

    Attributes:
        origin: Where it leaves from.
        destination: Where it goes.
        parcels: The boxes.
        ship_on: The day it is handed over.
        currency: The currency to quote in.
    """

    origin: Place
    destination: Place
    parcels: tuple[Parcel, ...]
    ship_on: date
    currency: str

    @property
    def weight_kg(self) -> Decimal:
        """Total weight."""
        return sum((parcel.weight_kg for parcel in self.parcels), Decimal(0))


@attrs.frozen(slots=True)
class Rate:
    """One carrier service's quote.

    Attributes:
        carrier: The carrier's code.
        service: The service level.
        amount: The price.
        transit_days: Business days in transit.
        deliver_on: The delivery day the carrier promises, if it says.
    """

    carrier: str
    service: str
    amount: Money
    transit_days: int
    deliver_on: date | None = None


@attrs.frozen(slots=True)
class LabelRequest:
    """A label to buy.

    Attributes:
        idempotency_key: The same key must give the same label, however often it is sent.
        shipment_id: Our shipment.
        service: The service level.
        origin: Where it leaves from.
        destination: Where it goes.
        parcels: The boxes.
        ship_on: The day it is handed over.
        lines: What is inside (for customs and the carrier's manifest).
        tracking_number: A tracking number staff already have (manual carriers only).
    """

    idempotency_key: str
    shipment_id: str
    service: str
    origin: Place
    destination: Place
    parcels: tuple[Parcel, ...]
    ship_on: date
    lines: tuple[ShipmentLine, ...] = ()
    tracking_number: str | None = None


@attrs.frozen(slots=True)
class Label:
    """A bought label.

    Attributes:
        tracking_number: The parcel's tracking number.
        label_reference: The carrier's id of the label (to reprint or void it).
        service: The service level it was bought for.
        cost: What it cost, if the carrier says.
        tracking_url: Where the customer can follow the parcel.
        transit_days: Business days in transit, if the carrier says.
    """

    tracking_number: str
    label_reference: str
    service: str
    cost: Money | None = None
    tracking_url: str | None = None
    transit_days: int | None = None


@attrs.frozen(slots=True)
class CancelRequest:
    """A label to void."""

    tracking_number: str
    label_reference: str


@attrs.frozen(slots=True)
class CancelResult:
    """Whether the carrier voided the label, and what it said."""

    cancelled: bool
    message: str = ""


@runtime_checkable
class CarrierAdapter(Protocol):
    """A carrier integration: rates, labels, cancellation, tracking and webhooks.

    Attributes:
        code: Unique carrier code (``"manual"``, ``"table-rate"``, ``"acme"``).
        name: Display name.
        status_table: The carrier's raw codes and their normalized statuses.
    """

    code: str
    name: str
    status_table: StatusTable

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        """Quote every service that can take the parcels (none: an empty list)."""
        ...

    def create_shipment(self, request: LabelRequest) -> Label:
        """Buy a label; a key seen before returns the label bought for it, buying nothing.

        Raises:
            ValidationError: If the request cannot be served (unknown service, ...).
            Exception: Anything else means "failed, try again with the same key".
        """
        ...

    def cancel(self, request: CancelRequest) -> CancelResult:
        """Void a label that has not been used."""
        ...

    def track(self, tracking_numbers: Sequence[str]) -> Sequence[CarrierEvent]:
        """Fetch the events of these parcels (unknown numbers give no events)."""
        ...

    def parse_webhook(self, payload: Mapping[str, Any]) -> Sequence[CarrierEvent]:
        """Turn a webhook body (decoded JSON) into events.

        Raises:
            ValidationError: If the payload is malformed, naming the field.
        """
        ...
