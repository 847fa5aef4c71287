"""Pricing: line amounts, discount and shipping spread, tax, and totals that always add up.

Each line's total is net of its own discount and its share of the order discount, plus its share
of shipping, plus its tax when prices exclude tax. Shares are made with
:meth:`~ordercore.money.Money.allocate`, so they sum exactly to what was spread, and the grand
total is the sum of the line totals by construction.

Tax is rounded per line (each line's tax rounded on its own) or per order (the exact sum rounded
once, then spread back over the lines in proportion to their exact tax), as the policy says.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from decimal import ROUND_05UP, ROUND_HALF_EVEN, Context, Decimal, Inexact
from fractions import Fraction

import attrs

from ordercore.errors import CurrencyMismatch, ValidationError
from ordercore.money import (
    Money,
    allocate_units,
    minor_units,
    money_of_units,
    round_to_minor_units,
)
from ordercore.orders.model import OrderTotals, TaxMode

__all__ = [
    "LinePrice",
    "PricedLine",
    "PricingPolicy",
    "ShippingSpread",
    "TaxRounding",
    "price_lines",
]


class TaxRounding(enum.Enum):
    """Where tax is rounded to the minor unit."""

    PER_LINE = "per_line"
    PER_ORDER = "per_order"


class ShippingSpread(enum.Enum):
    """How the shipping fee is shared among the lines."""

    BY_VALUE = "by_value"
    BY_QUANTITY = "by_quantity"


@attrs.frozen(slots=True)
class PricingPolicy:
    """How an order is priced.

    Attributes:
        tax_mode: Whether unit prices include tax.
        tax_rounding: Round tax per line or once per order.
        rounding: The decimal rounding mode for tax (default half-even).
        shipping_taxable: Whether a line's shipping share is taxed at the line's rate.
        shipping_spread: Share shipping by line value or by quantity.
    """

    tax_mode: TaxMode = TaxMode.EXCLUSIVE
    tax_rounding: TaxRounding = TaxRounding.PER_LINE
    rounding: str = ROUND_HALF_EVEN
    shipping_taxable: bool = True
    shipping_spread: ShippingSpread = ShippingSpread.BY_VALUE


@attrs.frozen(slots=True)
class LinePrice:
    """What pricing needs of a line: quantity, unit price, line discount and tax rate."""

    quantity: int
    unit_price: Money
    discount: Money
    tax_rate: Decimal


@attrs.frozen(slots=True)
class PricedLine:
    """Pricing's answer for one line."""

    order_discount_share: Money
    shipping_share: Money
    tax: Money
    total: Money


def _by_quantity(quantities: Sequence[int]) -> list[int]:
    return list(quantities) if sum(quantities) > 0 else [1] * len(quantities)


def _by_value(values: list[int], quantities: Sequence[int]) -> list[int]:
    # When every line is free, spread by quantity so that shares still go somewhere sensible.
    return values if sum(values) > 0 else _by_quantity(quantities)


# Tax is worked out exactly and rounded once. Per-order rounding needs exact fractions (their
# sum and proportions); per-line rounding, the common case, only needs each line's exact tax as
# a decimal, which plain decimal arithmetic gives several times faster than ``Fraction``.
# The conversion keeps 60 digits and rounds with ROUND_05UP, which never lands on a 0 or 5 it
# did not come from, so the single rounding to the minor unit that follows is the same as
# rounding the exact value. An explicit context also keeps the caller's decimal context out.
_WIDE = Context(prec=60, rounding=ROUND_05UP)
# Products and sums of amounts and rates must be exact; this context says so by raising.
_EXACT = Context(prec=60, rounding=ROUND_05UP, traps=[Inexact])


def _exact_tax(base: Decimal, rate: Decimal, mode: TaxMode) -> Fraction:
    exact_rate = Fraction(rate)
    if mode is TaxMode.EXCLUSIVE:
        return Fraction(base) * exact_rate
    return Fraction(base) * exact_rate / (1 + exact_rate)


def _line_tax(base: Decimal, rate: Decimal, mode: TaxMode) -> Decimal:
    """One line's tax as a decimal that rounds to the minor unit exactly as the exact value does."""
    try:
        product = _EXACT.multiply(base, rate)
        if mode is TaxMode.EXCLUSIVE:
            return product
        return _WIDE.divide(product, _EXACT.add(1, rate))
    except Inexact:
        # Amounts and rates with more than 60 digits between them: take the exact route.
        return _to_decimal(_exact_tax(base, rate, mode))


def _to_decimal(value: Fraction) -> Decimal:
    return _WIDE.divide(Decimal(value.numerator), Decimal(value.denominator))


