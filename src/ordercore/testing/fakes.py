"""Fakes for tests: a recording notifier and a minimal aggregate."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

import attrs

from ordercore.desk.commands import CommandContext
from ordercore.hookspecs import hookimpl
from ordercore.notifications import ANY_CHANNEL, Notification, Notifier
from ordercore.storage.ports import AggregateKind

__all__ = ["COUNTERS", "Counter", "CounterIncremented", "RecordingNotifier", "increment"]


class NotifierFailure(RuntimeError):
    """Raised by a :class:`RecordingNotifier` told to fail."""


class RecordingNotifier:
    """A notifier plugin that keeps every notification it receives.

    Args:
        name: Its registration name.
        channels: Channels it serves (all by default).
        fail_first: How many delivery attempts fail before it starts accepting.
        on_send: Called with each accepted notification (for example to call back into a desk).

    Attributes:
        received: Accepted notifications, in order.
        attempts: Every attempt, failed ones included.
    """

    def __init__(
        self,
        name: str = "recording",
        *,
        channels: Iterable[str] = (ANY_CHANNEL,),
        fail_first: int = 0,
        on_send: Callable[[Notification], None] | None = None,
    ) -> None:
        self.plugin_name = f"recording-notifier-{name}"
        self.name = name
        self.channels = tuple(channels)
        self.fail_first = fail_first
        self.on_send = on_send
        self.received: list[Notification] = []
        self.attempts: list[Notification] = []
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> None:
        """Record ``notification``; fail while ``fail_first`` attempts remain."""
        with self._lock:
            self.attempts.append(notification)
            if len(self.attempts) <= self.fail_first:
                raise NotifierFailure(f"planned failure {len(self.attempts)} of {self.fail_first}")
            self.received.append(notification)
        if self.on_send is not None:
            self.on_send(notification)

    @hookimpl
    def ordercore_notifiers(self) -> Iterable[Notifier]:
        """Register this notifier."""
        return [Notifier(self.name, channels=self.channels, send=self.send)]


@attrs.frozen(slots=True)
class Counter:
    """The smallest possible aggregate, for storage and desk tests."""

    id: str
    version: int = 1
    value: int = 0


@attrs.frozen(slots=True)
class CounterIncremented:
    """The event a counter increment journals."""

    by: int
    value: int


COUNTERS: AggregateKind[Counter] = AggregateKind("counter", Counter)
"""The aggregate kind of :class:`Counter`."""


def increment(counter_id: str, by: int = 1) -> Callable[[CommandContext], Counter]:
    """Return a desk command handler that adds ``by`` to a counter (creating it at 0)."""

    def handler(ctx: CommandContext) -> Counter:
        repository = ctx.uow.aggregates(COUNTERS)
        current = repository.find(counter_id)
        expected = 0 if current is None else current.version
        value = (0 if current is None else current.value) + by
        updated = Counter(counter_id, expected + 1, value)
        repository.save(updated, expected_version=expected)
        ctx.record("counter", counter_id, updated.version, CounterIncremented(by, value))
        return updated

    return handler
