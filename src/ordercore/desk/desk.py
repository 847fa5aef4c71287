"""The OrderDesk: the one place that runs commands against storage and plugins.

Every command goes the same way: authorize the actor (no state touched yet) → open a unit of
work → replay a remembered result for a known idempotency key → run the handler, which loads,
decides, saves, journals and queues messages → commit → deliver the outbox. A concurrent change
(:class:`~ordercore.errors.ConcurrencyConflict`) reruns the whole attempt a bounded number of
times. No unit of work is open while a plugin runs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import TypeVar, overload

import cattrs

from ordercore._json_types import JsonOnlyTypes
from ordercore.actors import Actor
from ordercore.clock import Clock, SystemClock
from ordercore.desk._receipts import Receipt
from ordercore.desk.analytics import AnalyticsDesk
from ordercore.desk.audit import AuditDesk
from ordercore.desk.authorization import RolePolicy
from ordercore.desk.commands import CommandContext, EventClasses
from ordercore.desk.config import DeskConfig
from ordercore.desk.customers import CustomersDesk, with_tier_exemptions
from ordercore.desk.idempotency import check_idempotency_key, request_fingerprint
from ordercore.desk.inventory import InventoryDesk
from ordercore.desk.orders import OrdersDesk
from ordercore.desk.outbox import OutboxDesk
from ordercore.desk.retention import RetentionDesk
from ordercore.desk.review import ReviewDesk
from ordercore.desk.shipping import ShippingDesk
from ordercore.errors import (
    ConcurrencyConflict,
    IdempotencyConflict,
    PermissionDenied,
    ValidationError,
)
from ordercore.ids import IdFactory, SortableIds
from ordercore.plugins import PluginManager, make_plugin_manager
from ordercore.serialization import JSONValue, make_converter, structure
from ordercore.storage.ports import IdempotencyRecord, OutboxMessage, Storage

__all__ = ["OrderDesk"]

R = TypeVar("R")

_RETRY_PAUSE_S = 0.001


class OrderDesk:
    """The application layer of ordercore. Open one with :meth:`OrderDesk.open`.

    Attributes:
        storage: The storage backend.
        plugins: The plugin manager (typed getters for every hook).
        clock: The clock every command reads once.
        ids: The id factory.
        config: The desk's settings.
        converter: The converter for domain values.
        outbox: Deliver and inspect outbox messages.
        audit: Read and verify the journal; plan and run audit sweeps.
        inventory: Stock per location, reservations and replenishment.
        orders: Take orders and move them through their lifecycle; tracked SKUs reserve stock
            through ``inventory``.
        review: Automatic review of incoming orders, the manual review queue.
        customers: Customer records, tiers, loyalty points, RFM segments and care reminders.
        analytics: Order and line facts for the analytics calculators.
        shipping: Shipments, labels, tracking, logistics exceptions and delivery notes.
        retention: Purge delivered outbox messages and old idempotency records.
    """

    def __init__(
        self,
        *,
        storage: Storage,
        plugins: PluginManager,
        clock: Clock,
        ids: IdFactory,
        config: DeskConfig,
    ) -> None:
        self.storage = storage
        self.plugins = plugins
        self.clock = clock
        self.ids = ids
        self.config = config
        self.converter: cattrs.Converter = make_converter()
        self._event_classes = EventClasses(JsonOnlyTypes(self.converter), self.converter)
        self._notifiers = tuple(plugins.notifiers().values())
        self._event_listeners = plugins.event_listeners()
        self._random = random.Random()  # noqa: S311 -- jitter, not security
        self.outbox = OutboxDesk(self, config.outbox)
        self.audit = AuditDesk(self)
        self.inventory = InventoryDesk(self, config.inventory)
        self.orders = OrdersDesk(self, config.orders, self.inventory.stock)
        self.customers = CustomersDesk(self, config.customers)
        self.orders.on_commit = self.customers.on_order_commit
        self.review = ReviewDesk(
            self,
            self.orders,
            with_tier_exemptions(config.review, config.customers),
            tuple(plugins.review_rules().values()),
            customers=self.customers.records,
        )
        self.analytics = AnalyticsDesk(storage)
        self.shipping = ShippingDesk(self, config.shipping)
        self.retention = RetentionDesk(self, config.retention)

    @classmethod
    def open(
        cls,
        url: str = "memory://",
        *,
        plugins: Iterable[object] = (),
        clock: Clock | None = None,
        config: DeskConfig | None = None,
        ids: IdFactory | None = None,
        entry_points: bool = True,
    ) -> OrderDesk:
        """Open a desk on the storage that ``url`` names.

        Args:
            url: ``"memory://"`` (default) or any scheme a plugin registers.
            plugins: Host plugins (objects or modules with ``@hookimpl`` functions).
            clock: Defaults to the system clock; pass a ``ManualClock`` in tests.
            config: Defaults to :class:`DeskConfig` ().
            ids: Defaults to time-sortable ids; pass ``SequentialIds()`` for readable tests.
            entry_points: Whether to load installed ``ordercore`` entry-point plugins.

        Returns:
            An open desk; use it as a context manager or call :meth:`close`.

        Raises:
            PluginError: If a host plugin is malformed or two plugins register one name.
            ValidationError: If the URL's scheme has no backend.
        """
        settings = config or DeskConfig()
        host_plugins = list(plugins)
        if settings.required_roles:
            host_plugins.insert(0, RolePolicy(settings.required_roles))
        manager = make_plugin_manager(host_plugins, entry_points=entry_points)
        storage = manager.open_storage(url)
        return cls(
            storage=storage,
            plugins=manager,
            clock=clock or SystemClock(),
            ids=ids or SortableIds(),
            config=settings,
        )

    def close(self) -> None:
        """Record the deliveries still held back, then close the storage backend."""
        try:
            self.outbox.close()
        finally:
            self.storage.close()

    def __enter__(self) -> OrderDesk:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def authorize(self, actor: Actor, action: str, subject: str = "*") -> None:
        """Raise :class:`PermissionDenied` unless every policy lets ``actor`` do ``action``."""
        if not isinstance(actor, Actor):
            raise ValidationError("actor", "every command needs an Actor")
        if not self.plugins.authorize(actor, action, subject):
            raise PermissionDenied(actor.id, action, subject)

    @overload
    def execute(
        self,
        handler: Callable[[CommandContext], R],
        *,
        action: str,
        actor: Actor,
        subject: str = "*",
        request: JSONValue = None,
        idempotency_key: None = None,
        result_type: type[R] | None = None,
    ) -> R: ...

    @overload
    def execute(
        self,
        handler: Callable[[CommandContext], R],
        *,
        action: str,
        actor: Actor,
        subject: str = "*",
        request: JSONValue = None,
        idempotency_key: str,
        result_type: type[R],
    ) -> R: ...

    def execute(
        self,
        handler: Callable[[CommandContext], R],
        *,
        action: str,
        actor: Actor,
        subject: str = "*",
        request: JSONValue = None,
        idempotency_key: str | None = None,
        result_type: type[R] | None = None,
    ) -> R:
        """Run one command as a unit of work: the desk's single entry point for writes.

        Sub-desks (``desk.orders`` and the rest) are built on this; hosts can use it for their
        own aggregates too.

        Args:
            handler: Loads, decides, saves and records through the :class:`CommandContext`;
                its return value is the command's result.
            action: Dotted action name, checked by authorization policies.
            actor: Who runs the command.
            subject: The id of the object acted on (``"*"`` for none).
            request: The command's input as JSON-ready data, fingerprinted for idempotency.
            idempotency_key: Makes the command safe to repeat: the same key and request give
                the stored result without running again.
            result_type: The result's type, needed to rebuild a stored result.

        Returns:
            The handler's result (or, for a repeated idempotency key, the stored one).

        Raises:
            PermissionDenied: A policy refused the actor; nothing was written.
            IdempotencyConflict: The key was used before for a different request.
            ConcurrencyConflict: Concurrent changes won more often than the retry budget.
        """
        self.authorize(actor, action, subject)
        return self._run_authorized(
            handler, action, actor, subject, request, idempotency_key, result_type
        )

    def _run_authorized(
        self,
        handler: Callable[[CommandContext], R],
        action: str,
        actor: Actor,
        subject: str,
        request: JSONValue,
        idempotency_key: str | None,
        result_type: type[R] | None,
    ) -> R:
        """:meth:`execute` after authorization, for sub-desks that authorize earlier."""
        request_digest: str | None = None
        if idempotency_key is not None:
            check_idempotency_key(idempotency_key)
            if result_type is None:
                raise ValidationError("result_type", "needed to replay an idempotent result")
            request_digest = request_fingerprint(action, subject, request)
        attempt = 0
        while True:
            try:
                result, written = self._attempt(
                    handler, action, actor, idempotency_key, request_digest, result_type
                )
                break
            except ConcurrencyConflict:
                attempt += 1
                if attempt > self.config.max_conflict_retries:
                    raise
                time.sleep(_RETRY_PAUSE_S * attempt * self._random.random())
        if written and self.config.dispatch_after_commit:
            self.outbox.deliver_committed(written)
        return result

    def _attempt(
        self,
        handler: Callable[[CommandContext], R],
        action: str,
        actor: Actor,
        idempotency_key: str | None,
        request_digest: str | None,
        result_type: type[R] | None,
    ) -> tuple[R, list[OutboxMessage]]:
        now = self.clock.now()
        receipts: Sequence[Receipt] = ()
        try:
            with self.storage.unit_of_work() as uow:
                if idempotency_key is not None:
                    assert result_type is not None  # checked by execute()
                    assert request_digest is not None
                    remembered = uow.idempotency.get(idempotency_key)
                    if remembered is not None:
                        if remembered.fingerprint != request_digest:
                            raise IdempotencyConflict(idempotency_key, action)
                        return structure(self.converter, remembered.result, result_type), []
                context = CommandContext(
                    uow=uow,
                    actor=actor,
                    action=action,
                    now=now,
                    correlation_id=idempotency_key,
                    ids=self.ids,
                    converter=self.converter,
                    event_classes=self._event_classes,
                    notifiers=self._notifiers,
                    event_listeners=self._event_listeners,
                    claim_until=self._claim_until,
                )
                result = handler(context)
                if idempotency_key is not None:
                    assert request_digest is not None
                    uow.idempotency.put(
                        IdempotencyRecord(
                            key=idempotency_key,
                            action=action,
                            fingerprint=request_digest,
                            result=self.converter.unstructure(result),
                            created_at=now,
                        )
                    )
                # Deliveries made after earlier commits are recorded with a command that writes
                # messages itself, whose commit changes the outbox's pages anyway (see
                # OutboxPolicy.receipt_delay); last, so that a failing command takes none.
                if context.written:
                    receipts = self.outbox.write_receipts(uow)
        except BaseException:
            self.outbox.give_back_receipts(receipts)
            raise
        return result, context.written

    def _claim_until(self, now: datetime) -> datetime | None:
        """Until when a command's messages are written claimed by this desk, if at all.

        Claimed when the desk delivers them itself right after commit, so that a worker
        dispatching at the same time leaves them alone; not from inside a delivery, whose
        messages the running dispatch takes. Asked when a command writes its first message.
        """
        if self.config.dispatch_after_commit and not self.outbox.delivering():
            return now + self.config.outbox.lease
        return None

    def __repr__(self) -> str:
        return f"OrderDesk({self.storage.url!r})"
