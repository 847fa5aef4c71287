"""SQLite storage: a shop in one file that survives the process and is shared between desks.

Run it from the repository root with ``python examples/sqlite_storage.py``. It works in a
temporary folder and removes it at the end.
"""

# %% [markdown]
# # SQLite storage
#
# `sqlite:///path` keeps everything a desk stores in one SQLite file: orders, stock, the
# hash-chained journal, the outbox and idempotency records. The file is in WAL mode, every
# unit of work takes the write lock first (`BEGIN IMMEDIATE`), and several desks or processes
# can use it at once.

# %%
from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    InsufficientStock,
    LineDraft,
    ManualClock,
    OrderDesk,
    OrderDraft,
    PaymentKind,
    ReviewPolicy,
    SequentialIds,
    Sighting,
    SightingsIndex,
    SightingsRepository,
)
from ordercore.orders.model import ORDERS
from ordercore.storage.sqlite import SCHEMA_VERSION, SchemaTooNew, SQLiteStorage

folder = tempfile.TemporaryDirectory(prefix="ordercore-example-")
path = Path(folder.name) / "shop.db"
url = f"sqlite:///{path}"  # sqlite:////absolute/path; sqlite:///relative/path; ?synchronous=full
clock = ManualClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
config = DeskConfig(review=ReviewPolicy(automatic=False))
clerk = Actor("u-clerk", roles={"clerk", "stock"})

# %% [markdown]
# ## A shop that outlives the process
#
# One desk stocks a mug and takes an order; it is closed, and a new desk on the same file
# finds everything where it was, with a journal that still verifies.

# %%
first = OrderDesk.open(url, clock=clock, ids=SequentialIds(), config=config, entry_points=False)
first.inventory.add_location("BER", actor=clerk)
first.inventory.track("MUG-01", actor=clerk)
first.inventory.receive("MUG-01", "BER", 3, actor=clerk)
order = first.orders.place(
    OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email="ada@example.com"),
        shipping_address=Address("Ada Lovelace", "12 Analytical Row", "Berlin", "DE", "10115"),
        lines=[LineDraft("MUG-01", 2, "12.50")],
    ),
    actor=clerk,
)
first.orders.approve(order.id, actor=clerk)
first.orders.confirm(order.id, actor=clerk)
first.close()

again = OrderDesk.open(url, clock=clock, config=config, entry_points=False)
stored = again.orders.get(order.id)
print(stored.number, stored.status.value, "reserved:", [line.reserved for line in stored.lines])
print("journal entries:", again.audit.head().sequence, "verify:", again.audit.verify_journal().ok)

# %% [markdown]
# ## Two desks on one file
#
# Each desk has its own connection, as two processes would. The one unit left is reserved by
# the second desk; the first desk sees that at once and is refused.

# %%
other = OrderDesk.open(url, clock=clock, config=config, entry_points=False)
other.inventory.reserve("cart-7", {"MUG-01": 1}, actor=clerk)
try:
    again.inventory.reserve("cart-8", {"MUG-01": 1}, actor=clerk)
except InsufficientStock as refused:
    print("refused:", refused)
level = again.inventory.level("MUG-01", "BER")
print("on hand", level.on_hand, "reserved", level.reserved, "available", level.available)
other.close()
again.close()

# %% [markdown]
# ## Order rows follow the journal
#
# Every change of an order is journaled, so its row is written when it is placed and then
# once for many changes: on each checkpoint round, when many rows are behind, on close, or
# when asked. Any reader, in any process, brings a row that is behind up to date from the
# journal entries after it.

# %%
with OrderDesk.open(url, clock=clock, config=config, entry_points=False) as desk:
    paid = desk.orders.record_payment(
        order.id, actor=clerk, kind=PaymentKind.CAPTURE, amount=stored.totals.grand_total
    )
    with closing(sqlite3.connect(path)) as peek:
        (row_version,) = peek.execute(
            "SELECT version FROM aggregates WHERE kind = ? AND id = ?",
            (b"order", order.id.encode()),
        ).fetchone()
    reader = SQLiteStorage(url)  # another storage on the file, as another process would be
    with reader.unit_of_work() as uow:
        seen = uow.aggregates(ORDERS).get(order.id)
    reader.close()
    print("order at version", paid.version, "row at", row_version, "read as", seen.version)
    sqlite_storage = desk.storage
    assert isinstance(sqlite_storage, SQLiteStorage)
    print("rows written now:", sqlite_storage.write_rows_behind())

# %% [markdown]
# ## The review's sightings
#
# Review remembers each order under each identity of its buyer (salted digests of the customer
# id, e-mail, phone and address) as sightings: one row per order and identity, added when the
# order is placed and never rewritten. A storage offers them through the optional
# `SightingsIndex` capability of its units of work; this one's live in the table `sightings`.

# %%
with closing(sqlite3.connect(path)) as peek:
    (key,) = peek.execute("SELECT key FROM sightings LIMIT 1").fetchone()
storage = SQLiteStorage(url)
with storage.unit_of_work() as uow:
    assert isinstance(uow, SightingsIndex)
    sightings: SightingsRepository = uow.sightings
    newest: list[Sighting] = sightings.newest(key.decode(), limit=50)
storage.close()
print("orders seen under one identity:", [order_id for order_id, _ in newest])

# %% [markdown]
# ## Schema versions
#
# The schema is migrated forward when a file is opened. A file written by a newer ordercore is
# refused, and left exactly as it was.

# %%
connection = sqlite3.connect(path)
print(
    "schema version", connection.execute("PRAGMA user_version").fetchone()[0], "of", SCHEMA_VERSION
)
connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")  # pretend a newer ordercore
connection.close()
try:
    SQLiteStorage(url)
except SchemaTooNew as refused:
    print("refused:", refused.found, ">", refused.supported)
folder.cleanup()
