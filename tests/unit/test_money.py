"""Unit tests for ordercore.money: construction, rounding, arithmetic and allocation."""

from __future__ import annotations

import copy
import decimal
import pickle
import re
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)

import attrs
import pytest

from ordercore._currencies import MINOR_UNITS, QUANTA, ZEROS
from ordercore.errors import CurrencyMismatch, ValidationError
from ordercore.money import (
    MAX_DIGITS,
    Money,
    allocate_units,
    is_known_currency,
    minor_units,
    money_of_units,
    round_to_minor_units,
)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def amounts_of(shares: tuple[Money, ...]) -> list[str]:
    return [str(share.amount) for share in shares]


# Construction ---------------------------------------------------------------------------------


def test_money_stores_the_amount_at_exactly_the_minor_units() -> None:
    money = Money(Decimal("1.5"), "EUR")

    assert money.amount.as_tuple().exponent == -2
    assert str(money.amount) == "1.50"


def test_money_accepts_trailing_zeros_beyond_the_minor_units() -> None:
    assert str(Money(Decimal("1.500"), "EUR").amount) == "1.50"
    assert str(Money(Decimal("100.000"), "JPY").amount) == "100"


def test_money_written_differently_is_equal_and_hashes_alike() -> None:
    written = [Money(Decimal("1.5"), "EUR"), Money(Decimal("1.50"), "EUR"), eur("1.500")]

    assert len(set(written)) == 1
    assert written[0] == written[1] == written[2]


def test_money_in_different_currencies_is_never_equal() -> None:
    assert Money.of("1", "EUR") != Money.of("1", "USD")
    assert Money.zero("EUR") != Money.zero("JPY")


def test_money_is_never_equal_to_a_bare_number() -> None:
    zero: object = 0

    assert eur("1") != Decimal("1.00")
    assert eur("0") != zero


def test_negative_zero_is_stored_as_plain_zero() -> None:
    assert str(Money(Decimal("-0.00"), "EUR")) == "0.00 EUR"
    assert str(Money.of("-0", "EUR")) == "0.00 EUR"
    assert str(Money.of("-0.001", "EUR")) == "0.00 EUR"


