"""Journal appends per second on the memory backend (target: >= 50,000/s).

Figures printed (each the median of several runs):

- ``journal_appends_per_s``: entries sealed and committed, 100 entries per unit of work (a
  command journals several events; a batch import journals many).
- ``journal_appends_one_per_uow_per_s``: one entry per unit of work, the worst case.
- ``journal_verify_entries_per_s``: entries re-hashed by ``verify_chain``.
- ``desk_journaled_commands_per_s``: whole desk commands (authorize, unit of work, load, save,
  journal one event, commit), for context.

Run: ``python benchmarks/journal.py [--quick]`` from the repository root.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from _interpreter import print_interpreter

from ordercore import Actor, ManualClock, MemoryStorage, OrderDesk, SequentialIds, verify_chain
from ordercore.audit.journal import EntryDraft
from ordercore.testing import increment

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _drafts(count: int) -> list[EntryDraft]:
    return [
        EntryDraft(
            event_id=f"evt_{index:08d}",
            stream_type="order",
            stream_id=f"ord_{index // 7:07d}",
            version=index % 7 + 1,
            event_type="OrderShipped",
            payload={
                "lines": [{"sku": "SKU-1", "quantity": 2}, {"sku": "SKU-2", "quantity": 1}],
                "amount": "41.97",
                "currency": "EUR",
            },
            actor="u-clerk",
            recorded_at=T0,
            correlation_id=f"cmd_{index:08d}",
        )
        for index in range(count)
    ]


def _append(drafts: list[EntryDraft], per_uow: int) -> float:
    storage = MemoryStorage()
    start = time.perf_counter()
    for offset in range(0, len(drafts), per_uow):
        with storage.unit_of_work() as uow:
            for draft in drafts[offset : offset + per_uow]:
                uow.journal.append(draft)
    elapsed = time.perf_counter() - start
    with storage.unit_of_work() as uow:
        assert uow.journal.head().sequence == len(drafts)
    return len(drafts) / elapsed


def _verify(drafts: list[EntryDraft]) -> float:
    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        for draft in drafts:
            uow.journal.append(draft)
    with storage.unit_of_work() as uow:
        entries = list(uow.journal.read())
    start = time.perf_counter()
    result = verify_chain(entries)
    elapsed = time.perf_counter() - start
    assert result.ok
    return len(entries) / elapsed


def _desk_commands(count: int) -> float:
    clerk = Actor("u-clerk")
    with OrderDesk.open(clock=ManualClock(), ids=SequentialIds(), entry_points=False) as desk:
        start = time.perf_counter()
        for index in range(count):
            desk.execute(increment(f"c{index % 100}"), action="counter.increment", actor=clerk)
        elapsed = time.perf_counter() - start
        assert desk.audit.head().sequence == count
    return count / elapsed


def _median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run (for CI)")
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print_interpreter()
    entries = 5_000 if args.quick else args.entries
    runs = 1 if args.quick else args.runs
    drafts = _drafts(entries)
    print(f"entries: {entries}")
    print(f"runs: {runs}")
    print(f"journal_appends_per_s: {_median(runs, lambda: _append(drafts, 100)):.1f}")
    print(f"journal_appends_one_per_uow_per_s: {_median(runs, lambda: _append(drafts, 1)):.1f}")
    print(f"journal_verify_entries_per_s: {_median(runs, lambda: _verify(drafts)):.1f}")
    commands = entries // 4
    print(f"desk_journaled_commands_per_s: {_median(runs, lambda: _desk_commands(commands)):.1f}")


if __name__ == "__main__":
    main()
