"""Properties of pricing: spreads and totals add up to the minor unit, before and after edits.

``price_lines`` spreads the order discount and the shipping fee over the lines with
``Money.allocate`` (largest remainder on minor units), by the lines' net value (by quantity when
every line is free; shipping by quantity if the policy says so). The identities checked here:

* the shares sum exactly to what was spread, none is negative, and each is less than one minor
  unit away from its proportional ideal (a line with zero weight gets exactly zero);
* a line's total is its net value minus its discount share plus its shipping share, plus its tax
  when prices exclude tax;
* ``subtotal`` is the sum of unit price times quantity, ``discount`` the line discounts plus the
  order discount (= the sum of line discounts and discount shares), ``shipping`` the fee (= the
  sum of shipping shares), ``tax`` the sum of line taxes, ``grand_total`` the sum of line totals;
* tax is the taxable base (net minus discount share, plus shipping share when shipping is
  taxable) times the rate (divided by one plus the rate when prices include tax), rounded per
  line, or rounded once per order and spread back in proportion to each line's exact tax;
* every amount is held at exactly the currency's minor units.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import example, given, note
from hypothesis import strategies as st

from ordercore import (
    Address,
    Contact,
    EditRequest,
    IntakePolicy,
    InvalidTransition,
    LineDraft,
    Money,
    Order,
    OrderDraft,
    OrderPolicy,
    OrderTotals,
    PricingPolicy,
    ShippingSpread,
    TaxMode,
    TaxRounding,
    ValidationError,
)
from ordercore.money import minor_units
from ordercore.orders import lifecycle, pricing
from ordercore.orders.edits import edit
from ordercore.orders.intake import validate_draft
from ordercore.orders.pricing import LinePrice, PricedLine, price_lines

NOW = datetime(2025, 1, 1, tzinfo=UTC)
CURRENCIES = ("JPY", "EUR", "KWD", "BHD")  # 0, 2, 3 and 3 minor digits
ROUNDINGS = (
    decimal.ROUND_HALF_EVEN,
    decimal.ROUND_HALF_UP,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_UP,
    decimal.ROUND_DOWN,
    decimal.ROUND_CEILING,
    decimal.ROUND_FLOOR,
)
HALF_ROUNDINGS = frozenset(
    {decimal.ROUND_HALF_EVEN, decimal.ROUND_HALF_UP, decimal.ROUND_HALF_DOWN}
)
CONTACT = Contact("Ann Example", email="ann@example.com")
ADDRESS = Address("Ann Example", "1 Main Street", "Springfield", "DE", "12345")

tax_rates = st.one_of(
    st.sampled_from([Decimal(0), Decimal("0.07"), Decimal("0.19"), Decimal("0.2"), Decimal(1)]),
    st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False),
)

pricing_policies = st.builds(
    PricingPolicy,
    tax_mode=st.sampled_from(TaxMode),
    tax_rounding=st.sampled_from(TaxRounding),
    rounding=st.sampled_from(ROUNDINGS),
    shipping_taxable=st.booleans(),
    shipping_spread=st.sampled_from(ShippingSpread),
)


def _money(units: int, currency: str) -> Money:
    return Money.from_minor_units(units, currency)


@st.composite
def line_prices(draw: st.DrawFn, currency: str) -> LinePrice:
    digits = minor_units(currency)
    quantity = draw(st.integers(min_value=1, max_value=50))
    price = draw(st.just(0) | st.integers(min_value=0, max_value=10 ** (digits + 5)))
    discount = draw(st.just(0) | st.integers(min_value=0, max_value=price * quantity))
    return LinePrice(
        quantity=quantity,
        unit_price=_money(price, currency),
        discount=_money(discount, currency),
        tax_rate=draw(tax_rates),
    )


@st.composite
def pricing_inputs(
    draw: st.DrawFn, policies: st.SearchStrategy[PricingPolicy] = pricing_policies
) -> tuple[str, list[LinePrice], Money, Money, PricingPolicy]:
    """Currency, lines, an order discount up to the lines' net value, a fee, a policy."""
    currency = draw(st.sampled_from(CURRENCIES))
    lines = draw(st.lists(line_prices(currency), min_size=1, max_size=8))
    net = sum((line.unit_price * line.quantity - line.discount).minor_units for line in lines)
    discount = draw(st.sampled_from([0, net]) | st.integers(min_value=0, max_value=net))
    fee = draw(st.just(0) | st.integers(min_value=0, max_value=10 ** (minor_units(currency) + 4)))
    policy = draw(policies)
    return currency, lines, _money(discount, currency), _money(fee, currency), policy


