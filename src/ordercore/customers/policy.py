"""The customer settings of a desk: tiers, loyalty points, reminders, duplicates."""

from __future__ import annotations

import attrs

from ordercore.customers.facts import SpendBasis
from ordercore.customers.loyalty import LoyaltyPolicy
from ordercore.customers.reminders import ReminderPolicy
from ordercore.customers.tiering import TierPolicy

__all__ = ["CustomerPolicy"]


@attrs.frozen(slots=True)
class CustomerPolicy:
    """How ``desk.customers`` grades, rewards and reminds customers.

    Attributes:
        tiers: The tier policy; ``None`` (the default) grades nobody.
        loyalty: How points are earned and lapse.
        reminders: Birthday and win-back reminders.
        allow_duplicates: Register a customer whose e-mail or phone another record has
            (otherwise refused, naming the other record, unless the call allows it).
    """

    tiers: TierPolicy | None = None
    loyalty: LoyaltyPolicy = attrs.Factory(LoyaltyPolicy)
    reminders: ReminderPolicy = attrs.Factory(ReminderPolicy)
    allow_duplicates: bool = False

    @property
    def spend(self) -> SpendBasis:
        """What counts as spend: the tier policy's basis, or everything paid."""
        return SpendBasis() if self.tiers is None else self.tiers.spend
