"""Tracking-event ingestion per second on the memory backend (target: >= 20,000 events/s).

``desk.shipping.record_tracking(events)`` takes a *batch*: the events a carrier webhook or a
polling round delivers together, recorded in one unit of work. Here a batch is 1,000 events,
in time order across the parcels, as a carrier's feed sends them: with 2,000 parcels and 10
events each, a batch holds one event for each of 1,000 different parcels, so every event costs
a shipment load, a save and a journal entry (the worst case for batching). Every tenth event
is a delivery, which also delivers the order (an order write and its journal entry) and queues
the customer's message; out-for-delivery queues one too.

Figures printed (each the median of several runs):

- ``events_per_s``: new events recorded per second.
- ``us_per_event``: the same, as time per event.
- ``events_per_s_slowest_run``, ``events_per_s_fastest_run``: the spread of the runs.
- ``duplicate_events_per_s``: the whole feed sent again (every event a duplicate, nothing
  written but the check).
- ``events_per_s_5_per_parcel``: the same feed with five consecutive scans of a parcel next to
  each other in a batch (a polling round every few hours), so one journal entry records five.
- ``events_per_s_long_feed``: one run over a longer feed (6,000 parcels, 60,000 events) in
  one desk with nothing collected before it, as a service that keeps ingesting would see it;
  ``long_feed_full_collection_share`` is the part of its time spent in full collections.
- ``batch_size``, ``parcels``, ``events``: the shape of the run.

Run: ``python benchmarks/tracking.py [--quick]`` from the repository root.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from datetime import UTC, datetime, timedelta

from _interpreter import print_interpreter

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    LineDraft,
    ManualClock,
    OrderDesk,
    OrderDraft,
    PaymentKind,
    ReviewPolicy,
    SequentialIds,
)
from ordercore.shipping.tracking import CarrierEvent

CLERK = Actor("u-clerk")
HOOK = Actor.system("carrier-feed")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
# One parcel's life, ten scans: the last is the delivery.
CODES = ["pre_transit"] + ["in_transit"] * 7 + ["out_for_delivery", "delivered"]


def _shipped_desk(parcels: int) -> tuple[OrderDesk, list[str]]:
    desk = OrderDesk.open(
        clock=ManualClock(T0),
        ids=SequentialIds(),
        entry_points=False,
        config=DeskConfig(review=ReviewPolicy(automatic=False)),
    )
    numbers = []
    for index in range(parcels):
        draft = OrderDraft(
            channel="web",
            currency="EUR",
            contact=Contact("Ada Lovelace", email="ada@example.com"),
            shipping_address=Address("Ada Lovelace", "1 Analytical St", "Berlin", "DE", "10115"),
            lines=[LineDraft("MUG", 1, "10.00")],
        )
        order = desk.orders.approve(desk.orders.place(draft, actor=CLERK).id, actor=CLERK)
        desk.orders.record_payment(
            order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
        )
        desk.orders.confirm(order.id, actor=CLERK)
        shipment = desk.shipping.create(order.id, {"L1": 1}, location="BER", actor=CLERK)
        number = f"PARCEL-{index:06d}"
        desk.shipping.buy_label(shipment.id, actor=CLERK, tracking_number=number)
        desk.shipping.ship(shipment.id, actor=CLERK)
        numbers.append(number)
    return desk, numbers


def _feed(numbers: list[str]) -> list[CarrierEvent]:
    """Every parcel's ten scans, in time order across parcels."""
    return [
        CarrierEvent("manual", number, T0 + timedelta(hours=step, seconds=index), code)
        for step, code in enumerate(CODES)
        for index, number in enumerate(numbers)
    ]


def _grouped(feed: list[CarrierEvent], per_parcel: int) -> list[CarrierEvent]:
    """The same events, ``per_parcel`` consecutive scans of a parcel next to each other."""
    steps = len(CODES)
    parcels = len(feed) // steps
    return [
        feed[step * parcels + parcel]
        for first in range(0, steps, per_parcel)
        for parcel in range(parcels)
        for step in range(first, min(first + per_parcel, steps))
    ]