# -- what the model says --------------------------------------------------------------------------


def _nets(lines: Sequence[LinePrice]) -> list[Money]:
    return [line.unit_price * line.quantity - line.discount for line in lines]


def _value_weights(lines: Sequence[LinePrice]) -> list[int]:
    weights = [net.minor_units for net in _nets(lines)]
    return weights if sum(weights) > 0 else [line.quantity for line in lines]


def _shipping_weights(lines: Sequence[LinePrice], policy: PricingPolicy) -> list[int]:
    if policy.shipping_spread is ShippingSpread.BY_QUANTITY:
        return [line.quantity for line in lines]
    return _value_weights(lines)


def assert_at_minor_units(amount: Money) -> None:
    assert amount.amount.as_tuple().exponent == -minor_units(amount.currency), repr(amount)


def assert_spread(shares: Sequence[Money], spread: Money, weights: Sequence[int]) -> None:
    """Shares sum exactly to ``spread``, none negative, each within a minor unit of its ideal."""
    assert Money.sum(shares, spread.currency) == spread
    total_weight = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert_at_minor_units(share)
        assert not share.is_negative(), share
        ideal = Fraction(spread.minor_units * weight, total_weight)
        assert abs(share.minor_units - ideal) < 1, (share, ideal, weights)
        if weight == 0:
            assert share.is_zero()


def _exact_tax(base: Money, rate: Decimal, mode: TaxMode) -> Fraction:
    """The tax before rounding, in minor units."""
    exact = Fraction(base.minor_units) * Fraction(rate)
    return exact if mode is TaxMode.EXCLUSIVE else exact / (1 + Fraction(rate))


def _assert_rounded(rounded: int, exact: Fraction, rounding: str) -> None:
    """``rounded`` is ``exact`` rounded to a whole minor unit in the ``rounding`` direction."""
    error = rounded - exact
    assert abs(error) < 1, (rounded, exact)
    if rounding in HALF_ROUNDINGS:
        assert abs(error) <= Fraction(1, 2), (rounded, exact, rounding)
    elif rounding in (decimal.ROUND_DOWN, decimal.ROUND_FLOOR):
        assert error <= 0, (rounded, exact, rounding)
    elif rounding in (decimal.ROUND_UP, decimal.ROUND_CEILING):
        assert error >= 0, (rounded, exact, rounding)


def assert_priced(
    lines: Sequence[LinePrice],
    priced: Sequence[PricedLine],
    totals: OrderTotals,
    *,
    currency: str,
    order_discount: Money,
    shipping_fee: Money,
    policy: PricingPolicy,
) -> None:
    """Every identity pricing promises, for lines priced with ``policy``."""
    assert len(priced) == len(lines)
    nets = _nets(lines)
    assert_spread([p.order_discount_share for p in priced], order_discount, _value_weights(lines))
    assert_spread(
        [p.shipping_share for p in priced], shipping_fee, _shipping_weights(lines, policy)
    )

    exclusive = policy.tax_mode is TaxMode.EXCLUSIVE
    exact_taxes = []
    for net, price, line in zip(nets, priced, lines, strict=True):
        assert price.order_discount_share <= net, (price, net)
        base = net - price.order_discount_share
        if policy.shipping_taxable:
            base = base + price.shipping_share
        exact_taxes.append(_exact_tax(base, line.tax_rate, policy.tax_mode))
        assert_at_minor_units(price.tax)
        assert_at_minor_units(price.total)
        assert not price.tax.is_negative()
        expected = net - price.order_discount_share + price.shipping_share
        assert price.total == (expected + price.tax if exclusive else expected)

    taxes = [price.tax.minor_units for price in priced]
    if policy.tax_rounding is TaxRounding.PER_LINE:
        for tax, exact in zip(taxes, exact_taxes, strict=True):
            _assert_rounded(tax, exact, policy.rounding)
    else:
        exact_total = sum(exact_taxes, Fraction(0))
        _assert_rounded(sum(taxes), exact_total, policy.rounding)
        for tax, exact in zip(taxes, exact_taxes, strict=True):
            if exact == 0:
                assert tax == 0
            else:
                # The library sums Decimals at 28 digits before it spreads, hence <= not <.
                assert abs(tax - sum(taxes) * exact / exact_total) <= 1, (taxes, exact_taxes)

    for amount in (
        totals.subtotal,
        totals.discount,
        totals.shipping,
        totals.tax,
        totals.grand_total,
    ):
        assert amount.currency == currency
        assert_at_minor_units(amount)
    assert totals.subtotal == Money.sum(
        (line.unit_price * line.quantity for line in lines), currency
    )
    assert totals.discount == Money.sum((line.discount for line in lines), currency) + (
        order_discount
    )
    assert totals.discount == Money.sum(
        (
            line.discount + price.order_discount_share
            for line, price in zip(lines, priced, strict=True)
        ),
        currency,
    )
    assert totals.shipping == shipping_fee
    assert totals.shipping == Money.sum((price.shipping_share for price in priced), currency)
    assert totals.tax == Money.sum((price.tax for price in priced), currency)
    assert totals.grand_total == Money.sum((price.total for price in priced), currency)
    net_total = totals.subtotal - totals.discount + totals.shipping
    assert totals.grand_total == (net_total + totals.tax if exclusive else net_total)


