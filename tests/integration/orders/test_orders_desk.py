"""desk.orders end to end: lifecycle, notifications, journal, dedup, idempotency, queries."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs
import pytest

from ordercore import (
    Actor,
    Address,
    CommandContext,
    Contact,
    DeskConfig,
    EditRequest,
    IdempotencyConflict,
    InsufficientStock,
    IntakePolicy,
    LineDraft,
    ManualClock,
    Money,
    Order,
    OrderDesk,
    OrderDraft,
    OrderPolicy,
    OrderStatus,
    PaymentKind,
    PaymentState,
    ReviewPolicy,
    RoutingPolicy,
    RoutingRule,
    SequentialIds,
    StockDelta,
)
from ordercore.testing import RecordingNotifier

S = OrderStatus
CLERK = Actor("u-clerk", roles={"clerk"})
ADDRESS = Address("Ada Lovelace", "1 Main St", "Berlin", "DE", "10115")
EMAIL = "ada.lovelace@example.com"
PHONE = "+4915112345678"


def _open(
    *plugins: object, clock: ManualClock | None = None, config: DeskConfig | None = None
) -> OrderDesk:
    return OrderDesk.open(
        "memory://",
        plugins=plugins,
        clock=clock or ManualClock(),
        # Orders go through review by hand here; automatic review has its own tests.
        config=attrs.evolve(config or DeskConfig(), review=ReviewPolicy(automatic=False)),
        ids=SequentialIds(),
        entry_points=False,
    )


def _draft(**changes: Any) -> OrderDraft:
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email=EMAIL, phone=PHONE),
        shipping_address=ADDRESS,
        lines=[
            LineDraft("SKU-1", 3, "10.00", tax_rate="0.19", category="books"),
            LineDraft("SKU-2", 1, "5.00"),
        ],
    )
    return attrs.evolve(draft, **changes)


def _state(desk: OrderDesk) -> tuple[int, int]:
    """(journal head sequence, outbox messages in any status)."""
    with desk.storage.unit_of_work() as uow:
        return uow.journal.head().sequence, len(uow.outbox.list())


def _event_types(desk: OrderDesk) -> list[str]:
    return [entry.event_type for entry in desk.audit.journal()]


def _eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


# -- the whole lifecycle -------------------------------------------------------------------


def test_full_lifecycle_through_the_desk() -> None:
    clock = ManualClock()
    recorder = RecordingNotifier()
    with _open(recorder, clock=clock) as desk:
        orders = desk.orders
        order = orders.place(_draft(), actor=CLERK)
        assert (order.id, order.number, order.status) == (
            "ord_000001",
            "SO-000001",
            S.PENDING_REVIEW,
        )
        assert order.totals.grand_total == _eur("40.70")
        assert order.payment_due_at == clock.now() + timedelta(days=7)
        clock.advance(minutes=5)
        assert orders.approve(order.id, actor=CLERK, reason="ok").status is S.APPROVED
        confirmed = orders.confirm(order.id, actor=CLERK)
        assert confirmed.status is S.CONFIRMED
        assert [line.reserved for line in confirmed.lines] == [3, 1]
        paid = orders.record_payment(
            order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=_eur("40.70"), reference="t1"
        )
        assert paid.payment_state is PaymentState.PAID
        clock.advance(hours=1)
        partly = orders.ship(order.id, actor=CLERK, lines={"L1": 2}, shipment_id="shp-A")
        assert partly.status is S.IN_FULFILMENT
        assert orders.timeline(order.id).stages[4].detail == "2 of 4 items"
        fulfilled = orders.ship(order.id, actor=CLERK)
        assert fulfilled.status is S.FULFILLED
        assert all(line.reserved == 0 for line in fulfilled.lines)
        assert orders.deliver(order.id, actor=CLERK, lines={"L1": 3}).status is S.FULFILLED
        assert orders.deliver(order.id, actor=CLERK).status is S.DELIVERED
        done = orders.complete(order.id, actor=CLERK)
        assert done.status is S.COMPLETED
        assert done.version == 9
        assert orders.get(order.id) == done
        assert orders.timeline(order.id).current == "Completed"
        assert [entry.event_type for entry in orders.history(order.id)] == [
            "OrderPlaced",
            "OrderApproved",
            "OrderConfirmed",
            "PaymentRecorded",
            "OrderShipped",
            "OrderShipped",
            "OrderDelivered",
            "OrderDelivered",
            "OrderCompleted",
        ]
        assert [entry.version for entry in orders.history(order.id)] == list(range(1, 10))
        assert {entry.actor for entry in orders.history(order.id)} == {"u-clerk"}
        assert desk.audit.verify_journal().ok
        assert orders.replay(order.id) == done
        shipped = orders.events(order.id)[4]
        assert getattr(shipped, "shipment_id", None) == "shp-A"
    templates = [n.template for n in recorder.received]
    # A partial delivery tells the customer nothing; the final one does.
    assert templates == [
        "order_received",
        "order_confirmed",
        "order_shipped",
        "order_shipped",
        "order_delivered",
    ]
    assert [n.data.get("units") for n in recorder.received if n.template == "order_shipped"] == [
        2,
        2,
    ]


def test_a_version_is_one_per_event_and_journal_entries_match() -> None:
    with _open() as desk:
        order = desk.orders.place(_draft(), actor=CLERK)
        desk.orders.hold(order.id, actor=CLERK, reason="check")
        released = desk.orders.release(order.id, actor=CLERK)
        assert released.version == 3
        assert released.status is S.PENDING_REVIEW
        assert desk.audit.head().sequence == 3


# -- notifications -------------------------------------------------------------------------


def test_notifications_carry_template_channel_recipient_and_data() -> None:
    recorder = RecordingNotifier()
    with _open(recorder) as desk:
        order = desk.orders.place(_draft(), actor=CLERK)
        desk.orders.hold(order.id, actor=CLERK, reason="address check")
        desk.orders.approve(order.id, actor=CLERK)
        desk.orders.confirm(order.id, actor=CLERK)
        desk.orders.cancel(order.id, actor=CLERK, reason="customer asked")
        assert desk.outbox.pending() == []
    assert [n.template for n in recorder.received] == [
        "order_received",
        "order_on_hold",
        "order_confirmed",
        "order_cancelled",
    ]
    statuses = ["pending_review", "on_hold", "confirmed", "cancelled"]
    for notification, status in zip(recorder.received, statuses, strict=True):
        assert notification.channel == "email"
        assert notification.recipient == EMAIL
        assert notification.data == {
            "order_id": "ord_000001",
            "order_number": "SO-000001",
            "status": status,
            "grand_total": "40.70",
            "currency": "EUR",
        }
        assert notification.attempt == 1
    assert len({n.message_id for n in recorder.received}) == 4


@pytest.mark.parametrize(
    ("contact", "channel", "recipient"),
    [
        (Contact("Ada", email=EMAIL, phone=PHONE), "email", EMAIL),
        (Contact("Ada", email=EMAIL, phone=PHONE, preferred_channel="sms"), "sms", PHONE),
        (Contact("Ada", email=EMAIL, preferred_channel="sms"), "email", EMAIL),
        (Contact("Ada", phone=PHONE), "sms", PHONE),
        (Contact("Ada", email=EMAIL, phone=PHONE, preferred_channel="pigeon"), "email", EMAIL),
    ],
    ids=["email-default", "sms-preferred", "sms-missing-falls-back", "phone-only", "unknown"],
)
def test_the_channel_follows_the_contacts_preference(
    contact: Contact, channel: str, recipient: str
) -> None:
    recorder = RecordingNotifier()
    with _open(recorder) as desk:
        desk.orders.place(_draft(contact=contact), actor=CLERK)
    (notification,) = recorder.received
    assert (notification.template, notification.channel, notification.recipient) == (
        "order_received",
        channel,
        recipient,
    )


def test_a_notifier_gets_only_the_channels_it_serves() -> None:
    mail = RecordingNotifier("mail", channels=("email",))
    sms = RecordingNotifier("sms", channels=("sms",))
    with _open(mail, sms) as desk:
        desk.orders.place(_draft(), actor=CLERK)
        texted = Contact("Bo", email=EMAIL, phone=PHONE, preferred_channel="sms")
        desk.orders.place(_draft(contact=texted), actor=CLERK)
    assert [(n.channel, n.data["order_id"]) for n in mail.received] == [("email", "ord_000001")]
    assert [(n.channel, n.data["order_id"]) for n in sms.received] == [("sms", "ord_000002")]


def test_a_contact_without_any_channel_gets_no_notification() -> None:
    recorder = RecordingNotifier()
    lenient = OrderPolicy(intake=IntakePolicy(require_contact_channel=False))
    with _open(recorder, config=DeskConfig(orders=lenient)) as desk:
        order = desk.orders.place(_draft(contact=Contact("Ada")), actor=CLERK)
        assert order.status is S.PENDING_REVIEW
        assert _state(desk) == (1, 0)
    assert recorder.attempts == []


def test_the_log_notifier_masks_the_email_address(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ordercore.notifications"), _open() as desk:
        desk.orders.place(_draft(), actor=CLERK)
        texted = Contact("Bo", email=EMAIL, phone=PHONE, preferred_channel="sms")
        desk.orders.place(_draft(contact=texted), actor=CLERK)
    messages = [r.getMessage() for r in caplog.records if r.name == "ordercore.notifications"]
    assert len(messages) == 2
    assert "order_received via email to a***@e***.com" in messages[0]
    assert "order_received via sms to +49*********78" in messages[1]
    for message in messages:
        assert EMAIL not in message
        assert PHONE not in message
        assert "ada.lovelace" not in message
        assert "SO-00000" in message


# -- journal and replay --------------------------------------------------------------------


def test_history_and_replay_rebuild_exactly_what_get_returns() -> None:
    with _open() as desk:
        orders = desk.orders
        order = orders.place(
            _draft(
                external_id="W-1",
                billing_address=attrs.evolve(ADDRESS, company="ACME"),
                order_discount="2.00",
                shipping_fee="4.95",
                tags=["gift"],
                note="leave at the door",
            ),
            actor=CLERK,
        )
        checks: list[Callable[[], Order]] = [
            lambda: orders.approve(order.id, actor=CLERK),
            lambda: orders.confirm(order.id, actor=CLERK),
            lambda: orders.hold(order.id, actor=CLERK, reason="fraud check"),
            lambda: orders.release(order.id, actor=CLERK, reason="cleared"),
            lambda: orders.edit(
                order.id,
                EditRequest(
                    set_quantities={"L1": 2},
                    add_lines=[LineDraft("SKU-3", 1, "3.00")],
                    shipping_address=attrs.evolve(ADDRESS, line1="2 Side St"),
                ),
                actor=CLERK,
                reason="customer call",
            ),
            lambda: orders.assign(order.id, actor=CLERK, queue="vip", assignee="bob"),
            lambda: orders.record_payment(
                order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=_eur("5.00")
            ),
            lambda: orders.record_payment(
                order.id, actor=CLERK, kind=PaymentKind.REFUND, amount=_eur("1.00")
            ),
            lambda: orders.cancel(order.id, actor=CLERK, reason="out of stock"),
        ]
        for step in checks:
            result = step()
            assert orders.get(order.id) == result
            assert orders.replay(order.id) == result
        final = orders.get(order.id)
        assert final.status is S.CANCELLED
        assert final.shipping_address.line1 == "2 Side St"
        assert final.billing_address is not None
        assert final.billing_address.company == "ACME"
        assert [entry.sequence for entry in orders.history(order.id)] == list(range(1, 11))
        edited = orders.history(order.id)[5]
        assert edited.event_type == "OrderEdited"
        assert edited.reason == "customer call"
        assert edited.payload["before_quantities"] == [
            {"line_id": "L1", "quantity": 3},
            {"line_id": "L2", "quantity": 1},
        ]


# -- channel dedup -------------------------------------------------------------------------


def test_same_channel_and_external_id_gives_the_same_order_whatever_the_keys() -> None:
    with _open() as desk:
        draft = _draft(external_id="W-1001")
        first = desk.orders.place(draft, actor=CLERK, idempotency_key="k-1")
        second = desk.orders.place(draft, actor=CLERK, idempotency_key="k-2")
        third = desk.orders.place(draft, actor=CLERK)
        fourth = desk.orders.place(draft, actor=CLERK)
        assert first.id == second.id == third.id == fourth.id == "ord_000001"
        assert first == second == third == fourth
        assert _event_types(desk).count("OrderPlaced") == 1
        assert len(desk.orders.list()) == 1
        found = desk.orders.find_by_channel("web", "W-1001")
        assert found is not None
        assert found.id == first.id
        assert desk.orders.find_by_channel("web", "W-9999") is None
        other_channel = desk.orders.place(
            _draft(external_id="W-1001", channel="phone"), actor=CLERK
        )
        assert other_channel.id != first.id
        # Orders without an external id are never deduplicated.
        no_ref = [desk.orders.place(_draft(), actor=CLERK).id for _ in range(2)]
        assert len(set(no_ref)) == 2
        assert _event_types(desk).count("OrderPlaced") == 4


def test_same_external_id_from_twenty_threads_makes_one_order() -> None:
    with _open() as desk:
        results: list[Order] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(20)

        def call() -> None:
            barrier.wait()
            try:
                results.append(desk.orders.place(_draft(external_id="W-7"), actor=CLERK))
            except BaseException as exc:  # pragma: no cover - reported by the assertion
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len({order.id for order in results}) == 1
        assert len(results) == 20
        assert _event_types(desk).count("OrderPlaced") == 1


# -- idempotency ---------------------------------------------------------------------------


def test_same_key_and_payload_twenty_times_places_one_order() -> None:
    recorder = RecordingNotifier()
    with _open(recorder) as desk:
        results = [
            desk.orders.place(_draft(), actor=CLERK, idempotency_key="idem-1") for _ in range(20)
        ]
        assert all(result == results[0] for result in results)
        assert desk.orders.get(results[0].id) == results[0]
        assert len(desk.orders.list()) == 1
        assert _event_types(desk) == ["OrderPlaced"]
    assert len(recorder.received) == 1


def test_same_key_and_payload_from_twenty_threads_places_one_order() -> None:
    with _open() as desk:
        results: list[Order] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(20)

        def call() -> None:
            barrier.wait()
            try:
                results.append(desk.orders.place(_draft(), actor=CLERK, idempotency_key="burst"))
            except BaseException as exc:  # pragma: no cover - reported by the assertion
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(results) == 20
        assert all(result == results[0] for result in results)
        assert len(desk.orders.list()) == 1
        assert _event_types(desk) == ["OrderPlaced"]


def test_same_key_with_another_payload_is_a_conflict_and_writes_nothing() -> None:
    with _open() as desk:
        desk.orders.place(_draft(), actor=CLERK, idempotency_key="idem-1")
        before = _state(desk)
        changed = _draft(lines=[LineDraft("SKU-1", 4, "10.00", tax_rate="0.19")])
        with pytest.raises(IdempotencyConflict) as caught:
            desk.orders.place(changed, actor=CLERK, idempotency_key="idem-1")
        assert caught.value.key == "idem-1"
        with pytest.raises(IdempotencyConflict):
            desk.orders.approve("ord_000001", actor=CLERK, idempotency_key="idem-1")
        assert _state(desk) == before
        assert len(desk.orders.list()) == 1


def test_a_repeated_command_key_returns_the_first_result_without_running_again() -> None:
    with _open() as desk:
        order = desk.orders.place(_draft(), actor=CLERK)
        first = desk.orders.hold(order.id, actor=CLERK, reason="check", idempotency_key="h-1")
        again = desk.orders.hold(order.id, actor=CLERK, reason="check", idempotency_key="h-1")
        assert first == again
        assert desk.orders.get(order.id).version == 2
        with pytest.raises(IdempotencyConflict):
            desk.orders.hold(order.id, actor=CLERK, reason="other", idempotency_key="h-1")


def test_record_payment_is_idempotent_by_the_provider_transaction_id() -> None:
    with _open() as desk:
        order = desk.orders.place(_draft(), actor=CLERK)
        results = [
            desk.orders.record_payment(
                order.id,
                actor=CLERK,
                kind=PaymentKind.CAPTURE,
                amount=_eur("10.00"),
                reference="psp-tx-1",
                idempotency_key="psp-tx-1",
            )
            for _ in range(3)
        ]
        assert results[0] == results[1] == results[2]
        stored = desk.orders.get(order.id)
        assert [p.reference for p in stored.payments] == ["psp-tx-1"]
        assert stored.captured == _eur("10.00")
        assert _event_types(desk).count("PaymentRecorded") == 1
        with pytest.raises(IdempotencyConflict):
            desk.orders.record_payment(
                order.id,
                actor=CLERK,
                kind=PaymentKind.CAPTURE,
                amount=_eur("11.00"),
                reference="psp-tx-1",
                idempotency_key="psp-tx-1",
            )
        # Another transaction id is another payment.
        desk.orders.record_payment(
            order.id,
            actor=CLERK,
            kind=PaymentKind.CAPTURE,
            amount=_eur("10.00"),
            reference="psp-tx-2",
            idempotency_key="psp-tx-2",
        )
        assert desk.orders.get(order.id).captured == _eur("20.00")


# -- queries -------------------------------------------------------------------------------


def test_list_filters_by_status_channel_queue_assignee_and_customer() -> None:
    clock = ManualClock()
    routing = RoutingPolicy(rules=(RoutingRule("phone", "phone-desk", channels="phone"),))
    config = DeskConfig(orders=OrderPolicy(routing=routing))
    with _open(clock=clock, config=config) as desk:
        a = desk.orders.place(_draft(customer_id="c-1"), actor=CLERK)
        clock.advance(minutes=1)
        b = desk.orders.place(_draft(channel="phone", customer_id="c-2"), actor=CLERK)
        clock.advance(minutes=1)
        c = desk.orders.place(_draft(customer_id="c-1"), actor=CLERK)
        desk.orders.approve(c.id, actor=CLERK)
        desk.orders.assign(a.id, actor=CLERK, assignee="bob")

        def ids(**filters: object) -> list[str]:
            return [order.id for order in desk.orders.list(**filters)]  # type: ignore[arg-type]

        assert ids() == [a.id, b.id, c.id]
        assert ids(status=S.PENDING_REVIEW) == [a.id, b.id]
        assert ids(status=S.APPROVED) == [c.id]
        assert ids(status=S.CANCELLED) == []
        assert ids(channel="phone") == [b.id]
        assert ids(queue="phone-desk") == [b.id]
        assert ids(queue="general") == [a.id, c.id]
        assert ids(assignee="bob") == [a.id]
        assert ids(customer_id="c-1") == [a.id, c.id]
        assert ids(customer_id="c-1", status=S.APPROVED) == [c.id]
        assert ids(channel="phone", customer_id="c-1") == []


def test_expire_overdue_expires_only_unpaid_orders_past_their_deadline() -> None:
    clock = ManualClock()
    recorder = RecordingNotifier()
    with _open(recorder, clock=clock) as desk:
        orders = desk.orders
        plain = orders.place(_draft(), actor=CLERK)
        confirmed = orders.place(_draft(), actor=CLERK)
        orders.approve(confirmed.id, actor=CLERK)
        orders.confirm(confirmed.id, actor=CLERK)
        partly_paid = orders.place(_draft(), actor=CLERK)
        orders.record_payment(
            partly_paid.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=_eur("1.00")
        )
        on_credit = orders.place(_draft(credit_terms=True), actor=CLERK)
        clock.advance(days=1)
        later = orders.place(_draft(), actor=CLERK)
        rejected = orders.place(_draft(), actor=CLERK)
        orders.reject(rejected.id, actor=CLERK, reason="fraud")
        clock.advance(days=6, seconds=-1)
        assert orders.expire_overdue(actor=Actor.system()) == ()
        clock.advance(seconds=1)  # exactly seven days after the first orders
        expired = orders.expire_overdue(actor=Actor.system())
        assert sorted(expired) == sorted([plain.id, confirmed.id])
        assert orders.get(plain.id).status is S.EXPIRED
        reopened = orders.get(confirmed.id)
        assert reopened.status is S.EXPIRED
        assert all(line.reserved == 0 for line in reopened.lines)
        for untouched, status in [
            (partly_paid, S.PENDING_REVIEW),
            (on_credit, S.PENDING_REVIEW),
            (later, S.PENDING_REVIEW),
            (rejected, S.REJECTED),
        ]:
            assert orders.get(untouched.id).status is status
        assert orders.expire_overdue(actor=Actor.system()) == ()
        clock.advance(days=1)
        assert orders.expire_overdue(actor=Actor.system()) == (later.id,)
        (entry,) = [e for e in orders.history(plain.id) if e.event_type == "OrderExpired"]
        assert entry.actor == "system"
    assert [n.template for n in recorder.received].count("order_expired") == 3


def test_assign_records_its_reason_in_the_journal() -> None:
    with _open() as desk:
        order = desk.orders.place(_draft(), actor=CLERK)
        assigned = desk.orders.assign(
            order.id, actor=CLERK, queue="escalations", assignee="bob", reason="VIP customer"
        )
        assert (assigned.queue, assigned.assignee) == ("escalations", "bob")
        entry = desk.orders.history(order.id)[-1]
        assert entry.event_type == "OrderAssigned"
        assert entry.reason == "VIP customer"
        assert entry.payload == {
            "at": "2025-01-01T00:00:00+00:00",
            "queue": "escalations",
            "assignee": "bob",
            "reason": "VIP customer",
        }
        desk.orders.hold(order.id, actor=CLERK, reason="address check")
        assert desk.orders.history(order.id)[-1].reason == "address check"
        desk.orders.assign(order.id, actor=CLERK, assignee="carol")
        last = desk.orders.history(order.id)[-1]
        assert last.reason is None
        assert desk.orders.get(order.id).queue == "escalations"


# -- stock port ----------------------------------------------------------------------------


class RecordingStock:
    """A stock port that keeps what each command asked of it, and can refuse reservations."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, StockDelta]] = []
        self.refuse = False

    def apply(self, ctx: CommandContext, order: Order, delta: StockDelta) -> None:
        assert not delta.is_empty()
        if self.refuse and delta.reserve:
            first = delta.reserve[0]
            raise InsufficientStock(first.sku, "main", first.quantity, 0)
        self.calls.append((ctx.action, order.status.value, delta))


