"""Notifications and the registration of notifier adapters.

The desk writes a notification to the outbox in the same unit of work as the change it reports,
once per notifier that serves its channel. After commit the outbox hands a :class:`Notification`
to the notifier's ``send``; if ``send`` raises, the message stays in the outbox and is tried again
later with the same :attr:`Notification.message_id`, so a notifier can drop duplicates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from ordercore.errors import ValidationError
from ordercore.serialization import JSONValue

__all__ = ["ANY_CHANNEL", "Notification", "Notifier"]

ANY_CHANNEL = "*"
"""A notifier that lists this channel receives notifications for every channel."""


@attrs.frozen(slots=True)
class Notification:
    """One message for one recipient, as a notifier receives it.

    Attributes:
        message_id: Stable id; a retry carries the same id, so notifiers can deduplicate.
        template: What to say (``"order_confirmed"``); the notifier owns the wording.
        channel: How to say it (``"email"``, ``"sms"``, ``"webhook"``, ...).
        recipient: Who to tell (an address, a number, a customer id), personal data.
        data: Values for the template.
        created_at: When the change that caused it was committed.
        attempt: 1 for the first delivery, 2 for the first retry, ...
    """

    message_id: str
    template: str
    channel: str
    recipient: str
    data: dict[str, JSONValue]
    created_at: datetime
    attempt: int = 1


def _check_name(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not value or not value.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise ValidationError("name", "a notifier name is a short word such as 'smtp'")


def _check_channels(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, tuple) or not value or not all(isinstance(c, str) for c in value):
        raise ValidationError("channels", "give a non-empty tuple of channel names (or '*')")


def _check_send(_: Any, __: Any, value: Any) -> None:
    if not callable(value):
        raise ValidationError("send", "must be callable with a Notification")


@attrs.frozen(slots=True)
class Notifier:
    """Registration of a notification adapter, returned by ``ordercore_notifiers``.

    Attributes:
        name: Unique name (``"smtp"``); also the outbox destination ``"notifier:<name>"``.
        channels: Channels it serves; ``("*",)`` serves every channel.
        send: Delivers one notification; raises to ask for a retry.
        description: One line for ``ordercore plugins``.
    """

    name: str = attrs.field(validator=_check_name)
    channels: tuple[str, ...] = attrs.field(validator=_check_channels)
    send: Callable[[Notification], None] = attrs.field(validator=_check_send)
    description: str = ""

    def serves(self, channel: str) -> bool:
        """Whether this notifier takes notifications for ``channel``."""
        return ANY_CHANNEL in self.channels or channel in self.channels
