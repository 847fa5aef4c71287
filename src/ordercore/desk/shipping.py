"""``desk.shipping``: shipments, labels, hand-over, tracking, exceptions and documents.

Shipments are planned from the order's allocation (one per location its units are reserved at)
or by hand, and checked against what each line may still ship from that location. Handing a
parcel over ships exactly its units on the order, consuming their reservations at its location.
Carrier calls (rates, labels, voids, polling) happen outside any unit of work and under a time
limit: see :mod:`ordercore.desk._label_commands` and :mod:`ordercore.desk._tracking_commands`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ordercore.actors import Actor
from ordercore.desk._carrier_calls import call_with_timeout
from ordercore.desk._label_commands import LabelCommands
from ordercore.desk._order_records import checked_order_id
from ordercore.desk._shipment_writes import ShipmentWrites
from ordercore.desk._shipping_base import shipment_id_of
from ordercore.desk._tracking_commands import TrackingCommands
from ordercore.errors import InvalidTransition, ValidationError
from ordercore.inventory.allocation import AllocationPlan
from ordercore.orders import lifecycle
from ordercore.orders.model import ORDERS, Order
from ordercore.orders.timeline import Timeline, build_timeline
from ordercore.serialization import JSONValue
from ordercore.shipping import shipments as decide
from ordercore.shipping.carriers import CancelRequest
from ordercore.shipping.documents import DeliveryNote, PickList, delivery_note, pick_list
from ordercore.shipping.eta import estimate_delivery
from ordercore.shipping.events import ShipmentPlanned
from ordercore.shipping.model import Shipment, ShipmentLine, ShipmentStatus
from ordercore.shipping.timeline import with_shipments

__all__ = ["ShippingDesk"]


def _ship_allowed(order: Order) -> None:
    if "ship" not in lifecycle.allowed_commands(order.status):
        raise InvalidTransition(f"order {order.number}", order.status.value, "ship")


class ShippingDesk(TrackingCommands, LabelCommands):
    """Shipping commands and queries; reached as ``desk.shipping``.

    Commands take the acting :class:`~ordercore.actors.Actor`; every change is journaled in the
    shipment's stream (``shipment``) and the order's, and the customer hears about it through
    the outbox.
    """

    # -- planning --------------------------------------------------------------------------

    def create(
        self,
        order_id: str,
        lines: Mapping[str, int],
        *,
        location: str,
        actor: Actor,
        carrier: str | None = None,
        service: str | None = None,
        promised_on: date | None = None,
        idempotency_key: str | None = None,
    ) -> Shipment:
        """Plan a shipment by hand: ``{line_id: units}`` leaving from ``location``.

        Raises:
            ValidationError: For an unknown carrier, a bad line or quantity, or more units than
                the line may still ship from there (what is left to ship, or reserved there).
            InvalidTransition: If the order cannot ship (not confirmed, closed).
        """
        key = checked_order_id(order_id)
        code = self.carrier(carrier or self.policy.default_carrier).code
        chosen = service or self.policy.default_service
        if not isinstance(location, str) or not location.strip():
            raise ValidationError("location", "give the location it leaves from")
        wanted = dict(lines) if isinstance(lines, Mapping) else lines

        def work(writes: ShipmentWrites) -> Shipment:
            order = writes.ctx.uow.aggregates(ORDERS).get(key)
            _ship_allowed(order)
            self._known_location(writes, location)
            picked = decide.choose_lines(order, wanted, writes.room(order, location))
            return self._plan(writes, order, location, picked, code, chosen, promised_on)

        request: JSONValue = {
            "lines": wanted,  # type: ignore[dict-item]
            "location": location,
            "carrier": code,
            "service": chosen,
            "promised_on": None if promised_on is None else promised_on.isoformat(),
        }
        return self._run(
            "create", key, work, actor=actor, request=request,
            idempotency_key=idempotency_key, result_type=Shipment,
        )  # fmt: skip

    def create_from_plan(
        self,
        order_id: str,
        *,
        actor: Actor,
        plan: AllocationPlan | None = None,
        carrier: str | None = None,
        service: str | None = None,
        location: str | None = None,
        promised_on: date | None = None,
    ) -> tuple[Shipment, ...]:
        """Plan one shipment per location of the order's allocation.

        Without ``plan``, the allocation is the one the order's reservations were made from:
        each location gets the units reserved there (less those already in a shipment that has
        not left). Units not reserved anywhere (SKUs not tracked) go with ``location``, or with
        the first location of the allocation, or else with the inventory's best-priority
        location.

        Raises:
            ValidationError: If some units have no location to leave from, or the plan asks for
                more than a line may ship from a location.
            InvalidTransition: If the order cannot ship.
        """
        key = checked_order_id(order_id)
        code = self.carrier(carrier or self.policy.default_carrier).code
        chosen = service or self.policy.default_service

        def work(writes: ShipmentWrites) -> tuple[Shipment, ...]:
            order = writes.ctx.uow.aggregates(ORDERS).get(key)
            _ship_allowed(order)
            per_location = self._split(writes, order, plan, location)
            made = []
            for place, units in per_location.items():
                self._known_location(writes, place)
                picked = decide.choose_lines(order, units, writes.room(order, place))
                made.append(self._plan(writes, order, place, picked, code, chosen, promised_on))
            return tuple(made)

        return self._run("create_from_plan", key, work, actor=actor)

    def _best_location(self, writes: ShipmentWrites) -> str | None:
        """The inventory's best-priority location, if it has any."""
        locations = self._desk.inventory.session(writes.ctx).locations()
        return locations[0].id if locations else None

    def _known_location(self, writes: ShipmentWrites, location: str) -> None:
        """Refuse a location the inventory does not have (any code goes without an inventory)."""
        known = [loc.id for loc in self._desk.inventory.session(writes.ctx).locations()]
        if known and location not in known:
            raise ValidationError(
                "location", f"no location {location!r}; known: {', '.join(sorted(known))}"
            )

    def _split(
        self,
        writes: ShipmentWrites,
        order: Order,
        plan: AllocationPlan | None,
        fallback: str | None,
    ) -> dict[str, dict[str, int]]:
        per_location: dict[str, dict[str, int]] = {}
        if plan is not None:
            for item in plan.allocations:
                units = per_location.setdefault(item.location, {})
                units[item.line_id] = units.get(item.line_id, 0) + item.quantity
            return per_location
        group = self._desk.inventory.session(writes.ctx).group(order.id)
        placed: dict[str, int] = {}
        for line in order.lines:
            for place in dict.fromkeys(r.location for r in group.active(line.line_id)):
                room = writes.room(order, place)[line.line_id].units
                if room > 0:
                    per_location.setdefault(place, {})[line.line_id] = room
                    placed[line.line_id] = placed.get(line.line_id, 0) + room
        rest_location = fallback or next(iter(per_location), None) or self._best_location(writes)
        for line in order.lines:
            left = writes.room(order, "")[line.line_id].units - placed.get(line.line_id, 0)
            if left <= 0 or group.held(line.line_id):
                continue
            if rest_location is None:
                raise ValidationError("location", f"say where line {line.line_id} leaves from")
            units = per_location.setdefault(rest_location, {})
            units[line.line_id] = units.get(line.line_id, 0) + left
        if not per_location:
            raise ValidationError("lines", f"order {order.number} has nothing left to ship")
        return per_location

    def _plan(
        self,
        writes: ShipmentWrites,
        order: Order,
        location: str,
        lines: tuple[ShipmentLine, ...],
        carrier: str,
        service: str,
        promised_on: date | None,
    ) -> Shipment:
        shipment = Shipment(
            id=writes.ctx.ids.new_id("shp"),
            order_id=order.id,
            location=location,
            lines=lines,
            carrier=carrier,
            service=service,
            status=ShipmentStatus.PLANNED,
            created_at=writes.ctx.now,
            promised_on=promised_on,
        )
        return writes.save(None, shipment, [ShipmentPlanned(shipment)])

    # -- hand-over and cancellation --------------------------------------------------------

    def ship(
        self, shipment_id: str, *, actor: Actor, idempotency_key: str | None = None
    ) -> Shipment:
        """Hand a labelled shipment to the carrier.

        In one unit of work: the order ships exactly the shipment's units (its ``ship``
        command), their reservations at the shipment's location are consumed, the delivery
        estimate is renewed from now, and the customer is told, with the tracking number and
        link. Events the carrier sent before are followed at once (a parcel already reported
        delivered is delivered).

        Raises:
            InvalidTransition: If the shipment has no label yet or has left, or the order
                cannot ship (for example unpaid when payment must come first).
            ValidationError: If a line ships more than is reserved for it at the location.
        """
        key = shipment_id_of(shipment_id)

        def work(writes: ShipmentWrites) -> Shipment:
            before = writes.shipments.get(key)
            days = (
                before.transit_days
                if before.transit_days is not None
                else self.policy.transit_for(before.service)
            )
            estimate = estimate_delivery(writes.ctx.now, days, self.policy.calendar)
            after, shipped = decide.ship(
                before, now=writes.ctx.now, estimated_on=estimate.deliver_on
            )
            writes.ship_order(after)
            after, arrival = decide.follow_tracking(after)
            events = [shipped] if arrival is None else [shipped, arrival]
            after = writes.save(before, after, events)
            writes.tell_customer(after, "shipment_shipped")
            if arrival is not None:
                writes.announce(before, after, [arrival])
                if after.status is ShipmentStatus.DELIVERED:
                    writes.deliver_order(after)
            return after

        return self._run(
            "ship", key, work, actor=actor, idempotency_key=idempotency_key, result_type=Shipment
        )

    def cancel(self, shipment_id: str, *, actor: Actor, reason: str) -> Shipment:
        """Cancel a shipment that has not left; a bought label is voided with the carrier first.

        Raises:
            InvalidTransition: If it has left, or the carrier refuses to void the label.
            ValidationError: If no reason is given.
        """
        key = shipment_id_of(shipment_id)
        self._desk.authorize(actor, "shipping.cancel", key)  # before the carrier voids anything
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("reason", "a reason is required")
        current = self.get(key)
        if current.status is ShipmentStatus.LABELLED:
            assert current.tracking_number is not None
            adapter = self.carrier(current.carrier)
            void = CancelRequest(current.tracking_number, current.label_reference or "")
            result = call_with_timeout(
                lambda: adapter.cancel(void), self.policy.carrier_timeout, name=adapter.code
            )
            if not result.cancelled:
                raise InvalidTransition(
                    f"shipment {key}", current.status.value, "cancel", result.message
                )

        def work(writes: ShipmentWrites) -> Shipment:
            before = writes.shipments.get(key)
            after, event = decide.cancel(before, now=writes.ctx.now, reason=reason)
            return writes.save(before, after, [event])

        return self._run("cancel", key, work, actor=actor, authorized=True)

    # -- views and documents ---------------------------------------------------------------

    def timeline(self, order_id: str) -> Timeline:
        """The order's timeline with its shipments: tracking, delivery estimate, exceptions."""
        order = self._desk.orders.get(order_id)
        return with_shipments(build_timeline(order), self.for_order(order.id))

    def delivery_note(self, shipment_id: str) -> DeliveryNote:
        """The delivery note (packing slip) of a shipment."""
        order, shipment = self._order_and_shipment(shipment_id)
        return delivery_note(order, shipment)

    def pick_list(self, shipment_id: str) -> PickList:
        """The pick list of a shipment, for the warehouse it leaves from."""
        order, shipment = self._order_and_shipment(shipment_id)
        return pick_list(order, shipment)

    def __repr__(self) -> str:
        return f"ShippingDesk(carriers={sorted(self.carriers)!r})"