def _moves(delta: StockDelta) -> dict[str, list[tuple[str, int]]]:
    return {
        kind: [(line.sku, line.quantity) for line in getattr(delta, kind)]
        for kind in ("reserve", "release", "consume")
        if getattr(delta, kind)
    }


def test_stock_deltas_reach_the_stock_port_inside_each_command() -> None:
    stock = RecordingStock()
    with _open() as desk:
        desk.orders.stock = stock
        orders = desk.orders
        order = orders.place(_draft(), actor=CLERK)
        orders.approve(order.id, actor=CLERK)
        assert stock.calls == []  # nothing is reserved before confirmation
        orders.confirm(order.id, actor=CLERK)
        orders.edit(order.id, EditRequest(set_quantities={"L1": 1}), actor=CLERK, reason="fewer")
        paid = orders.get(order.id)
        orders.record_payment(
            order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=paid.balance_due
        )
        orders.ship(order.id, actor=CLERK, lines={"L2": 1})
        other = orders.place(_draft(), actor=CLERK)
        orders.approve(other.id, actor=CLERK)
        orders.confirm(other.id, actor=CLERK)
        orders.cancel(other.id, actor=CLERK, reason="customer asked")
    assert [(action, status, _moves(delta)) for action, status, delta in stock.calls] == [
        ("order.confirm", "confirmed", {"reserve": [("SKU-1", 3), ("SKU-2", 1)]}),
        ("order.edit", "confirmed", {"release": [("SKU-1", 2)]}),
        ("order.ship", "in_fulfilment", {"consume": [("SKU-2", 1)]}),
        ("order.confirm", "confirmed", {"reserve": [("SKU-1", 3), ("SKU-2", 1)]}),
        ("order.cancel", "cancelled", {"release": [("SKU-1", 3), ("SKU-2", 1)]}),
    ]


def test_a_stock_port_that_refuses_rolls_the_whole_command_back() -> None:
    stock = RecordingStock()
    recorder = RecordingNotifier()
    with _open(recorder) as desk:
        desk.orders.stock = stock
        order = desk.orders.place(_draft(), actor=CLERK)
        approved = desk.orders.approve(order.id, actor=CLERK)
        before = _state(desk)
        stock.refuse = True
        with pytest.raises(InsufficientStock) as caught:
            desk.orders.confirm(order.id, actor=CLERK, idempotency_key="confirm-1")
        assert (caught.value.sku, caught.value.requested) == ("SKU-1", 3)
        assert _state(desk) == before
        assert desk.orders.get(order.id) == approved
        stock.refuse = False
        # The refused attempt did not use up its idempotency key.
        assert desk.orders.confirm(order.id, actor=CLERK, idempotency_key="confirm-1").status is (
            S.CONFIRMED
        )
    assert "order_confirmed" in [n.template for n in recorder.received]
    assert [n.template for n in recorder.attempts].count("order_confirmed") == 1
