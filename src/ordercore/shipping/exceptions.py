"""Logistics exception rules: pure functions of (shipment, now, policy).

Each rule looks at one shipment at one moment and says whether an exception of its kind is due,
with a suggested resolution. A rule fires *at* its boundary (``now`` equal to the limit) and
never before; the desk opens each kind at most once per shipment.

==================  ==============================================  ==================
kind                fires when                                      suggested
==================  ==============================================  ==================
no_first_scan       labelled, no carrier scan N days after label    contact carrier
past_promised_date  not delivered, the promised day is over         contact carrier
delivery_failed     the latest status is delivery_failed            contact carrier
returned_to_sender  the latest status is return_to_sender           reship
no_movement         shipped, no new event for N days                contact carrier
presumed_lost       shipped, no new event for N days (longer)       reship
==================  ==============================================  ==================
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import attrs

from ordercore.errors import ValidationError
from ordercore.shipping.model import (
    ExceptionKind,
    Resolution,
    Shipment,
    ShipmentException,
    ShipmentStatus,
    TrackingStatus,
)

__all__ = [
    "EXCEPTION_RULES",
    "ExceptionPolicy",
    "ExceptionRule",
    "due_exceptions",
    "due_on_news",
]


def _positive(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(attribute.name, "must be a positive duration (a timedelta)")


@attrs.frozen(slots=True)
class ExceptionPolicy:
    """When the exception rules fire.

    Attributes:
        no_first_scan_after: A labelled parcel with no carrier scan this long after the label.
        no_movement_after: A shipped parcel with no new event for this long.
        presumed_lost_after: A shipped parcel with no new event for this long is presumed lost.
    """

    no_first_scan_after: timedelta = attrs.field(default=timedelta(days=2), validator=_positive)
    no_movement_after: timedelta = attrs.field(default=timedelta(days=5), validator=_positive)
    presumed_lost_after: timedelta = attrs.field(default=timedelta(days=14), validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.presumed_lost_after <= self.no_movement_after:
            raise ValidationError("presumed_lost_after", "must be longer than no_movement_after")


ExceptionRule = Callable[[Shipment, datetime, ExceptionPolicy], ShipmentException | None]
"""A rule: the exception due for a shipment at ``now``, or ``None``."""

_IN_CARRIER_HANDS = frozenset({ShipmentStatus.SHIPPED})
_SCANNED = frozenset(set(TrackingStatus) - {TrackingStatus.PRE_TRANSIT, TrackingStatus.UNKNOWN})


def _open(kind: ExceptionKind, now: datetime, detail: str, fix: Resolution) -> ShipmentException:
    return ShipmentException(kind, now, detail, fix)


def no_first_scan(
    shipment: Shipment, now: datetime, policy: ExceptionPolicy
) -> ShipmentException | None:
    """A label bought N days ago and still no scan by the carrier."""
    if shipment.labelled_at is None or shipment.status not in (
        ShipmentStatus.LABELLED,
        ShipmentStatus.SHIPPED,
    ):
        return None
    if any(event.status in _SCANNED for event in shipment.events):
        return None
    if now < shipment.labelled_at + policy.no_first_scan_after:
        return None
    return _open(
        ExceptionKind.NO_FIRST_SCAN,
        now,
        f"no carrier scan since the label of {shipment.labelled_at:%Y-%m-%d %H:%M}",
        Resolution.CONTACT_CARRIER,
    )


def past_promised_date(
    shipment: Shipment, now: datetime, policy: ExceptionPolicy
) -> ShipmentException | None:
    """Not delivered and the promised day is over (from midnight UTC after it)."""
    del policy
    promised = shipment.promised_on
    if promised is None or shipment.status not in (
        ShipmentStatus.LABELLED,
        ShipmentStatus.SHIPPED,
        ShipmentStatus.LABEL_PENDING,
        ShipmentStatus.PLANNED,
    ):
        return None
    over = datetime.combine(promised + timedelta(days=1), time(), tzinfo=UTC)
    if now < over:
        return None
    return _open(
        ExceptionKind.PAST_PROMISED_DATE,
        now,
        f"promised for {promised.isoformat()} and not delivered",
        Resolution.CONTACT_CARRIER,
    )


def delivery_failed(
    shipment: Shipment, now: datetime, policy: ExceptionPolicy
) -> ShipmentException | None:
    """The carrier's latest word is a failed delivery attempt."""
    del policy
    if shipment.tracking_status is not TrackingStatus.DELIVERY_FAILED:
        return None
    return _open(
        ExceptionKind.DELIVERY_FAILED,
        now,
        _last_words(shipment, "delivery attempt failed"),
        Resolution.CONTACT_CARRIER,
    )


