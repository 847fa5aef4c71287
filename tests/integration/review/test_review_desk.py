"""Review through the desk: automatic at intake, the queue, reviewers, plugin rules, tiers."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from ordercore import (
    Actor,
    Address,
    Blocklist,
    Contact,
    CustomerProfile,
    DeskConfig,
    Finding,
    HighValueNewCustomer,
    InvalidTransition,
    LineDraft,
    ManualClock,
    Order,
    OrderDesk,
    OrderDraft,
    OrderStatus,
    PermissionDenied,
    RecentOrder,
    ReviewContext,
    ReviewPolicy,
    Sentiment,
    SequentialIds,
    SharedIdentities,
    UnitOfWork,
    ValidationError,
    Velocity,
    hookimpl,
)
from ordercore.testing import RecordingNotifier

CLERK = Actor("u-clerk", roles={"clerk"})
REVIEWER = Actor("u-rev", roles={"reviewer"})


def _draft(
    *,
    email: str = "ada@example.com",
    customer_id: str | None = "c-1",
    price: str = "10.00",
    quantity: int = 1,
    line1: str = "12 Analytical Row",
) -> OrderDraft:
    return OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email=email),
        shipping_address=Address("Ada Lovelace", line1, "London", "GB", "N1 7AA"),
        lines=[LineDraft("SKU-1", quantity, price)],
        customer_id=customer_id,
    )


def _open(
    *plugins: object, review: ReviewPolicy | None = None, clock: ManualClock | None = None
) -> OrderDesk:
    return OrderDesk.open(
        clock=clock or ManualClock(),
        ids=SequentialIds(),
        plugins=plugins,
        config=DeskConfig(review=review or ReviewPolicy()),
        entry_points=False,
    )


def _held_policy() -> ReviewPolicy:
    return ReviewPolicy().with_rule(HighValueNewCustomer(limits={"EUR": "100.00"}))


def test_an_ordinary_order_is_approved_at_intake_with_the_verdict_in_the_journal() -> None:
    desk = _open()

    order = desk.orders.place(_draft(), actor=CLERK)

    assert order.status is OrderStatus.APPROVED
    types = [entry.event_type for entry in desk.orders.history(order.id)]
    assert types == ["OrderPlaced", "OrderReviewed", "OrderApproved"]
    assert desk.orders.replay(order.id) == desk.orders.get(order.id)


def test_a_risky_order_is_held_in_the_queue_and_the_customer_told() -> None:
    recorder = RecordingNotifier()
    desk = _open(recorder, review=_held_policy())

    order = desk.orders.place(_draft(price="150.00"), actor=CLERK)

    assert order.status is OrderStatus.ON_HOLD
    (held,) = desk.review.queue()
    assert held.order.id == order.id
    assert held.score == 50  # 40 for a large first order, 10 for no payment yet
    assert {f.rule for f in held.findings} == {"high-value-new-customer", "payment-secured"}
    assert [n.template for n in recorder.received] == ["order_received", "order_on_hold"]


def test_a_blocklisted_contact_is_rejected_at_intake() -> None:
    recorder = RecordingNotifier()
    policy = ReviewPolicy().with_rule(Blocklist(emails={"mallory@example.com"}))
    desk = _open(recorder, review=policy)

    order = desk.orders.place(_draft(email="Mallory@Example.com"), actor=CLERK)

    assert order.status is OrderStatus.REJECTED
    assert "blocklisted e-mail" in (order.status_reason or "")
    assert recorder.received[-1].template == "order_rejected"


def test_the_queue_lists_held_orders_oldest_first() -> None:
    clock = ManualClock()
    desk = _open(review=_held_policy(), clock=clock)
    first = desk.orders.place(_draft(price="150.00", customer_id="a", email="a@x.org"), actor=CLERK)
    clock.advance(minutes=5)
    second = desk.orders.place(
        _draft(price="150.00", customer_id="b", email="b@x.org", line1="9 Elm St"), actor=CLERK
    )

    assert [held.order.id for held in desk.review.queue()] == [first.id, second.id]
    assert [held.order.id for held in desk.review.queue(limit=1)] == [first.id]


def test_a_reviewer_approves_or_rejects_with_a_reason() -> None:
    desk = _open(review=_held_policy())
    kept = desk.orders.place(_draft(price="150.00", customer_id="a", email="a@x.org"), actor=CLERK)
    dropped = desk.orders.place(
        _draft(price="150.00", customer_id="b", email="b@x.org", line1="9 Elm St"), actor=CLERK
    )

    approved = desk.review.approve(kept.id, actor=REVIEWER, reason="called the customer")
    rejected = desk.review.reject(dropped.id, actor=REVIEWER, reason="card reported stolen")

    assert approved.status is OrderStatus.APPROVED
    assert rejected.status is OrderStatus.REJECTED
    assert desk.review.queue() == []
    last = desk.orders.history(kept.id)[-1]
    assert (last.actor, last.reason) == ("u-rev", "called the customer")


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_without_the_reviewer_role_nothing_is_written(decide: str) -> None:
    desk = _open(review=_held_policy())
    order = desk.orders.place(_draft(price="150.00"), actor=CLERK)
    before = desk.audit.head()

    with pytest.raises(PermissionDenied) as caught:
        getattr(desk.review, decide)(order.id, actor=CLERK, reason="looks fine to me")

    assert caught.value.action == f"review.{decide}"
    assert desk.audit.head() == before
    assert desk.orders.get(order.id).status is OrderStatus.ON_HOLD


def test_a_reviewer_must_give_a_reason() -> None:
    desk = _open(review=_held_policy())
    order = desk.orders.place(_draft(price="150.00"), actor=CLERK)

    before = desk.audit.head()

    with pytest.raises(ValidationError) as caught:
        desk.review.approve(order.id, actor=REVIEWER, reason=" ")

    assert caught.value.field == "reason"
    assert desk.audit.head() == before


PICKUP_COUNTER = SharedIdentities(
    addresses={SharedIdentities.address_entry("12 Analytical Row", "N1 7AA", "GB")}
)


def test_orders_linked_only_by_a_shared_address_are_not_counted_together() -> None:
    desk = _open(review=ReviewPolicy(shared=PICKUP_COUNTER))
    statuses = []
    for index in range(7):
        # Seven buyers collecting at one pickup counter: the address is the counter's.
        draft = _draft(customer_id=f"c-{index}", email=f"x{index}@example.com", quantity=index + 1)
        statuses.append(desk.orders.place(draft, actor=CLERK).status)
    assert statuses == [OrderStatus.APPROVED] * 7
    last = desk.orders.list()[-1].id
    verdict = desk.review.evaluate(last, actor=REVIEWER)
    assert not [f for f in verdict.findings if f.rule in {"velocity", "likely-duplicate"}]


def test_a_shared_address_does_not_hide_the_buyers_own_details() -> None:
    desk = _open(review=ReviewPolicy(shared=PICKUP_COUNTER))
    for index in range(6):
        # One buyer, one e-mail, six orders to the pickup counter.
        desk.orders.place(_draft(customer_id=None, quantity=index + 1), actor=CLERK)
    findings = desk.review.evaluate(desk.orders.list()[-1].id, actor=REVIEWER).findings
    velocity = [f for f in findings if f.rule == "velocity"]
    assert len(velocity) == 1
    assert "email 5" in velocity[0].message
    assert "address" not in velocity[0].message


def test_repeat_orders_from_one_identity_trip_velocity_through_the_desk_index() -> None:
    desk = _open()
    statuses = []
    for index in range(7):
        # Different customer ids and e-mails, one street address: only the address links them.
        draft = _draft(customer_id=f"c-{index}", email=f"x{index}@example.com", quantity=index + 1)
        statuses.append(desk.orders.place(draft, actor=CLERK).status)

    assert statuses[:5] == [OrderStatus.APPROVED] * 5
    findings = desk.review.evaluate(desk.orders.list()[-1].id, actor=REVIEWER).findings
    assert any(f.rule == "velocity" and "address 6" in f.message for f in findings)


def test_a_second_identical_order_is_held_as_a_likely_duplicate() -> None:
    desk = _open()

    desk.orders.place(_draft(), actor=CLERK)
    again = desk.orders.place(_draft(), actor=CLERK)

    assert again.status is OrderStatus.ON_HOLD
    assert "likely-duplicate" in [f.rule for f in desk.review.queue()[0].findings]


def test_evaluate_writes_nothing() -> None:
    desk = _open()
    order = desk.orders.place(_draft(), actor=CLERK)
    before = desk.audit.head()

    verdict = desk.review.evaluate(order.id, actor=REVIEWER)

    assert [f.rule for f in verdict.findings] == ["payment-secured"]
    assert verdict.score == 10
    assert desk.audit.head() == before


def test_with_automatic_review_off_orders_wait_until_review_is_run() -> None:
    desk = _open(review=ReviewPolicy(automatic=False))
    order = desk.orders.place(_draft(), actor=CLERK)
    assert order.status is OrderStatus.PENDING_REVIEW

    reviewed = desk.review.review(order.id, actor=CLERK)

    assert reviewed.status is OrderStatus.APPROVED
    with pytest.raises(InvalidTransition):
        desk.review.review(order.id, actor=CLERK)


@attrs.frozen
class NoWeekendRush:
    code: str = "no-weekend-rush"
    description: str = "a host's own rule"

    def evaluate(self, order: Order, context: ReviewContext) -> Finding | None:
        del context
        return Finding(self.code, Sentiment.NEGATIVE, 60, f"{order.number}: host says hold")


class HostRules:
    @hookimpl
    def ordercore_review_rules(self) -> list[NoWeekendRush]:
        return [NoWeekendRush()]


class GoldCustomers:
    """A customer store that knows c-gold is a gold customer."""

    def profile(
        self, uow: UnitOfWork, order: Order, recent: tuple[RecentOrder, ...]
    ) -> CustomerProfile | None:
        del uow, recent
        tier = "gold" if order.customer_id == "c-gold" else ""
        return CustomerProfile(order.customer_id or "?", tier=tier, completed_orders=5)


def test_a_plugin_rule_takes_part_and_a_tier_exemption_skips_it() -> None:
    policy = ReviewPolicy(exemptions={"gold": {"no-weekend-rush"}})
    desk = _open(HostRules(), review=policy)
    desk.review.customers = GoldCustomers()

    ordinary = desk.orders.place(_draft(customer_id="c-1"), actor=CLERK)
    gold = desk.orders.place(
        _draft(customer_id="c-gold", email="g@x.org", line1="1 Gold St"), actor=CLERK
    )

    assert ordinary.status is OrderStatus.ON_HOLD
    assert "no-weekend-rush" in [f.rule for f in desk.review.queue()[0].findings]
    assert gold.status is OrderStatus.APPROVED


@pytest.mark.parametrize(("history_days", "held"), [(1, False), (7, True)])
def test_history_is_forgotten_after_the_policy_window(history_days: int, held: bool) -> None:
    clock = ManualClock()
    eager = Velocity(max_orders=1, window=timedelta(days=30))
    desk = _open(review=ReviewPolicy(history_days=history_days).with_rule(eager), clock=clock)
    desk.orders.place(_draft(), actor=CLERK)
    clock.advance(timedelta(days=2))

    again = desk.orders.place(_draft(), actor=CLERK)

    assert (again.status is OrderStatus.ON_HOLD) is held
