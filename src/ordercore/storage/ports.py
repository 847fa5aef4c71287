"""The storage port: what the desk needs from any backend.

A :class:`Storage` opens :class:`UnitOfWork` objects. A unit of work is a context manager that
commits on a clean exit and rolls back, leaving no trace, when the block raises. Inside it the desk
reaches versioned aggregates (through :meth:`UnitOfWork.aggregates`), the hash-chained
:class:`JournalRepository`, the :class:`OutboxRepository` and the :class:`IdempotencyStore`.

Writes carry the version the writer read (compare-and-swap); a mismatch raises
:class:`~ordercore.errors.ConcurrencyConflict`. A backend may serialise writers (the memory and
SQLite backends do) but must never hold a unit of work open while it calls back into the host.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from ordercore._replace import replace
from ordercore.audit.journal import EntryDraft, EventFields, JournalEntry, JournalHead, StoredBody
from ordercore.errors import StorageError, ValidationError
from ordercore.kinds import A, Aggregate, AggregateKind, CatchUp, JournalStream, Replay
from ordercore.serialization import JSONValue

if TYPE_CHECKING:
    pass

__all__ = [
    "A",
    "Aggregate",
    "AggregateGenerations",
    "AggregateKind",
    "AggregateRepository",
    "CatchUp",
    "EventAppender",
    "IdempotencyPurge",
    "IdempotencyRecord",
    "IdempotencyStore",
    "JournalRepository",
    "JournalStream",
    "OutboxMessage",
    "OutboxPurge",
    "OutboxRepository",
    "OutboxRequeue",
    "OutboxStatus",
    "PersonalDataEraser",
    "Replay",
    "Sighting",
    "SightingsIndex",
    "SightingsRepository",
    "Storage",
    "StorageBackend",
    "StoredBodies",
    "StreamVersionIndex",
    "UnitOfWork",
]


class AggregateRepository(Protocol[A]):
    """Versioned aggregates of one kind inside a unit of work (reads see its own writes)."""

    def get(self, aggregate_id: str) -> A:
        """Return the aggregate; raise :class:`~ordercore.errors.NotFound` if absent."""
        ...

    def find(self, aggregate_id: str) -> A | None:
        """Return the aggregate or ``None``."""
        ...

    def save(self, item: A, *, expected_version: int) -> None:
        """Store ``item`` if the stored version equals ``expected_version`` (0: must be new).

        Raises:
            ConcurrencyConflict: If the stored version differs.
            ValidationError: If ``item.version`` is not greater than ``expected_version``.
        """
        ...

    def scan(self) -> Iterator[A]:
        """Iterate over every aggregate of this kind (order unspecified)."""
        ...

    def count(self) -> int:
        """Return how many aggregates of this kind are stored."""
        ...


class JournalRepository(Protocol):
    """The hash-chained journal. Appends are sealed at once and become visible on commit."""

    def append(self, draft: EntryDraft) -> JournalEntry:
        """Seal ``draft`` as the next entry and return it.

        Raises:
            ValidationError: If the payload is not canonical JSON (for example, holds a float).
        """
        ...

    def read(self, *, after: int = 0, limit: int | None = None) -> Iterator[JournalEntry]:
        """Iterate over entries with a sequence greater than ``after``, oldest first."""
        ...

    def stream(self, stream_type: str, stream_id: str) -> list[JournalEntry]:
        """Return one aggregate's entries in order."""
        ...

    def head(self) -> JournalHead:
        """Return the newest entry's sequence and digest (``0`` and the genesis hash if empty)."""
        ...


@runtime_checkable
class PersonalDataEraser(Protocol):
    """A journal that can erase the personal data of one stream's entries (optional capability).

    Erasing drops each entry's :class:`~ordercore.audit.journal.PersonalData` and keeps its
    digest, so the hash chain still verifies (see :func:`~ordercore.audit.journal.redact`).
    ``desk.customers.anonymize`` needs it; a backend without it refuses anonymization.
    """

    def erase_personal(self, stream_type: str, stream_id: str) -> int:
        """Erase the personal data of every entry of the stream, on commit.

        Returns:
            How many entries held personal data.
        """
        ...


