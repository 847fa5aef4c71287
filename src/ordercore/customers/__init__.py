"""Customers: records, tiers, loyalty points and care reminders (pure domain).

The desk runs these as commands: see :class:`ordercore.desk.customers.CustomersDesk`
(``desk.customers``). RFM scores and the named segment map live in :mod:`ordercore.analytics`
so that analytics and customers share one implementation.
"""

from ordercore.customers.facts import CustomerFacts, PurchaseFact, SpendBasis, purchase_fact
from ordercore.customers.intake import KEEP, CustomerDraft, CustomerUpdate, Keep
from ordercore.customers.loyalty import (
    POINTS_LEDGERS,
    LedgerChange,
    LotDraw,
    LoyaltyPolicy,
    PointsEntry,
    PointsKind,
    PointsLedger,
    earn,
    expire_due,
    redeem,
    reverse,
    settle_order,
    transfer,
)
from ordercore.customers.matching import contact_keys, same_person
from ordercore.customers.model import (
    ANONYMIZED_NAME,
    CUSTOMERS,
    ChannelIdentity,
    CommunicationEntry,
    Consent,
    Customer,
    CustomerStatus,
    TierChange,
    anonymized,
)
from ordercore.customers.policy import CustomerPolicy
from ordercore.customers.reminders import (
    Reminder,
    ReminderKind,
    ReminderPolicy,
    birthday_schedule,
    due_reminders,
)
from ordercore.customers.tiering import (
    Tier,
    TierBenefits,
    TierEvaluation,
    TierMetric,
    TierPolicy,
    TierWindow,
    WindowKind,
    apply_evaluation,
    evaluate_all,
)
from ordercore.customers.validation import (
    check_address,
    check_channel,
    email_key,
    normalize_email,
    normalize_phone,
)

__all__ = [
    "ANONYMIZED_NAME",
    "CUSTOMERS",
    "KEEP",
    "POINTS_LEDGERS",
    "ChannelIdentity",
    "CommunicationEntry",
    "Consent",
    "Customer",
    "CustomerDraft",
    "CustomerFacts",
    "CustomerPolicy",
    "CustomerStatus",
    "CustomerUpdate",
    "Keep",
    "LedgerChange",
    "LotDraw",
    "LoyaltyPolicy",
    "PointsEntry",
    "PointsKind",
    "PointsLedger",
    "PurchaseFact",
    "Reminder",
    "ReminderKind",
    "ReminderPolicy",
    "SpendBasis",
    "Tier",
    "TierBenefits",
    "TierChange",
    "TierEvaluation",
    "TierMetric",
    "TierPolicy",
    "TierWindow",
    "WindowKind",
    "anonymized",
    "apply_evaluation",
    "birthday_schedule",
    "check_address",
    "check_channel",
    "contact_keys",
    "due_reminders",
    "earn",
    "email_key",
    "evaluate_all",
    "expire_due",
    "normalize_email",
    "normalize_phone",
    "purchase_fact",
    "redeem",
    "reverse",
    "same_person",
    "settle_order",
    "transfer",
]
