"""Properties of tiering, the points ledger and RFM scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.analytics import rfm
from ordercore.customers import (
    Customer,
    CustomerFacts,
    LoyaltyPolicy,
    PointsKind,
    PointsLedger,
    PurchaseFact,
    Tier,
    TierPolicy,
    TierWindow,
    WindowKind,
    earn,
    expire_due,
    redeem,
    reverse,
)
from ordercore.errors import ValidationError
from ordercore.testing.facts import order_fact

T0 = datetime(2024, 1, 1, tzinfo=UTC)

windows = st.builds(
    TierWindow,
    kind=st.sampled_from(list(WindowKind)),
    months=st.integers(1, 24),
    timezone=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland"]),
)
policies = st.builds(
    lambda window, grace, steps: TierPolicy(
        tuple(Tier(f"t{i}", Decimal(sum(steps[: i + 1]))) for i in range(len(steps))),
        window=window,
        grace_days=grace,
    ),
    windows,
    st.integers(0, 60),
    st.lists(st.integers(1, 500), min_size=1, max_size=5),
)
moments = st.integers(0, 3 * 366 * 24).map(lambda hours: T0 + timedelta(hours=hours))
purchases = st.lists(st.tuples(moments, st.integers(0, 40_000)), max_size=12)


def _facts(items: list[tuple[datetime, int]]) -> CustomerFacts:
    return CustomerFacts(
        tuple(PurchaseFact(f"o{i}", at, minor, "EUR") for i, (at, minor) in enumerate(items))
    )


@given(
    policy=policies,
    bought=purchases,
    extra=st.tuples(moments, st.integers(1, 40_000)),
    as_of=moments,
    tier_rank=st.integers(0, 5),
    below=st.none() | moments,
)
def test_more_spend_never_yields_a_lower_tier_at_the_same_date(
    policy: TierPolicy,
    bought: list[tuple[datetime, int]],
    extra: tuple[datetime, int],
    as_of: datetime,
    tier_rank: int,
    below: datetime | None,
) -> None:
    tier = policy.code(min(tier_rank, len(policy.tiers)))
    below = None if below is None or below > as_of else below
    customer = Customer("c1", "Ada", T0 - timedelta(days=400), tier=tier, below_since=below)

    less = policy.evaluate(customer, _facts(bought), as_of)
    more = policy.evaluate(customer, _facts([*bought, extra]), as_of)

    assert policy.rank(more.tier) >= policy.rank(less.tier)
    assert policy.rank(more.qualified) >= policy.rank(less.qualified)


@given(policy=policies, as_of=moments, waited=st.integers(0, 120), tier_rank=st.integers(1, 5))
def test_a_downgrade_waits_out_the_grace_period_and_moves_one_step(
    policy: TierPolicy, as_of: datetime, waited: int, tier_rank: int
) -> None:
    rank = min(tier_rank, len(policy.tiers))
    since = as_of - timedelta(days=waited)
    customer = Customer("c1", "Ada", T0, tier=policy.code(rank), below_since=since)

    evaluation = policy.evaluate(customer, CustomerFacts(), as_of)  # qualifies for nothing

    if waited < policy.grace_days:
        assert evaluation.tier == customer.tier
        assert evaluation.below_since == since
    else:
        assert policy.rank(evaluation.tier) == rank - 1
        assert evaluation.below_since == (as_of if rank - 1 > 0 else None)


@given(policy=policies, bought=purchases, as_of=moments)
def test_evaluation_is_deterministic_and_ignores_purchase_order(
    policy: TierPolicy, bought: list[tuple[datetime, int]], as_of: datetime
) -> None:
    customer = Customer("c1", "Ada", T0)
    first = policy.evaluate(customer, _facts(bought), as_of)
    again = policy.evaluate(customer, _facts(list(reversed(bought))), as_of)
    assert (first.tier, first.metric_value, first.reason) == (
        again.tier,
        again.metric_value,
        again.reason,
    )


operations = st.lists(
    st.tuples(
        st.sampled_from(["earn", "redeem", "expire", "reverse"]),
        st.integers(1, 500),
        st.integers(0, 90),  # days later
        st.integers(0, 4),  # order number
    ),
    max_size=30,
)


@given(operations)
def test_points_ledger_never_goes_negative_and_sums_to_its_balance(
    steps: list[tuple[str, int, int, int]],
) -> None:
    policy = LoyaltyPolicy(expiry_months=3)
    ledger = PointsLedger("c1")
    now = T0
    for kind, points, days, order in steps:
        now += timedelta(days=days)
        if kind == "redeem" and points > expire_due(ledger, now).ledger.available(now):
            with pytest.raises(ValidationError) as refused:
                redeem(ledger, points, at=now)
            assert refused.value.field == "points"
            continue
        if kind == "earn":
            change = earn(ledger, points, at=now, policy=policy, order_id=f"o{order}")
        elif kind == "redeem":
            change = redeem(ledger, points, at=now)
        elif kind == "expire":
            change = expire_due(ledger, now)
        else:
            change = reverse(ledger, f"o{order}", points, at=now)
        assert change.ledger.entries == (*ledger.entries, *change.added)
        ledger = change.ledger
        assert ledger.balance >= 0
        assert ledger.balance == sum(e.points for e in ledger.entries)
        assert ledger.balance == sum(ledger.lots().values())
        assert all(points >= 0 for points in ledger.lots().values())
        assert [e.sequence for e in ledger.entries] == list(range(1, len(ledger.entries) + 1))
    booked = expire_due(ledger, now).ledger
    assert booked.available(now) == booked.balance


@given(st.integers(1, 1000), st.integers(1, 1000), st.integers(0, 200))
def test_expired_points_cannot_be_redeemed(earned: int, wanted: int, late_days: int) -> None:
    policy = LoyaltyPolicy(expiry_months=1)
    ledger = earn(PointsLedger("c1"), earned, at=T0, policy=policy).ledger
    after = policy.expires_at(T0) + timedelta(days=late_days)

    with pytest.raises(ValidationError) as caught:
        redeem(ledger, wanted, at=after)

    assert caught.value.field == "points"
    expired = expire_due(ledger, after)
    assert [e.kind for e in expired.added] == [PointsKind.EXPIRE]
    assert expired.ledger.balance == 0


customer_rows = st.lists(
    st.tuples(
        st.sampled_from([f"c{i}" for i in range(12)] + ["7", "10", "x"]),
        st.integers(0, 400),
        st.integers(1, 50_000),
    ),
    min_size=1,
    max_size=60,
)


@given(customer_rows, st.randoms(use_true_random=False))
def test_rfm_scores_are_identical_under_any_permutation_of_the_rows(
    rows: list[tuple[str, int, int]], rng: object
) -> None:
    facts = [
        order_fact(
            f"o{i}", customer, (T0 + timedelta(days=day)).date().isoformat(),
            f"{minor // 100}.{minor % 100:02d}",
        )
        for i, (customer, day, minor) in enumerate(rows)
    ]  # fmt: skip
    shuffled = list(facts)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]

    assert rfm(shuffled) == rfm(facts)
