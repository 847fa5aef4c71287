"""Concurrency checks of the conformance kit: a hot SKU reserved from many threads and processes.

A backend author writes::

    class TestMyBackendConcurrency(ConcurrencyContract):
        @pytest.fixture
        def shared_url(self, tmp_path):
            return f"mybackend://{tmp_path}/shop"

The URL must name a fresh, empty store that several desks (in several threads, and for the
process test in several processes) can open at once. A backend that lives in one process
declares ``unsupported = {"processes": "why"}`` (see
:data:`~ordercore.testing.contract.CAPABILITIES`).

Each check stocks one SKU with a fixed number of units under the ``deny`` oversell policy, lets
every worker try to reserve one unit at a time, more times than there are units, and then
checks that exactly the units on hand were reserved, every other attempt got
:class:`~ordercore.errors.InsufficientStock`, nothing else went wrong (no ``database is locked``,
no conflict beyond the desk's retries), and the journal verifies.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Callable
from typing import Any, ClassVar, TypedDict

import pytest

from ordercore.actors import Actor
from ordercore.desk.desk import OrderDesk
from ordercore.errors import InsufficientStock
from ordercore.inventory.model import OversellPolicy
from ordercore.testing.contract import DeclaresUnsupported

__all__ = ["ConcurrencyContract", "ReservationTally", "reserve_one_at_a_time"]

HOT_SKU = "HOT-1"
LOCATION = "MAIN"
CLERK = Actor("clerk", frozenset({"stock"}))


class ReservationTally(TypedDict):
    """What one worker saw: units ``reserved``, ``short`` refusals and any other ``errors``."""

    reserved: int
    short: int
    errors: list[str]


def reserve_one_at_a_time(desk: OrderDesk, worker: str, attempts: int) -> ReservationTally:
    """Try ``attempts`` reservations of one unit of the hot SKU, each for a holder of its own."""
    tally = ReservationTally(reserved=0, short=0, errors=[])
    for attempt in range(attempts):
        try:
            desk.inventory.reserve(f"{worker}-{attempt}", {HOT_SKU: 1}, actor=CLERK)
            tally["reserved"] += 1
        except InsufficientStock:
            tally["short"] += 1
        except Exception as exc:
            tally["errors"].append(f"{type(exc).__name__}: {exc}")
    return tally


def _process_worker(
    url: str, worker: str, attempts: int, ready: Any, results: Any
) -> None:  # pragma: no cover - runs in a child process
    # Results travel as JSON text: nothing of ours is pickled.
    try:
        desk = OrderDesk.open(url, entry_points=False)
        try:
            ready.wait()  # every worker has its desk open before the first reservation
            results.put(json.dumps(reserve_one_at_a_time(desk, worker, attempts)))
        finally:
            desk.close()
    except BaseException as exc:
        results.put(json.dumps({"reserved": 0, "short": 0, "errors": [f"worker died: {exc!r}"]}))


class ConcurrencyContract(DeclaresUnsupported):
    """Concurrent reservations of one hot SKU. Override the ``shared_url`` fixture."""

    workers: ClassVar[int] = 8
    on_hand: ClassVar[int] = 40
    attempts_per_worker: ClassVar[int] = 10

    @pytest.fixture
    def shared_url(self) -> str:
        """Return the URL of a fresh, empty store that several desks can open at once."""
        raise NotImplementedError("override the 'shared_url' fixture to name your backend")

    def open_desk(self, url: str) -> OrderDesk:
        """Open a desk on ``url`` (override to pass plugins or configuration)."""
        return OrderDesk.open(url, entry_points=False)

    def _stock(self, desk: OrderDesk) -> None:
        desk.inventory.add_location(LOCATION, actor=CLERK)
        desk.inventory.track(HOT_SKU, actor=CLERK, policy=OversellPolicy.DENY)
        desk.inventory.receive(HOT_SKU, LOCATION, self.on_hand, actor=CLERK)

    def _check(self, desk: OrderDesk, tallies: list[ReservationTally]) -> None:
        errors = [error for tally in tallies for error in tally["errors"]]
        assert errors == [], errors[:5]
        assert len(tallies) == self.workers
        reserved = sum(tally["reserved"] for tally in tallies)
        short = sum(tally["short"] for tally in tallies)
        assert reserved == self.on_hand
        assert short == self.workers * self.attempts_per_worker - self.on_hand
        level = desk.inventory.level(HOT_SKU, LOCATION)
        assert (level.on_hand, level.reserved, level.available) == (self.on_hand, self.on_hand, 0)
        desk.audit.verify_journal().raise_if_broken()

    def _run_threads(self, target: Callable[[int], None]) -> None:
        threads = [threading.Thread(target=target, args=(index,)) for index in range(self.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def test_hot_sku_across_threads_reserves_exactly_what_is_on_hand(self, shared_url: str) -> None:
        """Workers are threads sharing one desk."""
        desk = self.open_desk(shared_url)
        try:
            self._stock(desk)
            tallies: list[ReservationTally] = []
            start = threading.Barrier(self.workers)

            def work(index: int) -> None:
                start.wait()
                tallies.append(reserve_one_at_a_time(desk, f"t{index}", self.attempts_per_worker))

            self._run_threads(work)
            self._check(desk, tallies)
        finally:
            desk.close()

    def test_hot_sku_across_processes_reserves_exactly_what_is_on_hand(
        self, shared_url: str
    ) -> None:
        """Workers are processes, each with its own desk on the same store."""
        desk = self.open_desk(shared_url)
        try:
            self._stock(desk)
            context = multiprocessing.get_context("spawn")
            ready = context.Barrier(self.workers)
            results = context.Queue()
            processes = [
                context.Process(
                    target=_process_worker,
                    args=(shared_url, f"p{index}", self.attempts_per_worker, ready, results),
                )
                for index in range(self.workers)
            ]
            for process in processes:
                process.start()
            tallies = [json.loads(results.get(timeout=120)) for _ in processes]
            for process in processes:
                process.join(timeout=30)
            assert all(process.exitcode == 0 for process in processes)
            self._check(desk, tallies)
        finally:
            desk.close()
