"""Tracking commands of ``desk.shipping``: record events, webhooks, polling, exceptions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from ordercore.actors import Actor
from ordercore.desk._carrier_calls import call_with_timeout
from ordercore.desk._shipment_writes import ShipmentWrites
from ordercore.desk._shipping_base import ShippingBase, shipment_id_of
from ordercore.errors import NotFound, ValidationError
from ordercore.shipping import shipments as decide
from ordercore.shipping.events import ShipmentDelivered, ShipmentEvent, TrackingRecorded
from ordercore.shipping.exceptions import due_exceptions, due_on_news
from ordercore.shipping.model import (
    TRACKING_REFS,
    ExceptionKind,
    Shipment,
    ShipmentException,
    ShipmentStatus,
    TrackingEvent,
    tracking_key,
)
from ordercore.shipping.tracking import CarrierEvent, StatusTable, normalize

__all__ = ["ExceptionFound", "TrackingCommands", "TrackingReport"]

_WATCHED = (ShipmentStatus.LABELLED, ShipmentStatus.SHIPPED)


@attrs.frozen(slots=True)
class TrackingReport:
    """What a batch of tracking events did.

    Attributes:
        received: Events in the batch.
        recorded: Events new to their shipment.
        duplicates: Events the shipment already had (same carrier, number, time and code).
        ignored: Events for cancelled shipments.
        shipments: Shipments whose history changed.
        delivered: Shipments that became delivered.
        failed_carriers: For polling: carriers that failed or timed out, with the error.
    """

    received: int
    recorded: int
    duplicates: int
    ignored: int = 0
    shipments: tuple[str, ...] = ()
    delivered: tuple[str, ...] = ()
    failed_carriers: tuple[tuple[str, str], ...] = ()


@attrs.frozen(slots=True)
class ExceptionFound:
    """An exception a sweep opened, and on which shipment."""

    shipment_id: str
    exception: ShipmentException


class TrackingCommands(ShippingBase):
    """Tracking and exceptions; part of ``desk.shipping``."""

    def record_tracking(self, events: Iterable[CarrierEvent], *, actor: Actor) -> TrackingReport:
        """Record a batch of carrier events in one unit of work.

        Each event is normalized through its carrier's status table. Duplicates (same carrier,
        tracking number, time and raw code) are ignored, events out of order are put in their
        place, and each shipment's status follows its latest event. A delivered shipment
        delivers its units on the order; the order is delivered with its last shipment. New
        statuses and exceptions are told to the customer (and staff) through the outbox.

        Args:
            events: The batch (any order, any mix of carriers and parcels).
            actor: Who records (a webhook, an import, a person).

        Raises:
            ValidationError: For a malformed event or an unknown carrier; nothing is written.
            NotFound: For a tracking number no shipment has (kind ``"shipment"``); nothing of
                the batch is written.
        """
        batch = list(events)
        # A parcel's one event of the batch is kept as it is, several in a list: most batches
        # hold one scan per parcel, and a list per parcel would only be more objects to collect.
        per_parcel: dict[str, TrackingEvent | list[TrackingEvent]] = {}
        tables: dict[str, StatusTable] = {}
        for index, event in enumerate(batch):
            if not isinstance(event, CarrierEvent):
                raise ValidationError(f"events[{index}]", "expected a CarrierEvent")
            event.check()
            table = tables.get(event.carrier)
            if table is None:
                table = tables[event.carrier] = self.carrier(event.carrier).status_table
            key = tracking_key(event.carrier, event.tracking_number)
            normalized = normalize(event, table)
            known = per_parcel.get(key)
            if known is None:
                per_parcel[key] = normalized
            elif isinstance(known, list):
                known.append(normalized)
            else:
                per_parcel[key] = [known, normalized]
        if not per_parcel:
            return TrackingReport(0, 0, 0)

        def work(writes: ShipmentWrites) -> TrackingReport:
            refs = writes.ctx.uow.aggregates(TRACKING_REFS)
            recorded = ignored = 0
            changed: list[str] = []
            delivered: list[str] = []
            for key, grouped in per_parcel.items():
                incoming = grouped if isinstance(grouped, list) else (grouped,)
                ref = refs.find(key)
                if ref is None:
                    raise NotFound("shipment", f"tracking number {key}")
                before = writes.shipments.get(ref.shipment_id)
                if before.status is ShipmentStatus.CANCELLED:
                    ignored += len(incoming)
                    continue
                after, news = decide.track(before, incoming)
                if not news:
                    continue
                first = news[0]
                assert isinstance(first, TrackingRecorded)  # track() always reports it first
                recorded += len(first.events)
                after = self._settle(writes, before, after, news)
                changed.append(after.id)
                if after.status is ShipmentStatus.DELIVERED and before.status is not after.status:
                    delivered.append(after.id)
            duplicates = len(batch) - recorded - ignored
            return TrackingReport(
                len(batch), recorded, duplicates, ignored, tuple(changed), tuple(delivered)
            )

        return self._run("record_tracking", "*", work, actor=actor)

    def _settle(
        self,
        writes: ShipmentWrites,
        before: Shipment,
        after: Shipment,
        news: list[Any],
    ) -> Shipment:
        """Open due exceptions, save, journal, announce and deliver the order if it arrived."""
        events: list[ShipmentEvent] = news  # track() made the list for this call alone
        due = due_on_news(after, writes.ctx.now, self.policy.exceptions)
        if due:
            after, opened = decide.open_exceptions(after, due)
            events.extend(opened)
        if after.status is ShipmentStatus.DELIVERED and after.delivered_at is not None:
            after, closed = decide.close_on_delivery(after, at=after.delivered_at)
            events.extend(closed)
        after = writes.save(before, after, events)
        writes.announce(before, after, events)
        if after.status is ShipmentStatus.DELIVERED and any(
            isinstance(event, ShipmentDelivered) for event in events
        ):
            writes.deliver_order(after)
        return after

    def receive_webhook(
        self, carrier: str, payload: Mapping[str, Any], *, actor: Actor
    ) -> TrackingReport:
        """Parse a carrier's webhook body and record its events.

        Raises:
            ValidationError: For an unknown carrier or a malformed payload (naming the field);
                nothing is written.
            NotFound: For a tracking number no shipment has; nothing is written.
        """
        adapter = self.carrier(carrier)
        events = adapter.parse_webhook(payload)
        for event in events:
            if event.carrier != adapter.code:
                raise ValidationError(
                    "carrier", f"{adapter.code} returned an event of {event.carrier!r}"
                )
        return self.record_tracking(events, actor=actor)

    def poll_tracking(self, *, actor: Actor, carrier: str | None = None) -> TrackingReport:
        """Ask each carrier (or one) for news of its parcels that are on their way.

        Carriers are called outside any unit of work, under the policy's time limit; one that
        fails is reported in ``failed_carriers`` and the others are recorded anyway. Numbers a
        carrier answers for that we do not know are left out.
        """
        codes = [self.carrier(carrier).code] if carrier is not None else sorted(self.carriers)
        wanted: dict[str, list[str]] = {code: [] for code in codes}
        for shipment in self.list():
            if (
                shipment.status in _WATCHED
                and shipment.tracking_number
                and shipment.carrier in wanted
            ):
                wanted[shipment.carrier].append(shipment.tracking_number)
        events: list[CarrierEvent] = []
        failed: list[tuple[str, str]] = []
        for code, numbers in wanted.items():
            if not numbers:
                continue
            adapter = self.carriers[code]
            try:
                answer = call_with_timeout(
                    lambda a=adapter, n=tuple(numbers): list(a.track(n)),  # type: ignore[misc]
                    self.policy.carrier_timeout,
                    name=code,
                )
            except Exception as exc:  # a carrier's failure must not stop the others
                failed.append((code, repr(exc)))
                continue
            known = set(numbers)
            events.extend(e for e in answer if e.carrier == code and e.tracking_number in known)
        report = self.record_tracking(events, actor=actor)
        return attrs.evolve(report, failed_carriers=tuple(failed))

    def check_exceptions(
        self, *, actor: Actor, now: datetime | None = None
    ) -> tuple[ExceptionFound, ...]:
        """Run the exception rules over every shipment on its way; open what is due.

        Each shipment is updated by its own command, which evaluates the rules again on what
        it loads, so a parcel scanned in the meantime is left alone.

        Args:
            actor: Who sweeps (usually ``Actor.system("shipping-sweeper")``).
            now: The time to judge by (default: the desk's clock).
        """
        moment = self._desk.clock.now() if now is None else now
        due = [
            shipment.id
            for shipment in self.list()
            if due_exceptions(shipment, moment, self.policy.exceptions)
        ]
        found: list[ExceptionFound] = []
        for shipment_id in due:

            def work(writes: ShipmentWrites, sid: str = shipment_id) -> list[ExceptionFound]:
                before = writes.shipments.get(sid)
                after, opened = decide.open_exceptions(
                    before, due_exceptions(before, moment, self.policy.exceptions)
                )
                if not opened:
                    return []
                after = writes.save(before, after, opened)
                writes.announce(before, after, opened)
                return [ExceptionFound(sid, event.exception) for event in opened]

            found.extend(self._run("check_exceptions", shipment_id, work, actor=actor))
        return tuple(found)

    def resolve_exception(
        self, shipment_id: str, kind: ExceptionKind, *, actor: Actor, note: str
    ) -> Shipment:
        """Close an open exception with a note on what was done.

        Raises:
            ValidationError: If no exception of ``kind`` is open or the note is empty.
        """
        key = shipment_id_of(shipment_id)
        if not isinstance(kind, ExceptionKind):
            raise ValidationError("kind", "give an ExceptionKind")

        def work(writes: ShipmentWrites) -> Shipment:
            before = writes.shipments.get(key)
            after, event = decide.resolve_exception(before, kind, now=writes.ctx.now, note=note)
            return writes.save(before, after, [event])

        return self._run("resolve_exception", key, work, actor=actor)
