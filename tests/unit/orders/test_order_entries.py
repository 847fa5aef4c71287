"""An order built from, and brought up to date by, the journal entries of its stream."""

from __future__ import annotations

import pytest

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
    ValidationError,
)
from ordercore.audit.journal import JournalEntry
from ordercore.orders.events import catch_up, replay_entries
from ordercore.orders.model import ORDERS, Order

CLERK = Actor("u-clerk", roles={"clerk"})


def _confirmed_order_and_entries() -> tuple[OrderDesk, Order, list[JournalEntry]]:
    desk = OrderDesk.open(
        "memory://",
        clock=ManualClock(),
        ids=SequentialIds(),
        config=DeskConfig(review=ReviewPolicy(automatic=False)),
        entry_points=False,
    )
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email="ada@example.com"),
        shipping_address=Address("Ada Lovelace", "1 Main St", "Berlin", "DE", "10115"),
        lines=[LineDraft("SKU-1", 2, "10.00", tax_rate="0.19")],
    )
    order = desk.orders.place(draft, actor=CLERK)
    desk.orders.approve(order.id, actor=CLERK)
    order = desk.orders.confirm(order.id, actor=CLERK)
    return desk, order, desk.audit.stream("order", order.id)


def test_replaying_every_entry_of_an_order_builds_it_with_its_personal_data() -> None:
    desk, order, entries = _confirmed_order_and_entries()
    assert entries[0].personal is not None  # the contact was journaled apart from the payload
    assert replay_entries(entries, desk.converter) == order
    assert replay_entries(entries[:1], desk.converter).version == 1


def test_catching_up_from_an_earlier_version_gives_the_same_order() -> None:
    desk, order, entries = _confirmed_order_and_entries()
    placed = replay_entries(entries[:1], desk.converter)
    assert catch_up(placed, entries[1:], desk.converter) == order
    assert ORDERS.stream is not None
    assert ORDERS.stream.replay is not None
    assert ORDERS.stream.replay(entries, desk.converter) == order


def test_no_entries_are_refused() -> None:
    desk, _, _ = _confirmed_order_and_entries()
    with pytest.raises(ValidationError, match="entries"):
        replay_entries([], desk.converter)


def test_entries_that_do_not_start_with_the_placing_are_refused() -> None:
    desk, _, entries = _confirmed_order_and_entries()
    with pytest.raises(ValidationError, match="before OrderPlaced"):
        replay_entries(entries[1:], desk.converter)


def test_an_entry_that_does_not_make_the_next_version_is_refused() -> None:
    desk, _, entries = _confirmed_order_and_entries()
    with pytest.raises(ValidationError, match="makes version 3"):
        replay_entries([entries[0], entries[2]], desk.converter)
