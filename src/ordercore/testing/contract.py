"""The storage contract as a pytest base class.

A backend author writes::

    class TestMyBackend(StorageContract):
        @pytest.fixture
        def storage(self) -> Iterator[Storage]:
            backend = MyStorage("my://test")
            yield backend
            backend.close()

and runs pytest. A backend that cannot offer something declares it, with a reason, in
``unsupported = {"capability or test name": "why"}``: :data:`CAPABILITIES` maps each capability
a backend may lack to the tests of the kit that need it. Those tests are skipped with the
backend's reason, never silently, and nothing else may be skipped.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from attrs import evolve as attrs_evolve

from ordercore.audit.journal import (
    GENESIS_HASH,
    EntryDraft,
    EventFields,
    PersonalData,
    seal,
    verify_chain,
)
from ordercore.errors import ConcurrencyConflict, NotFound, StorageError, ValidationError
from ordercore.storage.ports import (
    AggregateGenerations,
    AggregateKind,
    EventAppender,
    IdempotencyPurge,
    IdempotencyRecord,
    OutboxMessage,
    OutboxPurge,
    OutboxRequeue,
    OutboxStatus,
    Storage,
    UnitOfWork,
)
from ordercore.testing.fakes import COUNTERS, Counter
from ordercore.testing.sightings_contract import SIGHTINGS_TESTS, SightingsChecks

__all__ = ["CAPABILITIES", "DeclaresUnsupported", "StorageContract"]

CAPABILITIES: Mapping[str, tuple[str, ...]] = {
    "threads": (
        "test_concurrent_increments_lose_no_update",
        "test_hot_sku_across_threads_reserves_exactly_what_is_on_hand",
    ),
    "processes": ("test_hot_sku_across_processes_reserves_exactly_what_is_on_hand",),
    "retention": (
        "test_purge_deletes_only_messages_delivered_before_the_cutoff",
        "test_purge_deletes_at_most_limit_messages_per_unit_of_work",
        "test_purge_in_a_failed_unit_of_work_deletes_nothing",
        "test_purge_forgets_idempotency_records_created_before_the_cutoff",
    ),
    "requeue": ("test_requeue_puts_only_a_dead_message_back_in_the_queue",),
    "append_event": ("test_append_event_seals_the_entry_append_would",),
    "generations": ("test_a_kinds_generation_changes_only_when_one_of_it_is_committed",),
    "sightings": SIGHTINGS_TESTS,
}
"""What a backend may declare unsupported (the keys), and the tests of the kit that need it."""

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
OTHER_COUNTERS: AggregateKind[Counter] = AggregateKind("other-counter", Counter)


class _Boom(Exception):
    pass


def _draft(stream_id: str, version: int, payload: dict[str, object] | None = None) -> EntryDraft:
    return EntryDraft(
        event_id=f"evt-{stream_id}-{version}",
        stream_type="counter",
        stream_id=stream_id,
        version=version,
        event_type="CounterIncremented",
        payload=dict(payload or {"by": 1}),  # type: ignore[arg-type]
        actor="tester",
        recorded_at=T0,
    )


def _message(message_id: str, *, due: datetime = T0) -> OutboxMessage:
    return OutboxMessage(
        id=message_id,
        destination="notifier:test",
        topic="counter_changed",
        payload={"channel": "email", "recipient": "x", "data": {}},
        created_at=T0,
        next_attempt_at=due,
    )


def _bump(uow: UnitOfWork, counter_id: str) -> Counter:
    repository = uow.aggregates(COUNTERS)
    current = repository.find(counter_id)
    version = 0 if current is None else current.version
    updated = Counter(counter_id, version + 1, (0 if current is None else current.value) + 1)
    repository.save(updated, expected_version=version)
    uow.journal.append(_draft(counter_id, updated.version))
    return updated


class DeclaresUnsupported:
    """Skips, with the backend's reason, the tests that need what the backend declared missing."""

    unsupported: ClassVar[Mapping[str, str]] = {}
    """Capabilities (keys of :data:`CAPABILITIES`) or test names, each with the reason."""

    @pytest.fixture(autouse=True)
    def _declared_unsupported(self, request: pytest.FixtureRequest) -> None:
        name = getattr(request.node, "originalname", request.node.name)
        for declared, reason in self.unsupported.items():
            if declared == name or name in CAPABILITIES.get(declared, ()):
                pytest.skip(f"declared unsupported by the backend ({declared}): {reason}")


