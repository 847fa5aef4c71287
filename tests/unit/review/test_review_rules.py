"""Each built-in review rule fires at its boundary and stays silent just inside it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from ordercore import (
    Address,
    Blocklist,
    Contact,
    CountryMismatch,
    CreditLimit,
    CustomerDataComplete,
    CustomerProfile,
    HighValueNewCustomer,
    LikelyDuplicate,
    LineDraft,
    Money,
    Order,
    OrderDraft,
    OrderPolicy,
    OrderStatus,
    PaymentKind,
    PaymentSecured,
    PriceDeviation,
    RecentOrder,
    ReturningCustomer,
    ReviewContext,
    Sentiment,
    StockSufficient,
    UnusualQuantity,
    ValidationError,
    Velocity,
)
from ordercore.orders import lifecycle
from ordercore.orders.intake import validate_draft

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ADDRESS = Address("Ada Lovelace", "12 Analytical Row", "London", "GB", "N1 7AA")


def order(
    *lines: LineDraft,
    contact: Contact | None = None,
    address: Address = ADDRESS,
    billing: Address | None = None,
    credit_terms: bool = False,
    customer_id: str | None = "c-1",
    shipping_fee: str = "0",
) -> Order:
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=contact or Contact("Ada Lovelace", email="ada@example.com"),
        shipping_address=address,
        billing_address=billing,
        lines=list(lines) or [LineDraft("SKU-1", 1, "10.00")],
        credit_terms=credit_terms,
        customer_id=customer_id,
        shipping_fee=shipping_fee,
    )
    valid = validate_draft(draft, OrderPolicy().intake)
    return lifecycle.place(
        valid, order_id="ord_1", number="SO-1", now=NOW, policy=OrderPolicy()
    ).order


def earlier(
    minutes_ago: float,
    *,
    quantities: Mapping[str, int] | None = None,
    shared: frozenset[str] = frozenset({"customer"}),
    status: OrderStatus = OrderStatus.APPROVED,
    due: str = "0",
    order_id: str = "ord_0",
) -> RecentOrder:
    return RecentOrder(
        order_id=order_id,
        placed_at=NOW - timedelta(minutes=minutes_ago),
        status=status,
        grand_total=Money.of(due, "EUR"),
        owed_on_account=Money.of(due, "EUR"),
        quantities=dict(quantities or {"SKU-1": 1}),
        shared=shared,
    )


def context(**changes: Any) -> ReviewContext:
    return attrs.evolve(ReviewContext(now=NOW), **changes)


# -- stock ------------------------------------------------------------------------------------


def test_stock_fires_when_two_lines_of_one_sku_together_exceed_what_is_available() -> None:
    two_lines = order(LineDraft("SKU-1", 2, "1.00"), LineDraft("SKU-1", 2, "1.00"))
    rule = StockSufficient()

    assert rule.evaluate(two_lines, context(available={"SKU-1": 4})) is None
    finding = rule.evaluate(two_lines, context(available={"SKU-1": 3}))

    assert finding is not None
    assert finding.sentiment is Sentiment.NEGATIVE
    assert "SKU-1: 4 wanted, 3 available" in finding.message


def test_stock_says_nothing_without_an_inventory_or_for_untracked_skus() -> None:
    rule = StockSufficient()

    assert rule.evaluate(order(), context()) is None
    assert rule.evaluate(order(), context(available={"OTHER": 0})) is None


# -- customer data ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contact", "address", "missing"),
    [
        (Contact(" ", email="a@b.c"), ADDRESS, "customer name"),
        (Contact("Ada"), ADDRESS, "e-mail or phone"),
        (Contact("Ada", phone="+44 1"), attrs.evolve(ADDRESS, line1=""), "street"),
        (Contact("Ada", email="a@b.c"), attrs.evolve(ADDRESS, postal_code=""), "postal code"),
    ],
)
def test_customer_data_names_what_is_missing(
    contact: Contact, address: Address, missing: str
) -> None:
    incomplete = attrs.evolve(order(), contact=contact, shipping_address=address)

    finding = CustomerDataComplete().evaluate(incomplete, context())

    assert finding is not None
    assert finding.message == f"missing {missing}"


def test_customer_data_accepts_a_phone_only_contact_and_no_postcode_where_none_exist() -> None:
    irish = attrs.evolve(ADDRESS, country="IE", postal_code="")
    complete = attrs.evolve(order(), contact=Contact("Ada", phone="+353 1"), shipping_address=irish)

    assert CustomerDataComplete().evaluate(complete, context()) is None


# -- payment and credit ----------------------------------------------------------------------


def test_payment_rule_is_quiet_once_authorized_or_on_credit_terms() -> None:
    unpaid = order()
    authorized = lifecycle.record_payment(
        unpaid, kind=PaymentKind.AUTHORIZATION, amount=unpaid.totals.grand_total, now=NOW
    ).order

    assert PaymentSecured().evaluate(unpaid, context()) is not None
    assert PaymentSecured().evaluate(authorized, context()) is None
    assert PaymentSecured().evaluate(order(credit_terms=True), context()) is None
    on_account = CustomerProfile("c-1", on_credit_terms=True)
    assert PaymentSecured().evaluate(unpaid, context(customer=on_account)) is None


def test_credit_limit_counts_open_balances_of_the_customer_plus_this_order() -> None:
    this = order(LineDraft("SKU-1", 1, "100.00"), credit_terms=True)
    customer = CustomerProfile("c-1", credit_limit=Money.of("500.00", "EUR"), on_credit_terms=True)
    owing = (earlier(10, due="250.00", order_id="a"), earlier(20, due="150.00", order_id="b"))
    more = (*owing, earlier(30, due="0.01", order_id="c"))

    assert CreditLimit().evaluate(this, context(customer=customer, recent_orders=owing)) is None
    finding = CreditLimit().evaluate(this, context(customer=customer, recent_orders=more))

    assert finding is not None
    assert "500.01 EUR" in finding.message


def test_credit_limit_ignores_dead_orders_other_buyers_and_customers_without_limit() -> None:
    this = order(LineDraft("SKU-1", 1, "100.00"), credit_terms=True)
    limited = CustomerProfile("c-1", credit_limit=Money.of("100.00", "EUR"), on_credit_terms=True)
    cancelled = earlier(5, due="900.00", status=OrderStatus.CANCELLED)
    same_address = earlier(5, due="900.00", shared=frozenset({"address"}))
    recent = (cancelled, same_address)

    assert CreditLimit().evaluate(this, context(customer=limited, recent_orders=recent)) is None
    unlimited = CustomerProfile("c-1", on_credit_terms=True)
    assert CreditLimit().evaluate(this, context(customer=unlimited)) is None


# -- high value for a new customer -----------------------------------------------------------


def test_high_value_fires_at_the_limit_for_a_new_customer_only() -> None:
    rule = HighValueNewCustomer(limits={"EUR": "100.00"})
    at_limit = order(LineDraft("SKU-1", 1, "100.00"))
    below = order(LineDraft("SKU-1", 1, "99.99"))
    regular = CustomerProfile("c-1", completed_orders=1)

    assert rule.evaluate(below, context()) is None
    assert rule.evaluate(at_limit, context()) is not None
    assert rule.evaluate(at_limit, context(customer=regular)) is None


def test_high_value_leaves_currencies_without_a_limit_alone() -> None:
    rule = HighValueNewCustomer(limits={"USD": "1"})

    assert rule.evaluate(order(LineDraft("SKU-1", 1, "5000.00")), context()) is None


# -- velocity --------------------------------------------------------------------------------


def test_velocity_fires_at_the_maximum_number_of_earlier_orders_within_the_window() -> None:
    rule = Velocity(max_orders=3, window=timedelta(hours=1))
    two = tuple(earlier(m, order_id=f"o{m}") for m in (10, 20))
    three_in_window = (*two, earlier(60, order_id="o60"))
    third_outside = (*two, earlier(61, order_id="o61"))

    assert rule.evaluate(order(), context(recent_orders=two)) is None
    assert rule.evaluate(order(), context(recent_orders=third_outside)) is None
    finding = rule.evaluate(order(), context(recent_orders=three_in_window))
    assert finding is not None
    assert "customer 3" in finding.message


def test_velocity_counts_each_identity_on_its_own() -> None:
    rule = Velocity(max_orders=2, window=timedelta(hours=1))
    by_phone = earlier(5, shared=frozenset({"phone"}), order_id="p")
    by_email = earlier(5, shared=frozenset({"email"}), order_id="e")

    assert rule.evaluate(order(), context(recent_orders=(by_phone, by_email))) is None
    second_phone = earlier(6, shared=frozenset({"phone"}), order_id="p2")
    finding = rule.evaluate(order(), context(recent_orders=(by_phone, by_email, second_phone)))
    assert finding is not None
    assert "phone 2" in finding.message


# -- countries and blocklist -----------------------------------------------------------------


def test_country_mismatch_compares_billing_with_shipping() -> None:
    rule = CountryMismatch()

    assert rule.evaluate(order(), context()) is None
    assert rule.evaluate(order(billing=attrs.evolve(ADDRESS, city="Leeds")), context()) is None
    lower_case = attrs.evolve(order(), billing_address=attrs.evolve(ADDRESS, country="gb"))
    assert rule.evaluate(lower_case, context()) is None
    finding = rule.evaluate(order(billing=attrs.evolve(ADDRESS, country="FR")), context())
    assert finding is not None
    assert finding.message == "billed to FR, shipped to GB"


def test_blocklist_matches_normalised_email_phone_and_address() -> None:
    rule = Blocklist(
        emails={" ADA@Example.com "},
        phones={"0049 30 1234-567"},
        addresses={Blocklist.address_entry("12  analytical ROW", "n1 7aa", "gb")},
    )
    by_email = order()
    by_phone = order(contact=Contact("Ada", phone="+49 (30) 1234567"), address=ADDRESS)
    clean = order(
        contact=Contact("Bob", email="bob@example.com"),
        address=attrs.evolve(ADDRESS, line1="13 Analytical Row"),
    )

    email_hit = rule.evaluate(by_email, context())
    phone_hit = rule.evaluate(by_phone, context())

    assert email_hit is not None
    assert email_hit.message == "blocklisted e-mail, address"
    assert phone_hit is not None
    assert "phone" in phone_hit.message
    assert rule.evaluate(clean, context()) is None
    assert email_hit.score == 100


# -- duplicates, prices, quantities ----------------------------------------------------------


def test_likely_duplicate_needs_same_buyer_same_items_and_the_window() -> None:
    rule = LikelyDuplicate(window=timedelta(minutes=30))
    same = earlier(30, quantities={"SKU-1": 1})

    assert rule.evaluate(order(), context(recent_orders=(same,))) is not None
    assert rule.evaluate(order(), context(recent_orders=(earlier(31),))) is None
    other_items = earlier(5, quantities={"SKU-1": 2})
    assert rule.evaluate(order(), context(recent_orders=(other_items,))) is None
    neighbour = earlier(5, shared=frozenset({"address"}))
    assert rule.evaluate(order(), context(recent_orders=(neighbour,))) is None
    cancelled = earlier(5, status=OrderStatus.CANCELLED)
    assert rule.evaluate(order(), context(recent_orders=(cancelled,))) is None


def test_price_deviation_fires_beyond_the_tolerance_both_ways() -> None:
    rule = PriceDeviation(tolerance="0.10")
    at_tolerance = order(LineDraft("SKU-1", 1, "90.00", list_price="100.00"))
    cheaper = order(LineDraft("SKU-1", 1, "89.99", list_price="100.00"))
    dearer = order(LineDraft("SKU-1", 1, "110.01", list_price="100.00"))

    assert rule.evaluate(at_tolerance, context()) is None
    assert rule.evaluate(cheaper, context()) is not None
    assert rule.evaluate(dearer, context()) is not None
    assert rule.evaluate(order(), context()) is None  # no list price, nothing to compare


def test_price_deviation_refuses_a_float_tolerance() -> None:
    with pytest.raises(ValidationError):
        PriceDeviation(tolerance=0.1)


def test_unusual_quantity_compares_with_the_median_once_there_is_history() -> None:
    rule = UnusualQuantity(factor=Decimal(5), min_history=3)
    history = tuple(earlier(60 * i, quantities={"SKU-1": 2}, order_id=f"h{i}") for i in (1, 2, 3))
    ten = order(LineDraft("SKU-1", 10, "1.00"))
    eleven = order(LineDraft("SKU-1", 11, "1.00"))

    assert rule.evaluate(ten, context(recent_orders=history)) is None
    finding = rule.evaluate(eleven, context(recent_orders=history))
    assert finding is not None
    assert "SKU-1: 11 (usually 2)" in finding.message
    assert rule.evaluate(eleven, context(recent_orders=history[:2])) is None


def test_returning_customer_is_a_positive_finding_with_negative_points() -> None:
    rule = ReturningCustomer(min_completed=3)

    assert (
        rule.evaluate(order(), context(customer=CustomerProfile("c", completed_orders=2))) is None
    )
    finding = rule.evaluate(order(), context(customer=CustomerProfile("c", completed_orders=3)))

    assert finding is not None
    assert finding.sentiment is Sentiment.POSITIVE
    assert finding.score < 0
