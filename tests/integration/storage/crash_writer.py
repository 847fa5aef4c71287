"""The writer the crash test kills: places, confirms and ships orders on a SQLite file.

Run as ``python crash_writer.py URL``. It opens the desk, prints ``ready``, waits for a line on
stdin, then works until it is killed, printing ``<step> <order id>`` (flushed) right after each
call returns, so the test knows which calls had returned when the kill came.
"""

from __future__ import annotations

import sys

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    LineDraft,
    OrderDesk,
    OrderDraft,
    ReviewPolicy,
)

CLERK = Actor("crash-clerk", roles={"clerk", "stock"})
SKU, LOCATION = "SKU-CRASH", "MAIN"


def main() -> None:
    """Work until killed."""
    config = DeskConfig(review=ReviewPolicy(automatic=False))
    desk = OrderDesk.open(sys.argv[1], entry_points=False, config=config)
    print("ready", flush=True)
    sys.stdin.readline()
    index = 0
    while True:
        index += 1
        draft = OrderDraft(
            channel="web",
            currency="EUR",
            contact=Contact("Crash Test", email="crash@example.com"),
            shipping_address=Address("Crash Test", "1 Kill Street", "Berlin", "DE", "10115"),
            lines=[LineDraft(SKU, 1 + index % 3, "9.99"), LineDraft("SKU-FREE", 1, "1.00")],
            credit_terms=True,  # ships before it is paid
        )
        order = desk.orders.place(draft, actor=CLERK)
        print("placed", order.id, flush=True)
        desk.orders.approve(order.id, actor=CLERK)
        desk.orders.confirm(order.id, actor=CLERK)
        print("confirmed", order.id, flush=True)
        if index % 2:
            desk.orders.ship(order.id, actor=CLERK)
            print("shipped", order.id, flush=True)


if __name__ == "__main__":
    main()
