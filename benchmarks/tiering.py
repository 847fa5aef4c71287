"""Tier evaluation and RFM over many customers in memory (target: each <= 5 s for 100,000
customers with 1,000,000 orders).

Figures printed (each the median of several runs):

- ``customers``, ``orders``: the sizes.
- ``tier_evaluation_s``: :func:`ordercore.customers.evaluate_all` over every customer with a
  net-spend policy of four tiers on a rolling 12-month window (the facts per customer are
  already grouped, as the desk reads them from its per-customer order index).
- ``tier_evaluations_per_s``: the same, per customer.
- ``rfm_s``: :func:`ordercore.analytics.rfm` over the one million order facts, and naming every
  customer's segment with :func:`ordercore.analytics.customer_segments`.
- ``tiers``: how many customers ended in each tier (a check that the run did real work).
- ``segments``: how many customers each named segment has.

Building the customers and facts is not timed. Run: ``python benchmarks/tiering.py [--quick]``
from the repository root.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from _interpreter import print_interpreter

from ordercore.analytics import OrderFact, customer_segments, rfm
from ordercore.customers import (
    Customer,
    CustomerFacts,
    PurchaseFact,
    Tier,
    TierPolicy,
    TierWindow,
    WindowKind,
    evaluate_all,
)
from ordercore.money import Money

AS_OF = datetime(2025, 6, 30, 12, tzinfo=UTC)
POLICY = TierPolicy(
    (
        Tier("bronze", Decimal("0.01")),
        Tier("silver", Decimal(250)),
        Tier("gold", Decimal(1000)),
        Tier("platinum", Decimal(5000)),
    ),
    window=TierWindow(WindowKind.ROLLING_MONTHS, months=12),
    grace_days=30,
)


def build(
    customers: int, orders: int, seed: int = 8
) -> tuple[list[Customer], dict[str, CustomerFacts], list[OrderFact]]:
    """Customers, their purchase facts grouped per customer, and the same orders as facts."""
    rng = random.Random(seed)
    ids = [f"cus_{n:07d}" for n in range(customers)]
    people = [
        Customer(cid, "x", AS_OF - timedelta(days=rng.randrange(30, 2000)), tier="bronze")
        for cid in ids
    ]
    grouped: dict[str, list[PurchaseFact]] = {cid: [] for cid in ids}
    facts = []
    span = 3 * 365 * 24 * 3600
    for n in range(orders):
        cid = ids[int(rng.paretovariate(1.2) * 997 + n) % customers]
        at = AS_OF - timedelta(seconds=rng.randrange(span))
        minor = int(rng.lognormvariate(8.5, 0.9))
        order_id = f"ord_{n:08d}"
        grouped[cid].append(PurchaseFact(order_id, at, minor, "EUR"))
        facts.append(OrderFact(order_id, cid, at, Money.from_minor_units(minor, "EUR")))
    return people, {cid: CustomerFacts(tuple(p)) for cid, p in grouped.items()}, facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run (for CI)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print_interpreter()
    customers = 2_000 if args.quick else args.customers
    orders = 20_000 if args.quick else args.orders
    runs = 1 if args.quick else args.runs

    people, grouped, facts = build(customers, orders)
    tier_times, rfm_times = [], []
    tiers: dict[str, int] = {}
    segments: dict[str, int] = {}
    for _ in range(runs):
        start = time.perf_counter()
        evaluations = evaluate_all(POLICY, people, grouped, AS_OF)
        tier_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        named = customer_segments(rfm(facts, as_of=AS_OF.date()))
        rfm_times.append(time.perf_counter() - start)
        tiers = {}
        for evaluation in evaluations:
            tiers[evaluation.tier or "none"] = tiers.get(evaluation.tier or "none", 0) + 1
        segments = {}
        for name in named.values():
            segments[name] = segments.get(name, 0) + 1
    tier_s = statistics.median(tier_times)
    print(f"customers: {customers}")
    print(f"orders: {orders}")
    print(f"runs: {runs}")
    print(f"tier_evaluation_s: {tier_s:.3f}")
    print(f"tier_evaluations_per_s: {customers / tier_s:.1f}")
    print(f"rfm_s: {statistics.median(rfm_times):.3f}")
    print(f"tiers: {dict(sorted(tiers.items()))}")
    print(f"segments: {dict(sorted(segments.items()))}")


if __name__ == "__main__":
    main()
