"""ordercore: a domain library for customer order management.

The names below are the public API; everything else may change between minor versions.
"""

from ordercore._version import __version__
from ordercore.actors import Actor, ActorKind
from ordercore.audit.builtin_checks import builtin_checks
from ordercore.audit.checks import AuditCheck, AuditFinding, AuditScope, Severity
from ordercore.audit.customer_checks import CustomerRecordsCheck
from ordercore.audit.journal import (
    ChainVerification,
    EntryDraft,
    JournalEntry,
    JournalHead,
    PersonalData,
    redact,
    verify_bodies,
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
from ordercore.audit.stock_checks import (
    ExpiredReservationsCheck,
    ReservedCountersCheck,
    StockLedgerCheck,
)
from ordercore.audit.sweeps import AuditPlanRun
from ordercore.clock import Clock, ManualClock, SystemClock
from ordercore.customers import (
    Customer,
    CustomerDraft,
    CustomerPolicy,
    CustomerUpdate,
    LoyaltyPolicy,
    PointsLedger,
    ReminderPolicy,
    SpendBasis,
    Tier,
    TierBenefits,
    TierMetric,
    TierPolicy,
    TierWindow,
    WindowKind,
)
from ordercore.desk._label_commands import RateQuotes
from ordercore.desk._tracking_commands import ExceptionFound, TrackingReport
from ordercore.desk.audit import AuditDesk
from ordercore.desk.commands import CommandContext
from ordercore.desk.config import DeskConfig, OutboxPolicy, RetentionPolicy
from ordercore.desk.customers import CustomerOverview, CustomerRecords, CustomersDesk
from ordercore.desk.desk import OrderDesk
from ordercore.desk.inventory import InventoryDesk, StockTransfer
from ordercore.desk.inventory_stock import InventoryStock
from ordercore.desk.orders import OrdersDesk
from ordercore.desk.outbox import DispatchReport, MessageRequeued
from ordercore.desk.retention import PurgeReport, RetentionDesk, RetentionPurged
from ordercore.desk.review import HeldOrder, ReviewDesk
from ordercore.desk.review_context import (
    CustomerLookup,
    HistoryProfiles,
    StockAvailability,
)
from ordercore.desk.shipping import ShippingDesk
from ordercore.desk.stock import HoldsWhenShort, IntentOnlyStock, StockPort
from ordercore.errors import (
    CarrierUnavailable,
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
from ordercore.review.identity import SharedIdentities
from ordercore.review.rules import (
    CustomerProfile,
    Finding,
    RecentOrder,
    ReviewContext,
    ReviewRule,
    Sentiment,
)
from ordercore.serialization import canonical_json, make_converter
from ordercore.shipping.builtin_carriers import ManualCarrier, RateRow, RateTable, TableRateCarrier
from ordercore.shipping.carriers import (
    CancelRequest,
    CancelResult,
    CarrierAdapter,
    Label,
    LabelRequest,
    Parcel,
    Place,
    Rate,
    RateRequest,
)
from ordercore.shipping.documents import DeliveryNote, DocumentLine, PickList
from ordercore.shipping.eta import BusinessCalendar, DeliveryEstimate
from ordercore.shipping.exceptions import ExceptionPolicy
from ordercore.shipping.model import (
    ExceptionKind,
    IncidentReason,
    Resolution,
    Shipment,
    ShipmentException,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
)
from ordercore.shipping.policy import ShippingPolicy
from ordercore.shipping.rates import RateChoice
from ordercore.shipping.tracking import CarrierEvent, StatusRow, StatusTable
from ordercore.storage.memory import MemoryStorage
from ordercore.storage.ports import (
    AggregateKind,
    IdempotencyPurge,
    JournalStream,
    OutboxMessage,
    OutboxPurge,
    OutboxRequeue,
    OutboxStatus,
    Sighting,
    SightingsIndex,
    SightingsRepository,
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
    "BusinessCalendar",
    "CancelRequest",
    "CancelResult",
    "CarrierAdapter",
    "CarrierEvent",
    "CarrierUnavailable",
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
    "Customer",
    "CustomerDataComplete",
    "CustomerDraft",
    "CustomerLookup",
    "CustomerOverview",
    "CustomerPolicy",
    "CustomerProfile",
    "CustomerRecords",
    "CustomerRecordsCheck",
    "CustomerUpdate",
    "CustomersDesk",
    "DeliveryEstimate",
    "DeliveryNote",
    "Demand",
    "DemandLine",
    "DeskConfig",
    "DispatchReport",
    "DocumentLine",
    "DuePlan",
    "EditRequest",
    "EntryDraft",
    "ExceptionFound",
    "ExceptionKind",
    "ExceptionPolicy",
    "ExpiredReservationsCheck",
    "FewestSplits",
    "Finding",
    "HeldOrder",
    "HeldOrdersCheck",
    "HighValueNewCustomer",
    "HistoryProfiles",
    "HoldsWhenShort",
    "IdFactory",
    "IdempotencyConflict",
    "IdempotencyPurge",
    "IncidentReason",
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
    "JournalStream",
    "Label",
    "LabelRequest",
    "LikelyDuplicate",
    "LineAllocation",
    "LineDraft",
    "LineQuantity",
    "Location",
    "LocationKind",
    "LowStockReached",
    "LoyaltyPolicy",
    "ManualCarrier",
    "ManualClock",
    "MemoryStorage",
    "MessageRequeued",
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
    "OutboxPurge",
    "OutboxRequeue",
    "OutboxStatus",
    "OversellPolicy",
    "Parcel",
    "Payment",
    "PaymentKind",
    "PaymentSecured",
    "PaymentState",
    "PermissionDenied",
    "PersonalData",
    "PickList",
    "Place",
    "PluginError",
    "PluginInfo",
    "PluginLoadError",
    "PluginManager",
    "PointsLedger",
    "PriceDeviation",
    "PricingPolicy",
    "PriorityOrder",
    "PurchaseSuggestion",
    "PurgeReport",
    "Rate",
    "RateChoice",
    "RateQuotes",
    "RateRequest",
    "RateRow",
    "RateTable",
    "RecentOrder",
    "ReminderPolicy",
    "ReorderRule",
    "ReplayConsistencyCheck",
    "Reservation",
    "ReservationStatus",
    "ReservedCountersCheck",
    "Resolution",
    "RetentionDesk",
    "RetentionPolicy",
    "RetentionPurged",
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
    "SharedIdentities",
    "Shipment",
    "ShipmentException",
    "ShipmentLine",
    "ShipmentStatus",
    "ShippingDesk",
    "ShippingPolicy",
    "ShippingSpread",
    "ShortageAction",
    "Sighting",
    "SightingsIndex",
    "SightingsRepository",
    "SkuAllocation",
    "SortableIds",
    "SpendBasis",
    "StageState",
    "StatusRow",
    "StatusTable",
    "StockAvailability",
    "StockDelta",
    "StockItem",
    "StockLedgerCheck",
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
    "TableRateCarrier",
    "TamperDetected",
    "TaxMode",
    "TaxRounding",
    "Tier",
    "TierBenefits",
    "TierMetric",
    "TierPolicy",
    "TierWindow",
    "Timeline",
    "TimelineStage",
    "TrackingEvent",
    "TrackingReport",
    "TrackingStatus",
    "Transition",
    "UnitOfWork",
    "UnpaidOrdersCheck",
    "UnusualQuantity",
    "ValidationError",
    "Velocity",
    "Verdict",
    "WindowKind",
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
    "verify_bodies",
    "verify_chain",
]
