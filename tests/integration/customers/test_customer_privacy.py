"""Merge and anonymize: order history and the journal stay intact, personal data goes."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from ordercore import (
    Actor,
    CustomerDraft,
    OrderDesk,
    OrderDraft,
    PaymentKind,
    ValidationError,
)
from ordercore.customers import CustomerStatus
from ordercore.orders.model import ORDERS

CLERK = Actor("u-clerk", roles={"clerk"})
PERSONAL = ("Ada", "Lovelace", "ada@example.com", "+442079460958", "7946", "Analytical")

Drafts = Callable[..., CustomerDraft]
Orders = Callable[..., OrderDraft]


def _paid(desk: OrderDesk, customer_id: str, orders: Orders, price: str) -> str:
    order = desk.orders.place(orders(customer_id, price), actor=CLERK)
    desk.orders.record_payment(
        order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )
    return order.id


def test_merge_keeps_both_histories_and_moves_the_points(
    desk: OrderDesk, customer_draft: Drafts, order_draft: Orders
) -> None:
    ada = desk.customers.register(customer_draft(phone=None), actor=CLERK)
    twin = desk.customers.register(
        customer_draft("A. Lovelace", email="ADA@example.com", phone="+442079460958"),
        actor=CLERK,
        allow_duplicate=True,
    )
    assert desk.customers.duplicates_of(ada.id) == {"email": (twin.id,)}
    first = _paid(desk, ada.id, order_draft, "40.00")
    second = _paid(desk, twin.id, order_draft, "70.00")
    desk.customers.log_communication(twin.id, actor=CLERK, channel="phone", summary="asked")

    merged = desk.customers.merge(ada.id, twin.id, actor=CLERK, reason="same e-mail")

    assert merged.merged_from == (twin.id,)
    assert merged.phone == "+442079460958"  # taken from the absorbed record
    assert len(merged.communications) == 1
    assert merged.tier == "gold"  # 110 EUR together
    view = desk.customers.profile(ada.id)
    assert desk.customers.export(ada.id, actor=CLERK)["orders"][1]["order_id"] == second
    assert first != second
    assert view.paid_orders == 2
    assert desk.customers.points(ada.id).balance == 110
    assert desk.customers.points(twin.id).balance == 0
    absorbed = desk.customers.get(twin.id)
    assert (absorbed.status, absorbed.merged_into) == (CustomerStatus.MERGED, ada.id)
    with desk.storage.unit_of_work() as uow:
        assert uow.journal.stream("customer", twin.id)[-1].event_type == "CustomerMergedInto"
    assert desk.audit.verify_journal().ok
    # A refund of an absorbed record's order settles against the survivor's points.
    desk.orders.record_payment(
        second, actor=CLERK, kind=PaymentKind.REFUND, amount=desk.orders.get(second).captured
    )
    assert desk.customers.points(ada.id).balance == 40


def test_merged_records_refuse_further_changes(desk: OrderDesk, customer_draft: Drafts) -> None:
    ada = desk.customers.register(customer_draft(), actor=CLERK)
    twin = desk.customers.register(customer_draft(), actor=CLERK, allow_duplicate=True)
    desk.customers.merge(ada.id, twin.id, actor=CLERK, reason="duplicate")

    with pytest.raises(ValidationError) as caught:
        desk.customers.merge(ada.id, twin.id, actor=CLERK, reason="again")
    assert caught.value.field == "customer_id"
    with pytest.raises(ValidationError):
        desk.customers.merge(ada.id, ada.id, actor=CLERK, reason="self")


def test_anonymize_erases_personal_data_and_keeps_orders_and_the_chain(
    desk: OrderDesk,
    customer_draft: Drafts,
    order_draft: Orders,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    ada = desk.customers.register(customer_draft(), actor=CLERK)
    order = _paid(desk, ada.id, order_draft, "120.00")
    desk.customers.log_communication(ada.id, actor=CLERK, channel="phone", summary="Ada called")
    before = desk.customers.profile(ada.id)
    assert "ada@example.com" in json.dumps(
        desk.customers.export(ada.id, actor=CLERK, personal=True)
    )
    caplog.clear()

    erased = desk.customers.anonymize(ada.id, actor=CLERK, reason="GDPR request 17")

    assert erased.status is CustomerStatus.ANONYMIZED
    assert (erased.email, erased.phone, erased.addresses, erased.birthday) == (None, None, (), None)
    after = desk.customers.profile(ada.id)
    assert (after.orders, after.net_spend, after.tier) == (
        before.orders,
        before.net_spend,
        before.tier,
    )
    assert desk.orders.get(order).customer_id == ada.id
    assert desk.audit.verify_journal().ok
    with desk.storage.unit_of_work() as uow:
        entries = uow.journal.stream("customer", ada.id)
        assert uow.aggregates(ORDERS).get(order).version > 1
    assert all(entry.personal is None for entry in entries)
    assert entries[-1].event_type == "CustomerAnonymized"
    for personal in (False, True):
        exported = json.dumps(desk.customers.export(ada.id, actor=CLERK, personal=personal))
        for text in PERSONAL:
            assert text not in exported
    # Digests are left out: they are random-salted hex, which may hold "7946" by chance.
    digests = ("hash", "previous_hash", "personal_digest")
    journal_text = json.dumps(
        [{k: v for k, v in e.content().items() if k not in digests} for e in entries]
    )
    for text in PERSONAL:
        assert text not in journal_text
        assert text not in caplog.text
    assert desk.customers.duplicates_of(ada.id) == {}


def test_export_masks_personal_data_unless_asked_for_it(
    desk: OrderDesk, customer_draft: Drafts
) -> None:
    ada = desk.customers.register(customer_draft(), actor=CLERK)
    desk.customers.log_communication(ada.id, actor=CLERK, channel="phone", summary="Ada called")

    masked = json.dumps(desk.customers.export(ada.id, actor=CLERK))

    for text in ("ada@example.com", "Lovelace", "Ada called", "7946"):
        assert text not in masked
    assert "u-clerk" in masked
