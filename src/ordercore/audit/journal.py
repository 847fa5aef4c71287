"""The tamper-evident audit journal: an append-only, hash-chained log of every domain event.

Each :class:`JournalEntry` carries the SHA-256 digest of the canonical JSON of its own fields
together with the digest of the entry before it. Changing, removing, inserting or reordering any
entry breaks the chain at that entry; :func:`verify_chain` reports the first sequence where it
breaks. Cutting entries off the end leaves a valid but shorter chain, so a host that wants to
detect truncation stores the :class:`JournalHead` somewhere else and verifies ``against`` it.

Personal data (names, contacts, addresses) travels beside the payload, not in it: the chain
covers a salted digest of it, so that :func:`redact` can erase it on a customer's request and the
chain still verifies. Anyone holding the data can check it against the digest; nobody can guess
it from the digest, thanks to the salt, which is erased with the data.

This module is pure: storage backends call :func:`seal` when they append and keep the entries.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol, TypeAlias

import attrs
import orjson

from ordercore._replace import constructor
from ordercore.clock import ensure_aware_utc
from ordercore.errors import TamperDetected, ValidationError
from ordercore.serialization import (
    JSONValue,
    canonical_json,
    canonical_json_read_back,
    canonical_json_unchecked,
    ensure_json_ready,
    iso_text,
)

__all__ = [
    "GENESIS_HASH",
    "ChainVerification",
    "EntryDraft",
    "EntryFields",
    "EventFields",
    "JournalEntry",
    "JournalHead",
    "PersonalData",
    "SealedBody",
    "StoredBody",
    "draft_fields_are_plain",
    "entry_digest",
    "entry_from_body",
    "entry_from_content",
    "payload_with_personal",
    "redact",
    "seal",
    "seal_fields",
    "seal_with_body",
    "verify_bodies",
    "verify_chain",
]

GENESIS_HASH = "0" * 64
"""The ``previous_hash`` of the first entry."""


def _check_text(field: str) -> Any:
    def check(_: object, __: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValidationError(field, "must be a non-empty string")

    return check


def _optional_text(field: str) -> Any:
    def check(_: object, __: attrs.Attribute[str | None], value: str | None) -> None:
        if value is not None and not isinstance(value, str):
            raise ValidationError(field, "must be a string or None")

    return check


@attrs.frozen(slots=True)
class PersonalData:
    """Personal data of one entry and the salt of its digest; erased together by :func:`redact`."""

    salt: str
    data: dict[str, JSONValue]

    @classmethod
    def of(cls, data: dict[str, JSONValue]) -> PersonalData:
        """Wrap ``data`` with a fresh random salt."""
        return cls(secrets.token_hex(16), data)

    def digest(self) -> str:
        """The salted SHA-256 digest that the chain covers."""
        body = canonical_json({"salt": self.salt, "data": self.data}, "personal")
        return hashlib.sha256(body).hexdigest()


class EventFields(NamedTuple):
    """An entry's own fields, before the journal gives it a sequence and seals it.

    What :meth:`~ordercore.storage.ports.EventAppender.append_event` takes: the fields of an
    :class:`EntryDraft` in the same order, without ``payload_checked`` (the caller has checked
    the payload already).
    """

    event_id: str
    stream_type: str
    stream_id: str
    version: int
    event_type: str
    payload: dict[str, JSONValue]
    actor: str
    recorded_at: datetime
    reason: str | None
    correlation_id: str | None
    personal: PersonalData | None


class EntryFields(Protocol):
    """Anything holding an entry's own fields: :class:`EventFields`, a draft or an entry."""

    @property
    def event_id(self) -> str:
        """As in :class:`EventFields`."""
        ...

    @property
    def stream_type(self) -> str:
        """As in :class:`EventFields`."""
        ...

    @property
    def stream_id(self) -> str:
        """As in :class:`EventFields`."""
        ...

    @property
    def version(self) -> int:
        """As in :class:`EventFields`."""
        ...

    @property
    def event_type(self) -> str:
        """As in :class:`EventFields`."""
        ...

    @property
    def payload(self) -> dict[str, JSONValue]:
        """As in :class:`EventFields`."""
        ...

    @property
    def actor(self) -> str:
        """As in :class:`EventFields`."""
        ...

    @property
    def recorded_at(self) -> datetime:
        """As in :class:`EventFields`."""
        ...

    @property
    def reason(self) -> str | None:
        """As in :class:`EventFields`."""
        ...

    @property
    def correlation_id(self) -> str | None:
        """As in :class:`EventFields`."""
        ...


