"""desk.inventory end to end: movements, holds and expiry, availability, alerts, suggestions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal

import pytest

from ordercore import (
    Actor,
    CommittedEvent,
    Demand,
    DemandLine,
    DeskConfig,
    InventoryPolicy,
    Location,
    ManualClock,
    MovementKind,
    OrderDesk,
    OversellPolicy,
    PluginError,
    ReorderRule,
    ReservationStatus,
    SkuAllocation,
    StockPicture,
    ValidationError,
    hookimpl,
)
from ordercore.inventory.model import LOCATIONS
from ordercore.testing import RecordingNotifier

CLERK = Actor("u-clerk", roles={"clerk"})
SWEEPER = Actor.system("stock-sweeper")


def test_receipts_adjustments_and_transfers_move_the_levels_and_the_ledger(
    desk: OrderDesk,
) -> None:
    desk.inventory.receive("SKU-1", "BER", 10, actor=CLERK, reference="delivery note 17")
    desk.inventory.adjust("SKU-1", "BER", -2, actor=CLERK, reason="damaged in the aisle")
    moved = desk.inventory.transfer("SKU-1", "BER", "PAR", 3, actor=CLERK)

    assert (moved.source.on_hand, moved.destination.on_hand) == (5, 3)
    ledger = desk.inventory.ledger("SKU-1", "BER")
    assert [m.kind for m in ledger] == [
        MovementKind.RECEIPT,
        MovementKind.ADJUSTMENT,
        MovementKind.TRANSFER_OUT,
    ]
    assert ledger[2].counterpart == "PAR"
    entries = desk.audit.stream("stock", "SKU-1@BER")
    assert [(e.actor, e.reason) for e in entries][:2] == [
        ("u-clerk", "delivery note 17"),
        ("u-clerk", "damaged in the aisle"),
    ]
    for location in ("BER", "PAR"):
        assert desk.inventory.replay("SKU-1", location) == desk.inventory.level("SKU-1", location)


def test_a_cart_hold_past_its_time_is_released_by_the_sweep_and_an_extended_one_is_not(
    desk: OrderDesk, clock: ManualClock
) -> None:
    desk.inventory.receive("SKU-1", "BER", 4, actor=CLERK)
    desk.inventory.hold("cart-a", {"SKU-1": 2}, actor=CLERK, ttl=timedelta(minutes=15))
    desk.inventory.hold("cart-b", {"SKU-1": 2}, actor=CLERK, ttl=timedelta(minutes=15))
    assert desk.inventory.available("SKU-1") == 0

    clock.advance(timedelta(minutes=10))
    desk.inventory.extend("cart-b", actor=CLERK, ttl=timedelta(minutes=15))
    clock.advance(timedelta(minutes=10))
    expired = desk.inventory.expire_due(actor=SWEEPER)

    assert expired == ("cart-a#1",)
    assert desk.inventory.available("SKU-1") == 2
    (kept,) = desk.inventory.reservations("cart-b").active()
    assert kept.expires_at == clock.now() + timedelta(minutes=5)
    (gone,) = desk.inventory.reservations("cart-a").reservations
    assert gone.status is ReservationStatus.EXPIRED
    assert desk.inventory.expire_due(actor=SWEEPER) == ()
    assert desk.inventory.expire_due(actor=SWEEPER, now=clock.now() + timedelta(minutes=6)) == (
        "cart-b#1",
    )


def test_reserve_takes_every_line_or_nothing(desk: OrderDesk) -> None:
    desk.inventory.track("SKU-2", actor=CLERK)
    desk.inventory.receive("SKU-1", "BER", 5, actor=CLERK)
    desk.inventory.receive("SKU-2", "BER", 1, actor=CLERK)
    lines = [DemandLine("L1", "SKU-1", 2), DemandLine("L2", "SKU-2", 2)]

    with pytest.raises(Exception, match="SKU-2"):
        desk.inventory.reserve("ord-1", lines, actor=CLERK)

    assert desk.inventory.available("SKU-1") == 5
    assert desk.inventory.reservations("ord-1").reservations == ()


def test_a_pickup_reservation_is_taken_only_at_the_chosen_location(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 5, actor=CLERK)
    desk.inventory.receive("SKU-1", "PAR", 1, actor=CLERK)

    with pytest.raises(Exception, match="requested 2, only 1"):
        desk.inventory.reserve("ord-1", {"SKU-1": 2}, actor=CLERK, location="PAR")
    group = desk.inventory.reserve("ord-1", {"SKU-1": 1}, actor=CLERK, location="PAR")

    assert [r.location for r in group.active()] == ["PAR"]


def test_available_to_promise_adds_what_the_policy_allows_beyond_stock(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 3, actor=CLERK)
    desk.inventory.receive("SKU-1", "PAR", 2, actor=CLERK)
    desk.inventory.reserve("ord-1", {"SKU-1": 4}, actor=CLERK)
    assert desk.inventory.available_to_promise("SKU-1") == 1

    desk.inventory.track("SKU-1", actor=CLERK, policy=OversellPolicy.PREORDER, preorder_limit=5)
    assert desk.inventory.available_to_promise("SKU-1") == 6
    desk.inventory.track("SKU-1", actor=CLERK, policy=OversellPolicy.BACKORDER)
    assert desk.inventory.available_to_promise("SKU-1") is None

    availability = desk.inventory.availability("SKU-1")
    assert (availability.on_hand, availability.reserved) == (5, 4)
    assert dict(availability.by_location) == {"BER": 0, "PAR": 1}


def test_a_repeated_idempotency_key_receives_once(desk: OrderDesk) -> None:
    for _ in range(3):
        level = desk.inventory.receive("SKU-1", "BER", 4, actor=CLERK, idempotency_key="asn-9")
    assert level.on_hand == 4
    assert desk.inventory.level("SKU-1", "BER").on_hand == 4


def test_a_repeated_reservation_with_one_idempotency_key_reserves_once(desk: OrderDesk) -> None:
    desk.inventory.receive("SKU-1", "BER", 5, actor=CLERK)
    results = [
        desk.inventory.hold(
            "cart-1", {"SKU-1": 2}, actor=CLERK, ttl=timedelta(minutes=5), idempotency_key="k-1"
        )
        for _ in range(3)
    ]

    assert results[0] == results[1] == results[2]
    assert len(results[0].reservations) == 1
    assert desk.inventory.available("SKU-1") == 3


class Listener:
    """Collects committed events by type."""

    def __init__(self) -> None:
        self.events: list[CommittedEvent] = []

    @hookimpl
    def ordercore_event_committed(self, event: CommittedEvent) -> None:
        self.events.append(event)

    def of_type(self, event_type: str) -> list[CommittedEvent]:
        return [e for e in self.events if e.event_type == event_type]


def _open_alerting(clock: ManualClock, *plugins: object) -> OrderDesk:
    config = DeskConfig(inventory=InventoryPolicy(alerts_to=("email", "buyer@example.com")))
    desk = OrderDesk.open(plugins=plugins, clock=clock, config=config, entry_points=False)
    desk.inventory.add_location("BER", actor=CLERK)
    return desk


def _templates(recorder: RecordingNotifier) -> Iterable[str]:
    return [n.template for n in recorder.received]


def test_low_stock_is_alerted_once_per_crossing_through_the_outbox(clock: ManualClock) -> None:
    listener, recorder = Listener(), RecordingNotifier()
    with _open_alerting(clock, listener, recorder) as desk:
        desk.inventory.track("SKU-1", actor=CLERK, low_stock={"BER": 3})
        desk.inventory.receive("SKU-1", "BER", 6, actor=CLERK)
        for order in ("a", "b", "c", "d"):  # 6 -> 5 -> 3 (crosses) -> 2 -> 1
            desk.inventory.reserve(order, {"SKU-1": 2 if order == "b" else 1}, actor=CLERK)
        assert len(listener.of_type("LowStockReached")) == 1
        assert listener.of_type("LowStockReached")[0].payload["available"] == 3

        desk.inventory.receive("SKU-1", "BER", 5, actor=CLERK)  # back above: re-armed
        desk.inventory.reserve("e", {"SKU-1": 4}, actor=CLERK)
        alerts = [n for n in recorder.received if n.template == "low_stock"]

    assert len(listener.of_type("LowStockReached")) == 2
    assert [(n.recipient, n.data["available"]) for n in alerts] == [
        ("buyer@example.com", 3),
        ("buyer@example.com", 2),
    ]


def test_crossing_the_reorder_point_sends_one_purchase_suggestion(clock: ManualClock) -> None:
    listener, recorder = Listener(), RecordingNotifier()
    rule = ReorderRule(
        minimum=2, maximum=20, multiple=6, lead_time_days=3, safety_stock=1,
        daily_demand=Decimal("1.5"),
    )  # fmt: skip
    with _open_alerting(clock, listener, recorder) as desk:
        desk.inventory.track("SKU-1", actor=CLERK, reorder={"BER": rule})
        desk.inventory.receive("SKU-1", "BER", 12, actor=CLERK)
        desk.inventory.reserve("a", {"SKU-1": 5}, actor=CLERK)  # 7: above the point (6)
        assert listener.of_type("PurchaseSuggestion") == []
        desk.inventory.reserve("b", {"SKU-1": 2}, actor=CLERK)  # 5: crosses
        desk.inventory.reserve("c", {"SKU-1": 1}, actor=CLERK)  # 4: already below
        current = desk.inventory.purchase_suggestions()

    (event,) = listener.of_type("PurchaseSuggestion")
    # Up to 20 from 5 is 15, rounded up to whole packs of 6: 18.
    assert (event.payload["quantity"], event.payload["reorder_point"]) == (18, 6)
    assert event.payload["expected_at"] == (clock.now() + timedelta(days=3)).isoformat()
    assert "purchase_suggestion" in _templates(recorder)
    assert [(s.sku, s.quantity, s.available) for s in current] == [("SKU-1", 18, 4)]


class LastLocationFirst:
    """A host's strategy: the worst-priority location first."""

    code = "last-first"
    description = "worst priority first"

    def allocate(self, demand: Demand, stock: StockPicture) -> Sequence[SkuAllocation]:
        taken = []
        for sku, need in demand.by_sku().items():
            for location in reversed(stock.locations):
                units = min(need, stock.units(sku, location.id))
                if units:
                    taken.append(SkuAllocation(sku, location.id, units))
                    need -= units
        return taken

    @hookimpl
    def ordercore_allocation_strategies(self) -> list[LastLocationFirst]:
        return [self]