def test_money_is_immutable() -> None:
    money = eur("1.00")

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        money.amount = Decimal("2.00")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (1.5, ["float", "str", "Decimal"]),
        (0.1, ["float"]),
        (True, ["bool"]),
        ("1.50", ["str", "Money.of"]),
        (1, ["int", "Money.of"]),
        (None, ["NoneType"]),
    ],
)
def test_the_constructor_refuses_an_amount_that_is_not_a_decimal(
    amount: object, words: list[str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(amount, "EUR")  # type: ignore[arg-type]

    assert caught.value.field == "amount"
    for word in words:
        assert word in caught.value.reason


@pytest.mark.parametrize("text", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf"])
def test_the_constructor_refuses_nan_and_infinity(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(Decimal(text), "EUR")

    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.005", "EUR"), ("0.001", "USD"), ("100.5", "JPY"), ("1.2345", "KWD"), ("1E-30", "EUR")],
)
def test_the_constructor_refuses_more_decimal_places_than_the_currency_has(
    amount: str, currency: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(Decimal(amount), currency)

    assert caught.value.field == "amount"
    assert "Money.of" in caught.value.reason
    assert "rounding" in caught.value.reason


@pytest.mark.parametrize("currency", ["XYZ", "eur", "Eur", "", "EURO", "XAU", "XXX", "€"])
def test_the_constructor_refuses_an_unknown_currency(currency: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(Decimal("1.00"), currency)

    assert caught.value.field == "currency"


def test_a_lower_case_currency_error_names_the_upper_case_code() -> None:
    with pytest.raises(ValidationError, match="'EUR'"):
        Money(Decimal("1.00"), "eur")


@pytest.mark.parametrize("currency", [None, 978, b"EUR"])
def test_the_constructor_refuses_a_currency_that_is_not_a_string(currency: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(Decimal("1.00"), currency)  # type: ignore[arg-type]

    assert caught.value.field == "currency"


def test_an_amount_of_max_digits_is_accepted_and_one_more_digit_is_refused() -> None:
    widest = Decimal("9" * (MAX_DIGITS - 2) + ".99")

    assert Money(widest, "EUR").amount == widest
    with pytest.raises(ValidationError) as caught:
        Money(widest * 10, "EUR")
    assert caught.value.field == "amount"


def test_a_huge_exponent_is_refused_quickly() -> None:
    with pytest.raises(ValidationError) as caught:
        Money(Decimal("1E+999999999"), "EUR")

    assert caught.value.field == "amount"


def test_a_zero_with_any_exponent_is_zero() -> None:
    assert Money(Decimal("0E+999999999"), "EUR") == Money.zero("EUR")
    assert Money(Decimal("0E-999999999"), "EUR") == Money.zero("EUR")


def test_attrs_evolve_validates_the_new_amount() -> None:
    assert attrs.evolve(eur("1.00"), amount=Decimal("2.5")) == eur("2.50")
    with pytest.raises(ValidationError):
        attrs.evolve(eur("1.00"), amount=Decimal("2.505"))


def test_money_survives_pickle_and_copy() -> None:
    money = Money.of("12.30", "EUR")

    assert pickle.loads(pickle.dumps(money)) == money  # noqa: S301 - our own bytes
    assert copy.copy(money) == money
    assert copy.deepcopy(money) == money


# Money.of and rounding ------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["12.3", 12, Decimal("12.30"), " 12.30 ", "1_2.3"])
def test_money_of_accepts_str_int_and_decimal(amount: Decimal | int | str) -> None:
    expected = "12.30" if amount != 12 else "12.00"

    assert str(Money.of(amount, "EUR").amount) == expected


@pytest.mark.parametrize(
    "amount", [1.5, True, False, "NaN", "sNaN", "Infinity", "-inf", Decimal("NaN"), "", "12,30"]
)
def test_money_of_refuses_floats_bools_nan_infinity_and_garbage(amount: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Money.of(amount, "EUR")  # type: ignore[arg-type]

    assert caught.value.field == "amount"


def test_money_of_refuses_a_float_with_a_message_that_says_what_to_pass() -> None:
    with pytest.raises(ValidationError, match=re.compile(r"float.*str.*Decimal")):
        Money.of(0.1, "EUR")  # type: ignore[arg-type]


def test_money_of_refuses_an_unknown_rounding_mode() -> None:
    with pytest.raises(ValidationError) as caught:
        Money.of("1.005", "EUR", rounding="ROUND_SOMETIMES")

    assert caught.value.field == "rounding"


@pytest.mark.parametrize(
    ("amount", "rounding", "expected"),
    [
        ("2.345", ROUND_HALF_EVEN, "2.34"),
        ("2.355", ROUND_HALF_EVEN, "2.36"),
        ("2.345", ROUND_HALF_UP, "2.35"),
        ("2.345", ROUND_HALF_DOWN, "2.34"),
        ("2.341", ROUND_UP, "2.35"),
        ("2.349", ROUND_DOWN, "2.34"),
        ("2.341", ROUND_CEILING, "2.35"),
        ("2.349", ROUND_FLOOR, "2.34"),
        ("-2.345", ROUND_HALF_EVEN, "-2.34"),
        ("-2.345", ROUND_HALF_UP, "-2.35"),
        ("-2.341", ROUND_CEILING, "-2.34"),
        ("-2.341", ROUND_FLOOR, "-2.35"),
        ("-2.341", ROUND_UP, "-2.35"),
        ("-2.349", ROUND_DOWN, "-2.34"),
    ],
)
def test_money_of_rounds_with_the_mode_it_is_given(
    amount: str, rounding: str, expected: str
) -> None:
    assert str(Money.of(amount, "EUR", rounding=rounding).amount) == expected


def test_money_of_rounds_half_even_by_default() -> None:
    assert Money.of("0.125", "EUR") == eur("0.12")
    assert Money.of("0.135", "EUR") == eur("0.14")


def test_money_ignores_the_callers_decimal_context() -> None:
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = ROUND_FLOOR
        context.traps[decimal.Inexact] = True
        total = Money.of("12345.675", "EUR") + Money.of("0.01", "EUR")
        tax = total.apply_rate(Decimal("0.19"))

    assert total == Money.of("12345.69", "EUR")
    assert tax == Money.of("2345.68", "EUR")  # 2345.6811 rounded half-even


# Other constructors and facts -----------------------------------------------------------------


def test_zero_has_the_currencys_minor_units() -> None:
    assert str(Money.zero("EUR")) == "0.00 EUR"
    assert str(Money.zero("JPY")) == "0 JPY"
    assert str(Money.zero("KWD")) == "0.000 KWD"


def test_zero_refuses_an_unknown_currency() -> None:
    with pytest.raises(ValidationError) as caught:
        Money.zero("ABC")

    assert caught.value.field == "currency"


@pytest.mark.parametrize(
    ("units", "currency", "expected"),
    [
        (1230, "EUR", "12.30 EUR"),
        (-5, "EUR", "-0.05 EUR"),
        (0, "EUR", "0.00 EUR"),
        (1230, "JPY", "1230 JPY"),
        (1230, "KWD", "1.230 KWD"),
        (1, "BHD", "0.001 BHD"),
        (12345, "CLF", "1.2345 CLF"),
    ],
)
def test_from_minor_units_places_the_decimal_point_by_currency(
    units: int, currency: str, expected: str
) -> None:
    money = Money.from_minor_units(units, currency)

    assert str(money) == expected
    assert money.minor_units == units


@pytest.mark.parametrize("units", [1.0, True, "12", Decimal(12)])
def test_from_minor_units_refuses_anything_but_an_int(units: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Money.from_minor_units(units, "EUR")  # type: ignore[arg-type]

    assert caught.value.field == "units"


def test_from_minor_units_refuses_more_than_max_digits() -> None:
    with pytest.raises(ValidationError) as caught:
        Money.from_minor_units(10**MAX_DIGITS, "EUR")

    assert caught.value.field == "units"


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("JPY", 0), ("KWD", 3)])
def test_money_reports_its_currencys_minor_unit_digits(currency: str, digits: int) -> None:
    money = Money.zero(currency)

    assert money.minor_unit_digits == digits
    assert money.exponent == digits


def test_sign_predicates_tell_zero_negative_and_positive_apart() -> None:
    zero, below, above = eur("0"), eur("-0.01"), eur("0.01")

    assert [zero.is_zero(), zero.is_negative(), zero.is_positive()] == [True, False, False]
    assert [below.is_zero(), below.is_negative(), below.is_positive()] == [False, True, False]
    assert [above.is_zero(), above.is_negative(), above.is_positive()] == [False, False, True]


# Zero- and three-decimal currencies -----------------------------------------------------------


@pytest.mark.parametrize("currency", ["JPY", "KRW", "CLP", "ISK", "VND"])
def test_zero_decimal_currencies_hold_whole_units_only(currency: str) -> None:
    assert str(Money.of("100", currency)) == f"100 {currency}"
    assert str(Money.of("100.5", currency)) == f"100 {currency}"
    assert str(Money.of("101.5", currency)) == f"102 {currency}"
    assert str(Money.of("100.5", currency, rounding=ROUND_HALF_UP)) == f"101 {currency}"
    with pytest.raises(ValidationError):
        Money(Decimal("100.5"), currency)


@pytest.mark.parametrize("currency", ["KWD", "BHD", "OMR", "JOD", "TND"])
def test_three_decimal_currencies_hold_thousandths(currency: str) -> None:
    assert str(Money(Decimal("1.5"), currency)) == f"1.500 {currency}"
    assert str(Money.of("1.2345", currency)) == f"1.234 {currency}"
    assert str(Money.of("1.2345", currency, rounding=ROUND_HALF_UP)) == f"1.235 {currency}"
    assert Money.of("1.234", currency).minor_units == 1234
    with pytest.raises(ValidationError):
        Money(Decimal("1.2345"), currency)


# Arithmetic -----------------------------------------------------------------------------------


def test_adding_and_subtracting_money_is_exact() -> None:
    assert eur("0.10") + eur("0.20") == eur("0.30")
    assert eur("0.10") - eur("0.30") == eur("-0.20")
    assert str((eur("1.10") - eur("1.10")).amount) == "0.00"


def test_negation_and_absolute_value_keep_the_currency() -> None:
    assert -eur("1.25") == eur("-1.25")
    assert abs(eur("-1.25")) == eur("1.25")
    assert abs(eur("1.25")) == eur("1.25")
    assert str(-Money.zero("EUR")) == "0.00 EUR"


def test_adding_money_of_another_currency_raises_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        Money.of("1", "EUR") + Money.of("1", "USD")

    assert caught.value.field == "amount"
    assert (caught.value.left, caught.value.right) == ("EUR", "USD")


def test_subtracting_money_of_another_currency_raises_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        Money.of("1", "EUR") - Money.of("1", "JPY")

    assert (caught.value.left, caught.value.right) == ("EUR", "JPY")


def test_currency_mismatch_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        Money.of("1", "EUR") + Money.of("1", "GBP")


@pytest.mark.parametrize("other", [1, Decimal("1"), "1", None])
def test_adding_a_bare_number_is_a_type_error(other: object) -> None:
    with pytest.raises(TypeError):
        eur("1") + other  # type: ignore[operator]
    with pytest.raises(TypeError):
        eur("1") - other  # type: ignore[operator]


def test_builtin_sum_adds_money_but_starts_only_from_int_zero() -> None:
    assert sum([eur("1.10"), eur("2.20")]) == eur("3.30")
    with pytest.raises(TypeError):
        1 + eur("1")


def test_money_sum_of_nothing_is_zero_in_the_given_currency() -> None:
    assert Money.sum([], "KWD") == Money.zero("KWD")


def test_money_sum_adds_a_generator_of_one_currency() -> None:
    assert Money.sum((eur("0.01") for _ in range(100)), "EUR") == eur("1.00")


def test_money_sum_of_mixed_currencies_raises_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        Money.sum([eur("1"), Money.of("1", "USD")], "EUR")

    assert (caught.value.left, caught.value.right) == ("EUR", "USD")


def test_money_sum_refuses_items_that_are_not_money() -> None:
    with pytest.raises(TypeError):
        Money.sum([eur("1"), Decimal("1")], "EUR")  # type: ignore[list-item]


def test_a_result_with_more_than_max_digits_is_refused_not_rounded() -> None:
    largest = Money(Decimal("9" * (MAX_DIGITS - 2) + ".99"), "EUR")

    with pytest.raises(ValidationError) as caught:
        largest + eur("0.01")
    assert caught.value.field == "amount"
    with pytest.raises(ValidationError):
        largest * 10
    with pytest.raises(ValidationError):
        Money.sum([largest, largest], "EUR")


def test_multiplying_by_an_int_is_exact() -> None:
    assert eur("0.10") * 3 == eur("0.30")
    assert 3 * eur("0.10") == eur("0.30")
    assert eur("0.10").multiply(-2) == eur("-0.20")
    assert str(eur("1.00") * 0) == "0.00 EUR"
    assert str(Money.zero("EUR") * -3) == "0.00 EUR"


def test_multiplying_by_a_decimal_rounds_once() -> None:
    assert eur("10.00") * Decimal("0.3333") == eur("3.33")
    assert Decimal("1.5") * eur("0.05") == eur("0.08")  # 0.075, half-even
    assert eur("0.05").multiply(Decimal("1.5"), rounding=ROUND_DOWN) == eur("0.07")
    assert eur("0.05").multiply(Decimal("1.5"), rounding=ROUND_HALF_UP) == eur("0.08")


@pytest.mark.parametrize("factor", [1.5, True])
def test_multiplying_by_a_float_or_bool_is_a_validation_error(factor: object) -> None:
    with pytest.raises(ValidationError) as caught:
        eur("1") * factor  # type: ignore[operator]
    assert caught.value.field == "factor"
    with pytest.raises(ValidationError):
        factor * eur("1")  # type: ignore[arg-type]


@pytest.mark.parametrize("factor", ["NaN", "Infinity"])
def test_multiplying_by_nan_or_infinity_is_a_validation_error(factor: str) -> None:
    with pytest.raises(ValidationError) as caught:
        eur("1").multiply(Decimal(factor))

    assert caught.value.field == "factor"


def test_multiplying_by_a_string_or_money_is_refused() -> None:
    with pytest.raises(TypeError):
        eur("1") * eur("1")  # type: ignore[operator]
    with pytest.raises(TypeError):
        eur("1") * "2"  # type: ignore[operator]
    with pytest.raises(ValidationError):
        eur("1").multiply("2")  # type: ignore[arg-type]


def test_multiplying_by_a_huge_factor_is_refused_quickly() -> None:
    with pytest.raises(ValidationError) as caught:
        eur("1").multiply(Decimal("1E+999999999"))

    assert caught.value.field == "amount"


def test_apply_rate_takes_a_share_of_the_amount_rounded_once() -> None:
    net = eur("10.05")

    assert net.apply_rate(Decimal("0.19")) == eur("1.91")  # 1.9095
    assert net.apply_rate(Decimal("0.19"), rounding=ROUND_DOWN) == eur("1.90")
    assert Money.of("1000", "JPY").apply_rate(Decimal("0.08")) == Money.of("80", "JPY")
    assert Money.of("1.000", "KWD").apply_rate(Decimal("0.0005")) == Money.of("0", "KWD")


def test_apply_rate_refuses_a_float_rate() -> None:
    with pytest.raises(ValidationError) as caught:
        eur("10").apply_rate(0.19)  # type: ignore[arg-type]

    assert caught.value.field == "rate"
    assert "float" in caught.value.reason


def test_apply_rate_refuses_an_unknown_rounding_mode() -> None:
    with pytest.raises(ValidationError) as caught:
        eur("10").apply_rate(Decimal("0.19"), rounding="half-up")

    assert caught.value.field == "rounding"


# Comparison -----------------------------------------------------------------------------------


def test_money_of_one_currency_compares_by_amount() -> None:
    assert eur("1.00") < eur("1.01")
    assert eur("1.00") <= eur("1.00")
    assert eur("1.01") > eur("-5")
    assert eur("1.00") >= eur("1")
    assert sorted([eur("3"), eur("-1"), eur("2")]) == [eur("-1"), eur("2"), eur("3")]
    assert max(eur("3"), eur("4")) == eur("4")


@pytest.mark.parametrize("compare", ["<", "<=", ">", ">="])
def test_comparing_money_of_two_currencies_raises_currency_mismatch(compare: str) -> None:
    left, right = Money.of("1", "EUR"), Money.of("2", "USD")
    operations = {
        "<": lambda: left < right,
        "<=": lambda: left <= right,
        ">": lambda: left > right,
        ">=": lambda: left >= right,
    }

    with pytest.raises(CurrencyMismatch):
        operations[compare]()


def test_comparing_money_with_a_number_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        eur("1") < 2  # type: ignore[operator]  # noqa: B015


# Allocation -----------------------------------------------------------------------------------


def test_allocate_gives_the_leftover_cent_to_the_first_share() -> None:
    assert amounts_of(eur("100.00").allocate([1, 1, 1])) == ["33.34", "33.33", "33.33"]


def test_allocate_splits_five_cents_three_to_seven() -> None:
    # Ideals 0.015 and 0.035: equal remainders, so the earlier share gets the cent.
    assert amounts_of(eur("0.05").allocate([3, 7])) == ["0.02", "0.03"]


def test_allocate_splits_yen_in_whole_yen() -> None:
    shares = Money.of("100", "JPY").allocate([1, 1, 1])

    assert amounts_of(shares) == ["34", "33", "33"]
    assert all(share.currency == "JPY" for share in shares)


def test_allocate_splits_a_negative_amount_symmetrically() -> None:
    assert amounts_of(eur("-100.00").allocate([1, 1, 1])) == ["-33.34", "-33.33", "-33.33"]


def test_allocate_splits_zero_into_zeros() -> None:
    assert amounts_of(eur("0").allocate([1, 2, 3])) == ["0.00", "0.00", "0.00"]


def test_allocate_units_splits_minor_units_as_money_allocate_does() -> None:
    assert allocate_units(10000, [1, 1, 1]) == [3334, 3333, 3333]
    assert allocate_units(-5, [3, 7]) == [-2, -3]
    assert allocate_units(5, [0, 1, 0, 1, 0]) == [0, 3, 0, 2, 0]


def test_the_unchecked_helpers_refuse_amounts_beyond_the_digit_limit() -> None:
    with pytest.raises(ValidationError) as too_many:
        money_of_units(10 ** (MAX_DIGITS + 1), "EUR")
    assert too_many.value.field == "units"
    with pytest.raises(ValidationError) as too_large:
        round_to_minor_units(Decimal(10) ** MAX_DIGITS, "EUR", ROUND_HALF_EVEN)
    assert too_large.value.field == "amount"
    with pytest.raises(ValidationError) as unknown:
        round_to_minor_units(Decimal("1.005"), "EUR", "ROUND_SOMETIMES")
    assert unknown.value.field == "rounding"
    assert round_to_minor_units(Decimal("1.005"), "EUR", ROUND_HALF_EVEN) == 100
    assert money_of_units(1230, "JPY") == Money.of("1230", "JPY")


@pytest.mark.parametrize(
    ("units", "weights", "field"),
    [
        (1.5, [1, 1], "units"),
        (True, [1, 1], "units"),
        (100, [], "weights"),
        (100, [0, 0], "weights"),
        (100, [1, -1], "weights"),
        (100, [1, 0.5], "weights"),
        (100, [1, True], "weights"),
        (100, "11", "weights"),
    ],
)
def test_allocate_units_refuses_bad_input_naming_the_field(
    units: object, weights: object, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        allocate_units(units, weights)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_allocate_gives_zero_ratios_nothing() -> None:
    assert amounts_of(eur("0.05").allocate([0, 1, 0, 1, 0])) == [
        "0.00",
        "0.03",
        "0.00",
        "0.02",
        "0.00",
    ]


def test_allocate_gives_the_leftover_to_the_largest_remainder_not_the_largest_ratio() -> None:
    # Ideals 0.70, 0.20 and 0.10 of 1.00 over 7:2:1 are exact; of 0.11 they are
    # 0.077, 0.022 and 0.011: the 0.7-cent remainder wins over 0.2 and 0.1.
    assert amounts_of(eur("0.11").allocate([7, 2, 1])) == ["0.08", "0.02", "0.01"]


def test_allocate_breaks_ties_towards_the_earliest_share() -> None:
    assert amounts_of(eur("0.02").allocate([1, 1, 1])) == ["0.01", "0.01", "0.00"]


def test_allocate_accepts_decimal_ratios_like_their_scaled_ints() -> None:
    money = eur("1.00")

    assert money.allocate([Decimal("0.5"), Decimal("1.5")]) == money.allocate([1, 3])
    assert amounts_of(money.allocate([Decimal("0.25"), 1, Decimal("0.750")])) == [
        "0.13",
        "0.50",
        "0.37",
    ]


def test_allocate_by_line_amounts_splits_a_discount_in_proportion() -> None:
    lines = [eur("19.99"), eur("5.01"), eur("75.00")]

    shares = eur("-10.00").allocate([line.amount for line in lines])

    assert amounts_of(shares) == ["-2.00", "-0.50", "-7.50"]
    assert Money.sum(shares, "EUR") == eur("-10.00")


def test_allocate_with_one_ratio_returns_the_whole_amount() -> None:
    assert eur("12.34").allocate([Decimal("0.001")]) == (eur("12.34"),)


@pytest.mark.parametrize(
    "ratios",
    [
        [],
        [0, 0],
        [Decimal("0"), Decimal("0.00")],
        [-1, 2],
        [Decimal("-0.5"), 1],
        [1.5, 1],
        [True, 1],
        ["1", 1],
        [None],
        [Decimal("NaN"), 1],
        [Decimal("Infinity"), 1],
        [Decimal("1E-999999999"), 1],
        [Decimal("1E+999999999"), 1],
    ],
)
def test_allocate_refuses_bad_ratios(ratios: list[object]) -> None:
    with pytest.raises(ValidationError) as caught:
        eur("1").allocate(ratios)  # type: ignore[arg-type]

    assert caught.value.field == "ratios"


@pytest.mark.parametrize("ratios", [5, "11", None])
def test_allocate_refuses_ratios_that_are_not_a_sequence(ratios: object) -> None:
    with pytest.raises(ValidationError) as caught:
        eur("1").allocate(ratios)  # type: ignore[arg-type]

    assert caught.value.field == "ratios"


def test_split_shares_as_equally_as_possible_larger_shares_first() -> None:
    assert amounts_of(eur("0.05").split(3)) == ["0.02", "0.02", "0.01"]
    assert amounts_of(eur("-0.05").split(3)) == ["-0.02", "-0.02", "-0.01"]
    assert amounts_of(eur("0.06").split(3)) == ["0.02", "0.02", "0.02"]
    assert amounts_of(eur("0.01").split(3)) == ["0.01", "0.00", "0.00"]
    assert eur("7.00").split(1) == (eur("7.00"),)


@pytest.mark.parametrize("n", [0, -1, True, 2.0, "3"])
def test_split_refuses_a_count_that_is_not_a_positive_int(n: object) -> None:
    with pytest.raises(ValidationError) as caught:
        eur("1").split(n)  # type: ignore[arg-type]

    assert caught.value.field == "n"


# Text -----------------------------------------------------------------------------------------


def test_str_shows_amount_and_code() -> None:
    assert str(eur("12.3")) == "12.30 EUR"
    assert str(Money.of("-1234567.891", "KWD")) == "-1234567.891 KWD"
    assert str(Money.of("1E+6", "JPY")) == "1000000 JPY"


def test_repr_shows_the_amount_as_a_string() -> None:
    assert repr(eur("12.3")) == "Money('12.30', 'EUR')"


# Module functions and the currency table ------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("EUR", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("CLF", 4)],
)
def test_minor_units_tells_the_digits_of_a_currency(currency: str, digits: int) -> None:
    assert minor_units(currency) == digits


def test_minor_units_refuses_an_unknown_currency() -> None:
    with pytest.raises(ValidationError) as caught:
        minor_units("ABC")

    assert caught.value.field == "currency"


@pytest.mark.parametrize(
    ("code", "known"),
    [("EUR", True), ("JPY", True), ("eur", False), ("XAU", False), ("", False), (None, False)],
)
def test_is_known_currency_accepts_only_upper_case_codes_in_the_table(
    code: object, known: bool
) -> None:
    assert is_known_currency(code) is known


_MOST_TRADED = [
    *("USD", "EUR", "JPY", "GBP", "CNY", "AUD", "CAD", "CHF", "HKD", "SGD", "SEK", "KRW"),
    *("NOK", "NZD", "INR", "MXN", "TWD", "ZAR", "BRL", "DKK", "PLN", "THB", "ILS", "IDR"),
    *("CZK", "AED", "TRY", "HUF", "CLP", "SAR", "PHP", "MYR", "COP", "RUB", "RON", "PEN"),
    *("BGN", "ARS", "EGP", "NGN", "VND", "KWD", "BHD", "OMR", "JOD", "TND", "ISK", "UYU"),
    *("UAH", "KZT", "QAR", "PKR"),
]


@pytest.mark.parametrize("code", _MOST_TRADED)
def test_the_table_covers_the_most_traded_currencies(code: str) -> None:
    assert code in MINOR_UNITS


@pytest.mark.parametrize(
    ("code", "digits"),
    [
        *((code, 0) for code in ["JPY", "KRW", "CLP", "ISK", "VND", "XOF", "XAF", "PYG", "UGX"]),
        *((code, 3) for code in ["KWD", "BHD", "OMR", "JOD", "TND", "IQD", "LYD"]),
        *((code, 4) for code in ["CLF", "UYW"]),
        *((code, 2) for code in ["USD", "EUR", "GBP", "CHF", "INR", "IDR", "HUF", "TWD"]),
    ],
)
def test_the_table_has_the_iso_4217_minor_units(code: str, digits: int) -> None:
    assert MINOR_UNITS[code] == digits


def test_the_table_holds_only_upper_case_three_letter_codes() -> None:
    assert len(MINOR_UNITS) > 150
    for code, digits in MINOR_UNITS.items():
        assert re.fullmatch("[A-Z]{3}", code)
        assert digits in (0, 2, 3, 4)
        assert QUANTA[code] == Decimal(1).scaleb(-digits)
        assert ZEROS[code] == 0
        assert ZEROS[code].as_tuple().exponent == -digits


def test_the_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        MINOR_UNITS["ABC"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        QUANTA["EUR"] = Decimal("0.1")  # type: ignore[index]
