"""The pure inventory domain: values, the ledger, reservation decisions, replenishment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from ordercore import (
    AllocationPlan,
    Demand,
    DemandLine,
    InsufficientStock,
    InvalidTransition,
    LineAllocation,
    Location,
    MovementKind,
    OrderReservations,
    OversellPolicy,
    PluginError,
    ReorderRule,
    Reservation,
    ReservationStatus,
    SkuAllocation,
    StockItem,
    StockLevel,
    StockMoved,
    StockPicture,
    ValidationError,
    plan_allocation,
)
from ordercore.inventory import movements, reservations
from ordercore.inventory.ledger import apply_movement, replay_level
from ordercore.inventory.replenishment import (
    low_stock_alert,
    reorder_point,
    suggest_purchase,
)

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
BER = Location("BER", priority=1)
PAR = Location("PAR", priority=2)


def _level(on_hand: int, reserved: int = 0, location: str = "BER") -> StockLevel:
    return attrs.evolve(StockLevel.empty("SKU", location), on_hand=on_hand, reserved=reserved)


def _reserved(
    group: OrderReservations, *allocations: tuple[str, str, int], ttl: timedelta | None = None
) -> OrderReservations:
    plan = AllocationPlan(
        "test", tuple(LineAllocation(line, "SKU", loc, qty) for line, loc, qty in allocations)
    )
    after, _ = reservations.reserve(
        group, plan, locations=(BER, PAR), now=NOW, expires_at=None if ttl is None else NOW + ttl
    )
    return after


# -- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Location(""), "location"),
        (lambda: Location("A@B"), "location"),
        (lambda: Location("A", priority=-1), "priority"),
        (lambda: StockItem("SKU", preorder_limit=-1), "preorder_limit"),
        (lambda: StockItem("SKU", low_stock={"BER": -1}), "low_stock[BER]"),
        (lambda: ReorderRule(minimum=5, maximum=2), "maximum"),
        (lambda: ReorderRule(minimum=1, maximum=2, multiple=0), "multiple"),
        (lambda: ReorderRule(minimum=1, maximum=2, daily_demand=1.5), "daily_demand"),  # type: ignore[arg-type]
        (lambda: DemandLine("L1", "SKU", 0), "quantity"),
        (lambda: Demand(()), "lines"),
        (lambda: Demand((DemandLine("L1", "A", 1), DemandLine("L1", "B", 1))), "lines[L1]"),
    ],
)
def test_bad_values_name_their_field(build: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field


def test_the_oversell_policy_says_how_many_units_may_be_promised_beyond_stock() -> None:
    assert not StockItem("S").may_oversell(1)
    assert StockItem("S").may_oversell(0)
    assert StockItem("S", OversellPolicy.BACKORDER).may_oversell(10**6)
    assert StockItem("S", OversellPolicy.PREORDER, preorder_limit=3).may_oversell(3)
    assert not StockItem("S", OversellPolicy.PREORDER, preorder_limit=3).may_oversell(4)


def test_levels_derive_available_and_oversold() -> None:
    level = _level(on_hand=2, reserved=5)
    assert (level.available, level.oversold) == (-3, 3)
    assert (_level(5, 2).available, _level(5, 2).oversold) == (3, 0)


@pytest.mark.parametrize("cls", [StockLevel, OrderReservations, Reservation])
def test_classes_copied_with_the_fast_replace_have_nothing_init_would_run(cls: type) -> None:
    assert not hasattr(cls, "__attrs_post_init__")
    for field in attrs.fields(cls):
        assert field.validator is None, field.name
        assert field.converter is None, field.name


# -- ledger ------------------------------------------------------------------------------------


def test_a_level_replays_from_its_movements_one_version_each() -> None:
    movements = [
        StockMoved(MovementKind.RECEIPT, "SKU", "BER", on_hand_change=5),
        StockMoved(MovementKind.RESERVE, "SKU", "BER", reserved_change=3),
        StockMoved(MovementKind.CONSUME, "SKU", "BER", on_hand_change=-2, reserved_change=-2),
    ]
    level = replay_level("SKU", "BER", movements)
    assert (level.on_hand, level.reserved, level.version) == (3, 1, 3)


@pytest.mark.parametrize(
    "movement",
    [
        StockMoved(MovementKind.ADJUSTMENT, "SKU", "BER", on_hand_change=-6),
        StockMoved(MovementKind.RELEASE, "SKU", "BER", reserved_change=-1),
        StockMoved(MovementKind.RECEIPT, "SKU", "PAR", on_hand_change=1),
    ],
)
def test_a_movement_that_would_break_a_level_is_refused(movement: StockMoved) -> None:
    with pytest.raises(ValidationError):
        apply_movement(_level(5), movement)


# -- reservation decisions ---------------------------------------------------------------------


def test_release_takes_the_newest_reservations_of_a_line_first() -> None:
    group = _reserved(OrderReservations("o"), ("L1", "BER", 2), ("L1", "PAR", 3))
    after, movements = reservations.release(group, {"L1": 4})
    assert [(m.location, m.reserved_change) for m in movements] == [("PAR", -3), ("BER", -1)]
    assert [(r.quantity, r.status) for r in after.reservations] == [
        (1, ReservationStatus.ACTIVE),
        (0, ReservationStatus.RELEASED),
    ]
    assert after.version == group.version + 1


def test_releasing_twice_is_an_invalid_transition() -> None:
    group, _ = reservations.release(_reserved(OrderReservations("o"), ("L1", "BER", 2)))
    with pytest.raises(InvalidTransition, match="released"):
        reservations.release(group)


def test_a_lenient_release_ignores_units_it_never_held() -> None:
    group = _reserved(OrderReservations("o"), ("L1", "BER", 2))
    after, movements = reservations.release(group, {"L1": 5, "L2": 1}, strict=False)
    assert [m.reserved_change for m in movements] == [-2]
    assert after.active() == ()


def test_consume_takes_the_oldest_first_and_needs_the_units_on_hand() -> None:
    group = _reserved(OrderReservations("o"), ("L1", "BER", 2), ("L1", "PAR", 3))
    levels = {"SKU@BER": _level(2, 2), "SKU@PAR": _level(1, 3, "PAR")}
    after, movements = reservations.consume(group, {"L1": 3}, levels)
    assert [(m.location, m.on_hand_change) for m in movements] == [("BER", -2), ("PAR", -1)]
    assert [r.consumed for r in after.reservations] == [2, 1]
    with pytest.raises(InsufficientStock):
        reservations.consume(group, {"L1": 4}, levels)
    with pytest.raises(ValidationError, match="2 held"):
        reservations.consume(_reserved(OrderReservations("p"), ("L1", "BER", 2)), {"L1": 3}, levels)


def test_extend_moves_only_expiring_reservations_and_expire_due_takes_only_those_past_time() -> (
    None
):
    group = _reserved(OrderReservations("c"), ("L1", "BER", 1), ttl=timedelta(minutes=5))
    group = _reserved(group, ("L2", "BER", 1))  # no expiry
    extended, movements = reservations.extend(group, NOW + timedelta(minutes=30), NOW)
    assert [m.kind for m in movements] == [MovementKind.EXTEND]
    unchanged, none = reservations.expire_due(extended, NOW + timedelta(minutes=10))
    assert (unchanged, none) == (extended, [])
    expired, moved = reservations.expire_due(extended, NOW + timedelta(minutes=30))
    assert [r.status for r in expired.reservations] == [
        ReservationStatus.EXPIRED,
        ReservationStatus.ACTIVE,
    ]
    assert [m.reserved_change for m in moved] == [-1]
    with pytest.raises(ValidationError):
        reservations.extend(group, NOW, NOW)


def test_backorders_are_checked_against_the_policy_and_earlier_promises() -> None:
    demand = Demand((DemandLine("L1", "SKU", 4),))
    levels = [_level(1, 2)]  # one unit already promised beyond stock
    picture = StockPicture.of([BER], levels)

    class Nothing:
        code = "nothing"
        description = "takes nothing"

        def allocate(self, demand: Demand, stock: StockPicture) -> Sequence[SkuAllocation]:
            return []

    plan = plan_allocation(demand, picture, Nothing())
    preorder = {"SKU": StockItem("SKU", OversellPolicy.PREORDER, preorder_limit=5)}
    assert reservations.check_backorders(plan, demand, preorder, levels) is None
    preorder = {"SKU": StockItem("SKU", OversellPolicy.PREORDER, preorder_limit=4)}
    short = reservations.check_backorders(plan, demand, preorder, levels)
    assert short is not None
    assert (short.requested, short.available) == (4, 0)


# -- strategies from plugins -------------------------------------------------------------------


class Greedy:
    code = "greedy"
    description = "takes whatever it is told to"

    def __init__(self, answer: Sequence[SkuAllocation]) -> None:
        self.answer = answer

    def allocate(self, demand: Demand, stock: StockPicture) -> Sequence[SkuAllocation]:
        return self.answer


@pytest.mark.parametrize(
    "answer",
    [
        [SkuAllocation("SKU", "BER", 6)],  # more than BER has
        [SkuAllocation("SKU", "XXX", 1)],  # no such location
        [SkuAllocation("OTHER", "BER", 1)],  # not asked for
        [SkuAllocation("SKU", "BER", 3), SkuAllocation("SKU", "PAR", 3)],  # more than asked
    ],
)
def test_a_strategy_that_breaks_the_contract_is_a_plugin_error(
    answer: Sequence[SkuAllocation],
) -> None:
    picture = StockPicture.of([BER, PAR], [_level(5), _level(5, location="PAR")])
    with pytest.raises(PluginError, match="greedy"):
        plan_allocation(Demand((DemandLine("L1", "SKU", 4),)), picture, Greedy(answer))


def test_a_plan_spreads_a_skus_units_over_its_lines_in_line_order() -> None:
    picture = StockPicture.of([BER, PAR], [_level(3), _level(2, location="PAR")])
    demand = Demand((DemandLine("L1", "SKU", 2), DemandLine("L2", "SKU", 4)))
    plan = plan_allocation(
        demand, picture, Greedy([SkuAllocation("SKU", "BER", 3), SkuAllocation("SKU", "PAR", 2)])
    )
    assert [(a.line_id, a.location, a.quantity) for a in plan.allocations] == [
        ("L1", "BER", 2),
        ("L2", "BER", 1),
        ("L2", "PAR", 2),
    ]
    assert [(b.line_id, b.quantity) for b in plan.backorders] == [("L2", 1)]
    assert plan.locations == ("BER", "PAR")


# -- replenishment -----------------------------------------------------------------------------


def test_the_reorder_point_is_safety_stock_plus_lead_time_demand_but_at_least_the_minimum() -> None:
    assert reorder_point(ReorderRule(minimum=3, maximum=9)) == 3
    rule = ReorderRule(
        minimum=3, maximum=9, lead_time_days=4, safety_stock=2, daily_demand=Decimal("1.25")
    )
    assert reorder_point(rule) == 7


def test_a_suggestion_restores_the_target_in_whole_packs() -> None:
    rule = ReorderRule(minimum=2, maximum=10, multiple=4, lead_time_days=2)
    suggestion = suggest_purchase(_level(5, 4), rule, NOW)
    assert (suggestion.quantity, suggestion.target, suggestion.available) == (12, 10, 1)
    assert suggestion.expected_at == NOW + timedelta(days=2)


def test_a_low_stock_alert_fires_only_on_the_downward_crossing() -> None:
    assert low_stock_alert(_level(5), _level(3), 3) is not None
    assert low_stock_alert(_level(3), _level(2), 3) is None
    assert low_stock_alert(_level(2), _level(5), 3) is None
    assert low_stock_alert(_level(5), _level(3), None) is None


# -- adjustments and transfers -----------------------------------------------------------------


def test_a_transfer_moves_out_and_in_in_sorted_location_order() -> None:
    out_first = movements.transfer(_level(5, 2, "BER"), "PAR", 3)
    in_first = movements.transfer(_level(5, 2, "PAR"), "BER", 3)
    assert [(m.kind, m.location) for m in out_first] == [
        (MovementKind.TRANSFER_OUT, "BER"),
        (MovementKind.TRANSFER_IN, "PAR"),
    ]
    assert [(m.kind, m.location) for m in in_first] == [
        (MovementKind.TRANSFER_IN, "BER"),
        (MovementKind.TRANSFER_OUT, "PAR"),
    ]
    with pytest.raises(ValidationError, match="only 3 available"):
        movements.transfer(_level(5, 2), "PAR", 4)


def test_an_adjustment_below_reserved_counts_against_the_preorder_limit_everywhere() -> None:
    item = StockItem("SKU", OversellPolicy.PREORDER, preorder_limit=3)
    elsewhere = [_level(0, 2, "PAR")]  # two units already promised beyond stock in Paris
    assert movements.adjustment(item, _level(4, 4), elsewhere, -1).on_hand_change == -1
    with pytest.raises(ValidationError) as caught:
        movements.adjustment(item, _level(4, 4), elsewhere, -2)
    assert caught.value.field == "change"
    with pytest.raises(ValidationError, match="only 4 on hand"):
        movements.adjustment(StockItem("SKU", OversellPolicy.BACKORDER), _level(4), [], -5)
