"""Analytics from CSV exports: RFM beside the pandas an analyst would write, and sales by SKU.

Figures printed (medians over the runs; each run is a fresh child process, like the peer's):

- ``rfm_time_s`` and ``rfm_peak_rss_mib``: ``rfm_from_csv`` end to end (read + compute) on the
  1,000,000-order / 100,000-customer CSV of ``../shared/peers/gen_orders.py``, in one process.
- ``rfm_workers2_time_s`` and ``rfm_workers2_peak_rss_mib``: the same with ``workers=2`` (the
  second half of the file folded in a forked child); the memory is the parent's peak RSS plus
  the child's, counted in full although they share pages.
- ``peer_pandas_rfm_time_s`` and ``peer_pandas_rfm_peak_rss_mib``: ``../shared/peers/
  rfm_pandas.py --style vectorized`` on the same file in the same run (load + compute), in
  its own virtual environment under ``.bench-venvs/`` (one per interpreter, created on first use).
- ``rfm_time_ratio_vs_pandas`` and ``rfm_peak_rss_ratio_vs_pandas``: ours over the peer's
  (targets <= 1); ``rfm_workers2_...`` the same for ``workers=2``.
- ``rfm_matches_pandas``: whether every customer's recency, frequency, monetary value, R/F/M
  scores and segment equal the peer's (the SHA-256 of the per-customer lines the peer prints).
- ``sales_monthly_by_sku_time_s``: ``sales_from_csv`` by month and SKU, end to end, on a
  line-level CSV of 1,000,000 orders over 2,000 SKUs that this script writes with a fixed
  seed (target <= 2 s), checked against the generator's totals.

Run: ``python benchmarks/analytics.py [--quick]`` from the repository root. ``--quick`` uses
20,000 orders, one run and no peer, so that CI only checks the script still works. Data files
go to ``benchmarks/data/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import resource
import statistics
import subprocess
import sys
import time
import venv
from bisect import bisect
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from resource import RUSAGE_CHILDREN, RUSAGE_SELF

from _interpreter import peer_venv, print_interpreter

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT.parent / "shared" / "peers"
DATA = ROOT / "benchmarks" / "data"
PEER_VENV = peer_venv("pandas")
PEER_PACKAGES = ("pandas==3.1.1", "numpy==2.4.6")
LINES_SEED = 20240602


def orders_csv(orders: int, customers: int) -> Path:
    """The peer generator's CSV, written once per size."""
    path = DATA / f"orders_{orders}.csv"
    if not path.exists() and not (PEERS / "gen_orders.py").exists():
        # A clone without the shared peers beside it (CI): write the same columns ourselves.
        write_stand_in_orders(path, orders, customers)
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 - fixed arguments, the shared generator
            [sys.executable, str(PEERS / "gen_orders.py"), "--out", str(path),
             "--orders", str(orders), "--customers", str(customers)],
            check=True, capture_output=True,
        )  # fmt: skip
    return path


def write_stand_in_orders(path: Path, orders: int, customers: int) -> None:
    """order_id,customer_id,order_date,amount rows like the peer generator's, fixed seed."""
    generator = random.Random(LINES_SEED)
    start = date(2023, 1, 1)
    DATA.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("order_id,customer_id,order_date,amount\n")
        for order_id in range(1, orders + 1):
            day = start + timedelta(days=generator.randrange(730))
            cents = generator.randrange(500, 50_000)
            customer = generator.randrange(1, customers + 1)
            out.write(f"{order_id},{customer},{day.isoformat()},{cents // 100}.{cents % 100:02d}\n")


