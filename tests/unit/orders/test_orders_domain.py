"""The order domain without a desk: pricing, intake, edits, routing, timeline, payments."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from ordercore import (
    Address,
    Contact,
    CurrencyMismatch,
    EditRequest,
    IntakePolicy,
    InvalidTransition,
    LineDraft,
    ManualClock,
    Money,
    Order,
    OrderDraft,
    OrderLine,
    OrderPolicy,
    OrderStatus,
    PaymentKind,
    PaymentState,
    PricingPolicy,
    RoutingPolicy,
    RoutingRule,
    ShippingSpread,
    StageState,
    TaxMode,
    TaxRounding,
    ValidationError,
    build_timeline,
)
from ordercore.orders import lifecycle
from ordercore.orders.edits import edit
from ordercore.orders.events import OrderEdited
from ordercore.orders.intake import validate_draft
from ordercore.orders.lifecycle import Decision
from ordercore.orders.pricing import LinePrice, price_lines
from ordercore.orders.routing import route

S = OrderStatus
NOW = ManualClock().now()
POLICY = OrderPolicy()
ADDRESS = Address("Ada Lovelace", "1 Main St", "Berlin", "DE", "10115")
CONTACT = Contact("Ada Lovelace", email="ada@example.com")


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def _draft(**changes: Any) -> OrderDraft:
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=CONTACT,
        shipping_address=ADDRESS,
        lines=[LineDraft("SKU-1", 3, "10.00", tax_rate="0.19"), LineDraft("SKU-2", 1, "5.00")],
    )
    return attrs.evolve(draft, **changes)


def place(
    lines: Sequence[LineDraft] | None = None, *, policy: OrderPolicy = POLICY, **changes: Any
) -> Order:
    if lines is not None:
        changes["lines"] = list(lines)
    valid = validate_draft(_draft(**changes), policy.intake)
    return lifecycle.place(
        valid, order_id="ord_000001", number="SO-000001", now=NOW, policy=policy
    ).order


def pay(order: Order, amount: Money | None = None) -> Order:
    return lifecycle.record_payment(
        order, kind=PaymentKind.CAPTURE, amount=amount or order.balance_due, now=NOW
    ).order


def approve(order: Order) -> Order:
    return lifecycle.approve(order, now=NOW).order


def confirm(order: Order, policy: OrderPolicy = POLICY) -> Order:
    return lifecycle.confirm(order, now=NOW, policy=policy).order


def ship(order: Order, lines: dict[str, int] | None = None) -> Order:
    return lifecycle.ship(order, now=NOW, shipment_id="shp-1", policy=POLICY, lines=lines).order


def deliver(order: Order, lines: dict[str, int] | None = None) -> Order:
    return lifecycle.deliver(order, now=NOW, lines=lines).order


def do_edit(order: Order, request: EditRequest, policy: OrderPolicy = POLICY) -> Order:
    return edit(order, request, now=NOW, reason="customer call", policy=policy).order


def edited_event(decision: Decision) -> OrderEdited:
    (event,) = decision.events
    assert isinstance(event, OrderEdited)
    return event


def _totals_add_up(order: Order) -> None:
    totals = order.totals
    assert totals.grand_total == Money.sum((line.total for line in order.lines), order.currency)
    assert totals.tax == Money.sum((line.tax for line in order.lines), order.currency)
    assert totals.subtotal == Money.sum((line.gross for line in order.lines), order.currency)
    assert order.order_discount == Money.sum(
        (line.order_discount_share for line in order.lines), order.currency
    )
    assert order.shipping_fee == Money.sum(
        (line.shipping_share for line in order.lines), order.currency
    )
    net = totals.subtotal - totals.discount + totals.shipping
    if order.tax_mode is TaxMode.EXCLUSIVE:
        assert totals.grand_total == net + totals.tax
    else:
        assert totals.grand_total == net


# -- pricing -------------------------------------------------------------------------------


def test_exclusive_tax_is_added_on_top_of_each_line() -> None:
    order = place([LineDraft("A", 2, "10.00", tax_rate="0.19"), LineDraft("B", 1, "5.00")])
    assert [line.tax for line in order.lines] == [eur("3.80"), eur("0.00")]
    assert [line.total for line in order.lines] == [eur("23.80"), eur("5.00")]
    assert order.totals.grand_total == eur("28.80")
    assert order.totals.subtotal == eur("25.00")
    assert order.tax_mode is TaxMode.EXCLUSIVE
    _totals_add_up(order)


def test_inclusive_tax_is_taken_out_of_the_price_and_not_added() -> None:
    inclusive = OrderPolicy(pricing=PricingPolicy(tax_mode=TaxMode.INCLUSIVE))
    order = place([LineDraft("A", 1, "11.90", tax_rate="0.19")], policy=inclusive)
    assert order.lines[0].tax == eur("1.90")
    assert order.totals.grand_total == eur("11.90")
    assert order.totals.tax == eur("1.90")
    assert order.tax_mode is TaxMode.INCLUSIVE
    _totals_add_up(order)


def test_discounts_and_shipping_are_spread_by_value_and_totals_add_up() -> None:
    order = place(
        [
            LineDraft("A", 2, "10.00", tax_rate="0.19", discount="1.00"),
            LineDraft("B", 1, "5.00", tax_rate="0.07"),
        ],
        order_discount="3.00",
        shipping_fee="4.95",
    )
    a, b = order.lines
    # Net values 19.00 and 5.00: 3.00 discount splits 2.375/0.625, 4.95 shipping 3.91875/1.03125,
    # each to the minor unit by largest remainder (ties to the first line).
    assert (a.order_discount_share, b.order_discount_share) == (eur("2.38"), eur("0.62"))
    assert (a.shipping_share, b.shipping_share) == (eur("3.92"), eur("1.03"))
    # Shipping is taxable by default: (19.00 - 2.38 + 3.92) * 0.19 = 3.9026; 5.41 * 0.07 = 0.3787.
    assert (a.tax, b.tax) == (eur("3.90"), eur("0.38"))
    assert (a.total, b.total) == (eur("24.44"), eur("5.79"))
    assert order.totals.discount == eur("4.00")
    assert order.totals.shipping == eur("4.95")
    assert order.totals.grand_total == eur("30.23")
    _totals_add_up(order)


def test_shipping_can_be_spread_by_quantity_and_left_untaxed() -> None:
    policy = OrderPolicy(
        pricing=PricingPolicy(shipping_spread=ShippingSpread.BY_QUANTITY, shipping_taxable=False)
    )
    order = place(
        [LineDraft("A", 3, "100.00", tax_rate="0.10"), LineDraft("B", 1, "1.00")],
        policy=policy,
        shipping_fee="4.00",
    )
    assert [line.shipping_share for line in order.lines] == [eur("3.00"), eur("1.00")]
    assert [line.tax for line in order.lines] == [eur("30.00"), eur("0.00")]
    _totals_add_up(order)


@pytest.mark.parametrize(
    ("mode", "rounding", "line_taxes", "tax", "grand_total"),
    [
        # Three lines of 0.10 at 5 %: exactly 0.005 tax each.
        (TaxMode.EXCLUSIVE, TaxRounding.PER_LINE, ["0.00", "0.00", "0.00"], "0.00", "0.30"),
        (TaxMode.EXCLUSIVE, TaxRounding.PER_ORDER, ["0.01", "0.01", "0.00"], "0.02", "0.32"),
        # Inclusive: 0.10 * 0.05 / 1.05 = 0.00476... each, 0.0142857 for the order.
        (TaxMode.INCLUSIVE, TaxRounding.PER_LINE, ["0.00", "0.00", "0.00"], "0.00", "0.30"),
        (TaxMode.INCLUSIVE, TaxRounding.PER_ORDER, ["0.01", "0.00", "0.00"], "0.01", "0.30"),
    ],
    ids=["exclusive-per-line", "exclusive-per-order", "inclusive-per-line", "inclusive-per-order"],
)
def test_tax_rounding_per_line_versus_per_order(
    mode: TaxMode, rounding: TaxRounding, line_taxes: list[str], tax: str, grand_total: str
) -> None:
    policy = OrderPolicy(pricing=PricingPolicy(tax_mode=mode, tax_rounding=rounding))
    order = place([LineDraft(f"S{i}", 1, "0.10", tax_rate="0.05") for i in range(3)], policy=policy)
    assert [line.tax for line in order.lines] == [eur(value) for value in line_taxes]
    assert order.totals.tax == eur(tax)
    assert order.totals.grand_total == eur(grand_total)
    _totals_add_up(order)


def test_pricing_refuses_discounts_above_the_value() -> None:
    def line(discount: str) -> LinePrice:
        return LinePrice(2, eur("5.00"), eur(discount), Decimal("0.1"))

    with pytest.raises(ValidationError) as caught:
        price_lines(
            [line("0.00"), line("10.01")],
            currency="EUR",
            order_discount=eur("0"),
            shipping_fee=eur("0"),
            policy=PricingPolicy(),
        )
    assert caught.value.field == "lines[1].discount"
    with pytest.raises(ValidationError) as caught:
        price_lines(
            [line("1.00")],
            currency="EUR",
            order_discount=eur("9.01"),
            shipping_fee=eur("0"),
            policy=PricingPolicy(),
        )
    assert caught.value.field == "order_discount"
    with pytest.raises(ValidationError) as caught:
        price_lines(
            [],
            currency="EUR",
            order_discount=eur("0"),
            shipping_fee=eur("0"),
            policy=PricingPolicy(),
        )
    assert caught.value.field == "lines"
    # A total beyond Money's 34 digits is refused as Money arithmetic refuses it.
    with pytest.raises(ValidationError) as caught:
        price_lines(
            [LinePrice(1000, eur("9" * 30 + ".99"), eur("0"), Decimal("0.19"))],
            currency="EUR",
            order_discount=eur("0"),
            shipping_fee=eur("0"),
            policy=PricingPolicy(),
        )
    assert caught.value.field == "amount"
    assert "34 significant digits" in caught.value.reason


def test_free_lines_still_get_shipping_by_quantity() -> None:
    order = place([LineDraft("A", 1, "0"), LineDraft("B", 3, "0")], shipping_fee="4.00")
    assert [line.shipping_share for line in order.lines] == [eur("1.00"), eur("3.00")]
    _totals_add_up(order)


def test_zero_decimal_currency_is_priced_in_whole_units() -> None:
    order = place(
        [LineDraft("A", 3, "333", tax_rate="0.1"), LineDraft("B", 1, "1")],
        currency="JPY",
        order_discount="100",
    )
    assert order.currency == "JPY"
    assert all(line.total.amount == line.total.amount.to_integral() for line in order.lines)
    _totals_add_up(order)


# -- intake --------------------------------------------------------------------------------


def _bad(**changes: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_draft(_draft(**changes), IntakePolicy())
    return caught.value


def _bad_line(**changes: Any) -> ValidationError:
    line = attrs.evolve(LineDraft("SKU-1", 1, "10.00"), **changes)
    return _bad(lines=[LineDraft("OK", 1, "1.00"), line])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "lines[1].quantity"),
        ({"quantity": -1}, "lines[1].quantity"),
        ({"quantity": 1.5}, "lines[1].quantity"),
        ({"quantity": Decimal("1.5")}, "lines[1].quantity"),
        ({"quantity": Decimal("2")}, "lines[1].quantity"),
        ({"quantity": "2"}, "lines[1].quantity"),
        ({"quantity": True}, "lines[1].quantity"),
        ({"quantity": 1_000_001}, "lines[1].quantity"),
        ({"unit_price": 9.99}, "lines[1].unit_price"),
        ({"unit_price": "-1.00"}, "lines[1].unit_price"),
        ({"unit_price": "9.999"}, "lines[1].unit_price"),
        ({"unit_price": "ten"}, "lines[1].unit_price"),
        ({"unit_price": "NaN"}, "lines[1].unit_price"),
        ({"unit_price": True}, "lines[1].unit_price"),
        ({"tax_rate": 0.19}, "lines[1].tax_rate"),
        ({"tax_rate": "1.5"}, "lines[1].tax_rate"),
        ({"tax_rate": "-0.1"}, "lines[1].tax_rate"),
        ({"discount": "-1"}, "lines[1].discount"),
        ({"list_price": 1.0}, "lines[1].list_price"),
        ({"sku": ""}, "lines[1].sku"),
        ({"sku": "x" * 101}, "lines[1].sku"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else value,
)
def test_a_bad_line_is_refused_naming_its_field(changes: dict[str, object], field: str) -> None:
    assert _bad_line(**changes).field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": "SKU-1"}, "lines"),
        ({"currency": "ABC"}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"channel": ""}, "channel"),
        ({"channel": "web shop!"}, "channel"),
        ({"contact": Contact("")}, "contact.name"),
        ({"contact": Contact("   ", email="a@example.com")}, "contact.name"),
        ({"contact": Contact("Ada")}, "contact.email"),
        ({"contact": Contact("Ada", email="", phone="")}, "contact.email"),
        ({"contact": Contact("Ada", email="not-an-address")}, "contact.email"),
        ({"contact": Contact("Ada", email="@example.com")}, "contact.email"),
        ({"shipping_address": attrs.evolve(ADDRESS, name="")}, "shipping_address.name"),
        ({"shipping_address": attrs.evolve(ADDRESS, line1=" ")}, "shipping_address.line1"),
        ({"shipping_address": attrs.evolve(ADDRESS, city="")}, "shipping_address.city"),
        ({"shipping_address": attrs.evolve(ADDRESS, country="de")}, "shipping_address.country"),
        (
            {"shipping_address": attrs.evolve(ADDRESS, country="Germany")},
            "shipping_address.country",
        ),
        (
            {"shipping_address": attrs.evolve(ADDRESS, postal_code="")},
            "shipping_address.postal_code",
        ),
        (
            {"billing_address": attrs.evolve(ADDRESS, city="")},
            "billing_address.city",
        ),
        ({"order_discount": "-1.00"}, "order_discount"),
        ({"shipping_fee": 4.95}, "shipping_fee"),
        ({"tags": ["ok", ""]}, "tags[1]"),
        ({"note": "x" * 2001}, "note"),
        ({"external_id": ""}, "external_id"),
    ],
    ids=lambda value: repr(value)[:60] if isinstance(value, dict) else value,
)
def test_a_bad_draft_is_refused_naming_its_field(changes: dict[str, object], field: str) -> None:
    assert _bad(**changes).field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": [LineDraft("A", 1, Money.of("1.00", "USD"))]}, "lines[0].unit_price"),
        ({"lines": [LineDraft("A", 1, "1", discount=Money.of("0", "USD"))]}, "lines[0].discount"),
        ({"order_discount": Money.of("1.00", "USD")}, "order_discount"),
        ({"shipping_fee": Money.of("1.00", "GBP")}, "shipping_fee"),
    ],
    ids=["unit_price", "discount", "order_discount", "shipping_fee"],
)
def test_money_in_another_currency_is_a_currency_mismatch(
    changes: dict[str, object], field: str
) -> None:
    error = _bad(**changes)
    assert isinstance(error, CurrencyMismatch)
    assert error.field == field
    assert error.left == "EUR"
    assert error.right in {"USD", "GBP"}


def test_intake_policy_can_relax_contact_and_postal_code() -> None:
    lenient = IntakePolicy(require_contact_channel=False, require_postal_code=False)
    draft = _draft(contact=Contact("Ada"), shipping_address=attrs.evolve(ADDRESS, postal_code=""))
    valid = validate_draft(draft, lenient)
    assert [line.sku for line in valid.lines] == ["SKU-1", "SKU-2"]


def test_a_phone_alone_is_a_contact_channel() -> None:
    valid = validate_draft(_draft(contact=Contact("Ada", phone="+4915112345678")), IntakePolicy())
    assert valid.draft.contact.phone == "+4915112345678"


def test_intake_limits_lines_and_quantities_by_policy() -> None:
    small = IntakePolicy(max_lines=1, max_quantity=2)
    with pytest.raises(ValidationError) as caught:
        validate_draft(_draft(), small)
    assert caught.value.field == "lines"
    with pytest.raises(ValidationError) as caught:
        validate_draft(_draft(lines=[LineDraft("A", 3, "1")]), small)
    assert caught.value.field == "lines[0].quantity"


def test_a_valid_draft_keeps_its_values_and_defaults_the_name_to_the_sku() -> None:
    valid = validate_draft(
        _draft(lines=[LineDraft("A", 2, Decimal("1.50"), list_price=2, category="toys")]),
        IntakePolicy(),
    )
    (line,) = valid.lines
    assert (line.name, line.quantity, line.unit_price, line.list_price, line.category) == (
        "A",
        2,
        eur("1.50"),
        eur("2.00"),
        "toys",
    )


# -- edits ---------------------------------------------------------------------------------


def test_edit_changes_quantities_and_reprices() -> None:
    order = place()
    edited = edit(
        order, EditRequest(set_quantities={"L1": 5}), now=NOW, reason="more", policy=POLICY
    )
    event = edited_event(edited)
    line = edited.order.line("L1")
    assert line.quantity == 5
    assert line.total == eur("59.50")
    assert edited.order.totals.grand_total == eur("64.50")
    assert event.before_totals == order.totals
    assert event.totals == edited.order.totals
    assert [(q.line_id, q.quantity) for q in event.before_quantities] == [("L1", 3), ("L2", 1)]
    assert [(q.line_id, q.quantity) for q in event.after_quantities] == [("L1", 5), ("L2", 1)]
    assert event.changes == ("L1 (SKU-1) quantity 3 -> 5",)
    assert event.reason == "more"
    assert edited.order.version == order.version + 1
    _totals_add_up(edited.order)


def test_edit_adds_and_removes_lines_with_fresh_line_ids() -> None:
    order = place()
    request = EditRequest(set_quantities={"L2": 0}, add_lines=[LineDraft("SKU-3", 2, "7.00")])
    edited = edit(order, request, now=NOW, reason="swap", policy=POLICY)
    assert [line.line_id for line in edited.order.lines] == ["L1", "L3"]
    assert edited.order.line("L3").sku == "SKU-3"
    event = edited_event(edited)
    assert [(q.line_id, q.quantity) for q in event.after_quantities] == [
        ("L1", 3),
        ("L2", 0),
        ("L3", 2),
    ]
    assert event.changes == ("L2 (SKU-2) quantity 1 -> 0", "added L3 (SKU-3 x 2)")
    assert edited.order.totals.grand_total == eur("49.70")
    _totals_add_up(edited.order)
    # A later addition never reuses a removed line's id.
    again = do_edit(edited.order, EditRequest(add_lines=[LineDraft("SKU-4", 1, "1.00")]))
    assert [line.line_id for line in again.lines] == ["L1", "L3", "L4"]


def test_edit_changes_the_shipping_address() -> None:
    order = place()
    moved = attrs.evolve(ADDRESS, line1="2 Side St", city="Hamburg", postal_code="20095")
    edited = edit(
        order, EditRequest(shipping_address=moved), now=NOW, reason="moved", policy=POLICY
    )
    assert edited.order.shipping_address == moved
    assert edited.order.totals == order.totals
    assert edited_event(edited).changes == ("shipping address changed",)
    assert edited.stock.is_empty()


def test_edit_refuses_a_bad_new_address_or_line_naming_the_field() -> None:
    order = place()
    with pytest.raises(ValidationError) as caught:
        do_edit(order, EditRequest(shipping_address=attrs.evolve(ADDRESS, country="XYZ")))
    assert caught.value.field == "shipping_address.country"
    with pytest.raises(ValidationError) as caught:
        do_edit(order, EditRequest(add_lines=[LineDraft("X", 0, "1.00")]))
    assert caught.value.field == "add_lines[0].quantity"
    with pytest.raises(ValidationError) as caught:
        do_edit(order, EditRequest(set_quantities={"L9": 1}))
    assert caught.value.field == "set_quantities[L9]"
    with pytest.raises(ValidationError) as caught:
        do_edit(order, EditRequest(set_quantities={"L1": -1}))
    assert caught.value.field == "set_quantities[L1]"


def test_edit_that_changes_nothing_or_removes_every_line_is_refused() -> None:
    order = place()
    with pytest.raises(ValidationError) as caught:
        do_edit(order, EditRequest(set_quantities={"L1": 3}, shipping_address=ADDRESS))
    assert caught.value.field == "changes"
    with pytest.raises(ValidationError) as caught:
        do_edit(order, EditRequest(set_quantities={"L1": 0, "L2": 0}))
    assert caught.value.field == "set_quantities"
    with pytest.raises(ValidationError) as caught:
        edit(order, EditRequest(set_quantities={"L1": 2}), now=NOW, reason=" ", policy=POLICY)
    assert caught.value.field == "reason"


def test_edit_below_the_shipped_quantity_is_refused_naming_the_line() -> None:
    order = ship(confirm(approve(pay(place()))), {"L1": 2})
    assert order.status is S.IN_FULFILMENT
    with pytest.raises(ValidationError) as caught:
        do_edit(order, EditRequest(set_quantities={"L1": 1}))
    assert caught.value.field == "set_quantities[L1]"
    assert "2" in caught.value.reason
    assert "shipped" in caught.value.reason
    # Down to exactly what shipped is fine, once the money for the dropped units is refunded.
    refunded = lifecycle.record_payment(
        order, kind=PaymentKind.REFUND, amount=order.captured, now=NOW
    ).order
    assert do_edit(refunded, EditRequest(set_quantities={"L1": 2})).line("L1").quantity == 2


def test_an_edit_that_would_owe_the_customer_money_asks_for_the_refund_first() -> None:
    order = confirm(approve(pay(place())))
    with pytest.raises(ValidationError) as caught:
        do_edit(order, EditRequest(set_quantities={"L1": 1}))
    assert caught.value.field == "changes"
    assert "refund" in caught.value.reason


def test_edit_of_a_fulfilled_order_is_an_invalid_transition() -> None:
    order = ship(confirm(approve(pay(place()))))
    assert order.status is S.FULFILLED
    with pytest.raises(InvalidTransition) as caught:
        do_edit(order, EditRequest(set_quantities={"L1": 4}))
    assert (caught.value.state, caught.value.command) == ("fulfilled", "edit")


@pytest.mark.parametrize("closed", [S.CANCELLED, S.REJECTED, S.DELIVERED])
def test_edit_of_a_closed_or_delivered_order_is_an_invalid_transition(closed: S) -> None:
    order = place()
    if closed is S.CANCELLED:
        order = lifecycle.cancel(order, now=NOW, reason="r").order
    elif closed is S.REJECTED:
        order = lifecycle.reject(order, now=NOW, reason="r").order
    else:
        order = deliver(ship(confirm(approve(pay(order)))))
    with pytest.raises(InvalidTransition) as caught:
        do_edit(order, EditRequest(set_quantities={"L1": 4}))
    assert caught.value.state == closed.value


def test_edit_before_confirmation_touches_no_stock() -> None:
    for order in (place(), approve(place())):
        request = EditRequest(set_quantities={"L1": 5, "L2": 0}, add_lines=[LineDraft("N", 1, "1")])
        edited = edit(order, request, now=NOW, reason="r", policy=POLICY)
        assert edited.stock.is_empty()
        assert edited_event(edited).stock.is_empty()
        assert all(line.reserved == 0 for line in edited.order.lines)


def test_edit_after_confirmation_reserves_and_releases_the_difference() -> None:
    order = confirm(approve(place()))
    assert [line.reserved for line in order.lines] == [3, 1]
    more = edit(order, EditRequest(set_quantities={"L1": 5}), now=NOW, reason="r", policy=POLICY)
    assert [(s.line_id, s.sku, s.quantity) for s in more.stock.reserve] == [("L1", "SKU-1", 2)]
    assert more.stock.release == ()
    assert more.order.line("L1").reserved == 5
    fewer = edit(order, EditRequest(set_quantities={"L1": 1}), now=NOW, reason="r", policy=POLICY)
    assert [(s.line_id, s.quantity) for s in fewer.stock.release] == [("L1", 2)]
    assert fewer.stock.reserve == ()
    assert fewer.order.line("L1").reserved == 1
    swap = edit(
        order,
        EditRequest(set_quantities={"L2": 0}, add_lines=[LineDraft("SKU-3", 4, "2.00")]),
        now=NOW,
        reason="r",
        policy=POLICY,
    )
    assert [(s.line_id, s.quantity) for s in swap.stock.release] == [("L2", 1)]
    assert [(s.line_id, s.sku, s.quantity) for s in swap.stock.reserve] == [("L3", "SKU-3", 4)]
    assert edited_event(swap).stock == swap.stock
    for decision in (more, fewer, swap):
        for line in decision.order.lines:
            line.check_counters()


def test_edit_of_a_partly_shipped_order_reserves_only_what_is_open() -> None:
    order = ship(confirm(approve(pay(place()))), {"L1": 2})
    assert order.line("L1").reserved == 1
    edited = edit(order, EditRequest(set_quantities={"L1": 4}), now=NOW, reason="r", policy=POLICY)
    assert [(s.line_id, s.quantity) for s in edited.stock.reserve] == [("L1", 1)]
    assert edited.order.line("L1").reserved == 2
    assert edited.order.status is S.IN_FULFILMENT
    # Cutting to what shipped and dropping the unshipped line (its money refunded first)
    # leaves the order fulfilled.
    refunded = lifecycle.record_payment(
        order, kind=PaymentKind.REFUND, amount=order.captured, now=NOW
    ).order
    done = edit(
        refunded,
        EditRequest(set_quantities={"L1": 2, "L2": 0}),
        now=NOW,
        reason="r",
        policy=POLICY,
    )
    assert done.order.status is S.FULFILLED
    assert done.order.milestones.fulfilled_at == NOW
    assert [(s.line_id, s.quantity) for s in done.stock.release] == [("L1", 1), ("L2", 1)]


def test_edit_scales_a_line_discount_with_the_quantity() -> None:
    order = place([LineDraft("A", 4, "10.00", discount="2.00")])
    halved = do_edit(order, EditRequest(set_quantities={"L1": 2}))
    assert halved.line("L1").discount == eur("1.00")
    assert halved.totals.grand_total == eur("19.00")


def test_editing_a_quantity_down_and_back_restores_the_original_price() -> None:
    order = place([LineDraft("A", 3, "10.00", discount="1.00")])
    down = do_edit(order, EditRequest(set_quantities={"L1": 1}))
    back = do_edit(down, EditRequest(set_quantities={"L1": 3}))
    assert back.line("L1").discount == order.line("L1").discount
    assert back.totals == order.totals


# -- routing -------------------------------------------------------------------------------

RULES = RoutingPolicy(
    rules=(
        RoutingRule("phone", "phone-desk", channels="phone"),
        RoutingRule("hazmat", "hazmat", assignee="hana", categories={"hazmat", "batteries"}),
        RoutingRule("france", "fr-team", countries=["FR", "MC"]),
        RoutingRule("bavaria", "south", regions={"BY"}, countries="DE"),
        RoutingRule("big", "key-accounts", assignee="kim", min_total=eur("1000.00")),
        RoutingRule("tiny", "self-service", max_total=eur("5.00")),
    ),
    default_queue="general",
)
ROUTED = OrderPolicy(routing=RULES)


@pytest.mark.parametrize(
    ("changes", "queue", "assignee"),
    [
        ({}, "general", None),
        ({"channel": "phone"}, "phone-desk", None),
        (
            {"lines": [LineDraft("A", 1, "10.00"), LineDraft("B", 1, "9", category="batteries")]},
            "hazmat",
            "hana",
        ),
        ({"shipping_address": attrs.evolve(ADDRESS, country="MC")}, "fr-team", None),
        ({"shipping_address": attrs.evolve(ADDRESS, region="BY")}, "south", None),
        ({"shipping_address": attrs.evolve(ADDRESS, region="BE")}, "general", None),
        ({"lines": [LineDraft("A", 100, "10.00")]}, "key-accounts", "kim"),
        ({"lines": [LineDraft("A", 1, "999.99")]}, "general", None),
        ({"lines": [LineDraft("A", 1, "4.99")]}, "self-service", None),
        ({"lines": [LineDraft("A", 1, "5.00")]}, "general", None),
        # The first matching rule wins: a big phone order goes to the phone desk.
        ({"channel": "phone", "lines": [LineDraft("A", 100, "10.00")]}, "phone-desk", None),
    ],
    ids=[
        "default",
        "channel",
        "category",
        "country",
        "region",
        "other-region",
        "value-at-least",
        "value-below",
        "max-total",
        "max-total-exclusive",
        "first-match-wins",
    ],
)
def test_routing_rules_send_orders_to_queues(
    changes: dict[str, Any], queue: str, assignee: str | None
) -> None:
    order = place(policy=ROUTED, **changes)
    assert (order.queue, order.assignee) == (queue, assignee)
    decision = route(order, RULES)
    assert (decision.queue, decision.assignee) == (queue, assignee)


def test_routing_names_the_matching_rule_and_ignores_totals_in_other_currencies() -> None:
    order = place(lines=[LineDraft("A", 100, "10.00")])
    assert route(order, RULES).rule == "big"
    assert route(order, RoutingPolicy()).rule is None
    usd_rule = RoutingPolicy(rules=(RoutingRule("usd", "usd-desk", min_total=Money.zero("USD")),))
    assert route(order, usd_rule).queue == "general"


@pytest.mark.parametrize(("name", "queue", "field"), [("", "q", "name"), ("r", "", "queue")])
def test_a_routing_rule_needs_a_name_and_a_queue(name: str, queue: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RoutingRule(name, queue)
    assert caught.value.field == field


# -- timeline ------------------------------------------------------------------------------


def _at(status: S) -> Order:
    order = place()
    if status is S.PENDING_REVIEW:
        return order
    if status is S.ON_HOLD:
        return lifecycle.hold(order, now=NOW, reason="address check").order
    if status is S.REJECTED:
        return lifecycle.reject(order, now=NOW, reason="fraud").order
    if status is S.EXPIRED:
        return lifecycle.expire(order, now=NOW + timedelta(days=8)).order
    order = approve(order)
    if status is S.APPROVED:
        return order
    order = confirm(order)
    if status is S.CONFIRMED:
        return order
    if status is S.CANCELLED:
        return lifecycle.cancel(order, now=NOW, reason="changed mind").order
    order = pay(order)
    if status is S.IN_FULFILMENT:
        return ship(order, {"L1": 1})
    order = ship(order)
    if status is S.FULFILLED:
        return order
    order = deliver(order)
    if status is S.DELIVERED:
        return order
    return lifecycle.complete(order, now=NOW, policy=POLICY).order


@pytest.mark.parametrize(
    ("status", "current", "next_step", "done"),
    [
        (S.PENDING_REVIEW, "Order received", "We are checking your order.", []),
        (S.ON_HOLD, "On hold", "Your order is waiting for a manual check.", ["placed"]),
        (S.APPROVED, "Order checked", "Your order will be confirmed shortly.", ["placed"]),
        (
            S.CONFIRMED,
            "Order confirmed",
            "Your order is being prepared for shipping.",
            ["placed", "reviewed"],
        ),
        (
            S.IN_FULFILMENT,
            "Shipped",
            "The rest of your order is being prepared.",
            ["placed", "reviewed", "confirmed", "paid"],
        ),
        (
            S.FULFILLED,
            "Shipped",
            "Your order is on its way.",
            ["placed", "reviewed", "confirmed", "paid"],
        ),
        (
            S.DELIVERED,
            "Delivered",
            "Your order has arrived.",
            ["placed", "reviewed", "confirmed", "paid", "shipped"],
        ),
        (
            S.COMPLETED,
            "Completed",
            None,
            ["placed", "reviewed", "confirmed", "paid", "shipped", "delivered"],
        ),
        (S.REJECTED, "Rejected", None, ["placed"]),
        (S.CANCELLED, "Cancelled", None, ["placed", "reviewed", "confirmed"]),
        (S.EXPIRED, "Expired (not paid in time)", None, ["placed"]),
    ],
    ids=lambda value: value.value if isinstance(value, S) else None,
)
def test_timeline_for_every_status(
    status: S, current: str, next_step: str | None, done: list[str]
) -> None:
    order = _at(status)
    assert order.status is status
    timeline = build_timeline(order)
    assert timeline.status is status
    assert timeline.current == current
    assert timeline.next_step == next_step
    assert (timeline.order_id, timeline.number) == (order.id, order.number)
    assert [s.key for s in timeline.stages if s.state is StageState.DONE] == done
    (current_stage,) = [s for s in timeline.stages if s.state is StageState.CURRENT]
    assert current_stage.label == current
    for stage in timeline.stages:
        assert (stage.at is None) is (stage.state is StageState.UPCOMING)


def test_timeline_of_a_closed_order_leaves_out_what_it_will_never_reach() -> None:
    timeline = build_timeline(_at(S.CANCELLED))
    assert [s.key for s in timeline.stages] == ["placed", "reviewed", "confirmed", "cancelled"]
    assert timeline.stages[-1].detail == "changed mind"
    assert timeline.stages[-1].at == NOW


def test_timeline_of_an_open_order_lists_every_stage_in_order() -> None:
    timeline = build_timeline(_at(S.ON_HOLD))
    assert [s.key for s in timeline.stages] == [
        "placed",
        "reviewed",
        "confirmed",
        "paid",
        "shipped",
        "delivered",
        "completed",
        "on_hold",
    ]
    assert timeline.stages[-1].detail == "address check"
    assert all(s.state is StageState.UPCOMING for s in timeline.stages[1:-1])


def test_timeline_shows_how_much_of_a_partly_shipped_order_left() -> None:
    timeline = build_timeline(_at(S.IN_FULFILMENT))
    (shipped,) = [s for s in timeline.stages if s.key == "shipped"]
    assert shipped.detail == "1 of 4 items"
    assert shipped.state is StageState.CURRENT
    assert timeline.payment_state is PaymentState.PAID


def test_timeline_of_an_order_paid_before_review_stands_at_review() -> None:
    timeline = build_timeline(pay(place()))
    assert timeline.next_step == "We are checking your order."
    states = [stage.state for stage in timeline.stages]
    current = states.index(StageState.CURRENT)
    assert StageState.UPCOMING not in states[:current]
    assert timeline.current == "Order received"


# -- payments ------------------------------------------------------------------------------


def _record(order: Order, kind: PaymentKind, amount: str) -> Order:
    return lifecycle.record_payment(order, kind=kind, amount=eur(amount), now=NOW).order


def test_payment_states_from_partial_capture_to_full_refund() -> None:
    order = place()  # grand total 40.70
    assert order.totals.grand_total == eur("40.70")
    assert order.payment_state is PaymentState.UNPAID
    order = _record(order, PaymentKind.CAPTURE, "10.00")
    assert order.payment_state is PaymentState.PARTIALLY_PAID
    assert order.balance_due == eur("30.70")
    assert order.milestones.paid_at is None
    assert not order.is_paid
    order = _record(order, PaymentKind.CAPTURE, "30.70")
    assert order.payment_state is PaymentState.PAID
    assert order.is_paid
    assert order.milestones.paid_at == NOW
    order = _record(order, PaymentKind.REFUND, "0.70")
    assert order.payment_state is PaymentState.PARTIALLY_REFUNDED
    assert order.refunded == eur("0.70")
    order = _record(order, PaymentKind.REFUND, "40.00")
    assert order.payment_state is PaymentState.REFUNDED
    assert order.captured == eur("40.70")
    assert order.refunded == eur("40.70")


def test_authorization_and_failure_states() -> None:
    order = place()
    partly = _record(order, PaymentKind.AUTHORIZATION, "1.00")
    assert partly.payment_state is PaymentState.UNPAID
    authorized = _record(order, PaymentKind.AUTHORIZATION, "40.70")
    assert authorized.payment_state is PaymentState.AUTHORIZED
    assert authorized.balance_due == eur("40.70")
    failed = lifecycle.record_payment(
        order, kind=PaymentKind.FAILURE, amount=Money.zero("EUR"), now=NOW, reference="declined"
    ).order
    assert failed.payment_state is PaymentState.FAILED
    assert failed.payments[-1].reference == "declined"


def test_capture_beyond_the_balance_is_refused() -> None:
    order = _record(place(), PaymentKind.CAPTURE, "40.00")
    with pytest.raises(ValidationError) as caught:
        _record(order, PaymentKind.CAPTURE, "0.71")
    assert caught.value.field == "amount"
    assert "0.70 EUR" in caught.value.reason
    assert _record(order, PaymentKind.CAPTURE, "0.70").is_paid


def test_refund_beyond_what_was_captured_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        _record(place(), PaymentKind.REFUND, "0.01")
    assert caught.value.field == "amount"
    order = _record(_record(place(), PaymentKind.CAPTURE, "10.00"), PaymentKind.REFUND, "6.00")
    with pytest.raises(ValidationError) as caught:
        _record(order, PaymentKind.REFUND, "4.01")
    assert caught.value.field == "amount"
    assert _record(order, PaymentKind.REFUND, "4.00").payment_state is PaymentState.REFUNDED


@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        (PaymentKind.CAPTURE, eur("0")),
        (PaymentKind.CAPTURE, eur("-1.00")),
        (PaymentKind.REFUND, eur("0")),
        (PaymentKind.AUTHORIZATION, eur("-0.01")),
        (PaymentKind.FAILURE, eur("-0.01")),
        (PaymentKind.CAPTURE, Money.of("1.00", "USD")),
    ],
)
def test_bad_payment_amounts_are_refused(kind: PaymentKind, amount: Money) -> None:
    with pytest.raises(ValidationError) as caught:
        lifecycle.record_payment(place(), kind=kind, amount=amount, now=NOW)
    assert caught.value.field == "amount"


def test_payment_kind_and_amount_types_are_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        lifecycle.record_payment(
            place(),
            kind="capture",  # type: ignore[arg-type]
            amount=eur("1"),
            now=NOW,
        )
    assert caught.value.field == "kind"
    with pytest.raises(ValidationError) as caught:
        lifecycle.record_payment(
            place(),
            kind=PaymentKind.CAPTURE,
            amount=Decimal("1"),  # type: ignore[arg-type]
            now=NOW,
        )
    assert caught.value.field == "amount"


def test_no_capture_on_a_closed_order_but_refunds_still_go_through() -> None:
    order = lifecycle.cancel(
        _record(place(), PaymentKind.CAPTURE, "10.00"), now=NOW, reason="r"
    ).order
    with pytest.raises(InvalidTransition) as caught:
        _record(order, PaymentKind.CAPTURE, "1.00")
    assert (caught.value.state, caught.value.command) == ("cancelled", "record_payment")
    with pytest.raises(InvalidTransition):
        _record(order, PaymentKind.AUTHORIZATION, "1.00")
    refunded = _record(order, PaymentKind.REFUND, "10.00")
    assert refunded.payment_state is PaymentState.REFUNDED
    assert refunded.status is S.CANCELLED


# -- counters ------------------------------------------------------------------------------


def _line(**counters: Any) -> OrderLine:
    return attrs.evolve(place().line("L1"), **counters)  # quantity 3


@pytest.mark.parametrize(
    ("counters", "field"),
    [
        ({"quantity": -1}, "lines[L1].quantity"),
        ({"reserved": -1}, "lines[L1].reserved"),
        ({"returned": -1}, "lines[L1].returned"),
        ({"cancelled": 4}, "lines[L1].cancelled"),
        ({"cancelled": 2, "shipped": 2}, "lines[L1].shipped"),
        ({"shipped": 1, "delivered": 2}, "lines[L1].delivered"),
        ({"shipped": 2, "delivered": 1, "returned": 2}, "lines[L1].returned"),
        ({"shipped": 1, "reserved": 3}, "lines[L1].reserved"),
        ({"cancelled": 3, "reserved": 1}, "lines[L1].reserved"),
    ],
    ids=lambda value: (
        ",".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else None
    ),
)
def test_check_counters_names_the_inconsistent_counter(
    counters: dict[str, int], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _line(**counters).check_counters()
    assert caught.value.field == field


def test_consistent_counters_pass_and_open_quantities_follow_them() -> None:
    line = _line(shipped=2, delivered=1, returned=1, reserved=1)
    line.check_counters()
    assert (line.active_quantity, line.open_quantity) == (3, 1)
    cancelled = _line(cancelled=1, shipped=2)
    cancelled.check_counters()
    assert (cancelled.active_quantity, cancelled.open_quantity) == (2, 0)


def test_counters_stay_consistent_through_a_whole_lifecycle() -> None:
    order = confirm(approve(place()))
    steps: list[Callable[[Order], Order]] = [
        pay,
        lambda o: ship(o, {"L1": 1}),
        lambda o: do_edit(o, EditRequest(set_quantities={"L1": 4})),
        pay,
        lambda o: ship(o, {"L1": 2}),
        lambda o: deliver(o, {"L1": 2}),
        ship,
        deliver,
    ]
    for step in steps:
        order = step(order)
        for line in order.lines:
            line.check_counters()
    assert order.status is S.DELIVERED
    assert [(line.shipped, line.delivered, line.reserved) for line in order.lines] == [
        (4, 4, 0),
        (1, 1, 0),
    ]
