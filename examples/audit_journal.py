"""The audit journal: record, read and verify a tamper-evident history.

Every event a command records goes into one append-only journal, where each entry carries the
SHA-256 digest of its own content and of the entry before it. This example records price
changes of a small aggregate defined here, verifies the chain, keeps the journal head somewhere
else, and then shows what verification reports for an edited copy, for a copy that was edited
and re-sealed, and for a copy with its newest entries cut off.

Run it from the repository root with ``python examples/audit_journal.py``.
"""

# %% [markdown]
# # The audit journal
#
# The aggregate is a price tag per SKU; each change is journaled with the actor and a reason.

# %%
from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import attrs

from ordercore import (
    Actor,
    AggregateKind,
    CommandContext,
    EntryDraft,
    JournalEntry,
    JournalHead,
    ManualClock,
    Money,
    OrderDesk,
    SequentialIds,
    TamperDetected,
    verify_chain,
)
from ordercore.audit.journal import seal, seal_fields


# %%
@attrs.frozen
class PriceTag:
    """The current selling price of one SKU."""

    id: str
    version: int
    price: Money


@attrs.frozen
class PriceSet:
    """The price of a SKU changed (``previous`` is absent for a new tag)."""

    previous: Money | None
    price: Money


PRICE_TAGS: AggregateKind[PriceTag] = AggregateKind("price_tag", PriceTag)


def set_price(sku: str, price: Money, reason: str) -> Callable[[CommandContext], PriceTag]:
    """Return a handler that sets the price of ``sku``, creating the tag if needed."""

    def handler(ctx: CommandContext) -> PriceTag:
        tags = ctx.uow.aggregates(PRICE_TAGS)
        current = tags.find(sku)
        version = 0 if current is None else current.version
        updated = PriceTag(sku, version + 1, price)
        tags.save(updated, expected_version=version)
        previous = None if current is None else current.price
        ctx.record("price_tag", sku, updated.version, PriceSet(previous, price), reason=reason)
        return updated

    return handler


# %% [markdown]
# ## Record some history

# %%
clock = ManualClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
# The shop lives in a SQLite file, the embedded default; this run's file is a temporary one.
shop = tempfile.TemporaryDirectory(prefix="ordercore-example-")
shop_url = f"sqlite:///{Path(shop.name) / 'shop.db'}"
desk = OrderDesk.open(shop_url, clock=clock, ids=SequentialIds(), entry_points=False)
buyer = Actor("u-buyer", roles={"pricing"})
manager = Actor("u-manager", roles={"pricing", "manager"})


def change(actor: Actor, sku: str, amount: str, reason: str) -> None:
    """Run one price change and move the clock on a little."""
    desk.execute(
        set_price(sku, Money.of(amount, "EUR"), reason),
        action="price.set",
        actor=actor,
        subject=sku,
    )
    clock.advance(minutes=15)


change(buyer, "SKU-1", "19.99", "initial listing")
change(buyer, "SKU-2", "4.50", "initial listing")
change(manager, "SKU-1", "17.99", "spring promotion")

for entry in desk.audit.journal():
    print(
        f"#{entry.sequence} {entry.recorded_at:%H:%M} {entry.stream_id} v{entry.version} "
        f"{entry.event_type} by {entry.actor} ({entry.reason}) {entry.hash[:12]}..."
    )

history = desk.audit.stream("price_tag", "SKU-1")
print("SKU-1 history:", [entry.payload["price"] for entry in history])
assert [entry.version for entry in history] == [1, 2]
assert history[1].payload == {
    "previous": {"amount": "19.99", "currency": "EUR"},
    "price": {"amount": "17.99", "currency": "EUR"},
}

# %% [markdown]
# ## Verify, and keep the head somewhere else
#
# ``verify_journal`` recomputes every digest. The head (sequence and digest of the newest
# entry) is what a host stores outside the database, for example in a ticket or a signed
# report, as the text ``str(head)``.

# %%
result = desk.audit.verify_journal()
print("verified:", result.ok, f"{result.checked} entries")
assert result.ok
assert result.checked == 3