def _units(amount: Money, currency: str) -> int:
    if amount.currency != currency:
        raise CurrencyMismatch("amount", currency, amount.currency)
    return amount.minor_units


def _taxes(
    bases: Sequence[int],
    digits: int,
    lines: Sequence[LinePrice],
    currency: str,
    policy: PricingPolicy,
) -> list[int]:
    """Each line's tax in minor units, from its taxable base in minor units."""
    amounts = [_WIDE.scaleb(Decimal(base), -digits) for base in bases]
    pairs = zip(amounts, lines, strict=True)
    mode, rounding = policy.tax_mode, policy.rounding
    if policy.tax_rounding is TaxRounding.PER_LINE:
        return [
            round_to_minor_units(_line_tax(amount, line.tax_rate, mode), currency, rounding)
            for amount, line in pairs
        ]
    exact = [_exact_tax(amount, line.tax_rate, mode) for amount, line in pairs]
    total = Money.of(_to_decimal(sum(exact, Fraction(0))), currency, rounding=rounding)
    if total.is_zero() or not any(exact):
        return [0] * len(exact)
    # Shares of the one rounded total in exact proportion to each line's exact tax.
    common = math.lcm(*(value.denominator for value in exact))
    weights = [abs(value.numerator) * (common // value.denominator) for value in exact]
    return allocate_units(total.minor_units, weights)


def price_lines(
    lines: Sequence[LinePrice],
    *,
    currency: str,
    order_discount: Money,
    shipping_fee: Money,
    policy: PricingPolicy,
) -> tuple[list[PricedLine], OrderTotals]:
    """Price an order's lines and return each line's share and the order totals.

    Args:
        lines: The lines in order.
        currency: The order currency; every amount must be in it.
        order_discount: Discount on the whole order (not more than the lines' net value).
        shipping_fee: Shipping charged.
        policy: Tax mode and rounding.

    Returns:
        The priced lines (same order) and the totals.

    Raises:
        ValidationError: For an empty order, a line discount above the line's value, or an
            order discount above the lines' net value.
    """
    if not lines:
        raise ValidationError("lines", "an order needs at least one line")
    # Everything is added, compared and spread in whole minor units (ints), and each amount
    # becomes Money once at the end: the results of Money arithmetic, with far fewer objects.
    digits = minor_units(currency)
    gross: list[int] = []
    nets: list[int] = []
    quantities: list[int] = []
    line_discounts = 0
    for index, line in enumerate(lines):
        line_gross = _units(line.unit_price, currency) * line.quantity
        discount = _units(line.discount, currency)
        if discount > line_gross:
            raise ValidationError(f"lines[{index}].discount", "exceeds the line's value")
        gross.append(line_gross)
        nets.append(line_gross - discount)
        quantities.append(line.quantity)
        line_discounts += discount
    order_discount_units = _units(order_discount, currency)
    if order_discount_units > sum(nets):
        raise ValidationError("order_discount", "exceeds the value of the lines")
    shipping_units = _units(shipping_fee, currency)
    discount_shares = (
        allocate_units(order_discount_units, _by_value(nets, quantities))
        if order_discount_units
        else [0] * len(nets)
    )
    if policy.shipping_spread is ShippingSpread.BY_VALUE:
        spread = _by_value(nets, quantities)
    else:
        spread = _by_quantity(quantities)
    shipping_shares = allocate_units(shipping_units, spread) if shipping_units else [0] * len(nets)
    bases = [
        net - discount_share + (shipping_share if policy.shipping_taxable else 0)
        for net, discount_share, shipping_share in zip(
            nets, discount_shares, shipping_shares, strict=True
        )
    ]
    taxes = _taxes(bases, digits, lines, currency, policy)
    exclusive = policy.tax_mode is TaxMode.EXCLUSIVE
    made: dict[int, Money] = {}

    def money(units: int) -> Money:
        value = made.get(units)
        if value is None:
            try:
                value = made[units] = money_of_units(units, currency)
            except ValidationError as exc:
                # Too many digits: refused as Money arithmetic refuses it, naming the amount.
                raise ValidationError("amount", exc.reason) from None
        return value

    priced = []
    line_totals = 0
    tax_total = 0
    for net, discount_share, shipping_share, tax in zip(
        nets, discount_shares, shipping_shares, taxes, strict=True
    ):
        total = net - discount_share + shipping_share + (tax if exclusive else 0)
        line_totals += total
        tax_total += tax
        priced.append(
            PricedLine(money(discount_share), money(shipping_share), money(tax), money(total))
        )
    totals = OrderTotals(
        subtotal=money(sum(gross)),
        discount=money(line_discounts + order_discount_units),
        shipping=money(shipping_units),
        tax=money(tax_total),
        grand_total=money(line_totals),
    )
    return priced, totals
