"""SharedIdentities: details many buyers share give no identity key; nothing else changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Address,
    Contact,
    LineDraft,
    Order,
    OrderDraft,
    OrderPolicy,
    SharedIdentities,
    ValidationError,
)
from ordercore.orders import lifecycle
from ordercore.orders.intake import validate_draft
from ordercore.review.identity import identities

SALT = "salt"
PHONE = "+44 20 7946 0000"
COUNTER = Address("Pickup Counter", "1 Market Sq", "Leeds", "GB", "LS1 1AA")


def _order(customer: str | None, email: str, phone: str, address: Address) -> Order:
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada", email=email, phone=phone),
        shipping_address=address,
        lines=[LineDraft("SKU-1", 1, "10.00")],
        customer_id=customer,
    )
    valid = validate_draft(draft, OrderPolicy().intake)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    return lifecycle.place(valid, order_id="o1", number="1", now=now, policy=OrderPolicy()).order


def test_entries_are_compared_in_their_normal_form() -> None:
    shared = SharedIdentities(
        customer_ids=["guest"],
        emails={" Relay@Marketplace.example "},
        phones={"0044 20 7946-0000"},
        addresses={SharedIdentities.address_entry("1  market sq", "ls1 1aa", "gb")},
    )
    keys = identities(_order("guest", "relay@marketplace.example", PHONE, COUNTER), SALT, shared)
    assert keys == {}
    assert shared.excludes("phone", "+442079460000")
    assert not shared.excludes("phone", "+442079460001")
    assert not shared.excludes("unknown-kind", "+442079460000")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("emails", "relay@marketplace.example"),  # a lone string is not a collection
        ("phones", b"+44"),
        ("addresses", 7),
        ("customer_ids", ["guest", ""]),
        ("emails", [None]),
    ],
)
def test_bad_entries_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        SharedIdentities(**{field: value})
    assert refused.value.field == field


KINDS = ("customer", "email", "phone", "address")


@given(shared_kinds=st.sets(st.sampled_from(KINDS)), index=st.integers(0, 50))
def test_sharing_removes_exactly_the_keys_of_the_shared_details(
    shared_kinds: set[str], index: int
) -> None:
    email, customer = f"buyer{index}@example.com", f"c-{index}"
    placed = _order(customer, email, PHONE, COUNTER)
    everything = identities(placed, SALT)
    shared = SharedIdentities(
        customer_ids={customer} if "customer" in shared_kinds else set(),
        emails={email.upper()} if "email" in shared_kinds else set(),
        phones={PHONE} if "phone" in shared_kinds else set(),
        addresses={SharedIdentities.address_entry("1 Market Sq", "LS1 1AA", "GB")}
        if "address" in shared_kinds
        else set(),
    )
    kept = identities(placed, SALT, shared)
    assert set(everything) == set(KINDS)
    assert kept == {kind: key for kind, key in everything.items() if kind not in shared_kinds}
