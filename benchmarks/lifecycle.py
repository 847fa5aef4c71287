"""Whole order lifecycles per second on memory or a SQLite file, beside the peer libraries.

Each order goes place -> approve -> confirm -> record_payment (capture) -> ship -> deliver ->
complete through ``desk.orders``, one unit of work per command, every command authorized and
journaled (hash-chained), notifications written to the outbox and delivered after commit by the
built-in log notifier: the desk as ``OrderDesk.open()`` gives it, with review by command
(``ReviewPolicy(automatic=False)``) as the lifecycle is defined. Single thread.

Figures printed (medians over the runs):

- ``lifecycle_orders_per_s``: whole lifecycles (7 commands) per second (target >= 5,000).
- ``lifecycle_commands_per_s`` and ``lifecycle_us_per_command``: the same per command.
- ``us_per_<command>``: the cost of each command on its own.
- ``lifecycle_orders_per_s_worker_dispatch``: the same lifecycles with
  ``DeskConfig(dispatch_after_commit=False)``: the commands leave their notifications in the
  outbox and one ``desk.outbox.dispatch()`` after the last command delivers them all in
  batches, as a worker would; the dispatch is inside the timed window.
  ``worker_dispatch_us_per_order`` is the dispatch's share, and
  ``lifecycle_orders_per_s_worker_dispatch_commands_only`` the rate of the commands alone, as
  the caller sees it when the worker runs in another thread or process.
- ``decisions_only_us_per_order`` and ``decisions_only_orders_per_s``: the same seven steps
  as the pure functions of ``ordercore.orders.lifecycle`` alone (the draft validated and
  priced, each command's guard checked, its event made and applied), with no desk: no
  authorization, unit of work, journal, outbox or storage. It is the floor under the whole
  lifecycle with this domain model, so it shows how much of the target is left for the rest.
- ``memory_per_stored_order_bytes``: memory still allocated per completed order (the order,
  its 7 journal entries, its outbox messages), measured with tracemalloc in a separate pass.
- ``peer_<variant>_objects_per_s``: ``../shared/peers/statemachines.py --objects N`` in the same
  run: objects built and taken through 5 bare transitions by ``transitions`` and
  ``python-statemachine`` (no persistence, no journal, no money), run in their own virtual
  environment under ``.bench-venvs/`` (created on first use).
- ``lifecycle_ratio_vs_<variant>``: our orders/s over the peer's objects/s (target >= 5).

With ``--url sqlite:///path/shop.db`` the lifecycles run on a SQLite file instead (WAL,
``synchronous=NORMAL``; a new file per run, named after the given path, which must not exist,
removed afterwards), and the same run also measures the memory backend so that the cost of the
SQLite layer shows on its own:

- ``lifecycle_orders_per_s`` (target >= 1,000 on a SQLite file), per command figures as above;
- ``memory_lifecycle_orders_per_s``: the memory backend in the same run;
- ``sqlite_layer_us_per_command``: what SQLite adds to each command over memory;
- ``sqlite_statements_per_order``: SQL statements run per lifecycle (BEGIN and COMMIT included);
- ``sqlite_wal_pages_per_order``: pages the lifecycle's commits write to the WAL (each costs a
  frame written at ``COMMIT`` and, later, a page copied by a checkpoint);
- ``db_bytes_per_order``: the file's size per completed order;
- ``peer_oscar_lifecycle_orders_per_s``: ``../shared/peers/oscar_orders.py --sqlite wal`` in
  the same run: django-oscar 4.2.1 placing, allocating, shipping and completing orders on a WAL
  SQLite file (its own virtual environment under ``.bench-venvs/``, one per interpreter);
- ``lifecycle_ratio_vs_oscar``: our orders/s over Oscar's (target >= 40).

Run: ``python benchmarks/lifecycle.py [--quick] [--url sqlite:///shop.db]`` from the repository
root. ``--quick`` runs a few hundred orders once on memory and on a temporary SQLite file and
skips the peers, so that CI only checks the script still works.
"""

from __future__ import annotations

import argparse
import gc
import json
import sqlite3
import statistics
import subprocess
import tempfile
import time
import tracemalloc
import venv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from _interpreter import peer_venv, print_interpreter

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    LineDraft,
    OrderDesk,
    OrderDraft,
    OrderPolicy,
    OrderStatus,
    PaymentKind,
    ReviewPolicy,
)
from ordercore.orders import lifecycle
from ordercore.orders.intake import validate_draft

