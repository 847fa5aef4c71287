"""What a command handler gets: the unit of work and the means to journal and notify.

A handler is a function ``handler(ctx: CommandContext) -> result``. It loads aggregates through
``ctx.uow``, asks the domain to decide, saves the new state, and calls :meth:`CommandContext.record`
for each event and :meth:`CommandContext.notify` for each message. Everything it writes commits
together or not at all; notifications and event callbacks go out only after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import cattrs

from ordercore._json_types import JsonOnlyTypes
from ordercore.actors import Actor
from ordercore.audit.journal import (
    EntryDraft,
    EventFields,
    PersonalData,
    draft_fields_are_plain,
)
from ordercore.errors import ValidationError
from ordercore.events import CommittedEvent
from ordercore.ids import IdFactory
from ordercore.notifications import Notifier
from ordercore.serialization import JSONValue, ensure_json_ready
from ordercore.storage.ports import OutboxMessage, UnitOfWork

__all__ = [
    "EVENT_DESTINATION_PREFIX",
    "NOTIFIER_DESTINATION_PREFIX",
    "CommandContext",
    "EventClasses",
]

NOTIFIER_DESTINATION_PREFIX = "notifier:"
EVENT_DESTINATION_PREFIX = "hook:event_committed:"


EventFacts = tuple[str, tuple[str, ...], bool, Callable[[Any], Any]]


class EventClasses:
    """What the journal needs to know of an event class, worked out once per class.

    The event type, the dotted paths of personal data, whether the payload needs no
    value-by-value check (asked of the desk's :class:`~ordercore._json_types.JsonOnlyTypes`),
    and the converter's unstructure hook for the class. Reading two class attributes that most
    event classes do not have costs an exception each on every entry, and finding the hook
    costs a dispatch, so the desk keeps one of these (bounded to :attr:`LIMIT` classes).

    Args:
        json_only: Decides which classes need no payload check (``None``: every one does).
        converter: Whose hooks unstructure the events (the desk's); a hook registered for a
            class after its first entry is not seen, as with ``json_only``.
    """

    LIMIT = 4096

    def __init__(self, json_only: JsonOnlyTypes | None, converter: cattrs.Converter) -> None:
        self._json_only = json_only
        self._converter = converter
        self._known: dict[type[Any], EventFacts] = {}

    def __call__(self, cls: type[Any]) -> EventFacts:
        """``(event_type, personal_fields, payload_checked, unstructure)`` of ``cls``."""
        known = self._known.get(cls)
        if known is None:
            known = self._facts(cls)
            if len(self._known) < self.LIMIT:
                self._known[cls] = known
        return known

    def _facts(self, cls: type[Any]) -> EventFacts:
        event_type = getattr(cls, "event_type", None) or cls.__name__
        personal = tuple(getattr(cls, "personal_fields", ()))
        checked = self._json_only is not None and self._json_only(cls)
        return event_type, personal, checked, self._converter.get_unstructure_hook(cls)


class CommandContext:
    """The per-attempt context of one command; built by the desk, used by handlers.

    Attributes:
        uow: The open unit of work.
        actor: Who runs the command.
        action: The command's action name (``"order.confirm"``).
        now: The time of this attempt, read once from the desk's clock.
        correlation_id: Shared by every journal entry and event of this command: the key of an
            idempotent command, else the id of the command's first event (one id fewer to
            make per command), or a new ``cmd`` id when it is read before any event.
        ids: The desk's id factory.
        written: The outbox messages this command wrote, in order.

    ``claim_until`` claims the outbox messages the command writes until then (the desk
    delivers them itself after commit); it may be a function of ``now`` that works the time out
    when the first message is written, since most commands write none.

    ``event_classes`` (the desk's :class:`EventClasses`) tells the journal each event class's
    type name and personal fields, and whether its payloads can only be JSON (so need no
    value-by-value check); without it every payload is checked.
    """

    __slots__ = (
        "_claim_until",
        "_correlation_id",
        "_event_classes",
        "_event_listeners",
        "_notifiers",
        "action",
        "actor",
        "ids",
        "now",
        "uow",
        "written",
    )

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        now: datetime,
        correlation_id: str | None,
        ids: IdFactory,
        converter: cattrs.Converter,
        notifiers: Sequence[Notifier],
        event_listeners: Sequence[str],
        claim_until: datetime | Callable[[datetime], datetime | None] | None = None,
        event_classes: EventClasses | None = None,
    ) -> None:
        self.uow = uow
        self.actor = actor
        self.action = action
        self.now = now
        self._correlation_id = correlation_id
        self.ids = ids
        self._notifiers = notifiers
        self._event_listeners = event_listeners
        self._claim_until = claim_until
        self._event_classes = (
            EventClasses(None, converter) if event_classes is None else event_classes
        )
        self.written: list[OutboxMessage] = []

    @property
    def correlation_id(self) -> str:
        """The id shared by this command's journal entries (see the class attributes)."""
        correlation_id = self._correlation_id
        if correlation_id is None:
            correlation_id = self._correlation_id = self.ids.new_id("cmd")
        return correlation_id

    def record(
        self,
        stream_type: str,
        stream_id: str,
        version: int,
        event: object,
        *,
        reason: str | None = None,
    ) -> None:
        """Journal one domain event and queue it for ``ordercore_event_committed`` listeners.

        Args:
            stream_type: The aggregate kind (``"order"``).
            stream_id: The aggregate id.
            version: The aggregate's version after the event.
            event: An attrs event instance; its class name (or ``event_type`` class attribute)
                is the event type and its unstructured fields are the payload.
            reason: Why, when the command gave a reason.

        Raises:
            ValidationError: For an empty stream type or id, or a payload that is not JSON.
        """
        event_type, paths, checked, unstructure = self._event_classes(type(event))
        payload = unstructure(event)
        if not isinstance(payload, dict):
            raise ValidationError("event", f"{event_type} must unstructure to an object")
        personal = _split_personal(payload, paths) if paths else None
        event_id = self.ids.new_id("evt")
        correlation_id = self._correlation_id
        if correlation_id is None:
            correlation_id = self._correlation_id = event_id
        actor = self.actor.id
        fields = EventFields(
            event_id,
            stream_type,
            stream_id,
            version,
            event_type,
            payload,
            actor,
            self.now,
            reason,
            correlation_id,
            None if personal is None else PersonalData.of(personal),
        )
        journal = self.uow.journal
        # What isinstance(journal, EventAppender) would check (a runtime protocol checks only
        # that the method is there), for the price of one attribute lookup.
        append_event = getattr(journal, "append_event", None)
        if append_event is not None and draft_fields_are_plain(
            event_id,
            stream_type,
            stream_id,
            event_type,
            actor,
            self.now,
            reason,
            correlation_id,
        ):
            if not checked:
                ensure_json_ready(payload, "payload")
            append_event(fields)
        else:
            # The draft checks (and converts or refuses) what the fast path could not take.
            journal.append(EntryDraft.of(*fields, checked))
        if self._event_listeners:
            committed = CommittedEvent(
                event_id=event_id,
                stream_type=stream_type,
                stream_id=stream_id,
                version=version,
                event_type=event_type,
                payload=payload,
                actor=actor,
                recorded_at=self.now,
                reason=reason,
                correlation_id=correlation_id,
                personal=personal,
            )
            body = committed.to_json()
            for listener in self._event_listeners:
                self._put(EVENT_DESTINATION_PREFIX + listener, event_type, body)

    def notify(
        self,
        template: str,
        *,
        channel: str,
        recipient: str,
        data: Mapping[str, JSONValue] | None = None,
    ) -> int:
        """Queue a notification for every notifier that serves ``channel``.

        Args:
            template: What to say (``"order_confirmed"``).
            channel: How (``"email"``, ``"sms"``, ...).
            recipient: To whom (an address or number; personal data, masked in logs).
            data: Values for the template (JSON-ready).

        Returns:
            How many outbox messages were written (one per serving notifier).
        """
        if not template or not channel:
            raise ValidationError("template" if not template else "channel", "must not be empty")
        payload: dict[str, JSONValue] = {
            "channel": channel,
            "recipient": recipient,
            "data": dict(data or {}),
        }
        written = 0
        for notifier in self._notifiers:
            if notifier.serves(channel):
                self._put(NOTIFIER_DESTINATION_PREFIX + notifier.name, template, payload)
                written += 1
        return written

    def _put(self, destination: str, topic: str, payload: dict[str, Any]) -> None:
        # Written already claimed when the desk delivers right after commit, so that a worker
        # dispatching at the same time leaves it alone; if this process dies first, the claim
        # runs out and a worker delivers it.
        message = OutboxMessage(
            id=self.ids.new_id("msg"),
            destination=destination,
            topic=topic,
            payload=payload,
            created_at=self.now,
            next_attempt_at=self.now,
            claimed_until=self._claimed_until(),
        )
        self.uow.outbox.put(message)
        self.written.append(message)

    def _claimed_until(self) -> datetime | None:
        claim = self._claim_until
        if claim is None or isinstance(claim, datetime):
            return claim
        self._claim_until = claim(self.now)
        return self._claim_until


def _split_personal(
    payload: dict[str, JSONValue], paths: Sequence[str]
) -> dict[str, JSONValue] | None:
    """Move the values at dotted ``paths`` out of ``payload``; return them keyed by path."""
    if not paths:
        return None
    personal: dict[str, JSONValue] = {}
    for path in paths:
        *parents, leaf = path.split(".")
        node: JSONValue = payload
        for key in parents:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and leaf in node:
            personal[path] = node.pop(leaf)
    return personal
