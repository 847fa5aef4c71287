"""Properties of Money: exact arithmetic and allocation that never loses or invents a minor unit.

The number of examples comes from the Hypothesis profile in force (see tests/conftest.py); no
test here fixes it.
"""

from __future__ import annotations

import math
from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from ordercore._currencies import MINOR_UNITS
from ordercore.money import MAX_DIGITS, Money, money_of_units, round_to_minor_units
from ordercore.testing import strategies as ost

ROUNDINGS = st.sampled_from(
    [
        ROUND_05UP,
        ROUND_CEILING,
        ROUND_DOWN,
        ROUND_FLOOR,
        ROUND_HALF_DOWN,
        ROUND_HALF_EVEN,
        ROUND_HALF_UP,
        ROUND_UP,
    ]
)


@st.composite
def same_currency(draw: st.DrawFn, count: int) -> list[Money]:
    """``count`` Money values in one randomly drawn currency."""
    currency = draw(ost.currencies())
    return [draw(ost.money(currency)) for _ in range(count)]


@st.composite
def wide_money(draw: st.DrawFn) -> Money:
    """Money anywhere up to MAX_DIGITS digits, to reach the edges that ost.money() avoids."""
    currency = draw(ost.currencies())
    limit = 10**MAX_DIGITS - 1
    return Money.from_minor_units(draw(st.integers(-limit, limit)), currency)


any_money = st.one_of(ost.money(), wide_money())


def ideal_share(money: Money, ratio: Decimal | int, ratios: list[Decimal | int]) -> Fraction:
    """The exact share ``amount * ratio / sum(ratios)``, as a fraction of major units."""
    total = sum(Fraction(r) for r in ratios)
    return Fraction(money.amount) * Fraction(ratio) / total


def unit_of(money: Money) -> Fraction:
    return Fraction(1, 10**money.minor_unit_digits)


# Allocation ------------------------------------------------------------------------------------


@given(money=any_money, ratios=ost.ratios())
def test_allocated_shares_add_up_to_exactly_the_original(
    money: Money, ratios: list[Decimal | int]
) -> None:
    shares = money.allocate(ratios)

    assert len(shares) == len(ratios)
    assert Money.sum(shares, money.currency) == money
    assert {share.currency for share in shares} == {money.currency}


@given(money=any_money, ratios=ost.ratios())
def test_every_share_is_less_than_one_minor_unit_from_its_ideal(
    money: Money, ratios: list[Decimal | int]
) -> None:
    shares = money.allocate(ratios)

    for share, ratio in zip(shares, ratios, strict=True):
        assert abs(Fraction(share.amount) - ideal_share(money, ratio, ratios)) < unit_of(money)


@given(money=any_money, ratios=ost.ratios())
def test_every_share_is_its_ideal_rounded_down_or_up_to_the_next_minor_unit(
    money: Money, ratios: list[Decimal | int]
) -> None:
    unit = unit_of(money)
    for share, ratio in zip(money.allocate(ratios), ratios, strict=True):
        ideal = ideal_share(money, ratio, ratios) / unit
        units = share.minor_units

        assert units in {math.floor(ideal), math.ceil(ideal)}


@given(money=any_money, ratios=ost.ratios())
def test_zero_ratios_get_exactly_zero(money: Money, ratios: list[Decimal | int]) -> None:
    shares = money.allocate(ratios)

    for share, ratio in zip(shares, ratios, strict=True):
        if ratio == 0:
            assert share.is_zero()


@given(money=any_money, ratios=ost.ratios())
def test_allocating_the_negated_amount_negates_every_share(
    money: Money, ratios: list[Decimal | int]
) -> None:
    assert (-money).allocate(ratios) == tuple(-share for share in money.allocate(ratios))


@given(money=any_money, ratios=ost.ratios())
def test_a_larger_ratio_never_gets_a_smaller_share(
    money: Money, ratios: list[Decimal | int]
) -> None:
    magnitude = abs(money)
    shares = magnitude.allocate(ratios)

    for i, (share_i, ratio_i) in enumerate(zip(shares, ratios, strict=True)):
        for share_j, ratio_j in zip(shares[i + 1 :], ratios[i + 1 :], strict=True):
            if ratio_i >= ratio_j:  # equal ratios: the earlier share wins ties
                assert share_i >= share_j
            else:
                assert share_i <= share_j


@given(
    money=any_money,
    ratios=ost.ratios(),
    scale=st.sampled_from([Decimal("0.001"), Decimal("0.5"), 3, Decimal("1E+6")]),
)
def test_scaling_all_ratios_by_one_factor_changes_nothing(
    money: Money, ratios: list[Decimal | int], scale: Decimal | int
) -> None:
    scaled = [Decimal(ratio) * Decimal(scale) for ratio in ratios]

    assert money.allocate(scaled) == money.allocate(ratios)


@given(money=any_money, ratios=ost.ratios())
def test_allocation_is_the_same_every_time(money: Money, ratios: list[Decimal | int]) -> None:
    assert money.allocate(ratios) == money.allocate(list(ratios))


@given(money=any_money, n=st.integers(min_value=1, max_value=40))
def test_split_shares_add_up_to_the_original_and_differ_by_at_most_one_unit(
    money: Money, n: int
) -> None:
    shares = money.split(n)

    assert len(shares) == n
    assert Money.sum(shares, money.currency) == money
    units = [share.minor_units for share in shares]
    assert max(units) - min(units) <= 1


