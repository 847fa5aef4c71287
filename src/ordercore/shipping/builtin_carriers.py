"""The built-in carriers: ``manual`` and ``table-rate``.

- ``manual``: no carrier system at all. Staff (or an import) give the tracking number when the
  label is "bought" and enter the events, or post them in the plain webhook format
  (:mod:`ordercore.shipping.webhooks`). Its raw codes are the normalized status values.
- ``table-rate``: prices from a weight/zone/service :class:`RateTable` in configuration
  (``DeskConfig.shipping.rate_table``), delivery dates from business-day transit times. Its
  labels are issued locally: the tracking number is derived from the idempotency key, so a
  repeated request gets the same label by construction.

Both keep the labels they issued in the instance (never in a module global), so a desk's
carrier answers for its own labels only.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from ordercore.errors import ValidationError
from ordercore.money import Money
from ordercore.shipping.carriers import (
    CancelRequest,
    CancelResult,
    Label,
    LabelRequest,
    Rate,
    RateRequest,
)
from ordercore.shipping.eta import BusinessCalendar
from ordercore.shipping.tracking import CarrierEvent, StatusTable
from ordercore.shipping.webhooks import parse_plain_webhook

__all__ = ["ManualCarrier", "RateRow", "RateTable", "TableRateCarrier"]


def _digest(key: str, size: int = 10) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:size].upper()


class _LabelBook:
    """The labels an adapter issued, by idempotency key (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_key: dict[str, Label] = {}
        self.voided: set[str] = set()

    def issue(self, key: str, make: Any) -> Label:
        with self._lock:
            label = self.by_key.get(key)
            if label is None:
                label = make()
                self.by_key[key] = label
            return label

    def void(self, tracking_number: str) -> CancelResult:
        with self._lock:
            known = {label.tracking_number for label in self.by_key.values()}
            if tracking_number not in known:
                return CancelResult(False, f"no label {tracking_number}")
            if tracking_number in self.voided:
                return CancelResult(True, "already voided")
            self.voided.add(tracking_number)
            return CancelResult(True, "voided")


class ManualCarrier:
    """Tracking numbers and events entered by staff or an import.

    Args:
        tracking_url: A template with ``{tracking_number}`` for the customer's link, if the
            parcels go with a carrier that has one.
    """

    code = "manual"
    name = "Manual entry"
    status_table = StatusTable.identity()

    def __init__(self, tracking_url: str | None = None) -> None:
        self.tracking_url = tracking_url
        self._labels = _LabelBook()

    @property
    def labels_issued(self) -> int:
        """How many distinct labels (keys) this adapter recorded."""
        return len(self._labels.by_key)

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        """Manual shipping has no price list: it quotes nothing."""
        del request
        return []

    def create_shipment(self, request: LabelRequest) -> Label:
        """Record the tracking number staff gave (or issue a local reference)."""
        number = request.tracking_number or f"MAN-{_digest(request.idempotency_key)}"
        url = (
            None if self.tracking_url is None else self.tracking_url.format(tracking_number=number)
        )

        def make() -> Label:
            return Label(number, f"manual:{request.idempotency_key}", request.service, None, url)

        return self._labels.issue(request.idempotency_key, make)

    def cancel(self, request: CancelRequest) -> CancelResult:
        """Forget a label (nothing to void anywhere else)."""
        return self._labels.void(request.tracking_number)

    def track(self, tracking_numbers: Sequence[str]) -> Sequence[CarrierEvent]:
        """Nothing to fetch: events are entered."""
        del tracking_numbers
        return []

    def parse_webhook(self, payload: Mapping[str, Any]) -> Sequence[CarrierEvent]:
        """Read the plain format (:mod:`ordercore.shipping.webhooks`)."""
        return parse_plain_webhook(self.code, payload)


def _row_money(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, Money) or value.is_negative():
        raise ValidationError("price", "must be a Money amount, 0 or more")


def _row_weight(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValidationError("max_weight_kg", "must be a positive Decimal")


def _row_text(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, "must be non-empty text")


@attrs.frozen(slots=True)
class RateRow:
    """Parcels of ``service`` to ``zone`` up to ``max_weight_kg`` cost ``price``."""

    service: str = attrs.field(validator=_row_text)
    zone: str = attrs.field(validator=_row_text)
    max_weight_kg: Decimal = attrs.field(validator=_row_weight)
    price: Money = attrs.field(validator=_row_money)


def _transit(value: Mapping[str, int]) -> Mapping[str, int]:
    checked = {}
    for service, days in value.items():
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValidationError(f"transit_days[{service}]", "must be a whole number, 0 or more")
        checked[service] = days
    return checked


@attrs.frozen(slots=True)
class RateTable:
    """A weight/zone/service price list.

    Attributes:
        rows: Prices; for a parcel the row of its service and zone with the smallest
            ``max_weight_kg`` that still takes its weight applies.
        zones: Destination country to zone; countries not listed are in ``default_zone``.
        default_zone: The zone of unlisted countries (``""``: they are not served).
        transit_days: Business days in transit per service.
        calendar: Business days and holidays for delivery dates.
    """

    rows: tuple[RateRow, ...] = ()
    zones: Mapping[str, str] = attrs.field(factory=dict)
    default_zone: str = ""
    transit_days: Mapping[str, int] = attrs.field(factory=dict, converter=_transit)
    calendar: BusinessCalendar = attrs.Factory(BusinessCalendar)

    def __attrs_post_init__(self) -> None:
        for index, row in enumerate(self.rows):
            if row.service not in self.transit_days:
                raise ValidationError(
                    f"rows[{index}].service", f"no transit days for {row.service!r}"
                )

    def zone_of(self, country: str) -> str:
        """The zone of a destination country (``""``: not served)."""
        return self.zones.get(country, self.default_zone)

    def quote(self, weight_kg: Decimal, country: str) -> dict[str, Money]:
        """The price of each service that takes this weight to this country."""
        zone = self.zone_of(country)
        prices: dict[str, tuple[Decimal, Money]] = {}
        for row in self.rows:
            if row.zone != zone or row.max_weight_kg < weight_kg:
                continue
            best = prices.get(row.service)
            if best is None or row.max_weight_kg < best[0]:
                prices[row.service] = (row.max_weight_kg, row.price)
        return {service: price for service, (_, price) in sorted(prices.items())}

    @property
    def services(self) -> tuple[str, ...]:
        """The services the table prices."""
        return tuple(sorted({row.service for row in self.rows}))


class TableRateCarrier:
    """Rates from a :class:`RateTable`; labels issued locally.

    Args:
        table: The price list (empty: no quotes).
        tracking_url: A template with ``{tracking_number}`` for the customer's link.
    """

    code = "table-rate"
    name = "Table rates"
    status_table = StatusTable.identity()

    def __init__(self, table: RateTable | None = None, tracking_url: str | None = None) -> None:
        self.table = table or RateTable()
        self.tracking_url = tracking_url
        self._labels = _LabelBook()

    def with_table(self, table: RateTable) -> TableRateCarrier:
        """A carrier like this one with another price list (and no labels yet)."""
        return TableRateCarrier(table, self.tracking_url)

    @property
    def labels_issued(self) -> int:
        """How many distinct labels (keys) this adapter issued."""
        return len(self._labels.by_key)

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        """Quote every service of the table that takes the weight to the destination."""
        quotes = []
        for service, price in self.table.quote(
            request.weight_kg, request.destination.country
        ).items():
            if price.currency != request.currency:
                continue
            days = self.table.transit_days[service]
            deliver_on = self.table.calendar.add_business_days(request.ship_on, days)
            quotes.append(Rate(self.code, service, price, days, deliver_on))
        return quotes

    def create_shipment(self, request: LabelRequest) -> Label:
        """Issue a label for a service of the table (the same one again for a known key).

        Raises:
            ValidationError: If the table has no such service or does not serve the
                destination at this weight.
        """
        if request.service not in self.table.services:
            raise ValidationError("service", f"table-rate has no service {request.service!r}")
        weight = sum((parcel.weight_kg for parcel in request.parcels), Decimal(0))
        price = self.table.quote(weight, request.destination.country).get(request.service)
        if price is None:
            raise ValidationError(
                "destination", f"{request.service} does not take {weight} kg there"
            )
        number = f"TR{_digest(request.idempotency_key, 12)}"
        url = (
            None if self.tracking_url is None else self.tracking_url.format(tracking_number=number)
        )
        days = self.table.transit_days[request.service]

        def make() -> Label:
            return Label(number, f"table-rate:{number}", request.service, price, url, days)

        return self._labels.issue(request.idempotency_key, make)

    def cancel(self, request: CancelRequest) -> CancelResult:
        """Void a label this adapter issued."""
        return self._labels.void(request.tracking_number)

    def track(self, tracking_numbers: Sequence[str]) -> Sequence[CarrierEvent]:
        """Nothing to fetch: events come by webhook or are entered."""
        del tracking_numbers
        return []

    def parse_webhook(self, payload: Mapping[str, Any]) -> Sequence[CarrierEvent]:
        """Read the plain format (:mod:`ordercore.shipping.webhooks`)."""
        return parse_plain_webhook(self.code, payload)


def builtin_carriers() -> list[ManualCarrier | TableRateCarrier]:
    """Fresh instances of the built-in carriers (the desk sets the table from its config)."""
    return [ManualCarrier(), TableRateCarrier()]