def _batches(feed: list[CarrierEvent], size: int) -> list[list[CarrierEvent]]:
    return [feed[start : start + size] for start in range(0, len(feed), size)]


def _run(parcels: int, batch_size: int, per_parcel: int) -> tuple[float, float]:
    desk, numbers = _shipped_desk(parcels)
    with desk:
        feed = _grouped(_feed(numbers), per_parcel)
        batches = _batches(feed, batch_size)
        # The previous run's desk is garbage in reference cycles: collect it (and settle the
        # setup's objects) before the clock starts, so that one run does not pay for another.
        # Collections the recording itself causes happen inside the window and are counted.
        gc.collect()
        start = time.perf_counter()
        recorded = 0
        for batch in batches:
            recorded += desk.shipping.record_tracking(batch, actor=HOOK).recorded
        elapsed = time.perf_counter() - start
        assert recorded == len(feed), "events lost"
        delivered = desk.orders.list()
        assert all(order.status.value == "delivered" for order in delivered)
        start = time.perf_counter()
        for batch in batches:
            report = desk.shipping.record_tracking(batch, actor=HOOK)
            assert report.recorded == 0
        again = time.perf_counter() - start
    return len(feed) / elapsed, len(feed) / again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run (for CI)")
    parser.add_argument("--parcels", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--long-feed", type=int, default=6_000, help="parcels of the long feed")
    args = parser.parse_args()
    print_interpreter()
    parcels = 100 if args.quick else args.parcels
    runs = 1 if args.quick else args.runs
    results = [_run(parcels, args.batch, 1) for _ in range(runs)]
    rate = statistics.median(r[0] for r in results)
    print(f"parcels: {parcels}")
    print(f"events: {parcels * len(CODES)}")
    print(f"batch_size: {args.batch}")
    print(f"runs: {runs}")
    print(f"events_per_s: {rate:.1f}")
    print(f"us_per_event: {1e6 / rate:.1f}")
    # The spread shows how much the machine moved during the runs (a shared virtual machine
    # can differ by a third from one second to the next).
    print(f"events_per_s_slowest_run: {min(r[0] for r in results):.1f}")
    print(f"events_per_s_fastest_run: {max(r[0] for r in results):.1f}")
    print(f"duplicate_events_per_s: {statistics.median(r[1] for r in results):.1f}")
    grouped = [_run(parcels, args.batch, 5)[0] for _ in range(runs)]
    print(f"events_per_s_5_per_parcel: {statistics.median(grouped):.1f}")
    long_parcels = 300 if args.quick else args.long_feed
    rate, collecting = _long_feed(long_parcels, args.batch)
    print(f"long_feed_events: {long_parcels * len(CODES)}")
    print(f"events_per_s_long_feed: {rate:.1f}")
    print(f"long_feed_full_collection_share: {collecting:.2f}")


def _long_feed(parcels: int, batch_size: int) -> tuple[float, float]:
    """One desk, one long feed, nothing collected before it: the steady state of a service.

    Returns events per second and the share of the time spent in full (generation 2)
    collections, which grow with the store: each walks every tracked object it holds.
    """
    desk, numbers = _shipped_desk(parcels)
    with desk:
        feed = _feed(numbers)
        batches = _batches(feed, batch_size)
        collecting = 0.0
        started: list[float] = []

        def timer(phase: str, info: dict[str, int]) -> None:
            nonlocal collecting
            if info["generation"] != 2:
                return
            if phase == "start":
                started.append(time.perf_counter())
            else:
                collecting += time.perf_counter() - started.pop()

        gc.callbacks.append(timer)
        try:
            start = time.perf_counter()
            for batch in batches:
                desk.shipping.record_tracking(batch, actor=HOOK)
            elapsed = time.perf_counter() - start
        finally:
            gc.callbacks.remove(timer)
    return len(feed) / elapsed, collecting / elapsed


if __name__ == "__main__":
    main()
