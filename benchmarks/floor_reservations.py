"""A lean floor under issue 5's constraints: how fast can plain Python reserve stock?

This is a measuring stick beside the library, not library code, and it does not import
``ordercore``. It re-implements, as leanly as the constraints allow, what
``benchmarks/reservations.py`` measures through ``desk.inventory.reserve``, on the same
workload: three locations (BER priority 1, PAR 2, MAD 3), 100 SKUs stocked at BER, one
reservation per order of one line of one unit, the orders spread over the SKUs in turn,
single thread, in memory. The gap between its figures and the library's shows what the
library's extra features and layers cost; the floor is not a target the library could reach
while doing more.

Work done per reservation:

- The order id, each SKU and each quantity are validated (non-empty text; a positive ``int``,
  never ``bool``) into immutable attrs demand lines. The clock is read once.
- The actor is authorized through a pluggy ``authorize`` hook (first result) before any state
  is read.
- Under one lock (the unit of work): the SKUs' items are loaded (an unknown SKU is refused),
  the locations sorted by priority, and the levels of every (SKU, location) read in sorted
  key order into a picture of what is available.
- ``plan()`` is pure: demand for one SKU over several lines is summed before availability is
  looked at, the priority strategy (looked up in a table of strategies) takes units from the
  locations best first, its answer is checked (known locations, no more than available, no
  more than asked), and the units are spread back over the lines; what is left is a backorder,
  refused with ``InsufficientStock`` under the deny policy.
- Each allocation becomes a frozen ``StockMoved`` movement applied to its level (a new frozen
  ``StockLevel``, version + 1, refusing to reserve more than is on hand), a frozen
  ``Reservation`` in the holder's reservation group, and a journal entry: canonical JSON
  (orjson, sorted keys) carrying its sequence and the previous entry's hash, hashed with
  SHA-256. A low-stock threshold crossing per (SKU, location) would journal an alert and queue
  it in the outbox (the benchmark's thresholds are 0, so the check runs and never fires, as in
  the library's benchmark, whose SKUs have no threshold).
- Commit: the expected versions of the levels and the holder's group are compared and swapped,
  then the levels, the group (a new frozen ``OrderReservations``, version + 1), the journal
  entries and any outbox messages are written. Anything refused before that writes nothing.
- After the commit the pluggy ``event_committed`` hook is called once per journal entry.

What it does not do that the library's ``desk.inventory.reserve`` does: no idempotency keys
(no request fingerprint, no remembered result), no rerun of the unit of work after a
concurrency conflict (a conflict is raised), no typed command context (no correlation id, no
id factory, no cattrs converter: payloads are built by hand), no separation of personal data
from the journal payload, no registry of allocation strategies filled by plugins (only the
priority strategy; no fewest-splits, nearest-region or most-stock; no reserving at one given
location, no destination region), no backorder or preorder policy (every SKU denies), no
reservation time to live (holds, extension and expiry), no validators on the stored values,
no outbox for committed events (listeners are called inline, with no delivery record), no
alert notifiers (a low-stock alert only lands in the outbox list; nothing is sent), no
replenishment advice (reorder rules, purchase suggestions), no ledger replay to the levels.

Figures printed as ``name: value`` lines:

- ``floor_reservations_per_s`` and ``floor_us_per_reservation``: the median of the runs.
- ``floor_reservations_per_s_gc_disabled``: the same with ``gc.disable()`` around the timed
  loop, for information only (how much the cyclic collector costs here).
- ``floor_hot_sku_threads``, ``floor_hot_sku_attempts``, ``floor_hot_sku_on_hand``: the
  contended run: 8 threads each try to reserve one unit of one SKU at a time, with fewer units
  on hand than attempts (and a switch interval of 1 us, so that the threads interleave).
- ``floor_hot_sku_reserved``, ``floor_hot_sku_refused``, ``floor_hot_sku_oversold``: what came
  of it; the run fails unless exactly the units on hand are reserved and nothing is oversold.

Every run ends with checks outside the timed window: per SKU the reserved counters of the
levels equal the active reservations, every level has no more reserved than on hand, each
order made one reservation, and the journal's hash chain and sequence verify. The validation
rules, the typed errors, the planner and the low-stock alert are checked once at start.

Run from the repository root:
``python benchmarks/floor_reservations.py [--quick] [--reservations N] [--runs R]``.
The default is 5 runs of 50,000 reservations; ``--quick`` (what CI runs) takes 2,000, once.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Final

import attrs
import pluggy
from _floor import (
    GENESIS,
    Actor,
    Clock,
    ConcurrencyConflict,
    DomainError,
    Forbidden,
    Hooks,
    JournalEntry,
    JsonDict,
    NotFound,
    ValidationError,
    hookimpl,
    make_plugin_manager,
    raises,
    require_text,
    seal,
    verify_chain,
)
from _interpreter import print_interpreter

# ----------------------------------------------------------------------------- errors


class InsufficientStock(DomainError):
    """Not enough units of a SKU at any location, and its policy denies backorders."""

    def __init__(self, sku: str, requested: int, short: int) -> None:
        super().__init__(f"insufficient stock for {sku}: short {short} of {requested}")
        self.sku = sku
        self.requested = requested
        self.short = short


class Overdrawn(DomainError):
    """A movement would reserve more than is on hand."""


class PlanError(DomainError):
    """An allocation strategy answered with more than it may take."""


# ----------------------------------------------------------------------------- model


@attrs.frozen(slots=True)
class Location:
    """A place that holds stock; lower priority numbers are taken first."""

    id: str
    priority: int
    region: str


@attrs.frozen(slots=True)
class StockLevel:
    """One SKU at one location; every change makes a new level with version + 1."""

    sku: str
    location: str
    on_hand: int
    reserved: int
    version: int

    @property
    def available(self) -> int:
        """Units that can still be reserved."""
        return self.on_hand - self.reserved


@attrs.frozen(slots=True)
class Reservation:
    """Units of one SKU at one location held for one order line."""

    id: str
    holder: str
    line_id: str
    sku: str
    location: str
    quantity: int
    status: str
    created_at: datetime
    expires_at: datetime | None


@attrs.frozen(slots=True)
class OrderReservations:
    """A holder's reservations, stored as one group with its own version."""

    holder: str
    reservations: tuple[Reservation, ...]
    version: int


