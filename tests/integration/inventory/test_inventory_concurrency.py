"""Reservations under threads on the memory backend: no oversell, no deadlock."""

from __future__ import annotations

import threading
from collections.abc import Callable

from ordercore import Actor, DemandLine, InsufficientStock, OrderDesk, SequentialIds

CLERK = Actor("u-clerk", roles={"clerk"})
THREADS = 50
ON_HAND = 10
REPETITIONS = 200


def _race(workers: list[Callable[[], object]]) -> list[BaseException | None]:
    """Start every worker at once; return each one's error (``None``: it succeeded)."""
    outcomes: list[BaseException | None] = [None] * len(workers)
    start = threading.Barrier(len(workers))

    def run(index: int) -> None:
        start.wait()
        try:
            workers[index]()
        except BaseException as exc:  # reported to the test, not swallowed
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a reservation never finished (deadlock?)"
    return outcomes


def _stocked_desk(*skus: str) -> OrderDesk:
    desk = OrderDesk.open(ids=SequentialIds(), entry_points=False)
    desk.inventory.add_location("BER", actor=CLERK)
    for sku in skus:
        desk.inventory.track(sku, actor=CLERK)
        desk.inventory.receive(sku, "BER", ON_HAND, actor=CLERK)
    return desk


def test_fifty_threads_reserving_one_unit_of_ten_get_exactly_ten_reservations() -> None:
    # One desk per repetition, one pool of threads reused through a barrier per round: 200
    # rounds of 50 threads would otherwise spend most of their time starting threads.
    desks: list[OrderDesk] = []
    round_start = threading.Barrier(THREADS, action=lambda: desks.append(_stocked_desk("HOT")))
    round_end = threading.Barrier(THREADS)
    results: list[list[BaseException | None]] = [[] for _ in range(THREADS)]

    def worker(index: int) -> None:
        for _ in range(REPETITIONS):
            round_start.wait()
            try:
                desks[-1].inventory.reserve(f"order-{index}", {"HOT": 1}, actor=CLERK)
                results[index].append(None)
            except BaseException as exc:  # reported to the test
                results[index].append(exc)
            round_end.wait()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a round never finished (deadlock?)"
    outcomes = [[results[t][r] for t in range(THREADS)] for r in range(REPETITIONS)]

    assert len(desks) == REPETITIONS
    for desk, round_outcomes in zip(desks, outcomes, strict=True):
        successes = [o for o in round_outcomes if o is None]
        refusals = [o for o in round_outcomes if isinstance(o, InsufficientStock)]
        assert (len(successes), len(refusals)) == (10, 40), round_outcomes
        level = desk.inventory.level("HOT", "BER")
        assert (level.on_hand, level.reserved, level.available) == (10, 10, 0)
        assert desk.inventory.replay("HOT", "BER") == level


def test_two_lines_of_one_sku_whose_sum_exceeds_stock_are_refused() -> None:
    desk = _stocked_desk("HOT")
    lines = [DemandLine("L1", "HOT", 6), DemandLine("L2", "HOT", 6)]

    outcomes = _race(
        [lambda: desk.inventory.reserve("order-1", lines, actor=CLERK) for _ in range(4)]
    )

    assert all(isinstance(o, InsufficientStock) for o in outcomes)
    assert desk.inventory.level("HOT", "BER").reserved == 0


def test_orders_naming_their_skus_in_opposite_order_finish_without_deadlock() -> None:
    desk = _stocked_desk("SKU-A", "SKU-B")
    forward = [DemandLine("L1", "SKU-A", 1), DemandLine("L2", "SKU-B", 1)]
    backward = [DemandLine("L1", "SKU-B", 1), DemandLine("L2", "SKU-A", 1)]

    def order(index: int) -> Callable[[], object]:
        lines = forward if index % 2 else backward
        return lambda: desk.inventory.reserve(f"o-{index}", lines, actor=CLERK)

    workers = [order(index) for index in range(16)]

    outcomes = _race(workers)

    assert [type(o).__name__ for o in outcomes if o is not None].count("InsufficientStock") == 6
    for sku in ("SKU-A", "SKU-B"):
        level = desk.inventory.level(sku, "BER")
        assert (level.reserved, level.available) == (10, 0)
