"""Bad input to desk.customers: a typed error naming the field and reason, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from ordercore import (
    Actor,
    Address,
    CustomerDraft,
    CustomerUpdate,
    NotFound,
    OrderDesk,
    OrderDraft,
    PaymentKind,
    Tier,
    TierPolicy,
    ValidationError,
)
from ordercore.customers import CUSTOMERS

CLERK = Actor("u-clerk", roles={"clerk"})

Drafts = Callable[..., CustomerDraft]


def _snapshot(desk: OrderDesk) -> tuple[int, int, int]:
    with desk.storage.unit_of_work() as uow:
        customers = uow.aggregates(CUSTOMERS).count()
        return customers, uow.journal.head().sequence, len(uow.outbox.list())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "ada.example.com"}, "email"),
        ({"email": "ada@@example.com"}, "email"),
        ({"email": "ada@example"}, "email"),
        ({"email": "a..b@example.com"}, "email"),
        ({"phone": "020 7946 0958"}, "phone"),
        ({"phone": "+0 20 7946"}, "phone"),
        ({"phone": "+44 20 7946 0958 1234 56"}, "phone"),
        ({"phone": "+44 abc"}, "phone"),
        ({"addresses": (Address("Ada", "1 Row", "London", "GBR"),)}, "addresses[0].country"),
        ({"addresses": (Address("Ada", " ", "London", "GB"),)}, "addresses[0].line1"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"payment_terms_days": -1}, "payment_terms_days"),
        ({"consents": {"marketing": "yes"}}, "consents.marketing"),
    ],
)
def test_malformed_input_is_refused_before_anything_is_written(
    desk: OrderDesk, customer_draft: Drafts, changes: dict[str, object], field: str
) -> None:
    before = _snapshot(desk)

    with pytest.raises(ValidationError) as caught:
        desk.customers.register(customer_draft(**changes), actor=CLERK)

    assert caught.value.field == field
    assert caught.value.reason
    assert _snapshot(desk) == before


def test_an_error_message_never_repeats_the_bad_contact(
    desk: OrderDesk, customer_draft: Drafts
) -> None:
    with pytest.raises(ValidationError) as caught:
        desk.customers.register(customer_draft(email="secret.person@nowhere"), actor=CLERK)
    assert "secret" not in str(caught.value)


def test_a_bad_update_leaves_the_record_as_it_was(desk: OrderDesk, customer_draft: Drafts) -> None:
    ada = desk.customers.register(customer_draft(), actor=CLERK)
    before = _snapshot(desk)

    with pytest.raises(ValidationError) as caught:
        desk.customers.update(ada.id, CustomerUpdate(name="Ada", phone="12345"), actor=CLERK)

    assert caught.value.field == "phone"
    assert _snapshot(desk) == before
    assert desk.customers.get(ada.id) == ada


def test_a_duplicate_contact_is_refused_naming_the_other_record(
    desk: OrderDesk, customer_draft: Drafts
) -> None:
    ada = desk.customers.register(customer_draft(), actor=CLERK)
    before = _snapshot(desk)

    with pytest.raises(ValidationError) as caught:
        desk.customers.register(customer_draft("Ada L.", email="ADA@example.com"), actor=CLERK)

    assert caught.value.field == "email"
    assert ada.id in caught.value.reason
    assert _snapshot(desk) == before


@pytest.mark.parametrize(
    "call",
    [
        lambda desk: desk.customers.profile("cus_missing"),
        lambda desk: desk.customers.get("cus_missing"),
        lambda desk: desk.customers.update("cus_missing", CustomerUpdate(name="X"), actor=CLERK),
        lambda desk: desk.customers.redeem_points("cus_missing", 5, actor=CLERK),
        lambda desk: desk.customers.anonymize("cus_missing", actor=CLERK, reason="request"),
        lambda desk: desk.customers.log_communication(
            "cus_missing", actor=CLERK, channel="phone", summary="hello"
        ),
        lambda desk: desk.customers.export("cus_missing", actor=CLERK),
        lambda desk: desk.customers.points("cus_missing"),
    ],
)
def test_an_unknown_customer_is_not_found_and_nothing_is_written(
    desk: OrderDesk, call: Callable[[OrderDesk], object]
) -> None:
    before = _snapshot(desk)

    with pytest.raises(NotFound) as caught:
        call(desk)

    assert caught.value.kind == "customer"
    assert _snapshot(desk) == before


def test_merging_an_unknown_customer_writes_nothing(
    desk: OrderDesk, customer_draft: Drafts
) -> None:
    ada = desk.customers.register(customer_draft(), actor=CLERK)
    before = _snapshot(desk)

    with pytest.raises(NotFound):
        desk.customers.merge(ada.id, "cus_missing", actor=CLERK, reason="duplicate")

    assert _snapshot(desk) == before
    assert desk.customers.get(ada.id) == ada


def test_redeeming_more_points_than_the_balance_is_refused_and_writes_nothing(
    desk: OrderDesk, customer_draft: Drafts, order_draft: Callable[..., OrderDraft]
) -> None:
    ada = desk.customers.register(customer_draft(), actor=CLERK)
    order = desk.orders.place(order_draft(ada.id, "30.00"), actor=CLERK)
    desk.orders.record_payment(
        order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )
    ledger = desk.customers.points(ada.id)
    before = _snapshot(desk)

    with pytest.raises(ValidationError) as caught:
        desk.customers.redeem_points(ada.id, ledger.balance + 1, actor=CLERK)

    assert caught.value.field == "points"
    assert "only 30 points" in caught.value.reason
    assert _snapshot(desk) == before
    assert desk.customers.points(ada.id) == ledger
    for bad in (0, -5, True):
        with pytest.raises(ValidationError):
            desk.customers.redeem_points(ada.id, bad, actor=CLERK)


@pytest.mark.parametrize(
    ("thresholds", "field"),
    [
        (("100", "100"), "tiers[1].threshold"),
        (("100", "50"), "tiers[1].threshold"),
        (("0", "10", "5"), "tiers[2].threshold"),
    ],
)
def test_a_policy_whose_thresholds_do_not_increase_is_refused(
    thresholds: tuple[str, ...], field: str
) -> None:
    tiers = [Tier(f"t{i}", Decimal(value)) for i, value in enumerate(thresholds)]

    with pytest.raises(ValidationError) as caught:
        TierPolicy(tiers)

    assert caught.value.field == field
    assert "must increase" in caught.value.reason


def test_other_bad_tier_policies_name_their_field() -> None:
    with pytest.raises(ValidationError) as caught:
        TierPolicy(())
    assert caught.value.field == "tiers"
    with pytest.raises(ValidationError) as caught:
        TierPolicy((Tier("a", Decimal(1)), Tier("a", Decimal(2))))
    assert caught.value.field == "tiers[1].code"
    with pytest.raises(ValidationError) as caught:
        Tier("gold", Decimal(-1))
    assert caught.value.field == "tier.threshold"
    with pytest.raises(ValidationError) as caught:
        TierPolicy((Tier("a", Decimal(1)),), grace_days=-1)
    assert caught.value.field == "grace_days"
