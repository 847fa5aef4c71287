"""Whole order lifecycles per second on the memory backend, beside two state-machine libraries.

Each order goes place -> approve -> confirm -> record_payment (capture) -> ship -> deliver ->
complete through ``desk.orders``, one unit of work per command, every command authorized and
journaled (hash-chained), notifications written to the outbox and delivered after commit by the
built-in log notifier: the desk as ``OrderDesk.open()`` gives it, with review by command
(``ReviewPolicy(automatic=False)``) as the lifecycle is defined. Single thread.

Figures printed (medians over the runs):

- ``lifecycle_orders_per_s``: whole lifecycles (7 commands) per second (target >= 5,000).
- ``lifecycle_commands_per_s`` and ``lifecycle_us_per_command``: the same per command.
- ``us_per_<command>``: the cost of each command on its own.
- ``memory_per_stored_order_bytes``: memory still allocated per completed order (the order,
  its 7 journal entries, its outbox messages), measured with tracemalloc in a separate pass.
- ``peer_<variant>_objects_per_s``: ``../shared/peers/statemachines.py --objects N`` in the same
  run: objects built and taken through 5 bare transitions by ``transitions`` and
  ``python-statemachine`` (no persistence, no journal, no money), run in their own virtual
  environment under ``.bench-venvs/`` (created on first use).
- ``lifecycle_ratio_vs_<variant>``: our orders/s over the peer's objects/s (target >= 5).

Run: ``python benchmarks/lifecycle.py [--quick]`` from the repository root. ``--quick`` runs a
few hundred orders once and skips the peers, so that CI only checks the script still works.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import time
import tracemalloc
import venv
from collections.abc import Callable
from pathlib import Path

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    LineDraft,
    OrderDesk,
    OrderDraft,
    PaymentKind,
    ReviewPolicy,
)

ROOT = Path(__file__).resolve().parents[1]
PEER_SCRIPT = ROOT.parent / "shared" / "peers" / "statemachines.py"
PEER_VENV = ROOT / ".bench-venvs" / "statemachines"
PEER_PACKAGES = ("transitions==0.9.3", "python-statemachine==3.2.2")
COMMANDS = ("place", "approve", "confirm", "pay", "ship", "deliver", "complete")
CHANNELS = ("web", "phone", "email", "marketplace")
# The peer script's dict-table class is a floor to compare against, not a library a user picks.
FLOOR_VARIANT = "plain_dict_reference"


def draft(index: int) -> OrderDraft:
    """A three-line order like a web shop sends, different per index."""
    return OrderDraft(
        channel=CHANNELS[index % len(CHANNELS)],
        currency="EUR",
        external_id=f"EXT-{index}",
        contact=Contact("Ada Lovelace", email=f"ada{index}@example.com"),
        shipping_address=Address(
            name="Ada Lovelace",
            line1="12 Analytical Row",
            city="London",
            country="GB",
            postal_code="N1 7AA",
        ),
        lines=[
            LineDraft("SKU-1", 1 + index % 3, "19.99", tax_rate="0.19"),
            LineDraft("SKU-2", 1, "5.00", tax_rate="0.19"),
            LineDraft("SKU-3", 2, "1.25", tax_rate="0.07"),
        ],
        shipping_fee="4.95",
    )


def run_lifecycles(count: int, timings: dict[str, float] | None = None) -> tuple[float, OrderDesk]:
    """Take ``count`` orders through the whole lifecycle; return the seconds it took."""
    # The lifecycle as the issue defines it approves by command; automatic review at intake
    # is measured by benchmarks/review.py.
    desk = OrderDesk.open(
        entry_points=False, config=DeskConfig(review=ReviewPolicy(automatic=False))
    )
    clerk = Actor("bench-clerk", roles={"clerk"})
    orders = desk.orders
    drafts = [draft(index) for index in range(count)]
    spent = dict.fromkeys(COMMANDS, 0.0)
    clock = time.perf_counter
    gc.collect()
    start = clock()
    for item in drafts:
        t0 = clock()
        order = orders.place(item, actor=clerk)
        t1 = clock()
        order_id = order.id
        orders.approve(order_id, actor=clerk)
        t2 = clock()
        order = orders.confirm(order_id, actor=clerk)
        t3 = clock()
        orders.record_payment(
            order_id, actor=clerk, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
        )
        t4 = clock()
        orders.ship(order_id, actor=clerk)
        t5 = clock()
        orders.deliver(order_id, actor=clerk)
        t6 = clock()
        orders.complete(order_id, actor=clerk)
        t7 = clock()
        for name, before, after in zip(
            COMMANDS, (t0, t1, t2, t3, t4, t5, t6), (t1, t2, t3, t4, t5, t6, t7), strict=True
        ):
            spent[name] += after - before
    elapsed = clock() - start
    if timings is not None:
        for name, seconds in spent.items():
            timings[name] = seconds / count
    return elapsed, desk


def check(desk: OrderDesk, count: int) -> None:
    """The run did what it claims: every order completed, every command journaled."""
    completed = desk.orders.list()
    assert len(completed) == count
    assert all(order.status.value == "completed" for order in completed)
    assert desk.audit.head().sequence == count * len(COMMANDS)
    assert desk.audit.verify_journal().ok


def memory_per_order(count: int) -> float:
    """Bytes still allocated per completed order, everything the desk keeps included."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _, desk = run_lifecycles(count)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    check(desk, count)
    return (after - before) / count


