"""Fill a store with many real, consistent orders quickly (for audit tests and benchmarks).

Running every order through the desk costs about a millisecond per order. Here a handful of
template orders go through the pure lifecycle once, their events are journaled by a real
:class:`~ordercore.desk.commands.CommandContext`, and each seeded order is a copy of a template
under its own id and number, written with its own journal entries through a unit of work. Every
seeded order replays from its journal to exactly the stored order, and the chain verifies.

The mix is mostly completed orders, with some in every open state, all within the default
service levels of the audit checks as of ``now``: a clean store, ready for defects to be seeded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from ordercore._replace import replace
from ordercore.actors import Actor
from ordercore.audit.journal import EntryDraft, JournalEntry, PersonalData
from ordercore.desk.commands import CommandContext
from ordercore.desk.orders import ORDER_NUMBERS, NumberSeries
from ordercore.ids import SequentialIds
from ordercore.orders import lifecycle
from ordercore.orders.intake import LineDraft, OrderDraft, validate_draft
from ordercore.orders.model import ORDERS, Address, Contact, Order, PaymentKind
from ordercore.orders.policy import OrderPolicy
from ordercore.serialization import JSONValue, make_converter
from ordercore.storage.memory import MemoryStorage
from ordercore.storage.ports import Storage

__all__ = ["seed_orders"]

_Step = Callable[[Order, datetime, OrderPolicy], lifecycle.Decision]
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def _pay(order: Order, at: datetime, _: OrderPolicy) -> lifecycle.Decision:
    return lifecycle.record_payment(
        order, kind=PaymentKind.CAPTURE, amount=order.balance_due, now=at, reference="seed"
    )


def _ship_first_line(order: Order, at: datetime, policy: OrderPolicy) -> lifecycle.Decision:
    first = order.lines[0]
    return lifecycle.ship(
        order, now=at, shipment_id="shp_seed", policy=policy, lines={first.line_id: 1}
    )


def _approve(order: Order, at: datetime, _: OrderPolicy) -> lifecycle.Decision:
    return lifecycle.approve(order, now=at)


def _confirm(order: Order, at: datetime, policy: OrderPolicy) -> lifecycle.Decision:
    return lifecycle.confirm(order, now=at, policy=policy)


def _ship(order: Order, at: datetime, policy: OrderPolicy) -> lifecycle.Decision:
    return lifecycle.ship(order, now=at, shipment_id="shp_seed", policy=policy)


def _deliver(order: Order, at: datetime, _: OrderPolicy) -> lifecycle.Decision:
    return lifecycle.deliver(order, now=at)


def _complete(order: Order, at: datetime, policy: OrderPolicy) -> lifecycle.Decision:
    return lifecycle.complete(order, now=at, policy=policy)


def _hold(order: Order, at: datetime, _: OrderPolicy) -> lifecycle.Decision:
    return lifecycle.hold(order, now=at, reason="address check")


def _cancel(order: Order, at: datetime, _: OrderPolicy) -> lifecycle.Decision:
    return lifecycle.cancel(order, now=at, reason="customer asked")


def _expire(order: Order, at: datetime, _: OrderPolicy) -> lifecycle.Decision:
    return lifecycle.expire(order, now=at)


# (how many of every 20 orders, placed this long before now, then each step this long after)
_MIX: tuple[tuple[int, timedelta, tuple[tuple[timedelta, _Step], ...]], ...] = (
    (
        12,
        10 * _DAY,
        (
            (_HOUR, _approve),
            (2 * _HOUR, _confirm),
            (3 * _HOUR, _pay),
            (_DAY, _ship),
            (3 * _DAY, _deliver),
            (4 * _DAY, _complete),
        ),
    ),
    (
        1,
        3 * _DAY,
        ((_HOUR, _approve), (_HOUR, _confirm), (_HOUR, _pay), (_DAY, _ship), (2 * _DAY, _deliver)),
    ),
    (1, 2 * _DAY, ((_HOUR, _approve), (_HOUR, _confirm), (_HOUR, _pay), (_DAY, _ship_first_line))),
    (1, 3 * _HOUR, ((_HOUR, _approve), (_HOUR, _confirm), (_HOUR, _pay))),
    (1, 2 * _HOUR, ((_HOUR, _approve),)),
    (1, _HOUR / 2, ()),
    (1, 3 * _HOUR, ((_HOUR, _hold),)),
    (1, 5 * _DAY, ((_HOUR, _cancel),)),
    (1, 20 * _DAY, ((8 * _DAY, _expire),)),
)
_MIX_CYCLE = sum(weight for weight, _, _ in _MIX)
_SEED_ACTOR = Actor("seed")


def _draft(variant: int) -> OrderDraft:
    name = ("Ada Lovelace", "Grace Hopper", "Alan Turing")[variant % 3]
    return OrderDraft(
        channel=("web", "phone", "marketplace")[variant % 3],
        currency="EUR",
        contact=Contact(name, email=f"customer{variant}@example.com"),
        shipping_address=Address(name, f"{variant + 1} Main St", "Berlin", "DE", "10115"),
        lines=[
            LineDraft("MUG-01", 1 + variant % 3, "12.50", name="Mug", tax_rate="0.19"),
            LineDraft("TEA-07", 2, "4.99", name="Tea", tax_rate="0.07", discount="0.50"),
        ],
        order_discount="1.00" if variant % 2 else "0",
        shipping_fee="4.95",
    )


@attrs.frozen(slots=True)
class _Template:
    order: Order
    entries: tuple[JournalEntry, ...]


def _templates(now: datetime, policy: OrderPolicy) -> list[_Template]:
    converter = make_converter()
    scratch = MemoryStorage()
    ids = SequentialIds()
    templates = []
    for kind, (_, placed_ago, steps) in enumerate(_MIX):
        for variant in range(3):
            at = now - placed_ago
            order_id = f"ord_template_{kind}_{variant}"
            valid = validate_draft(_draft(variant), policy.intake)
            decision = lifecycle.place(valid, order_id=order_id, number="T", now=at, policy=policy)
            decisions = [(at, decision)]
            for after, step in steps:
                at = at + after
                decision = step(decision.order, at, policy)
                decisions.append((at, decision))
            with scratch.unit_of_work() as uow:
                version = 0
                for at, made in decisions:
                    ctx = CommandContext(
                        uow=uow,
                        actor=_SEED_ACTOR,
                        action="seed",
                        now=at,
                        correlation_id=order_id,
                        ids=ids,
                        converter=converter,
                        notifiers=(),
                        event_listeners=(),
                    )
                    for event in made.events:
                        version += 1
                        ctx.record("order", order_id, version, event)
                entries = tuple(uow.journal.stream("order", order_id))
            templates.append(_Template(decision.order, entries))
    return templates


def _cloned_payload(entry: JournalEntry, order_id: str, number: str) -> dict[str, JSONValue]:
    if entry.event_type != "OrderPlaced":
        return entry.payload
    placed = entry.payload["order"]
    assert isinstance(placed, dict)  # OrderPlaced carries the whole order
    return {**entry.payload, "order": {**placed, "id": order_id, "number": number}}


def seed_orders(
    storage: Storage,
    count: int,
    *,
    now: datetime,
    policy: OrderPolicy | None = None,
    batch: int = 2_000,
) -> list[str]:
    """Write ``count`` real orders and their journal entries; return their ids.

    Args:
        storage: An empty store (order numbers start at 1).
        count: How many orders.
        now: The moment the store is clean as of (every open order within its service level).
        policy: The order policy (pricing, payment window); the default policy if ``None``.
        batch: Orders per unit of work.

    Returns:
        The ids, in the order written (``ord_seed_0000001``, ...).
    """
    rules = policy or OrderPolicy()
    templates = _templates(now, rules)
    plan = [kind for kind, (weight, _, _) in enumerate(_MIX) for _ in range(weight)]
    ids: list[str] = []
    for offset in range(0, count, batch):
        with storage.unit_of_work() as uow:
            orders = uow.aggregates(ORDERS)
            for index in range(offset, min(offset + batch, count)):
                template = templates[plan[index % _MIX_CYCLE] * 3 + index % 3]
                order_id = f"ord_seed_{index + 1:07d}"
                number = f"{rules.number_prefix}{index + 1:0{rules.number_width}d}"
                orders.save(replace(template.order, id=order_id, number=number), expected_version=0)
                for entry in template.entries:
                    personal = entry.personal
                    uow.journal.append(
                        EntryDraft(
                            event_id=f"evt_seed_{index + 1:07d}_{entry.version}",
                            stream_type="order",
                            stream_id=order_id,
                            version=entry.version,
                            event_type=entry.event_type,
                            payload=_cloned_payload(entry, order_id, number),
                            actor=entry.actor,
                            recorded_at=entry.recorded_at,
                            correlation_id=f"seed_{index + 1}",
                            personal=None if personal is None else PersonalData.of(personal.data),
                        )
                    )
                ids.append(order_id)
    with storage.unit_of_work() as uow:
        numbers = uow.aggregates(ORDER_NUMBERS)
        current = numbers.find("order")
        version = 0 if current is None else current.version
        numbers.save(NumberSeries("order", count, version + 1), expected_version=version)
    return ids
