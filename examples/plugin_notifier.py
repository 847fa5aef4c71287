"""Host plugins: an SMS notifier, a permission policy and an ERP event listener.

A host application extends ordercore with plain Python objects whose methods carry
``@hookimpl``. This example registers three of them with ``OrderDesk.open(plugins=[...])``:

- ``SmsGateway`` implements ``ordercore_notifiers`` and registers a notifier for the ``sms``
  channel. Its gateway is down for the first delivery, so the outbox keeps the message and the
  example retries it by moving a ``ManualClock`` forward and calling ``desk.outbox.dispatch()``.
- ``RefundPolicy`` implements ``ordercore_authorize``: only the finance team may refund.
- ``ErpBridge`` implements ``ordercore_event_committed`` and receives every committed event.

Run it from the repository root with ``python examples/plugin_notifier.py``.
"""

# %% [markdown]
# # Plugins for notifications, permissions and integrations
#
# The commands work on a small invoice aggregate defined right here; what matters is what the
# plugins see.

# %%
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import attrs

from ordercore import (
    Actor,
    AggregateKind,
    CommandContext,
    CommittedEvent,
    ManualClock,
    Money,
    Notification,
    Notifier,
    OrderDesk,
    PermissionDenied,
    SequentialIds,
    ValidationError,
    hookimpl,
)
from ordercore.privacy import mask_phone

# %% [markdown]
# ## The plugins
#
# A plugin's registration name comes from its ``plugin_name`` attribute (or its class name).
# Notifier names must be unique across all plugins; ``"log"`` is taken by the built-in logging
# notifier, which serves every channel.


# %%
class SmsGateway:
    """A notifier plugin that sends text messages through a (simulated) gateway."""

    plugin_name = "acme-sms"

    def __init__(self, *, outages: int = 0) -> None:
        self.outages = outages
        self.attempts: list[Notification] = []
        self.sent: dict[str, Notification] = {}

    def send(self, notification: Notification) -> None:
        """Deliver one notification; raising asks the outbox to try again later."""
        self.attempts.append(notification)
        if self.outages > 0:
            self.outages -= 1
            raise ConnectionError("SMS gateway unavailable")
        # A retry carries the same message id, so a notifier can drop duplicates.
        self.sent.setdefault(notification.message_id, notification)

    @hookimpl
    def ordercore_notifiers(self) -> Iterable[Notifier]:
        """Register the ``sms`` notifier."""
        return [Notifier("sms", channels=("sms",), send=self.send, description="Acme SMS gateway")]


class RefundPolicy:
    """A permission policy: refunds need the ``finance`` role; other actions are not its call."""

    plugin_name = "acme-refund-policy"

    @hookimpl
    def ordercore_authorize(self, actor: Actor, action: str, subject: str) -> bool | None:
        """Answer ``False`` to deny, ``None`` for "no opinion"."""
        del subject  # this policy looks at the action only
        if action == "invoice.refund":
            return actor.has_role("finance")
        return None


class ErpBridge:
    """An event listener that posts committed events to an ERP (here, a dict)."""

    plugin_name = "acme-erp"

    def __init__(self) -> None:
        self.posted: dict[str, CommittedEvent] = {}

    @hookimpl
    def ordercore_event_committed(self, event: CommittedEvent) -> None:
        """Receive one committed event; keyed by ``event_id`` so a redelivery is harmless."""
        self.posted.setdefault(event.event_id, event)


# %% [markdown]
# ## The example's own aggregate and commands


# %%
@attrs.frozen
class Invoice:
    """An issued invoice and how much of it was refunded."""

    id: str
    version: int
    total: Money
    refunded: Money


@attrs.frozen
class InvoiceIssued:
    """An invoice was issued."""

    total: Money


@attrs.frozen
class InvoiceRefunded:
    """Part of an invoice was refunded."""

    amount: Money
    refunded: Money


INVOICES: AggregateKind[Invoice] = AggregateKind("invoice", Invoice)


def issue(invoice_id: str, total: Money, phone: str) -> Callable[[CommandContext], Invoice]:
    """Return a handler that issues an invoice and texts the customer."""

    def handler(ctx: CommandContext) -> Invoice:
        invoice = Invoice(invoice_id, 1, total, Money.zero(total.currency))
        ctx.uow.aggregates(INVOICES).save(invoice, expected_version=0)
        ctx.record("invoice", invoice_id, invoice.version, InvoiceIssued(total))
        written = ctx.notify(
            "invoice_issued",
            channel="sms",
            recipient=phone,
            data={"invoice": invoice_id, "total": str(total)},
        )
        print(f"  handler queued the text for {written} notifiers (sms, and the log notifier)")
        return invoice

    return handler