def lines_csv(orders: int, skus: int = 2_000) -> tuple[Path, int, int]:
    """A line-level CSV (order_id,order_date,sku,quantity,amount); returns lines and cents."""
    path = DATA / f"lines_{orders}.csv"
    totals = DATA / f"lines_{orders}.json"
    if path.exists() and totals.exists():
        known = json.loads(totals.read_text())
        return path, known["lines"], known["cents"]
    DATA.mkdir(parents=True, exist_ok=True)
    rng = random.Random(LINES_SEED)
    prices = [max(199, int(math.exp(rng.gauss(3.0, 0.8)) * 100)) for _ in range(skus)]
    popularity = list(accumulate(1.0 / (k + 1) ** 0.8 for k in range(skus)))
    days = [(date(2023, 1, 1) + timedelta(days=d)).isoformat() for d in range(731)]
    lines = cents = 0
    with path.open("w", newline="") as stream:
        stream.write("order_id,order_date,sku,quantity,amount\n")
        block = []
        for order in range(1, orders + 1):
            day = days[(order - 1) * len(days) // orders]  # the export is in date order
            for _ in range(1 + min(2, int(rng.expovariate(1.2)))):
                sku = bisect(popularity, rng.random() * popularity[-1], 0, skus - 1)
                quantity = 1 + min(3, int(rng.expovariate(1.5)))
                amount = prices[sku] * quantity
                block.append(
                    f"{order},{day},SKU-{sku:05d},{quantity},{amount // 100}.{amount % 100:02d}\n"
                )
                lines += 1
                cents += amount
            if len(block) >= 100_000:
                stream.writelines(block)
                block = []
        stream.writelines(block)
    totals.write_text(json.dumps({"lines": lines, "cents": cents}))
    return path, lines, cents


def child(kind: str, csv: str) -> None:
    """One measured run in this fresh process; prints one JSON line."""
    from ordercore.analytics import Period, rfm_from_csv, sales_from_csv

    start = time.perf_counter()
    if kind in ("rfm", "rfm2"):
        scores = rfm_from_csv(csv, currency="USD", workers=2 if kind == "rfm2" else 1)
        elapsed = time.perf_counter() - start
        digest = hashlib.sha256()
        for i, customer in enumerate(scores.customers):
            digest.update(
                (
                    f"{customer},{scores.recency[i]},{scores.frequency[i]},{scores.monetary(i)},"
                    f"{scores.r[i]},{scores.f[i]},{scores.m[i]},{scores.segment(i)}\n"
                ).encode()
            )
        out = {"customers": len(scores.customers), "digest": digest.hexdigest(),
               "segments": dict(sorted(scores.segment_counts().items())),
               "rejected": len(scores.report.problems) if scores.report else 0}  # fmt: skip
    else:
        report = sales_from_csv(csv, period=Period.MONTH, by="sku", currency="EUR")
        elapsed = time.perf_counter() - start
        out = {"cells": len(report.cells), "lines": sum(c.count for c in report.cells),
               "cents": sum(c.revenue_minor for c in report.cells)}  # fmt: skip
    out["time_s"] = elapsed
    # A forked worker's peak is added in full: honest, if pessimistic, as they share pages.
    peak_kib = sum(resource.getrusage(who).ru_maxrss for who in (RUSAGE_SELF, RUSAGE_CHILDREN))
    out["peak_rss_mib"] = peak_kib / 1024
    print(json.dumps(out))


def run_child(kind: str, csv: Path) -> dict[str, object]:
    finished = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, "--child", kind, "--csv", str(csv)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(finished.stdout.strip().splitlines()[-1])
    return result


def peer_python() -> Path:
    """The interpreter of the pandas peer's virtual environment, created on first use."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        venv.create(PEER_VENV, with_pip=True)
        subprocess.run(  # noqa: S603 - fixed arguments, our own venv
            [str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True
        )
    return python


def run_peer(csv: Path, runs: int) -> dict[str, float | str]:
    finished = subprocess.run(  # noqa: S603 - fixed arguments, the shared peer script
        [str(peer_python()), str(PEERS / "rfm_pandas.py"), "--csv", str(csv),
         "--reps", str(runs), "--style", "vectorized"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = json.loads(finished.stdout.strip().splitlines()[-1])["summary"]["vectorized"]
    return {
        "time_s": summary["total_s"]["median"],
        "peak_rss_mib": summary["peak_rss_mib"]["median"],
        "digest": summary["digest"],
    }


def median(rows: list[dict[str, object]], key: str) -> float:
    return statistics.median(float(row[key]) for row in rows)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 orders, one run, no peer")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-peer", action="store_true", help="skip the pandas peer")
    parser.add_argument("--child", choices=["rfm", "rfm2", "sales"], help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.csv)
        return
    print_interpreter()
    orders = 20_000 if args.quick else 1_000_000
    customers = 2_000 if args.quick else 100_000
    runs = 1 if args.quick else args.runs

    rfm_file = orders_csv(orders, customers)
    ours = [run_child("rfm", rfm_file) for _ in range(runs)]
    print(f"rfm_orders: {orders}")
    print(f"rfm_customers: {ours[0]['customers']}")
    print(f"rfm_runs: {runs}")
    print(f"rfm_time_s: {median(ours, 'time_s'):.3f}")
    print(f"rfm_peak_rss_mib: {median(ours, 'peak_rss_mib'):.1f}")
    pair = [run_child("rfm2", rfm_file) for _ in range(runs)]
    if pair[0]["digest"] != ours[0]["digest"]:
        sys.exit("workers=2 gave other scores than one process")
    print(f"rfm_workers2_time_s: {median(pair, 'time_s'):.3f}")
    print(f"rfm_workers2_peak_rss_mib: {median(pair, 'peak_rss_mib'):.1f}")
    if not (args.quick or args.no_peer):
        peer = run_peer(rfm_file, runs)
        print(f"peer_pandas_rfm_time_s: {float(peer['time_s']):.3f}")
        print(f"peer_pandas_rfm_peak_rss_mib: {float(peer['peak_rss_mib']):.1f}")
        ratio = median(ours, "time_s") / float(peer["time_s"])
        print(f"rfm_time_ratio_vs_pandas: {ratio:.2f}")
        rss = median(ours, "peak_rss_mib") / float(peer["peak_rss_mib"])
        print(f"rfm_peak_rss_ratio_vs_pandas: {rss:.2f}")
        print(f"rfm_matches_pandas: {str(ours[0]['digest'] == peer['digest']).lower()}")
        ratio = median(pair, "time_s") / float(peer["time_s"])
        print(f"rfm_workers2_time_ratio_vs_pandas: {ratio:.2f}")
        rss = median(pair, "peak_rss_mib") / float(peer["peak_rss_mib"])
        print(f"rfm_workers2_peak_rss_ratio_vs_pandas: {rss:.2f}")

    sales_file, lines, cents = lines_csv(orders)
    sales = [run_child("sales", sales_file) for _ in range(runs)]
    if sales[0]["lines"] != lines or sales[0]["cents"] != cents:
        sys.exit(f"sales do not add up: {sales[0]} != lines {lines}, cents {cents}")
    print(f"sales_orders: {orders}")
    print(f"sales_lines: {lines}")
    print(f"sales_cells: {sales[0]['cells']}")
    print(f"sales_monthly_by_sku_time_s: {median(sales, 'time_s'):.3f}")
    print(f"sales_peak_rss_mib: {median(sales, 'peak_rss_mib'):.1f}")


if __name__ == "__main__":
    main()