def payload_with_personal(entry: JournalEntry) -> dict[str, JSONValue]:
    """The entry's payload with its personal data put back, as the event carried it.

    The entry is left as it is: only the objects along each personal value's path are copied
    (an order's payload is large, and replays and sweeps read many).

    Raises:
        ValidationError: If the entry's personal data was redacted: the event cannot be rebuilt.
    """
    if entry.personal_digest is None:
        return entry.payload
    if entry.personal is None:
        raise ValidationError(
            "personal", f"entry {entry.sequence} was redacted; its event cannot be rebuilt"
        )
    payload = dict(entry.payload)
    for path, value in entry.personal.data.items():
        *parents, leaf = path.split(".")
        node = payload
        for key in parents:
            child = node.get(key)
            if not isinstance(child, dict):
                break
            node[key] = child = dict(child)
            node = child
        else:
            node[leaf] = value
    return payload


def draft_fields_are_plain(
    event_id: object,
    stream_type: object,
    stream_id: object,
    event_type: object,
    actor: object,
    recorded_at: object,
    reason: object,
    correlation_id: object,
) -> bool:
    """Whether these :class:`EntryDraft` fields pass its checks as they are, converting nothing.

    True for non-empty ``str`` texts, a UTC ``datetime`` and optional texts that are ``None``
    or ``str``; anything else must go through ``EntryDraft(...)``, which checks, converts or
    refuses it with a :class:`~ordercore.errors.ValidationError` naming the field.
    """
    return (
        type(event_id) is str
        and event_id != ""
        and type(stream_type) is str
        and stream_type != ""
        and type(stream_id) is str
        and stream_id != ""
        and type(event_type) is str
        and event_type != ""
        and type(actor) is str
        and actor != ""
        and type(recorded_at) is datetime
        and recorded_at.tzinfo is UTC
        and (reason is None or type(reason) is str)
        and (correlation_id is None or type(correlation_id) is str)
    )


@attrs.frozen(slots=True)
class EntryDraft:
    """What a unit of work appends; the journal gives it a sequence and seals it.

    Attributes:
        event_id: Unique id of the event.
        stream_type: The aggregate kind (``"order"``).
        stream_id: The aggregate id.
        version: The aggregate's version after this event.
        event_type: The event's name (``"OrderPlaced"``).
        payload: The event's data as JSON-ready values (no floats).
        actor: Who caused it (an actor id; never personal data).
        recorded_at: When it was recorded (aware).
        reason: Why, when the command gave a reason.
        correlation_id: Ties together the entries of one command (its idempotency key or id).
        personal: Personal data of the event, kept out of ``payload`` (see :func:`redact`).
        payload_checked: Set by the desk when ``payload`` was made by the shared converter from
            an event class whose field types can only give JSON; :func:`seal` then skips
            checking it value by value. Leave it ``False`` for payloads built any other way.
    """

    event_id: str = attrs.field(validator=_check_text("event_id"))
    stream_type: str = attrs.field(validator=_check_text("stream_type"))
    stream_id: str = attrs.field(validator=_check_text("stream_id"))
    version: int
    event_type: str = attrs.field(validator=_check_text("event_type"))
    payload: dict[str, JSONValue]
    actor: str = attrs.field(validator=_check_text("actor"))
    recorded_at: datetime = attrs.field(converter=ensure_aware_utc)
    reason: str | None = attrs.field(default=None, validator=_optional_text("reason"))
    correlation_id: str | None = attrs.field(
        default=None, validator=_optional_text("correlation_id")
    )
    personal: PersonalData | None = None
    payload_checked: bool = attrs.field(default=False, kw_only=True, eq=False, repr=False)

    @classmethod
    def of(
        cls,
        event_id: str,
        stream_type: str,
        stream_id: str,
        version: int,
        event_type: str,
        payload: dict[str, JSONValue],
        actor: str,
        recorded_at: datetime,
        reason: str | None,
        correlation_id: str | None,
        personal: PersonalData | None,
        payload_checked: bool,
    ) -> EntryDraft:
        """The same as ``EntryDraft(...)`` with every field given, faster for plain values.

        Values that pass the checks of ``__init__`` outright (non-empty ``str`` texts, a UTC
        ``datetime``, which the converter would return as it is) are set directly; anything
        else goes through ``__init__``, which checks, converts or refuses it as always.
        """
        if draft_fields_are_plain(
            event_id, stream_type, stream_id, event_type, actor, recorded_at, reason, correlation_id
        ):
            return constructor(cls)(
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
                personal,
                payload_checked,
            )
        return cls(
            event_id=event_id,
            stream_type=stream_type,
            stream_id=stream_id,
            version=version,
            event_type=event_type,
            payload=payload,
            actor=actor,
            recorded_at=recorded_at,
            reason=reason,
            correlation_id=correlation_id,
            personal=personal,
            payload_checked=payload_checked,
        )


