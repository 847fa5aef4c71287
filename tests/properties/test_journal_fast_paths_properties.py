"""The journal's fast paths give exactly what ``EntryDraft(...)`` and ``JournalEntry(...)`` give.

``EntryDraft.of`` sets plain values directly and sends anything else through ``__init__``;
``seal`` builds its entry without ``__init__``. For any input, valid or not, the outcome
(the value, or the error and its message) must be the one of the plain constructors.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ordercore.audit.journal import (
    GENESIS_HASH,
    EntryDraft,
    JournalEntry,
    PersonalData,
    entry_digest,
    seal,
    verify_chain,
)
from ordercore.errors import ValidationError


class Text(str):
    """A ``str`` subclass: valid for ``__init__``, not a plain value for the fast path."""


T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
texts = st.sampled_from(["evt_1", "shipment", "x", "", " "]) | st.builds(Text, st.just("t"))
maybe_texts = st.none() | texts | st.just(5)
times = st.sampled_from(
    [
        T0,
        T0 + timedelta(microseconds=7),
        T0.astimezone(timezone(timedelta(hours=2))),
        datetime(2025, 3, 3, 9, 0),  # naive: refused
    ]
)
odd_values: st.SearchStrategy[Any] = st.sampled_from([None, 3, b"x"])


@given(
    event_id=texts | odd_values,
    stream_type=texts,
    stream_id=texts,
    version=st.integers(0, 5),
    event_type=texts | odd_values,
    actor=texts | odd_values,
    recorded_at=times | odd_values,
    reason=maybe_texts,
    correlation_id=maybe_texts,
    personal=st.none() | st.just(PersonalData("ab" * 16, {"name": "Ada"})),
    payload_checked=st.booleans(),
)
def test_of_equals_init(**fields: Any) -> None:
    fields["payload"] = {"sku": "MUG", "units": 1}
    try:
        expected: EntryDraft | ValidationError = EntryDraft(**fields)
    except ValidationError as exc:
        expected = exc
    try:
        got: EntryDraft | ValidationError = EntryDraft.of(**fields)
    except ValidationError as exc:
        got = exc
    if isinstance(expected, ValidationError):
        assert isinstance(got, ValidationError)
        assert (got.field, str(got)) == (expected.field, str(expected))
        return
    assert isinstance(got, EntryDraft)
    assert got == expected
    assert got.payload_checked is expected.payload_checked
    assert got.recorded_at.tzinfo is UTC
    for field in attrs.fields(EntryDraft):
        assert type(getattr(got, field.name)) is type(getattr(expected, field.name))


def _plain_seal(draft: EntryDraft, sequence: int, previous_hash: str) -> JournalEntry:
    personal_digest = None if draft.personal is None else draft.personal.digest()
    unsealed = JournalEntry(
        sequence=sequence,
        event_id=draft.event_id,
        stream_type=draft.stream_type,
        stream_id=draft.stream_id,
        version=draft.version,
        event_type=draft.event_type,
        payload=draft.payload,
        actor=draft.actor,
        recorded_at=draft.recorded_at,
        reason=draft.reason,
        correlation_id=draft.correlation_id,
        previous_hash=previous_hash,
        hash="",
        personal=draft.personal,
        personal_digest=personal_digest,
    )
    return attrs.evolve(unsealed, hash=entry_digest(unsealed.content()))


@given(
    st.lists(
        st.tuples(
            st.sampled_from([T0, T0 + timedelta(seconds=1), T0 + timedelta(microseconds=3)]),
            st.none() | st.just("because"),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_seal_equals_the_plain_entry_and_the_chain_verifies(
    drafts: list[tuple[datetime, str | None, bool]],
) -> None:
    previous = GENESIS_HASH
    entries = []
    for sequence, (at, reason, personal) in enumerate(drafts, start=1):
        draft = EntryDraft.of(
            f"evt_{sequence}",
            "order",
            "ord_1",
            sequence,
            "OrderNoted",
            {"n": sequence, "at": at.isoformat()},
            "u-1",
            at,
            reason,
            "cmd_1",
            PersonalData("cd" * 16, {"email": "a@b.c"}) if personal else None,
            True,
        )
        entry = seal(draft, sequence, previous)
        assert entry == _plain_seal(draft, sequence, previous)
        assert entry.content()["recorded_at"] == at.isoformat()
        entries.append(entry)
        previous = entry.hash
    assert verify_chain(entries).ok
