"""ordercore: a domain library for customer order management.

The names below are the public API; everything else may change between minor versions.
"""

from ordercore._version import __version__
from ordercore.actors import Actor, ActorKind
from ordercore.audit.builtin_checks import builtin_checks
from ordercore.audit.checks import AuditCheck, AuditFinding, AuditScope, Severity
from ordercore.audit.journal import (
    ChainVerification,
    EntryDraft,
    JournalEntry,
    JournalHead,
    PersonalData,
    redact,
    verify_chain,
)
from ordercore.audit.journal_checks import JournalChainCheck, ReplayConsistencyCheck
from ordercore.audit.order_checks import (
    HeldOrdersCheck,
    IncompleteContactCheck,
    OrderCountersCheck,
    OrderTotalsCheck,
    StuckOrdersCheck,
    UnpaidOrdersCheck,
)
from ordercore.audit.plans import AuditPlan, AuditSchedule, DuePlan, OrderScope
from ordercore.audit.report import AuditReport, CheckRun
from ordercore.audit.sweeps import AuditPlanRun
from ordercore.clock import Clock, ManualClock, SystemClock
from ordercore.desk.audit import AuditDesk
from ordercore.desk.commands import CommandContext
from ordercore.desk.config import DeskConfig, OutboxPolicy
from ordercore.desk.desk import OrderDesk
from ordercore.desk.inventory import InventoryDesk, StockTransfer
from ordercore.desk.inventory_stock import InventoryStock
from ordercore.desk.orders import OrdersDesk
from ordercore.desk.outbox import DispatchReport
from ordercore.desk.review import HeldOrder, ReviewDesk
from ordercore.desk.review_context import (
    CustomerLookup,
    HistoryProfiles,
    StockAvailability,
)
from ordercore.desk.stock import HoldsWhenShort, IntentOnlyStock, StockPort
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
from ordercore.inventory.allocation import (
    AllocationPlan,
    AllocationStrategy,
    Backorder,
    Demand,
    DemandLine,
    LineAllocation,
    SkuAllocation,
    StockPicture,
)
from ordercore.inventory.allocation import plan as plan_allocation
from ordercore.inventory.ledger import MovementKind, StockMoved
from ordercore.inventory.model import (
    Availability,
    Location,
    LocationKind,
    OrderReservations,
    OversellPolicy,
    ReorderRule,
    Reservation,
    ReservationStatus,
    StockItem,
    StockLevel,
)
from ordercore.inventory.policy import InventoryPolicy, ShortageAction
from ordercore.inventory.replenishment import LowStockReached, PurchaseSuggestion
from ordercore.inventory.strategies import FewestSplits, MostStock, NearestRegion, PriorityOrder
from ordercore.money import Money
from ordercore.notifications import Notification, Notifier
from ordercore.orders.edits import EditRequest
from ordercore.orders.events import EVENT_TYPES, OrderEvent
from ordercore.orders.intake import IntakePolicy, LineDraft, OrderDraft
from ordercore.orders.lifecycle import TRANSITIONS, Transition, allowed_commands
from ordercore.orders.lifecycle import mermaid as lifecycle_diagram
from ordercore.orders.model import (
    Address,
    Contact,
    LineQuantity,
    Milestones,
    Order,
    OrderLine,
    OrderStatus,
    OrderTotals,
    Payment,
    PaymentKind,
    PaymentState,
    ReviewNote,
    StockDelta,
    StockLine,
    TaxMode,
)
from ordercore.orders.policy import OrderPolicy
from ordercore.orders.pricing import PricingPolicy, ShippingSpread, TaxRounding
from ordercore.orders.routing import RoutingPolicy, RoutingRule
from ordercore.orders.timeline import StageState, Timeline, TimelineStage, build_timeline
from ordercore.plugins import PluginInfo, PluginLoadError, PluginManager, make_plugin_manager
from ordercore.review.builtin import (
    Blocklist,
    CountryMismatch,
    CreditLimit,
    CustomerDataComplete,
    HighValueNewCustomer,
    LikelyDuplicate,
    PaymentSecured,
    PriceDeviation,
    ReturningCustomer,
    StockSufficient,
    UnusualQuantity,
    Velocity,
    builtin_rules,
)
from ordercore.review.engine import ReviewDecision, ReviewPolicy, Verdict, review_order
from ordercore.review.rules import (
    CustomerProfile,
    Finding,
    RecentOrder,
    ReviewContext,
    ReviewRule,
    Sentiment,
)
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
from ordercore.storage.sqlite import SQLiteStorage

