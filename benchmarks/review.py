"""Orders reviewed per second with every built-in rule, and what review adds to placing an order.

Figures printed (medians over the runs):

- ``review_orders_per_s``: ``review_order`` over prepared orders and contexts, all twelve built-in
  rules on (target >= 20,000). Each context carries a customer profile, stock levels and three
  recent orders, so the velocity, duplicate, credit and quantity rules have something to read.
- ``review_us_per_order``: the same, per order.
- ``place_with_review_us`` / ``place_without_review_us``: ``desk.orders.place`` on a desk with
  automatic review on and off (context gathering, the identity index and the extra events).
  Every order gives one switchboard phone number, so review links each order to the 50 most
  recent others through it.
- ``place_with_review_shared_phone_us``: the same with that number declared shared
  (``ReviewPolicy(shared=SharedIdentities(phones=...))``), so orders are linked only through
  their customer, e-mail and address.

Run: ``python benchmarks/review.py [--quick]`` from the repository root.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from _interpreter import print_interpreter

from ordercore import (
    Actor,
    Address,
    Contact,
    CustomerProfile,
    DeskConfig,
    LineDraft,
    Money,
    Order,
    OrderDesk,
    OrderDraft,
    OrderPolicy,
    OrderStatus,
    RecentOrder,
    ReviewContext,
    ReviewPolicy,
    SharedIdentities,
    review_order,
)
from ordercore.orders import lifecycle
from ordercore.orders.intake import validate_draft

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SWITCHBOARD = "+44 20 7946 0000"


def draft(index: int) -> OrderDraft:
    """A three-line order, different per index."""
    return OrderDraft(
        channel="web",
        currency="EUR",
        customer_id=f"c-{index % 500}",
        contact=Contact("Ada Lovelace", email=f"ada{index}@example.com", phone=SWITCHBOARD),
        shipping_address=Address("Ada Lovelace", f"{index} Analytical Row", "London", "GB", "N1"),
        billing_address=Address("Ada Lovelace", f"{index} Analytical Row", "London", "GB", "N1"),
        lines=[
            LineDraft("SKU-1", 1 + index % 3, "19.99", tax_rate="0.19", list_price="21.00"),
            LineDraft("SKU-2", 1, "5.00", tax_rate="0.19"),
            LineDraft("SKU-3", 2, "1.25", tax_rate="0.07"),
        ],
        shipping_fee="4.95",
    )


def prepared(count: int) -> list[tuple[Order, ReviewContext]]:
    """Orders with the context a desk would gather for them."""
    policy = OrderPolicy()
    cases = []
    for index in range(count):
        valid = validate_draft(draft(index), policy.intake)
        order = lifecycle.place(
            valid, order_id=f"o{index}", number=str(index), now=NOW, policy=policy
        ).order
        recent = tuple(
            RecentOrder(
                order_id=f"r{index}-{back}",
                placed_at=NOW - timedelta(hours=back),
                status=OrderStatus.COMPLETED,
                grand_total=Money.of("30.00", "EUR"),
                owed_on_account=Money.of("0.00", "EUR"),
                quantities={"SKU-1": 1, "SKU-2": 1},
                shared=frozenset({"customer", "email"}),
            )
            for back in (2, 30, 200)
        )
        context = ReviewContext(
            now=NOW,
            customer=CustomerProfile(
                f"c-{index}",
                completed_orders=3,
                credit_limit=Money.of("500.00", "EUR"),
            ),
            available={"SKU-1": 100, "SKU-2": 100, "SKU-3": 100},
            recent_orders=recent,
        )
        cases.append((order, context))
    return cases


def review_rate(cases: list[tuple[Order, ReviewContext]], policy: ReviewPolicy) -> float:
    """Orders reviewed per second."""
    start = time.perf_counter()
    for order, context in cases:
        review_order(order, context, policy)
    return len(cases) / (time.perf_counter() - start)


def place_us(count: int, *, automatic: bool, shared: SharedIdentities | None = None) -> float:
    """Microseconds per ``place`` on a fresh desk."""
    policy = ReviewPolicy(automatic=automatic, shared=shared or SharedIdentities())
    config = DeskConfig(review=policy)
    desk = OrderDesk.open(entry_points=False, config=config)
    clerk = Actor("bench", roles={"clerk"})
    drafts = [draft(index) for index in range(count)]
    start = time.perf_counter()
    for item in drafts:
        desk.orders.place(item, actor=clerk)
    elapsed = time.perf_counter() - start
    desk.close()
    return elapsed / count * 1e6


def main() -> None:
    """Measure and print ``name: value`` lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run, for CI")
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print_interpreter()
    count = 500 if args.quick else args.orders
    runs = 1 if args.quick else args.runs

    cases = prepared(count)
    policy = ReviewPolicy()
    verdicts = [review_order(order, context, policy) for order, context in cases]
    assert len(policy.rules) == 12
    assert {verdict.decision.value for verdict in verdicts} <= {"approve", "hold", "reject"}
    rate = statistics.median(review_rate(cases, policy) for _ in range(runs))
    placed = min(count, 5_000)
    with_review = statistics.median(place_us(placed, automatic=True) for _ in range(runs))
    without = statistics.median(place_us(placed, automatic=False) for _ in range(runs))
    switchboard = SharedIdentities(phones={SWITCHBOARD})
    shared_phone = statistics.median(
        place_us(placed, automatic=True, shared=switchboard) for _ in range(runs)
    )

    print(f"orders: {count}")
    print(f"runs: {runs}")
    print(f"review_orders_per_s: {rate:.1f}")
    print(f"review_us_per_order: {1e6 / rate:.1f}")
    print(f"place_with_review_us: {with_review:.1f}")
    print(f"place_without_review_us: {without:.1f}")
    print(f"place_with_review_shared_phone_us: {shared_phone:.1f}")


if __name__ == "__main__":
    main()
