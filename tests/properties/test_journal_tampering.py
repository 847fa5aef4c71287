"""Acceptance: any tampering with the journal is detected, at the first bad sequence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.audit.journal import (
    GENESIS_HASH,
    EntryDraft,
    JournalEntry,
    JournalHead,
    PersonalData,
    StoredBody,
    redact,
    seal,
    verify_bodies,
    verify_chain,
)
from ordercore.errors import TamperDetected
from ordercore.serialization import JSONValue
from ordercore.storage._memory_journal import pack_entry, stored_body

T0 = datetime(2025, 1, 1, tzinfo=UTC)

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
payloads: st.SearchStrategy[dict[str, JSONValue]] = st.dictionaries(
    st.text(max_size=6), json_scalars, max_size=4
)


@st.composite
def journals(draw: st.DrawFn, min_size: int = 1) -> list[JournalEntry]:
    count = draw(st.integers(min_value=min_size, max_value=12))
    entries: list[JournalEntry] = []
    previous = GENESIS_HASH
    for index in range(count):
        draft = EntryDraft(
            event_id=f"evt-{index}",
            stream_type="order",
            stream_id=draw(st.sampled_from(["o1", "o2", "o3"])),
            version=index + 1,
            event_type=draw(st.sampled_from(["OrderPlaced", "OrderPaid", "OrderShipped"])),
            payload=draw(payloads),
            actor=draw(st.sampled_from(["u-1", "u-2", "system"])),
            recorded_at=T0 + timedelta(seconds=index),
            reason=draw(st.none() | st.text(min_size=1, max_size=5)),
            personal=draw(st.none() | payloads.map(PersonalData.of)),
        )
        entry = seal(draft, index + 1, previous)
        entries.append(entry)
        previous = entry.hash
    return entries


def _head(entries: list[JournalEntry]) -> JournalHead:
    return JournalHead(entries[-1].sequence, entries[-1].hash)


def _different(value: object, draw: Callable[[st.SearchStrategy[Any]], Any]) -> object:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + draw(st.integers(min_value=1, max_value=10))
    if isinstance(value, str):
        return value + draw(st.text(min_size=1, max_size=3))
    if isinstance(value, datetime):
        return value + timedelta(microseconds=draw(st.integers(min_value=1, max_value=10**6)))
    if isinstance(value, dict):
        if draw(st.booleans()):
            return {**value, "tampered": 0.5}  # not even canonical JSON any more
        return {**value, "tampered": draw(json_scalars)}
    if isinstance(value, PersonalData):
        return PersonalData(value.salt, {**value.data, "tampered": draw(json_scalars)})

    return "tampered"  # None becomes a string


FIELDS = [f.name for f in attrs.fields(JournalEntry) if f.name != "hash"]


def _edited(victim: JournalEntry, draw: Callable[[st.SearchStrategy[Any]], Any]) -> JournalEntry:
    """``victim`` with one field (any, its hash included) changed."""
    field = draw(st.sampled_from([*FIELDS, "hash"]))
    if field == "personal" and victim.personal is None:
        replacement: object = PersonalData.of({"name": "Mallory"})
    else:
        replacement = _different(getattr(victim, field), draw)
    changes: dict[str, Any] = {field: replacement}
    return attrs.evolve(victim, **changes)


@given(journals(), st.data())
def test_editing_any_field_of_one_entry_is_found_at_that_entry(
    entries: list[JournalEntry], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    tampered = [*entries[:index], _edited(entries[index], data.draw), *entries[index + 1 :]]
    result = verify_chain(tampered, against=_head(entries))
    assert not result.ok
    assert result.first_bad_sequence == index + 1


@given(journals(), st.data())
def test_editing_and_resealing_an_entry_is_found_at_that_entry_or_the_next(
    entries: list[JournalEntry], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    victim = entries[index]
    resealed = seal(
        EntryDraft(
            event_id=victim.event_id,
            stream_type=victim.stream_type,
            stream_id=victim.stream_id,
            version=victim.version,
            event_type=victim.event_type,
            payload={**victim.payload, "amount_was": "0.00"},  # keys drawn are <= 6 chars
            actor=victim.actor,
            recorded_at=victim.recorded_at,
        ),
        victim.sequence,
        victim.previous_hash,
    )
    tampered = [*entries[:index], resealed, *entries[index + 1 :]]
    result = verify_chain(tampered, against=_head(entries))
    assert not result.ok
    # A re-sealed entry is valid on its own; the chain breaks where the next entry points back
    # at the old hash, or, for the last entry, at the saved head.
    assert result.first_bad_sequence == index + 2 or (
        index == len(entries) - 1 and result.first_bad_sequence == index + 1
    )


@given(journals(min_size=2), st.data())
def test_deleting_an_entry_is_found_at_its_sequence(
    entries: list[JournalEntry], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(entries) - 2))
    tampered = entries[:index] + entries[index + 1 :]
    result = verify_chain(tampered, against=_head(entries))
    assert not result.ok
    assert result.first_bad_sequence == index + 1


@given(journals(), st.data())
def test_inserting_an_entry_is_found_where_it_was_inserted(
    entries: list[JournalEntry], data: st.DataObject
) -> None:
    # Before any existing entry: an entry added after the newest one is an append, which is
    # what the journal is for; only a head saved elsewhere says where the history stood.
    index = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    previous = GENESIS_HASH if index == 0 else entries[index - 1].hash
    forged = seal(
        EntryDraft(
            event_id="forged",
            stream_type="order",
            stream_id="o9",
            version=1,
            event_type="OrderRefunded",
            payload={"amount": "999.00"},
            actor="mallory",
            recorded_at=T0,
        ),
        index + 1,
        previous,
    )
    tampered = [*entries[:index], forged, *entries[index:]]
    result = verify_chain(tampered, against=_head(entries))
    assert not result.ok
    if index + 1 == len(entries):
        # The forged entry took the saved head's sequence and differs from it.
        assert result.first_bad_sequence == index + 1
    else:
        # The forged entry chains correctly to the one before it; the one after it does not.
        assert result.first_bad_sequence == index + 2


@given(journals(min_size=2), st.data())
def test_swapping_two_entries_is_found_at_the_first_of_them(
    entries: list[JournalEntry], data: st.DataObject
) -> None:
    first = data.draw(st.integers(min_value=0, max_value=len(entries) - 2))
    second = data.draw(st.integers(min_value=first + 1, max_value=len(entries) - 1))
    tampered = list(entries)
    tampered[first], tampered[second] = tampered[second], tampered[first]
    result = verify_chain(tampered, against=_head(entries))
    assert not result.ok
    assert result.first_bad_sequence == first + 1


@given(journals(min_size=2), st.data())
def test_truncating_is_found_against_a_saved_head(
    entries: list[JournalEntry], data: st.DataObject
) -> None:
    keep = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    head = _head(entries)
    assert verify_chain(entries[:keep]).ok  # without a head, a cut chain still looks whole
    result = verify_chain(entries[:keep], against=head)
    assert not result.ok
    assert result.first_bad_sequence == keep + 1
    with pytest.raises(TamperDetected) as caught:
        result.raise_if_broken()
    assert caught.value.sequence == keep + 1


@given(journals())
def test_an_untouched_journal_verifies_against_its_head(entries: list[JournalEntry]) -> None:
    head = _head(entries)
    result = verify_chain(entries, against=head)
    assert result.ok
    assert result.checked == len(entries)
    assert result.head == head
    assert JournalHead.parse(str(head)) == head


@given(journals(min_size=2), st.data())
def test_incremental_verification_continues_from_a_trusted_head(
    entries: list[JournalEntry], data: st.DataObject
) -> None:
    split = data.draw(st.integers(min_value=1, max_value=len(entries) - 1))
    trusted = _head(entries[:split])
    assert verify_chain(entries[split:], after=trusted, against=_head(entries)).ok
    forged_start = JournalHead(trusted.sequence, GENESIS_HASH)
    result = verify_chain(entries[split:], after=forged_start)
    assert not result.ok
    assert result.first_bad_sequence == split + 1


@given(journals())
def test_redacting_personal_data_keeps_the_chain_valid(entries: list[JournalEntry]) -> None:
    redacted = [redact(entry) for entry in entries]
    assert all(entry.personal is None for entry in redacted)
    assert verify_chain(redacted, against=_head(entries)).ok


def test_personal_data_is_outside_the_payload_and_only_its_salted_digest_is_hashed() -> None:
    personal = PersonalData.of({"name": "Ada Lovelace", "email": "ada@example.com"})
    draft = EntryDraft(
        event_id="e1",
        stream_type="order",
        stream_id="o1",
        version=1,
        event_type="OrderPlaced",
        payload={"total": "10.00"},
        actor="u-1",
        recorded_at=T0,
        personal=personal,
    )
    entry = seal(draft, 1, GENESIS_HASH)
    assert "Ada" not in repr(entry.content())
    assert entry.personal_digest == personal.digest()
    same_data_other_salt = PersonalData.of(personal.data)
    assert same_data_other_salt.digest() != personal.digest()


def _bodies(entries: list[JournalEntry]) -> list[StoredBody]:
    """The entries as the memory backend keeps them: canonical bytes beside the stored hash."""
    return [stored_body(pack_entry(entry)) for entry in entries]


@given(journals(min_size=2), st.data())
def test_verifying_stored_bodies_finds_what_verifying_entries_finds(
    entries: list[JournalEntry], data: st.DataObject
) -> None:
    tampered = list(entries)
    change = data.draw(st.sampled_from(["none", "edit", "delete", "swap", "truncate"]))
    index = data.draw(st.integers(min_value=0, max_value=len(entries) - 2))
    if change == "edit":
        tampered[index] = _edited(entries[index], data.draw)
    elif change == "delete":
        del tampered[index]
    elif change == "swap":
        tampered[index], tampered[index + 1] = tampered[index + 1], tampered[index]
    elif change == "truncate":
        del tampered[index:]
    start = data.draw(st.integers(min_value=0, max_value=index))
    after = None if start == 0 else _head(entries[:start])
    against = data.draw(st.none() | st.just(_head(entries)))

    from_bodies = verify_bodies(_bodies(tampered[start:]), after=after, against=against)

    assert from_bodies == verify_chain(tampered[start:], after=after, against=against)
    # A chain cut short still looks whole unless a saved head says where it stood.
    assert from_bodies.ok is (change == "none" or (change == "truncate" and against is None))