saved_text = str(desk.audit.head())
print("saved head:", saved_text)

change(manager, "SKU-2", "3.99", "clearance")
change(buyer, "SKU-3", "9.00", "initial listing")

# The next audit recomputes only what was added since the saved head, and checks that the new
# entries chain onto the saved digest.
earlier = JournalHead.parse(saved_text)
incremental = desk.audit.verify_journal(after=earlier)
print("incremental audit:", incremental.ok, f"{incremental.checked} new entries")
assert incremental.ok
assert incremental.checked == 2

latest = desk.audit.head()
assert desk.audit.verify_journal(against=latest).ok
entries = desk.audit.journal()

# %% [markdown]
# ## What a storage backend seals
#
# Each entry's ``hash`` is the SHA-256 of the canonical JSON of its own fields and the hash
# before it. ``seal_fields`` is that step alone, for backends that append from fields
# (``EventAppender``): it gives the same digest for every stored entry.

# %%
for entry in entries:
    digest = seal_fields(entry, entry.sequence, entry.previous_hash, entry.personal_digest)[2]
    assert digest == entry.hash
print("every digest recomputed from its fields:", len(entries), "entries")

# %% [markdown]
# ## An edited entry breaks the chain
#
# We change the price in an exported copy of entry 3. Its digest no longer matches its content,
# and verification names the first broken sequence.

# %%
edited = list(entries)
victim = edited[2]
edited[2] = attrs.evolve(
    victim, payload={**victim.payload, "price": {"amount": "1.00", "currency": "EUR"}}
)
broken = verify_chain(edited)
print("edited copy:", broken.ok, "at", broken.first_bad_sequence, "-", broken.reason)
assert not broken.ok
assert broken.first_bad_sequence == 3

caught: TamperDetected | None = None
try:
    broken.raise_if_broken()
except TamperDetected as exc:
    print("raise_if_broken:", type(exc).__name__, exc)
    caught = exc
assert caught is not None
assert caught.sequence == 3

# %% [markdown]
# ## Re-sealing hides an edit from the chain, not from the saved head
#
# Someone with write access could recompute every digest after the edit. The chain is then
# consistent again, which is why the head is kept elsewhere: verifying ``against`` it finds the
# difference.


# %%
def reseal(chain: list[JournalEntry], start: int) -> list[JournalEntry]:
    """Recompute the digests from index ``start`` on, as a forger would."""
    forged = chain[:start]
    previous_hash = forged[-1].hash if forged else "0" * 64
    for entry in chain[start:]:
        draft = EntryDraft(
            event_id=entry.event_id,
            stream_type=entry.stream_type,
            stream_id=entry.stream_id,
            version=entry.version,
            event_type=entry.event_type,
            payload=entry.payload,
            actor=entry.actor,
            recorded_at=entry.recorded_at,
            reason=entry.reason,
            correlation_id=entry.correlation_id,
        )
        sealed = seal(draft, entry.sequence, previous_hash)
        forged.append(sealed)
        previous_hash = sealed.hash
    return forged


forged = reseal(edited, 2)
print("re-sealed copy on its own:", verify_chain(forged).ok)
assert verify_chain(forged).ok
against_saved = verify_chain(forged, against=latest)
print("re-sealed copy against the saved head:", against_saved.ok, "-", against_saved.reason)
assert not against_saved.ok

# %% [markdown]
# ## Truncation is caught only against a saved head
#
# Cutting the newest entries off leaves a shorter chain that is valid in itself.

# %%
truncated = entries[:-2]
print("truncated copy on its own:", verify_chain(truncated).ok)
assert verify_chain(truncated).ok
cut = verify_chain(truncated, against=latest)
print("truncated copy against the saved head:", cut.ok, "-", cut.reason)
assert not cut.ok
assert cut.first_bad_sequence == 4

# The stored journal itself was never touched.
assert desk.audit.verify_journal(against=latest).ok
desk.close()
shop.cleanup()
