"""What shipping commands do inside their unit of work.

A :class:`ShipmentWrites` saves a shipment with a compare-and-swap, journals its events in the
``shipment`` stream, keeps the two indexes (order → shipments, tracking number → shipment),
tells the customer (and staff, for exceptions) through the outbox, and moves the order with the
shipment: handing a parcel over runs the order's own ``ship`` decision for exactly the
shipment's units and consumes their reservations *at the shipment's location*; a delivered
parcel runs the order's ``deliver`` decision for its units, so the order is delivered when the
last of its shipments is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from ordercore._replace import replace
from ordercore.desk.commands import CommandContext
from ordercore.errors import ValidationError
from ordercore.inventory import reservations
from ordercore.inventory.model import OrderReservations
from ordercore.orders import lifecycle
from ordercore.orders.model import ORDERS, Order, StockDelta
from ordercore.serialization import JSONValue
from ordercore.shipping.events import ExceptionOpened, ShipmentDelivered, ShipmentEvent
from ordercore.shipping.model import (
    ORDER_SHIPMENTS,
    SHIPMENTS,
    TRACKING_REFS,
    OrderShipments,
    Shipment,
    ShipmentStatus,
    TrackingRef,
    TrackingStatus,
    tracking_key,
)
from ordercore.shipping.shipments import Room

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk
    from ordercore.shipping.policy import ShippingPolicy

__all__ = ["SHIPMENT_STREAM", "ShipmentWrites"]

SHIPMENT_STREAM = "shipment"

_TRACKING_TEMPLATES: Mapping[TrackingStatus, str] = MappingProxyType(
    {
        TrackingStatus.OUT_FOR_DELIVERY: "shipment_out_for_delivery",
        TrackingStatus.AVAILABLE_FOR_PICKUP: "shipment_available_for_pickup",
    }
)


class ShipmentWrites:
    """Shipment writes inside one command (see the module docstring)."""

    def __init__(self, desk: OrderDesk, policy: ShippingPolicy, ctx: CommandContext) -> None:
        self._desk = desk
        self._policy = policy
        self.ctx = ctx
        self.shipments = ctx.uow.aggregates(SHIPMENTS)
        self._orders = ctx.uow.aggregates(ORDERS)

    # -- shipments -------------------------------------------------------------------------

    def save(
        self, before: Shipment | None, after: Shipment, events: Sequence[ShipmentEvent]
    ) -> Shipment:
        """Store ``after`` (new when ``before`` is ``None``) and journal ``events``.

        The version goes up by one per event, so each journal entry carries the version it made.

        Returns:
            The shipment as stored.
        """
        expected = 0 if before is None else before.version
        version = expected + max(len(events), 1)
        if after.version != version:
            after = replace(after, version=version)
        self.shipments.save(after, expected_version=expected)
        for offset, event in enumerate(events, start=1):
            self.ctx.record(SHIPMENT_STREAM, after.id, expected + offset, event)
        if before is None:
            index = self.ctx.uow.aggregates(ORDER_SHIPMENTS)
            known = index.find(after.order_id) or OrderShipments(after.order_id)
            index.save(
                replace(
                    known, shipment_ids=(*known.shipment_ids, after.id), version=known.version + 1
                ),
                expected_version=known.version,
            )
        if after.tracking_number and (
            before is None or before.tracking_number != after.tracking_number
        ):
            key = tracking_key(after.carrier, after.tracking_number)
            self.ctx.uow.aggregates(TRACKING_REFS).save(
                TrackingRef(key, after.id), expected_version=0
            )
        return after

    def of_order(self, order_id: str) -> list[Shipment]:
        """The order's shipments, oldest first."""
        index = self.ctx.uow.aggregates(ORDER_SHIPMENTS).find(order_id)
        return [] if index is None else [self.shipments.get(sid) for sid in index.shipment_ids]

    # -- room for a new shipment -----------------------------------------------------------

    def room(self, order: Order, location: str, exclude: str | None = None) -> dict[str, Room]:
        """Per line, the units a new shipment from ``location`` may still take.

        A line is limited by what is still to ship, less the units of other shipments that have
        not left; a line of a tracked SKU with reservations is also limited by what is reserved
        at ``location``, less the units of shipments from there that have not left.
        """
        waiting_all: dict[str, int] = {}
        waiting_here: dict[str, int] = {}
        for other in self.of_order(order.id):
            if other.id == exclude or not other.status.is_open:
                continue
            for item in other.lines:
                waiting_all[item.line_id] = waiting_all.get(item.line_id, 0) + item.quantity
                if other.location == location:
                    waiting_here[item.line_id] = waiting_here.get(item.line_id, 0) + item.quantity
        session = self._desk.inventory.session(self.ctx)
        group = session.group(order.id)
        room: dict[str, Room] = {}
        for line in order.lines:
            left = line.open_quantity - waiting_all.get(line.line_id, 0)
            best = Room(max(left, 0), f"of order {order.number} are left to ship")
            if group.held(line.line_id) and session.tracked(line.sku) is not None:
                here = sum(r.quantity for r in group.active(line.line_id) if r.location == location)
                reserved = here - waiting_here.get(line.line_id, 0)
                if reserved < best.units:
                    best = Room(max(reserved, 0), f"are reserved at {location}")
            room[line.line_id] = best
        return room

    # -- the order moves with its shipments ------------------------------------------------

    def ship_order(self, shipment: Shipment) -> Order:
        """Ship the shipment's units on the order and consume their reservations here."""
        order = self._orders.get(shipment.order_id)
        decision = lifecycle.ship(
            order,
            now=self.ctx.now,
            shipment_id=shipment.id,
            policy=self._desk.orders.policy,
            lines=shipment.units,
        )
        self._consume_at(order, shipment)
        # The stock delta is applied above, location by location; the event keeps it as intent.
        quiet = attrs.evolve(decision, stock=StockDelta())
        self._desk.orders.commit_decision(self.ctx, order.version, quiet, None, notify=False)
        return decision.order

    def _consume_at(self, order: Order, shipment: Shipment) -> None:
        session = self._desk.inventory.session(self.ctx)
        group = session.group(order.id)
        wanted = {
            line.line_id: line.quantity
            for line in shipment.lines
            if group.held(line.line_id) and session.tracked(line.sku) is not None
        }
        if not wanted:
            return  # untracked, or confirmed before tracking: intent only, as the stock port does
        here = OrderReservations(
            group.id,
            tuple(r for r in group.active() if r.location == shipment.location),
            group.version,
        )
        for line_id, units in wanted.items():
            held = here.held(line_id)
            if units > held:
                raise ValidationError(
                    f"lines[{line_id}].quantity",
                    f"ships {units} from {shipment.location} but only {held} are reserved there",
                )
        skus = {line.sku for line in shipment.lines}
        levels = {lv.id: lv for lv in session.levels(skus, only=shipment.location)}
        after, movements = reservations.consume(here, wanted, levels)
        merged = {r.id: r for r in group.reservations}
        merged.update((r.id, r) for r in after.reservations)
        session.move(movements)
        session.save_group(
            group, replace(group, reservations=tuple(merged.values()), version=group.version + 1)
        )

    def deliver_order(self, shipment: Shipment) -> Order | None:
        """Deliver the shipment's units on the order (what of them is still in transit)."""
        order = self._orders.get(shipment.order_id)
        if "deliver" not in lifecycle.allowed_commands(order.status):
            return None  # delivered by hand already, or closed
        in_transit = {line.line_id: line.shipped - line.delivered for line in order.lines}
        units = {
            line_id: min(quantity, in_transit.get(line_id, 0))
            for line_id, quantity in shipment.units.items()
        }
        units = {line_id: quantity for line_id, quantity in units.items() if quantity > 0}
        if not units:
            return None
        decision = lifecycle.deliver(order, now=self.ctx.now, lines=units)
        self._desk.orders.commit_decision(self.ctx, order.version, decision, None, notify=False)
        return decision.order

    # -- notifications ---------------------------------------------------------------------

    def tell_customer(
        self, shipment: Shipment, template: str, extra: Mapping[str, JSONValue] | None = None
    ) -> None:
        """Queue ``template`` about ``shipment`` for the order's customer."""
        order = self._orders.get(shipment.order_id)
        target = order.contact.recipient()
        if target is None:
            return
        channel, recipient = target
        self.ctx.notify(
            template, channel=channel, recipient=recipient, data=self._data(order, shipment, extra)
        )

    def tell_staff(self, shipment: Shipment, template: str, extra: Mapping[str, JSONValue]) -> None:
        """Queue ``template`` for the staff address of the policy, if one is set."""
        if self._policy.staff is None:
            return
        channel, recipient = self._policy.staff
        order = self._orders.get(shipment.order_id)
        self.ctx.notify(
            template, channel=channel, recipient=recipient, data=self._data(order, shipment, extra)
        )

    @staticmethod
    def _data(
        order: Order, shipment: Shipment, extra: Mapping[str, JSONValue] | None
    ) -> dict[str, JSONValue]:
        data: dict[str, JSONValue] = {
            "order_id": order.id,
            "order_number": order.number,
            "shipment_id": shipment.id,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url,
            "estimated_on": None
            if shipment.estimated_on is None
            else shipment.estimated_on.isoformat(),
            "units": sum(line.quantity for line in shipment.lines),
        }
        data.update(extra or {})
        return data

    def announce(self, before: Shipment, after: Shipment, events: Iterable[ShipmentEvent]) -> None:
        """Tell the customer (and staff) what a tracking update or a sweep changed."""
        for event in events:
            if isinstance(event, ShipmentDelivered):
                self.tell_customer(
                    after, "shipment_delivered", {"delivered_at": event.at.isoformat()}
                )
            elif isinstance(event, ExceptionOpened):
                found = event.exception
                extra: dict[str, JSONValue] = {
                    "exception": found.kind.value,
                    "detail": found.detail,
                    "resolution": found.resolution.value,
                }
                self.tell_customer(after, "shipment_exception", extra)
                self.tell_staff(after, "shipment_exception", extra)
        # Most news keeps the status or moves it in transit: compare before looking it up.
        if (
            before.tracking_status is after.tracking_status
            or after.status is not ShipmentStatus.SHIPPED
        ):
            return
        template = _TRACKING_TEMPLATES.get(after.tracking_status)
        if template is not None:
            self.tell_customer(after, template)