def refund(invoice_id: str, amount: Money) -> Callable[[CommandContext], Invoice]:
    """Return a handler that refunds part of an invoice."""

    def handler(ctx: CommandContext) -> Invoice:
        invoices = ctx.uow.aggregates(INVOICES)
        invoice = invoices.get(invoice_id)
        refunded = invoice.refunded + amount
        if refunded > invoice.total:
            raise ValidationError("amount", "a refund cannot exceed the invoice total")
        updated = attrs.evolve(invoice, version=invoice.version + 1, refunded=refunded)
        invoices.save(updated, expected_version=invoice.version)
        ctx.record("invoice", invoice_id, updated.version, InvoiceRefunded(amount, refunded))
        return updated

    return handler


# %% [markdown]
# ## Open the desk with the plugins

# %%
clock = ManualClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
sms = SmsGateway(outages=1)
erp = ErpBridge()
# The shop lives in a SQLite file, the embedded default; this run's file is a temporary one.
shop = tempfile.TemporaryDirectory(prefix="ordercore-example-")
shop_url = f"sqlite:///{Path(shop.name) / 'shop.db'}"
desk = OrderDesk.open(
    shop_url,
    plugins=[sms, RefundPolicy(), erp],
    clock=clock,
    ids=SequentialIds(),
    entry_points=False,
)
print("plugins:", [info.name for info in desk.plugins.plugins()])
print("notifiers:", sorted(desk.plugins.notifiers()))
assert sorted(desk.plugins.notifiers()) == ["log", "sms"]
assert desk.plugins.event_listeners() == ("acme-erp",)

# %% [markdown]
# ## A delivery fails and is retried
#
# The desk delivers the outbox right after the command commits. The gateway is down, so the
# text stays pending with its attempt count, the error and the time of the next try (30 seconds
# later under the default ``OutboxPolicy``). The command itself succeeded.

# %%
clerk = Actor("u-clerk", roles={"clerk"})
print("issue inv-1:")
desk.execute(
    issue("inv-1", Money.of("120.00", "EUR"), "+44 7700 900123"),
    action="invoice.issue",
    actor=clerk,
    subject="inv-1",
)
(waiting,) = desk.outbox.pending()
print(f"pending: {waiting.destination}, attempts={waiting.attempts}, error={waiting.last_error!r}")
print("next try at", waiting.next_attempt_at.isoformat())
assert waiting.destination == "notifier:sms"
assert waiting.attempts == 1
assert waiting.last_error == "ConnectionError: SMS gateway unavailable"
assert sms.sent == {}

report = desk.outbox.dispatch()
print("dispatch before the retry is due:", report)
assert report.delivered == 0

clock.advance(seconds=30)
report = desk.outbox.dispatch()
print("dispatch 30 seconds later:", report)
assert report.delivered == 1
assert desk.outbox.pending() == []

(text,) = sms.sent.values()
print(f"sent: {text.template} to {mask_phone(text.recipient)}, attempt {text.attempt}")
assert text.attempt == 2
assert {attempt.message_id for attempt in sms.attempts} == {waiting.id}

# %% [markdown]
# ## A policy refuses a command
#
# Policies run before anything is loaded; a refusal raises ``PermissionDenied`` and nothing is
# written.

# %%
head = desk.audit.head()
try:
    desk.execute(
        refund("inv-1", Money.of("20.00", "EUR")),
        action="invoice.refund",
        actor=clerk,
        subject="inv-1",
    )
except PermissionDenied as exc:
    print("clerk refund:", exc)
else:
    raise AssertionError("the policy must refuse a clerk's refund")
assert desk.audit.head() == head

controller = Actor("u-controller", roles={"finance"})
invoice = desk.execute(
    refund("inv-1", Money.of("20.00", "EUR")),
    action="invoice.refund",
    actor=controller,
    subject="inv-1",
)
print("finance refund: refunded", invoice.refunded)
assert invoice.refunded == Money.of("20.00", "EUR")

# %% [markdown]
# ## The ERP saw every committed event, once

# %%
for event in erp.posted.values():
    print(f"ERP got {event.event_type} v{event.version} of {event.stream_id}: {event.payload}")
journal_ids = [entry.event_id for entry in desk.audit.journal()]
assert list(erp.posted) == journal_ids
assert [event.event_type for event in erp.posted.values()] == ["InvoiceIssued", "InvoiceRefunded"]

desk.close()
shop.cleanup()
