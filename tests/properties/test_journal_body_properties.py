"""An entry sealed with its body reads back from those bytes exactly, and the hash covers them.

The memory backend keeps committed entries only as the canonical bytes their hash covers, so
``entry_from_body`` must give back the very entry ``seal`` gives, for any payload: text from
every plane, integers beyond 64 bits (which orjson would read back as floats), personal data.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ordercore.audit.journal import (
    EntryDraft,
    PersonalData,
    entry_from_body,
    seal,
    seal_with_body,
)
from ordercore.serialization import JSONValue

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
SCALARS = st.none() | st.booleans() | st.integers() | TEXT
VALUES: st.SearchStrategy[JSONValue] = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(TEXT, children, max_size=5),
    max_leaves=30,
)
PAYLOADS = st.dictionaries(TEXT, VALUES, max_size=6)
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@given(
    payload=PAYLOADS,
    sequence=st.integers(1, 10**12),
    previous=st.text("0123456789abcdef", min_size=64, max_size=64),
    micros=st.integers(0, 10**12),
    reason=st.none() | TEXT,
    personal=st.none() | st.builds(PersonalData.of, st.dictionaries(TEXT, VALUES, max_size=3)),
)
def test_an_entry_reads_back_from_its_body(
    payload: dict[str, JSONValue],
    sequence: int,
    previous: str,
    micros: int,
    reason: str | None,
    personal: PersonalData | None,
) -> None:
    draft = EntryDraft(
        event_id="evt_1",
        stream_type="order",
        stream_id="ord_1",
        version=3,
        event_type="Something",
        payload=payload,
        actor="u-1",
        recorded_at=T0 + timedelta(microseconds=micros),
        reason=reason,
        correlation_id="cmd_1",
        personal=personal,
    )

    sealed = seal_with_body(draft, sequence, previous)
    back = entry_from_body(
        sealed.body, digest=sealed.entry.hash, personal=personal, orjson_exact=sealed.orjson_exact
    )

    assert sealed.entry == seal(draft, sequence, previous)
    assert hashlib.sha256(sealed.body).hexdigest() == sealed.entry.hash
    assert back == sealed.entry
    assert back.recorded_at.tzinfo is UTC


def test_integers_beyond_64_bits_are_marked_for_the_standard_library() -> None:
    draft = EntryDraft("evt_1", "order", "ord_1", 1, "Big", {"n": 10**30 + 1}, "u-1", T0)

    sealed = seal_with_body(draft, 1, "0" * 64)
    back = entry_from_body(
        sealed.body, digest=sealed.entry.hash, personal=None, orjson_exact=sealed.orjson_exact
    )

    assert not sealed.orjson_exact
    assert back.payload == {"n": 10**30 + 1}
