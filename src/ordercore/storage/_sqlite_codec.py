r"""How the SQLite backend turns stored values into column values and back.

Bodies are JSON. orjson writes and reads them when it can; it refuses text that is not valid
Unicode (a lone surrogate, which is how Python carries undecodable bytes) and integers beyond
64 bits. Those bodies are written by the standard library instead, behind a one-byte marker,
because orjson would read such a body back wrong (it turns big integers into floats). Their
surrogates are written raw (``surrogatepass``), not as ``\u`` escapes: a reader joins an
escaped high and low surrogate into one character, which would not give back the two that were
written. A body is a BLOB so that either form is stored byte for byte.

Keys (aggregate ids, stream ids, message ids, idempotency keys) are BLOBs of their UTF-8 bytes
with surrogates passed through, so that every Python string, NUL and lone surrogates included,
is a key that compares exactly and sorts by code point.

Times in indexed columns are integer microseconds since the epoch (UTC), which compare correctly
where ISO strings with and without fractions of a second would not.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson

from ordercore.audit.journal import EntryFields, JournalEntry, PersonalData, entry_from_content
from ordercore.clock import epoch_micros as micros
from ordercore.clock import from_epoch_micros
from ordercore.serialization import iso_text
from ordercore.storage.ports import IdempotencyRecord, OutboxMessage, OutboxStatus

__all__ = [
    "decode_body",
    "decode_entry",
    "decode_message",
    "decode_record",
    "encode_body",
    "encode_entry",
    "encode_message",
    "encode_record",
    "encode_sealed_entry",
    "is_stdlib_body",
    "key",
    "key_text",
    "micros",
]

_STDLIB_MARK = b"j"  # no orjson document starts with "j"


def key(text: str) -> bytes:
    """The BLOB a text key is stored as."""
    return text.encode("utf-8", "surrogatepass")


def key_text(stored: bytes) -> str:
    """The text key a BLOB column holds (the inverse of :func:`key`)."""
    return stored.decode("utf-8", "surrogatepass")


def encode_body(data: Any) -> bytes:
    """JSON bytes of JSON-ready ``data``, readable by :func:`decode_body` exactly."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return _STDLIB_MARK + text.encode("utf-8", "surrogatepass")


def is_stdlib_body(body: bytes) -> bool:
    """Whether :func:`encode_body` wrote ``body`` with the standard library (behind its marker)."""
    return body[:1] == _STDLIB_MARK


def decode_body(body: bytes) -> Any:
    """The data :func:`encode_body` wrote."""
    if is_stdlib_body(body):
        return json.loads(body[1:].decode("utf-8", "surrogatepass"))
    return orjson.loads(body)


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else iso_text(moment)


def encode_entry(entry: JournalEntry) -> bytes:
    """The body of a journal entry: every field, the personal data beside them."""
    return encode_entry_fields(
        entry, entry.personal, entry.previous_hash, entry.hash, entry.personal_digest
    )


def encode_entry_fields(
    fields: EntryFields,
    personal: PersonalData | None,
    previous_hash: str,
    digest: str,
    personal_digest: str | None,
) -> bytes:
    """:func:`encode_entry` from the fields of an entry that was never made an object."""
    return encode_body(
        [
            fields.event_id,
            fields.stream_type,
            fields.stream_id,
            fields.version,
            fields.event_type,
            fields.payload,
            fields.actor,
            iso_text(fields.recorded_at),
            fields.reason,
            fields.correlation_id,
            previous_hash,
            digest,
            None if personal is None else [personal.salt, personal.data],
            personal_digest,
        ]
    )


def encode_sealed_entry(
    canonical: bytes, orjson_exact: bool, personal: PersonalData | None
) -> bytes | None:
    """The body of an entry as the canonical bytes its hash was computed over.

    The entry's content (a JSON object) is stored as it was hashed, so it is not serialized a
    second time; with personal data, inside ``{"entry": <content>, "personal": [salt, data]}``.

    Returns:
        The body, or ``None`` when orjson cannot read ``canonical`` back exactly (the standard
        library wrote it) or cannot write the personal data: such an entry is stored as a list
        by :func:`encode_entry_fields`, which every version has read.
    """
    if not orjson_exact:
        return None
    if personal is None:
        return canonical
    try:
        return orjson.dumps(
            {"entry": orjson.Fragment(canonical), "personal": [personal.salt, personal.data]}
        )
    except orjson.JSONEncodeError:
        return None


