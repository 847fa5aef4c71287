"""Money: an exact amount in one ISO 4217 currency.

:class:`Money` is an immutable value: a :class:`~decimal.Decimal` amount held at exactly the
currency's minor units (``12.30`` EUR, ``1200`` JPY, ``1.250`` KWD) and the currency code. Nothing
is ever rounded silently: the constructor refuses an amount with more decimal places than the
currency has, and every operation that can produce such digits (:meth:`Money.of`,
:meth:`Money.multiply`, :meth:`Money.apply_rate`) takes an explicit rounding mode, one of the
:mod:`decimal` module's ``ROUND_*`` constants. Splitting an amount is done with
:meth:`Money.allocate` and :meth:`Money.split`, whose shares always add up to the original.

Floats are refused everywhere, since most decimal amounts have no exact float. Amounts are
limited to :data:`MAX_DIGITS` significant digits (minor-unit digits included), the precision of
IEEE 754 decimal128, which keeps every operation exact and bounds the work a hostile input can
cause.

All arithmetic runs in private :class:`decimal.Context` objects, so the caller's thread-local
decimal context (its precision, rounding or traps) never changes a result.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

import attrs

from ordercore._currencies import MINOR_UNITS, QUANTA, ZEROS
from ordercore.errors import CurrencyMismatch, ValidationError

__all__ = [
    "MAX_DIGITS",
    "Money",
    "allocate_units",
    "is_known_currency",
    "minor_units",
    "money_of_units",
    "round_to_minor_units",
]

MAX_DIGITS: Final = 34
"""The most significant digits a :class:`Money` amount may have, minor units included."""

_RATIO_EXPONENT_LIMIT: Final = 50
"""Decimal ratios for :meth:`Money.allocate` must lie in ``[1E-50, 1E+50)`` (or be zero)."""

_ROUNDINGS: Final = frozenset(
    {
        decimal.ROUND_CEILING,
        decimal.ROUND_DOWN,
        decimal.ROUND_FLOOR,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_UP,
        decimal.ROUND_05UP,
    }
)

_BASE_TRAPS: Final = [decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow]

# Checks that an amount fits the currency's minor units: quantizing must be exact (Inexact is
# trapped) and fit MAX_DIGITS (InvalidOperation). Dropping trailing zeros ("1.500" -> "1.50")
# signals only Rounded, which is allowed.
_EXACT: Final = decimal.Context(
    prec=MAX_DIGITS,
    rounding=ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[*_BASE_TRAPS, decimal.Inexact],
)
# Addition, subtraction and integer products of valid amounts: any result that does not fit
# MAX_DIGITS exactly, even by dropping a zero digit, is trapped (Rounded).
_ARITH: Final = decimal.Context(
    prec=MAX_DIGITS,
    rounding=ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[*_BASE_TRAPS, decimal.Inexact, decimal.Rounded],
)
# Quantizing with a caller-chosen rounding mode; the result must still fit MAX_DIGITS.
_ROUND: Final = decimal.Context(
    prec=MAX_DIGITS,
    rounding=ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=list(_BASE_TRAPS),
)
# Exact intermediate products (amount * factor) before the one rounding step.
_WIDE: Final = decimal.Context(
    prec=decimal.MAX_PREC,
    rounding=ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=list(_BASE_TRAPS),
)

# Bound once: calling a context method through its module attribute costs as much again.
_add = _ARITH.add
_subtract = _ARITH.subtract
_minus = _ARITH.minus
_int_multiply = _ARITH.multiply
_scaleb = _ARITH.scaleb
_wide_multiply = _WIDE.multiply

_FLOAT_REASON: Final = (
    "a float cannot hold most decimal amounts exactly; pass a str such as '12.30' or a Decimal"
)
_TOO_LARGE_REASON: Final = f"the amount has more than {MAX_DIGITS} significant digits"


def _currency_reason(currency: object) -> str:
    if isinstance(currency, str) and len(currency) == 3 and currency.isascii():
        if currency.upper() in MINOR_UNITS:
            return f"currency codes are upper case; use {currency.upper()!r}"
        if currency.isalpha():
            return f"{currency!r} is not a known ISO 4217 currency code"
    return "expected a known three-letter ISO 4217 currency code such as 'EUR'"


def _quantum(currency: object) -> Decimal:
    """Return the smallest unit of ``currency``, refusing unknown codes."""
    quantum = QUANTA.get(currency) if isinstance(currency, str) else None
    if quantum is None:
        raise ValidationError("currency", _currency_reason(currency))
    return quantum


def _check_rounding(rounding: object) -> None:
    if rounding not in _ROUNDINGS:
        raise ValidationError(
            "rounding", "use one of the decimal module's ROUND_* constants, such as ROUND_HALF_UP"
        )


def _to_decimal(value: object, field: str) -> Decimal:
    """Convert a str, int or Decimal exactly; refuse floats, bools, NaN and Infinity."""
    if type(value) is Decimal:
        result = value
    elif type(value) is int:
        result = Decimal(value)
    elif type(value) is str:
        try:
            result = Decimal(value)
        except decimal.InvalidOperation:
            raise ValidationError(field, "not a decimal number") from None
    elif isinstance(value, float):
        raise ValidationError(field, f"got a float: {_FLOAT_REASON}")
    elif isinstance(value, bool):
        raise ValidationError(field, "got a bool; pass a str such as '12.30', an int or a Decimal")
    elif isinstance(value, Decimal | int | str):
        result = Decimal(value)
    else:
        raise ValidationError(field, f"expected a str, int or Decimal, got {type(value).__name__}")
    if not result.is_finite():
        raise ValidationError(field, "NaN and Infinity are not amounts")
    return result


def _fit(amount: Decimal, quantum: Decimal, rounding: str, context: decimal.Context) -> Decimal:
    """Quantize ``amount`` to ``quantum``; errors are left to the caller."""
    result = amount.quantize(quantum, rounding, context)  # keywords are slower here
    # -0.00 and 0.00 are equal; keep one spelling so str() never shows "-0.00".
    return result if result else result.copy_abs()


def minor_units(currency: str) -> int:
    """Return how many digits the currency's minor unit has (ISO 4217's "minor unit").

    Args:
        currency: An ISO 4217 code such as ``"EUR"``.

    Returns:
        ``2`` for EUR, ``0`` for JPY, ``3`` for KWD.

    Raises:
        ValidationError: ``field="currency"`` when the code is not in the table.
    """
    _quantum(currency)
    return MINOR_UNITS[currency]


def is_known_currency(code: object) -> bool:
    """Tell whether ``code`` is an ISO 4217 code that :class:`Money` accepts.

    Args:
        code: Anything; only upper-case codes from the table count.

    Returns:
        ``True`` for ``"EUR"``, ``False`` for ``"eur"``, ``"XAU"`` or ``None``.
    """
    return isinstance(code, str) and code in MINOR_UNITS


@attrs.frozen(slots=True, repr=False)
class Money:
    """An exact amount of one currency, held at exactly the currency's minor units.

    The constructor takes a :class:`~decimal.Decimal` that the currency can represent
    exactly and stores it at the minor units (``Decimal("1.5")`` EUR becomes ``1.50``). Use
    :meth:`Money.of` for str or int input, or to round explicitly.

    Args:
        amount: The amount; a ``Decimal`` with at most the currency's decimal places.
        currency: An upper-case ISO 4217 code such as ``"EUR"``.

    Raises:
        ValidationError: ``field="amount"`` for a float, bool, str, int, NaN, Infinity, an
            amount with more decimal places than the currency has, or more than
            :data:`MAX_DIGITS` digits; ``field="currency"`` for an unknown code.
    """

    amount: Decimal
    currency: str

    def __attrs_post_init__(self) -> None:
        amount: object = self.amount
        if type(amount) is not Decimal and not isinstance(amount, Decimal):
            if isinstance(amount, float):
                raise ValidationError("amount", f"got a float: {_FLOAT_REASON}")
            raise ValidationError(
                "amount",
                f"expected a Decimal, got {type(amount).__name__}; use Money.of() for a str or int",
            )
        quantum = _quantum(self.currency)
        if not amount.is_finite():
            raise ValidationError("amount", "NaN and Infinity are not amounts")
        try:
            exact = amount.quantize(quantum, ROUND_HALF_EVEN, _EXACT)
        except decimal.Inexact:
            digits = MINOR_UNITS[self.currency]
            raise ValidationError(
                "amount",
                f"{self.currency} has {digits} decimal places and this amount has more; "
                f"round it explicitly with Money.of(amount, {self.currency!r}, rounding=...)",
            ) from None
        except decimal.DecimalException:
            raise ValidationError("amount", _TOO_LARGE_REASON) from None
        # -0.00 and 0.00 are equal; keep one spelling so str() never shows "-0.00".
        _set_amount(self, exact if exact else exact.copy_abs())

    # Construction ---------------------------------------------------------------------------

    @classmethod
    def of(
        cls,
        amount: Decimal | int | str,
        currency: str,
        *,
        rounding: str = ROUND_HALF_EVEN,
    ) -> Money:
        """Build Money from a str, int or Decimal, rounding to the minor units if needed.

        Args:
            amount: ``"12.345"``, ``12`` or ``Decimal("12.345")``; never a float.
            currency: An upper-case ISO 4217 code.
            rounding: How to round extra decimal places: one of the :mod:`decimal`
                module's ``ROUND_*`` constants. Banker's rounding by default.

        Returns:
            The rounded Money, e.g. ``Money.of("2.345", "EUR", rounding=ROUND_HALF_UP)`` is
            ``2.35 EUR``.

        Raises:
            ValidationError: ``field="amount"`` for a float, bool, unparsable str, NaN,
                Infinity or too many digits; ``field="currency"`` for an unknown code;
                ``field="rounding"`` for an unknown rounding mode.
        """
        value = _to_decimal(amount, "amount")
        quantum = _quantum(currency)
        _check_rounding(rounding)
        try:
            exact = _fit(value, quantum, rounding, _ROUND)
        except decimal.DecimalException:
            raise ValidationError("amount", _TOO_LARGE_REASON) from None
        return _make(exact, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return zero in ``currency`` (``0.00 EUR``).

        Args:
            currency: An upper-case ISO 4217 code.

        Returns:
            Zero at the currency's minor units.

        Raises:
            ValidationError: ``field="currency"`` for an unknown code.
        """
        _quantum(currency)
        return _make(ZEROS[currency], currency)

    @classmethod
    def from_minor_units(cls, units: int, currency: str) -> Money:
        """Build Money from a whole number of minor units (cents, pence, fils).

        Args:
            units: The amount in minor units, e.g. ``1230`` for 12.30 EUR.
            currency: An upper-case ISO 4217 code.

        Returns:
            ``Money.from_minor_units(1230, "EUR")`` is ``12.30 EUR``.

        Raises:
            ValidationError: ``field="units"`` when ``units`` is not an int or has more than
                :data:`MAX_DIGITS` digits; ``field="currency"`` for an unknown code.
        """
        if isinstance(units, bool) or not isinstance(units, int):
            raise ValidationError("units", f"expected an int, got {type(units).__name__}")
        _quantum(currency)
        return money_of_units(units, currency)

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        """Add up Money values of one currency; an empty iterable gives zero.

        Prefer this over the builtin :func:`sum`, which returns the int ``0`` for no items.

        Args:
            items: Money values, all in ``currency``.
            currency: The currency of the items and of the result.

        Returns:
            The exact total.

        Raises:
            CurrencyMismatch: An item is in another currency.
            TypeError: An item is not Money.
            ValidationError: ``field="currency"`` for an unknown code; ``field="amount"``
                when the total has more than :data:`MAX_DIGITS` digits.
        """
        _quantum(currency)
        total = ZEROS[currency]
        try:
            for item in items:
                if not isinstance(item, Money):
                    raise TypeError(f"Money.sum() takes Money items, got {type(item).__name__}")
                if item.currency != currency:
                    raise CurrencyMismatch("amount", currency, item.currency)
                total = _add(total, item.amount)
        except decimal.DecimalException:
            raise ValidationError("amount", _TOO_LARGE_REASON) from None
        return _make(total, currency)

    # Facts ----------------------------------------------------------------------------------

    @property
    def minor_units(self) -> int:
        """The amount as a whole number of minor units: ``1230`` for 12.30 EUR."""
        return int(_scaleb(self.amount, MINOR_UNITS[self.currency]))

    @property
    def minor_unit_digits(self) -> int:
        """How many decimal places the currency has: ``2`` for EUR, ``0`` for JPY."""
        return MINOR_UNITS[self.currency]

    @property
    def exponent(self) -> int:
        """ISO 4217's name for :attr:`minor_unit_digits` (``2`` for EUR, ``3`` for KWD)."""
        return MINOR_UNITS[self.currency]

    def is_zero(self) -> bool:
        """Return whether the amount is zero."""
        return not self.amount

    def is_negative(self) -> bool:
        """Return whether the amount is below zero."""
        return self.amount < 0

    def is_positive(self) -> bool:
        """Return whether the amount is above zero."""
        return self.amount > 0

    # Arithmetic -----------------------------------------------------------------------------

    def _other_amount(self, other: Money) -> Decimal:
        if self.currency != other.currency:
            raise CurrencyMismatch("amount", self.currency, other.currency)
        return other.amount

    # The operators are annotated with the operands they accept, so that a type checker flags
    # ``money + 1``; at run time any other operand still gets NotImplemented (a TypeError).

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        currency = self.currency
        if other.currency != currency:
            raise CurrencyMismatch("amount", currency, other.currency)
        try:
            return _make(_add(self.amount, other.amount), currency)
        except decimal.DecimalException:
            raise ValidationError("amount", _TOO_LARGE_REASON) from None

    def __radd__(self, other: int) -> Money:
        # Only so that the builtin sum() works: it starts from the int 0.
        if type(other) is int and other == 0:
            return self
        return NotImplemented

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        currency = self.currency
        if other.currency != currency:
            raise CurrencyMismatch("amount", currency, other.currency)
        try:
            return _make(_subtract(self.amount, other.amount), currency)
        except decimal.DecimalException:
            raise ValidationError("amount", _TOO_LARGE_REASON) from None

    def __neg__(self) -> Money:
        return _make(_minus(self.amount), self.currency)

    def __abs__(self) -> Money:
        return self if self.amount >= 0 else _make(_minus(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        # Floats and bools are let in only to be refused with a ValidationError that says why.
        if isinstance(factor, Decimal | int | float):
            return self._scaled(factor, ROUND_HALF_EVEN, "factor")
        return NotImplemented

    __rmul__ = __mul__

    def multiply(self, factor: Decimal | int, *, rounding: str = ROUND_HALF_EVEN) -> Money:
        """Multiply by an int or Decimal, rounding the product once to the minor units.

        ``money * factor`` is the same with banker's rounding.

        Args:
            factor: The multiplier, e.g. a quantity ``3`` or a weight ``Decimal("0.75")``.
            rounding: One of the :mod:`decimal` module's ``ROUND_*`` constants.

        Returns:
            The product in the same currency.

        Raises:
            ValidationError: ``field="factor"`` for a float, bool, NaN or Infinity;
                ``field="rounding"`` for an unknown mode; ``field="amount"`` when the
                result has more than :data:`MAX_DIGITS` digits.
        """
        return self._scaled(factor, rounding, "factor")

    def apply_rate(self, rate: Decimal | int, *, rounding: str = ROUND_HALF_EVEN) -> Money:
        """Return the given fraction of this amount, rounded once to the minor units.

        ``Money.of("10.05", "EUR").apply_rate(Decimal("0.19"))`` is the 19 % tax on
        10.05 EUR: ``1.91 EUR`` (exactly 1.9095, rounded half-even).

        Args:
            rate: The fraction, e.g. ``Decimal("0.19")`` for 19 %.
            rounding: One of the :mod:`decimal` module's ``ROUND_*`` constants.

        Returns:
            ``amount * rate`` in the same currency.

        Raises:
            ValidationError: ``field="rate"`` for a float, bool, NaN or Infinity;
                ``field="rounding"`` for an unknown mode; ``field="amount"`` when the
                result has more than :data:`MAX_DIGITS` digits.
        """
        return self._scaled(rate, rounding, "rate")

    def _scaled(self, factor: object, rounding: str, field: str) -> Money:
        _check_rounding(rounding)
        if isinstance(factor, str):
            raise ValidationError(field, "expected an int or Decimal, got str")
        try:
            if type(factor) is int:
                # An int product keeps the exponent, so it is exact or it is too large.
                product = _int_multiply(self.amount, factor)
                result = product if product else product.copy_abs()
            else:
                value = _to_decimal(factor, field)
                product = _wide_multiply(self.amount, value)
                result = _fit(product, QUANTA[self.currency], rounding, _ROUND)
        except decimal.DecimalException:
            raise ValidationError("amount", _TOO_LARGE_REASON) from None
        return _make(result, self.currency)

    # Comparison (equality and hashing come from attrs: other currencies are simply unequal) --

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount < self._other_amount(other)

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount <= self._other_amount(other)

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount > self._other_amount(other)

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount >= self._other_amount(other)

    # Splitting ------------------------------------------------------------------------------

    def allocate(self, ratios: Sequence[Decimal | int]) -> tuple[Money, ...]:
        """Split the amount in proportion to ``ratios``, losing no minor unit.

        Uses the largest-remainder method on minor units: each share first gets the whole
        minor units of its ideal amount (``amount * ratio / sum(ratios)``, rounded toward
        zero), then the units left over go one each to the shares with the largest
        remainders, earliest first on ties. So the shares always add up to the original, no
        share is a minor unit or more away from its ideal, a zero ratio always gets exactly
        zero, and the result is the same on every run. A negative amount is split as its
        absolute value, with every share negated.

        Args:
            ratios: Non-negative ints or Decimals, not all zero, e.g. ``[1, 1, 1]`` or the
                net amounts of invoice lines.

        Returns:
            One Money per ratio, in order. ``Money.of("100", "EUR").allocate([1, 1, 1])`` is
            ``(33.34 EUR, 33.33 EUR, 33.33 EUR)``.

        Raises:
            ValidationError: ``field="ratios"`` when ratios is empty, all zero, or holds a
                negative number, float, bool, NaN or Infinity, or a Decimal ratio outside
                ``[1E-50, 1E+50)``.
        """
        units = self.minor_units
        shares = _split_units(units, _weights(ratios))
        digits = MINOR_UNITS[self.currency]
        currency = self.currency
        cache: dict[int, Money] = {}
        result = []
        for share in shares:
            money = cache.get(share)
            if money is None:
                money = _make(_scaleb(Decimal(share), -digits), currency)
                cache[share] = money
            result.append(money)
        return tuple(result)

    def split(self, n: int) -> tuple[Money, ...]:
        """Split into ``n`` shares as equal as possible; the same as ``allocate([1] * n)``.

        Args:
            n: How many shares, at least 1.

        Returns:
            ``n`` Money values adding up to this one, larger shares first:
            ``Money.of("0.05", "EUR").split(3)`` is ``(0.02 EUR, 0.02 EUR, 0.01 EUR)``.

        Raises:
            ValidationError: ``field="n"`` when ``n`` is not an int of at least 1.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise ValidationError("n", f"expected an int, got {type(n).__name__}")
        if n < 1:
            raise ValidationError("n", "split into at least one share")
        units = self.minor_units
        magnitude = -units if units < 0 else units
        small, bigger = divmod(magnitude, n)
        sign = -1 if units < 0 else 1
        digits = MINOR_UNITS[self.currency]
        small_money = _make(_scaleb(Decimal(sign * small), -digits), self.currency)
        if not bigger:
            return (small_money,) * n
        big_money = _make(_scaleb(Decimal(sign * (small + 1)), -digits), self.currency)
        return (big_money,) * bigger + (small_money,) * (n - bigger)

    # Text -----------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"


_new = object.__new__
_set_amount = Money.__dict__["amount"].__set__
_set_currency = Money.__dict__["currency"].__set__


def _make(amount: Decimal, currency: str) -> Money:
    """Build a Money from an amount already at the currency's minor units, skipping checks."""
    money = _new(Money)
    _set_amount(money, amount)
    _set_currency(money, currency)
    return money


def money_of_units(units: int, currency: str) -> Money:
    """:meth:`Money.from_minor_units` for callers that checked ``units`` and ``currency`` already.

    For code that works in whole minor units and makes many amounts of one known currency
    (pricing makes about fifteen per order).

    Raises:
        ValidationError: ``field="units"`` when the amount has more than :data:`MAX_DIGITS`
            digits.
    """
    try:
        amount = _scaleb(Decimal(units), -MINOR_UNITS[currency])
    except decimal.DecimalException:
        raise ValidationError("units", _TOO_LARGE_REASON) from None
    return _make(amount, currency)


def round_to_minor_units(amount: Decimal, currency: str, rounding: str) -> int:
    """``Money.of(amount, currency, rounding=rounding).minor_units`` without making the Money.

    ``amount`` must be a finite Decimal and ``currency`` a known code.

    Raises:
        ValidationError: ``field="amount"`` when the rounded amount has more than
            :data:`MAX_DIGITS` digits; ``field="rounding"`` for an unknown rounding mode.
    """
    _check_rounding(rounding)
    try:
        rounded = _fit(amount, QUANTA[currency], rounding, _ROUND)
        return int(_scaleb(rounded, MINOR_UNITS[currency]))
    except decimal.DecimalException:
        raise ValidationError("amount", _TOO_LARGE_REASON) from None


def allocate_units(units: int, weights: Sequence[int]) -> list[int]:
    """Split ``units`` whole minor units in proportion to ``weights``, losing none.

    The arithmetic behind :meth:`Money.allocate`, for code that works in minor units: each share
    gets the whole units of its ideal amount (rounded toward zero), then the units left over go
    one each to the largest remainders, earliest first on ties. A negative ``units`` is split
    as its absolute value, every share negated.

    Args:
        units: The whole number of minor units to split.
        weights: Non-negative ints, not all zero.

    Returns:
        One int per weight, adding up to ``units``: ``allocate_units(10000, [1, 1, 1])`` is
        ``[3334, 3333, 3333]``.

    Raises:
        ValidationError: ``field="units"`` when ``units`` is not an int; ``field="weights"``
            when ``weights`` is empty, all zero, or holds anything but non-negative ints.
    """
    if isinstance(units, bool) or not isinstance(units, int):
        raise ValidationError("units", f"expected an int, got {type(units).__name__}")
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence) or not weights:
        raise ValidationError("weights", "give a non-empty sequence of ints")
    for index, weight in enumerate(weights):
        if type(weight) is not int or weight < 0:
            raise ValidationError("weights", f"weights[{index}] is not a non-negative int")
    if not any(weights):
        raise ValidationError("weights", "at least one weight must be above zero")
    return _split_units(units, weights)


def _split_units(units: int, weights: Sequence[int]) -> list[int]:
    """:func:`allocate_units` for weights already checked."""
    magnitude = -units if units < 0 else units
    total = sum(weights)
    shares: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        share, remainder = divmod(magnitude * weight, total)
        shares.append(share)
        remainders.append(remainder)
    leftover = magnitude - sum(shares)
    if leftover:
        # sorted() is stable (reverse=True included), so equal remainders keep index order:
        # earliest first. The remainders add up to leftover * total and each is below total,
        # so more than `leftover` of them are positive: a share whose ideal is already whole
        # (every zero weight among them) never gets a unit.
        order = sorted(range(len(weights)), key=remainders.__getitem__, reverse=True)
        for index in order[:leftover]:
            shares[index] += 1
    if units < 0:
        return [-share for share in shares]
    return shares


def _weights(ratios: object) -> list[int]:
    """Turn allocation ratios into non-negative ints with the same proportions."""
    if isinstance(ratios, str | bytes) or not isinstance(ratios, Iterable):
        raise ValidationError("ratios", "expected a sequence of ints or Decimals")
    numerators: list[int] = []
    denominators: list[int] = []
    for index, ratio in enumerate(ratios):
        if type(ratio) is int:
            if ratio < 0:
                raise ValidationError("ratios", f"ratios[{index}] is negative")
            numerators.append(ratio)
            denominators.append(1)
            continue
        if isinstance(ratio, float):
            raise ValidationError("ratios", f"ratios[{index}] is a float: {_FLOAT_REASON}")
        if isinstance(ratio, bool) or not isinstance(ratio, Decimal | int):
            raise ValidationError(
                "ratios", f"ratios[{index}] is a {type(ratio).__name__}; use ints or Decimals"
            )
        value = Decimal(ratio)
        if not value.is_finite():
            raise ValidationError("ratios", f"ratios[{index}] is NaN or Infinity")
        if value < 0:
            raise ValidationError("ratios", f"ratios[{index}] is negative")
        if value and not -_RATIO_EXPONENT_LIMIT <= value.adjusted() < _RATIO_EXPONENT_LIMIT:
            # Else a short input such as Decimal("1E-999999999") would ask for a number with
            # a billion digits.
            raise ValidationError(
                "ratios",
                f"ratios[{index}] is out of range; keep Decimal ratios between "
                f"1E-{_RATIO_EXPONENT_LIMIT} and 1E+{_RATIO_EXPONENT_LIMIT}",
            )
        numerator, denominator = value.as_integer_ratio()
        numerators.append(numerator)
        denominators.append(denominator)
    if not numerators:
        raise ValidationError("ratios", "give at least one ratio")
    if not any(numerators):
        raise ValidationError("ratios", "at least one ratio must be above zero")
    # Bring every fraction to a common denominator; its numerators keep the proportions.
    common = math.lcm(*denominators)
    if common == 1:
        return numerators
    return [
        numerator * (common // denominator)
        for numerator, denominator in zip(numerators, denominators, strict=True)
    ]
