"""The plugins that make ordercore work out of the box: storage, notifier, allocation, carriers."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ordercore.hookspecs import hookimpl
from ordercore.inventory.allocation import AllocationStrategy
from ordercore.inventory.strategies import builtin_strategies
from ordercore.notifications import ANY_CHANNEL, Notification, Notifier
from ordercore.privacy import mask_email, mask_personal_data, mask_phone, mask_text
from ordercore.shipping.builtin_carriers import builtin_carriers
from ordercore.shipping.carriers import CarrierAdapter
from ordercore.storage.memory import memory_backend
from ordercore.storage.ports import StorageBackend
from ordercore.storage.sqlite import sqlite_backend

__all__ = ["LoggingNotifier", "builtin_plugins"]


class BuiltinAllocation:
    """Registers the built-in allocation strategies (priority, fewest splits, ...)."""

    @hookimpl
    def ordercore_allocation_strategies(self) -> Iterable[AllocationStrategy]:
        """Priority order, fewest splits, nearest region and most stock."""
        return builtin_strategies()


class BuiltinCarriers:
    """Registers the built-in carriers (``manual`` and ``table-rate``)."""

    @hookimpl
    def ordercore_carriers(self) -> Iterable[CarrierAdapter]:
        """Manual entry and table rates (the desk sets the table from its config)."""
        return builtin_carriers()


class BuiltinStorage:
    """Registers the embedded storage backends."""

    @hookimpl
    def ordercore_storage_backends(self) -> Iterable[StorageBackend]:
        """The ``memory://`` and ``sqlite://`` backends."""
        return [memory_backend(), sqlite_backend()]


def _mask_recipient(recipient: str) -> str:
    if "@" in recipient:
        return mask_email(recipient)
    if sum(char.isdigit() for char in recipient) >= 6:
        return mask_phone(recipient)
    return mask_text(recipient)


class LoggingNotifier:
    """Writes each notification to the ``ordercore.notifications`` logger, personal data masked.

    It serves every channel, so that a fresh installation shows what it would have sent.
    """

    logger_name = "ordercore.notifications"

    def __init__(self) -> None:
        # Looked up once: getLogger takes the logging module's lock on every call, and a
        # logger's level and handlers are read when it logs, so configuring later still counts.
        self._logger = logging.getLogger(self.logger_name)

    def send(self, notification: Notification) -> None:
        """Log one notification at INFO level (masking is skipped when INFO is off)."""
        logger = self._logger
        if not logger.isEnabledFor(logging.INFO):
            return
        logger.info(
            "%s via %s to %s: %s (message %s, attempt %d)",
            notification.template,
            notification.channel,
            _mask_recipient(notification.recipient),
            mask_personal_data(notification.data),
            notification.message_id,
            notification.attempt,
        )

    @hookimpl
    def ordercore_notifiers(self) -> Iterable[Notifier]:
        """The ``log`` notifier."""
        return [
            Notifier(
                "log",
                channels=(ANY_CHANNEL,),
                send=self.send,
                description="logs notifications (personal data masked)",
            )
        ]


def builtin_plugins() -> list[tuple[str, object]]:
    """Return fresh instances of the built-in plugins with their registration names."""
    return [
        ("ordercore.storage", BuiltinStorage()),
        ("ordercore.notify-log", LoggingNotifier()),
        ("ordercore.allocation", BuiltinAllocation()),
        ("ordercore.carriers", BuiltinCarriers()),
    ]
