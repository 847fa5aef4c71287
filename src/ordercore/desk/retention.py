"""Purging what only delivery and retries needed: delivered outbox messages, old idempotency keys.

Reached as ``desk.retention``. A host runs :meth:`RetentionDesk.purge` from a schedule (daily is
plenty). Rows go in batches of ``RetentionPolicy.batch_size``, each batch its own short unit of
work, so that commands keep running between them; a purge that stops half way has deleted
only what was old enough, and the next run goes on. Each run is journaled (who, when, the
cut-offs and the counts) in a ``retention`` stream of its own; the journal itself, the
aggregates, pending and dead messages are never purged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from ordercore.actors import Actor
from ordercore.clock import ensure_aware_utc
from ordercore.desk.commands import CommandContext
from ordercore.desk.config import RetentionPolicy
from ordercore.storage.ports import IdempotencyPurge, OutboxPurge, UnitOfWork

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk

__all__ = ["RETENTION_STREAM", "PurgeReport", "RetentionDesk", "RetentionPurged"]

RETENTION_STREAM = "retention"

_OUTBOX = "delivered_messages"
_IDEMPOTENCY = "idempotency_keys"


@attrs.frozen(slots=True)
class PurgeReport:
    """What one :meth:`RetentionDesk.purge` run deleted.

    Attributes:
        delivered_messages: Delivered outbox messages deleted.
        idempotency_keys: Idempotency records deleted.
        unsupported: What the storage backend cannot purge (``"delivered_messages"``,
            ``"idempotency_keys"``): it offers no :class:`~ordercore.storage.ports.OutboxPurge`
            or :class:`~ordercore.storage.ports.IdempotencyPurge`, so those rows were kept.
    """

    delivered_messages: int = 0
    idempotency_keys: int = 0
    unsupported: tuple[str, ...] = ()


@attrs.frozen(slots=True)
class RetentionPurged:
    """Journaled once per purge run."""

    delivered_before: datetime
    keys_before: datetime
    delivered_messages: int
    idempotency_keys: int
    unsupported: tuple[str, ...]


class RetentionDesk:
    """Purges delivered outbox messages and idempotency records past the retention policy."""

    def __init__(self, desk: OrderDesk, policy: RetentionPolicy) -> None:
        self._desk = desk
        self.policy = policy

    def purge(self, *, actor: Actor, now: datetime | None = None) -> PurgeReport:
        """Delete delivered messages and idempotency records older than the policy keeps.

        Args:
            actor: Who runs the purge (checked against the ``retention.purge`` action).
            now: The time the ages are counted from; the desk's clock by default.

        Returns:
            What was deleted, and what the backend could not purge.

        Raises:
            PermissionDenied: If a policy refuses the actor; nothing is deleted.
            ValidationError: If ``now`` is not a timezone-aware datetime.
        """
        desk = self._desk
        desk.authorize(actor, "retention.purge")
        desk.outbox.flush_receipts()  # deliveries held back count as delivered when they were
        moment = desk.clock.now() if now is None else ensure_aware_utc(now, "now")
        delivered_before = moment - self.policy.delivered_messages
        keys_before = moment - self.policy.idempotency_keys
        unsupported: list[str] = []

        def outbox_batch(uow: UnitOfWork, limit: int) -> int | None:
            outbox = uow.outbox
            if not isinstance(outbox, OutboxPurge):
                return None
            return outbox.purge_delivered(delivered_before, limit=limit)

        def idempotency_batch(uow: UnitOfWork, limit: int) -> int | None:
            store = uow.idempotency
            if not isinstance(store, IdempotencyPurge):
                return None
            return store.purge(keys_before, limit=limit)

        messages = self._in_batches(outbox_batch)
        if messages is None:
            unsupported.append(_OUTBOX)
        keys = self._in_batches(idempotency_batch)
        if keys is None:
            unsupported.append(_IDEMPOTENCY)
        report = PurgeReport(messages or 0, keys or 0, tuple(unsupported))

        def record(ctx: CommandContext) -> None:
            event = RetentionPurged(
                delivered_before,
                keys_before,
                report.delivered_messages,
                report.idempotency_keys,
                report.unsupported,
            )
            ctx.record(RETENTION_STREAM, ctx.ids.new_id("purge"), 1, event)

        desk.execute(record, action="retention.purge", actor=actor)
        return report

    def _in_batches(self, batch: Callable[[UnitOfWork, int], int | None]) -> int | None:
        """Run ``batch`` in short units of work until one deletes less than a full batch."""
        size = self.policy.batch_size
        total = 0
        while True:
            with self._desk.storage.unit_of_work() as uow:
                deleted = batch(uow, size)
            if deleted is None:
                return None
            total += deleted
            if deleted < size:
                return total
