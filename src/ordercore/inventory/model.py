"""Stock as immutable values: locations, tracked SKUs, levels per location and reservations.

A :class:`StockLevel` is the projection of the movement ledger (:mod:`ordercore.inventory.ledger`)
for one SKU at one location: ``on_hand`` units physically there, ``reserved`` units promised to
orders and carts, and ``available = on_hand - reserved``. A SKU is *tracked* once a
:class:`StockItem` exists for it; the item carries the SKU's oversell policy, its low-stock
thresholds and its reorder rules.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from ordercore.errors import ValidationError
from ordercore.kinds import AggregateKind

__all__ = [
    "LOCATIONS",
    "RESERVATIONS",
    "STOCK_ITEMS",
    "STOCK_LEVELS",
    "Availability",
    "Location",
    "LocationKind",
    "OrderReservations",
    "OversellPolicy",
    "ReorderRule",
    "Reservation",
    "ReservationStatus",
    "StockItem",
    "StockLevel",
    "level_id",
]


def _code(field: str) -> Any:
    def check(_: Any, __: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip() or "@" in value:
            raise ValidationError(field, "must be a non-empty code without '@'")

    return check


def _whole(field: str, *, minimum: int = 0) -> Any:
    def check(_: Any, __: Any, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValidationError(field, f"must be a whole number of at least {minimum}")

    return check


class LocationKind(enum.Enum):
    """What kind of place holds the stock."""

    WAREHOUSE = "warehouse"
    STORE = "store"
    DROP_SHIPPER = "drop_shipper"


@attrs.frozen(slots=True)
class Location:
    """A place that holds stock.

    Attributes:
        id: Short stable code (``"WH-BER"``).
        name: Human name.
        kind: Warehouse, store or drop-shipper.
        priority: Lower serves first under the priority strategy.
        region: Region code used by the nearest-region strategy (``"DE-BE"``, ``"EU"``).
        pickup: Whether customers can collect orders here.
        version: Starts at 1.
    """

    id: str = attrs.field(validator=_code("location"))
    name: str = ""
    kind: LocationKind = attrs.field(
        default=LocationKind.WAREHOUSE, validator=attrs.validators.instance_of(LocationKind)
    )
    priority: int = attrs.field(default=100, validator=_whole("priority"))
    region: str = ""
    pickup: bool = False
    version: int = 1


class OversellPolicy(enum.Enum):
    """What happens when an order asks for more than is available."""

    DENY = "deny"
    """Refuse (or hold the order): available never drops below zero."""
    BACKORDER = "backorder"
    """Reserve anyway; the units ship when stock arrives."""
    PREORDER = "preorder"
    """Reserve anyway, up to the item's ``preorder_limit`` units not yet in stock."""


@attrs.frozen(slots=True)
class ReorderRule:
    """When and how much to buy for one SKU at one location.

    The reorder point is the safety stock plus the demand expected during the lead time, never
    below ``minimum``. When the available quantity falls to the reorder point or below, buy enough
    to bring it back to ``maximum`` (or the reorder point, if higher), in whole order multiples.

    Attributes:
        minimum: Lowest reorder point.
        maximum: Level to order up to.
        multiple: Suppliers sell in packs of this many.
        lead_time_days: Days from ordering to receipt.
        safety_stock: Units kept against demand above the forecast.
        daily_demand: Expected units sold per day (a Decimal, for slow movers).
    """

    minimum: int = attrs.field(validator=_whole("minimum"))
    maximum: int = attrs.field(validator=_whole("maximum"))
    multiple: int = attrs.field(default=1, validator=_whole("multiple", minimum=1))
    lead_time_days: int = attrs.field(default=0, validator=_whole("lead_time_days"))
    safety_stock: int = attrs.field(default=0, validator=_whole("safety_stock"))
    daily_demand: Decimal = attrs.field(default=Decimal(0))

    def __attrs_post_init__(self) -> None:
        if self.maximum < self.minimum:
            raise ValidationError("maximum", "must be at least the minimum")
        if not isinstance(self.daily_demand, Decimal) or self.daily_demand < 0:
            raise ValidationError("daily_demand", "must be a non-negative Decimal")


def _thresholds(value: Mapping[str, int] | None) -> Mapping[str, int]:
    checked = {}
    for location, threshold in (value or {}).items():
        _code("low_stock")(None, None, location)
        _whole(f"low_stock[{location}]")(None, None, threshold)
        checked[location] = threshold
    return MappingProxyType(checked)


def _rules(value: Mapping[str, ReorderRule] | None) -> Mapping[str, ReorderRule]:
    checked = {}
    for location, rule in (value or {}).items():
        _code("reorder")(None, None, location)
        if not isinstance(rule, ReorderRule):
            raise ValidationError(f"reorder[{location}]", "expected a ReorderRule")
        checked[location] = rule
    return MappingProxyType(checked)


@attrs.frozen(slots=True)
class StockItem:
    """A tracked SKU and its settings; orders reserve only SKUs that have one.

    Attributes:
        id: The SKU.
        policy: Deny, backorder or preorder when demand exceeds availability.
        preorder_limit: Units that may be promised beyond stock under ``PREORDER``.
        low_stock: Location to the available quantity at or below which an alert is sent.
        reorder: Location to its :class:`ReorderRule`.
        version: Starts at 1.
    """

    id: str = attrs.field(validator=_code("sku"))
    policy: OversellPolicy = attrs.field(
        default=OversellPolicy.DENY, validator=attrs.validators.instance_of(OversellPolicy)
    )
    preorder_limit: int = attrs.field(default=0, validator=_whole("preorder_limit"))
    low_stock: Mapping[str, int] = attrs.field(factory=dict, converter=_thresholds)
    reorder: Mapping[str, ReorderRule] = attrs.field(factory=dict, converter=_rules)
    version: int = 1

    def may_oversell(self, units: int) -> bool:
        """Whether the policy lets ``units`` be promised beyond stock in total."""
        if self.policy is OversellPolicy.BACKORDER:
            return True
        if self.policy is OversellPolicy.PREORDER:
            return units <= self.preorder_limit
        return units <= 0


