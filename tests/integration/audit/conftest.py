"""Fixtures for audit sweep tests: a desk over a clean seeded store, and ways to damage it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, cast

import attrs
import pytest

from ordercore import Actor, DeskConfig, ManualClock, MemoryStorage, Order, OrderDesk, SequentialIds
from ordercore.audit.journal import JournalEntry
from ordercore.orders.model import ORDERS
from ordercore.storage._memory_journal import PackedEntry, pack_entry, unpack
from ordercore.testing import RecordingNotifier
from ordercore.testing.seeding import seed_orders

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
AUDITOR = Actor("u-auditor", roles={"auditor"})


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def open_desk(notifier: RecordingNotifier) -> Iterator[Callable[..., OrderDesk]]:
    opened: list[OrderDesk] = []

    def make(*plugins: object, config: DeskConfig | None = None, now: datetime = NOW) -> OrderDesk:
        desk = OrderDesk.open(
            plugins=(notifier, *plugins),
            clock=ManualClock(now),
            ids=SequentialIds(),
            config=config,
            entry_points=False,
        )
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()


@pytest.fixture
def seeded(open_desk: Callable[..., OrderDesk]) -> OrderDesk:
    """A desk over 200 clean orders (every lifecycle state), as of NOW."""
    desk = open_desk()
    seed_orders(desk.storage, 200, now=NOW)
    return desk


def _first(desk: OrderDesk, predicate: Callable[[Order], bool]) -> Order:
    return next(order for order in desk.orders.list() if predicate(order))


def _overwrite(desk: OrderDesk, order: Order, **changes: Any) -> Order:
    # What a faulty job or a hand-written SQL update does: a new version and no events.
    changed = attrs.evolve(order, version=order.version + 1, **changes)
    with desk.storage.unit_of_work() as uow:
        uow.aggregates(ORDERS).save(changed, expected_version=order.version)
    return changed


class _EditableJournal:
    """The memory backend's committed journal seen as entries, for tests that tamper with it.

    The backend keeps each entry as the bytes its hash covers; an entry set here is kept with
    the hash it carries, as an edit made behind the journal's back would be.
    """

    def __init__(self, packed: list[PackedEntry]) -> None:
        self._packed = packed

    def __getitem__(self, index: int) -> JournalEntry:
        return unpack(self._packed[index])

    def __setitem__(self, index: int, entry: JournalEntry) -> None:
        self._packed[index] = pack_entry(entry)

    def __delitem__(self, index: int | slice) -> None:
        del self._packed[index]


@attrs.frozen
class _CommittedState:
    aggregates: dict[str, dict[str, Any]]
    journal: _EditableJournal


def _memory_state(desk: OrderDesk) -> _CommittedState:
    # The memory backend's committed state: what someone with database access could edit.
    state = cast(MemoryStorage, desk.storage)._state
    return _CommittedState(state.aggregates, _EditableJournal(state.journal))


@pytest.fixture
def first() -> Callable[[OrderDesk, Callable[[Order], bool]], Order]:
    """Find the first stored order (oldest first) that matches."""
    return _first


@pytest.fixture
def overwrite() -> Callable[..., Order]:
    """Write a changed order straight into storage, bypassing commands and the journal."""
    return _overwrite


@pytest.fixture
def memory_state() -> Callable[[OrderDesk], _CommittedState]:
    """Reach the memory backend's committed state, to tamper with it."""
    return _memory_state