@attrs.frozen(slots=True)
class JournalEntry:
    """A sealed journal entry. ``hash`` covers every other field, ``previous_hash`` included.

    ``personal`` is covered through ``personal_digest``; after :func:`redact` it is ``None`` and
    the digest stays, so the chain still verifies.
    """

    sequence: int
    event_id: str
    stream_type: str
    stream_id: str
    version: int
    event_type: str
    payload: dict[str, JSONValue]
    actor: str
    recorded_at: datetime
    reason: str | None
    correlation_id: str | None
    previous_hash: str
    hash: str
    personal: PersonalData | None = None
    personal_digest: str | None = None

    def content(self) -> dict[str, JSONValue]:
        """Return the hashed fields as JSON-ready data (everything but ``hash``)."""
        content: dict[str, JSONValue] = {
            "sequence": self.sequence,
            "event_id": self.event_id,
            "stream_type": self.stream_type,
            "stream_id": self.stream_id,
            "version": self.version,
            "event_type": self.event_type,
            "payload": self.payload,
            "actor": self.actor,
            "recorded_at": iso_text(self.recorded_at),
            "reason": self.reason,
            "correlation_id": self.correlation_id,
            "previous_hash": self.previous_hash,
        }
        if self.personal_digest is not None:
            content["personal_digest"] = self.personal_digest
        return content


@attrs.frozen(slots=True)
class JournalHead:
    """The position and digest of the newest entry; store it elsewhere to detect truncation."""

    sequence: int
    digest: str

    def __str__(self) -> str:
        return f"{self.sequence}:{self.digest}"

    @classmethod
    def parse(cls, text: str) -> JournalHead:
        """Read a head written by ``str(head)``.

        Raises:
            ValidationError: If the text is not ``"<sequence>:<64 hex digits>"``.
        """
        sequence, _, digest = text.partition(":")
        if not sequence.isdigit() or len(digest) != 64 or not _is_hex(digest):
            raise ValidationError("head", "expected '<sequence>:<sha256 hex digest>'")
        return cls(int(sequence), digest)


EMPTY_HEAD = JournalHead(0, GENESIS_HASH)


def _is_hex(text: str) -> bool:
    return all(char in "0123456789abcdef" for char in text)


def entry_digest(content: dict[str, JSONValue]) -> str:
    """Return the SHA-256 hex digest of the canonical JSON of an entry's content.

    The content is not checked for floats here: :func:`seal` checks a payload before it first
    hashes it, and when a stored entry is re-hashed any change shows as a different digest.
    """
    return hashlib.sha256(canonical_json_unchecked(content, "entry")).hexdigest()


def seal(draft: EntryDraft, sequence: int, previous_hash: str) -> JournalEntry:
    """Turn a draft into the entry at ``sequence`` chained to ``previous_hash``.

    Raises:
        ValidationError: If the payload holds a float or anything that is not JSON.
    """
    return seal_with_body(draft, sequence, previous_hash).entry


@attrs.frozen(slots=True)
class SealedBody:
    """A sealed entry with the canonical JSON its hash covers, for backends that keep bytes.

    Attributes:
        entry: The sealed entry.
        body: The canonical JSON of ``entry.content()``, the bytes ``entry.hash`` digests.
        orjson_exact: Whether ``orjson.loads`` reads ``body`` back exactly (see
            :func:`~ordercore.serialization.canonical_json_read_back`).
    """

    entry: JournalEntry
    body: bytes
    orjson_exact: bool


def seal_with_body(draft: EntryDraft, sequence: int, previous_hash: str) -> SealedBody:
    """:func:`seal`, keeping the canonical bytes that were hashed.

    :func:`entry_from_body` reads them back, so a backend that stores bytes does not serialize
    an entry a second time.

    Raises:
        ValidationError: If the payload holds a float or anything that is not JSON.
    """
    if not draft.payload_checked:
        ensure_json_ready(draft.payload, "payload")
    personal_digest = None if draft.personal is None else draft.personal.digest()
    body, orjson_exact, digest = seal_fields(draft, sequence, previous_hash, personal_digest)
    # JournalEntry has no checks in __init__; its fields in declaration order.
    entry = constructor(JournalEntry)(
        sequence,
        draft.event_id,
        draft.stream_type,
        draft.stream_id,
        draft.version,
        draft.event_type,
        draft.payload,
        draft.actor,
        draft.recorded_at,
        draft.reason,
        draft.correlation_id,
        previous_hash,
        digest,
        draft.personal,
        personal_digest,
    )
    return constructor(SealedBody)(entry, body, orjson_exact)


