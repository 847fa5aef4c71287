"""desk.customers end to end: records, the single view, tiers and points after order events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from ordercore import (
    Actor,
    CustomerDraft,
    CustomerUpdate,
    ManualClock,
    Money,
    OrderDesk,
    OrderDraft,
    PaymentKind,
)
from ordercore.customers import PointsKind
from ordercore.testing import RecordingNotifier

CLERK = Actor("u-clerk", roles={"clerk"})

Drafts = Callable[..., CustomerDraft]
Orders = Callable[..., OrderDraft]


def _paid_order(desk: OrderDesk, customer_id: str, orders: Orders, price: str = "60.00") -> str:
    order = desk.orders.place(orders(customer_id, price), actor=CLERK)
    desk.orders.record_payment(
        order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )
    return order.id


def test_register_normalizes_contacts_and_journals_personal_data_beside_the_payload(
    desk: OrderDesk, customer_draft: Drafts
) -> None:
    customer = desk.customers.register(
        customer_draft(email="Ada@Example.COM", phone="+44 (20) 7946-0958"), actor=CLERK
    )

    assert customer.email == "Ada@example.com"
    assert customer.phone == "+442079460958"
    assert "example" not in repr(customer)
    assert "7946" not in repr(customer)
    with desk.storage.unit_of_work() as uow:
        (entry,) = uow.journal.stream("customer", customer.id)
    assert entry.event_type == "CustomerRegistered"
    assert "email" not in entry.payload["customer"]  # type: ignore[operator]
    assert entry.personal is not None
    assert entry.personal.data["customer.email"] == "Ada@example.com"


def test_profile_counts_net_spend_of_paid_orders_minus_refunds_and_cancellations(
    desk: OrderDesk, customer_draft: Drafts, order_draft: Orders
) -> None:
    customer = desk.customers.register(customer_draft(), actor=CLERK)
    first = _paid_order(desk, customer.id, order_draft, "60.00")
    second = _paid_order(desk, customer.id, order_draft, "30.00")
    desk.orders.record_payment(
        second, actor=CLERK, kind=PaymentKind.REFUND, amount=Money.of("10.00", "EUR")
    )
    cancelled = desk.orders.place(order_draft(customer.id, "500.00"), actor=CLERK)
    desk.orders.cancel(cancelled.id, actor=CLERK, reason="changed mind")
    desk.orders.hold(first, actor=CLERK, reason="address check")

    view = desk.customers.profile(customer.id)

    assert view.orders == 3
    assert view.paid_orders == 2
    assert view.net_spend == (Money.of("80.00", "EUR"),)
    assert view.last_order_id == cancelled.id
    assert first in view.held_orders  # review may hold the look-alike second order too
    assert view.tier == "silver"


def test_payments_earn_points_and_raise_the_tier_in_the_same_unit_of_work(
    desk: OrderDesk, customer_draft: Drafts, order_draft: Orders, recorder: RecordingNotifier
) -> None:
    customer = desk.customers.register(customer_draft(), actor=CLERK)

    _paid_order(desk, customer.id, order_draft, "60.00")
    assert desk.customers.get(customer.id).tier == "silver"
    assert desk.customers.points(customer.id).balance == 60
    _paid_order(desk, customer.id, order_draft, "60.00")

    after = desk.customers.get(customer.id)
    assert after.tier == "gold"
    assert [(c.from_tier, c.to_tier) for c in after.tier_history] == [
        ("", "silver"),
        ("silver", "gold"),
    ]
    assert "reaches gold" in after.tier_history[-1].reason
    # The second order was paid while silver: 1 point per euro; gold earns double from now.
    assert desk.customers.points(customer.id).balance == 120
    third = _paid_order(desk, customer.id, order_draft, "10.00")
    assert desk.customers.points(customer.id).balance == 140
    assert "tier_changed" in [n.template for n in recorder.received]
    with desk.storage.unit_of_work() as uow:
        changes = [
            e for e in uow.journal.stream("customer", customer.id) if e.event_type == "TierChanged"
        ]
    assert [e.reason is not None and "reaches" in e.reason for e in changes] == [True, True]
    # A refund reverses at the rate the order earned at, not more.
    desk.orders.record_payment(
        third, actor=CLERK, kind=PaymentKind.REFUND, amount=Money.of("10.00", "EUR")
    )
    ledger = desk.customers.points(customer.id)
    assert ledger.balance == 120
    assert ledger.entries[-1].kind is PointsKind.REVERSE


def test_a_downgrade_waits_for_the_grace_period_then_moves_one_step(
    desk: OrderDesk, customer_draft: Drafts, order_draft: Orders, clock: ManualClock
) -> None:
    customer = desk.customers.register(customer_draft(), actor=CLERK)
    order = _paid_order(desk, customer.id, order_draft, "150.00")
    assert desk.customers.get(customer.id).tier == "gold"

    desk.orders.record_payment(
        order, actor=CLERK, kind=PaymentKind.REFUND, amount=Money.of("150.00", "EUR")
    )
    assert desk.customers.get(customer.id).tier == "gold"  # grace starts
    clock.advance(timedelta(days=29))
    assert desk.customers.reevaluate(customer.id, actor=CLERK).tier == "gold"
    clock.advance(timedelta(days=1))
    assert desk.customers.reevaluate(customer.id, actor=CLERK).tier == "silver"
    clock.advance(timedelta(days=1))
    assert desk.customers.reevaluate(customer.id, actor=CLERK).tier == "silver"
    clock.advance(timedelta(days=30))
    assert desk.customers.reevaluate(customer.id, actor=CLERK).tier == ""


def test_scheduled_reevaluation_runs_once_per_occurrence(
    desk: OrderDesk, customer_draft: Drafts, clock: ManualClock
) -> None:
    desk.customers.register(customer_draft(), actor=CLERK)

    assert len(desk.customers.reevaluate_due(actor=CLERK)) == 1  # first call runs
    assert desk.customers.reevaluate_due(actor=CLERK) == []
    clock.advance(timedelta(days=27))  # past 1 February 03:00
    assert len(desk.customers.reevaluate_due(actor=CLERK)) == 1
    assert desk.customers.reevaluate_due(actor=CLERK) == []


def test_update_changes_only_given_fields_and_moves_duplicate_claims(
    desk: OrderDesk, customer_draft: Drafts
) -> None:
    ada = desk.customers.register(customer_draft(), actor=CLERK)
    bob = desk.customers.register(
        customer_draft("Bob", email="bob@example.com", phone=None), actor=CLERK
    )

    changed = desk.customers.update(ada.id, CustomerUpdate(email="ada@new.example"), actor=CLERK)
    assert changed.email == "ada@new.example"
    assert changed.phone == ada.phone
    assert changed.version == 2
    desk.customers.update(bob.id, CustomerUpdate(email="ADA@new.example"), actor=CLERK)
    assert desk.customers.duplicates_of(bob.id) == {"email": (ada.id,)}
    same = desk.customers.update(ada.id, CustomerUpdate(email="ada@new.example"), actor=CLERK)
    assert same.version == 2  # nothing changed, nothing written


def test_redeeming_points_books_lapsed_points_first(
    desk: OrderDesk, customer_draft: Drafts, order_draft: Orders, clock: ManualClock
) -> None:
    customer = desk.customers.register(customer_draft(), actor=CLERK)
    _paid_order(desk, customer.id, order_draft, "60.00")

    ledger = desk.customers.redeem_points(customer.id, 20, actor=CLERK, reason="voucher")
    assert ledger.balance == 40
    clock.advance(timedelta(days=366))
    assert desk.customers.expire_points(actor=CLERK) == 40
    assert desk.customers.points(customer.id).balance == 0
    assert desk.customers.profile(customer.id).points_available == 0


def test_the_review_sees_the_record_and_tier_exemptions_skip_rules(
    desk: OrderDesk, customer_draft: Drafts, order_draft: Orders
) -> None:
    customer = desk.customers.register(
        customer_draft(credit_limit=Money.of("500.00", "EUR"), payment_terms_days=30),
        actor=CLERK,
    )
    assert desk.review.policy.exemptions["gold"] == frozenset({"velocity"})
    _paid_order(desk, customer.id, order_draft, "150.00")
    order = desk.orders.place(order_draft(customer.id, "5.00"), actor=CLERK)

    profile = desk.review.customers.profile(_uow_of(desk), order, ())
    assert profile is not None
    assert profile.tier == "gold"
    assert profile.credit_limit == Money.of("500.00", "EUR")
    assert profile.on_credit_terms
    assert profile.known_since == customer.created_at
    verdict = desk.review.evaluate(order.id, actor=CLERK)
    assert all(finding.rule != "velocity" for finding in verdict.findings)


def test_orders_without_a_record_are_reviewed_from_history_as_before(
    desk: OrderDesk, order_draft: Orders
) -> None:
    order = desk.orders.place(order_draft("c-unknown"), actor=CLERK)

    profile = desk.review.customers.profile(_uow_of(desk), order, ())
    assert profile is not None
    assert (profile.key, profile.tier, profile.credit_limit) == ("c-unknown", "", None)


def test_a_record_registered_later_under_the_host_id_finds_its_earlier_orders(
    desk: OrderDesk, customer_draft: Drafts, order_draft: Orders
) -> None:
    earlier = _paid_order(desk, "crm-42", order_draft, "20.00")

    customer = desk.customers.register(customer_draft(customer_id="crm-42"), actor=CLERK)

    view = desk.customers.profile(customer.id)
    assert (view.orders, view.last_order_id) == (1, earlier)


def test_segments_name_every_paying_customer(
    desk: OrderDesk, customer_draft: Drafts, order_draft: Orders, clock: ManualClock
) -> None:
    ids = []
    for number in range(5):
        customer = desk.customers.register(
            customer_draft(f"C{number}", email=f"c{number}@example.com", phone=None),
            actor=CLERK,
        )
        ids.append(customer.id)
        for _ in range(number + 1):
            _paid_order(desk, customer.id, order_draft, "10.00")
        clock.advance(timedelta(days=10))

    segments = desk.customers.segments()

    assert set(segments) == set(ids)
    assert segments[ids[-1]] == "champions"
    assert segments[ids[0]] == "lost"
    assert desk.customers.rfm().monetary(0) == Decimal("10.00")


def _uow_of(desk: OrderDesk):  # type: ignore[no-untyped-def]
    """A read-only unit of work for calling a lookup directly (closed at once: reads only)."""
    with desk.storage.unit_of_work() as uow:
        return uow
