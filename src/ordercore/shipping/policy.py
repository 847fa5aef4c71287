"""Settings of ``desk.shipping``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from ordercore.errors import ValidationError
from ordercore.shipping.builtin_carriers import RateTable
from ordercore.shipping.carriers import Place
from ordercore.shipping.eta import BusinessCalendar
from ordercore.shipping.exceptions import ExceptionPolicy

__all__ = ["ShippingPolicy"]


def _positive_duration(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(attribute.name, "must be a positive duration (a timedelta)")


def _non_negative_duration(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValidationError(attribute.name, "must be a duration of 0 or more (a timedelta)")


def _attempts(_: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(attribute.name, "must be a positive whole number")


def _staff(_: Any, attribute: Any, value: Any) -> None:
    if value is not None and (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(v, str) for v in value)
    ):
        raise ValidationError(attribute.name, "give (channel, recipient) or None")


@attrs.frozen(slots=True)
class ShippingPolicy:
    """How shipments are rated, labelled, estimated and watched.

    Attributes:
        default_carrier: The carrier of shipments made without one.
        default_service: Their service level.
        transit_days: Business days in transit per service level, for estimates when the
            carrier gives none.
        calendar: Business days and holidays for estimates.
        rate_table: The price list of the built-in ``table-rate`` carrier.
        origins: Location code to the place it ships from (for rating); unknown locations
            ship from ``default_origin``.
        default_origin: Where a location not in ``origins`` ships from.
        carrier_timeout: How long one carrier call may take before it counts as failed.
        label_attempts: Carrier calls per label purchase before giving up for now (the
            shipment keeps its idempotency key; :meth:`reconcile_labels` tries again).
        retry_pause: The wait after the first failed call (doubling after each).
        exceptions: When the exception rules fire.
        staff: ``(channel, recipient)`` told about exceptions, or ``None``.
        tracking_urls: Carrier code to a link template with ``{tracking_number}``, for
            carriers whose labels come without a link.
    """

    default_carrier: str = "manual"
    default_service: str = "standard"
    transit_days: Mapping[str, int] = attrs.field(
        factory=lambda: {"standard": 3, "express": 1, "economy": 5}
    )
    calendar: BusinessCalendar = attrs.Factory(BusinessCalendar)
    rate_table: RateTable = attrs.Factory(RateTable)
    origins: Mapping[str, Place] = attrs.field(factory=dict)
    default_origin: Place = attrs.Factory(lambda: Place("DE"))
    carrier_timeout: timedelta = attrs.field(
        default=timedelta(seconds=10), validator=_positive_duration
    )
    label_attempts: int = attrs.field(default=3, validator=_attempts)
    retry_pause: timedelta = attrs.field(
        default=timedelta(milliseconds=200), validator=_non_negative_duration
    )
    exceptions: ExceptionPolicy = attrs.Factory(ExceptionPolicy)
    staff: tuple[str, str] | None = attrs.field(default=None, validator=_staff)
    tracking_urls: Mapping[str, str] = attrs.field(factory=dict)

    def origin_of(self, location: str) -> Place:
        """Where ``location`` ships from."""
        return self.origins.get(location, self.default_origin)

    def transit_for(self, service: str) -> int:
        """Business days in transit for ``service`` (the standard service's if unknown)."""
        return self.transit_days.get(service, self.transit_days.get("standard", 3))
