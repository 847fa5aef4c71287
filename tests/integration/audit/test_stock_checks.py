"""The stock checks find expired holds and disagreeing counters, and stay silent on clean stock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from ordercore import (
    Actor,
    ExpiredReservationsCheck,
    OrderDesk,
    ReservedCountersCheck,
    StockLedgerCheck,
    ValidationError,
)
from ordercore.audit.checks import Severity
from ordercore.audit.plans import OrderScope
from ordercore.audit.report import AuditReport
from ordercore.desk.audit_scope import StoredRecords
from ordercore.inventory.model import (
    RESERVATIONS,
    STOCK_LEVELS,
    OrderReservations,
    Reservation,
    ReservationStatus,
    StockLevel,
)
from ordercore.storage.ports import AggregateKind

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
CLERK = Actor("u-clerk")
AUDITOR = Actor("u-auditor", roles={"auditor"})
HOUR = timedelta(hours=1)
GRACE = timedelta(minutes=30)


@pytest.fixture
def stocked(open_desk: Callable[..., OrderDesk]) -> OrderDesk:
    """10 mugs in Berlin: 2 held for cart-1 (1 h), 1 for cart-2 (extended to 6 h), 3 reserved."""
    desk = open_desk()
    inventory = desk.inventory
    inventory.add_location("BER", actor=CLERK, priority=1)
    inventory.add_location("PAR", actor=CLERK, priority=2)
    inventory.track("MUG", actor=CLERK)
    inventory.receive("MUG", "BER", 10, actor=CLERK)
    inventory.hold("cart-1", {"MUG": 2}, actor=CLERK, ttl=HOUR)
    inventory.hold("cart-2", {"MUG": 1}, actor=CLERK, ttl=HOUR)
    inventory.extend("cart-2", actor=CLERK, ttl=6 * HOUR)
    inventory.reserve("ord-1", {"MUG": 3}, actor=CLERK)
    return desk


def _sweep(desk: OrderDesk, code: str, now: datetime = NOW) -> AuditReport:
    return desk.audit.sweep(actor=AUDITOR, checks=[code], now=now)


def test_clean_stock_gives_no_findings(stocked: OrderDesk) -> None:
    report = stocked.audit.sweep(actor=AUDITOR, now=NOW)
    assert report.ok, report.to_markdown()
    assert {"reservations-expired", "reserved-counters"} <= {run.code for run in report.checks}


def test_an_expired_hold_is_found_after_the_grace_and_escalates(stocked: OrderDesk) -> None:
    expired_at = NOW + HOUR
    assert _sweep(stocked, "reservations-expired", expired_at + GRACE).ok  # the boundary
    late = _sweep(stocked, "reservations-expired", expired_at + GRACE + timedelta(seconds=1))
    assert [(f.subject_id, f.severity) for f in late.findings] == [("cart-1#1", Severity.WARNING)]
    assert "2 x MUG at BER for cart-1" in late.findings[0].problem
    assert late.findings[0].details["quantity"] == 2
    much_later = expired_at + GRACE * 48 + timedelta(seconds=1)
    escalated = _sweep(stocked, "reservations-expired", much_later).findings
    assert [(f.subject_id, f.severity) for f in escalated] == [
        ("cart-1#1", Severity.ERROR),  # a day late: past 48 times the grace
        ("cart-2#1", Severity.WARNING),  # extended to six hours: only 19 h late
    ]


def test_the_expiry_sweep_leaves_nothing_for_the_check(stocked: OrderDesk) -> None:
    later = NOW + 2 * HOUR
    assert not _sweep(stocked, "reservations-expired", later).ok
    stocked.inventory.expire_due(actor=CLERK, now=later)
    assert _sweep(stocked, "reservations-expired", later).ok
    assert _sweep(stocked, "reserved-counters", later).ok


def _stored(desk: OrderDesk, kind: AggregateKind[Any], item_id: str) -> Any:
    with desk.storage.unit_of_work() as uow:
        return uow.aggregates(kind).get(item_id)


def _overwrite(desk: OrderDesk, kind: AggregateKind[Any], before: Any, **changes: Any) -> None:
    # A faulty job or a hand edit: a new version, no journal entry, nothing else changed.
    with desk.storage.unit_of_work() as uow:
        changed = attrs.evolve(before, version=before.version + 1, **changes)
        uow.aggregates(kind).save(changed, expected_version=before.version)


def test_a_reserved_counter_that_disagrees_with_the_reservations_is_found(
    stocked: OrderDesk,
) -> None:
    level: StockLevel = _stored(stocked, STOCK_LEVELS, "MUG@BER")
    assert level.reserved == 6
    _overwrite(stocked, STOCK_LEVELS, level, reserved=5)
    findings = _sweep(stocked, "reserved-counters").findings
    assert [(f.subject_id, f.severity) for f in findings] == [("MUG@BER", Severity.ERROR)]
    assert "counts 5 reserved" in findings[0].problem
    assert "hold 6" in findings[0].problem


def test_a_lost_reservation_and_a_reservation_without_a_level_are_found(
    stocked: OrderDesk,
) -> None:
    group: OrderReservations = _stored(stocked, RESERVATIONS, "ord-1")
    stray = Reservation("ord-1#9", "ord-1", "L9", "MUG", "PAR", 4, ReservationStatus.ACTIVE, NOW)
    _overwrite(stocked, RESERVATIONS, group, reservations=(stray,))
    findings = _sweep(stocked, "reserved-counters").findings
    assert [(f.subject_id, f.details["held"]) for f in findings] == [
        ("MUG@BER", 3),  # ord-1's 3 units vanished from the reservations, not from the level
        ("MUG@PAR", 4),  # held at a location that has no level for the SKU
    ]
    assert "no stock level" in findings[1].problem


def test_a_reservation_during_the_sweep_is_not_mistaken_for_a_disagreement(
    stocked: OrderDesk,
) -> None:
    kinds = ReservedCountersCheck().snapshot_kinds
    records = StoredRecords(stocked.storage, OrderScope(), NOW, deep=True, snapshot_kinds=kinds)
    stocked.inventory.reserve("ord-2", {"MUG": 1}, actor=CLERK)  # after the snapshot
    assert list(ReservedCountersCheck().run(records, NOW)) == []
    # The same disagreement, stored before the snapshot, is reported.
    level: StockLevel = _stored(stocked, STOCK_LEVELS, "MUG@BER")
    _overwrite(stocked, STOCK_LEVELS, level, reserved=level.reserved + 1)
    records = StoredRecords(stocked.storage, OrderScope(), NOW, deep=True, snapshot_kinds=kinds)
    assert [f.subject_id for f in ReservedCountersCheck().run(records, NOW)] == ["MUG@BER"]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"grace": timedelta(0)}, "grace"),
        ({"grace": 30}, "grace"),
        ({"escalate_after": 0}, "escalate_after"),
        ({"escalate_after": True}, "escalate_after"),
    ],
)
def test_bad_check_settings_are_refused(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ExpiredReservationsCheck(**settings)
    assert refused.value.field == field


# -- the ledger -------------------------------------------------------------------------------


def _poke(desk: OrderDesk, level: StockLevel) -> None:
    """Change a stored level in place, version and all, as an SQL edit of its body would."""
    memory: Any = desk.storage
    memory._state.aggregates[STOCK_LEVELS.name][level.id] = level


def test_clean_levels_are_what_their_ledgers_rebuild(stocked: OrderDesk) -> None:
    assert _sweep(stocked, "stock-ledger").ok
    stocked.inventory.expire_due(actor=CLERK, now=NOW + 2 * HOUR)
    assert _sweep(stocked, "stock-ledger").ok


def test_a_level_written_without_its_movement_is_found(stocked: OrderDesk) -> None:
    level: StockLevel = _stored(stocked, STOCK_LEVELS, "MUG@BER")
    _overwrite(stocked, STOCK_LEVELS, level, on_hand=100)
    findings = _sweep(stocked, "stock-ledger").findings
    assert [(f.subject_id, f.severity) for f in findings] == [("MUG@BER", Severity.CRITICAL)]
    assert f"ledger ends at version {level.version}" in findings[0].problem


def test_a_level_edited_in_place_is_found_by_replaying_its_ledger(stocked: OrderDesk) -> None:
    level: StockLevel = _stored(stocked, STOCK_LEVELS, "MUG@BER")
    _poke(stocked, attrs.evolve(level, on_hand=100))
    findings = _sweep(stocked, "stock-ledger").findings
    assert [f.subject_id for f in findings] == ["MUG@BER"]
    assert "holds 100 on hand and 6 reserved, but its ledger rebuilds 10 and 6" in (
        findings[0].problem
    )


def test_a_ledger_without_its_level_is_found(stocked: OrderDesk) -> None:
    memory: Any = stocked.storage
    del memory._state.aggregates[STOCK_LEVELS.name]["MUG@BER"]
    findings = _sweep(stocked, "stock-ledger").findings
    assert [f.subject_id for f in findings] == ["MUG@BER"]
    assert "no stock level is stored" in findings[0].problem


def test_a_movement_during_the_sweep_is_not_mistaken_for_a_hand_edit(stocked: OrderDesk) -> None:
    records = StoredRecords(
        stocked.storage, OrderScope(), NOW, deep=True, snapshot_kinds=(STOCK_LEVELS,)
    )
    stocked.inventory.receive("MUG", "BER", 5, actor=CLERK)  # after the snapshot was taken
    assert list(StockLedgerCheck().run(records, NOW)) == []
    # Without the levels in the snapshot the same moment would be a false finding.
    unsnapped = StoredRecords(stocked.storage, OrderScope(), NOW, deep=True)
    stocked.inventory.receive("MUG", "BER", 5, actor=CLERK)
    assert [f.subject_id for f in StockLedgerCheck().run(unsnapped, NOW)] == ["MUG@BER"]
