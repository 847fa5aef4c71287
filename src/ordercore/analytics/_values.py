"""Parsing of one cell: dates, amounts, counts and flags, each with the reason it was refused.

Every parser raises :class:`CellError` with a reason a person can act on; the readers turn it
into a row problem naming the line and the column. Reasons never repeat the cell's value, which
may be personal data.
"""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime
from decimal import Decimal

from dateutil import parser as dateutil_parser

from ordercore._currencies import MINOR_UNITS

__all__ = [
    "CellError",
    "parse_amount_minor",
    "parse_count",
    "parse_date_text",
    "parse_datetime",
    "parse_flag",
]

_TRUE = frozenset({"1", "true", "yes", "y", "t"})
_FALSE = frozenset({"", "0", "false", "no", "n", "f"})
# Two defaults that differ in every date part: a string that leaves out its year, month or day
# gets a different answer from each, and is refused rather than completed from today's date.
_DEFAULT_A = datetime(2000, 1, 1)
_DEFAULT_B = datetime(2001, 2, 2)
# Enough digits for any amount that is accepted (31 before the point, a few after): the default
# context keeps 28 and would round a larger amount's minor units.
_EXACT = decimal.Context(prec=64)


class CellError(ValueError):
    """One cell could not be read; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def parse_datetime(text: str, *, dayfirst: bool = False) -> datetime:
    """Read a date or date-time; naive values are taken as UTC, aware ones converted to UTC.

    ISO 8601 is read directly; anything else goes through python-dateutil, which must find a
    year, a month and a day in it.

    Raises:
        CellError: Empty, unreadable or incomplete.
    """
    value = text.strip()
    if not value:
        raise CellError("empty; expected a date such as 2024-03-07")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = _parse_loose(value, dayfirst)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_loose(value: str, dayfirst: bool) -> datetime:
    try:
        first = dateutil_parser.parse(value, default=_DEFAULT_A, dayfirst=dayfirst)
        second = dateutil_parser.parse(value, default=_DEFAULT_B, dayfirst=dayfirst)
    except (ValueError, OverflowError):
        raise CellError("not a date; expected a date such as 2024-03-07") from None
    if first.date() != second.date():
        raise CellError("incomplete date; give the year, month and day")
    return first


def parse_date_text(text: str, *, dayfirst: bool = False) -> str:
    """Read a date or date-time and return its UTC calendar day as ``YYYY-MM-DD``.

    Raises:
        CellError: As :func:`parse_datetime`.
    """
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass  # "2024-02-30": dateutil gives the precise reason below
    return parse_datetime(text, dayfirst=dayfirst).date().isoformat()


def parse_amount_minor(text: str, currency: str) -> int:
    """Read a decimal amount and return it in the currency's minor units (``"12.30"`` -> 1230).

    Raises:
        CellError: Not a finite decimal number, or more decimal places than the currency has.
    """
    value = text.strip()
    try:
        amount = Decimal(value)
    except decimal.InvalidOperation:
        raise CellError("not a decimal amount; expected a number such as 12.30") from None
    if not amount.is_finite():
        raise CellError("NaN and Infinity are not amounts")
    digits = MINOR_UNITS[currency]
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if exponent < -digits:
        raise CellError(f"more than {digits} decimal places, which {currency} does not have")
    if amount.adjusted() > 30:
        raise CellError("too large for an amount")
    return int(amount.scaleb(digits, _EXACT))


def parse_count(text: str) -> int:
    """Read a whole, non-negative number of units.

    Raises:
        CellError: Not a whole number, or negative.
    """
    value = text.strip()
    if not value.isdecimal() or not value.isascii():
        if value.startswith("-") and value[1:].isdecimal():
            raise CellError("must not be negative")
        raise CellError("not a whole number of units")
    if len(value) > 18:
        raise CellError("too large for a quantity")
    return int(value)


def parse_flag(text: str) -> bool:
    """Read a yes/no cell (``1``/``0``, ``true``/``false``, ``yes``/``no``; empty is no).

    Raises:
        CellError: Anything else.
    """
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CellError("expected yes or no (1/0, true/false)")
