"""``ctx.record`` journals the same entry whether the journal offers ``append_event`` or not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import attrs
import pytest

from ordercore import Actor, SequentialIds, ValidationError
from ordercore.audit.journal import EntryDraft, JournalEntry, JournalHead, verify_chain
from ordercore.desk.commands import CommandContext
from ordercore.serialization import make_converter
from ordercore.storage.memory import MemoryStorage
from ordercore.storage.ports import EventAppender, JournalRepository, UnitOfWork

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@attrs.frozen
class Registered:
    personal_fields: ClassVar[tuple[str, ...]] = ("contact.email",)

    customer: str
    contact: dict[str, str]
    score: int


class PortOnlyJournal:
    """A journal with the port's methods only, as a plugin backend may have."""

    def __init__(self, inner: JournalRepository) -> None:
        self._inner = inner

    def append(self, draft: EntryDraft) -> JournalEntry:
        return self._inner.append(draft)

    def read(self, *, after: int = 0, limit: int | None = None) -> Iterator[JournalEntry]:
        return self._inner.read(after=after, limit=limit)

    def stream(self, stream_type: str, stream_id: str) -> list[JournalEntry]:
        return self._inner.stream(stream_type, stream_id)

    def head(self) -> JournalHead:
        return self._inner.head()


class PortOnlyUnitOfWork:
    """A unit of work whose journal lacks ``append_event``; everything else is the inner one."""

    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner
        self.journal = PortOnlyJournal(inner.journal)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _context(
    uow: UnitOfWork, port_only: bool, correlation_id: str | None = "cmd_1"
) -> CommandContext:
    used: Any = PortOnlyUnitOfWork(uow) if port_only else uow
    assert isinstance(used.journal, EventAppender) is not port_only
    return CommandContext(
        uow=used,
        actor=Actor("u-clerk"),
        action="customer.register",
        now=T0,
        correlation_id=correlation_id,
        ids=SequentialIds(),
        converter=make_converter(),
        notifiers=(),
        event_listeners=(),
    )


def _record_all(port_only: bool, reason: str | None = "moved in") -> list[JournalEntry]:
    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        ctx = _context(uow, port_only)
        ctx.record("customer", "c-1", 1, Registered("c-1", {"email": "a@example.com"}, 3))
        ctx.record("customer", "c-1", 2, Registered("c-1", {}, 4), reason=reason)
    with storage.unit_of_work() as uow:
        return list(uow.journal.read())


def test_both_paths_seal_the_same_entries_and_both_chains_verify() -> None:
    fast, drafted = _record_all(port_only=False), _record_all(port_only=True)

    # The personal data's salt is random, so its digest (and every hash after it) differs.
    def comparable(entry: JournalEntry) -> tuple[object, ...]:
        return (
            entry.sequence,
            entry.event_id,
            entry.stream_id,
            entry.version,
            entry.event_type,
            entry.payload,
            entry.actor,
            entry.recorded_at,
            entry.reason,
            entry.correlation_id,
            None if entry.personal is None else entry.personal.data,
        )

    assert [comparable(e) for e in fast] == [comparable(e) for e in drafted]
    assert fast[0].personal is not None
    assert fast[0].personal.data == {"contact.email": "a@example.com"}
    assert "email" not in fast[0].payload["contact"]  # type: ignore[operator]
    assert verify_chain(fast).ok
    assert verify_chain(drafted).ok


@pytest.mark.parametrize("port_only", [False, True])
def test_a_bad_stream_id_is_refused_on_either_path_and_nothing_is_journaled(
    port_only: bool,
) -> None:
    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        ctx = _context(uow, port_only)
        with pytest.raises(ValidationError, match="stream_id"):
            ctx.record("customer", "", 1, Registered("c-1", {}, 3))
        assert uow.journal.head().sequence == 0


@pytest.mark.parametrize("port_only", [False, True])
def test_without_a_given_correlation_id_a_command_is_correlated_by_its_first_event(
    port_only: bool,
) -> None:
    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        ctx = _context(uow, port_only, correlation_id=None)
        ctx.record("customer", "c-1", 1, Registered("c-1", {}, 3))
        ctx.record("customer", "c-1", 2, Registered("c-1", {}, 4))
        assert ctx.correlation_id == "evt_000001"
    with storage.unit_of_work() as uow:
        entries = list(uow.journal.read())
    assert [entry.event_id for entry in entries] == ["evt_000001", "evt_000002"]
    assert [entry.correlation_id for entry in entries] == ["evt_000001", "evt_000001"]


def test_a_correlation_id_read_before_any_event_is_a_new_command_id_and_stays() -> None:
    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        ctx = _context(uow, port_only=False, correlation_id=None)
        early = ctx.correlation_id
        ctx.record("customer", "c-1", 1, Registered("c-1", {}, 3))
    with storage.unit_of_work() as uow:
        (entry,) = uow.journal.read()
    assert early == "cmd_000001"
    assert entry.correlation_id == early
    assert entry.event_id == "evt_000001"
