"""Hostile strings in every text field round-trip through SQLite unchanged.

Quotes, ``'; DROP TABLE``, NUL, very long text, right-to-left marks, emoji, and text that is not
clean UTF-8 (lone surrogates, which is how Python carries undecodable bytes) replace every text
field of every kind of aggregate a desk stores, and every text field of journal entries, outbox
messages and idempotency records. Everything is written, the storage is closed, and a new
storage object (no cache) on the same file reads back values equal to what was written.

The journal cannot hold lone surrogates at all: its canonical JSON is UTF-8, and sealing such an
entry fails in every backend before anything reaches storage; journal fields get every other
hostile string.
"""

from __future__ import annotations

import enum
import functools
import itertools
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Actor,
    Address,
    Contact,
    DeskConfig,
    LineDraft,
    MemoryStorage,
    Money,
    OrderDesk,
    OrderDraft,
    ReviewPolicy,
    SequentialIds,
)
from ordercore.audit.journal import EntryDraft, PersonalData
from ordercore.customers.intake import CustomerDraft
from ordercore.orders.model import ORDERS
from ordercore.storage.ports import AggregateKind, IdempotencyRecord, OutboxMessage, OutboxStatus
from ordercore.storage.sqlite import SQLiteStorage

# Every kind of aggregate the scenario below must have written (and more, if it writes more).
# Review's identities are sightings on these backends, whose hostile strings the storage kit
# checks (SightingsChecks), not aggregates.
EXPECTED_KINDS = {
    "order",
    "order_channel_ref",
    "order_number",
    "review_salt",
    "stock_location",
    "stock_item",
    "stock_level",
    "stock_reservations",
    "customer",
    "customer_contact",
    "shipment",
    "order_shipments",
}
CLERK = Actor("clerk", roles={"clerk", "stock", "admin"})
T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)

NASTY = (
    "'",
    '"',
    "'; DROP TABLE aggregates; --",
    "Robert'); DROP TABLE journal;--",
    "\x00",
    "before\x00after",
    "\\",
    "%_?:name$1",
    "\u202eevil\u202c",
    "\ufeffbom",
    "e\u0301 \U0001f600 \u4e2d\u6587",
    "\r\n\t",
    "x" * 100_000,
)
NOT_UTF8 = ("\udc80", "bad \udcff bytes", "\ud800")

utf8_text = st.sampled_from(NASTY) | st.text(min_size=1, max_size=40)
any_text = (
    utf8_text
    | st.sampled_from(NOT_UTF8)
    | st.text(st.characters(categories=["Cs"]), min_size=1, max_size=5)
)


@functools.cache
def _stored() -> dict[str, tuple[Any, ...]]:
    """Every kind of aggregate a desk writes: a customer whose order reserved stock and ships."""
    storage = MemoryStorage()
    config = DeskConfig(review=ReviewPolicy(automatic=False))
    desk = OrderDesk(
        storage=storage,
        plugins=OrderDesk.open(entry_points=False).plugins,
        clock=OrderDesk.open(entry_points=False).clock,
        ids=SequentialIds(),
        config=config,
    )
    desk.inventory.add_location("MAIN", actor=CLERK)
    desk.inventory.track("SKU-1", actor=CLERK, low_stock={"MAIN": 2})
    desk.inventory.receive("SKU-1", "MAIN", 10, actor=CLERK)
    order = desk.orders.place(
        OrderDraft(
            channel="web",
            currency="EUR",
            external_id="EXT-1",
            contact=Contact("Ann", email="ann@example.com", phone="+49 30 1234567"),
            shipping_address=Address("Ann", "1 Main St", "Berlin", "DE", "10115", line2="b"),
            lines=[LineDraft("SKU-1", 2, "10.00", name="Mug", category="kitchen")],
        ),
        actor=CLERK,
    )
    desk.orders.approve(order.id, actor=CLERK, reason="looks fine")
    desk.orders.confirm(order.id, actor=CLERK)
    desk.orders.assign(order.id, actor=CLERK, queue="vip", assignee="u-bob")
    desk.shipping.create(order.id, {"L1": 1}, location="MAIN", actor=CLERK)
    desk.customers.register(
        CustomerDraft(name="Ann Other", email="other@example.com", tags=("vip",)), actor=CLERK
    )
    # Every kind the memory store holds, with the type its values have.
    stored = {name: tuple(items.values()) for name, items in storage._state.aggregates.items()}
    return {name: items for name, items in stored.items() if items}