@given(money=any_money, n=st.integers(min_value=1, max_value=40))
def test_split_is_allocate_over_equal_ratios(money: Money, n: int) -> None:
    assert money.split(n) == money.allocate([1] * n)


# Arithmetic ------------------------------------------------------------------------------------


@given(same_currency(2))
def test_addition_is_commutative(pair: list[Money]) -> None:
    a, b = pair

    assert a + b == b + a


@given(same_currency(3))
def test_addition_is_associative(triple: list[Money]) -> None:
    a, b, c = triple

    assert (a + b) + c == a + (b + c)


@given(any_money)
def test_money_minus_itself_is_zero(money: Money) -> None:
    zero = Money.zero(money.currency)

    assert money - money == zero
    assert money + zero == money
    assert money + (-money) == zero
    negated = -money
    assert -negated == money


@given(same_currency(2))
def test_subtraction_undoes_addition(pair: list[Money]) -> None:
    a, b = pair

    assert (a + b) - b == a


@given(same_currency(2))
def test_ordering_follows_the_minor_units(pair: list[Money]) -> None:
    a, b = pair

    assert (a < b) == (a.minor_units < b.minor_units)
    assert (a <= b) == (a.minor_units <= b.minor_units)
    assert (a == b) == (a.minor_units == b.minor_units)


@given(ost.money(), st.integers(min_value=-1000, max_value=1000))
def test_multiplying_by_an_int_multiplies_the_minor_units(money: Money, factor: int) -> None:
    assert (money * factor).minor_units == money.minor_units * factor


@given(ost.money(), st.integers(min_value=0, max_value=30))
def test_multiplying_by_an_int_is_repeated_addition(money: Money, factor: int) -> None:
    assert money * factor == Money.sum([money] * factor, money.currency)


@given(
    ost.money(),
    st.decimals(min_value=-10, max_value=10, places=6, allow_nan=False, allow_infinity=False),
    ROUNDINGS,
)
def test_apply_rate_is_within_one_minor_unit_of_the_exact_product(
    money: Money, rate: Decimal, rounding: str
) -> None:
    result = money.apply_rate(rate, rounding=rounding)
    exact = Fraction(money.amount) * Fraction(rate)

    assert abs(Fraction(result.amount) - exact) < unit_of(money)


# Construction ----------------------------------------------------------------------------------


@given(any_money, ROUNDINGS)
def test_money_of_leaves_an_already_exact_amount_alone(money: Money, rounding: str) -> None:
    assert Money.of(money.amount, money.currency, rounding=rounding) == money
    assert Money.of(str(money.amount), money.currency, rounding=rounding) == money
    assert Money(money.amount, money.currency) == money


@given(
    ost.currencies(),
    st.decimals(
        min_value=-(10**12), max_value=10**12, places=8, allow_nan=False, allow_infinity=False
    ),
)
def test_floor_and_ceiling_bracket_every_other_rounding(currency: str, amount: Decimal) -> None:
    floor = Money.of(amount, currency, rounding=ROUND_FLOOR)
    ceiling = Money.of(amount, currency, rounding=ROUND_CEILING)

    assert floor.amount <= amount <= ceiling.amount
    assert ceiling.minor_units - floor.minor_units in (0, 1)
    for rounding in (ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_DOWN, ROUND_UP):
        assert floor <= Money.of(amount, currency, rounding=rounding) <= ceiling


@given(any_money)
def test_minor_units_round_trip(money: Money) -> None:
    assert Money.from_minor_units(money.minor_units, money.currency) == money


@given(any_money)
def test_str_and_repr_round_trip(money: Money) -> None:
    amount, currency = str(money).split(" ")

    assert Money(Decimal(amount), currency) == money
    assert repr(money) == f"Money('{amount}', '{currency}')"


@given(any_money)
def test_the_amount_always_has_exactly_the_currencys_decimal_places(money: Money) -> None:
    assert money.amount.as_tuple().exponent == -MINOR_UNITS[money.currency]
    assert not money.amount.is_signed() or money.is_negative()


@given(ost.currencies(), st.data())
def test_the_amount_strategy_respects_its_bounds(currency: str, data: st.DataObject) -> None:
    low = data.draw(st.integers(min_value=-1000, max_value=1000), label="low")
    high = data.draw(st.integers(min_value=low, max_value=low + 1000), label="high")
    amount = data.draw(ost.amounts(currency, min_value=low, max_value=high), label="amount")

    assert low <= amount <= high
    assert Money(amount, currency).amount.as_tuple() == amount.as_tuple()


@given(
    st.sampled_from(sorted(MINOR_UNITS)),
    st.integers(min_value=-(10**MAX_DIGITS) + 1, max_value=10**MAX_DIGITS - 1),
)
def test_money_of_units_is_from_minor_units_without_its_checks(currency: str, units: int) -> None:
    made = money_of_units(units, currency)
    expected = Money.from_minor_units(units, currency)
    assert made == expected
    assert str(made.amount) == str(expected.amount)


@given(
    st.sampled_from(sorted(MINOR_UNITS)),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=6, max_value=10**20, min_value=-(10**20)
    ),
    ROUNDINGS,
)
def test_round_to_minor_units_is_money_of_then_minor_units(
    currency: str, amount: Decimal, rounding: str
) -> None:
    expected = Money.of(amount, currency, rounding=rounding).minor_units
    assert round_to_minor_units(amount, currency, rounding) == expected