def decode_entry(sequence: int, digest: str, body: bytes) -> JournalEntry:
    """The journal entry at ``sequence``, whose ``hash`` column holds ``digest``, from its body."""
    if body[:1] == b"{":
        document = orjson.loads(body)
        personal = None
        if "entry" in document:  # an entry's content has no such key: it has "event_id"
            salt, data = document["personal"]
            document, personal = document["entry"], PersonalData(salt, data)
        return entry_from_content(document, digest=digest, personal=personal)
    (
        event_id,
        stream_type,
        stream_id,
        version,
        event_type,
        payload,
        actor,
        recorded_at,
        reason,
        correlation_id,
        previous_hash,
        body_digest,
        personal_fields,
        personal_digest,
    ) = decode_body(body)
    return JournalEntry(
        sequence=sequence,
        event_id=event_id,
        stream_type=stream_type,
        stream_id=stream_id,
        version=version,
        event_type=event_type,
        payload=payload,
        actor=actor,
        recorded_at=datetime.fromisoformat(recorded_at),
        reason=reason,
        correlation_id=correlation_id,
        previous_hash=previous_hash,
        hash=body_digest,  # the earlier form kept the hash in the body too
        personal=None if personal_fields is None else PersonalData(*personal_fields),
        personal_digest=personal_digest,
    )


def encode_message(message: OutboxMessage) -> bytes:
    """The body of an outbox message."""
    return encode_body(
        [
            message.id,
            message.destination,
            message.topic,
            message.payload,
            iso_text(message.created_at),
            iso_text(message.next_attempt_at),
            message.status.value,
            message.attempts,
            _text(message.claimed_until),
            message.last_error,
            _text(message.delivered_at),
        ]
    )


def decode_message(
    body: bytes, status_column: str | None = None, delivered_column: int | None = None
) -> OutboxMessage:
    """The outbox message :func:`encode_message` wrote, as its row's columns say it is now.

    A delivery is marked in the row's ``status`` and ``delivered_at`` columns alone, leaving
    the body as it was before: such a message is brought forward with
    :meth:`~ordercore.storage.ports.OutboxMessage.delivered`, exactly what marking it through
    the body would have written.
    """
    message = _decode_message_body(body)
    if status_column == OutboxStatus.DELIVERED.value and message.status is not (
        OutboxStatus.DELIVERED
    ):
        assert delivered_column is not None  # written together with the status
        return message.delivered(from_epoch_micros(delivered_column))
    return message


def _decode_message_body(body: bytes) -> OutboxMessage:
    (
        message_id,
        destination,
        topic,
        payload,
        created_at,
        next_attempt_at,
        status,
        attempts,
        claimed_until,
        last_error,
        delivered_at,
    ) = decode_body(body)
    return OutboxMessage(
        id=message_id,
        destination=destination,
        topic=topic,
        payload=payload,
        created_at=datetime.fromisoformat(created_at),
        next_attempt_at=datetime.fromisoformat(next_attempt_at),
        status=OutboxStatus(status),
        attempts=attempts,
        claimed_until=_time(claimed_until),
        last_error=last_error,
        delivered_at=_time(delivered_at),
    )


def encode_record(record: IdempotencyRecord) -> bytes:
    """The body of an idempotency record."""
    return encode_body(
        [
            record.key,
            record.action,
            record.fingerprint,
            record.result,
            iso_text(record.created_at),
        ]
    )


def decode_record(body: bytes) -> IdempotencyRecord:
    """The idempotency record :func:`encode_record` wrote."""
    record_key, action, fingerprint, result, created_at = decode_body(body)
    return IdempotencyRecord(
        record_key, action, fingerprint, result, datetime.fromisoformat(created_at)
    )
