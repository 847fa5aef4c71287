"""Every built-in audit check finds a seeded defect and stays silent on a clean store."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from ordercore import (
    Actor,
    Address,
    Contact,
    CustomerDraft,
    LineDraft,
    Money,
    Order,
    OrderDesk,
    OrderDraft,
    OrderStatus,
    PaymentKind,
    redact,
)
from ordercore.audit.checks import AuditFinding, Severity
from ordercore.audit.order_checks import DEFAULT_SERVICE_LEVELS, IncompleteContactCheck
from ordercore.audit.report import AuditReport
from ordercore.orders.model import ORDERS
from ordercore.testing.seeding import seed_orders

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # the seeded store is clean as of NOW (conftest)
AUDITOR = Actor("u-auditor", roles={"auditor"})
S = OrderStatus
CLERK = Actor("u-clerk")
Find = Callable[[OrderDesk, Callable[[Order], bool]], Order]
Overwrite = Callable[..., Order]
State = Callable[[OrderDesk], Any]

BUILTIN_CODES = {
    "orders-stuck",
    "orders-held-too-long",
    "orders-unpaid-past-deadline",
    "order-totals",
    "order-counters",
    "order-contact-incomplete",
    "reservations-expired",
    "reserved-counters",
    "customer-records-incomplete",
    "journal-chain",
    "replay-consistency",
    "stock-ledger",
}


def _sweep(desk: OrderDesk, *checks: str, now: datetime = NOW) -> AuditReport:
    return desk.audit.sweep(actor=AUDITOR, checks=list(checks) or None, now=now)


def _about(report: AuditReport, subject_id: str) -> list[AuditFinding]:
    return [finding for finding in report.findings if finding.subject_id == subject_id]


def test_a_clean_seeded_store_has_no_findings(seeded: OrderDesk) -> None:
    report = _sweep(seeded)
    assert report.ok, report.to_markdown()
    assert {run.code for run in report.checks} == BUILTIN_CODES
    assert report.orders_in_scope == 200
    assert report.journal_entries > 200
    assert {order.status for order in seeded.orders.list()} >= {
        S.COMPLETED,
        S.DELIVERED,
        S.IN_FULFILMENT,
        S.CONFIRMED,
        S.APPROVED,
        S.PENDING_REVIEW,
        S.ON_HOLD,
        S.CANCELLED,
        S.EXPIRED,
    }


@pytest.mark.slow
def test_a_clean_store_of_10000_orders_has_no_findings(
    open_desk: Callable[..., OrderDesk],
) -> None:
    desk = open_desk()
    seed_orders(desk.storage, 10_000, now=NOW)
    # Stock as well, so that the stock checks judge real levels and reservations: holds that
    # run past NOW, reservations without expiry, and one hold already expired and released.
    inventory = desk.inventory
    inventory.add_location("BER", actor=CLERK, priority=1)
    for sku in (f"SKU-{index:02d}" for index in range(20)):
        inventory.track(sku, actor=CLERK)
        inventory.receive(sku, "BER", 1_000, actor=CLERK)
    for index in range(400):
        lines = {f"SKU-{index % 20:02d}": 1 + index % 3}
        if index % 2:
            inventory.hold(f"cart-{index}", lines, actor=CLERK, ttl=timedelta(hours=2))
        else:
            inventory.reserve(f"ord-stock-{index}", lines, actor=CLERK)
    inventory.hold("cart-gone", {"SKU-00": 1}, actor=CLERK, ttl=timedelta(minutes=1))
    inventory.expire_due(actor=CLERK, now=NOW + timedelta(minutes=2))
    for index in range(50):  # and customer records, complete ones
        draft = CustomerDraft(f"Buyer {index}", email=f"buyer{index}@example.com")
        desk.customers.register(draft, actor=CLERK)
    started = time.perf_counter()
    report = _sweep(desk)
    assert time.perf_counter() - started < 20
    assert report.ok, report.to_markdown(limit=10)
    assert report.orders_in_scope == 10_000
    assert {run.code for run in report.checks} == BUILTIN_CODES


def test_seeded_orders_replay_to_exactly_what_is_stored(seeded: OrderDesk) -> None:
    for order in seeded.orders.list()[:30]:
        assert seeded.orders.replay(order.id) == order


# -- money ------------------------------------------------------------------------------------


def test_order_totals_finds_a_corrupted_grand_total(
    seeded: OrderDesk, first: Find, overwrite: Overwrite
) -> None:
    order = first(seeded, lambda o: o.status is S.COMPLETED)
    wrong = attrs.evolve(
        order.totals, grand_total=order.totals.grand_total + Money.of("0.01", "EUR")
    )
    overwrite(seeded, order, totals=wrong)
    report = _sweep(seeded, "order-totals")
    assert [(f.subject_id, f.severity) for f in report.findings] == [(order.id, Severity.ERROR)]
    assert "grand_total" in report.findings[0].problem


def test_order_totals_finds_a_line_whose_total_disagrees_with_its_parts(
    seeded: OrderDesk, first: Find, overwrite: Overwrite
) -> None:
    order = first(seeded, lambda o: o.status is S.APPROVED)
    line = order.lines[0]
    bad_line = attrs.evolve(line, tax=line.tax + Money.of("0.01", "EUR"))
    overwrite(seeded, order, lines=(bad_line, *order.lines[1:]))
    findings = _sweep(seeded, "order-totals").findings
    assert len(findings) == 1
    assert f"line {line.line_id} total" in findings[0].problem
    assert "tax is" in findings[0].problem


# -- staleness --------------------------------------------------------------------------------


def test_orders_stuck_fires_just_past_the_service_level_and_escalates(
    seeded: OrderDesk, first: Find
) -> None:
    order = first(seeded, lambda o: o.status is S.CONFIRMED)
    confirmed_at = order.milestones.confirmed_at
    assert confirmed_at is not None
    limit = timedelta(hours=48)
    assert _about(_sweep(seeded, "orders-stuck", now=confirmed_at + limit), order.id) == []
    late = _about(
        _sweep(seeded, "orders-stuck", now=confirmed_at + limit + timedelta(seconds=1)), order.id
    )
    assert [f.severity for f in late] == [Severity.WARNING]
    assert "confirmed" in late[0].problem
    very_late = _about(
        _sweep(seeded, "orders-stuck", now=confirmed_at + 2 * limit + timedelta(seconds=1)),
        order.id,
    )
    assert [f.severity for f in very_late] == [Severity.ERROR]


def test_orders_stuck_counts_from_the_release_of_a_hold(
    open_desk: Callable[..., OrderDesk],
) -> None:
    desk = open_desk()
    order = desk.orders.place(_draft(), actor=CLERK)
    desk.orders.hold(order.id, actor=CLERK, reason="check address")
    clock = desk.clock
    assert hasattr(clock, "advance")
    clock.advance(timedelta(days=3))
    released = desk.orders.release(order.id, actor=CLERK)
    # Back where it was held from (pending review, or approved where intake reviews orders).
    limit = DEFAULT_SERVICE_LEVELS[released.status]
    released_at = desk.clock.now()
    assert _sweep(desk, "orders-stuck", now=released_at + limit).ok
    late = _sweep(desk, "orders-stuck", now=released_at + limit + timedelta(seconds=1))
    assert [f.subject_id for f in late.findings] == [order.id]


def test_held_orders_fire_after_the_review_window(seeded: OrderDesk, first: Find) -> None:
    order = first(seeded, lambda o: o.status is S.ON_HOLD)
    held_at = order.milestones.held_at
    assert held_at is not None
    window = timedelta(hours=24)
    assert _about(_sweep(seeded, "orders-held-too-long", now=held_at + window), order.id) == []
    late = _about(
        _sweep(seeded, "orders-held-too-long", now=held_at + window + timedelta(seconds=1)),
        order.id,
    )
    assert [f.severity for f in late] == [Severity.WARNING]
    assert "address check" in late[0].problem
    # Held orders are this check's business, not the stuck-state check's.
    assert _about(_sweep(seeded, "orders-stuck", now=held_at + 10 * window), order.id) == []


def _draft(sku: str = "MUG-01", email: str = "ada@example.com") -> OrderDraft:
    # Different SKUs and e-mails keep review at intake from holding a look-alike order.
    return OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email=email),
        shipping_address=Address("Ada Lovelace", "1 Main St", "Berlin", "DE", "10115"),
        lines=[LineDraft(sku, 2, "12.50", tax_rate="0.19")],
        shipping_fee="4.95",
    )


def _approved(desk: OrderDesk, draft: OrderDraft) -> Order:
    order = desk.orders.place(draft, actor=CLERK)
    if order.status is S.PENDING_REVIEW:  # where intake does not review orders itself
        order = desk.orders.approve(order.id, actor=CLERK)
    assert order.status is S.APPROVED
    return order


def test_unpaid_orders_fire_at_the_payment_deadline(open_desk: Callable[..., OrderDesk]) -> None:
    desk = open_desk()
    approved = _approved(desk, _draft())
    other = _approved(desk, _draft("TEA-07", "grace@example.com"))
    confirmed = desk.orders.confirm(other.id, actor=CLERK)
    due = approved.payment_due_at
    assert due is not None
    assert due == confirmed.payment_due_at
    assert _sweep(desk, "orders-unpaid-past-deadline", now=due - timedelta(seconds=1)).ok
    report = _sweep(desk, "orders-unpaid-past-deadline", now=due)
    found = {f.subject_id: f.severity for f in report.findings}
    assert found == {approved.id: Severity.WARNING, confirmed.id: Severity.ERROR}
    assert "stock stays reserved" in _about(report, confirmed.id)[0].problem


def test_unpaid_orders_ignore_paid_and_credit_orders(open_desk: Callable[..., OrderDesk]) -> None:
    desk = open_desk()
    order = _approved(desk, _draft())
    desk.orders.record_payment(
        order.id,
        actor=CLERK,
        kind=PaymentKind.CAPTURE,
        amount=order.totals.grand_total,
    )
    on_account = attrs.evolve(_draft("TEA-07", "grace@example.com"), credit_terms=True)
    credit = desk.orders.place(on_account, actor=CLERK)
    assert credit.credit_terms
    assert order.payment_due_at is not None
    assert _sweep(desk, "orders-unpaid-past-deadline", now=order.payment_due_at).ok


# -- counters and contact data ----------------------------------------------------------------


def test_order_counters_find_a_desynchronised_reservation(
    seeded: OrderDesk, first: Find, overwrite: Overwrite
) -> None:
    order = first(seeded, lambda o: o.status is S.CONFIRMED)
    line = order.lines[0]
    assert line.reserved == line.open_quantity > 0
    overwrite(seeded, order, lines=(attrs.evolve(line, reserved=0), *order.lines[1:]))
    findings = _sweep(seeded, "order-counters").findings
    assert [(f.subject_id, f.severity) for f in findings] == [(order.id, Severity.ERROR)]
    assert f"line {line.line_id} reserves 0 of {line.open_quantity}" in findings[0].problem


def test_order_counters_find_a_status_the_counters_contradict(
    seeded: OrderDesk, first: Find, overwrite: Overwrite
) -> None:
    order = first(seeded, lambda o: o.status is S.IN_FULFILMENT)
    overwrite(seeded, order, status=S.FULFILLED)
    findings = _sweep(seeded, "order-counters").findings
    assert [f.subject_id for f in findings] == [order.id]
    assert "the line counters say in_fulfilment" in findings[0].problem


def test_order_counters_find_a_broken_invariant(
    seeded: OrderDesk, first: Find, overwrite: Overwrite
) -> None:
    order = first(seeded, lambda o: o.status is S.COMPLETED)
    line = order.lines[0]
    overwrite(seeded, order, lines=(attrs.evolve(line, delivered=line.shipped + 1),))
    findings = _sweep(seeded, "order-counters").findings
    assert [f.subject_id for f in findings] == [order.id]
    assert "delivered" in findings[0].problem


def test_incomplete_contact_finds_an_open_order_nobody_can_reach(
    seeded: OrderDesk, first: Find, overwrite: Overwrite
) -> None:
    order = first(seeded, lambda o: o.status is S.PENDING_REVIEW)
    address = attrs.evolve(order.shipping_address, city=" ")
    overwrite(seeded, order, contact=Contact("Ada Lovelace"), shipping_address=address)
    findings = _sweep(seeded, "order-contact-incomplete").findings
    assert [(f.subject_id, f.severity) for f in findings] == [(order.id, Severity.WARNING)]
    assert "neither an e-mail address nor a phone number" in findings[0].problem
    assert "lacks city" in findings[0].problem
    assert "Ada" not in findings[0].problem  # what is missing, never the data


def test_incomplete_contact_leaves_closed_orders_alone_unless_asked(
    seeded: OrderDesk, first: Find, overwrite: Overwrite
) -> None:
    order = first(seeded, lambda o: o.status is S.COMPLETED)
    overwrite(seeded, order, contact=Contact("Ada Lovelace"))
    assert _sweep(seeded, "order-contact-incomplete").ok
    strict = IncompleteContactCheck(include_closed=True)
    report = seeded.audit.sweep(actor=AUDITOR, checks=[strict], now=NOW)
    assert [f.subject_id for f in report.findings] == [order.id]


# -- the journal ------------------------------------------------------------------------------


def test_journal_chain_finds_an_edited_entry(seeded: OrderDesk, memory_state: State) -> None:
    journal = memory_state(seeded).journal
    entry = journal[41]
    journal[41] = attrs.evolve(entry, actor="mallory")
    findings = _sweep(seeded, "journal-chain").findings
    assert [(f.subject_kind, f.subject_id, f.severity) for f in findings] == [
        ("journal", str(entry.sequence), Severity.CRITICAL)
    ]
    assert "hash" in findings[0].problem


def test_journal_chain_finds_a_removed_entry(seeded: OrderDesk, memory_state: State) -> None:
    del memory_state(seeded).journal[10]
    findings = _sweep(seeded, "journal-chain").findings
    assert [f.subject_id for f in findings] == ["11"]


def test_replay_finds_an_order_written_without_its_events(
    seeded: OrderDesk, first: Find, overwrite: Overwrite
) -> None:
    order = first(seeded, lambda o: o.status is S.APPROVED)
    overwrite(seeded, order, assignee="mallory")
    findings = _sweep(seeded, "replay-consistency").findings
    assert [(f.subject_id, f.severity) for f in findings] == [(order.id, Severity.CRITICAL)]
    assert "written without its events" in findings[0].problem
    assert "assignee" in findings[0].problem


def test_replay_finds_an_order_changed_in_place(
    seeded: OrderDesk, first: Find, memory_state: State
) -> None:
    order = first(seeded, lambda o: o.status is S.COMPLETED)
    memory_state(seeded).aggregates["order"][order.id] = attrs.evolve(order, queue="elsewhere")
    findings = _sweep(seeded, "replay-consistency").findings
    assert [f.subject_id for f in findings] == [order.id]
    assert "differs from what its journal rebuilds (fields: queue)" in findings[0].problem


def test_replay_finds_an_order_with_no_journal_at_all(seeded: OrderDesk, first: Find) -> None:
    order = first(seeded, lambda o: True)
    stray = attrs.evolve(order, id="ord_stray", version=1)
    with seeded.storage.unit_of_work() as uow:
        uow.aggregates(ORDERS).save(stray, expected_version=0)
    findings = _sweep(seeded, "replay-consistency").findings
    assert [f.subject_id for f in findings] == ["ord_stray"]
    assert "no journal entries" in findings[0].problem


def test_an_erased_customer_is_not_a_finding(
    seeded: OrderDesk, first: Find, memory_state: State
) -> None:
    order = first(seeded, lambda o: o.status is S.COMPLETED)
    journal = memory_state(seeded).journal
    placed = seeded.orders.history(order.id)[0]
    journal[placed.sequence - 1] = redact(placed)
    assert _sweep(seeded, "replay-consistency", "journal-chain").ok