@attrs.frozen(slots=True)
class StockItem:
    """A tracked SKU: its oversell policy and its low-stock threshold per location."""

    sku: str
    policy: str = attrs.field(validator=attrs.validators.in_({"deny"}))
    low_stock: Mapping[str, int]


@attrs.frozen(slots=True)
class StockMoved:
    """The movement event; only ``reserve`` is needed here."""

    kind: str
    sku: str
    location: str
    quantity: int
    reservation_id: str
    holder: str
    actor: str
    at: datetime

    def to_json(self, at_iso: str) -> JsonDict:
        """The journal payload (the time given as the command's one ISO string)."""
        return {
            "kind": self.kind,
            "sku": self.sku,
            "location": self.location,
            "quantity": self.quantity,
            "reservation_id": self.reservation_id,
            "holder": self.holder,
            "actor": self.actor,
            "at": at_iso,
        }


def apply_movement(level: StockLevel, movement: StockMoved) -> StockLevel:
    """Pure: the level after ``movement``, version + 1; never more reserved than on hand."""
    if movement.kind == "reserve":
        reserved = level.reserved + movement.quantity
        if reserved > level.on_hand:
            raise Overdrawn(
                f"{level.sku}@{level.location}: reserved {reserved} > on hand {level.on_hand}"
            )
        return StockLevel(level.sku, level.location, level.on_hand, reserved, level.version + 1)
    raise ValueError(f"unknown movement kind {movement.kind!r}")


# ----------------------------------------------------------------------------- allocation


@attrs.frozen(slots=True)
class DemandLine:
    """One order line's demand."""

    line_id: str
    sku: str
    quantity: int


@attrs.frozen(slots=True)
class Picture:
    """What the planner sees: the locations best first, available units per (SKU, location)."""

    locations: tuple[Location, ...]
    available: Mapping[tuple[str, str], int]


@attrs.frozen(slots=True)
class Take:
    """So many units for one demand line, held at one location."""

    line_id: str
    sku: str
    location: str
    units: int


@attrs.frozen(slots=True)
class Plan:
    """The takes in line order, and what no location has: the unmet rest of each line."""

    takes: tuple[Take, ...]
    short: tuple[DemandLine, ...]


# A strategy answers (sku, units wanted, picture) with [(location id, units), ...].
Strategy = Callable[[str, int, Picture], list[tuple[str, int]]]


