"""Purging deletes exactly the messages delivered and the keys recorded before the cut-off.

For any mix of pending, dead and delivered messages (delivered at any time) and idempotency
records of any age, purging in batches of any size until a batch comes back short leaves every
message that is pending, dead or delivered at or after the cut-off, in the order written, and
every record created at or after it; on the memory and the SQLite backend alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.storage.memory import MemoryStorage
from ordercore.storage.ports import (
    IdempotencyPurge,
    IdempotencyRecord,
    OutboxMessage,
    OutboxPurge,
    Storage,
)
from ordercore.storage.sqlite import SQLiteStorage

T0 = datetime(2025, 3, 1, tzinfo=UTC)

# None: left pending; "dead": given up; a number: delivered that many minutes after T0.
fates = st.lists(st.one_of(st.none(), st.just("dead"), st.integers(0, 120)), max_size=30)
ages = st.lists(st.integers(0, 120), max_size=30)


def _open(url: str) -> Storage:
    return MemoryStorage() if url == "memory://" else SQLiteStorage(url)


def _written(storage: Storage, fate: list[str | int | None], created: list[int]) -> None:
    with storage.unit_of_work() as uow:
        for index in range(len(fate)):
            uow.outbox.put(OutboxMessage(f"m{index}", "notifier:x", "t", {"n": index}, T0, T0))
        for index, minutes in enumerate(created):
            moment = T0 + timedelta(minutes=minutes)
            uow.idempotency.put(IdempotencyRecord(f"k{index}", "a", "f" * 64, None, moment))
    with storage.unit_of_work() as uow:
        for index, end in enumerate(fate):
            if end == "dead":
                uow.outbox.mark_failed(f"m{index}", error="x", next_attempt_at=T0, dead=True)
            elif isinstance(end, int):
                uow.outbox.mark_delivered(f"m{index}", T0 + timedelta(minutes=end))


def _purged_in_batches(storage: Storage, cutoff: datetime, batch: int) -> tuple[int, int]:
    messages = keys = 0
    while True:
        with storage.unit_of_work() as uow:
            outbox, store = uow.outbox, uow.idempotency
            assert isinstance(outbox, OutboxPurge)
            assert isinstance(store, IdempotencyPurge)
            deleted = outbox.purge_delivered(cutoff, limit=batch)
            forgotten = store.purge(cutoff, limit=batch)
        messages += deleted
        keys += forgotten
        assert deleted <= batch
        assert forgotten <= batch
        if deleted < batch and forgotten < batch:
            return messages, keys


@pytest.mark.parametrize("url", ["memory://", "sqlite://:memory:"])
@given(fate=fates, created=ages, cutoff=st.integers(0, 121), batch=st.integers(1, 8))
def test_purging_keeps_exactly_what_is_not_old_enough(
    url: str, fate: list[str | int | None], created: list[int], cutoff: int, batch: int
) -> None:
    storage = _open(url)
    try:
        _written(storage, fate, created)
        moment = T0 + timedelta(minutes=cutoff)
        messages, keys = _purged_in_batches(storage, moment, batch)
        kept = [
            f"m{index}"
            for index, end in enumerate(fate)
            if not (isinstance(end, int) and not isinstance(end, bool) and end < cutoff)
        ]
        remembered = {f"k{index}" for index, minutes in enumerate(created) if minutes >= cutoff}
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.outbox.list()] == kept
            present = {f"k{i}" for i in range(len(created)) if uow.idempotency.get(f"k{i}")}
        assert present == remembered
        assert messages == len(fate) - len(kept)
        assert keys == len(created) - len(remembered)
    finally:
        storage.close()