def assert_order_priced(order: Order, policy: PricingPolicy) -> None:
    """The pricing identities, read off a stored order."""
    lines = [LinePrice(i.quantity, i.unit_price, i.discount, i.tax_rate) for i in order.lines]
    priced = [
        PricedLine(i.order_discount_share, i.shipping_share, i.tax, i.total) for i in order.lines
    ]
    assert_priced(
        lines,
        priced,
        order.totals,
        currency=order.currency,
        order_discount=order.order_discount,
        shipping_fee=order.shipping_fee,
        policy=policy,
    )


# -- price_lines ----------------------------------------------------------------------------------


@given(pricing_inputs())
@example(
    (
        "JPY",
        [LinePrice(1, _money(1, "JPY"), _money(0, "JPY"), Decimal(0))] * 3,
        _money(2, "JPY"),
        _money(1, "JPY"),
        PricingPolicy(),
    )
)
@example(
    (
        "KWD",
        [
            LinePrice(3, _money(0, "KWD"), _money(0, "KWD"), Decimal("0.19")),
            LinePrice(1, _money(0, "KWD"), _money(0, "KWD"), Decimal(0)),
        ],
        _money(0, "KWD"),
        _money(1, "KWD"),
        PricingPolicy(),
    )
)
def test_price_lines_keeps_every_identity(
    case: tuple[str, list[LinePrice], Money, Money, PricingPolicy],
) -> None:
    currency, lines, order_discount, shipping_fee, policy = case
    priced, totals = price_lines(
        lines,
        currency=currency,
        order_discount=order_discount,
        shipping_fee=shipping_fee,
        policy=policy,
    )
    assert_priced(
        lines,
        priced,
        totals,
        currency=currency,
        order_discount=order_discount,
        shipping_fee=shipping_fee,
        policy=policy,
    )


@given(pricing_inputs(), st.integers(min_value=1, max_value=100))
def test_an_order_discount_above_the_lines_value_is_refused(
    case: tuple[str, list[LinePrice], Money, Money, PricingPolicy], excess: int
) -> None:
    currency, lines, _, shipping_fee, policy = case
    net = Money.sum(_nets(lines), currency)
    with pytest.raises(ValidationError) as refused:
        price_lines(
            lines,
            currency=currency,
            order_discount=net + _money(excess, currency),
            shipping_fee=shipping_fee,
            policy=policy,
        )
    assert refused.value.field == "order_discount"


# -- orders and edits -----------------------------------------------------------------------------


def _text(amount: Money) -> str:
    return str(amount.amount)


@st.composite
def line_drafts(draw: st.DrawFn, currency: str) -> LineDraft:
    line = draw(line_prices(currency))
    return LineDraft(
        sku=draw(st.sampled_from(["SKU-A", "SKU-B", "SKU-C"])),
        quantity=line.quantity,
        unit_price=_text(line.unit_price),
        tax_rate=str(line.tax_rate),
        discount=_text(line.discount),
    )