def peer_python() -> Path:
    """The interpreter of the peers' virtual environment, created on first use."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        venv.create(PEER_VENV, with_pip=True)
        subprocess.run(  # noqa: S603 - fixed arguments, our own venv
            [str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True
        )
    return python


def run_peers(objects: int, runs: int) -> dict[str, float]:
    """Median objects/s of each peer variant from the peer script's summary line."""
    completed = subprocess.run(  # noqa: S603 - fixed arguments, the shared peer script
        [str(peer_python()), str(PEER_SCRIPT), "--objects", str(objects), "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(completed.stdout.strip().splitlines()[-1])["summary"]
    return {
        variant: figures["objects_per_s_build_plus_5"]["median"]
        for variant, figures in summary.items()
    }


def median_of(runs: int, measure: Callable[[], float]) -> float:
    """The median of ``runs`` measurements."""
    return statistics.median(measure() for _ in range(runs))


def main() -> None:
    """Measure and print ``name: value`` lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hundred orders, no peers")
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peer-objects", type=int, default=10_000)
    parser.add_argument("--no-peers", action="store_true", help="skip the peer libraries")
    args = parser.parse_args()
    count = 300 if args.quick else args.orders
    runs = 1 if args.quick else args.runs

    rates: list[float] = []
    per_command: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        timings: dict[str, float] = {}
        elapsed, desk = run_lifecycles(count, timings)
        check(desk, count)
        rates.append(count / elapsed)
        for name, seconds in timings.items():
            per_command[name].append(seconds)
        desk.close()
    orders_per_s = statistics.median(rates)
    print(f"orders: {count}")
    print(f"runs: {runs}")
    print(f"lifecycle_orders_per_s: {orders_per_s:.1f}")
    print(f"lifecycle_commands_per_s: {orders_per_s * len(COMMANDS):.1f}")
    print(f"lifecycle_us_per_command: {1e6 / (orders_per_s * len(COMMANDS)):.1f}")
    for name in COMMANDS:
        print(f"us_per_{name}: {statistics.median(per_command[name]) * 1e6:.1f}")
    print(f"memory_per_stored_order_bytes: {memory_per_order(min(count, 2_000)):.0f}")

    if args.quick or args.no_peers:
        print("peers: skipped")
        return
    for variant, objects_per_s in run_peers(args.peer_objects, runs).items():
        print(f"peer_{variant}_objects_per_s: {objects_per_s:.1f}")
        if variant != FLOOR_VARIANT:
            print(f"lifecycle_ratio_vs_{variant}: {orders_per_s / objects_per_s:.2f}")


if __name__ == "__main__":
    main()
