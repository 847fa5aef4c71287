"""Conversion rates, for callers who want one total over several currencies.

Without rates, every calculator keeps currencies apart. With :class:`ExchangeRates`, amounts are
converted into the base currency exactly and rounded once, half-even, to its minor units.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Final

import attrs

from ordercore._currencies import MINOR_UNITS
from ordercore.errors import CurrencyMismatch, ValidationError
from ordercore.money import Money

__all__ = ["ExchangeRates", "convert_minor"]

# Wide enough that a product of an amount and a rate is exact before the one rounding step;
# a private context, so the caller's decimal settings never change a result.
_EXACT: Final = Context(prec=100, rounding=ROUND_HALF_EVEN)


def _checked_rates(rates: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    checked: dict[str, Decimal] = {}
    for code, rate in rates.items():
        if code not in MINOR_UNITS:
            raise ValidationError(f"rates.{code}", "not a known ISO 4217 currency code")
        if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
            raise ValidationError(
                f"rates.{code}", "give a positive Decimal (floats cannot hold most rates exactly)"
            )
        checked[code] = rate
    return checked


@attrs.frozen(slots=True)
class ExchangeRates:
    """How many units of ``base`` one unit of each other currency is worth.

    Attributes:
        base: The currency results are given in.
        rates: ``{"USD": Decimal("0.92")}`` means 1 USD = 0.92 of the base currency.
    """

    base: str = attrs.field()
    rates: Mapping[str, Decimal] = attrs.field(converter=_checked_rates)

    @base.validator
    def _known_base(self, _: object, value: str) -> None:
        if value not in MINOR_UNITS:
            raise ValidationError("base", "not a known ISO 4217 currency code")

    def rate(self, currency: str) -> Decimal:
        """The rate of ``currency`` into the base currency (1 for the base itself).

        Raises:
            CurrencyMismatch: No rate was given for ``currency``.
        """
        if currency == self.base:
            return Decimal(1)
        rate = self.rates.get(currency)
        if rate is None:
            raise CurrencyMismatch("rates", currency, self.base)
        return rate

    def convert(self, money: Money) -> Money:
        """``money`` in the base currency, rounded half-even to its minor units."""
        return Money.of(_EXACT.multiply(money.amount, self.rate(money.currency)), self.base)


def convert_minor(minor: int, currency: str, rates: ExchangeRates) -> int:
    """Convert an amount in ``currency``'s minor units into the base currency's minor units."""
    if currency == rates.base:
        return minor
    amount = _EXACT.multiply(Decimal(minor).scaleb(-MINOR_UNITS[currency]), rates.rate(currency))
    quantum = Decimal(1).scaleb(-MINOR_UNITS[rates.base])
    rounded = amount.quantize(quantum, ROUND_HALF_EVEN, _EXACT)
    return int(rounded.scaleb(MINOR_UNITS[rates.base], _EXACT))