ROOT = Path(__file__).resolve().parents[1]
PEER_SCRIPT = ROOT.parent / "shared" / "peers" / "statemachines.py"
PEER_VENV = peer_venv("statemachines")
PEER_PACKAGES = ("transitions==0.9.3", "python-statemachine==3.2.2")
OSCAR_SCRIPT = ROOT.parent / "shared" / "peers" / "oscar_orders.py"
OSCAR_VENV = peer_venv("oscar")
OSCAR_PACKAGES = ("django-oscar==4.2.1", "Django==5.2.19")
# Notifications per lifecycle with the built-in log notifier: placed, confirmed, shipped, delivered.
MESSAGES_PER_ORDER = 4
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


def run_lifecycles(
    count: int,
    timings: dict[str, float] | None = None,
    url: str = "memory://",
    *,
    worker_dispatch: bool = False,
) -> tuple[float, OrderDesk]:
    """Take ``count`` orders through the whole lifecycle; return the seconds it took.

    With ``worker_dispatch`` the desk leaves its outbox messages for a worker, and one
    ``desk.outbox.dispatch()`` after the last command delivers them all; its time is counted.
    """
    # The lifecycle as the issue defines it approves by command; automatic review at intake
    # is measured by benchmarks/review.py.
    config = DeskConfig(
        review=ReviewPolicy(automatic=False), dispatch_after_commit=not worker_dispatch
    )
    desk = OrderDesk.open(url, entry_points=False, config=config)
    clerk = Actor("bench-clerk", roles={"clerk"})
    orders = desk.orders
    drafts = [draft(index) for index in range(count)]
    spent = dict.fromkeys(COMMANDS, 0.0)
    clock = time.perf_counter
    gc.collect()
    start = clock()
    cpu_start = time.process_time()
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
    dispatch_start = clock()
    if worker_dispatch:
        delivered = desk.outbox.dispatch().delivered
        assert delivered == count * MESSAGES_PER_ORDER, delivered
    stop = clock()
    elapsed = stop - start
    if timings is not None:
        for name, seconds in spent.items():
            timings[name] = seconds / count
        timings["dispatch"] = (stop - dispatch_start) / count
        # CPU seconds of the whole process (every thread), less sensitive to a busy machine.
        timings["cpu"] = (time.process_time() - cpu_start) / count
    return elapsed, desk


def run_decisions(count: int) -> float:
    """Take ``count`` orders through the seven steps as pure decisions; return the seconds."""
    policy = OrderPolicy()
    now = datetime(2025, 3, 3, 9, tzinfo=UTC)
    drafts = [draft(index) for index in range(count)]
    gc.collect()
    start = time.perf_counter()
    for index, item in enumerate(drafts):
        valid = validate_draft(item, policy.intake)
        order = lifecycle.place(
            valid, order_id=f"ord_{index}", number=str(index), now=now, policy=policy
        ).order
        order = lifecycle.approve(order, now=now).order
        order = lifecycle.confirm(order, now=now, policy=policy).order
        order = lifecycle.record_payment(
            order, kind=PaymentKind.CAPTURE, amount=order.balance_due, now=now, reference="b"
        ).order
        order = lifecycle.ship(order, now=now, shipment_id="shp_1", policy=policy).order
        order = lifecycle.deliver(order, now=now).order
        order = lifecycle.complete(order, now=now, policy=policy).order
        assert order.status is OrderStatus.COMPLETED
    return time.perf_counter() - start


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


def peer_python(where: Path = PEER_VENV, packages: tuple[str, ...] = PEER_PACKAGES) -> Path:
    """The interpreter of a peer's virtual environment, created on first use."""
    python = where / "bin" / "python"
    if not python.exists():
        venv.create(where, with_pip=True)
        subprocess.run(  # noqa: S603 - fixed arguments, our own venv
            [str(python), "-m", "pip", "install", "--quiet", *packages], check=True
        )
    return python