@st.composite
def orders(draw: st.DrawFn) -> tuple[Order, OrderPolicy]:
    """A placed order, now and then confirmed and partly shipped, with its policy."""
    currency, lines, order_discount, shipping_fee, pricing = draw(pricing_inputs())
    policy = OrderPolicy(pricing=pricing, require_payment_to_ship=False)
    draft = OrderDraft(
        channel="web",
        currency=currency,
        contact=CONTACT,
        shipping_address=ADDRESS,
        lines=[
            LineDraft(
                f"SKU-{index}", line.quantity, line.unit_price, "", line.tax_rate, line.discount
            )
            for index, line in enumerate(lines)
        ],
        order_discount=order_discount,
        shipping_fee=shipping_fee,
    )
    order = lifecycle.place(
        validate_draft(draft, policy.intake),
        order_id="ord_1",
        number="SO-1",
        now=NOW,
        policy=policy,
    ).order
    if draw(st.booleans()):
        order = lifecycle.approve(order, now=NOW).order
        order = lifecycle.confirm(order, now=NOW, policy=policy).order
        shipped = {
            line.line_id: draw(
                st.integers(min_value=0, max_value=line.quantity), label=line.line_id
            )
            for line in order.lines
        }
        shipped = {line_id: units for line_id, units in shipped.items() if units}
        if shipped and sum(shipped.values()) < sum(line.quantity for line in order.lines):
            order = lifecycle.ship(
                order, now=NOW, shipment_id="shp_1", policy=policy, lines=shipped
            ).order
    return order, policy


@st.composite
def edit_requests(draw: st.DrawFn, order: Order) -> EditRequest:
    quantities: dict[str, int] = {}
    for line in order.lines:
        if draw(st.booleans(), label=f"change {line.line_id}"):
            quantities[line.line_id] = draw(
                st.integers(min_value=0, max_value=line.quantity + 5), label=line.line_id
            )
    added = draw(st.lists(line_drafts(order.currency), max_size=3), label="add_lines")
    return EditRequest(set_quantities=quantities, add_lines=added)


@given(orders())
def test_placed_orders_keep_every_identity(placed: tuple[Order, OrderPolicy]) -> None:
    order, policy = placed
    assert_order_priced(order, policy.pricing)


@given(orders(), st.data())
def test_edits_keep_every_identity(placed: tuple[Order, OrderPolicy], data: st.DataObject) -> None:
    order, policy = placed
    request = data.draw(edit_requests(order), label="request")
    try:
        decision = edit(order, request, now=NOW, reason="customer asked", policy=policy)
    except (InvalidTransition, ValidationError) as exc:
        note(f"refused: {exc}")
        return
    edited = decision.order
    assert_order_priced(edited, policy.pricing)
    assert edited.order_discount == order.order_discount
    assert edited.shipping_fee == order.shipping_fee
    assert edited.version == order.version + 1
    for line in edited.lines:
        line.check_counters()
        assert line.quantity >= line.shipped
        if line.line_id in request.set_quantities:
            assert line.quantity == request.set_quantities[line.line_id]
        old = next((item for item in order.lines if item.line_id == line.line_id), None)
        if old is not None and old.quantity == line.quantity:
            assert line.discount == old.discount  # untouched lines keep their discount


# -- regressions: bugs these properties found -----------------------------------------------------


def _placed(*lines: LineDraft, policy: OrderPolicy) -> Order:
    draft = OrderDraft(
        channel="web", currency="EUR", contact=CONTACT, shipping_address=ADDRESS, lines=list(lines)
    )
    return lifecycle.place(
        validate_draft(draft, policy.intake),
        order_id="ord_1",
        number="SO-1",
        now=NOW,
        policy=policy,
    ).order


def test_an_edit_prices_with_the_orders_own_tax_mode() -> None:
    inclusive = OrderPolicy(pricing=PricingPolicy(tax_mode=TaxMode.INCLUSIVE))
    order = _placed(LineDraft("SKU-A", 2, "10.00", tax_rate="0.19"), policy=inclusive)
    edited = edit(
        order,
        EditRequest(add_lines=[LineDraft("SKU-B", 1, "1.00")]),
        now=NOW,
        reason="add a line",
        policy=OrderPolicy(),
    ).order
    assert_order_priced(edited, attrs.evolve(OrderPolicy().pricing, tax_mode=edited.tax_mode))


def test_an_edit_cannot_exceed_the_intake_quantity_limit() -> None:
    policy = OrderPolicy()
    order = _placed(LineDraft("SKU-A", 1, "1.00"), policy=policy)
    limit = policy.intake.max_quantity
    with pytest.raises(ValidationError):
        edit(
            order,
            EditRequest(set_quantities={"L1": limit + 1}),
            now=NOW,
            reason="typo",
            policy=policy,
        )