def returned_to_sender(
    shipment: Shipment, now: datetime, policy: ExceptionPolicy
) -> ShipmentException | None:
    """The carrier sends the parcel back."""
    del policy
    if shipment.tracking_status is not TrackingStatus.RETURN_TO_SENDER:
        return None
    return _open(
        ExceptionKind.RETURNED_TO_SENDER,
        now,
        _last_words(shipment, "returned to sender"),
        Resolution.RESHIP,
    )


def _since_movement(shipment: Shipment) -> datetime | None:
    if shipment.status not in _IN_CARRIER_HANDS or shipment.shipped_at is None:
        return None
    last = shipment.last_event_at
    return shipment.shipped_at if last is None else max(last, shipment.shipped_at)


def no_movement(
    shipment: Shipment, now: datetime, policy: ExceptionPolicy
) -> ShipmentException | None:
    """Shipped, and no new event for ``no_movement_after``."""
    since = _since_movement(shipment)
    if since is None or now < since + policy.no_movement_after:
        return None
    return _open(
        ExceptionKind.NO_MOVEMENT,
        now,
        f"no tracking news since {since:%Y-%m-%d %H:%M}",
        Resolution.CONTACT_CARRIER,
    )


def presumed_lost(
    shipment: Shipment, now: datetime, policy: ExceptionPolicy
) -> ShipmentException | None:
    """Shipped, and no new event for ``presumed_lost_after``."""
    since = _since_movement(shipment)
    if since is None or now < since + policy.presumed_lost_after:
        return None
    return _open(
        ExceptionKind.PRESUMED_LOST,
        now,
        f"no tracking news since {since:%Y-%m-%d %H:%M}; presumed lost",
        Resolution.RESHIP,
    )


def _last_words(shipment: Shipment, fallback: str) -> str:
    if not shipment.events:
        return fallback
    last = shipment.events[-1]
    reason = "" if last.incident is None else f" ({last.incident.value})"
    return (last.description or fallback) + reason


EXCEPTION_RULES: tuple[tuple[ExceptionKind, ExceptionRule], ...] = (
    (ExceptionKind.NO_FIRST_SCAN, no_first_scan),
    (ExceptionKind.PAST_PROMISED_DATE, past_promised_date),
    (ExceptionKind.DELIVERY_FAILED, delivery_failed),
    (ExceptionKind.RETURNED_TO_SENDER, returned_to_sender),
    (ExceptionKind.NO_MOVEMENT, no_movement),
    (ExceptionKind.PRESUMED_LOST, presumed_lost),
)
"""Every rule, by the kind it opens."""


def due_exceptions(
    shipment: Shipment, now: datetime, policy: ExceptionPolicy
) -> tuple[ShipmentException, ...]:
    """The exceptions due now, each kind at most once per shipment (open or resolved)."""
    already = {item.kind for item in shipment.exceptions}
    found = []
    for kind, rule in EXCEPTION_RULES:
        if kind in already:
            continue
        opened = rule(shipment, now, policy)
        if opened is not None:
            found.append(opened)
    return tuple(found)


_NEWS_RULES = (
    (TrackingStatus.DELIVERY_FAILED, ExceptionKind.DELIVERY_FAILED, delivery_failed),
    (TrackingStatus.RETURN_TO_SENDER, ExceptionKind.RETURNED_TO_SENDER, returned_to_sender),
)


def due_on_news(
    shipment: Shipment, now: datetime, policy: ExceptionPolicy
) -> tuple[ShipmentException, ...]:
    """The exceptions a tracking update can open at once: those the carrier's status says.

    The time rules (no scan, no movement, lost, past the promised date) cannot become due
    because news arrived; the sweep (``desk.shipping.check_exceptions``) opens them.
    """
    for status, kind, rule in _NEWS_RULES:
        if shipment.tracking_status is status:
            if any(item.kind is kind for item in shipment.exceptions):
                return ()
            opened = rule(shipment, now, policy)
            return () if opened is None else (opened,)
    return ()