def seal_fields(
    fields: EntryFields, sequence: int, previous_hash: str, personal_digest: str | None
) -> tuple[bytes, bool, str]:
    """The sealing step of :func:`seal_with_body`, for fields already checked as a draft's are.

    For journals that append through :class:`~ordercore.storage.ports.EventAppender` and keep
    no :class:`JournalEntry` object: the caller has checked the texts as :class:`EntryDraft`
    does and the payload with :func:`~ordercore.serialization.ensure_json_ready` (or knows it
    can only be JSON). ``personal_digest`` is the digest of the fields' personal data, if any.

    Returns:
        The canonical JSON of the entry's content, whether ``orjson.loads`` reads it back
        exactly (see :func:`~ordercore.serialization.canonical_json_read_back`), and its
        SHA-256 hex digest: the entry's ``hash``.
    """
    content: dict[str, JSONValue] = {
        "sequence": sequence,
        "event_id": fields.event_id,
        "stream_type": fields.stream_type,
        "stream_id": fields.stream_id,
        "version": fields.version,
        "event_type": fields.event_type,
        "payload": fields.payload,
        "actor": fields.actor,
        "recorded_at": iso_text(fields.recorded_at),
        "reason": fields.reason,
        "correlation_id": fields.correlation_id,
        "previous_hash": previous_hash,
    }
    if personal_digest is not None:
        content["personal_digest"] = personal_digest
    body, orjson_exact = canonical_json_read_back(content, "entry")
    return body, orjson_exact, hashlib.sha256(body).hexdigest()


def entry_from_body(
    body: bytes, *, digest: str, personal: PersonalData | None, orjson_exact: bool = True
) -> JournalEntry:
    """The entry whose :meth:`JournalEntry.content` is the canonical JSON ``body``.

    Args:
        body: Canonical JSON of an entry's content (as :func:`seal_with_body` gives it).
        digest: The entry's stored ``hash``, taken as it is (verification compares it).
        personal: The entry's personal data, kept beside the body.
        orjson_exact: ``False`` when the standard library wrote ``body``.
    """
    return entry_from_content(_read_body(body, orjson_exact), digest=digest, personal=personal)


def entry_from_content(
    content: Mapping[str, Any], *, digest: str, personal: PersonalData | None
) -> JournalEntry:
    """The entry whose :meth:`JournalEntry.content` is ``content`` (canonical JSON, read back).

    :func:`entry_from_body` after the bytes were read, for a backend that reads them as part
    of a larger document.
    """
    return constructor(JournalEntry)(
        content["sequence"],
        content["event_id"],
        content["stream_type"],
        content["stream_id"],
        content["version"],
        content["event_type"],
        content["payload"],
        content["actor"],
        datetime.fromisoformat(content["recorded_at"]),
        content["reason"],
        content["correlation_id"],
        content["previous_hash"],
        digest,
        personal,
        content.get("personal_digest"),
    )


def _read_body(body: bytes, orjson_exact: bool) -> Any:
    # orjson reads integers beyond 64 bits back as floats; the standard library wrote those.
    return orjson.loads(body) if orjson_exact else json.loads(body)


def redact(entry: JournalEntry) -> JournalEntry:
    """Return ``entry`` with its personal data erased; its hash and the chain stay valid."""
    return attrs.evolve(entry, personal=None)


@attrs.frozen(slots=True)
class ChainVerification:
    """The outcome of :func:`verify_chain`.

    Attributes:
        ok: Whether every entry checked out.
        checked: How many entries were read.
        head: The head of the verified part of the chain.
        first_bad_sequence: The first sequence at which the chain breaks, if it does.
        reason: What was wrong there.
    """

    ok: bool
    checked: int
    head: JournalHead
    first_bad_sequence: int | None = None
    reason: str | None = None

    def raise_if_broken(self) -> None:
        """Raise :class:`TamperDetected` if the chain did not verify."""
        if not self.ok:
            assert self.first_bad_sequence is not None  # set whenever ok is False
            raise TamperDetected(self.first_bad_sequence, self.reason or "chain broken")


