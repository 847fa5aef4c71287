"""Stock reservations per second on the memory backend (target: >= 20,000/s single thread).

Figures printed (each the median of several runs):

- ``reservations_per_s``: whole ``desk.inventory.reserve`` commands, one thread, one line of
  one unit each, spread over 100 SKUs in 3 locations (authorize, unit of work, load the item,
  the locations and the levels, plan, save the level and the holder's reservations, journal
  the movement, commit).
- ``us_per_reservation``: the same, as time per command.
- ``reservations_per_s_default_desk``: the same on a desk opened with its defaults (the system
  clock and time-sortable ids) instead of a fixed clock and sequential ids, as a host runs it.
- ``hot_sku_threads``, ``hot_sku_attempts``, ``hot_sku_on_hand``: the contended run: every
  thread reserves one unit at a time of a single SKU that has fewer units than attempts.
- ``hot_sku_reserved``, ``hot_sku_refused``, ``hot_sku_oversold``: what came of it; the run
  fails unless exactly ``on_hand`` reservations succeed, the rest are refused with
  ``InsufficientStock``, and the level (and its replayed ledger) shows nothing oversold.
- ``hot_sku_attempts_per_s``: attempts (reserved or refused) per second over all threads.

Run: ``python benchmarks/reservations.py [--quick]`` from the repository root.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import threading
import time
from collections.abc import Callable

from _interpreter import print_interpreter

from ordercore import Actor, InsufficientStock, ManualClock, OrderDesk, SequentialIds

CLERK = Actor("u-clerk")
SKUS = [f"SKU-{index:03d}" for index in range(100)]
LOCATIONS = (("BER", 1), ("PAR", 2), ("MAD", 3))


def _stocked_desk(skus: list[str], units: int, *, defaults: bool = False) -> OrderDesk:
    if defaults:
        desk = OrderDesk.open(entry_points=False)
    else:
        desk = OrderDesk.open(clock=ManualClock(), ids=SequentialIds(), entry_points=False)
    for code, priority in LOCATIONS:
        desk.inventory.add_location(code, actor=CLERK, priority=priority)
    for sku in skus:
        desk.inventory.track(sku, actor=CLERK)
        desk.inventory.receive(sku, "BER", units, actor=CLERK)
    return desk


def _single_thread(count: int, *, defaults: bool = False) -> float:
    with _stocked_desk(SKUS, count, defaults=defaults) as desk:
        reserve = desk.inventory.reserve
        # The previous run's desk is garbage in reference cycles: collect it before the clock
        # starts, so that one run does not pay for another (as the lifecycle benchmark does).
        gc.collect()
        start = time.perf_counter()
        for index in range(count):
            reserve(f"order-{index}", {SKUS[index % len(SKUS)]: 1}, actor=CLERK)
        elapsed = time.perf_counter() - start
        assert desk.inventory.availability(SKUS[0]).reserved == -(-count // len(SKUS))
    return count / elapsed


def _hot_sku(threads: int, attempts: int, on_hand: int) -> tuple[float, int, int, int]:
    """Return (attempts per second, reserved, refused, oversold)."""
    with _stocked_desk(["HOT"], on_hand) as desk:
        per_thread = attempts // threads
        reserved = [0] * threads
        refused = [0] * threads
        start_line = threading.Barrier(threads + 1)

        def worker(number: int) -> None:
            start_line.wait()
            for index in range(per_thread):
                try:
                    desk.inventory.reserve(f"t{number}-{index}", {"HOT": 1}, actor=CLERK)
                    reserved[number] += 1
                except InsufficientStock:
                    refused[number] += 1

        pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        for thread in pool:
            thread.start()
        start_line.wait()
        start = time.perf_counter()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - start
        level = desk.inventory.level("HOT", "BER")
        assert desk.inventory.replay("HOT", "BER") == level
        oversold = max(level.reserved - level.on_hand, 0) + max(sum(reserved) - on_hand, 0)
        assert sum(reserved) == min(on_hand, per_thread * threads), "lost or extra reservations"
        assert level.reserved == sum(reserved)
        assert oversold == 0
    return per_thread * threads / elapsed, sum(reserved), sum(refused), oversold


def _median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run (for CI)")
    parser.add_argument("--reservations", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print_interpreter()
    count = 2_000 if args.quick else args.reservations
    runs = 1 if args.quick else args.runs
    threads = args.threads
    attempts = count // threads * threads
    on_hand = attempts * 3 // 4  # a quarter of the attempts must be refused

    print(f"reservations: {count}")
    print(f"runs: {runs}")
    rate = _median(runs, lambda: _single_thread(count))
    print(f"reservations_per_s: {rate:.1f}")
    print(f"us_per_reservation: {1e6 / rate:.1f}")
    default_rate = _median(runs, lambda: _single_thread(count, defaults=True))
    print(f"reservations_per_s_default_desk: {default_rate:.1f}")

    results = [_hot_sku(threads, attempts, on_hand) for _ in range(runs)]
    print(f"hot_sku_threads: {threads}")
    print(f"hot_sku_attempts: {attempts}")
    print(f"hot_sku_on_hand: {on_hand}")
    print(f"hot_sku_reserved: {results[0][1]}")
    print(f"hot_sku_refused: {results[0][2]}")
    print(f"hot_sku_oversold: {max(result[3] for result in results)}")
    print(f"hot_sku_attempts_per_s: {statistics.median(r[0] for r in results):.1f}")


if __name__ == "__main__":
    main()
