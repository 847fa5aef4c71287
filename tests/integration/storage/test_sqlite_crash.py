"""Crash safety: a writer killed with SIGKILL at random moments never damages the file.

A writer process places, approves, confirms and ships orders on one SQLite file and prints each
order id right after each call returns. The test kills it with SIGKILL after a random time,
reopens the file and checks that

- ``PRAGMA integrity_check`` says ``ok``;
- the journal's hash chain verifies;
- every order whose ``place`` returned before the kill is there, at least as far along as the
  last call that returned (an order whose call was cut off may be a step further: the commit
  can land before the answer is printed);
- every order of the run satisfies the lifecycle invariants and replays from its journal;
- the stock level holds exactly the active reservations, and its ledger replays to it.

The next writer starts (and imports) while the previous one runs, so that the kills are cheap.
``ORDERCORE_CRASH_KILLS`` sets how many kills (50 by default; CI); the ``deep`` Hypothesis
profile makes it 500.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ordercore import Actor, OrderDesk, OrderStatus
from ordercore.inventory.model import RESERVATIONS, OversellPolicy
from ordercore.testing.lifecycle_machine import check_order

WRITER = Path(__file__).with_name("crash_writer.py")
CLERK = Actor("crash-clerk", roles={"clerk", "stock"})
SKU, LOCATION = "SKU-CRASH", "MAIN"
ON_HAND = 10**9
PROGRESS = {"placed": 0, "confirmed": 1, "shipped": 2}
REACHED = {
    OrderStatus.PENDING_REVIEW: 0,
    OrderStatus.APPROVED: 0,
    OrderStatus.CONFIRMED: 1,
    OrderStatus.IN_FULFILMENT: 2,
    OrderStatus.FULFILLED: 2,
}


def _kills() -> int:
    default = 500 if os.environ.get("ORDERCORE_HYPOTHESIS") == "deep" else 50
    return int(os.environ.get("ORDERCORE_CRASH_KILLS", default))


def _start_writer(url: str) -> subprocess.Popen[str]:
    writer = subprocess.Popen(  # noqa: S603 - our own script with the running interpreter
        [sys.executable, str(WRITER), url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    return writer


def _run_and_kill(writer: subprocess.Popen[str], delay: float) -> dict[str, int]:
    """Let ``writer`` work for ``delay`` seconds, SIGKILL it; return how far each order got."""
    assert writer.stdin is not None
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "ready", writer.stderr
    writer.stdin.write("go\n")
    writer.stdin.flush()
    time.sleep(delay)
    writer.send_signal(signal.SIGKILL)
    output, errors = writer.communicate()
    assert writer.returncode == -signal.SIGKILL, errors
    progress: dict[str, int] = {}
    for line in output.splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # cut off by the kill: that call's answer was never complete
        step, order_id = line.split()
        progress[order_id] = max(progress.get(order_id, 0), PROGRESS[step])
    return progress


def _check_file(path: Path, returned: dict[str, int]) -> None:
    """The file is sound and holds every order whose ``place`` returned (by key, undecoded)."""
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = connection.execute("SELECT id FROM aggregates WHERE kind = ?", (b"order",))
        stored = {row[0].decode() for row in rows}
    finally:
        connection.close()
    missing = sorted(set(returned) - stored)
    assert missing == [], f"orders whose call returned are gone: {missing[:5]}"


def _check_desk(
    desk: OrderDesk, returned: dict[str, int], checked: dict[str, int], *, last: bool
) -> None:
    """The journal verifies; the ``checked`` orders and the stock hold every invariant."""
    desk.audit.verify_journal().raise_if_broken()
    for order_id in checked:
        order = desk.orders.get(order_id)
        assert REACHED[order.status] >= returned[order_id], (order_id, order.status)
        check_order(order)
        assert desk.orders.replay(order_id) == order
    level = desk.inventory.level(SKU, LOCATION)
    with desk.storage.unit_of_work() as uow:
        held = sum(
            r.quantity
            for group in uow.aggregates(RESERVATIONS).scan()
            for r in group.reservations
            if r.is_active and r.sku == SKU
        )
    assert level.reserved == held
    assert desk.inventory.replay(SKU, LOCATION) == level
    if last:
        stored = desk.orders.list()
        shipped = sum(line.shipped for order in stored for line in order.lines if line.sku == SKU)
        assert level.on_hand == ON_HAND - shipped


@pytest.mark.slow
def test_a_writer_killed_at_random_moments_leaves_a_sound_file(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    url = f"sqlite:///{path}"
    with OrderDesk.open(url, entry_points=False) as desk:
        desk.inventory.add_location(LOCATION, actor=CLERK)
        desk.inventory.track(SKU, actor=CLERK, policy=OversellPolicy.DENY)
        desk.inventory.receive(SKU, LOCATION, ON_HAND, actor=CLERK)
    chance = random.Random()  # kill timing, not security
    seed = chance.randrange(2**32)
    chance.seed(seed)
    returned: dict[str, int] = {}
    writer = _start_writer(url)
    for kill in range(_kills()):
        following = _start_writer(url)  # imports while this one works
        this_run = _run_and_kill(writer, chance.uniform(0.0, 0.25))
        for order_id, reached in this_run.items():
            returned[order_id] = max(returned.get(order_id, 0), reached)
        _check_file(path, returned)
        # Orders are not touched after their writer's run: check each run's own, and all of
        # them again after the last kill.
        last = kill == _kills() - 1
        with OrderDesk.open(url, entry_points=False) as desk:
            try:
                _check_desk(desk, returned, returned if last else this_run, last=last)
            except AssertionError as failed:
                following.kill()
                following.communicate()
                raise AssertionError(f"after kill {kill + 1} (seed {seed}): {failed}") from failed
        writer = following
    writer.kill()
    writer.communicate()
    assert len(returned) > _kills()  # the writers did work between the kills
