"""The memory backend keeps committed journal entries as plain tuples of their canonical bytes."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ordercore.audit.journal import EntryDraft, PersonalData, verify_chain
from ordercore.serialization import JSONValue
from ordercore.storage.memory import MemoryStorage
from ordercore.storage.ports import StreamVersionIndex

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _draft(stream_id: str, version: int, personal: PersonalData | None = None) -> EntryDraft:
    payload: dict[str, JSONValue] = {"lines": [{"sku": "MUG", "units": version}], "note": "x"}
    return EntryDraft(
        "evt", "order", stream_id, version, "Changed", payload, "u-1", T0, personal=personal
    )


def test_committed_entries_are_left_alone_by_the_cycle_collector() -> None:
    # Why the entries are tuples of bytes and strings: the collector untracks such a tuple,
    # so a big store does not make every full collection walk its journal.
    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        for version in range(1, 4):
            uow.journal.append(_draft("ord_1", version))
        uow.journal.append(_draft("ord_2", 1, PersonalData.of({"name": "Ada"})))
    gc.collect()

    kept = storage._state.journal
    assert [gc.is_tracked(packed) for packed in kept] == [False, False, False, True]


def test_entries_read_back_equal_to_what_was_appended_and_the_chain_verifies() -> None:
    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        appended = [uow.journal.append(_draft("ord_1", version)) for version in (1, 2)]
        assert uow.journal.stream("order", "ord_1") == appended  # pending, same unit of work
    with storage.unit_of_work() as uow:
        assert list(uow.journal.read()) == appended
        assert uow.journal.stream("order", "ord_1") == appended
        assert verify_chain(uow.journal.read()).ok


@given(
    writes=st.lists(st.sampled_from(["a", "b", "c"]), max_size=30),
    upto=st.integers(-1, 35),
)
def test_stream_versions_match_what_the_entries_say(writes: list[str], upto: int) -> None:
    storage = MemoryStorage()
    versions: dict[str, int] = {}
    for stream_id in writes:
        versions[stream_id] = versions.get(stream_id, 0) + 1
        with storage.unit_of_work() as uow:
            uow.journal.append(_draft(stream_id, versions[stream_id]))
    with storage.unit_of_work() as uow:
        journal = uow.journal
        expected: dict[str, int] = {}
        for entry in journal.read():
            if entry.sequence <= upto:
                expected[entry.stream_id] = entry.version
        assert isinstance(journal, StreamVersionIndex)
        assert journal.stream_versions("order", upto=upto) == expected
        assert journal.stream_versions("shipment", upto=upto) == {}
