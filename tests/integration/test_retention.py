"""desk.retention: delivered messages and idempotency records past their time are purged."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ordercore import (
    Actor,
    CommandContext,
    DeskConfig,
    ManualClock,
    OrderDesk,
    PermissionDenied,
    RetentionPolicy,
    SequentialIds,
    StorageError,
    ValidationError,
    make_plugin_manager,
)
from ordercore.storage.memory import MemoryStorage
from ordercore.storage.ports import UnitOfWork
from ordercore.testing import Counter, RecordingNotifier, increment

OPERATOR = Actor("u-ops", roles={"operator"})
DAY = timedelta(days=1)
PER_COMMAND = 2  # messages per command: the recording notifier's and the built-in log's


def _notifying(counter_id: str) -> Any:
    def handler(ctx: CommandContext) -> Counter:
        counter = increment(counter_id)(ctx)
        ctx.notify("counter_changed", channel="email", recipient="ada@example.com")
        return counter

    return handler


def _open(
    url: str, clock: ManualClock, retention: RetentionPolicy | None = None, **config: Any
) -> OrderDesk:
    return OrderDesk.open(
        url,
        plugins=[RecordingNotifier()],
        clock=clock,
        ids=SequentialIds(),
        config=DeskConfig(retention=retention or RetentionPolicy(), **config),
        entry_points=False,
    )


def _bump(desk: OrderDesk, counter_id: str, key: str | None = None) -> Counter:
    """One command that queues one message for each notifier (the recording and the log)."""
    if key is None:
        bumped: Counter = desk.execute(
            _notifying(counter_id), action="counter.bump", actor=OPERATOR
        )
        return bumped
    return desk.execute(
        _notifying(counter_id),
        action="counter.bump",
        actor=OPERATOR,
        idempotency_key=key,
        result_type=Counter,
    )


@pytest.fixture(params=["memory://", "sqlite://:memory:"])
def url(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_purge_deletes_what_the_policy_no_longer_keeps_and_nothing_younger(url: str) -> None:
    clock = ManualClock()
    policy = RetentionPolicy(delivered_messages=7 * DAY, idempotency_keys=DAY, batch_size=2)
    with _open(url, clock, policy) as desk:
        for index in range(5):
            _bump(desk, "c", key=f"k{index}")
        clock.advance(2 * DAY)
        _bump(desk, "c", key="k-recent")
        clock.advance(6 * DAY)
        _bump(desk, "c", key="k-today")
        report = desk.retention.purge(actor=OPERATOR)
        # Eight days on: the first five messages are past seven days, the sixth is not; keys
        # are kept one day, so only today's is left.
        assert (report.delivered_messages, report.idempotency_keys) == (5 * PER_COMMAND, 6)
        assert report.unsupported == ()
        assert len(desk.outbox.delivered()) == 2 * PER_COMMAND
        with desk.storage.unit_of_work() as uow:
            assert uow.idempotency.get("k0") is None
            assert uow.idempotency.get("k-today") is not None
        # A repeated purge finds nothing more; each run is journaled with who and how much.
        assert desk.retention.purge(actor=OPERATOR) == type(report)()
        runs = [e for e in desk.audit.journal() if e.stream_type == "retention"]
        assert [(e.actor, e.payload["delivered_messages"]) for e in runs] == [
            ("u-ops", 5 * PER_COMMAND),
            ("u-ops", 0),
        ]
        assert desk.audit.verify_journal().ok


def test_a_forgotten_idempotency_key_runs_the_command_again(url: str) -> None:
    clock = ManualClock()
    with _open(url, clock, RetentionPolicy(idempotency_keys=DAY)) as desk:
        assert _bump(desk, "c", key="k").value == 1
        assert _bump(desk, "c", key="k").value == 1  # remembered: the stored result
        clock.advance(2 * DAY)
        desk.retention.purge(actor=OPERATOR)
        assert _bump(desk, "c", key="k").value == 2


def test_pending_and_dead_messages_are_never_purged() -> None:
    clock = ManualClock()
    failing = RecordingNotifier("failing", fail_first=1000)
    config = DeskConfig(retention=RetentionPolicy(delivered_messages=timedelta(seconds=1)))
    desk = OrderDesk.open(
        plugins=[failing], clock=clock, ids=SequentialIds(), config=config, entry_points=False
    )
    with desk:
        _bump(desk, "dies")
        for _ in range(12):
            clock.advance(DAY)
            desk.outbox.dispatch()
        _bump(desk, "waits")
        clock.advance(30 * DAY)
        # The log notifier's two messages were delivered; nothing else may go.
        assert desk.retention.purge(actor=OPERATOR).delivered_messages == 2
        assert [m.destination for m in desk.outbox.dead()] == ["notifier:failing"]
        assert [m.destination for m in desk.outbox.pending()] == ["notifier:failing"]


def test_purge_needs_the_roles_the_config_requires_and_then_deletes_nothing() -> None:
    clock = ManualClock()
    roles = {"retention.purge": frozenset({"admin"})}
    with _open("memory://", clock, RetentionPolicy(), required_roles=roles) as desk:
        _bump(desk, "c", key="k")
        clock.advance(30 * DAY)
        with pytest.raises(PermissionDenied):
            desk.retention.purge(actor=OPERATOR)
        assert len(desk.outbox.delivered()) == PER_COMMAND
        report = desk.retention.purge(actor=Actor("u-admin", roles={"admin"}))
        assert report.delivered_messages == PER_COMMAND


@pytest.mark.parametrize("bad", [datetime(2025, 1, 1), "2025-01-01", 0])
def test_a_purge_time_that_is_not_an_aware_datetime_is_refused(bad: object) -> None:
    with _open("memory://", ManualClock()) as desk:
        _bump(desk, "c")
        with pytest.raises(ValidationError) as refused:
            desk.retention.purge(actor=OPERATOR, now=bad)  # type: ignore[arg-type]
        assert refused.value.field == "now"
        assert len(desk.outbox.delivered()) == PER_COMMAND


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("delivered_messages", timedelta(0)),
        ("idempotency_keys", -DAY),
        ("delivered_messages", 7),
        ("batch_size", 0),
        ("batch_size", True),
    ],
)
def test_retention_settings_are_checked(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        RetentionPolicy(**{field: value})  # type: ignore[arg-type]
    assert refused.value.field == field


class _NoPurgeStorage:
    """A backend without the optional purge capabilities (its outbox and store lack them)."""

    def __init__(self) -> None:
        self._inner = MemoryStorage()
        self.url = "nopurge://"

    @contextmanager
    def _wrapped(self) -> Iterator[UnitOfWork]:
        with self._inner.unit_of_work() as uow:
            yield _Without(uow)  # type: ignore[misc]

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        return self._wrapped()

    def close(self) -> None:
        self._inner.close()


class _Without:
    """The port's required methods of a memory unit of work, and nothing optional."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        outbox_methods = ("put", "claim_due", "mark_delivered", "mark_failed", "get", "list")
        self.outbox = _Only(inner.outbox, *outbox_methods)
        self.idempotency = _Only(inner.idempotency, "get", "put")
        self.journal = inner.journal

    def aggregates(self, kind: Any) -> Any:
        return self._inner.aggregates(kind)