def test_a_plugin_strategy_can_be_chosen_per_call_or_as_the_default(clock: ManualClock) -> None:
    plugin = LastLocationFirst()
    config = DeskConfig(inventory=InventoryPolicy(strategy="last-first"))
    with OrderDesk.open(plugins=[plugin], clock=clock, config=config, entry_points=False) as desk:
        for code, priority in (("BER", 1), ("PAR", 2)):
            desk.inventory.add_location(code, actor=CLERK, priority=priority)
        desk.inventory.track("SKU-1", actor=CLERK)
        desk.inventory.receive("SKU-1", "BER", 5, actor=CLERK)
        desk.inventory.receive("SKU-1", "PAR", 5, actor=CLERK)

        by_default = desk.inventory.reserve("o-1", {"SKU-1": 1}, actor=CLERK)
        by_priority = desk.inventory.reserve("o-2", {"SKU-1": 1}, actor=CLERK, strategy="priority")

    assert [r.location for r in by_default.active()] == ["PAR"]
    assert [r.location for r in by_priority.active()] == ["BER"]


class Overreaching(LastLocationFirst):
    """A broken strategy: asks every location for twice what the order wants."""

    code = "overreaching"

    def allocate(self, demand: Demand, stock: StockPicture) -> Sequence[SkuAllocation]:
        return [
            SkuAllocation(sku, location.id, need * 2)
            for sku, need in demand.by_sku().items()
            for location in stock.locations
        ]