def priority_strategy(sku: str, total: int, picture: Picture) -> list[tuple[str, int]]:
    """Take from the locations in priority order."""
    taken = []
    need = total
    available = picture.available
    for location in picture.locations:
        units = available.get((sku, location.id), 0)
        if units > 0:
            take = units if units < need else need
            taken.append((location.id, take))
            need -= take
            if not need:
                break
    return taken


STRATEGIES: Final[Mapping[str, Strategy]] = {"priority": priority_strategy}


def plan(
    demand: tuple[DemandLine, ...],
    picture: Picture,
    strategy: str,
    strategies: Mapping[str, Strategy] = STRATEGIES,
) -> Plan:
    """Pure: allocate ``demand`` over ``picture`` with the named strategy, checking its answer."""
    # Demand for one SKU over several lines is summed before availability is looked at.
    totals: dict[str, int] = {}
    for line in demand:
        totals[line.sku] = totals.get(line.sku, 0) + line.quantity
    choose = strategies[strategy]
    known = {location.id for location in picture.locations}
    available = picture.available
    takes = []
    short = []
    for sku, total in totals.items():
        taken = choose(sku, total, picture)
        # A strategy is not trusted: each take must be at a known location, positive, within
        # what is available there, and all together no more than was asked.
        got = 0
        for location_id, units in taken:
            if location_id not in known:
                raise PlanError(f"unknown location {location_id!r}")
            if units <= 0 or units > available.get((sku, location_id), 0):
                raise PlanError(f"over-allocation of {sku} at {location_id}")
            got += units
        if got > total:
            raise PlanError(f"over-allocation of {sku}: {got} > {total}")
        # Spread the takes back over the lines in line order; what is left is backordered.
        pool = list(taken)
        index = 0
        for line in demand:
            if line.sku != sku:
                continue
            need = line.quantity
            while need and index < len(pool):
                location_id, units = pool[index]
                take = units if units < need else need
                takes.append(Take(line.line_id, sku, location_id, take))
                need -= take
                if take == units:
                    index += 1
                else:
                    pool[index] = (location_id, units - take)
            if need:
                short.append(DemandLine(line.line_id, sku, need))
    return Plan(tuple(takes), tuple(short))


# ----------------------------------------------------------------------------- app layer


class RolePolicy:
    """Clerks may reserve and release; viewers may do nothing."""

    PERMISSIONS: Final[Mapping[str, frozenset[str]]] = {
        "clerk": frozenset({"reserve", "release"}),
        "viewer": frozenset(),
    }

    @hookimpl
    def authorize(self, actor: Actor, action: str, subject: str) -> bool:
        permissions = self.PERMISSIONS.get(actor.role)
        return permissions is not None and action in permissions


def _by_priority(location: Location) -> int:
    return location.priority


class Store:
    """Items, locations, levels, groups, journal and outbox in dicts and lists, one lock."""

    def __init__(self) -> None:
        self.items: dict[str, StockItem] = {}
        self.locations: dict[str, Location] = {}
        self.levels: dict[tuple[str, str], StockLevel] = {}
        self.groups: dict[str, OrderReservations] = {}
        self.journal: list[JournalEntry] = []
        self.last_hash = GENESIS
        self.outbox: list[tuple[str, JsonDict]] = []
        self.lock = threading.Lock()

    def locations_by_priority(self) -> tuple[Location, ...]:
        """Every location, best priority first."""
        return tuple(sorted(self.locations.values(), key=_by_priority))


