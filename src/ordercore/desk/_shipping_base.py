"""The base of ``desk.shipping``: its carriers, how its commands run, and its queries."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar

from ordercore.actors import Actor
from ordercore.audit.journal import JournalEntry
from ordercore.desk._shipment_writes import SHIPMENT_STREAM, ShipmentWrites
from ordercore.desk.commands import CommandContext
from ordercore.errors import NotFound, ValidationError
from ordercore.orders.model import ORDERS, Order
from ordercore.serialization import JSONValue, structure
from ordercore.shipping.builtin_carriers import TableRateCarrier
from ordercore.shipping.carriers import CarrierAdapter, Place
from ordercore.shipping.events import EVENT_TYPES, ShipmentEvent
from ordercore.shipping.model import (
    ORDER_SHIPMENTS,
    SHIPMENTS,
    TRACKING_REFS,
    Shipment,
    tracking_key,
)
from ordercore.shipping.policy import ShippingPolicy
from ordercore.shipping.replay import replay

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk

__all__ = ["ShippingBase", "destination_of"]

R = TypeVar("R")


def destination_of(order: Order) -> Place:
    """Where an order's parcels go, as far as rating needs to know."""
    address = order.shipping_address
    return Place(address.country, address.postal_code, address.region)


def shipment_id_of(value: object) -> str:
    """Check a shipment id argument."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("shipment_id", "give the shipment's id")
    return value


class ShippingBase:
    """What every part of ``desk.shipping`` shares, and the read-only queries.

    Attributes:
        policy: Carriers, calendar, retries, exception thresholds.
        carriers: Carrier adapters by code (built-in and from plugins); the built-in
            ``table-rate`` carrier uses ``policy.rate_table``.
    """

    def __init__(self, desk: OrderDesk, policy: ShippingPolicy) -> None:
        self._desk = desk
        self.policy = policy
        carriers = dict(desk.plugins.carriers())
        table = carriers.get(TableRateCarrier.code)
        if isinstance(table, TableRateCarrier):
            carriers[TableRateCarrier.code] = table.with_table(policy.rate_table)
        self.carriers: Mapping[str, CarrierAdapter] = MappingProxyType(carriers)
        self.carrier(policy.default_carrier)

    def carrier(self, code: str) -> CarrierAdapter:
        """The adapter registered for ``code``.

        Raises:
            ValidationError: For an unknown carrier (field ``carrier``), naming the known ones.
        """
        found = self.carriers.get(code) if isinstance(code, str) else None
        if found is None:
            known = ", ".join(sorted(self.carriers)) or "none"
            raise ValidationError("carrier", f"no carrier {code!r}; registered: {known}")
        return found

    def _run(
        self,
        action: str,
        subject: str,
        work: Callable[[ShipmentWrites], R],
        *,
        actor: Actor,
        request: JSONValue = None,
        idempotency_key: str | None = None,
        result_type: type[R] | None = None,
        authorized: bool = False,
    ) -> R:
        """Run ``work`` as the desk command ``shipping.<action>``.

        ``authorized=True`` is for the steps of a command already authorized as a whole (the
        record of a label the carrier has sold must not be refused half-way).
        """

        def handler(ctx: CommandContext) -> R:
            return work(ShipmentWrites(self._desk, self.policy, ctx))

        name = f"shipping.{action}"
        if not authorized:
            self._desk.authorize(actor, name, subject)
        return self._desk._run_authorized(
            handler, name, actor, subject, request, idempotency_key, result_type
        )

    # -- queries ---------------------------------------------------------------------------

    def get(self, shipment_id: str) -> Shipment:
        """Return a shipment.

        Raises:
            NotFound: If there is no such shipment.
        """
        key = shipment_id_of(shipment_id)
        with self._desk.storage.unit_of_work() as uow:
            return uow.aggregates(SHIPMENTS).get(key)

    def for_order(self, order_id: str) -> builtins.list[Shipment]:
        """The shipments of an order, oldest first (none: an empty list)."""
        with self._desk.storage.unit_of_work() as uow:
            index = uow.aggregates(ORDER_SHIPMENTS).find(order_id)
            if index is None:
                return []
            shipments = uow.aggregates(SHIPMENTS)
            return [shipments.get(sid) for sid in index.shipment_ids]

    def find(self, carrier: str, tracking_number: str) -> Shipment | None:
        """The shipment with this carrier's tracking number, if any."""
        with self._desk.storage.unit_of_work() as uow:
            ref = uow.aggregates(TRACKING_REFS).find(tracking_key(carrier, tracking_number))
            return None if ref is None else uow.aggregates(SHIPMENTS).get(ref.shipment_id)

    def list(self) -> builtins.list[Shipment]:
        """Every shipment, oldest first."""
        with self._desk.storage.unit_of_work() as uow:
            found = builtins.list(uow.aggregates(SHIPMENTS).scan())
        found.sort(key=lambda shipment: (shipment.created_at, shipment.id))
        return found

    def history(self, shipment_id: str) -> builtins.list[JournalEntry]:
        """The shipment's journal entries, oldest first.

        Raises:
            NotFound: If the shipment has no entries.
        """
        key = shipment_id_of(shipment_id)
        with self._desk.storage.unit_of_work() as uow:
            entries = uow.journal.stream(SHIPMENT_STREAM, key)
        if not entries:
            raise NotFound("shipment", key)
        return entries

    def replay(self, shipment_id: str) -> Shipment:
        """Rebuild the shipment from its journal alone; an audit compares it with :meth:`get`."""
        events: builtins.list[ShipmentEvent] = []
        for entry in self.history(shipment_id):
            kind = EVENT_TYPES.get(entry.event_type)
            if kind is None:
                raise ValidationError("event_type", f"unknown shipment event {entry.event_type!r}")
            events.append(structure(self._desk.converter, entry.payload, kind))
        return replay(events)

    def _order_and_shipment(self, shipment_id: str) -> tuple[Order, Shipment]:
        key = shipment_id_of(shipment_id)
        with self._desk.storage.unit_of_work() as uow:
            shipment = uow.aggregates(SHIPMENTS).get(key)
            return uow.aggregates(ORDERS).get(shipment.order_id), shipment
