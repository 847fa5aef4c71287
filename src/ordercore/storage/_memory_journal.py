"""The memory backend's journal: committed entries kept as the canonical JSON their hash covers.

An entry is kept as a tuple of plain values (its sequence, stream, version, hash, the canonical
bytes :func:`~ordercore.audit.journal.seal_with_body` hashed, and its personal data) and read
back into a :class:`~ordercore.audit.journal.JournalEntry` when asked for. Why not the entry
object itself: an entry and its payload's dicts and lists are several objects that CPython's
cycle collector walks on every full collection for as long as the store lives, while a tuple of
strings and bytes is untracked at the first collection it meets. A long-running desk spent a
fifth to a third of its time in those walks. The bytes are also smaller than the objects.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeAlias

from ordercore.audit.journal import (
    GENESIS_HASH,
    EntryDraft,
    EventFields,
    JournalEntry,
    JournalHead,
    PersonalData,
    StoredBody,
    entry_from_body,
    seal_fields,
    seal_with_body,
)
from ordercore.serialization import canonical_json_read_back

if TYPE_CHECKING:
    from ordercore.storage.memory import _State

__all__ = [
    "MemoryJournal",
    "PackedEntry",
    "pack_entry",
    "stored_body",
    "unpack",
    "without_personal",
]

PackedEntry: TypeAlias = tuple[int, str, str, int, str, bytes, bool, PersonalData | None]
"""(sequence, stream type, stream id, version, hash, canonical body, orjson reads it exactly,
personal data). Flat on purpose: a tuple holding another tuple is untracked only once the inner
one is, which may take the collector a second pass."""


def _pack(entry: JournalEntry, body: bytes, orjson_exact: bool) -> PackedEntry:
    return (
        entry.sequence,
        entry.stream_type,
        entry.stream_id,
        entry.version,
        entry.hash,
        body,
        orjson_exact,
        entry.personal,
    )


def pack_entry(entry: JournalEntry) -> PackedEntry:
    """Keep ``entry`` as it is, its ``hash`` included (re-encoded from its content)."""
    return _pack(entry, *canonical_json_read_back(entry.content(), "entry"))


def stored_body(packed: PackedEntry) -> StoredBody:
    """The entry as stored: (canonical body, hash, personal data, orjson reads it exactly)."""
    return packed[5], packed[4], packed[7], packed[6]


def unpack(packed: PackedEntry) -> JournalEntry:
    """The entry a packed tuple holds."""
    body, digest, personal, exact = stored_body(packed)
    return entry_from_body(body, digest=digest, personal=personal, orjson_exact=exact)


def without_personal(packed: PackedEntry) -> PackedEntry:
    """The packed entry with its personal data erased (its digest stays in the body)."""
    return (*packed[:7], None)


def _own_bytes(body: bytes) -> bytes:
    """``body`` in bytes of its own size, for keeping.

    orjson's bytes keep the capacity of its 4 KiB write buffer (tracemalloc sees it).
    """
    return memoryview(body).tobytes()


def _window(entries: list[PackedEntry], after: int, limit: int | None) -> Iterator[PackedEntry]:
    """The entries with a sequence above ``after``, at most ``limit`` of them."""
    start = max(after, 0)
    stop = None if limit is None else start + max(limit, 0)
    # Sequences are 1-based and dense, so sequence n sits at index n - 1.
    return itertools.islice(entries, start, stop)


class MemoryJournal:
    """One unit of work's view of the journal: committed entries plus its own pending ones."""

    __slots__ = ("_digest", "_sequence", "_state", "erased", "pending")

    def __init__(self, state: _State) -> None:
        self._state = state
        self.pending: list[PackedEntry] = []
        self.erased: list[int] = []
        last = state.journal[-1] if state.journal else None
        self._sequence = 0 if last is None else last[0]
        self._digest = GENESIS_HASH if last is None else last[4]

    def head(self) -> JournalHead:
        return JournalHead(self._sequence, self._digest)

    def append(self, draft: EntryDraft) -> JournalEntry:
        sealed = seal_with_body(draft, self._sequence + 1, self._digest)
        self._keep(_pack(sealed.entry, _own_bytes(sealed.body), sealed.orjson_exact))
        return sealed.entry

    def append_event(self, fields: EventFields) -> None:
        """:meth:`append` from the fields (see :class:`~ordercore.storage.ports.EventAppender`)."""
        sequence = self._sequence + 1
        personal = fields.personal
        personal_digest = None if personal is None else personal.digest()
        body, orjson_exact, digest = seal_fields(fields, sequence, self._digest, personal_digest)
        self._keep(
            (
                sequence,
                fields.stream_type,
                fields.stream_id,
                fields.version,
                digest,
                _own_bytes(body),
                orjson_exact,
                personal,
            )
        )

    def _keep(self, packed: PackedEntry) -> None:
        """Queue a sealed entry for commit and make it this unit of work's head."""
        self.pending.append(packed)
        self._sequence = packed[0]
        self._digest = packed[4]

    def read(self, *, after: int = 0, limit: int | None = None) -> Iterator[JournalEntry]:
        entries = self._state.journal + self.pending if self.pending else self._state.journal
        for packed in _window(entries, after, limit):
            yield unpack(packed)

    def stream(self, stream_type: str, stream_id: str) -> list[JournalEntry]:
        journal = self._state.journal
        sequences = self._state.streams.get((stream_type, stream_id), [])
        found = [unpack(journal[sequence - 1]) for sequence in sequences]
        found.extend(
            unpack(packed)
            for packed in self.pending
            if packed[1] == stream_type and packed[2] == stream_id
        )
        return found

    def stored_bodies(self, *, after: int = 0, limit: int | None = None) -> list[StoredBody]:
        """Committed entries after ``after`` as (body, hash, personal data, orjson exact)."""
        return [stored_body(packed) for packed in _window(self._state.journal, after, limit)]

    def stream_versions(self, stream_type: str, *, upto: int) -> dict[str, int]:
        """The last version of each stream of ``stream_type`` among entries up to ``upto``."""
        versions: dict[str, int] = {}
        for packed in itertools.islice(self._state.journal, max(upto, 0)):
            if packed[1] == stream_type:
                versions[packed[2]] = packed[3]
        return versions

    def erase_personal(self, stream_type: str, stream_id: str) -> int:
        erased = 0
        for entry in self.stream(stream_type, stream_id):
            if entry.personal is not None:
                # Applied at commit, so a unit of work that fails erases nothing.
                self.erased.append(entry.sequence)
                erased += 1
        return erased