def run_oscar(orders: int, runs: int) -> float:
    """Median whole lifecycles/s of django-oscar on a WAL SQLite file, from its summary line."""
    completed = subprocess.run(  # noqa: S603 - fixed arguments, the shared peer script
        [
            str(peer_python(OSCAR_VENV, OSCAR_PACKAGES)),
            str(OSCAR_SCRIPT),
            "--orders",
            str(orders),
            "--runs",
            str(runs),
            "--sqlite",
            "wal",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(completed.stdout.strip().splitlines()[-1])
    if not summary["all_checks_ok"]:
        raise SystemExit("the Oscar peer's own checks failed")
    rate: float = summary["summary"]["whole_lifecycle_orders_per_s"]["median"]
    return rate


@contextmanager
def sqlite_files(url: str, runs: int) -> Iterator[list[str]]:
    """One new SQLite URL per run, next to the path in ``url``; the files are removed after."""
    path = Path(url.removeprefix("sqlite:///"))
    paths = [path.with_name(f"{path.stem}-run{index}{path.suffix}") for index in range(runs)]
    taken = [str(candidate) for candidate in paths if candidate.exists()]
    if taken:
        raise SystemExit(f"will not overwrite {', '.join(taken)}; give a path that is free")
    try:
        yield [f"sqlite:///{candidate}" for candidate in paths]
    finally:
        for candidate in paths:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{candidate}{suffix}").unlink(missing_ok=True)


def sql_per_order(url: str, count: int) -> tuple[float, float]:
    """SQL statements and WAL pages per whole lifecycle on a SQLite file.

    Statements are counted by SQLite's trace hook. Pages are the frames the WAL gains: a
    second connection holds a read snapshot from before the first command, which keeps every
    checkpoint from reaching the frames written after it, so the WAL cannot start over and its
    frame count (``PRAGMA wal_checkpoint`` from a third connection) grows by exactly what the
    commits wrote.
    """
    desk = OrderDesk.open(
        url, entry_points=False, config=DeskConfig(review=ReviewPolicy(automatic=False))
    )
    path = url.removeprefix("sqlite:///")
    snapshot = sqlite3.connect(path, isolation_level=None)
    probe = sqlite3.connect(path, isolation_level=None)
    snapshot.execute("BEGIN")
    snapshot.execute("SELECT count(*) FROM journal").fetchone()
    seen = [0]

    def count_statement(_: str) -> None:
        seen[0] += 1

    connection: sqlite3.Connection = desk.storage._shared.connection  # type: ignore[attr-defined]
    frames_before = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    connection.set_trace_callback(count_statement)
    clerk = Actor("bench-clerk", roles={"clerk"})
    for index in range(count):
        order = desk.orders.place(draft(10**6 + index), actor=clerk)
        desk.orders.approve(order.id, actor=clerk)
        order = desk.orders.confirm(order.id, actor=clerk)
        desk.orders.record_payment(
            order.id, actor=clerk, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
        )
        desk.orders.ship(order.id, actor=clerk)
        desk.orders.deliver(order.id, actor=clerk)
        desk.orders.complete(order.id, actor=clerk)
    connection.set_trace_callback(None)
    frames_after = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    snapshot.execute("ROLLBACK")
    snapshot.close()
    probe.close()
    desk.close()
    return seen[0] / count, (frames_after - frames_before) / count


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


def measure(
    urls: list[str], count: int, *, worker_dispatch: bool = False
) -> tuple[float, dict[str, float], list[float]]:
    """Median orders/s and per-command seconds over one run per URL; also every run's rate."""
    rates: list[float] = []
    per_command: dict[str, list[float]] = {name: [] for name in (*COMMANDS, "cpu", "dispatch")}
    for url in urls:
        timings: dict[str, float] = {}
        elapsed, desk = run_lifecycles(count, timings, url, worker_dispatch=worker_dispatch)
        check(desk, count)
        rates.append(count / elapsed)
        for name, seconds in timings.items():
            per_command[name].append(seconds)
        desk.close()
    medians = {name: statistics.median(values) for name, values in per_command.items()}
    return statistics.median(rates), medians, rates


def print_rates(prefix: str, orders_per_s: float, per_command: dict[str, float]) -> None:
    """The lifecycle figures of one backend."""
    print(f"{prefix}lifecycle_orders_per_s: {orders_per_s:.1f}")
    print(f"{prefix}lifecycle_commands_per_s: {orders_per_s * len(COMMANDS):.1f}")
    print(f"{prefix}lifecycle_us_per_command: {1e6 / (orders_per_s * len(COMMANDS)):.1f}")
    for name in COMMANDS:
        print(f"{prefix}us_per_{name}: {per_command[name] * 1e6:.1f}")


def print_worker_dispatch(orders_per_s: float, per_command: dict[str, float]) -> None:
    """The figures of a run whose messages were left to one batched dispatch."""
    dispatch = per_command["dispatch"]
    print(f"lifecycle_orders_per_s_worker_dispatch: {orders_per_s:.1f}")
    print(f"worker_dispatch_us_per_order: {dispatch * 1e6:.1f}")
    commands_only = 1 / (1 / orders_per_s - dispatch)
    print(f"lifecycle_orders_per_s_worker_dispatch_commands_only: {commands_only:.1f}")


def sqlite_run(url: str, count: int, runs: int, peers: bool, oscar_orders: int) -> None:
    """SQLite figures, the memory backend beside them, and Oscar when asked."""
    with sqlite_files(url, 2 * runs + 1) as urls:
        memory_rates: list[float] = []
        memory_cpu: list[float] = []
        sqlite_rates: list[float] = []
        per_command: dict[str, list[float]] = {name: [] for name in (*COMMANDS, "cpu", "dispatch")}
        # Alternate the backends so that a busy moment of the machine hits both alike.
        for run_url in urls[:runs]:
            memory_rate, memory_timings, _ = measure(["memory://"], count)
            memory_rates.append(memory_rate)
            memory_cpu.append(memory_timings["cpu"])
            rate, timings, _ = measure([run_url], count)
            sqlite_rates.append(rate)
            for name, seconds in timings.items():
                per_command[name].append(seconds)
        orders_per_s = statistics.median(sqlite_rates)
        memory_per_s = statistics.median(memory_rates)
        print(f"backend: {url}")
        print(f"orders: {count}")
        print(f"runs: {runs}")
        print_rates("", orders_per_s, {k: statistics.median(v) for k, v in per_command.items()})
        print(f"memory_lifecycle_orders_per_s: {memory_per_s:.1f}")
        layer = (1 / orders_per_s - 1 / memory_per_s) / len(COMMANDS)
        print(f"sqlite_layer_us_per_command: {layer * 1e6:.1f}")
        sqlite_cpu = statistics.median(per_command["cpu"])
        cpu_layer = (sqlite_cpu - statistics.median(memory_cpu)) / len(COMMANDS)
        print(f"sqlite_cpu_us_per_order: {sqlite_cpu * 1e6:.1f}")
        print(f"memory_cpu_us_per_order: {statistics.median(memory_cpu) * 1e6:.1f}")
        print(f"sqlite_layer_cpu_us_per_command: {cpu_layer * 1e6:.1f}")
        last = Path(urls[runs - 1].removeprefix("sqlite:///"))
        print(f"db_bytes_per_order: {last.stat().st_size / count:.0f}")
        statements, pages = sql_per_order(urls[2 * runs], 50)
        print(f"sqlite_statements_per_order: {statements:.1f}")
        print(f"sqlite_wal_pages_per_order: {pages:.1f}")
        print_worker_dispatch(*measure(urls[runs : 2 * runs], count, worker_dispatch=True)[:2])
    if not peers:
        print("peers: skipped")
        return
    oscar = run_oscar(oscar_orders, runs)
    print(f"peer_oscar_lifecycle_orders_per_s: {oscar:.1f}")
    print(f"lifecycle_ratio_vs_oscar: {orders_per_s / oscar:.1f}")


def main() -> None:
    """Measure and print ``name: value`` lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hundred orders, no peers")
    parser.add_argument("--url", default="memory://", help="memory:// or sqlite:///path/shop.db")
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peer-objects", type=int, default=10_000)
    parser.add_argument("--oscar-orders", type=int, default=2_000)
    parser.add_argument("--no-peers", action="store_true", help="skip the peer libraries")
    args = parser.parse_args()
    print_interpreter()
    count = 300 if args.quick else args.orders
    runs = 1 if args.quick else args.runs
    peers = not (args.quick or args.no_peers)

    if args.url.startswith("sqlite:///"):
        sqlite_run(args.url, count, runs, peers, args.oscar_orders)
        return
    if args.url != "memory://":
        raise SystemExit("--url takes memory:// or sqlite:///path")

    orders_per_s, per_command, _ = measure(["memory://"] * runs, count)
    print(f"orders: {count}")
    print(f"runs: {runs}")
    print_rates("", orders_per_s, per_command)
    print_worker_dispatch(*measure(["memory://"] * runs, count, worker_dispatch=True)[:2])
    decisions = median_of(runs, lambda: run_decisions(count)) / count
    print(f"decisions_only_us_per_order: {decisions * 1e6:.1f}")
    print(f"decisions_only_orders_per_s: {1 / decisions:.1f}")
    print(f"memory_per_stored_order_bytes: {memory_per_order(min(count, 2_000)):.0f}")
    if args.quick:
        # The SQLite path must not rot either: a short pass on a temporary file.
        with tempfile.TemporaryDirectory() as folder:
            sqlite_run(f"sqlite:///{Path(folder) / 'quick.db'}", 100, 1, False, 0)
        return
    if not peers:
        print("peers: skipped")
        return
    for variant, objects_per_s in run_peers(args.peer_objects, runs).items():
        print(f"peer_{variant}_objects_per_s: {objects_per_s:.1f}")
        if variant != FLOOR_VARIANT:
            print(f"lifecycle_ratio_vs_{variant}: {orders_per_s / objects_per_s:.2f}")


if __name__ == "__main__":
    main()
