"""A Hypothesis state machine for stock, shipped so that every storage backend can run it.

:class:`StockMachine` drives ``desk.inventory`` with random receipts, adjustments, transfers,
reservations, cart holds, extensions, releases, consumption and expiry sweeps, valid or not, and
keeps a simple model beside it: units on hand per level and the active reservations. After every
step it checks that

- on hand is never negative and matches the model;
- reserved equals the sum of the active reservations at the level;
- available is never negative unless the SKU allows overselling;
- the level's ledger (its journal stream) replays to exactly the stored level;

and that a refused step changed nothing. A backend author runs it against their storage::

    class MyBackendStock(StockMachine):
        def open_desk(self, clock):
            return OrderDesk.open("mybackend://test", clock=clock, ids=SequentialIds())


    TestMyBackendStock = MyBackendStock.TestCase

Hypothesis and pytest are needed only by code that imports this module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ordercore.actors import Actor
from ordercore.clock import ManualClock
from ordercore.desk.desk import OrderDesk
from ordercore.errors import InsufficientStock, InvalidTransition, ValidationError
from ordercore.ids import SequentialIds
from ordercore.inventory.model import OrderReservations, OversellPolicy, Reservation

__all__ = ["StockMachine"]

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
LOCATIONS = ("A", "B")
POLICIES = {
    "DENY": OversellPolicy.DENY,
    "BACK": OversellPolicy.BACKORDER,
    "PRE": OversellPolicy.PREORDER,
}
PREORDER_LIMIT = 3
HOLDERS = ("order-1", "order-2", "cart-1", "cart-2")
CLERK = Actor("clerk", frozenset({"stock"}))

skus = st.sampled_from(sorted(POLICIES))
locations = st.sampled_from(LOCATIONS)
holders = st.sampled_from(HOLDERS)
units = st.integers(min_value=1, max_value=6)


class StockMachine(RuleBasedStateMachine):
    """Random stock commands against a model; override :meth:`open_desk` for a backend."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(T0)
        self.desk = self.open_desk(self.clock)
        for index, code in enumerate(LOCATIONS):
            self.desk.inventory.add_location(code, actor=CLERK, priority=index)
        for sku, policy in POLICIES.items():
            self.desk.inventory.track(
                sku, actor=CLERK, policy=policy, preorder_limit=PREORDER_LIMIT
            )
        self.on_hand = {(sku, loc): 0 for sku in POLICIES for loc in LOCATIONS}
        self.active: dict[str, Reservation] = {}

    def open_desk(self, clock: ManualClock) -> OrderDesk:
        """Open the desk under test; a backend's subclass opens its own storage here."""
        return OrderDesk.open(clock=clock, ids=SequentialIds(), entry_points=False)

    def teardown(self) -> None:
        """Check the journal's hash chain once per run, then close the desk."""
        self.desk.audit.verify_journal().raise_if_broken()
        self.desk.close()

    # -- helpers ---------------------------------------------------------------------------

    def _journal_length(self) -> int:
        return self.desk.audit.head().sequence

    def _refused(self, call: Callable[[], object], *errors: type[Exception]) -> bool:
        """Run ``call``; return whether it was refused, checking a refusal wrote nothing."""
        before = self._journal_length()
        try:
            call()
        except errors:
            assert self._journal_length() == before, "a refused command wrote to the journal"
            return True
        return False

    def _remember(self, group: OrderReservations) -> None:
        for reservation in group.reservations:
            if reservation.is_active:
                self.active[reservation.id] = reservation
            else:
                self.active.pop(reservation.id, None)

    def _reserved(self, sku: str, location: str) -> int:
        return sum(
            r.quantity for r in self.active.values() if (r.sku, r.location) == (sku, location)
        )

    def _available(self, sku: str) -> int:
        return sum(max(self.on_hand[(sku, loc)] - self._reserved(sku, loc), 0) for loc in LOCATIONS)

    def _oversold(self, sku: str) -> int:
        return sum(max(self._reserved(sku, loc) - self.on_hand[(sku, loc)], 0) for loc in LOCATIONS)

    # -- movements -------------------------------------------------------------------------

    @rule(sku=skus, location=locations, quantity=units)
    def receive(self, sku: str, location: str, quantity: int) -> None:
        """Receive units; always accepted."""
        level = self.desk.inventory.receive(sku, location, quantity, actor=CLERK)
        self.on_hand[(sku, location)] += quantity
        assert level.on_hand == self.on_hand[(sku, location)]

    @rule(sku=skus, location=locations, change=st.sampled_from([*range(-6, 0), *range(1, 7)]))
    def adjust(self, sku: str, location: str, change: int) -> None:
        """Adjust on hand; refused below zero or beyond what the oversell policy allows."""

        def call() -> None:
            self.desk.inventory.adjust(sku, location, change, actor=CLERK, reason="count")

        refused = self._refused(call, ValidationError)
        after = self.on_hand[(sku, location)] + change
        short = self._reserved(sku, location) - after
        elsewhere = sum(
            max(self._reserved(sku, loc) - self.on_hand[(sku, loc)], 0)
            for loc in LOCATIONS
            if loc != location
        )
        policy = POLICIES[sku]
        allowed = after >= 0 and (
            change > 0
            or short <= 0
            or policy is OversellPolicy.BACKORDER
            or (policy is OversellPolicy.PREORDER and elsewhere + short <= PREORDER_LIMIT)
        )
        event(f"adjust refused={refused}")
        assert refused != allowed, f"adjust {change} refused={refused}"
        if not refused:
            self.on_hand[(sku, location)] = after

    @rule(sku=skus, quantity=units, backwards=st.booleans())
    def transfer(self, sku: str, quantity: int, backwards: bool) -> None:
        """Transfer units; refused when more than the source has available."""
        source, target = LOCATIONS[::-1] if backwards else LOCATIONS

        def call() -> None:
            self.desk.inventory.transfer(sku, source, target, quantity, actor=CLERK)

        refused = self._refused(call, ValidationError)
        free = self.on_hand[(sku, source)] - self._reserved(sku, source)
        assert refused == (quantity > free)
        if not refused:
            self.on_hand[(sku, source)] -= quantity
            self.on_hand[(sku, target)] += quantity

    # -- reservations ----------------------------------------------------------------------

    @rule(
        holder=holders,
        lines=st.dictionaries(skus, units, min_size=1, max_size=3),
        minutes=st.none() | st.integers(1, 30),
    )
    def reserve(self, holder: str, lines: dict[str, int], minutes: int | None) -> None:
        """Reserve all lines or nothing; refused exactly when a policy does not cover it."""
        ttl = None if minutes is None else timedelta(minutes=minutes)
        before = {r.id for r in self.active.values()}
        expected_short = any(
            (POLICIES[sku] is OversellPolicy.DENY and quantity > self._available(sku))
            or (
                POLICIES[sku] is OversellPolicy.PREORDER
                and quantity - self._available(sku) + self._oversold(sku) > PREORDER_LIMIT
            )
            for sku, quantity in lines.items()
        )
        group: list[OrderReservations] = []

        def call() -> None:
            group.append(self.desk.inventory.reserve(holder, lines, actor=CLERK, ttl=ttl))

        refused = self._refused(call, InsufficientStock)
        event(f"reserve refused={refused}")
        assert refused == expected_short
        if refused:
            return
        self._remember(group[0])
        new = [r for r in self.active.values() if r.id not in before]
        for sku, quantity in lines.items():
            assert sum(r.quantity for r in new if r.sku == sku) == quantity

    @precondition(lambda self: self.active)
    @rule(holder=holders, minutes=st.integers(1, 30))
    def extend(self, holder: str, minutes: int) -> None:
        """Extend a holder's holds; refused when it has none."""
        holds = [r for r in self.active.values() if r.order_id == holder and r.expires_at]

        def call() -> None:
            self._remember(
                self.desk.inventory.extend(holder, actor=CLERK, ttl=timedelta(minutes=minutes))
            )

        refused = self._refused(call, InvalidTransition, LookupError)
        assert refused == (not holds)

    @rule(holder=holders)
    def release(self, holder: str) -> None:
        """Release everything a holder holds; refused when it holds nothing (twice)."""
        held = [r for r in self.active.values() if r.order_id == holder]

        def call() -> None:
            self._remember(self.desk.inventory.release(holder, actor=CLERK))

        refused = self._refused(call, InvalidTransition, LookupError)
        assert refused == (not held)
        assert not [r for r in self.active.values() if r.order_id == holder]

    @precondition(lambda self: self.active)
    @rule(data=st.data())
    def consume(self, data: st.DataObject) -> None:
        """Consume units of a line; refused beyond what is held or what is on hand."""
        target = data.draw(st.sampled_from(sorted(self.active)))
        reservation = self.active[target]
        line = reservation.line_id
        held = sum(
            r.quantity
            for r in self.active.values()
            if (r.order_id, r.line_id) == (reservation.order_id, line)
        )
        quantity = data.draw(st.integers(1, held + 1))

        def call() -> None:
            self._remember(
                self.desk.inventory.consume(reservation.order_id, {line: quantity}, actor=CLERK)
            )

        before = dict(self.active)
        refused = self._refused(call, ValidationError, InsufficientStock)
        # The desk consumes a line's reservations oldest first; so does the model.
        need, per_location = quantity, dict.fromkeys(LOCATIONS, 0)
        for candidate in before.values():
            if (candidate.order_id, candidate.line_id) == (reservation.order_id, line):
                taken = min(need, candidate.quantity)
                per_location[candidate.location] += taken
                need -= taken
        short = any(per_location[loc] > self.on_hand[(reservation.sku, loc)] for loc in LOCATIONS)
        event(f"consume refused={refused}")
        assert refused == (quantity > held or short)
        if refused:
            return
        for old in before.values():
            fresh = self.active.get(old.id)
            taken = old.quantity - (0 if fresh is None else fresh.quantity)
            self.on_hand[(old.sku, old.location)] -= taken

    @rule(minutes=st.integers(0, 40))
    def sweep(self, minutes: int) -> None:
        """Let time pass and sweep: exactly the holds past their time expire."""
        self.clock.advance(timedelta(minutes=minutes))
        now = self.clock.now()
        due = {
            r.id for r in self.active.values() if r.expires_at is not None and r.expires_at <= now
        }
        expired = set(self.desk.inventory.expire_due(actor=Actor.system("sweeper")))
        event(f"sweep expired any={bool(due)}")
        assert expired == due
        for reservation_id in due:
            del self.active[reservation_id]

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def levels_match_the_model_and_the_ledger(self) -> None:
        """On hand, reserved and available agree with the model; the ledger replays."""
        for sku, policy in POLICIES.items():
            for location in LOCATIONS:
                level = self.desk.inventory.level(sku, location)
                assert level.on_hand >= 0
                assert level.on_hand == self.on_hand[(sku, location)]
                assert level.reserved == self._reserved(sku, location)
                if policy is OversellPolicy.DENY:
                    assert level.available >= 0
                assert self.desk.inventory.replay(sku, location) == level

    @invariant()
    def reserved_is_the_sum_of_active_reservations_in_storage(self) -> None:
        """Stored reservations add up to the model's; preorders stay within their limit."""
        stored: dict[tuple[str, str], int] = {}
        for holder in HOLDERS:
            for reservation in self.desk.inventory.reservations(holder).active():
                key = (reservation.sku, reservation.location)
                stored[key] = stored.get(key, 0) + reservation.quantity
        for sku in POLICIES:
            for location in LOCATIONS:
                assert stored.get((sku, location), 0) == self._reserved(sku, location)
        assert self._oversold("PRE") <= PREORDER_LIMIT