def test_a_plugin_strategy_that_breaks_the_contract_is_refused_and_nothing_is_written(
    clock: ManualClock,
) -> None:
    with OrderDesk.open(plugins=[Overreaching()], clock=clock, entry_points=False) as desk:
        desk.inventory.add_location("BER", actor=CLERK, priority=1)
        desk.inventory.track("SKU-1", actor=CLERK)
        desk.inventory.receive("SKU-1", "BER", 50, actor=CLERK)
        before = desk.audit.verify_journal().head
        with pytest.raises(PluginError, match="overreaching"):
            desk.inventory.reserve("o-1", {"SKU-1": 2}, actor=CLERK, strategy="overreaching")
        assert desk.inventory.level("SKU-1", "BER").reserved == 0
        assert desk.audit.verify_journal().head == before


def test_a_plugin_cannot_replace_a_built_in_strategy(clock: ManualClock) -> None:
    class Impostor(LastLocationFirst):
        code = "priority"

    with pytest.raises(PluginError, match="priority"):
        OrderDesk.open(plugins=[Impostor()], clock=clock, entry_points=False)


def test_an_unknown_default_strategy_is_refused_when_the_desk_opens(clock: ManualClock) -> None:
    config = DeskConfig(inventory=InventoryPolicy(strategy="cheapest"))
    with pytest.raises(ValidationError, match="strategy"):
        OrderDesk.open(clock=clock, config=config, entry_points=False)


def test_reservations_follow_location_changes_made_by_the_desk_or_beside_it(
    clock: ManualClock,
) -> None:
    # The desk keeps the sorted locations between commands while the storage says they are
    # unchanged; each kind of change below must be seen by the very next reservation.
    with OrderDesk.open(clock=clock, entry_points=False) as desk:
        for code, priority in (("BER", 3), ("PAR", 4), ("MAD", 5)):
            desk.inventory.add_location(code, actor=CLERK, priority=priority)
        desk.inventory.track("SKU-1", actor=CLERK)
        for code in ("BER", "PAR", "MAD"):
            desk.inventory.receive("SKU-1", code, 10, actor=CLERK)

        def next_location(holder: str) -> str:
            (reservation,) = desk.inventory.reserve(holder, {"SKU-1": 1}, actor=CLERK).active()
            return reservation.location

        assert next_location("o-1") == "BER"
        desk.inventory.add_location("PAR", actor=CLERK, priority=2)  # moves ahead of BER
        assert next_location("o-2") == "PAR"
        desk.inventory.add_location("BER", actor=CLERK, priority=1)  # and BER ahead of it
        assert next_location("o-3") == "BER"
        # Another writer on the same storage (another desk, say) moves MAD to the front.
        with desk.storage.unit_of_work() as uow:
            uow.aggregates(LOCATIONS).save(
                Location("MAD", priority=0, version=2), expected_version=1
            )
        assert next_location("o-4") == "MAD"
