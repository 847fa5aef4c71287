"""Carrier commands of ``desk.shipping``: rates, rate shopping and label purchase.

A label purchase first records its idempotency key on the shipment, then calls the carrier
outside any unit of work and under the policy's time limit, retrying with the same key, each
failure recorded; the label is recorded in a unit of work of its own. A key whose answer was
lost is asked again by :meth:`LabelCommands.reconcile_labels`, and the carrier returns the
label it already bought, so a label is never bought twice nor left unrecorded.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from ordercore.actors import Actor
from ordercore.desk._carrier_calls import call_with_timeout
from ordercore.desk._shipment_writes import ShipmentWrites
from ordercore.desk._shipping_base import ShippingBase, destination_of, shipment_id_of
from ordercore.errors import CarrierUnavailable, ValidationError
from ordercore.shipping import shipments as decide
from ordercore.shipping.carriers import Label, LabelRequest, Parcel, Rate, RateRequest
from ordercore.shipping.eta import estimate_delivery
from ordercore.shipping.model import Shipment, ShipmentStatus
from ordercore.shipping.rates import RateChoice, choose_rate

__all__ = ["DEFAULT_PARCEL", "LabelCommands", "RateQuotes"]

DEFAULT_PARCEL = Parcel(Decimal("1"))
"""The parcel assumed when none is given: one box of 1 kg."""


@attrs.frozen(slots=True)
class RateQuotes:
    """Quotes from every carrier asked, and the carriers that failed to answer."""

    rates: tuple[Rate, ...]
    failed: tuple[tuple[str, str], ...] = ()


class LabelCommands(ShippingBase):
    """Rates and labels; part of ``desk.shipping``."""

    # -- rates -----------------------------------------------------------------------------

    def rates(
        self,
        shipment_id: str,
        *,
        parcels: Sequence[Parcel] = (DEFAULT_PARCEL,),
        carriers: Sequence[str] | None = None,
        ship_on: date | None = None,
    ) -> RateQuotes:
        """Ask every registered carrier (or those named) for quotes.

        No unit of work is open while carriers answer; one that fails or times out is listed in
        ``failed`` and the others' quotes are kept.
        """
        order, shipment = self._order_and_shipment(shipment_id)
        codes = (
            [self.carrier(code).code for code in carriers] if carriers else sorted(self.carriers)
        )
        request = RateRequest(
            origin=self.policy.origin_of(shipment.location),
            destination=destination_of(order),
            parcels=tuple(parcels),
            ship_on=ship_on or self._desk.clock.now().date(),
            currency=order.currency,
        )
        found: list[Rate] = []
        failed: list[tuple[str, str]] = []
        for code in codes:
            adapter = self.carriers[code]
            try:
                quotes = call_with_timeout(
                    lambda a=adapter: list(a.rates(request)),  # type: ignore[misc]
                    self.policy.carrier_timeout,
                    name=code,
                )
            except Exception as exc:  # one carrier's failure must not hide the others' quotes
                failed.append((code, repr(exc)))
                continue
            found.extend(rate for rate in quotes if rate.carrier == code)
        return RateQuotes(tuple(found), tuple(failed))

    def shop(
        self,
        shipment_id: str,
        *,
        choice: RateChoice = RateChoice.CHEAPEST,
        deliver_by: date | None = None,
        parcels: Sequence[Parcel] = (DEFAULT_PARCEL,),
        carriers: Sequence[str] | None = None,
    ) -> Rate:
        """The cheapest, fastest, or cheapest-by-``deliver_by`` quote across carriers.

        ``deliver_by`` defaults to the shipment's promised date for ``CHEAPEST_BY_DATE``.

        Raises:
            NotFound: If no quote qualifies.
        """
        shipment = self.get(shipment_id)
        quotes = self.rates(shipment_id, parcels=parcels, carriers=carriers)
        return choose_rate(
            quotes.rates,
            choice,
            ship_on=self._desk.clock.now().date(),
            deliver_by=deliver_by or shipment.promised_on,
        )

    # -- labels ----------------------------------------------------------------------------

    def buy_label(
        self,
        shipment_id: str,
        *,
        actor: Actor,
        rate: Rate | None = None,
        service: str | None = None,
        parcels: Sequence[Parcel] = (DEFAULT_PARCEL,),
        tracking_number: str | None = None,
    ) -> Shipment:
        """Buy the shipment's label from its carrier (or the carrier of ``rate``).

        The idempotency key is recorded on the shipment first; then the carrier is called
        outside any unit of work, under ``policy.carrier_timeout``, up to
        ``policy.label_attempts`` times with the same key, each failure recorded. Calling this
        again for a shipment waiting for its label reuses the key.

        Args:
            shipment_id: The shipment.
            actor: Who buys.
            rate: A quote from :meth:`rates` or :meth:`shop`; sets carrier and service.
            service: The service level (default: the shipment's).
            parcels: The boxes.
            tracking_number: For the manual carrier: the number staff already have.

        Raises:
            ValidationError: For an unknown carrier, or a request the carrier refuses.
            CarrierUnavailable: If every attempt failed or timed out; the shipment waits with
                its key for :meth:`reconcile_labels`.
        """
        key = shipment_id_of(shipment_id)
        self._desk.authorize(actor, "shipping.buy_label", key)
        carrier = None if rate is None else self.carrier(rate.carrier).code
        chosen = rate.service if rate is not None else service
        if tracking_number is not None and (
            not isinstance(tracking_number, str) or not tracking_number.strip()
        ):
            raise ValidationError("tracking_number", "must be non-empty text")
        boxes = tuple(parcels)
        if not boxes or not all(isinstance(box, Parcel) for box in boxes):
            raise ValidationError("parcels", "give at least one Parcel")

        def start(writes: ShipmentWrites) -> Shipment:
            before = writes.shipments.get(key)
            if before.status is ShipmentStatus.LABEL_PENDING and (
                (carrier and carrier != before.carrier) or (chosen and chosen != before.service)
            ):
                raise ValidationError(
                    "carrier", f"a {before.carrier} label is pending; reconcile it before switching"
                )
            draft = attrs.evolve(
                before, carrier=carrier or before.carrier, service=chosen or before.service
            )
            after, event = decide.request_label(draft, key=f"{key}/label", now=writes.ctx.now)
            return writes.save(before, after, [event])

        pending = self._run("buy_label", key, start, actor=actor, authorized=True)
        return self._purchase(pending, actor, boxes, tracking_number)

    def _purchase(
        self,
        pending: Shipment,
        actor: Actor,
        parcels: tuple[Parcel, ...],
        tracking_number: str | None,
    ) -> Shipment:
        order, _ = self._order_and_shipment(pending.id)
        adapter = self.carrier(pending.carrier)
        assert pending.label_key is not None
        request = LabelRequest(
            idempotency_key=pending.label_key,
            shipment_id=pending.id,
            service=pending.service,
            origin=self.policy.origin_of(pending.location),
            destination=destination_of(order),
            parcels=parcels,
            ship_on=self._desk.clock.now().date(),
            lines=pending.lines,
            tracking_number=tracking_number,
        )
        last_error = ""
        for attempt in range(self.policy.label_attempts):
            if attempt:
                pause = self.policy.retry_pause * (2 ** (attempt - 1))
                time.sleep(pause.total_seconds())
            try:
                label = call_with_timeout(
                    lambda: adapter.create_shipment(request),
                    self.policy.carrier_timeout,
                    name=adapter.code,
                )
            except ValidationError as refused:
                self._record_failure(pending.id, actor, repr(refused), refused=True)
                raise
            except Exception as exc:  # any other failure: record it and try again, same key
                last_error = repr(exc)
                self._record_failure(pending.id, actor, last_error)
                continue
            return self._record_label(pending.id, actor, label)
        raise CarrierUnavailable(
            adapter.code,
            f"no label after {self.policy.label_attempts} attempts ({last_error}); shipment "
            f"{pending.id} keeps key {pending.label_key!r} for reconcile_labels()",
            pending.id,
        )

    def _record_failure(
        self, shipment_id: str, actor: Actor, error: str, *, refused: bool = False
    ) -> None:
        def work(writes: ShipmentWrites) -> Shipment:
            before = writes.shipments.get(shipment_id)
            after, event = decide.label_failed(
                before, error=error, now=writes.ctx.now, refused=refused
            )
            return writes.save(before, after, [event])

        self._run("buy_label", shipment_id, work, actor=actor, authorized=True)

    def _record_label(self, shipment_id: str, actor: Actor, label: Label) -> Shipment:
        if not isinstance(label, Label) or not label.tracking_number:
            raise ValidationError("label", f"the carrier returned {label!r}, not a Label")

        def work(writes: ShipmentWrites) -> Shipment:
            before = writes.shipments.get(shipment_id)
            days = (
                label.transit_days
                if label.transit_days is not None
                else self.policy.transit_for(before.service)
            )
            estimate = estimate_delivery(writes.ctx.now, days, self.policy.calendar)
            template = self.policy.tracking_urls.get(before.carrier)
            url = (
                None if template is None else template.format(tracking_number=label.tracking_number)
            )
            after, event = decide.label_bought(
                before,
                label=label,
                now=writes.ctx.now,
                tracking_url=url,
                transit_days=days,
                estimated_on=estimate.deliver_on,
            )
            return writes.save(before, after, [event])

        return self._run("buy_label", shipment_id, work, actor=actor, authorized=True)

    def reconcile_labels(
        self, *, actor: Actor, parcels: Sequence[Parcel] = (DEFAULT_PARCEL,)
    ) -> tuple[Shipment, ...]:
        """Ask again, with the same key, for every label whose purchase did not finish.

        A carrier that did buy the label returns it, and it is recorded; one that did not buys
        it now. Shipments whose carrier still fails stay waiting.

        Raises:
            PermissionDenied: If the actor may not ``shipping.reconcile_labels``.
        """
        self._desk.authorize(actor, "shipping.reconcile_labels", "*")
        done = []
        for shipment in self.list():
            if shipment.status is not ShipmentStatus.LABEL_PENDING:
                continue
            try:
                done.append(self._purchase(shipment, actor, tuple(parcels), None))
            except CarrierUnavailable:
                continue
        return tuple(done)
