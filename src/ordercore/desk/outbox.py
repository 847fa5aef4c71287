"""Delivery of outbox messages after commit, with retries.

The dispatcher leases due messages in one short unit of work, delivers them with no unit of
work open (so a notifier may call back into the desk), then records each outcome in another
short unit of work. A failed delivery stays pending with its attempt count, last error and
next-try time; after the policy's last attempt it is marked dead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import attrs

from ordercore.actors import Actor
from ordercore.desk._receipts import DeliveryReceipts, Receipt
from ordercore.desk.commands import (
    EVENT_DESTINATION_PREFIX,
    NOTIFIER_DESTINATION_PREFIX,
    CommandContext,
)
from ordercore.desk.config import OutboxPolicy
from ordercore.errors import StorageError, ValidationError
from ordercore.events import CommittedEvent
from ordercore.notifications import Notification
from ordercore.storage.ports import (
    OutboxMessage,
    OutboxRepository,
    OutboxRequeue,
    OutboxStatus,
    UnitOfWork,
)

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk

__all__ = ["REQUEUE_STREAM", "DispatchReport", "MessageRequeued", "OutboxDesk"]

REQUEUE_STREAM = "outbox_requeue"

_MAX_ROUNDS = 1000  # a notifier that queues a message per delivery must not spin forever
_ERROR_LIMIT = 500


@attrs.frozen(slots=True)
class DispatchReport:
    """What one :meth:`OutboxDesk.dispatch` call did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(
            self.delivered + other.delivered, self.retried + other.retried, self.dead + other.dead
        )


@attrs.frozen(slots=True)
class MessageRequeued:
    """Journaled when an operator puts a dead message back in the queue."""

    message_id: str
    destination: str
    topic: str
    attempts: int
    last_error: str | None