def _kinds() -> list[AggregateKind[Any]]:
    return [AggregateKind(name, type(items[0])) for name, items in sorted(_stored().items())]


def test_the_scenario_writes_every_kind_of_aggregate() -> None:
    assert set(_stored()) >= EXPECTED_KINDS


def _hostile(value: Any, texts: Iterator[str]) -> Any:
    """``value`` with every text inside it replaced by the next hostile string."""
    if isinstance(value, str):
        return next(texts)
    if isinstance(value, Money | enum.Enum | datetime | date | Decimal | bool | int):
        return value
    if isinstance(value, tuple):
        return tuple(_hostile(item, texts) for item in value)
    if isinstance(value, frozenset):
        return frozenset(_hostile(item, texts) for item in value)
    if isinstance(value, dict):
        return {_hostile(k, texts): _hostile(v, texts) for k, v in value.items()}
    if value is None or not attrs.has(type(value)):
        return value
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(value)):
        if not field.init:
            continue
        changed = _hostile(getattr(value, field.name), texts)
        try:
            attrs.evolve(value, **{field.alias: changed})
        except (ValueError, TypeError):
            continue  # a validated code (a currency, a country) is not free text
        changes[field.alias] = changed
    return attrs.evolve(value, **changes)


def _reopened(path: Path) -> SQLiteStorage:
    return SQLiteStorage(f"sqlite:///{path}")


@given(texts=st.lists(any_text, min_size=1, max_size=8))
def test_every_text_field_of_every_aggregate_round_trips(texts: list[str]) -> None:
    written: dict[str, list[Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.db"
        storage = _reopened(path)
        with storage.unit_of_work() as uow:
            cycle = itertools.cycle(texts)
            for kind in _kinds():
                for position, item in enumerate(_stored()[kind.name]):
                    hostile = _hostile(item, cycle)
                    # Ids stay hostile, but one per aggregate of a kind.
                    hostile = attrs.evolve(hostile, id=f"{position}{hostile.id}")
                    uow.aggregates(kind).save(hostile, expected_version=0)
                    written.setdefault(kind.name, []).append(hostile)
        storage.close()
        order = written[ORDERS.name][0]
        assert order.contact.name in texts
        assert order.lines[0].name in texts
        reader = _reopened(path)
        try:
            with reader.unit_of_work() as uow:
                for kind in _kinds():
                    for item in written[kind.name]:
                        assert uow.aggregates(kind).get(item.id) == item
                    assert sorted(uow.aggregates(kind).scan(), key=repr) == sorted(
                        written[kind.name], key=repr
                    )
        finally:
            reader.close()


@given(
    journal=st.lists(utf8_text, min_size=8, max_size=8),
    texts=st.lists(any_text, min_size=6, max_size=6),
)
def test_every_text_field_of_journal_outbox_and_idempotency_round_trips(
    journal: list[str], texts: list[str]
) -> None:
    event_id, stream_type, stream_id, event_type, actor, reason, correlation, value = journal
    draft = EntryDraft(
        event_id=event_id,
        stream_type=stream_type,
        stream_id=stream_id,
        version=1,
        event_type=event_type,
        payload={value: [value, {"nested": value}], "n": 10**30},
        actor=actor,
        recorded_at=T0,
        reason=reason,
        correlation_id=correlation,
        personal=PersonalData(value, {"name": value}),
    )
    message_id, destination, topic, error, key, action = texts
    message = OutboxMessage(
        id=message_id,
        destination=destination,
        topic=topic,
        payload={"recipient": error, topic: [action]},
        created_at=T0,
        next_attempt_at=T0,
        status=OutboxStatus.DEAD,
        attempts=3,
        claimed_until=T0 + timedelta(minutes=1),
        last_error=error,
    )
    record = IdempotencyRecord(key, action, error, {key: [action, None, True]}, T0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.db"
        storage = _reopened(path)
        with storage.unit_of_work() as uow:
            entry = uow.journal.append(draft)
            uow.outbox.put(message)
            uow.idempotency.put(record)
        storage.close()
        reader = _reopened(path)
        try:
            with reader.unit_of_work() as uow:
                assert list(uow.journal.read()) == [entry]
                assert uow.journal.stream(stream_type, stream_id) == [entry]
                assert uow.outbox.get(message_id) == message
                assert uow.outbox.list(OutboxStatus.DEAD) == [message]
                assert uow.idempotency.get(key) == record
        finally:
            reader.close()
