"""Fixtures for desk.customers tests: a desk with a two-tier policy and a recording notifier."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordercore import (
    Actor,
    Address,
    Contact,
    CustomerDraft,
    CustomerPolicy,
    DeskConfig,
    LineDraft,
    ManualClock,
    OrderDesk,
    OrderDraft,
    SequentialIds,
    Tier,
    TierBenefits,
    TierPolicy,
)
from ordercore.testing import RecordingNotifier

CLERK = Actor("u-clerk", roles={"clerk"})
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def tier_policy() -> TierPolicy:
    """Silver from the first cent, gold from 100 EUR (points x2, velocity rule skipped)."""
    gold = TierBenefits(
        discount_rate=Decimal("0.05"),
        points_multiplier=Decimal(2),
        review_rules_skipped={"velocity"},
        priority=1,
    )
    return TierPolicy(
        (Tier("silver", Decimal("0.01")), Tier("gold", Decimal(100), gold)), grace_days=30
    )


def _customer_draft(name: str = "Ada Lovelace", **changes: object) -> CustomerDraft:
    values: dict[str, object] = {
        "email": "ada@example.com",
        "phone": "+44 20 7946 0958",
        "consents": {"marketing": True},
    }
    values.update(changes)
    return CustomerDraft(name, **values)  # type: ignore[arg-type]


def _order_draft(customer_id: str | None, price: str = "60.00", **changes: object) -> OrderDraft:
    values: dict[str, object] = {
        "channel": "web",
        "currency": "EUR",
        "contact": Contact("Ada Lovelace", email="ada@example.com"),
        "shipping_address": Address("Ada Lovelace", "12 Analytical Row", "London", "GB", "N1"),
        "lines": [LineDraft("SKU-1", 1, price)],
        "customer_id": customer_id,
    }
    values.update(changes)
    return OrderDraft(**values)  # type: ignore[arg-type]


@pytest.fixture
def customer_draft() -> Callable[..., CustomerDraft]:
    """Build a customer draft: Ada, with e-mail, phone and marketing consent."""
    return _customer_draft


@pytest.fixture
def order_draft() -> Callable[..., OrderDraft]:
    """Build an order draft for a customer id: one line of 60 EUR unless told."""
    return _order_draft


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def policy() -> CustomerPolicy:
    return CustomerPolicy(tiers=tier_policy())


@pytest.fixture
def desk(
    clock: ManualClock, recorder: RecordingNotifier, policy: CustomerPolicy
) -> Iterator[OrderDesk]:
    opened = OrderDesk.open(
        plugins=[recorder],
        clock=clock,
        config=DeskConfig(customers=policy),
        ids=SequentialIds(),
        entry_points=False,
    )
    yield opened
    opened.close()
