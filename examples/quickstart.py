"""Quickstart: run your own commands through an OrderDesk.

A gift card is the aggregate of this example: the application defines it with attrs, names it
with an ``AggregateKind`` and writes two command handlers. The desk runs each handler as one
unit of work (authorized, idempotent, journaled, with notifications delivered after commit).

Run it from the repository root with ``python examples/quickstart.py``. Every run prints the
same output: the clock is a ``ManualClock`` and ids come from ``SequentialIds``.
"""

# %% [markdown]
# # Quickstart
#
# We open a desk on the in-memory backend, define a gift card aggregate, issue and redeem a
# card, repeat a request with the same idempotency key, and then look at the audit journal and
# the outbox.

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
    IdempotencyConflict,
    ManualClock,
    Money,
    OrderDesk,
    OutboxStatus,
    SequentialIds,
    ValidationError,
)
from ordercore.serialization import JSONValue

# %% [markdown]
# ## The aggregate and its events
#
# An aggregate is any object with an ``id`` and a ``version``. Events are attrs classes too;
# the desk turns their fields into the journal entry's payload (Money becomes
# ``{"amount": "...", "currency": "..."}``).


# %%
@attrs.frozen
class GiftCard:
    """A prepaid card; ``version`` is 1 when issued and grows by one on every change."""

    id: str
    version: int
    balance: Money


@attrs.frozen
class GiftCardIssued:
    """The card was issued with an opening balance."""

    balance: Money


@attrs.frozen
class GiftCardRedeemed:
    """Part of the balance was spent."""

    amount: Money
    balance: Money


GIFT_CARDS: AggregateKind[GiftCard] = AggregateKind("gift_card", GiftCard)

# %% [markdown]
# ## Command handlers
#
# A handler receives a ``CommandContext``. It loads through ``ctx.uow``, saves with the
# version it read, records events and queues notifications. Everything commits together.


# %%
def issue_card(card_id: str, amount: Money) -> Callable[[CommandContext], GiftCard]:
    """Return a handler that issues a new card."""

    def handler(ctx: CommandContext) -> GiftCard:
        cards = ctx.uow.aggregates(GIFT_CARDS)
        if cards.find(card_id) is not None:
            raise ValidationError("card_id", f"gift card {card_id!r} already exists")
        card = GiftCard(card_id, 1, amount)
        cards.save(card, expected_version=0)
        ctx.record("gift_card", card_id, card.version, GiftCardIssued(amount))
        return card

    return handler


def redeem(card_id: str, amount: Money, email: str) -> Callable[[CommandContext], GiftCard]:
    """Return a handler that spends ``amount`` from a card and e-mails a receipt."""

    def handler(ctx: CommandContext) -> GiftCard:
        cards = ctx.uow.aggregates(GIFT_CARDS)
        card = cards.get(card_id)
        if amount > card.balance:
            raise ValidationError("amount", f"only {card.balance} left on the card")
        updated = attrs.evolve(card, version=card.version + 1, balance=card.balance - amount)
        cards.save(updated, expected_version=card.version)
        ctx.record("gift_card", card_id, updated.version, GiftCardRedeemed(amount, updated.balance))
        ctx.notify(
            "gift_card_receipt",
            channel="email",
            recipient=email,
            data={"card": card_id, "spent": str(amount), "left": str(updated.balance)},
        )
        return updated

    return handler


# %% [markdown]
# ## Open a desk and run commands
#
# ``entry_points=False`` keeps installed third-party plugins out of this example.

# %%
clock = ManualClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
# The shop lives in a SQLite file, the embedded default; this run's file is a temporary one.
shop = tempfile.TemporaryDirectory(prefix="ordercore-example-")
shop_url = f"sqlite:///{Path(shop.name) / 'shop.db'}"
desk = OrderDesk.open(shop_url, clock=clock, ids=SequentialIds(), entry_points=False)
cashier = Actor("u-cashier", roles={"cashier"})

card = desk.execute(
    issue_card("gc-1", Money.of("50.00", "EUR")),
    action="gift_card.issue",
    actor=cashier,
    subject="gc-1",
)
print("issued:", card)
assert card.balance == Money.of("50.00", "EUR")

spend = Money.of("12.50", "EUR")
request: JSONValue = {"card": "gc-1", "amount": str(spend)}
card = desk.execute(
    redeem("gc-1", spend, "ada@example.com"),
    action="gift_card.redeem",
    actor=cashier,
    subject="gc-1",
    request=request,
    idempotency_key="till-7-receipt-0001",
    result_type=GiftCard,
)
print("after redeeming", spend, "->", card.balance)
assert card == GiftCard("gc-1", 2, Money.of("37.50", "EUR"))

# %% [markdown]
# ## Repeat a request safely
#
# The till lost the answer and sends the same request again with the same key. The handler
# does not run a second time: the desk returns the stored result. The same key with a
# different request is refused.

# %%
again = desk.execute(
    redeem("gc-1", spend, "ada@example.com"),
    action="gift_card.redeem",
    actor=cashier,
    subject="gc-1",
    request=request,
    idempotency_key="till-7-receipt-0001",
    result_type=GiftCard,
)
print("repeated request ->", again.balance, "(stored result, nothing spent twice)")
assert again == card

try:
    desk.execute(
        redeem("gc-1", Money.of("1.00", "EUR"), "ada@example.com"),
        action="gift_card.redeem",
        actor=cashier,
        subject="gc-1",
        request={"card": "gc-1", "amount": "1.00"},
        idempotency_key="till-7-receipt-0001",
        result_type=GiftCard,
    )
except IdempotencyConflict as exc:
    print("same key, other request ->", type(exc).__name__)
else:
    raise AssertionError("a reused key with another request must be refused")

# %% [markdown]
# ## A refused command writes nothing
#
# The handler raises, so the unit of work rolls back: no state, no journal entry, no message.

# %%
head_before = desk.audit.head()
try:
    desk.execute(
        redeem("gc-1", Money.of("100.00", "EUR"), "ada@example.com"),
        action="gift_card.redeem",
        actor=cashier,
        subject="gc-1",
    )
except ValidationError as exc:
    print("refused:", exc)
assert desk.audit.head() == head_before

# %% [markdown]
# ## The audit journal and the outbox

# %%
for entry in desk.audit.journal():
    print(
        f"#{entry.sequence} {entry.stream_type}/{entry.stream_id} v{entry.version} "
        f"{entry.event_type} {entry.payload} by {entry.actor} hash {entry.hash[:12]}..."
    )
assert [e.event_type for e in desk.audit.journal()] == ["GiftCardIssued", "GiftCardRedeemed"]

verification = desk.audit.verify_journal()
print("journal verifies:", verification.ok, f"({verification.checked} entries)")
assert verification.ok
assert verification.checked == 2

# The built-in "log" notifier serves every channel, so the receipt went to it after commit.
(message,) = desk.outbox.delivered()
print("outbox:", message.destination, message.topic, message.status.value)
assert (message.destination, message.topic) == ("notifier:log", "gift_card_receipt")
assert message.status is OutboxStatus.DELIVERED
assert desk.outbox.pending() == []
assert desk.outbox.dead() == []

desk.close()
shop.cleanup()