@runtime_checkable
class StoredBodies(Protocol):
    """A journal that can hand out entries as the canonical bytes it stores (optional).

    The desk then verifies the hash chain with :func:`~ordercore.audit.journal.verify_bodies`
    over those bytes instead of reading every entry back and re-hashing it.
    """

    def stored_bodies(self, *, after: int = 0, limit: int | None = None) -> list[StoredBody]:
        """Committed entries with a sequence above ``after`` (at most ``limit``), oldest first."""
        ...


@runtime_checkable
class AggregateGenerations(Protocol):
    """A unit of work that can tell whether a kind of aggregate changed (optional capability).

    The desk keeps what it derives from rarely changing aggregates (the stock locations,
    sorted by priority) and reuses it while the kind's generation stays the same, instead of
    reading them all in every command.
    """

    def generation(self, kind: AggregateKind[Any]) -> int | None:
        """A number that changes whenever an aggregate of ``kind`` is committed, by anyone.

        Returns:
            The kind's generation as this unit of work sees it, or ``None`` when it cannot say
            (for example, because this unit of work has written such an aggregate itself).
        """
        ...


@runtime_checkable
class EventAppender(Protocol):
    """A journal that appends an entry from its fields and hands nothing back (optional).

    The desk's commands journal every event through it when a backend offers it: no
    :class:`~ordercore.audit.journal.EntryDraft` or
    :class:`~ordercore.audit.journal.JournalEntry` object is made, which is a sizeable part of a
    short command's time. The entry must be exactly the one ``append`` would seal from the same
    fields (:func:`~ordercore.audit.journal.seal_fields` does the sealing).
    """

    def append_event(self, fields: EventFields) -> None:
        """Seal and append the next entry.

        The caller has checked the fields as :class:`~ordercore.audit.journal.EntryDraft`
        would (:func:`~ordercore.audit.journal.draft_fields_are_plain`) and the payload with
        :func:`~ordercore.serialization.ensure_json_ready` (or knows it can only be JSON).
        """
        ...


@runtime_checkable
class StreamVersionIndex(Protocol):
    """A journal that can say each stream's last version without reading entries (optional).

    Audit sweeps compare every stored order's version with its journal; without this
    capability they read every entry to find out.
    """

    def stream_versions(self, stream_type: str, *, upto: int) -> dict[str, int]:
        """The last version of each stream of ``stream_type`` among the entries up to ``upto``."""
        ...


Sighting = tuple[str, int]
"""One sighting: the id of the record seen and when, in microseconds since the epoch (UTC)."""


class SightingsRepository(Protocol):
    """Which records were seen under a key, and when: rows added, never rewritten.

    The review remembers every order under each identity of its buyer (a salted digest) and asks,
    for a new order, which recent orders share one. A key's sightings are ordered newest first:
    by time, then by record id. A sighting is the triple (key, record id, time); adding one that
    is already there changes nothing.
    """

    def add(self, keys: Collection[str], record_id: str, at_us: int) -> None:
        """Remember that ``record_id`` was seen under each of ``keys`` at ``at_us``.

        Raises:
            ValidationError: ``field="keys"`` for a single string or a key that is not a
                non-empty str, ``"record_id"`` likewise, ``"at_us"`` for anything but an int
                that fits 64 bits; nothing is added then.
        """
        ...

    def newest(self, key: str, *, limit: int) -> list[Sighting]:
        """Up to ``limit`` sightings under ``key``, newest first.

        Raises:
            ValidationError: ``field="limit"`` for anything but an int of at least 0.
        """
        ...

    def forget(self, key: str, sightings: Collection[Sighting]) -> int:
        """Drop these sightings of ``key``; return how many there were."""
        ...