__all__ = [
    "EVENT_TYPES",
    "TRANSITIONS",
    "Actor",
    "ActorKind",
    "Address",
    "AggregateKind",
    "AllocationPlan",
    "AllocationStrategy",
    "AuditCheck",
    "AuditDesk",
    "AuditFinding",
    "AuditPlan",
    "AuditPlanRun",
    "AuditReport",
    "AuditSchedule",
    "AuditScope",
    "Availability",
    "Backorder",
    "Blocklist",
    "ChainVerification",
    "CheckRun",
    "Clock",
    "CommandContext",
    "CommittedEvent",
    "ConcurrencyConflict",
    "Contact",
    "CountryMismatch",
    "CreditLimit",
    "CurrencyMismatch",
    "CustomerDataComplete",
    "CustomerLookup",
    "CustomerProfile",
    "Demand",
    "DemandLine",
    "DeskConfig",
    "DispatchReport",
    "DuePlan",
    "EditRequest",
    "EntryDraft",
    "FewestSplits",
    "Finding",
    "HeldOrder",
    "HeldOrdersCheck",
    "HighValueNewCustomer",
    "HistoryProfiles",
    "HoldsWhenShort",
    "IdFactory",
    "IdempotencyConflict",
    "IncompleteContactCheck",
    "InsufficientStock",
    "IntakePolicy",
    "IntentOnlyStock",
    "InvalidTransition",
    "InventoryDesk",
    "InventoryPolicy",
    "InventoryStock",
    "JournalChainCheck",
    "JournalEntry",
    "JournalHead",
    "LikelyDuplicate",
    "LineAllocation",
    "LineDraft",
    "LineQuantity",
    "Location",
    "LocationKind",
    "LowStockReached",
    "ManualClock",
    "MemoryStorage",
    "Milestones",
    "Money",
    "MostStock",
    "MovementKind",
    "NearestRegion",
    "NotFound",
    "Notification",
    "Notifier",
    "Order",
    "OrderCoreError",
    "OrderCountersCheck",
    "OrderDesk",
    "OrderDraft",
    "OrderEvent",
    "OrderLine",
    "OrderPolicy",
    "OrderReservations",
    "OrderScope",
    "OrderStatus",
    "OrderTotals",
    "OrderTotalsCheck",
    "OrdersDesk",
    "OutboxMessage",
    "OutboxPolicy",
    "OutboxStatus",
    "OversellPolicy",
    "Payment",
    "PaymentKind",
    "PaymentSecured",
    "PaymentState",
    "PermissionDenied",
    "PersonalData",
    "PluginError",
    "PluginInfo",
    "PluginLoadError",
    "PluginManager",
    "PriceDeviation",
    "PricingPolicy",
    "PriorityOrder",
    "PurchaseSuggestion",
    "RecentOrder",
    "ReorderRule",
    "ReplayConsistencyCheck",
    "Reservation",
    "ReservationStatus",
    "ReturningCustomer",
    "ReviewContext",
    "ReviewDecision",
    "ReviewDesk",
    "ReviewNote",
    "ReviewPolicy",
    "ReviewRule",
    "RoutingPolicy",
    "RoutingRule",
    "SQLiteStorage",
    "Sentiment",
    "SequentialIds",
    "Severity",
    "ShippingSpread",
    "ShortageAction",
    "SkuAllocation",
    "SortableIds",
    "StageState",
    "StockAvailability",
    "StockDelta",
    "StockItem",
    "StockLevel",
    "StockLine",
    "StockMoved",
    "StockPicture",
    "StockPort",
    "StockSufficient",
    "StockTransfer",
    "Storage",
    "StorageBackend",
    "StorageError",
    "StuckOrdersCheck",
    "SystemClock",
    "TamperDetected",
    "TaxMode",
    "TaxRounding",
    "Timeline",
    "TimelineStage",
    "Transition",
    "UnitOfWork",
    "UnpaidOrdersCheck",
    "UnusualQuantity",
    "ValidationError",
    "Velocity",
    "Verdict",
    "__version__",
    "allowed_commands",
    "build_timeline",
    "builtin_checks",
    "builtin_rules",
    "canonical_json",
    "hookimpl",
    "lifecycle_diagram",
    "make_converter",
    "make_plugin_manager",
    "plan_allocation",
    "redact",
    "review_order",
    "verify_chain",
]