class StorageContract(SightingsChecks, DeclaresUnsupported):
    """Behaviour every storage backend must show. Override the ``storage`` fixture."""

    thread_count: ClassVar[int] = 16
    increments_per_thread: ClassVar[int] = 50

    @pytest.fixture
    def storage(self) -> Storage:
        """Return (or yield) a fresh, empty storage; backends override this fixture."""
        raise NotImplementedError("override the 'storage' fixture to open your backend")

    # -- aggregates -------------------------------------------------------------------------

    def test_saved_aggregate_is_read_back_equal(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("c1", 1, 5), expected_version=0)
        with storage.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).get("c1") == Counter("c1", 1, 5)
            assert uow.aggregates(COUNTERS).count() == 1

    def test_missing_aggregate_raises_not_found_and_find_returns_none(
        self, storage: Storage
    ) -> None:
        with storage.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).find("nope") is None
            with pytest.raises(NotFound, match="nope"):
                uow.aggregates(COUNTERS).get("nope")

    def test_stale_expected_version_raises_concurrency_conflict(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("c1", 1), expected_version=0)
        with storage.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("c1", 2), expected_version=1)
        with pytest.raises(ConcurrencyConflict) as caught, storage.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("c1", 2, 99), expected_version=1)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        with pytest.raises(ConcurrencyConflict), storage.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("c1", 1), expected_version=0)
        with storage.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).get("c1") == Counter("c1", 2)

    def test_saving_without_raising_the_version_is_refused(self, storage: Storage) -> None:
        with pytest.raises(ValidationError, match="version"), storage.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("c1", 0), expected_version=0)

    def test_reads_inside_a_unit_of_work_see_its_own_writes(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            _bump(uow, "c1")
            assert uow.aggregates(COUNTERS).get("c1").value == 1
            assert [e.version for e in uow.journal.stream("counter", "c1")] == [1]
            _bump(uow, "c1")
            assert uow.aggregates(COUNTERS).get("c1") == Counter("c1", 2, 2)

    def test_kinds_are_separate_namespaces(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            uow.aggregates(COUNTERS).save(Counter("same", 1, 1), expected_version=0)
            uow.aggregates(OTHER_COUNTERS).save(Counter("same", 1, 2), expected_version=0)
        with storage.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).get("same").value == 1
            assert uow.aggregates(OTHER_COUNTERS).get("same").value == 2
            assert sorted(c.id for c in uow.aggregates(COUNTERS).scan()) == ["same"]

    # -- atomicity ----------------------------------------------------------------------------

    def test_unit_of_work_that_raises_writes_nothing_anywhere(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            _bump(uow, "kept")
        with pytest.raises(_Boom), storage.unit_of_work() as uow:
            _bump(uow, "kept")
            _bump(uow, "lost")
            uow.outbox.put(_message("m-lost"))
            uow.idempotency.put(IdempotencyRecord("k-lost", "a", "f", None, T0))
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).get("kept") == Counter("kept", 1, 1)
            assert uow.aggregates(COUNTERS).find("lost") is None
            assert [e.stream_id for e in uow.journal.read()] == ["kept"]
            assert uow.journal.head().sequence == 1
            assert uow.outbox.list() == []
            assert uow.idempotency.get("k-lost") is None

    def test_float_in_a_journal_payload_is_refused_and_nothing_written(
        self, storage: Storage
    ) -> None:
        with pytest.raises(ValidationError, match="float"), storage.unit_of_work() as uow:
            _bump(uow, "c1")
            uow.journal.append(_draft("c1", 2, {"amount": 1.5}))
        with storage.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).find("c1") is None
            assert uow.journal.head().sequence == 0

    # -- journal ------------------------------------------------------------------------------

    def test_journal_entries_are_chained_and_verify(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            assert uow.journal.head().digest == GENESIS_HASH
            for _ in range(3):
                _bump(uow, "c1")
        with storage.unit_of_work() as uow:
            _bump(uow, "c2")
        with storage.unit_of_work() as uow:
            entries = list(uow.journal.read())
            head = uow.journal.head()
        assert [e.sequence for e in entries] == [1, 2, 3, 4]
        assert entries[0].previous_hash == GENESIS_HASH
        assert all(b.previous_hash == a.hash for a, b in itertools.pairwise(entries))
        assert (head.sequence, head.digest) == (4, entries[-1].hash)
        result = verify_chain(entries, against=head)
        assert result.ok, result

    def test_journal_read_honours_after_and_limit_and_stream(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            for stream in ["a", "b", "a", "c", "a"]:
                _bump(uow, stream)
        with storage.unit_of_work() as uow:
            assert [e.sequence for e in uow.journal.read(after=2, limit=2)] == [3, 4]
            assert [e.sequence for e in uow.journal.read(after=5)] == []
            assert [e.version for e in uow.journal.stream("counter", "a")] == [1, 2, 3]
            assert uow.journal.stream("counter", "zzz") == []

    def test_journal_entries_round_trip_unchanged(self, storage: Storage) -> None:
        payload = {
            "text": "quote ' \" ; DROP TABLE x; -- \u00e9\u4e2d",
            "n": 10**18,
            "beyond_64_bits": [10**30 + 1, -(2**65) - 3],
            "ok": True,
        }
        with storage.unit_of_work() as uow:
            sealed = uow.journal.append(_draft("c1", 1, payload))
        with storage.unit_of_work() as uow:
            (stored,) = list(uow.journal.read())
        assert stored == sealed

    def test_append_event_seals_the_entry_append_would(self, storage: Storage) -> None:
        personal = PersonalData("00" * 16, {"customer.email": "a@example.com"})
        drafts = [
            _draft("c1", 1, {"text": "quote ' \" \u00e9", "n": 10**30}),
            attrs_evolve(_draft("c1", 2), reason="why", correlation_id="cmd-1", personal=personal),
        ]
        with storage.unit_of_work() as uow:
            journal = uow.journal
            assert isinstance(journal, EventAppender), "declare 'append_event' unsupported"
            for draft in drafts:
                journal.append_event(
                    EventFields(*(getattr(draft, name) for name in EventFields._fields))
                )
        first = seal(drafts[0], 1, GENESIS_HASH)
        expected = [first, seal(drafts[1], 2, first.hash)]
        with storage.unit_of_work() as uow:
            assert list(uow.journal.read()) == expected
            assert uow.journal.head().digest == expected[-1].hash
        assert verify_chain(expected).ok

    # -- generations --------------------------------------------------------------------------

    def test_a_kinds_generation_changes_only_when_one_of_it_is_committed(
        self, storage: Storage
    ) -> None:
        def generation() -> int | None:
            with storage.unit_of_work() as uow:
                assert isinstance(uow, AggregateGenerations), "declare 'generations' unsupported"
                return uow.generation(COUNTERS)

        start = generation()
        assert start is not None
        with storage.unit_of_work() as uow:
            uow.aggregates(OTHER_COUNTERS).save(Counter("o1", 1, 1), expected_version=0)
        assert generation() == start
        with pytest.raises(_Boom), storage.unit_of_work() as uow:
            _bump(uow, "c1")
            raise _Boom
        assert generation() == start
        with storage.unit_of_work() as uow:
            assert isinstance(uow, AggregateGenerations)
            _bump(uow, "c1")
            assert uow.generation(COUNTERS) is None  # its own write: it cannot say
        after = generation()
        assert after is not None
        assert after != start

    # -- outbox -------------------------------------------------------------------------------

    def test_outbox_leases_due_messages_once_until_marked(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            uow.outbox.put(_message("m1"))
            uow.outbox.put(_message("m2", due=T0 + timedelta(hours=1)))
        lease = timedelta(minutes=5)
        with storage.unit_of_work() as uow:
            claimed = uow.outbox.claim_due(T0, limit=10, lease=lease)
        assert [m.id for m in claimed] == ["m1"]
        with storage.unit_of_work() as uow:
            assert uow.outbox.claim_due(T0, limit=10, lease=lease) == []
        with storage.unit_of_work() as uow:
            uow.outbox.mark_failed(
                "m1", error="down", next_attempt_at=T0 + timedelta(minutes=1), dead=False
            )
        with storage.unit_of_work() as uow:
            failed = uow.outbox.get("m1")
            assert (failed.attempts, failed.last_error, failed.status) == (
                1,
                "down",
                OutboxStatus.PENDING,
            )
            later = uow.outbox.claim_due(T0 + timedelta(hours=2), limit=10, lease=lease)
        assert sorted(m.id for m in later) == ["m1", "m2"]
        with storage.unit_of_work() as uow:
            uow.outbox.mark_delivered("m1", T0 + timedelta(hours=2))
            uow.outbox.mark_failed("m2", error="gone", next_attempt_at=T0, dead=True)
        with storage.unit_of_work() as uow:
            assert uow.outbox.claim_due(T0 + timedelta(days=9), limit=10, lease=lease) == []
            assert [m.id for m in uow.outbox.list(OutboxStatus.DELIVERED)] == ["m1"]
            assert [m.id for m in uow.outbox.list(OutboxStatus.DEAD)] == ["m2"]
            assert uow.outbox.get("m1").attempts == 2

    def test_outbox_refuses_a_duplicate_message_id(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            uow.outbox.put(_message("m1"))
        with pytest.raises(StorageError), storage.unit_of_work() as uow:
            uow.outbox.put(_message("m1"))

    # -- retention (optional: OutboxPurge, IdempotencyPurge) ----------------------------------

    @staticmethod
    def _outbox_purge(uow: UnitOfWork) -> OutboxPurge:
        outbox = uow.outbox
        assert isinstance(outbox, OutboxPurge), "declare 'retention' unsupported instead"
        return outbox

    @staticmethod
    def _deliver(storage: Storage, deliveries: dict[str, datetime | None]) -> None:
        """Put one message per id; deliver it at the given time (``None``: let it die)."""
        with storage.unit_of_work() as uow:
            for message_id in deliveries:
                uow.outbox.put(_message(message_id))
        with storage.unit_of_work() as uow:
            for message_id, at in deliveries.items():
                if at is None:
                    uow.outbox.mark_failed(message_id, error="gone", next_attempt_at=T0, dead=True)
                else:
                    uow.outbox.mark_delivered(message_id, at)

    def test_purge_deletes_only_messages_delivered_before_the_cutoff(
        self, storage: Storage
    ) -> None:
        hour = timedelta(hours=1)
        self._deliver(storage, {"old": T0, "at-cutoff": T0 + hour, "new": T0 + 2 * hour})
        self._deliver(storage, {"dead": None})
        with storage.unit_of_work() as uow:
            uow.outbox.put(_message("pending"))
        with storage.unit_of_work() as uow:
            assert self._outbox_purge(uow).purge_delivered(T0 + hour, limit=100) == 1
            with pytest.raises(NotFound):
                uow.outbox.get("old")  # gone for the unit of work that purged it
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.outbox.list()] == ["at-cutoff", "new", "dead", "pending"]
            with pytest.raises(NotFound):
                uow.outbox.get("old")
            assert self._outbox_purge(uow).purge_delivered(T0 + 9 * hour, limit=100) == 2
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.outbox.list()] == ["dead", "pending"]
            assert [m.id for m in uow.outbox.claim_due(T0, limit=10, lease=hour)] == ["pending"]

    def test_purge_deletes_at_most_limit_messages_per_unit_of_work(self, storage: Storage) -> None:
        self._deliver(storage, {f"m{index}": T0 for index in range(5)})
        deleted = []
        for _ in range(4):
            with storage.unit_of_work() as uow:
                deleted.append(self._outbox_purge(uow).purge_delivered(T0 + timedelta(1), limit=2))
        assert deleted == [2, 2, 1, 0]
        with storage.unit_of_work() as uow:
            assert uow.outbox.list() == []

    def test_purge_in_a_failed_unit_of_work_deletes_nothing(self, storage: Storage) -> None:
        self._deliver(storage, {"m1": T0})
        with storage.unit_of_work() as uow:
            uow.idempotency.put(IdempotencyRecord("k1", "counter.bump", "f" * 64, None, T0))
        later = T0 + timedelta(days=1)
        with pytest.raises(_Boom), storage.unit_of_work() as uow:
            assert self._outbox_purge(uow).purge_delivered(later, limit=10) == 1
            store = uow.idempotency
            assert isinstance(store, IdempotencyPurge)
            assert store.purge(later, limit=10) == 1
            raise _Boom
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.outbox.list()] == ["m1"]
            assert uow.idempotency.get("k1") is not None

    def test_purge_forgets_idempotency_records_created_before_the_cutoff(
        self, storage: Storage
    ) -> None:
        hour = timedelta(hours=1)
        with storage.unit_of_work() as uow:
            for index, key in enumerate(["k-old", "k-cutoff", "k-new"]):
                uow.idempotency.put(
                    IdempotencyRecord(key, "counter.bump", "f" * 64, index, T0 + index * hour)
                )
        with storage.unit_of_work() as uow:
            store = uow.idempotency
            assert isinstance(store, IdempotencyPurge), "declare 'retention' unsupported instead"
            assert store.purge(T0 + hour, limit=10) == 1
            assert store.get("k-old") is None
        with storage.unit_of_work() as uow:
            assert uow.idempotency.get("k-old") is None
            assert uow.idempotency.get("k-cutoff") is not None
            # A forgotten key is new again.
            uow.idempotency.put(IdempotencyRecord("k-old", "other", "0" * 64, None, T0))
        with storage.unit_of_work() as uow:
            found = uow.idempotency.get("k-old")
            assert found is not None
            assert found.action == "other"

    def test_requeue_puts_only_a_dead_message_back_in_the_queue(self, storage: Storage) -> None:
        self._deliver(storage, {"dead": None, "delivered": T0})
        with storage.unit_of_work() as uow:
            uow.outbox.put(_message("pending"))
        later = T0 + timedelta(days=1)
        with storage.unit_of_work() as uow:
            outbox = uow.outbox
            assert isinstance(outbox, OutboxRequeue), "declare 'requeue' unsupported instead"
            for other in ("delivered", "pending"):
                with pytest.raises(StorageError):
                    outbox.requeue(other, later)
            with pytest.raises(NotFound):
                outbox.requeue("missing", later)
            again = outbox.requeue("dead", later)
        assert (again.status, again.attempts, again.next_attempt_at) == (
            OutboxStatus.PENDING,
            0,
            later,
        )
        assert again.last_error == "gone"
        lease = timedelta(minutes=5)
        with storage.unit_of_work() as uow:
            assert uow.outbox.get("dead") == again
            # Due only from the time it was requeued for; the others are as they were.
            assert [m.id for m in uow.outbox.claim_due(T0, limit=10, lease=lease)] == ["pending"]
            assert uow.outbox.get("delivered").status is OutboxStatus.DELIVERED
        with storage.unit_of_work() as uow:
            due = uow.outbox.claim_due(later, limit=10, lease=lease)
        assert [m.id for m in due] == ["dead", "pending"]

    # -- idempotency --------------------------------------------------------------------------

    def test_idempotency_records_are_kept_and_never_overwritten(self, storage: Storage) -> None:
        record = IdempotencyRecord("k1", "counter.bump", "f" * 64, {"value": [1, "2"]}, T0)
        with storage.unit_of_work() as uow:
            assert uow.idempotency.get("k1") is None
            uow.idempotency.put(record)
        with storage.unit_of_work() as uow:
            assert uow.idempotency.get("k1") == record
        with pytest.raises(StorageError), storage.unit_of_work() as uow:
            uow.idempotency.put(IdempotencyRecord("k1", "other", "0" * 64, None, T0))

    # -- concurrency --------------------------------------------------------------------------

    def test_concurrent_increments_lose_no_update(self, storage: Storage) -> None:
        errors: list[BaseException] = []

        def work() -> None:
            for _ in range(self.increments_per_thread):
                for _attempt in range(100):
                    try:
                        with storage.unit_of_work() as uow:
                            _bump(uow, "hot")
                        break
                    except ConcurrencyConflict:
                        continue
                    except BaseException as exc:  # pragma: no cover - reported below
                        errors.append(exc)
                        return

        threads = [threading.Thread(target=work) for _ in range(self.thread_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        total = self.thread_count * self.increments_per_thread
        with storage.unit_of_work() as uow:
            assert uow.aggregates(COUNTERS).get("hot") == Counter("hot", total, total)
            entries = list(uow.journal.read())
        assert len(entries) == total
        assert verify_chain(entries).ok
