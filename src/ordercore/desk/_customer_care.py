"""RFM segments and care reminders inside ``desk.customers``.

Segments come from :func:`ordercore.analytics.rfm.rfm` over the customers' paid orders (net
spend as the monetary value, orders of merged records counted for the survivor), named with
:data:`ordercore.analytics.segments.CUSTOMER_SEGMENTS`. Reminders due since the last run go to
the outbox in one command that also marks them sent, so a reminder is queued once, never twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from ordercore.actors import Actor
from ordercore.analytics.facts import OrderFact
from ordercore.analytics.rates import ExchangeRates
from ordercore.analytics.rfm import RfmScores, rfm
from ordercore.analytics.segments import customer_segments
from ordercore.customers.events import ReminderSent
from ordercore.customers.facts import purchase_fact
from ordercore.customers.model import CUSTOMERS, Customer
from ordercore.customers.policy import CustomerPolicy
from ordercore.customers.reminders import Reminder, due_reminders
from ordercore.desk._customer_store import CUSTOMER_RUNS, SENT_REMINDERS, JobRun, SentReminder
from ordercore.desk.commands import CommandContext
from ordercore.errors import ValidationError
from ordercore.orders.model import ORDERS
from ordercore.serialization import JSONValue

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk

__all__ = ["CustomerCare"]

_FIRST_LOOK_BACK = timedelta(days=1)


class CustomerCare:
    """The segments and reminders half of :class:`~ordercore.desk.customers.CustomersDesk`."""

    _desk: OrderDesk
    policy: CustomerPolicy

    def rfm(self, *, as_of: date | None = None, rates: ExchangeRates | None = None) -> RfmScores:
        """RFM scores of every active customer with a paid order.

        Monetary value is net spend (paid, minus refunds and cancellations, per the spend
        basis); an order's time is when it was paid.

        Raises:
            ValidationError: If no customer record has a paid order.
            CurrencyMismatch: Orders in several currencies and no ``rates``.
        """
        with self._desk.storage.unit_of_work() as uow:
            customers = {c.id: c for c in uow.aggregates(CUSTOMERS).scan()}
            orders = list(uow.aggregates(ORDERS).scan())
        owner: dict[str, str] = {}
        for customer in customers.values():
            if customer.is_active:
                for cid in (customer.id, *customer.merged_from):
                    owner[cid] = customer.id
        basis = self.policy.spend
        facts = []
        for order in orders:
            who = owner.get(order.customer_id or "")
            if who is None:
                continue
            fact = purchase_fact(order, basis)
            if fact.net_minor > 0:
                facts.append(OrderFact(order.id, who, fact.at, fact.net))
        if not facts:
            raise ValidationError("customers", "no customer record has a paid order yet")
        return rfm(facts, as_of=as_of, rates=rates)

    def segments(self, *, as_of: date | None = None) -> dict[str, str]:
        """Customer id to named RFM segment (``champions``, ..., ``lost``), paying customers."""
        return customer_segments(self.rfm(as_of=as_of))

    def send_due_reminders(self, *, actor: Actor) -> list[Reminder]:
        """Queue every birthday and win-back reminder due since the last run (or the last day).

        Reminders already sent are skipped, so overlapping or repeated runs send nothing twice.

        Returns:
            The reminders queued by this call.
        """
        now = self._desk.clock.now()
        reminders = self.policy.reminders
        with self._desk.storage.unit_of_work() as uow:
            run = uow.aggregates(CUSTOMER_RUNS).find("reminders")
            customers = sorted(uow.aggregates(CUSTOMERS).scan(), key=lambda c: c.id)
        after = now - _FIRST_LOOK_BACK if run is None else run.ran_at
        schedule = reminders.win_back_schedule()
        segments: dict[str, str] = {}
        if schedule is not None and next(schedule.occurrences(after, now), None) is not None:
            try:
                segments = self.segments()
            except ValidationError:
                segments = {}  # no paying customer yet: nobody to win back
        due = due_reminders(customers, segments, after=after, until=now, policy=reminders)

        def handler(ctx: CommandContext) -> list[Reminder]:
            sent = ctx.uow.aggregates(SENT_REMINDERS)
            records = ctx.uow.aggregates(CUSTOMERS)
            queued = []
            for reminder in due:
                if sent.find(reminder.id) is not None:
                    continue
                # Read again here: the customer may have withdrawn consent or been anonymized.
                customer = records.get(reminder.customer_id)
                if not customer.is_active or not customer.consented(reminders.consent):
                    continue
                mark = SentReminder(reminder.id, reminder.customer_id, ctx.now)
                sent.save(mark, expected_version=0)
                self._queue(ctx, customer, reminder)
                queued.append(reminder)
            runs = ctx.uow.aggregates(CUSTOMER_RUNS)
            found = runs.find("reminders")
            version = 0 if found is None else found.version
            runs.save(JobRun("reminders", ctx.now, version + 1), expected_version=version)
            return queued

        return self._desk.execute(handler, action="customer.send_reminders", actor=actor)

    @staticmethod
    def _queue(ctx: CommandContext, customer: Customer, reminder: Reminder) -> None:
        event = ReminderSent(customer.id, reminder.id, reminder.kind.value, reminder.due_at)
        ctx.record("customer_reminder", reminder.id, 1, event)
        target = customer.recipient()
        if target is None:
            return
        data: dict[str, JSONValue] = {"customer_id": customer.id, "reminder_id": reminder.id}
        ctx.notify(reminder.kind.value, channel=target[0], recipient=target[1], data=data)
