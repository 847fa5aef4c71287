"""ordercore: a domain library for customer order management.

The names below are the public API; everything else may change between minor versions.
"""

from ordercore._version import __version__
from ordercore.actors import Actor, ActorKind
from ordercore.audit.journal import (
    ChainVerification,
    EntryDraft,
    JournalEntry,
    JournalHead,
    verify_chain,
)
from ordercore.clock import Clock, ManualClock, SystemClock
from ordercore.desk.commands import CommandContext
from ordercore.desk.config import DeskConfig, OutboxPolicy
from ordercore.desk.desk import OrderDesk
from ordercore.desk.outbox import DispatchReport
from ordercore.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    OrderCoreError,
    PermissionDenied,
    PluginError,
    StorageError,
    TamperDetected,
    ValidationError,
)
from ordercore.events import CommittedEvent
from ordercore.hookspecs import hookimpl
from ordercore.ids import IdFactory, SequentialIds, SortableIds
from ordercore.money import Money
from ordercore.notifications import Notification, Notifier
from ordercore.plugins import PluginInfo, PluginLoadError, PluginManager, make_plugin_manager
from ordercore.serialization import canonical_json, make_converter
from ordercore.storage.memory import MemoryStorage
from ordercore.storage.ports import (
    AggregateKind,
    OutboxMessage,
    OutboxStatus,
    Storage,
    StorageBackend,
    UnitOfWork,
)

__all__ = [
    "Actor",
    "ActorKind",
    "AggregateKind",
    "ChainVerification",
    "Clock",
    "CommandContext",
    "CommittedEvent",
    "ConcurrencyConflict",
    "CurrencyMismatch",
    "DeskConfig",
    "DispatchReport",
    "EntryDraft",
    "IdFactory",
    "IdempotencyConflict",
    "InsufficientStock",
    "InvalidTransition",
    "JournalEntry",
    "JournalHead",
    "ManualClock",
    "MemoryStorage",
    "Money",
    "NotFound",
    "Notification",
    "Notifier",
    "OrderCoreError",
    "OrderDesk",
    "OutboxMessage",
    "OutboxPolicy",
    "OutboxStatus",
    "PermissionDenied",
    "PluginError",
    "PluginInfo",
    "PluginLoadError",
    "PluginManager",
    "SequentialIds",
    "SortableIds",
    "Storage",
    "StorageBackend",
    "StorageError",
    "SystemClock",
    "TamperDetected",
    "UnitOfWork",
    "ValidationError",
    "__version__",
    "canonical_json",
    "hookimpl",
    "make_converter",
    "make_plugin_manager",
    "verify_chain",
]
