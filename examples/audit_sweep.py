"""Audit sweeps: find stale, inconsistent and tampered records on a schedule.

A store of real orders is seeded, then damaged the ways real stores get damaged: a stored total
corrupted by a faulty job, a reservation counter out of step, an order left waiting, a journal
entry edited by hand, a cart hold nobody expired, a stock level's reserved count out of step and
a customer record nobody can be reached at. A sweep finds each of them; a weekday plan in
Berlin time runs the sweep for its owner, who gets the findings through the outbox.

Run it from the repository root with ``python examples/audit_sweep.py``. Every run prints the
same output: the clock is a ``ManualClock``.
"""

# %% [markdown]
# # Audit sweeps
#
# The store is clean as of ``NOW``: 2,000 orders in every state of the lifecycle.

# %%
from __future__ import annotations

import shutil
import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs

from ordercore import (
    Actor,
    AuditPlan,
    AuditSchedule,
    CustomerDraft,
    ManualClock,
    Money,
    Order,
    OrderDesk,
    OrderStatus,
)
from ordercore.customers.model import CUSTOMERS
from ordercore.inventory.model import STOCK_LEVELS
from ordercore.orders.model import ORDERS
from ordercore.testing import RecordingNotifier
from ordercore.testing.seeding import seed_orders

NOW = datetime(2025, 3, 3, 12, tzinfo=UTC)  # a Monday
auditor = Actor("u-auditor", roles={"auditor"})
inbox = RecordingNotifier()
folder = Path(tempfile.mkdtemp(prefix="ordercore-audit-"))
shop = folder / "shop.db"
desk = OrderDesk.open(
    f"sqlite:///{shop}", plugins=[inbox], clock=ManualClock(NOW), entry_points=False
)
seed_orders(desk.storage, 2_000, now=NOW)

clean = desk.audit.sweep(actor=auditor)
print(f"clean store: {len(clean.findings)} findings over {clean.orders_in_scope} orders")

# %% [markdown]
# ## Damage
#
# Orders written straight into storage, without a command and without journal entries, the
# way a faulty job or a hand-written SQL update would; and a journal entry edited in place.


# %%
def overwrite(order: Order, damaged: Order) -> None:
    """Store ``damaged`` as the next version of ``order``, past every command."""
    with desk.storage.unit_of_work() as uow:
        uow.aggregates(ORDERS).save(
            attrs.evolve(damaged, version=order.version + 1), expected_version=order.version
        )


completed = desk.orders.list(status=OrderStatus.COMPLETED)[0]
totals = attrs.evolve(
    completed.totals, grand_total=completed.totals.grand_total + Money.of("5.00", "EUR")
)
overwrite(completed, attrs.evolve(completed, totals=totals))

confirmed = desk.orders.list(status=OrderStatus.CONFIRMED)[0]
line = confirmed.lines[0]
damaged_lines = (attrs.evolve(line, reserved=line.reserved + 3), *confirmed.lines[1:])
overwrite(confirmed, attrs.evolve(confirmed, lines=damaged_lines))

# Someone with access to the database file edits who did something, by hand. (A journal row's
# body is a JSON array; its seventh item is the actor.)
with closing(sqlite3.connect(shop)) as database, database:
    database.execute(
        "UPDATE journal SET body = CAST(json_replace(CAST(body AS TEXT), '$[6]', ?) AS BLOB)"
        " WHERE sequence = ?",
        ("u-someone-else", 100),
    )

# Stock and customers: a cart hold that expires in an hour but no expiry sweep is scheduled,
# a stock level whose reserved count a hand edit changed, and a customer record that lost its
# only contact detail.
clerk = Actor("u-clerk")
desk.inventory.add_location("BER", actor=clerk, priority=1)
desk.inventory.track("MUG-01", actor=clerk)
desk.inventory.receive("MUG-01", "BER", 50, actor=clerk)
desk.inventory.hold("cart-7", {"MUG-01": 2}, actor=clerk, ttl=timedelta(hours=1))
customer = desk.customers.register(
    CustomerDraft("Ada Lovelace", email="ada@example.com"), actor=clerk
)
with desk.storage.unit_of_work() as uow:
    levels = uow.aggregates(STOCK_LEVELS)
    level = levels.get("MUG-01@BER")
    edited = attrs.evolve(level, reserved=5, version=level.version + 1)
    levels.save(edited, expected_version=level.version)
    contactless = attrs.evolve(customer, email=None, version=customer.version + 1)
    uow.aggregates(CUSTOMERS).save(contactless, expected_version=customer.version)

# %% [markdown]
# ## The sweep
#
# Two days later: some open orders have also waited past their service levels.

# %%
later = NOW + timedelta(days=2)
report = desk.audit.sweep(actor=auditor, now=later)
print({severity.value: count for severity, count in report.by_severity.items()})
print({check: count for check, count in report.by_check.items() if count})
for finding in report.findings[:4]:
    print(f"{finding.severity.value:8} {finding.check:20} {finding.problem[:70]}")

# %% [markdown]
# ## Exports
#
# JSON for machines, CSV for spreadsheets, Markdown for people; personal data is masked in all.

# %%
print(report.to_markdown(limit=3).splitlines()[0])
print(report.to_csv().splitlines()[0])
print(len(report.to_json()) > 1000)

# %% [markdown]
# ## A plan
#
# Every weekday at 06:00 in Berlin, for the operations team. The run is recorded in storage
# and the journal, and the findings go to the owner through the outbox.

# %%
desk.audit.add_plan(
    AuditPlan(
        "weekday-morning",
        AuditSchedule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=6", "Europe/Berlin"),
        owner="ops@example.com",
    )
)
for due in desk.audit.due(later):
    print(f"{due.plan.code} due since {due.since.isoformat()}")
for ran in desk.audit.run_due(actor=auditor, now=later):
    print(f"{ran.plan}: {len(ran.findings)} findings, worst {ran.findings[0].severity.value}")
sent = [n for n in inbox.received if n.template == "audit_findings"]
print(f"{len(sent)} notification to {sent[0].recipient}: {sent[0].data['findings']} findings")
print("due again:", desk.audit.due(later))
next_morning = datetime(2025, 3, 6, 5, tzinfo=UTC)
print("due next morning:", [due.plan.code for due in desk.audit.due(next_morning)])
desk.close()
shutil.rmtree(folder)
