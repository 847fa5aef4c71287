"""Retention: purging delivered outbox messages and old idempotency records from a SQLite file.

A shop takes orders through a web channel that retries with idempotency keys. Every order
queues its confirmation in the outbox; delivered, those messages and the idempotency records
are only history. A nightly job calls ``desk.retention.purge`` to delete what the
``RetentionPolicy`` no longer keeps, while pending and dead messages, the journal and the
orders stay. The purge itself is journaled.

Run it from the repository root with ``python examples/outbox_operations.py``.
"""

# %% [markdown]
# # Operating the outbox
#
# Orders placed over two weeks on a SQLite file, with a manual clock standing in for time. The
# mail gateway is down for the first day's deliveries.

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
    OutboxPolicy,
    PermissionDenied,
    RetentionPolicy,
)
from ordercore.testing import RecordingNotifier

clock = ManualClock(datetime(2025, 6, 2, 9, tzinfo=UTC))
shop = Path(tempfile.mkdtemp(prefix="ordercore-retention-")) / "shop.db"
mail = RecordingNotifier("mail", channels=("email",), fail_first=3)
config = DeskConfig(
    # A delivery made right after a commit is recorded with the next command's transaction;
    # a whole minute here so that the section on it below shows the same every run.
    outbox=OutboxPolicy(max_attempts=3, receipt_delay=timedelta(minutes=1)),
    required_roles={
        "retention.purge": frozenset({"operator"}),
        "outbox.*": frozenset({"operator"}),
    },
    retention=RetentionPolicy(
        delivered_messages=timedelta(days=7), idempotency_keys=timedelta(days=3)
    ),
)
desk = OrderDesk.open(
    f"sqlite:///{shop}", plugins=[mail], clock=clock, config=config, entry_points=False
)
web = Actor.system("webshop")
operator = Actor("u-ops", roles={"operator"})


def order(number: int) -> OrderDraft:
    return OrderDraft(
        channel="web",
        external_id=f"WEB-{number}",
        currency="EUR",
        contact=Contact(f"Buyer {number}", email=f"buyer{number}@example.com"),
        shipping_address=Address(f"Buyer {number}", f"{number} High St", "London", "GB", "N1"),
        lines=[LineDraft("MUG-01", 1, "12.50")],
    )


desk.orders.place(order(0), actor=web, idempotency_key="web:0")
for _ in range(3):  # each retry fails too: the gateway is still down
    clock.advance(minutes=30)
    desk.outbox.dispatch()
print("dead:", [(m.destination, m.topic, m.attempts) for m in desk.outbox.dead()])

# %% [markdown]
# ## Back in the queue
#
# The gateway is fixed; the operator requeues what died there. The message keeps its id, so
# a gateway that did get an earlier attempt can drop the repeat.

# %%
again = desk.outbox.requeue_dead(
    actor=operator, reason="mail gateway back up", destination="notifier:mail"
)
print("requeued:", len(again), "delivered now:", [n.template for n in mail.received])

for day in range(14):
    for number in range(max(day * 10, 1), day * 10 + 10):
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

report = desk.retention.purge(actor=operator)
print("purged:", report.delivered_messages, "messages,", report.idempotency_keys, "keys")
print("after:", rows("outbox"), "outbox rows,", rows("idempotency"), "idempotency rows")

# A retry of a recent order still gets the same order back; an old key is new again, but the
# channel's external id still finds the order it placed.
recent = desk.orders.place(order(135), actor=web, idempotency_key="web:135")
old = desk.orders.place(order(3), actor=web, idempotency_key="web:3")
print("orders:", len(desk.orders.list()), recent.number, old.number)

# %% [markdown]
# ## When a delivery is recorded
#
# The confirmation of an order is delivered right after the order commits, but recorded with
# the desk's next unit of work (or once `receipt_delay` runs out): a transaction less per
# notification. Read past the desk, the message is still pending, claimed by the desk so that
# no worker sends it again; the desk's own views record what it holds first.

# %%
latest = desk.orders.place(order(500), actor=web)
with closing(sqlite3.connect(shop)) as database:
    (in_file,) = database.execute(
        "SELECT status FROM outbox ORDER BY position DESC LIMIT 1"
    ).fetchone()
print(
    latest.number,
    "in the file:",
    in_file,
    "| as the desk shows it:",
    desk.outbox.delivered()[-1].status.value,
)

operations = [e for e in desk.audit.journal() if e.stream_type in {"retention", "outbox_requeue"}]
print("journaled:", [(e.stream_type, e.actor) for e in operations], desk.audit.verify_journal().ok)
desk.close()