@runtime_checkable
class SightingsIndex(Protocol):
    """A unit of work that keeps sightings (optional).

    Without it the review keeps one aggregate per key, which every order under that key reads
    and writes back whole: a busy key (an address many orders ship to) is rewritten with all its
    sightings each time, and units of work of several processes placing orders under it conflict
    on its version. With it, each order adds one small row per key.
    """

    @property
    def sightings(self) -> SightingsRepository:
        """The sightings."""
        ...


class OutboxStatus(enum.Enum):
    """Where an outbox message is in its life."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@attrs.frozen(slots=True)
class OutboxMessage:
    """A message to deliver after commit: a notification or a committed-event callback.

    Attributes:
        id: Stable message id; a retried delivery carries the same id.
        destination: ``"notifier:<name>"`` or ``"hook:event_committed"``.
        topic: Template name for notifications (``"order_confirmed"``), event type for events.
        payload: JSON-ready data for the destination.
        created_at: When the unit of work that wrote it ran.
        next_attempt_at: Not delivered before this time.
        status: Pending, delivered, or dead (gave up after the configured attempts).
        attempts: Deliveries tried so far.
        claimed_until: A dispatcher holds the message until then (a lease, not a lock).
        last_error: The last delivery error, for the operator.
        delivered_at: When it was delivered.
    """

    id: str
    destination: str
    topic: str
    payload: dict[str, JSONValue]
    created_at: datetime
    next_attempt_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    claimed_until: datetime | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None

    def delivered(self, at: datetime) -> OutboxMessage:
        """This message after a successful attempt at ``at``: delivered, its claim released."""
        return replace(
            self,
            status=OutboxStatus.DELIVERED,
            attempts=self.attempts + 1,
            delivered_at=at,
            claimed_until=None,
            last_error=None,
        )

    def requeued(self, at: datetime) -> OutboxMessage:
        """This dead message put back in the queue: pending, due at ``at``, no attempts yet.

        Its last error stays until the next attempt, so the operator still sees why it died.

        Raises:
            StorageError: If the message is not dead.
        """
        if self.status is not OutboxStatus.DEAD:
            raise StorageError(f"outbox message {self.id!r} is {self.status.value}, not dead")
        return replace(
            self, status=OutboxStatus.PENDING, attempts=0, next_attempt_at=at, claimed_until=None
        )

    def failed(self, error: str, next_attempt_at: datetime, *, dead: bool) -> OutboxMessage:
        """This message after a failed attempt: due again at ``next_attempt_at``, or dead."""
        return replace(
            self,
            status=OutboxStatus.DEAD if dead else OutboxStatus.PENDING,
            attempts=self.attempts + 1,
            next_attempt_at=next_attempt_at,
            claimed_until=None,
            last_error=error,
        )


class OutboxRepository(Protocol):
    """Messages written with state in one unit of work and delivered after commit."""

    def put(self, message: OutboxMessage) -> None:
        """Add a new pending message."""
        ...

    def claim_due(self, now: datetime, *, limit: int, lease: timedelta) -> list[OutboxMessage]:
        """Lease up to ``limit`` pending messages due at ``now`` that no one else holds.

        Returns the claimed messages, oldest first, with ``claimed_until`` set.
        """
        ...

    def mark_delivered(self, message_id: str, at: datetime) -> None:
        """Record a delivery (counts as an attempt)."""
        ...

    def mark_failed(
        self, message_id: str, *, error: str, next_attempt_at: datetime, dead: bool
    ) -> None:
        """Record a failed attempt; ``dead`` stops further retries."""
        ...

    def get(self, message_id: str) -> OutboxMessage:
        """Return one message; raise :class:`~ordercore.errors.NotFound` if absent."""
        ...

    def list(self, status: OutboxStatus | None = None) -> list[OutboxMessage]:
        """Return messages (all, or those in ``status``), oldest first."""
        ...


@runtime_checkable
class OutboxPurge(Protocol):
    """An outbox that can delete delivered messages (optional capability).

    ``desk.retention.purge`` uses it to keep the outbox from growing without end; messages still
    pending and dead messages (an operator's to look at) are never deleted by it.
    """

    def purge_delivered(self, before: datetime, *, limit: int) -> int:
        """Delete, on commit, up to ``limit`` of the messages delivered before ``before``.

        Returns:
            How many messages the unit of work deletes.
        """
        ...


@runtime_checkable
class OutboxRequeue(Protocol):
    """An outbox that can put a dead message back in the queue (optional capability).

    ``desk.outbox.requeue`` uses it once an operator has fixed what made deliveries fail.
    """

    def requeue(self, message_id: str, at: datetime) -> OutboxMessage:
        """Make a dead message pending again (see :meth:`OutboxMessage.requeued`).

        Returns:
            The message as it is now stored.

        Raises:
            NotFound: If there is no such message.
            StorageError: If the message is not dead.
        """
        ...


@attrs.frozen(slots=True)
class IdempotencyRecord:
    """The remembered outcome of a command sent with an idempotency key."""

    key: str
    action: str
    fingerprint: str
    result: JSONValue
    created_at: datetime


class IdempotencyStore(Protocol):
    """Remembers commands by idempotency key, in the same unit of work as their effects."""

    def get(self, key: str) -> IdempotencyRecord | None:
        """Return the record for ``key`` or ``None``."""
        ...

    def put(self, record: IdempotencyRecord) -> None:
        """Store a new record; raise :class:`~ordercore.errors.StorageError` if the key exists."""
        ...


@runtime_checkable
class IdempotencyPurge(Protocol):
    """An idempotency store that can forget old records (optional capability).

    A key whose record is forgotten is new again: a request repeated with it runs again.
    """

    def purge(self, before: datetime, *, limit: int) -> int:
        """Delete, on commit, up to ``limit`` of the records created before ``before``.

        Returns:
            How many records the unit of work deletes.
        """
        ...


class UnitOfWork(Protocol):
    """One atomic set of reads and writes. Commits on clean exit; rolls back on error."""

    @property
    def journal(self) -> JournalRepository:
        """The audit journal."""
        ...

    @property
    def outbox(self) -> OutboxRepository:
        """The outbox."""
        ...

    @property
    def idempotency(self) -> IdempotencyStore:
        """The idempotency store."""
        ...

    def aggregates(self, kind: AggregateKind[A]) -> AggregateRepository[A]:
        """Return the repository for one kind of aggregate."""
        ...


@runtime_checkable
class Storage(Protocol):
    """A storage backend instance, opened from a URL."""

    @property
    def url(self) -> str:
        """The URL it was opened with (credentials masked)."""
        ...

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        """Open a unit of work; use it in a ``with`` block."""
        ...

    def close(self) -> None:
        """Release the backend's resources."""
        ...


def _check_scheme(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not value or not value.isascii() or not value.replace("+", "").replace("-", "").isalnum():
        raise ValidationError("scheme", "a URL scheme such as 'memory' or 'sqlite'")


def _check_callable(_: Any, attribute: Any, value: Any) -> None:
    if not callable(value):
        raise ValidationError(attribute.name, "must be callable")


@attrs.frozen(slots=True)
class StorageBackend:
    """Registration of a storage backend, returned by ``ordercore_storage_backends``.

    Attributes:
        scheme: The URL scheme it serves (``"memory"`` for ``memory://``).
        open: Called with the whole URL; returns a :class:`Storage`.
        description: One line for ``ordercore plugins``.
    """

    scheme: str = attrs.field(validator=_check_scheme)
    open: Callable[[str], Storage] = attrs.field(validator=_check_callable)
    description: str = ""
