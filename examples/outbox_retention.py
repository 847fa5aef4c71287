"""Retention: purging delivered outbox messages and old idempotency records from a SQLite file.

A shop takes orders through a web channel that retries with idempotency keys. Every order
queues its confirmation in the outbox; delivered, those messages and the idempotency records
are only history. A nightly job calls ``desk.retention.purge`` to delete what the
``RetentionPolicy`` no longer keeps, while pending and dead messages, the journal and the
orders stay. The purge itself is journaled.

Run it from the repository root with ``python examples/outbox_retention.py``.
"""

# %% [markdown]
# # Keeping the outbox small
#
# Orders placed over two weeks on a SQLite file, with a manual clock standing in for time.

# %%
from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    LineDraft,
    ManualClock,
    OrderDesk,
    OrderDraft,
    PermissionDenied,
    RetentionPolicy,
)

clock = ManualClock(datetime(2025, 6, 2, 9, tzinfo=UTC))
shop = Path(tempfile.mkdtemp(prefix="ordercore-retention-")) / "shop.db"
config = DeskConfig(
    required_roles={"retention.purge": frozenset({"operator"})},
    retention=RetentionPolicy(
        delivered_messages=timedelta(days=7), idempotency_keys=timedelta(days=3)
    ),
)
desk = OrderDesk.open(f"sqlite:///{shop}", clock=clock, config=config, entry_points=False)
web = Actor.system("webshop")


def order(number: int) -> OrderDraft:
    return OrderDraft(
        channel="web",
        external_id=f"WEB-{number}",
        currency="EUR",
        contact=Contact(f"Buyer {number}", email=f"buyer{number}@example.com"),
        shipping_address=Address(f"Buyer {number}", f"{number} High St", "London", "GB", "N1"),
        lines=[LineDraft("MUG-01", 1, "12.50")],
    )


for day in range(14):
    for number in range(day * 10, day * 10 + 10):
        desk.orders.place(order(number), actor=web, idempotency_key=f"web:{number}")
    clock.advance(days=1)


def rows(table: str) -> int:
    with closing(sqlite3.connect(shop)) as database:
        (count,) = database.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - our own table names
        return int(count)


print("before:", rows("outbox"), "outbox rows,", rows("idempotency"), "idempotency rows")

# %% [markdown]
# ## The nightly purge
#
# Only an operator may run it. Messages delivered more than seven days ago and keys recorded
# more than three days ago go; the rest stays.

# %%
try:
    desk.retention.purge(actor=Actor("u-intern"))
except PermissionDenied as refused:
    print("refused:", type(refused).__name__)

report = desk.retention.purge(actor=Actor("u-ops", roles={"operator"}))
print("purged:", report.delivered_messages, "messages,", report.idempotency_keys, "keys")
print("after:", rows("outbox"), "outbox rows,", rows("idempotency"), "idempotency rows")

# A retry of a recent order still gets the same order back; an old key is new again, but the
# channel's external id still finds the order it placed.
recent = desk.orders.place(order(135), actor=web, idempotency_key="web:135")
old = desk.orders.place(order(3), actor=web, idempotency_key="web:3")
print("orders:", len(desk.orders.list()), recent.number, old.number)

(run,) = [entry for entry in desk.audit.journal() if entry.stream_type == "retention"]
print("journaled:", run.actor, run.payload["delivered_messages"], desk.audit.verify_journal().ok)
desk.close()
