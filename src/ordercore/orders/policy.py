"""The rules an order lifecycle follows, in one value the desk is configured with."""

from __future__ import annotations

from datetime import timedelta

import attrs

from ordercore.orders.intake import IntakePolicy
from ordercore.orders.pricing import PricingPolicy
from ordercore.orders.routing import RoutingPolicy

__all__ = ["OrderPolicy"]


@attrs.frozen(slots=True)
class OrderPolicy:
    """How orders are priced, checked, routed and moved along.

    Attributes:
        pricing: Tax mode and rounding.
        intake: What a draft must contain.
        routing: Which queue and person an order goes to.
        payment_window: How long an unpaid order may wait before it can be expired; ``None``
            means never.
        require_payment_to_confirm: Confirm only paid or authorized orders (or credit terms).
        require_payment_to_ship: Ship only paid orders (or credit terms).
        require_payment_to_complete: Complete only when nothing is due.
        number_prefix: Prefix of human order numbers.
        number_width: Digits of human order numbers.
    """

    pricing: PricingPolicy = attrs.Factory(PricingPolicy)
    intake: IntakePolicy = attrs.Factory(IntakePolicy)
    routing: RoutingPolicy = attrs.Factory(RoutingPolicy)
    payment_window: timedelta | None = timedelta(days=7)
    require_payment_to_confirm: bool = False
    require_payment_to_ship: bool = True
    require_payment_to_complete: bool = True
    number_prefix: str = "SO-"
    number_width: int = 6