class _Only:
    def __init__(self, inner: Any, *names: str) -> None:
        for name in names:
            setattr(self, name, getattr(inner, name))


def _desk_without_capabilities() -> OrderDesk:
    return OrderDesk(
        storage=_NoPurgeStorage(),
        plugins=make_plugin_manager(entry_points=False),
        clock=ManualClock(),
        ids=SequentialIds(),
        config=DeskConfig(),
    )


def test_a_backend_without_purging_is_reported_not_pretended() -> None:
    desk = _desk_without_capabilities()
    report = desk.retention.purge(actor=OPERATOR)
    assert report.unsupported == ("delivered_messages", "idempotency_keys")
    assert (report.delivered_messages, report.idempotency_keys) == (0, 0)


def test_a_purge_running_beside_writers_deletes_only_what_is_old_and_loses_nothing(
    tmp_path: Path,
) -> None:
    # Two desks on one SQLite file, as two processes would hold it: one keeps writing and
    # delivering messages while the other purges in small batches.
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    clock = ManualClock()
    policy = RetentionPolicy(delivered_messages=timedelta(seconds=1), batch_size=3)
    with _open(url, clock, policy) as writer, _open(url, clock, policy) as janitor:
        for index in range(20):
            _bump(writer, f"c{index % 4}")
        # As the writer's timer would within OutboxPolicy.receipt_delay: its last deliveries
        # are recorded before the other desk looks.
        writer.outbox.flush_receipts()
        clock.advance(DAY)
        errors: list[BaseException] = []
        purged: list[int] = []

        def purge_repeatedly() -> None:
            try:
                for _ in range(10):
                    purged.append(janitor.retention.purge(actor=OPERATOR).delivered_messages)
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=purge_repeatedly)
        thread.start()
        for index in range(20):
            _bump(writer, f"c{index % 4}")  # delivered now: younger than the cut-off
        thread.join()
        assert errors == []
        assert sum(purged) == 20 * PER_COMMAND
        assert len(writer.outbox.delivered()) == 20 * PER_COMMAND
        assert writer.audit.verify_journal().ok


def test_a_backend_without_requeue_refuses_it_and_writes_nothing() -> None:
    desk = _desk_without_capabilities()
    with pytest.raises(StorageError) as refused:
        desk.outbox.requeue_dead(actor=OPERATOR, reason="gateway back")
    assert "OutboxRequeue" in str(refused.value)
    assert desk.audit.head().sequence == 0
