"""The desk's command pipeline: authorization, idempotency, retries, atomicity, concurrency."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from ordercore import (
    Actor,
    CommandContext,
    ConcurrencyConflict,
    DeskConfig,
    IdempotencyConflict,
    ManualClock,
    MemoryStorage,
    OrderDesk,
    PermissionDenied,
    SequentialIds,
    StorageError,
    UnitOfWork,
    ValidationError,
    hookimpl,
    make_plugin_manager,
)
from ordercore.testing import COUNTERS, Counter, RecordingNotifier, increment

CLERK = Actor("u-clerk", roles={"clerk"})


def _open(*plugins: object, config: DeskConfig | None = None) -> OrderDesk:
    return OrderDesk.open(
        plugins=plugins,
        clock=ManualClock(),
        ids=SequentialIds(),
        config=config,
        entry_points=False,
    )


def _state(desk: OrderDesk) -> tuple[int, int, int]:
    """(journal length, outbox size, counters stored)."""
    with desk.storage.unit_of_work() as uow:
        return (
            uow.journal.head().sequence,
            len(uow.outbox.list()),
            uow.aggregates(COUNTERS).count(),
        )


def _bump(
    desk: OrderDesk, counter_id: str = "c", *, key: str | None = None, by: int = 1
) -> Counter:
    if key is None:
        return desk.execute(
            increment(counter_id, by), action="counter.increment", actor=CLERK, subject=counter_id
        )
    return desk.execute(
        increment(counter_id, by),
        action="counter.increment",
        actor=CLERK,
        subject=counter_id,
        request={"counter": counter_id, "by": by},
        idempotency_key=key,
        result_type=Counter,
    )


class DenyCancel:
    plugin_name = "deny-cancel"

    @hookimpl
    def ordercore_authorize(self, actor: Actor, action: str, subject: str) -> bool | None:
        return False if action == "counter.increment" and subject == "locked" else None


def test_command_journals_its_event_with_actor_and_correlation() -> None:
    with _open() as desk:
        counter = _bump(desk, "c", key="k-1")
        assert counter == Counter("c", 1, 1)
        (entry,) = desk.audit.stream("counter", "c")
    assert (entry.event_type, entry.actor, entry.version) == ("CounterIncremented", "u-clerk", 1)
    assert entry.payload == {"by": 1, "value": 1}
    assert entry.correlation_id == "k-1"


def test_a_policy_that_denies_raises_permission_denied_and_writes_nothing() -> None:
    recorder = RecordingNotifier()
    with _open(DenyCancel(), recorder) as desk:
        _bump(desk, "open")
        before = _state(desk)
        with pytest.raises(PermissionDenied) as caught:
            _bump(desk, "locked")
        assert _state(desk) == before
    assert (caught.value.actor, caught.value.action, caught.value.subject) == (
        "u-clerk",
        "counter.increment",
        "locked",
    )


def test_required_roles_from_config_are_enforced() -> None:
    config = DeskConfig(required_roles={"counter.*": {"counter-admin"}})
    with _open(config=config) as desk:
        with pytest.raises(PermissionDenied):
            _bump(desk)
        admin = Actor("u-admin", roles={"counter-admin"})
        desk.execute(increment("c"), action="counter.increment", actor=admin)
        assert _state(desk) == (1, 0, 1)


def test_an_actor_is_required() -> None:
    with _open() as desk, pytest.raises(ValidationError, match="actor"):
        desk.execute(increment("c"), action="x", actor="u-1")  # type: ignore[call-overload]


def test_same_idempotency_key_and_request_runs_once_and_returns_the_stored_result() -> None:
    with _open() as desk:
        results = [_bump(desk, "c", key="same") for _ in range(20)]
        assert results == [Counter("c", 1, 1)] * 20
        assert _state(desk) == (1, 0, 1)


def test_same_idempotency_key_from_twenty_threads_runs_once() -> None:
    with _open() as desk:
        results: list[Counter] = []
        barrier = threading.Barrier(20)

        def call() -> None:
            barrier.wait()
            results.append(_bump(desk, "c", key="burst"))

        threads = [threading.Thread(target=call) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [Counter("c", 1, 1)] * 20
        assert _state(desk) == (1, 0, 1)


def test_same_idempotency_key_with_another_request_is_a_conflict_and_writes_nothing() -> None:
    with _open() as desk:
        _bump(desk, "c", key="k")
        before = _state(desk)
        with pytest.raises(IdempotencyConflict, match="'k'"):
            _bump(desk, "c", key="k", by=5)
        with pytest.raises(IdempotencyConflict):
            _bump(desk, "other", key="k")
        assert _state(desk) == before


@pytest.mark.parametrize("bad_key", ["", "   ", "x" * 256])
def test_bad_idempotency_keys_are_refused(bad_key: str) -> None:
    with _open() as desk, pytest.raises(ValidationError, match="idempotency_key"):
        _bump(desk, key=bad_key)


def test_idempotency_key_without_result_type_is_refused() -> None:
    with _open() as desk, pytest.raises(ValidationError, match="result_type"):
        desk.execute(
            increment("c"),
            action="a",
            actor=CLERK,
            idempotency_key="k",  # type: ignore[call-overload]
        )


class _Boom(Exception):
    pass


def test_a_handler_that_raises_leaves_no_trace() -> None:
    recorder = RecordingNotifier()

    def half_done(ctx: CommandContext) -> None:
        increment("c")(ctx)
        ctx.notify("changed", channel="email", recipient="a@example.com")
        raise _Boom

    with _open(recorder) as desk:
        with pytest.raises(_Boom):
            desk.execute(
                half_done, action="x", actor=CLERK, idempotency_key="k", result_type=type(None)
            )
        assert _state(desk) == (0, 0, 0)
        with desk.storage.unit_of_work() as uow:
            assert uow.idempotency.get("k") is None
    assert recorder.attempts == []


class FlakyStorage:
    """Wraps a storage and makes the first ``failures`` units of work conflict at commit."""

    def __init__(self, inner: MemoryStorage, failures: int) -> None:
        self._inner = inner
        self.failures = failures
        self.url = inner.url

    @contextmanager
    def _flaky(self) -> Iterator[UnitOfWork]:
        with self._inner.unit_of_work() as uow:
            yield uow
            if self.failures > 0:
                self.failures -= 1
                raise ConcurrencyConflict("counter", "c", 1, 2)

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        return self._flaky()

    def close(self) -> None:
        self._inner.close()


def _desk_on(storage: FlakyStorage, retries: int) -> OrderDesk:
    return OrderDesk(
        storage=storage,
        plugins=make_plugin_manager(entry_points=False),
        clock=ManualClock(),
        ids=SequentialIds(),
        config=DeskConfig(max_conflict_retries=retries),
    )


def test_concurrency_conflicts_are_retried_until_the_command_succeeds() -> None:
    storage = FlakyStorage(MemoryStorage(), failures=3)
    desk = _desk_on(storage, retries=5)
    assert _bump(desk) == Counter("c", 1, 1)
    assert _state(desk) == (1, 0, 1)


def test_concurrency_conflicts_beyond_the_retry_budget_reach_the_caller() -> None:
    storage = FlakyStorage(MemoryStorage(), failures=10)
    desk = _desk_on(storage, retries=2)
    with pytest.raises(ConcurrencyConflict):
        _bump(desk)
    storage.failures = 0
    assert _state(desk) == (0, 0, 0)


def test_thirty_two_threads_of_two_hundred_increments_lose_no_update() -> None:
    with _open() as desk:
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(200):
                    _bump(desk, "hot")
            except BaseException as exc:  # pragma: no cover - reported by the assertion
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with desk.storage.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).get("hot") == Counter("hot", 6400, 6400)
        verification = desk.audit.verify_journal()
        assert verification.ok
        assert verification.checked == 6400


def test_nested_unit_of_work_in_one_thread_is_an_error_not_a_deadlock() -> None:
    storage = MemoryStorage()
    with (
        storage.unit_of_work(),
        pytest.raises(StorageError, match="already open"),
        storage.unit_of_work(),
    ):
        pass  # pragma: no cover


def test_desk_repr_and_context_manager() -> None:
    with _open() as desk:
        assert repr(desk) == "OrderDesk('memory://')"
