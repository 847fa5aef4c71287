"""Analytics walkthrough: from orders on a desk and a CSV export to a weekly report.

Run it from the repository root with ``python examples/analytics_walkthrough.py``, or open it
as a notebook (percent cells). The output is the same on every run.
"""

# %% [markdown]
# # Analytics walkthrough
#
# Orders are placed on a desk; `desk.analytics.facts()` turns them into facts. A CSV export is
# read with a report of its bad rows. Then sales, customers, operations, inventory and
# baskets.

# %%
from __future__ import annotations

import io
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
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
    ReviewPolicy,
    SequentialIds,
)
from ordercore.analytics import (
    OrderColumns,
    Period,
    abc_analysis,
    association_rules,
    backtest,
    baskets_of,
    best_and_worst,
    churn_risk,
    cohort_retention,
    croston,
    frequent_itemsets,
    holt_winters_additive,
    operations_rates,
    orders_from_csv,
    reorder_point,
    rfm,
    rfm_from_csv,
    sales,
    ses,
    sku_revenue,
    stage_times,
)

# %% [markdown]
# ## Facts from the desk

# %%
clock = ManualClock(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))
# The shop lives in a SQLite file, the embedded default; this run's file is a temporary one.
shop = tempfile.TemporaryDirectory(prefix="ordercore-example-")
shop_url = f"sqlite:///{Path(shop.name) / 'shop.db'}"
# A person reviews each order here, so the time orders wait for review shows in the stage times.
desk = OrderDesk.open(
    shop_url,
    clock=clock,
    ids=SequentialIds(),
    config=DeskConfig(review=ReviewPolicy(automatic=False)),
    entry_points=False,
)
clerk = Actor("u-clerk", roles={"clerk"})
catalogue = [
    ("MUG-01", "12.50", "kitchen"),
    ("TEA-07", "4.99", "grocery"),
    ("POT-02", "29.00", "kitchen"),
]
for index in range(24):
    sku, price, category = catalogue[index % 3]
    lines = [LineDraft(sku, 1 + index % 2, price, category=category)]
    if index % 4 == 0:
        lines.append(LineDraft("TEA-07", 1, "4.99", category="grocery"))
    order = desk.orders.place(
        OrderDraft(
            channel=("web", "phone", "marketplace")[index % 3],
            currency="EUR",
            customer_id=f"cust-{index % 5}",
            contact=Contact("A Customer", email="customer@example.com"),
            shipping_address=Address(
                name="A Customer",
                line1="1 Street",
                city="Berlin",
                country="DE",
                postal_code="10115",
            ),
            lines=lines,
        ),
        actor=clerk,
    )
    clock.advance(timedelta(hours=5))
    desk.orders.approve(order.id, actor=clerk)
    clock.advance(timedelta(days=2))

facts = desk.analytics.facts()
line_facts = desk.analytics.line_facts()
print(len(facts), "orders,", len(line_facts), "lines")

# %% [markdown]
# ## Sales

# %%
weekly = sales(facts, period=Period.WEEK, by="channel")
print(weekly)
by_sku = sales(line_facts, period=None, by="sku")
print(best_and_worst(by_sku, n=2))

# %% [markdown]
# ## Customers

# %%
scores = rfm(facts)
print(scores)
print(cohort_retention(facts))
print(churn_risk(facts, as_of=date(2025, 3, 15)))

# %% [markdown]
# ## Operations

# %%
print(stage_times(facts))
print(operations_rates(facts))

# %% [markdown]
# ## A CSV export, bad rows and all

# %%
export = io.StringIO(
    "order_id,customer_id,order_date,amount\n"
    "1,7,2024-01-03,19.99\n"
    "2,8,2024-01-04,twelve\n"
    "3,7,2024-02-01,5.00\n"
)
read = orders_from_csv(export, OrderColumns(), currency="EUR")
print(read.report)
print(sales(read.facts).to_csv())

# %% [markdown]
# ## RFM straight from a large export
#
# `rfm_from_csv` reads only the columns it needs, in one pass. With `workers=2` a file of 8 MiB
# or more is read in two halves at once on a POSIX machine with two free cores (the second half
# in a forked process); the scores are the same either way. This file is small: one process.

# %%
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "orders.csv"
    path.write_text(
        "order_id,customer_id,order_date,amount\n"
        + "".join(
            f"{i},{1 + i % 40},2024-{1 + i % 12:02d}-{1 + i % 28:02d},{i % 90}.{i % 100:02d}\n"
            for i in range(1, 2001)
        )
    )
    scores = rfm_from_csv(path, currency="EUR")
    assert rfm_from_csv(path, currency="EUR", workers=2) == scores
print(scores.segment_counts())

# %% [markdown]
# ## Inventory: ABC, forecasts, reorder points

# %%
currency, revenue = sku_revenue(line_facts)
print(abc_analysis(revenue, currency))
demand = [12, 15, 11, 14, 18, 21, 13, 16, 12, 15, 19, 22, 14, 17, 13, 16]
print(ses(demand, alpha=0.3, h=2).values)
print(holt_winters_additive(demand, season_length=4, alpha=0.3, beta=0.1, gamma=0.2, h=4).values)
print(croston([0, 0, 3, 0, 0, 0, 2, 0, 4], alpha=0.2).values)
score = backtest(lambda s, h: ses(s, alpha=0.3, h=h), demand, holdout=4)
print(f"SES backtest: MAE {score.mae:.2f}, MAPE {score.mape:.1%}")
point = reorder_point(service_level=0.95, demand_mean=15, demand_std=3, lead_time_mean=5)
print(f"reorder at {point:.0f} units")

# %% [markdown]
# ## Baskets

# %%
itemsets = frequent_itemsets(baskets_of(line_facts), min_support=0.05)
rules = association_rules(itemsets, min_confidence=0.3)
print(rules)
print("bought with MUG-01:", rules.bought_with("MUG-01"))
print(
    "weekly revenue in EUR:",
    sum(row[3] for row in weekly.rows()) == sum(f.total.amount for f in facts),
)
assert sum((row[3] for row in weekly.rows()), Decimal(0)) == sum(f.total.amount for f in facts)
desk.close()
shop.cleanup()
