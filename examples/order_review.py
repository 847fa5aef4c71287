"""Order review: rules at intake, the manual queue, a reviewer's decision, a plugin rule.

Run: ``python examples/order_review.py``
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import attrs

from ordercore import (
    Actor,
    Address,
    Blocklist,
    Contact,
    DeskConfig,
    Finding,
    LineDraft,
    ManualClock,
    Order,
    OrderDesk,
    OrderDraft,
    PermissionDenied,
    ReviewContext,
    ReviewPolicy,
    Sentiment,
    SequentialIds,
    SharedIdentities,
    hookimpl,
)


@attrs.frozen
class EmbargoedCountries:
    """A host's own rule: some destinations need an export check first."""

    countries: frozenset[str] = frozenset({"KP"})
    code: str = "embargo"
    description: str = "destination needs an export check"

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        del context
        if order.shipping_address.country in self.countries:
            return Finding(self.code, Sentiment.NEGATIVE, 100, "embargoed destination")
        return None


class HostRules:
    @hookimpl
    def ordercore_review_rules(self) -> list[EmbargoedCountries]:
        return [EmbargoedCountries()]


# The pickup counter's address is given by every buyer who collects there: it links no orders.
counter = SharedIdentities(
    addresses={SharedIdentities.address_entry("1 Market Square", "1000", "GB")}
)
policy = ReviewPolicy(exemptions={"gold": {"velocity"}}, shared=counter).with_rule(
    Blocklist(emails={"mallory@example.net"})
)
# The shop lives in a SQLite file, the embedded default; this run's file is a temporary one.
shop = tempfile.TemporaryDirectory(prefix="ordercore-example-")
shop_url = f"sqlite:///{Path(shop.name) / 'shop.db'}"
desk = OrderDesk.open(
    shop_url,
    clock=ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
    ids=SequentialIds(),
    plugins=[HostRules()],
    config=DeskConfig(review=policy),
    entry_points=False,
)
clerk = Actor("u-clerk", roles={"clerk"})
reviewer = Actor("u-rita", roles={"reviewer"})


def draft(name: str, email: str, country: str, *lines: LineDraft) -> OrderDraft:
    return OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact(name, email=email),
        shipping_address=Address(name, f"1 {name} Street", "Capital", country, "1000"),
        lines=list(lines),
    )


mug = LineDraft("MUG-01", 2, "12.50", tax_rate="0.19")
placed = [
    desk.orders.place(draft("Ada", "ada@example.com", "GB", mug), actor=clerk),
    desk.orders.place(draft("Ada", "ada@example.com", "GB", mug), actor=clerk),  # the same again
    desk.orders.place(draft("Mallory", "Mallory@Example.net", "FR", mug), actor=clerk),
    desk.orders.place(draft("Kim", "kim@example.org", "KP", mug), actor=clerk),
    desk.orders.place(
        draft("Grace", "grace@example.com", "US", LineDraft("DESK-9", 1, "1450.00")), actor=clerk
    ),
]
for order in placed:
    print(f"{order.number}: {order.status.value:9} {order.status_reason or ''}")

print("\nreview queue (oldest first):")
for held in desk.review.queue():
    print(f"  {held.order.number} score {held.score}")
    for finding in held.findings:
        print(f"    {finding.rule:24} {finding.score:+4}  {finding.message}")

collecting = [
    desk.orders.place(
        OrderDraft(
            channel="store",
            currency="EUR",
            contact=Contact(f"Buyer {n}", email=f"buyer{n}@example.com"),
            shipping_address=Address("Pickup", "1 Market Square", "Capital", "GB", "1000"),
            lines=[mug],
        ),
        actor=clerk,
    ).status.value
    for n in range(7)
]
print("\nseven buyers at the pickup counter:", collecting.count("approved"), "approved")

try:
    desk.review.approve(placed[4].id, actor=clerk, reason="looks fine")
except PermissionDenied as refused:
    print("\na clerk may not decide:", refused)
approved = desk.review.approve(placed[4].id, actor=reviewer, reason="verified by phone")
rejected = desk.review.reject(placed[1].id, actor=reviewer, reason="duplicate of SO-000001")
print(f"{approved.number} {approved.status.value}; {rejected.number} {rejected.status.value}")
print("journal verifies:", desk.audit.verify_journal().ok)
desk.close()
shop.cleanup()