class OutboxDesk:
    """The outbox of a desk: deliver due messages and inspect what is pending or dead.

    Reached as ``desk.outbox``.
    """

    def __init__(self, desk: OrderDesk, policy: OutboxPolicy) -> None:
        self._desk = desk
        self._storage = desk.storage
        self._plugins = desk.plugins
        self._notifiers = desk.plugins.notifiers()
        self._clock = desk.clock
        self._policy = policy
        self._converter = desk.converter
        self._local = threading.local()
        self._receipts = (
            DeliveryReceipts(self._storage, policy.receipt_delay)
            if policy.receipt_delay > timedelta(0)
            else None
        )

    def dispatch(self) -> DispatchReport:
        """Deliver every message that is due now; return what happened.

        Called by the desk after each commit that wrote messages, and by hosts from a worker or
        a schedule to retry failures. A call made from inside a delivery (a notifier that runs a
        desk command) returns at once: the outer call goes on to deliver the new messages.
        """
        if self.delivering():
            self._local.deferred = True
            return DispatchReport()
        self.flush_receipts()
        self._local.active = True
        try:
            report = DispatchReport()
            for _ in range(_MAX_ROUNDS):
                now = self._clock.now()
                with self._storage.unit_of_work() as uow:
                    batch = uow.outbox.claim_due(
                        now, limit=self._policy.batch_size, lease=self._policy.lease
                    )
                if not batch:
                    break
                self._local.deferred = False
                outcomes = [(message, self._deliver(message)) for message in batch]
                report = report + self._record(outcomes)
                if len(batch) < self._policy.batch_size and not self._local.deferred:
                    # A short batch took everything that was due, and no delivery wrote new
                    # messages whose dispatch it left to this loop: another round finds nothing.
                    break
            return report
        finally:
            self._local.active = False

    def delivering(self) -> bool:
        """Whether this thread is inside a delivery (a notifier calling back into the desk)."""
        return bool(getattr(self._local, "active", False))

    def deliver_committed(self, messages: Sequence[OutboxMessage]) -> DispatchReport:
        """Deliver messages a command has just committed, already claimed by it.

        Saves the claiming round trip of :meth:`dispatch`; anything the deliveries themselves
        queued (a notifier that runs a command) is dispatched afterwards in the usual way.
        """
        local = self._local
        if getattr(local, "active", False):
            local.deferred = True
            return DispatchReport()
        local.active = True
        local.deferred = False
        try:
            outcomes = [(message, self._deliver(message)) for message in messages]
            report = self._hold_or_record(outcomes)
        finally:
            local.active = False
        if local.deferred:
            report = report + self.dispatch()
        return report

    def _deliver(self, message: OutboxMessage) -> str | None:
        """Deliver one message; return the error text, or ``None`` on success."""
        try:
            self._send(message)
        except Exception as exc:  # any failure of a host's adapter means "try again later"
            return f"{type(exc).__name__}: {exc}"[:_ERROR_LIMIT]
        return None

    def _send(self, message: OutboxMessage) -> None:
        destination = message.destination
        if destination.startswith(NOTIFIER_DESTINATION_PREFIX):
            name = destination.removeprefix(NOTIFIER_DESTINATION_PREFIX)
            notifier = self._notifiers.get(name)
            if notifier is None:
                raise LookupError(f"notifier {name!r} is not registered")
            payload = message.payload
            notification = Notification(
                message_id=message.id,
                template=message.topic,
                channel=str(payload["channel"]),
                recipient=str(payload["recipient"]),
                data=payload["data"] if isinstance(payload["data"], dict) else {},
                created_at=message.created_at,
                attempt=message.attempts + 1,
            )
            notifier.send(notification)
            return
        if destination.startswith(EVENT_DESTINATION_PREFIX):
            listener = destination.removeprefix(EVENT_DESTINATION_PREFIX)
            self._plugins.deliver_event(listener, CommittedEvent.from_json(message.payload))
            return
        raise LookupError(f"unknown outbox destination {destination!r}")

    def flush_receipts(self) -> None:
        """Record now the deliveries the desk holds back for a later unit of work.

        See :attr:`~ordercore.desk.config.OutboxPolicy.receipt_delay`. The desk does this
        itself before listing or dispatching messages and when it is closed.
        """
        if self._receipts is not None:
            self._receipts.flush()

    def write_receipts(self, uow: UnitOfWork) -> Sequence[Receipt]:
        """Record the held deliveries in a command's unit of work; return them.

        For the desk's commands: on a rollback they go back with :meth:`give_back_receipts`.
        """
        if self._receipts is None:
            return ()
        return self._receipts.write_into(uow)

    def give_back_receipts(self, receipts: Sequence[Receipt]) -> None:
        """Hold again receipts whose unit of work rolled back."""
        if self._receipts is not None:
            self._receipts.give_back(receipts)

    def close(self) -> None:
        """Record the held deliveries and stop the timer; called by ``desk.close()``."""
        if self._receipts is not None:
            self._receipts.close()

    def _hold_or_record(self, outcomes: list[tuple[OutboxMessage, str | None]]) -> DispatchReport:
        """After-commit deliveries: held for a later unit of work when all went through."""
        receipts = self._receipts
        if receipts is None or receipts.closed:
            return self._record(outcomes)
        for _, error in outcomes:
            if error is not None:
                return self._record(outcomes)
        now = self._clock.now()
        receipts.hold([(message.id, now) for message, _ in outcomes])
        return DispatchReport(delivered=len(outcomes))

    def _record(self, outcomes: list[tuple[OutboxMessage, str | None]]) -> DispatchReport:
        delivered = retried = dead = 0
        now = self._clock.now()
        with self._storage.unit_of_work() as uow:
            for message, error in outcomes:
                if error is None:
                    uow.outbox.mark_delivered(message.id, now)
                    delivered += 1
                    continue
                attempts = message.attempts + 1
                give_up = attempts >= self._policy.max_attempts
                uow.outbox.mark_failed(
                    message.id,
                    error=error,
                    next_attempt_at=now + self._policy.backoff(attempts),
                    dead=give_up,
                )
                if give_up:
                    dead += 1
                else:
                    retried += 1
        return DispatchReport(delivered, retried, dead)

    def pending(self) -> list[OutboxMessage]:
        """Messages not yet delivered (including those waiting for a retry)."""
        return self._list(OutboxStatus.PENDING)

    def dead(self) -> list[OutboxMessage]:
        """Messages given up after the last attempt, for an operator to look at."""
        return self._list(OutboxStatus.DEAD)

    def delivered(self) -> list[OutboxMessage]:
        """Messages delivered."""
        return self._list(OutboxStatus.DELIVERED)

    def requeue(self, message_id: str, *, actor: Actor, reason: str) -> OutboxMessage:
        """Put one dead message back in the queue, due now, its attempts counted from zero.

        For after the cause of the failures is fixed. The message keeps its id, so a receiver
        that did get an earlier attempt can still drop the repeat. The requeue is journaled with
        the reason; with ``dispatch_after_commit`` the message is tried at once.

        Raises:
            PermissionDenied: If a policy refuses the actor ``outbox.requeue``.
            NotFound: If there is no such message.
            ValidationError: If the message is not dead, or the reason is missing.
            StorageError: If the storage backend cannot requeue (no ``OutboxRequeue``).
        """
        (message,) = self._requeue(actor, reason, lambda _outbox: [message_id], message_id)
        return message

    def requeue_dead(
        self, *, actor: Actor, reason: str, destination: str | None = None
    ) -> list[OutboxMessage]:
        """Put every dead message (or every one for ``destination``) back in the queue.

        Returns:
            The requeued messages, oldest first (none if nothing was dead).

        Raises:
            PermissionDenied: If a policy refuses the actor ``outbox.requeue``.
            ValidationError: If the reason is missing.
            StorageError: If the storage backend cannot requeue (no ``OutboxRequeue``).
        """

        def every(outbox: OutboxRepository) -> list[str]:
            return [
                message.id
                for message in outbox.list(OutboxStatus.DEAD)
                if destination is None or message.destination == destination
            ]

        return self._requeue(actor, reason, every, destination or "*")

    def _requeue(
        self,
        actor: Actor,
        reason: str,
        choose: Callable[[OutboxRepository], list[str]],
        subject: str,
    ) -> list[OutboxMessage]:
        desk = self._desk

        def handler(ctx: CommandContext) -> list[OutboxMessage]:
            # Checked here, after authorization, as every command's input is.
            if not isinstance(reason, str) or not reason.strip():
                raise ValidationError("reason", "a reason is required")
            outbox = ctx.uow.outbox
            if not isinstance(outbox, OutboxRequeue):
                raise StorageError(
                    "this storage backend cannot requeue outbox messages (no OutboxRequeue)"
                )

            def dead(message_id: str) -> OutboxMessage:
                message = outbox.get(message_id)
                if message.status is not OutboxStatus.DEAD:
                    raise ValidationError(
                        "message_id",
                        f"message {message_id!r} is {message.status.value}; "
                        "only dead messages can be requeued",
                    )
                event = MessageRequeued(
                    message.id,
                    message.destination,
                    message.topic,
                    message.attempts,
                    message.last_error,
                )
                ctx.record(REQUEUE_STREAM, ctx.ids.new_id("requeue"), 1, event, reason=reason)
                return outbox.requeue(message_id, ctx.now)

            return [dead(message_id) for message_id in choose(outbox)]

        requeued = desk.execute(handler, action="outbox.requeue", actor=actor, subject=subject)
        if requeued and desk.config.dispatch_after_commit and not self.delivering():
            self.dispatch()
        return requeued

    def _list(self, status: OutboxStatus) -> list[OutboxMessage]:
        self.flush_receipts()
        with self._storage.unit_of_work() as uow:
            return uow.outbox.list(status)