def level_id(sku: str, location: str) -> str:
    """The id of the :class:`StockLevel` of ``sku`` at ``location``."""
    return f"{sku}@{location}"


@attrs.frozen(slots=True)
class StockLevel:
    """Stock of one SKU at one location; the projection of its ledger.

    Attributes:
        id: ``"<sku>@<location>"``.
        sku: The SKU.
        location: The location code.
        on_hand: Units physically there; never negative.
        reserved: Units held by active reservations; never negative.
        version: How many ledger movements made it (0: never moved).
    """

    id: str
    sku: str
    location: str
    on_hand: int = 0
    reserved: int = 0
    version: int = 0

    @classmethod
    def empty(cls, sku: str, location: str) -> StockLevel:
        """A level no movement has touched yet."""
        return cls(level_id(sku, location), sku, location)

    @property
    def available(self) -> int:
        """On hand minus reserved; negative only for SKUs that allow overselling."""
        return self.on_hand - self.reserved

    @property
    def oversold(self) -> int:
        """Units reserved beyond what is on hand (backorders and preorders)."""
        return max(self.reserved - self.on_hand, 0)


class ReservationStatus(enum.Enum):
    """Where a reservation is in its life; only ``ACTIVE`` holds stock."""

    ACTIVE = "active"
    CONSUMED = "consumed"
    RELEASED = "released"
    EXPIRED = "expired"


@attrs.frozen(slots=True)
class Reservation:
    """Units of one SKU at one location held for an order line or a cart.

    Attributes:
        id: ``"<holder>#<n>"``.
        order_id: The order or cart holding the units.
        line_id: The order line (for a cart: the caller's line key, often the SKU).
        sku: The SKU.
        location: Where the units are held.
        quantity: Units still held (0 once no longer active).
        consumed: Units shipped from this reservation so far.
        status: Active, consumed, released or expired.
        created_at: When it was made.
        expires_at: When an expiry sweep releases it (``None``: it does not expire).
    """

    id: str
    order_id: str
    line_id: str
    sku: str
    location: str
    quantity: int
    status: ReservationStatus
    created_at: datetime
    expires_at: datetime | None = None
    consumed: int = 0

    @property
    def is_active(self) -> bool:
        """Whether it still holds units."""
        return self.status is ReservationStatus.ACTIVE

    def is_due(self, now: datetime) -> bool:
        """Whether it is active and past its expiry time."""
        return self.is_active and self.expires_at is not None and self.expires_at <= now


@attrs.frozen(slots=True)
class OrderReservations:
    """Every reservation of one order or cart, oldest first: the unit that is locked together.

    Attributes:
        id: The order or cart id.
        reservations: The reservations, active or not.
        version: Starts at 1.
    """

    id: str
    reservations: tuple[Reservation, ...] = ()
    version: int = 0

    def active(self, line_id: str | None = None) -> tuple[Reservation, ...]:
        """Active reservations, for one line or all."""
        return tuple(
            r
            for r in self.reservations
            if r.is_active and (line_id is None or r.line_id == line_id)
        )

    def held(self, line_id: str) -> int:
        """Units held for ``line_id``."""
        return sum(r.quantity for r in self.active(line_id))


LOCATIONS: AggregateKind[Location] = AggregateKind("stock_location", Location)
STOCK_ITEMS: AggregateKind[StockItem] = AggregateKind("stock_item", StockItem)
STOCK_LEVELS: AggregateKind[StockLevel] = AggregateKind("stock_level", StockLevel)
RESERVATIONS: AggregateKind[OrderReservations] = AggregateKind(
    "stock_reservations", OrderReservations
)


@attrs.frozen(slots=True)
class Availability:
    """Stock of one SKU across locations: what can be promised to a new order.

    Attributes:
        sku: The SKU.
        on_hand: Units on hand everywhere.
        reserved: Units reserved everywhere.
        by_location: Location to units available there (negative where oversold).
        promisable: Available to promise: units in stock and free, plus what the SKU's policy
            lets be promised beyond stock; ``None`` when that is unlimited (backorder).
    """

    sku: str
    on_hand: int
    reserved: int
    by_location: Mapping[str, int]
    promisable: int | None

    @property
    def available(self) -> int:
        """On hand minus reserved, across locations."""
        return self.on_hand - self.reserved

    @classmethod
    def of(cls, item: StockItem, levels: tuple[StockLevel, ...]) -> Availability:
        """Sum ``levels`` of ``item`` and apply its oversell policy."""
        free = sum(max(level.available, 0) for level in levels)
        oversold = sum(level.oversold for level in levels)
        allowance: int | None
        if item.policy is OversellPolicy.BACKORDER:
            allowance = None
        elif item.policy is OversellPolicy.PREORDER:
            allowance = max(item.preorder_limit - oversold, 0)
        else:
            allowance = 0
        return cls(
            sku=item.id,
            on_hand=sum(level.on_hand for level in levels),
            reserved=sum(level.reserved for level in levels),
            by_location=MappingProxyType({level.location: level.available for level in levels}),
            promisable=None if allowance is None else free + allowance,
        )