def _broken(checked: int, head: JournalHead, sequence: int, reason: str) -> ChainVerification:
    return ChainVerification(False, checked, head, sequence, reason)


def _content_problem(entry: JournalEntry) -> str | None:
    try:
        if entry_digest(entry.content()) != entry.hash:
            return "contents do not match the entry's hash"
        if entry.personal is not None and entry.personal.digest() != entry.personal_digest:
            return "personal data does not match its digest"
    except (ValidationError, AttributeError, TypeError) as exc:
        return f"entry is not canonical JSON any more ({exc})"
    return None


def verify_chain(
    entries: Iterable[JournalEntry],
    *,
    against: JournalHead | None = None,
    after: JournalHead | None = None,
) -> ChainVerification:
    """Recompute the hash chain and report the first entry where it breaks.

    Reads ``entries`` once, in order, keeping constant memory.

    Args:
        entries: The entries in sequence order, starting right after ``after``.
        against: A head saved earlier; the chain must still contain that entry unchanged,
            which detects truncation and rewritten history behind a re-sealed tail.
        after: Verify only the entries after this trusted head (incremental audits).

    Returns:
        A :class:`ChainVerification`; call ``raise_if_broken()`` to turn a failure into
        :class:`TamperDetected`.
    """
    links = (
        (entry.sequence, entry.previous_hash, entry.hash, _content_problem(entry))
        for entry in entries
    )
    return _verify_links(links, against=against, after=after)


StoredBody: TypeAlias = tuple[bytes, str, "PersonalData | None", bool]
"""An entry as a backend keeps it: canonical body, stored hash, personal data, and whether
orjson reads the body back exactly (see :func:`seal_with_body`)."""


def verify_bodies(
    bodies: Iterable[StoredBody],
    *,
    against: JournalHead | None = None,
    after: JournalHead | None = None,
) -> ChainVerification:
    """:func:`verify_chain` over entries kept as their canonical bodies, hashing the bytes.

    Each body is read for its sequence and previous hash and its bytes are hashed as they are,
    so no entry is rebuilt and nothing is serialized again; any change to the bytes shows.
    """
    return _verify_links(map(_body_link, bodies), against=against, after=after)


# (sequence, previous hash, hash, what is wrong with the content) of one entry; a sequence of
# None means the content could not be read, which the content problem says.
_Link: TypeAlias = tuple["int | None", "str | None", str, "str | None"]


def _body_link(stored: StoredBody) -> _Link:
    body, digest, personal, orjson_exact = stored
    try:
        content = _read_body(body, orjson_exact)
        sequence, previous_hash = content["sequence"], content["previous_hash"]
    except (ValueError, TypeError, KeyError) as exc:
        return None, None, digest, f"entry is not canonical JSON any more ({exc!r})"
    if hashlib.sha256(body).hexdigest() != digest:
        return sequence, previous_hash, digest, "contents do not match the entry's hash"
    if personal is not None and personal.digest() != content.get("personal_digest"):
        return sequence, previous_hash, digest, "personal data does not match its digest"
    return sequence, previous_hash, digest, None


def _verify_links(
    links: Iterable[_Link], *, against: JournalHead | None, after: JournalHead | None
) -> ChainVerification:
    start = after or EMPTY_HEAD
    expected_sequence = start.sequence + 1
    previous_hash = start.digest
    checked = 0
    saw_against = against is None or against.sequence <= start.sequence
    for sequence, linked_to, digest, problem in links:
        reason = None
        if sequence is not None and sequence != expected_sequence:
            reason = f"expected sequence {expected_sequence}, found {sequence}"
        elif sequence is not None and linked_to != previous_hash:
            reason = "previous_hash does not match the entry before it"
        elif problem is not None:
            reason = problem
        elif against is not None and expected_sequence == against.sequence:
            saw_against = True
            if digest != against.digest:
                reason = "entry differs from the saved head"
        if reason is not None:
            # The head is the last entry that checked out: made only when one does not.
            head = JournalHead(expected_sequence - 1, previous_hash)
            return _broken(checked, head, expected_sequence, reason)
        previous_hash = digest
        expected_sequence += 1
        checked += 1
    head = JournalHead(expected_sequence - 1, previous_hash)
    if not saw_against:
        assert against is not None
        reason = f"journal ends at {head.sequence} but the saved head is at {against.sequence}"
        return _broken(checked, head, expected_sequence, reason)
    return ChainVerification(True, checked, head)
