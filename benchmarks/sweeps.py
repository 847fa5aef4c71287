"""Audit sweeps over 100,000 stored orders on the memory backend (target: <= 3 s).

Figures printed:

- ``seed_100k_orders_s``: writing the orders and their journal entries (setup, for context).
- ``sweep_100k_orders_s``: a full, deep sweep with every built-in check: every journal entry
  re-hashed and every order replayed from its events. This is a plan's first run, or any run
  with ``deep=True``.
- ``sweep_100k_orders_scheduled_s``: the same plan's next run (median of ``--runs``), after
  ``--changed`` orders went through desk commands: every check still looks at every order,
  but the journal is verified, and orders replayed, only from the previous clean run's
  checkpoint on (plus every order's stored version against its journal).
- ``check_<code>_s``: each check's share of the deep and the scheduled sweep.
- ``floor_read_and_hash_all_entries_s``: no check at all, only ``orjson.loads`` and SHA-256 of
  every stored journal body once, in one loop: the least any deep sweep must spend to verify
  the chain and read the events it replays. It shows what is left of the 3 s for replaying.

Run: ``python benchmarks/sweeps.py [--quick]`` from the repository root.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from datetime import UTC, datetime

import orjson
from _interpreter import print_interpreter

from ordercore import Actor, Address, Contact, LineDraft, ManualClock, OrderDesk, OrderDraft
from ordercore.audit.plans import AuditPlan, AuditSchedule
from ordercore.audit.report import AuditReport
from ordercore.orders.model import OrderStatus
from ordercore.storage.ports import StoredBodies
from ordercore.testing.seeding import seed_orders

NOW = datetime(2025, 3, 3, 12, tzinfo=UTC)
AUDITOR = Actor("u-auditor")
CLERK = Actor("u-clerk")


def _draft(index: int) -> OrderDraft:
    return OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email=f"ada{index}@example.com"),
        shipping_address=Address("Ada Lovelace", "1 Main St", "Berlin", "DE", "10115"),
        lines=[LineDraft("MUG-01", 1 + index % 3, "12.50", tax_rate="0.19")],
        shipping_fee="4.95",
    )


def _change_orders(desk: OrderDesk, count: int, offset: int) -> None:
    """Half new orders, half pending orders approved: what a day's trading might do."""
    pending = desk.orders.list(status=OrderStatus.PENDING_REVIEW)[: count // 2]
    for order in pending:
        desk.orders.approve(order.id, actor=CLERK)
    for index in range(count - len(pending)):
        desk.orders.place(_draft(offset + index), actor=CLERK)


def _print_checks(label: str, report: AuditReport) -> None:
    for run in report.checks:
        print(f"check_{run.code.replace('-', '_')}_{label}_s: {run.seconds:.3f}")


def floor_read_and_hash(desk: OrderDesk) -> float:
    """Seconds to decode and hash every stored journal body once, with no check around it."""
    with desk.storage.unit_of_work() as uow:
        journal = uow.journal
        assert isinstance(journal, StoredBodies)
        bodies = [stored[0] for stored in journal.stored_bodies()]
    loads, sha256 = orjson.loads, hashlib.sha256
    started = time.perf_counter()
    for body in bodies:
        loads(body)
        sha256(body).hexdigest()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run (for CI)")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print_interpreter()
    orders = 2_000 if args.quick else args.orders
    changed = 50 if args.quick else args.changed
    runs = 1 if args.quick else args.runs

    desk = OrderDesk.open(clock=ManualClock(NOW), entry_points=False)
    started = time.perf_counter()
    seed_orders(desk.storage, orders, now=NOW)
    print(f"orders: {orders}")
    print(f"changed_orders_between_scheduled_runs: {changed}")
    print(f"runs: {runs}")
    print(f"seed_100k_orders_s: {time.perf_counter() - started:.3f}")

    schedule = AuditSchedule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=6", "Europe/Berlin")
    desk.audit.add_plan(AuditPlan("nightly", schedule, owner="ops@example.com"))
    started = time.perf_counter()
    deep = desk.audit.sweep("nightly", actor=AUDITOR)
    deep_seconds = time.perf_counter() - started
    assert deep.ok, deep.to_markdown(limit=5)
    assert deep.deep
    assert deep.orders_in_scope == orders
    print(f"journal_entries: {deep.journal_entries}")
    print(f"sweep_100k_orders_s: {deep_seconds:.3f}")
    _print_checks("deep", deep)
    print(f"floor_read_and_hash_all_entries_s: {floor_read_and_hash(desk):.3f}")

    timings = []
    last = deep
    for run in range(runs):
        _change_orders(desk, changed, run * changed)
        started = time.perf_counter()
        last = desk.audit.sweep("nightly", actor=AUDITOR)
        timings.append(time.perf_counter() - started)
        assert last.ok, last.to_markdown(limit=5)
        assert not last.deep
    print(f"sweep_100k_orders_scheduled_s: {statistics.median(timings):.3f}")
    _print_checks("scheduled", last)


if __name__ == "__main__":
    main()
