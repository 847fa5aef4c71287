"""SQLite journal rows hold the canonical bytes an entry was hashed over; older rows still read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercore.audit.journal import EntryDraft, PersonalData, seal, verify_chain
from ordercore.serialization import JSONValue
from ordercore.storage import _sqlite_codec as codec
from ordercore.storage.sqlite import SQLiteStorage

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _draft(
    stream_id: str, payload: dict[str, JSONValue], personal: PersonalData | None = None
) -> EntryDraft:
    return EntryDraft(
        "evt", "order", stream_id, 1, "Changed", payload, "u-1", T0, personal=personal
    )


def _bodies(storage: SQLiteStorage) -> list[bytes]:
    rows = storage._shared.connection.execute("SELECT body FROM journal ORDER BY sequence")
    return [bytes(body) for (body,) in rows.fetchall()]


def test_an_entry_is_stored_as_the_bytes_its_hash_covers(tmp_path: Path) -> None:
    storage = SQLiteStorage(f"sqlite:///{tmp_path / 'j.db'}")
    with storage.unit_of_work() as uow:
        plain = uow.journal.append(_draft("o1", {"b": 1, "a": [True, None]}))
        personal = uow.journal.append(_draft("o2", {"n": 2}, PersonalData.of({"name": "Ada"})))
    bare, wrapped = _bodies(storage)

    assert bare == orjson.dumps(plain.content(), option=orjson.OPT_SORT_KEYS)
    document = orjson.loads(wrapped)
    assert document["entry"] == personal.content()
    assert personal.personal is not None
    assert document["personal"] == [personal.personal.salt, personal.personal.data]
    with storage.unit_of_work() as uow:
        assert list(uow.journal.read()) == [plain, personal]
        assert verify_chain(uow.journal.read()).ok
    storage.close()


def test_rows_in_the_earlier_list_form_read_back_and_verify_beside_new_ones(
    tmp_path: Path,
) -> None:
    storage = SQLiteStorage(f"sqlite:///{tmp_path / 'j.db'}")
    old = seal(_draft("o1", {"n": 1}, PersonalData.of({"email": "ada@example.com"})), 1, "0" * 64)
    with storage.unit_of_work():
        storage._shared.connection.execute(
            "INSERT INTO journal (sequence, stream_type, stream_id, hash, body) "
            "VALUES (?, ?, ?, ?, ?)",
            (1, b"order", b"o1", old.hash, codec.encode_entry(old)),
        )
    storage.close()

    storage = SQLiteStorage(f"sqlite:///{tmp_path / 'j.db'}")
    with storage.unit_of_work() as uow:
        new = uow.journal.append(_draft("o1", {"n": 2}))
    with storage.unit_of_work() as uow:
        assert list(uow.journal.read()) == [old, new]
        assert uow.journal.stream("order", "o1") == [old, new]
        assert verify_chain(uow.journal.read()).ok
    storage.close()


@settings(max_examples=30, deadline=None)
@given(
    text=st.text(),
    number=st.integers(min_value=-(2**80), max_value=2**80),
    personal=st.one_of(st.none(), st.text()),
)
def test_any_payload_and_personal_data_round_trip(
    tmp_path_factory: pytest.TempPathFactory, text: str, number: int, personal: str | None
) -> None:
    # Integers beyond 64 bits and lone surrogates, which orjson cannot carry, take the
    # earlier list form; everything else the canonical bytes.
    path = tmp_path_factory.mktemp("journal") / "j.db"
    storage = SQLiteStorage(f"sqlite:///{path}")
    data = None if personal is None else PersonalData.of({"name": personal})
    with storage.unit_of_work() as uow:
        appended = uow.journal.append(_draft("o1", {"text": text, "number": number}, data))
    with storage.unit_of_work() as uow:
        assert list(uow.journal.read()) == [appended]
        assert verify_chain(uow.journal.read()).ok
    storage.close()
