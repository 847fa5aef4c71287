"""Hypothesis strategies for ordercore's value types, for adapter authors and our own tests.

A storage adapter, serializer or payment plugin can check itself against these::

    from hypothesis import given
    from ordercore.testing import strategies as ost


    @given(ost.money())
    def test_round_trips_money(money):
        assert load(save(money)) == money

Hypothesis is needed only by code that imports this module; ordercore itself does not depend on
it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from hypothesis import strategies as st

from ordercore._currencies import MINOR_UNITS
from ordercore.money import Money, minor_units
from ordercore.orders.model import TaxMode
from ordercore.orders.policy import OrderPolicy
from ordercore.orders.pricing import PricingPolicy, ShippingSpread, TaxRounding

__all__ = ["DEFAULT_AMOUNT_LIMIT", "amounts", "currencies", "money", "order_policies", "ratios"]

DEFAULT_AMOUNT_LIMIT = 10**14
"""Default bound (exclusive, in major units) of :func:`amounts` and :func:`money`.

It keeps every amount within a SQL ``NUMERIC(19, 4)`` column and its minor units within a
signed 64-bit integer, for every currency in the table.
"""


def currencies() -> st.SearchStrategy[str]:
    """Draw ISO 4217 codes that :class:`~ordercore.money.Money` accepts.

    Returns:
        A strategy over every code in the table, shrinking towards ``"AED"``.
    """
    return st.sampled_from(sorted(MINOR_UNITS))


def amounts(
    currency: str,
    *,
    min_value: Decimal | int | str | None = None,
    max_value: Decimal | int | str | None = None,
) -> st.SearchStrategy[Decimal]:
    """Draw Decimal amounts that ``currency`` can hold exactly, at its minor units.

    Args:
        currency: An ISO 4217 code from the table.
        min_value: Smallest amount (inclusive); rounded up to the minor units. By default
            just above ``-DEFAULT_AMOUNT_LIMIT``.
        max_value: Largest amount (inclusive); rounded down to the minor units. By default
            just below ``DEFAULT_AMOUNT_LIMIT``.

    Returns:
        A strategy of Decimals such as ``Decimal("12.30")`` for EUR, shrinking towards zero
        (or towards the bound nearest to it).

    Raises:
        ValidationError: ``field="currency"`` for an unknown code, or a bound that is not a
            decimal number.
        ValueError: ``min_value`` is above ``max_value`` after rounding to the minor units.
    """
    digits = minor_units(currency)
    limit = DEFAULT_AMOUNT_LIMIT * 10**digits - 1
    low = -limit if min_value is None else _ceil_units(min_value, currency)
    high = limit if max_value is None else _floor_units(max_value, currency)
    if low > high:
        raise ValueError(f"no {currency} amount lies between {min_value} and {max_value}")
    return st.integers(min_value=low, max_value=high).map(
        lambda units: Money.from_minor_units(units, currency).amount
    )


def money(
    currency: str | None = None,
    *,
    min_value: Decimal | int | str | None = None,
    max_value: Decimal | int | str | None = None,
) -> st.SearchStrategy[Money]:
    """Draw :class:`~ordercore.money.Money` values.

    Args:
        currency: Draw only this currency; by default any currency from :func:`currencies`.
        min_value: Smallest amount, as for :func:`amounts`.
        max_value: Largest amount, as for :func:`amounts`.

    Returns:
        A strategy of Money values such as ``Money('12.30', 'EUR')``.

    Raises:
        ValidationError: ``field="currency"`` for an unknown code.
    """
    if currency is not None:
        return _money_in(currency, min_value, max_value)
    return currencies().flatmap(lambda code: _money_in(code, min_value, max_value))


def order_policies() -> st.SearchStrategy[OrderPolicy]:
    """Draw order policies over every tax mode, rounding, shipping spread and payment rule."""
    return st.builds(
        OrderPolicy,
        pricing=st.builds(
            PricingPolicy,
            tax_mode=st.sampled_from(TaxMode),
            tax_rounding=st.sampled_from(TaxRounding),
            shipping_taxable=st.booleans(),
            shipping_spread=st.sampled_from(ShippingSpread),
        ),
        payment_window=st.sampled_from([timedelta(days=7), None]),
        require_payment_to_confirm=st.booleans(),
        require_payment_to_ship=st.booleans(),
        require_payment_to_complete=st.booleans(),
    )


def ratios(*, min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[list[Decimal | int]]:
    """Draw ratio lists that :meth:`Money.allocate <ordercore.money.Money.allocate>` accepts.

    Each list mixes non-negative ints and Decimals (with 0 to 6 decimal places), often holds
    zeros, and always holds at least one ratio above zero.

    Args:
        min_size: Fewest ratios, at least 1.
        max_size: Most ratios.

    Returns:
        A strategy of lists such as ``[3, Decimal("0.25"), 0]``.

    Raises:
        ValueError: ``min_size`` is below 1 or above ``max_size``.
    """
    if min_size < 1 or min_size > max_size:
        raise ValueError("need 1 <= min_size <= max_size")
    return _ratio_lists(min_size, max_size)


def _ceil_units(value: Decimal | int | str, currency: str) -> int:
    return Money.of(value, currency, rounding=ROUND_CEILING).minor_units


def _floor_units(value: Decimal | int | str, currency: str) -> int:
    return Money.of(value, currency, rounding=ROUND_FLOOR).minor_units


def _money_in(
    currency: str,
    min_value: Decimal | int | str | None,
    max_value: Decimal | int | str | None,
) -> st.SearchStrategy[Money]:
    return amounts(currency, min_value=min_value, max_value=max_value).map(
        lambda amount: Money(amount, currency)
    )


_ints = st.integers(min_value=0, max_value=1_000)
_decimals = st.integers(min_value=0, max_value=6).flatmap(
    lambda places: st.decimals(
        min_value=0, max_value=1_000, places=places, allow_nan=False, allow_infinity=False
    )
)
_ratio = st.one_of(st.just(0), _ints, _decimals)
_positive_ratio = st.one_of(
    st.integers(min_value=1, max_value=1_000),
    st.decimals(
        min_value=Decimal("0.000001"),
        max_value=1_000,
        places=6,
        allow_nan=False,
        allow_infinity=False,
    ),
)


def _ratio_lists(min_size: int, max_size: int) -> st.SearchStrategy[list[Decimal | int]]:
    @st.composite
    def build(draw: st.DrawFn) -> list[Decimal | int]:
        rest: list[Decimal | int] = draw(
            st.lists(_ratio, min_size=min_size - 1, max_size=max_size - 1)
        )
        positive: Decimal | int = draw(_positive_ratio)
        position = draw(st.integers(min_value=0, max_value=len(rest)))
        rest.insert(position, positive)
        return rest

    return build()
