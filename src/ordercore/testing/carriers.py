"""A scripted carrier for tests: its own raw codes and webhook format, and failures on demand.

:class:`ScriptedCarrier` behaves like a small third-party carrier API. Register it as a plugin
(it implements ``ordercore_carriers``) and tell it to fail, to lose its answer after buying a
label (the case idempotency keys exist for), or to hang until released.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordercore.errors import ValidationError
from ordercore.hookspecs import hookimpl
from ordercore.money import Money
from ordercore.shipping.carriers import (
    CancelRequest,
    CancelResult,
    CarrierAdapter,
    Label,
    LabelRequest,
    Rate,
    RateRequest,
)
from ordercore.shipping.model import IncidentReason, TrackingStatus
from ordercore.shipping.tracking import CarrierEvent, StatusTable

__all__ = ["SCRIPTED_CODES", "CarrierFailure", "ScriptedCarrier"]

S = TrackingStatus

SCRIPTED_CODES = StatusTable.of(
    [
        ("LBL", S.PRE_TRANSIT),
        ("PU", S.IN_TRANSIT),
        ("HUB", S.IN_TRANSIT),
        ("DLY", S.DELIVERY_DELAYED, IncidentReason.WEATHER),
        ("OFD", S.OUT_FOR_DELIVERY),
        ("PKP", S.AVAILABLE_FOR_PICKUP),
        ("DEL", S.DELIVERED),
        ("NA1", S.DELIVERY_FAILED, IncidentReason.RECIPIENT_ABSENT),
        ("ADR", S.DELIVERY_FAILED, IncidentReason.ADDRESS_ISSUE),
        ("HLD", S.ON_HOLD, IncidentReason.CUSTOMS),
        ("RTS", S.RETURN_TO_SENDER, IncidentReason.REFUSED),
        ("VOID", S.CANCELLED),
    ]
)
"""The raw codes of :class:`ScriptedCarrier` and what they mean."""


class CarrierFailure(RuntimeError):
    """Raised by a :class:`ScriptedCarrier` told to fail."""


class ScriptedCarrier:
    """A fake carrier API with failures on demand.

    Args:
        code: Its carrier code.
        fail_first: How many ``create_shipment`` calls fail before it succeeds.
        lose_answer: Failing calls buy the label first and then fail (the answer is lost).
        hang: Every ``create_shipment`` call blocks until :meth:`release` (then fails).
        prices: Service to (price per kg, transit business days).
        currency: The currency of its prices.
        on_call: Called at the start of every ``create_shipment`` (for example to look at the
            desk while the carrier is being called).

    Attributes:
        labels_bought: Labels actually bought (one per distinct idempotency key).
        calls: ``create_shipment`` calls, failed ones included.
        feed: Tracking events the carrier "has", returned by :meth:`track`.
    """

    name = "Scripted test carrier"
    status_table = SCRIPTED_CODES

    def __init__(
        self,
        code: str = "scripted",
        *,
        fail_first: int = 0,
        lose_answer: bool = False,
        hang: bool = False,
        prices: Mapping[str, tuple[Decimal, int]] | None = None,
        currency: str = "EUR",
        on_call: Any = None,
    ) -> None:
        self.code = code
        self.plugin_name = f"scripted-carrier-{code}"
        self.fail_first = fail_first
        self.lose_answer = lose_answer
        self.hang = hang
        self.prices = dict(prices or {"ground": (Decimal("2.50"), 4), "air": (Decimal("6.00"), 1)})
        self.currency = currency
        self.on_call = on_call
        self.calls = 0
        self.feed: list[CarrierEvent] = []
        self._labels: dict[str, Label] = {}
        self._voided: set[str] = set()
        self._lock = threading.Lock()
        self._released = threading.Event()

    @property
    def labels_bought(self) -> int:
        """Labels bought (distinct idempotency keys)."""
        return len(self._labels)

    def release(self) -> None:
        """Let hanging calls return (they fail)."""
        self._released.set()

    @hookimpl
    def ordercore_carriers(self) -> Iterable[CarrierAdapter]:
        """Register this carrier."""
        return [self]

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        """A price per kg per service, in its own currency only."""
        if request.currency != self.currency:
            return []
        return [
            Rate(self.code, service, Money(per_kg * request.weight_kg, self.currency), days)
            for service, (per_kg, days) in sorted(self.prices.items())
        ]

    def create_shipment(self, request: LabelRequest) -> Label:
        """Buy a label, or fail as scripted; a known key returns its label."""
        if self.on_call is not None:
            self.on_call(request)
        with self._lock:
            self.calls += 1
            failing = self.calls <= self.fail_first
            if request.service not in self.prices:
                raise ValidationError("service", f"{self.code} has no service {request.service!r}")
            if failing and not self.lose_answer:
                raise CarrierFailure(f"planned failure {self.calls} of {self.fail_first}")
            label = self._labels.get(request.idempotency_key)
            if label is None:
                number = hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:12]
                price, days = self.prices[request.service]
                weight = sum((parcel.weight_kg for parcel in request.parcels), Decimal(0))
                label = Label(
                    tracking_number=f"{self.code.upper()}{number}",
                    label_reference=f"{self.code}-label-{len(self._labels) + 1}",
                    service=request.service,
                    cost=Money(price * weight, self.currency),
                    tracking_url=f"https://track.example/{self.code}/{number}",
                    transit_days=days,
                )
                self._labels[request.idempotency_key] = label
            if failing:
                raise CarrierFailure(f"planned failure {self.calls}: the answer was lost")
        if self.hang:
            self._released.wait()
            raise CarrierFailure("released after hanging")
        return label

    def cancel(self, request: CancelRequest) -> CancelResult:
        """Void a label it issued."""
        with self._lock:
            known = {label.tracking_number for label in self._labels.values()}
            if request.tracking_number not in known:
                return CancelResult(False, "unknown label")
            self._voided.add(request.tracking_number)
            return CancelResult(True, "voided")

    def track(self, tracking_numbers: Sequence[str]) -> Sequence[CarrierEvent]:
        """The events of :attr:`feed` for these numbers."""
        wanted = set(tracking_numbers)
        return [event for event in self.feed if event.tracking_number in wanted]

    def parse_webhook(self, payload: Mapping[str, Any]) -> Sequence[CarrierEvent]:
        """Its own format: ``{"parcel": "...", "scans": [{"ts": "...", "status_code": "..."}]}``.

        Raises:
            ValidationError: Naming the malformed field.
        """
        if not isinstance(payload, Mapping):
            raise ValidationError("payload", "must be a JSON object")
        parcel = payload.get("parcel")
        if not isinstance(parcel, str) or not parcel:
            raise ValidationError("parcel", "must be the tracking number")
        scans = payload.get("scans")
        if not isinstance(scans, list) or not scans:
            raise ValidationError("scans", "must be a non-empty list")
        events = []
        for index, scan in enumerate(scans):
            field = f"scans[{index}]"
            if not isinstance(scan, Mapping):
                raise ValidationError(field, "must be an object")
            code = scan.get("status_code")
            if not isinstance(code, str) or not code:
                raise ValidationError(f"{field}.status_code", "must be text")
            try:
                at = datetime.fromisoformat(str(scan.get("ts")))
            except ValueError as exc:
                raise ValidationError(f"{field}.ts", "must be an ISO 8601 time") from exc
            if at.utcoffset() is None:
                raise ValidationError(f"{field}.ts", "needs a time zone")
            place = scan.get("place", "")
            events.append(CarrierEvent(self.code, parcel, at, code, str(place)))
        return events

    def scan(self, tracking_number: str, at: datetime, code: str, place: str = "") -> CarrierEvent:
        """Add an event to :attr:`feed` (what :meth:`track` will return) and return it."""
        event = CarrierEvent(self.code, tracking_number, at, code, place)
        self.feed.append(event)
        return event
