"""Reservation commands of ``desk.inventory``: reserve, hold, extend, release, consume, expire."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from ordercore.actors import Actor
from ordercore.desk import _inventory_input as check
from ordercore.desk._inventory_queries import InventoryQueries
from ordercore.desk._stock_session import StockSession
from ordercore.errors import NotFound, ValidationError
from ordercore.inventory import reservations
from ordercore.inventory.allocation import DemandLine
from ordercore.inventory.model import RESERVATIONS, OrderReservations
from ordercore.serialization import JSONValue

__all__ = ["ReservationCommands"]


class ReservationCommands(InventoryQueries):
    """Reserve for orders, hold for carts, and end reservations; part of ``desk.inventory``."""

    # -- reservations ----------------------------------------------------------------------

    def reserve(
        self,
        order_id: str,
        lines: Sequence[DemandLine] | Mapping[str, int],
        *,
        actor: Actor,
        ttl: timedelta | None = None,
        strategy: str | None = None,
        region: str = "",
        location: str | None = None,
        idempotency_key: str | None = None,
    ) -> OrderReservations:
        """Reserve every line of an order, or nothing.

        Demand for one SKU over several lines is summed before it is checked; the allocation
        strategy picks the locations; units no location has are reserved as backorders only if
        the SKU's policy allows it.

        Args:
            order_id: The order (or cart) that holds the units.
            lines: :class:`DemandLine` values, or ``{sku: units}``.
            actor: Who reserves.
            ttl: How long the reservation holds (``None``: until released or consumed).
            strategy: Allocation strategy code (default: the policy's).
            region: The destination's region, for ``nearest-region``.
            location: Reserve only at this location (click and collect).
            idempotency_key: Makes the call safe to repeat.

        Returns:
            The holder's reservations after the call.

        Raises:
            InsufficientStock: If a SKU is short and its policy does not cover it.
            NotFound: For an untracked SKU or an unknown location.
            ValidationError: For a bad line, quantity or time to live.
        """
        holder = check.code(order_id, "order_id")
        demand = check.demand(lines, region)
        lifetime = check.ttl(ttl, required=False)
        if location is not None:
            check.code(location, "location")

        def work(session: StockSession) -> OrderReservations:
            items = {sku: session.item(sku) for sku in demand.by_sku()}
            if location is not None:
                session.location(location)
            planned, levels = session.plan(demand, strategy, location)
            short = reservations.check_backorders(planned, demand, items, levels)
            if short is not None:
                raise short
            group = session.group(holder)
            now = session.ctx.now
            locations = session.locations() if location is None else (session.location(location),)
            expires_at = None if lifetime is None else now + lifetime
            after, movements = reservations.reserve(
                group, planned, locations=locations, now=now, expires_at=expires_at
            )
            session.move(movements)
            session.save_group(group, after)
            return after

        # Only an idempotent call needs its request, to fingerprint it.
        request: JSONValue = None
        if idempotency_key is not None:
            request = {
                "lines": [[line.line_id, line.sku, line.quantity] for line in demand.lines],
                "ttl": None if lifetime is None else str(lifetime),
                "strategy": strategy,
                "region": region,
                "location": location,
            }
        return self._run(
            "reserve",
            holder,
            work,
            actor=actor,
            request=request,
            idempotency_key=idempotency_key,
            result_type=OrderReservations,
        )

    def hold(
        self,
        cart_id: str,
        lines: Sequence[DemandLine] | Mapping[str, int],
        *,
        actor: Actor,
        ttl: timedelta,
        location: str | None = None,
        idempotency_key: str | None = None,
    ) -> OrderReservations:
        """Hold units for a cart for ``ttl``; :meth:`expire_due` frees them after that.

        Same as :meth:`reserve` with a required time to live.
        """
        check.ttl(ttl, required=True)
        return self.reserve(
            cart_id,
            lines,
            actor=actor,
            ttl=ttl,
            location=location,
            idempotency_key=idempotency_key,
        )

    def extend(
        self, order_id: str, *, actor: Actor, ttl: timedelta, idempotency_key: str | None = None
    ) -> OrderReservations:
        """Let every active hold of an order or cart run ``ttl`` from now.

        Raises:
            InvalidTransition: If the holder has no active hold.
            NotFound: If the holder never reserved anything.
        """
        holder = check.code(order_id, "order_id")
        lifetime = check.ttl(ttl, required=True)
        assert lifetime is not None

        def work(session: StockSession) -> OrderReservations:
            group = self._existing_group(session, holder)
            now = session.ctx.now
            after, movements = reservations.extend(group, now + lifetime, now)
            session.move(movements)
            session.save_group(group, after)
            return after

        request: JSONValue = {"ttl": str(lifetime)}
        return self._run(
            "extend",
            holder,
            work,
            actor=actor,
            request=request,
            idempotency_key=idempotency_key,
            result_type=OrderReservations,
        )

    def release(
        self,
        order_id: str,
        *,
        actor: Actor,
        lines: Mapping[str, int] | None = None,
        idempotency_key: str | None = None,
    ) -> OrderReservations:
        """Release units of an order or cart (``{line_id: units}``; ``None``: all of them).

        Raises:
            InvalidTransition: If nothing is held any more (released twice).
            ValidationError: If a line releases more than it holds.
            NotFound: If the holder never reserved anything.
        """
        return self._take("release", order_id, lines, actor, idempotency_key)

    def consume(
        self,
        order_id: str,
        lines: Mapping[str, int],
        *,
        actor: Actor,
        idempotency_key: str | None = None,
    ) -> OrderReservations:
        """Take shipped units out of stock from their reservations (``{line_id: units}``).

        Raises:
            ValidationError: If a line consumes more than it holds.
            InsufficientStock: If backordered units are shipped before they are on hand.
            NotFound: If the holder never reserved anything.
        """
        if lines is None:
            raise ValidationError("lines", "give {line_id: units}")
        return self._take("consume", order_id, lines, actor, idempotency_key)

    def _take(
        self,
        action: str,
        order_id: str,
        lines: Mapping[str, int] | None,
        actor: Actor,
        idempotency_key: str | None,
    ) -> OrderReservations:
        holder = check.code(order_id, "order_id")
        wanted = check.line_quantities(lines)

        def work(session: StockSession) -> OrderReservations:
            group = self._existing_group(session, holder)
            if action == "consume":
                assert wanted is not None
                skus = {r.sku for r in group.reservations}
                levels = {level.id: level for level in session.levels(skus)}
                after, movements = reservations.consume(group, wanted, levels)
            else:
                after, movements = reservations.release(group, wanted)
            session.move(movements)
            session.save_group(group, after)
            return after

        return self._run(
            action,
            holder,
            work,
            actor=actor,
            request={"lines": wanted},  # type: ignore[dict-item]
            idempotency_key=idempotency_key,
            result_type=OrderReservations,
        )

    @staticmethod
    def _existing_group(session: StockSession, holder: str) -> OrderReservations:
        group = session.group(holder)
        if not group.reservations:
            raise NotFound("reservations", holder)
        return group

    def expire_due(self, *, actor: Actor, now: datetime | None = None) -> tuple[str, ...]:
        """Expire every hold past its time; return the ids of the expired reservations.

        Each order or cart is expired by its own command, which looks at the hold again, so a
        hold extended in the meantime is left alone.

        Args:
            actor: Who sweeps (usually ``Actor.system("stock-sweeper")``).
            now: The time to judge by (default: the desk's clock).
        """
        moment = self._desk.clock.now() if now is None else now
        with self._desk.storage.unit_of_work() as uow:
            due = sorted(
                group.id
                for group in uow.aggregates(RESERVATIONS).scan()
                if any(r.is_due(moment) for r in group.reservations)
            )
        expired: list[str] = []
        for holder in due:

            def work(session: StockSession, holder: str = holder) -> tuple[str, ...]:
                group = session.group(holder)
                after, movements = reservations.expire_due(group, moment)
                if not movements:
                    return ()
                session.move(movements)
                session.save_group(group, after)
                return tuple(m.reservation_id for m in movements if m.reservation_id)

            expired.extend(
                self._run(
                    "expire",
                    holder,
                    work,
                    actor=actor,
                    request=None,
                    idempotency_key=None,
                    result_type=tuple,
                )
            )
        return tuple(expired)