# Found by this property: the discount used to be rescaled from the last edit and erode.
@given(
    currency=st.sampled_from(CURRENCIES),
    quantity=st.integers(min_value=2, max_value=20),
    fewer=st.integers(min_value=1, max_value=19),
    price=st.integers(min_value=1, max_value=10**6),
    discount=st.integers(min_value=1, max_value=10**6),
)
@example(currency="EUR", quantity=3, fewer=1, price=1000, discount=1)
def test_editing_a_quantity_down_and_back_restores_the_discount(
    currency: str, quantity: int, fewer: int, price: int, discount: int
) -> None:
    fewer = min(fewer, quantity - 1)
    discount = min(discount, price * quantity)
    policy = OrderPolicy()
    draft = OrderDraft(
        channel="web",
        currency=currency,
        contact=CONTACT,
        shipping_address=ADDRESS,
        lines=[
            LineDraft(
                "SKU-A",
                quantity,
                _text(_money(price, currency)),
                discount=_text(_money(discount, currency)),
            )
        ],
    )
    order = lifecycle.place(
        validate_draft(draft, IntakePolicy()), order_id="o", number="1", now=NOW, policy=policy
    ).order
    down = edit(
        order, EditRequest(set_quantities={"L1": fewer}), now=NOW, reason="r", policy=policy
    ).order
    back = edit(
        down, EditRequest(set_quantities={"L1": quantity}), now=NOW, reason="r", policy=policy
    ).order
    assert back.lines[0].discount == order.lines[0].discount
    assert back.totals == order.totals


def _tax_only(policy: PricingPolicy, *lines: LinePrice) -> tuple[Money, list[Money]]:
    priced, totals = price_lines(
        lines,
        currency=lines[0].unit_price.currency,
        order_discount=Money.zero(lines[0].unit_price.currency),
        shipping_fee=Money.zero(lines[0].unit_price.currency),
        policy=policy,
    )
    return totals.tax, [price.tax for price in priced]


@given(
    pricing_inputs(
        st.builds(
            PricingPolicy,
            tax_mode=st.sampled_from(TaxMode),
            tax_rounding=st.just(TaxRounding.PER_ORDER),
            rounding=st.sampled_from(sorted(set(ROUNDINGS) - HALF_ROUNDINGS)),
            shipping_taxable=st.booleans(),
            shipping_spread=st.sampled_from(ShippingSpread),
        )
    )
)
@example(
    (
        "EUR",
        [LinePrice(1, _money(100, "EUR"), _money(0, "EUR"), Decimal("0.2"))] * 3,
        _money(0, "EUR"),
        _money(0, "EUR"),
        PricingPolicy(
            tax_mode=TaxMode.INCLUSIVE,
            tax_rounding=TaxRounding.PER_ORDER,
            rounding=decimal.ROUND_UP,
        ),
    )
)
def test_per_order_tax_is_the_exact_sum_rounded_once(
    case: tuple[str, list[LinePrice], Money, Money, PricingPolicy],
) -> None:
    currency, lines, order_discount, shipping_fee, policy = case
    priced, totals = price_lines(
        lines,
        currency=currency,
        order_discount=order_discount,
        shipping_fee=shipping_fee,
        policy=policy,
    )
    assert_priced(
        lines,
        priced,
        totals,
        currency=currency,
        order_discount=order_discount,
        shipping_fee=shipping_fee,
        policy=policy,
    )


def test_pricing_does_not_depend_on_the_callers_decimal_context() -> None:
    line = LinePrice(1, Money.of("123.45", "EUR"), Money.zero("EUR"), Decimal("0.19"))
    expected = _tax_only(PricingPolicy(), line)
    with decimal.localcontext() as context:
        context.prec = 3
        assert _tax_only(PricingPolicy(), line) == expected


@given(
    amount=st.decimals(min_value=0, max_value=Decimal("1e15"), places=2, allow_nan=False),
    rate=st.one_of(
        st.decimals(min_value=0, max_value=1, places=4, allow_nan=False),
        # Rates with so many digits that the product is no longer exact at 60 digits.
        st.decimals(min_value=0, max_value=1, places=59, allow_nan=False),
    ),
    mode=st.sampled_from(TaxMode),
)
def test_per_line_decimal_tax_equals_the_exact_fraction(
    amount: Decimal, rate: Decimal, mode: TaxMode
) -> None:
    # The per-line path skips fractions for speed; it must give the very decimal the exact
    # route gives, so that rounding it to the minor unit cannot differ in any rounding mode.
    base = Money.of(amount, "EUR").amount
    assert pricing._line_tax(base, rate, mode) == pricing._to_decimal(
        pricing._exact_tax(base, rate, mode)
    )
