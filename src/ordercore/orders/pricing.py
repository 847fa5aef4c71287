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

from ordercore.errors import ValidationError
from ordercore.money import Money
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


def _by_value(values: Sequence[Money], quantities: Sequence[int]) -> list[int]:
    weights = [value.minor_units for value in values]
    # When every line is free, spread by quantity so that shares still go somewhere sensible.
    return weights if sum(weights) > 0 else _by_quantity(quantities)


# Tax is worked out exactly and rounded once. Per-order rounding needs exact fractions (their
# sum and proportions); per-line rounding, the common case, only needs each line's exact tax as
# a decimal, which plain decimal arithmetic gives several times faster than ``Fraction``.
# The conversion keeps 60 digits and rounds with ROUND_05UP, which never lands on a 0 or 5 it
# did not come from, so the single rounding to the minor unit that follows is the same as
# rounding the exact value. An explicit context also keeps the caller's decimal context out.
_WIDE = Context(prec=60, rounding=ROUND_05UP)
# Products and sums of amounts and rates must be exact; this context says so by raising.
_EXACT = Context(prec=60, rounding=ROUND_05UP, traps=[Inexact])


def _exact_tax(base: Money, rate: Decimal, mode: TaxMode) -> Fraction:
    exact_rate = Fraction(rate)
    if mode is TaxMode.EXCLUSIVE:
        return Fraction(base.amount) * exact_rate
    return Fraction(base.amount) * exact_rate / (1 + exact_rate)


def _line_tax(base: Money, rate: Decimal, mode: TaxMode) -> Decimal:
    """One line's tax as a decimal that rounds to the minor unit exactly as the exact value does."""
    try:
        product = _EXACT.multiply(base.amount, rate)
        if mode is TaxMode.EXCLUSIVE:
            return product
        return _WIDE.divide(product, _EXACT.add(1, rate))
    except Inexact:
        # Amounts and rates with more than 60 digits between them: take the exact route.
        return _to_decimal(_exact_tax(base, rate, mode))


def _to_decimal(value: Fraction) -> Decimal:
    return _WIDE.divide(Decimal(value.numerator), Decimal(value.denominator))


def _taxes(
    bases: Sequence[Money], lines: Sequence[LinePrice], currency: str, policy: PricingPolicy
) -> list[Money]:
    pairs = zip(bases, lines, strict=True)
    if policy.tax_rounding is TaxRounding.PER_LINE:
        return [
            Money.of(
                _line_tax(base, line.tax_rate, policy.tax_mode), currency, rounding=policy.rounding
            )
            for base, line in pairs
        ]
    exact = [_exact_tax(base, line.tax_rate, policy.tax_mode) for base, line in pairs]
    total = Money.of(_to_decimal(sum(exact, Fraction(0))), currency, rounding=policy.rounding)
    if total.is_zero() or not any(exact):
        return [Money.zero(currency) for _ in exact]
    # Shares of the one rounded total in exact proportion to each line's exact tax.
    common = math.lcm(*(value.denominator for value in exact))
    weights = [abs(value.numerator) * (common // value.denominator) for value in exact]
    return list(total.allocate(weights))


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
    nets: list[Money] = []
    for index, line in enumerate(lines):
        gross = line.unit_price * line.quantity
        if line.discount > gross:
            raise ValidationError(f"lines[{index}].discount", "exceeds the line's value")
        nets.append(gross - line.discount)
    quantities = [line.quantity for line in lines]
    net_total = Money.sum(nets, currency)
    if order_discount > net_total:
        raise ValidationError("order_discount", "exceeds the value of the lines")
    discount_shares = order_discount.allocate(_by_value(nets, quantities))
    if policy.shipping_spread is ShippingSpread.BY_VALUE:
        shipping_shares = shipping_fee.allocate(_by_value(nets, quantities))
    else:
        shipping_shares = shipping_fee.allocate(_by_quantity(quantities))
    bases = []
    for net, discount_share, shipping_share in zip(
        nets, discount_shares, shipping_shares, strict=True
    ):
        base = net - discount_share
        bases.append(base + shipping_share if policy.shipping_taxable else base)
    taxes = _taxes(bases, lines, currency, policy)
    priced = []
    for net, discount_share, shipping_share, tax in zip(
        nets, discount_shares, shipping_shares, taxes, strict=True
    ):
        total = net - discount_share + shipping_share
        if policy.tax_mode is TaxMode.EXCLUSIVE:
            total = total + tax
        priced.append(PricedLine(discount_share, shipping_share, tax, total))
    subtotal = Money.sum((line.unit_price * line.quantity for line in lines), currency)
    line_discounts = Money.sum((line.discount for line in lines), currency)
    tax_total = Money.sum(taxes, currency)
    totals = OrderTotals(
        subtotal=subtotal,
        discount=line_discounts + order_discount,
        shipping=shipping_fee,
        tax=tax_total,
        grand_total=Money.sum((p.total for p in priced), currency),
    )
    return priced, totals