class Service:
    """``reserve``: validate, authorize, then one unit of work under the store's lock."""

    def __init__(self, store: Store, plugins: pluggy.PluginManager, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.hooks = Hooks(plugins)
        # Ids from a counter: uuid4 costs about 2.3 us each and a reservation takes two.
        self._ids = itertools.count(1)

    def _journal_entry(
        self,
        staged: list[JournalEntry],
        event_type: str,
        stream_id: str,
        version: int,
        payload: JsonDict,
        actor_id: str,
        now_iso: str,
    ) -> None:
        """Stage one entry chained to the last staged one, or else to the last committed."""
        content = {
            "event_id": f"evt-{next(self._ids)}",
            "stream_type": "stock",
            "stream_id": stream_id,
            "version": version,
            "event_type": event_type,
            "payload": payload,
            "actor": actor_id,
            "recorded_at": now_iso,
        }
        previous = staged[-1][1] if staged else self.store.last_hash
        staged.append(seal(content, len(self.store.journal) + len(staged) + 1, previous))

    def reserve(self, order_id: str, quantities: Mapping[str, int], actor: Actor) -> Plan:
        """Reserve every line of an order ``{sku: units}``, or nothing."""
        require_text(order_id, "order_id")
        if type(quantities) is not dict or not quantities:
            raise ValidationError("quantities", "must be a non-empty mapping")
        lines = []
        for count, (sku, quantity) in enumerate(quantities.items(), 1):
            require_text(sku, "sku")
            if type(quantity) is not int or quantity <= 0:  # type() also refuses bool
                raise ValidationError("quantity", "must be a positive int")
            lines.append(DemandLine(f"{order_id}/{count}", sku, quantity))
        demand = tuple(lines)
        now = self.clock.now()
        now_iso = now.isoformat()
        self.hooks.authorize(actor, "reserve", order_id)
        store = self.store
        with store.lock:
            # -- load, levels in sorted (sku, location) order
            skus = sorted({line.sku for line in demand})
            items = {}
            for sku in skus:
                item = store.items.get(sku)
                if item is None:
                    raise NotFound("StockItem", sku)
                items[sku] = item
            locations = store.locations_by_priority()
            levels = {}
            available = {}
            store_levels = store.levels
            for key in sorted((sku, location.id) for sku in skus for location in locations):
                level = store_levels.get(key)
                if level is not None:
                    levels[key] = level
                    available[key] = level.on_hand - level.reserved
            # -- plan, and the policy for what is short
            the_plan = plan(demand, Picture(locations, available), "priority")
            for unmet in the_plan.short:
                if items[unmet.sku].policy == "deny":
                    requested = sum(d.quantity for d in demand if d.sku == unmet.sku)
                    raise InsufficientStock(unmet.sku, requested, unmet.quantity)
            # -- stage the unit of work
            new_levels: dict[tuple[str, str], tuple[int, StockLevel]] = {}  # key -> (expected, new)
            new_reservations = []
            staged: list[JournalEntry] = []
            outbox: list[tuple[str, JsonDict]] = []
            actor_id = actor.id
            for take in the_plan.takes:
                key = (take.sku, take.location)
                reservation_id = f"res-{next(self._ids)}"
                movement = StockMoved(
                    "reserve",
                    take.sku,
                    take.location,
                    take.units,
                    reservation_id,
                    order_id,
                    actor_id,
                    now,
                )
                current = new_levels[key][1] if key in new_levels else levels[key]
                new = apply_movement(current, movement)
                new_levels[key] = (levels[key].version, new)
                new_reservations.append(
                    Reservation(
                        reservation_id,
                        order_id,
                        take.line_id,
                        take.sku,
                        take.location,
                        take.units,
                        "active",
                        now,
                        None,
                    )
                )
                stream_id = f"{take.sku}@{take.location}"
                self._journal_entry(
                    staged,
                    "StockMoved",
                    stream_id,
                    new.version,
                    movement.to_json(now_iso),
                    actor_id,
                    now_iso,
                )
                # One alert per crossing of the threshold, not one per order below it.
                threshold = items[take.sku].low_stock.get(take.location, 0)
                before = current.on_hand - current.reserved
                after = new.on_hand - new.reserved
                if before >= threshold > after:
                    alert: JsonDict = {
                        "sku": take.sku,
                        "location": take.location,
                        "available": after,
                        "threshold": threshold,
                    }
                    self._journal_entry(
                        staged, "LowStock", stream_id, new.version, alert, actor_id, now_iso
                    )
                    outbox.append(("low_stock", alert))
            group = store.groups.get(order_id)
            if group is None:
                new_group = OrderReservations(order_id, tuple(new_reservations), 1)
            else:
                new_group = OrderReservations(
                    order_id, group.reservations + tuple(new_reservations), group.version + 1
                )
            # -- commit: compare and swap everything, then write
            for key, (expected, _) in new_levels.items():
                if store_levels[key].version != expected:
                    raise ConcurrencyConflict(f"level {key}")
            if store.groups.get(order_id) is not group:
                raise ConcurrencyConflict(f"group {order_id}")
            for key, (_, new) in new_levels.items():
                store_levels[key] = new
            store.groups[order_id] = new_group
            if staged:
                store.journal.extend(staged)
                store.last_hash = staged[-1][1]
            if outbox:
                store.outbox.extend(outbox)
        committed = self.hooks.committed
        for entry in staged:
            committed(event=entry)
        return the_plan


# ----------------------------------------------------------------------------- workload

LOCATIONS: Final = (Location("BER", 1, "DE"), Location("PAR", 2, "FR"), Location("MAD", 3, "ES"))
SKUS: Final = [f"SKU-{index:03d}" for index in range(100)]
CLERK: Final = Actor("u-clerk", "clerk")


def stocked_store(units: int, skus: list[str]) -> Store:
    """Three locations and ``units`` of every SKU at BER (deny policy, thresholds 0)."""
    store = Store()
    for location in LOCATIONS:
        store.locations[location.id] = location
    for sku in skus:
        store.items[sku] = StockItem(sku, "deny", {"BER": 0, "PAR": 0, "MAD": 0})
        store.levels[(sku, "BER")] = StockLevel(sku, "BER", units, 0, 1)
    return store


def verify(store: Store) -> tuple[int, int]:
    """Check counters against reservations and the journal chain; return (units, entries)."""
    active: dict[str, int] = {}
    for group in store.groups.values():
        for reservation in group.reservations:
            if reservation.status == "active":
                active[reservation.sku] = active.get(reservation.sku, 0) + reservation.quantity
    reserved: dict[str, int] = {}
    for (sku, _location), level in store.levels.items():
        assert level.reserved <= level.on_hand, (sku, level)
        reserved[sku] = reserved.get(sku, 0) + level.reserved
    for sku in set(reserved) | set(active):
        assert reserved.get(sku, 0) == active.get(sku, 0), (sku, reserved, active)
    verify_chain(store.journal)
    assert store.last_hash == (store.journal[-1][1] if store.journal else GENESIS)
    return sum(active.values()), len(store.journal)


def run_reservations(count: int, *, gc_disabled: bool) -> float:
    """Reserve one unit for each of ``count`` orders; check the store; return reservations/s."""
    store = stocked_store(count, SKUS)
    service = Service(store, make_plugin_manager(RolePolicy()), Clock())
    reserve = service.reserve
    skus = SKUS
    sku_count = len(skus)
    # The previous run's store is garbage: collect it before the clock starts.
    gc.collect()
    if gc_disabled:
        gc.disable()
    try:
        start = time.perf_counter()
        for index in range(count):
            reserve(f"order-{index}", {skus[index % sku_count]: 1}, CLERK)
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    units, entries = verify(store)
    assert units == entries == len(store.groups) == count, (units, entries, count)
    return count / elapsed


def hot_sku(threads: int, per_thread: int, on_hand: int) -> tuple[int, int, int]:
    """Every thread reserves one unit of one SKU at a time; return (reserved, refused, oversold)."""
    store = stocked_store(on_hand, ["HOT"])
    service = Service(store, make_plugin_manager(RolePolicy()), Clock())
    reserved = [0] * threads
    refused = [0] * threads
    start_line = threading.Barrier(threads)

    def worker(number: int) -> None:
        actor = Actor(f"t{number}", "clerk")
        start_line.wait()
        for index in range(per_thread):
            try:
                service.reserve(f"order-{number}-{index}", {"HOT": 1}, actor)
                reserved[number] += 1
            except InsufficientStock:
                refused[number] += 1

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to provoke races
    try:
        pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    finally:
        sys.setswitchinterval(switch_interval)
    level = store.levels[("HOT", "BER")]
    units, entries = verify(store)
    oversold = max(level.reserved - level.on_hand, 0) + max(sum(reserved) - on_hand, 0)
    assert sum(reserved) == min(on_hand, threads * per_thread), "lost or extra reservations"
    assert sum(reserved) + sum(refused) == threads * per_thread
    assert level.reserved == units == entries == sum(reserved)
    assert oversold == 0
    return sum(reserved), sum(refused), oversold


# ----------------------------------------------------------------------------- self-test


def self_tests() -> None:
    """The validation rules, typed errors, planner and low-stock alert, checked once."""
    store = stocked_store(5, SKUS)
    service = Service(store, make_plugin_manager(RolePolicy()), Clock())

    bad_inputs: list[tuple[str, str, dict[str, int]]] = [
        ("order_id", "", {"SKU-000": 1}),
        ("sku", "o", {"": 1}),
        ("quantity", "o", {"SKU-000": True}),
        ("quantity", "o", {"SKU-000": 0}),
        ("quantities", "o", {}),
    ]
    for field, order_id, quantities in bad_inputs:

        def bad_reserve(order_id: str = order_id, quantities: dict[str, int] = quantities) -> None:
            service.reserve(order_id, quantities, CLERK)

        error = raises(ValidationError, bad_reserve)
        assert isinstance(error, ValidationError)
        assert error.field == field, (field, error)
    raises(NotFound, lambda: service.reserve("o", {"NOPE": 1}, CLERK))
    raises(Forbidden, lambda: service.reserve("o", {"SKU-000": 1}, Actor("bob", "viewer")))
    # Two SKUs, the second short: all or nothing.
    short = raises(
        InsufficientStock, lambda: service.reserve("o", {"SKU-000": 3, "SKU-001": 6}, CLERK)
    )
    assert isinstance(short, InsufficientStock)
    assert (short.sku, short.short) == ("SKU-001", 1)
    assert not store.journal
    assert not store.groups
    assert not store.outbox  # nothing written
    assert store.levels[("SKU-000", "BER")].version == 1
    level = store.levels[("SKU-000", "BER")]
    too_many = StockMoved("reserve", "SKU-000", "BER", 6, "r", "o", "u", Clock().now())
    raises(Overdrawn, lambda: apply_movement(level, too_many))
    raises(ValueError, lambda: StockItem("SKU-X", "backorder", {}))

    # Two lines of one SKU are summed before availability; they spill over to PAR in order.
    store.levels[("SKU-002", "PAR")] = StockLevel("SKU-002", "PAR", 3, 0, 1)
    store.items["SKU-002"] = StockItem("SKU-002", "deny", {"BER": 2, "PAR": 0, "MAD": 0})
    demand = (DemandLine("x/1", "SKU-002", 4), DemandLine("x/2", "SKU-002", 3))
    picture = Picture(store.locations_by_priority(), {("SKU-002", "BER"): 5, ("SKU-002", "PAR"): 3})
    planned = plan(demand, picture, "priority")
    assert [(t.line_id, t.location, t.units) for t in planned.takes] == [
        ("x/1", "BER", 4),
        ("x/2", "BER", 1),
        ("x/2", "PAR", 2),
    ]
    assert not planned.short

    def greedy(sku: str, total: int, picture: Picture) -> list[tuple[str, int]]:
        return [("BER", total)]  # ignores what is available

    raises(PlanError, lambda: plan(demand, picture, "greedy", {"greedy": greedy}))

    # The reservation that takes BER below its threshold of 2 journals and queues one alert.
    service.reserve("o2", {"SKU-002": 7}, CLERK)
    service.reserve("o2", {"SKU-000": 1}, CLERK)
    group = store.groups["o2"]
    assert group.version == 2
    assert len(group.reservations) == 3
    assert [topic for topic, _ in store.outbox] == ["low_stock"]
    assert len(store.journal) == 4  # three movements and the alert
    assert verify(store) == (8, 4)


# ----------------------------------------------------------------------------- main


def main() -> None:
    """Check the domain once, measure, and print ``name: value`` lines."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 reservations, one run (CI)")
    parser.add_argument("--reservations", type=int, help="reservations per run (default 50,000)")
    parser.add_argument("--runs", type=int, help="runs, median taken (default 5)")
    args = parser.parse_args()
    count = args.reservations or (2_000 if args.quick else 50_000)
    runs = args.runs or (1 if args.quick else 5)

    self_tests()
    print_interpreter()
    rates = []
    rates_gc_disabled = []
    for _ in range(runs):
        rates.append(run_reservations(count, gc_disabled=False))
        rates_gc_disabled.append(run_reservations(count, gc_disabled=True))
    rate = statistics.median(rates)
    print(f"floor_reservations: {count}")
    print(f"floor_runs: {runs}")
    print(f"floor_reservations_per_s: {rate:.1f}")
    print(f"floor_us_per_reservation: {1e6 / rate:.2f}")
    print(f"floor_reservations_per_s_gc_disabled: {statistics.median(rates_gc_disabled):.1f}")

    threads, per_thread, on_hand = 8, 50, 100
    reserved, refused, oversold = hot_sku(threads, per_thread, on_hand)
    print(f"floor_hot_sku_threads: {threads}")
    print(f"floor_hot_sku_attempts: {threads * per_thread}")
    print(f"floor_hot_sku_on_hand: {on_hand}")
    print(f"floor_hot_sku_reserved: {reserved}")
    print(f"floor_hot_sku_refused: {refused}")
    print(f"floor_hot_sku_oversold: {oversold}")


if __name__ == "__main__":
    main()
