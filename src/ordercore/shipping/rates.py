"""Rate shopping: choose among the quotes of every registered carrier (pure)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date

from ordercore.errors import NotFound, ValidationError
from ordercore.shipping.carriers import Rate

__all__ = ["RateChoice", "choose_rate"]


class RateChoice(enum.Enum):
    """How to pick a rate."""

    CHEAPEST = "cheapest"
    FASTEST = "fastest"
    CHEAPEST_BY_DATE = "cheapest_by_date"


def _arrival(rate: Rate, ship_on: date) -> date:
    # A quote without a date is judged by its transit days alone (calendar days, pessimistic
    # would need the carrier's calendar; the carrier should give deliver_on when it can).
    return rate.deliver_on or date.fromordinal(ship_on.toordinal() + rate.transit_days)


def choose_rate(
    rates: Iterable[Rate],
    choice: RateChoice,
    *,
    ship_on: date,
    deliver_by: date | None = None,
) -> Rate:
    """Pick the cheapest, the fastest, or the cheapest that arrives by ``deliver_by``.

    Ties go to the faster (for cheapest) or the cheaper (for fastest), then by carrier and
    service code, so the choice does not depend on the order of the quotes.

    Raises:
        ValidationError: For ``CHEAPEST_BY_DATE`` without ``deliver_by``, or quotes in mixed
            currencies.
        NotFound: If no quote qualifies (kind ``"rate"``).
    """
    quotes = list(rates)
    currencies = {rate.amount.currency for rate in quotes}
    if len(currencies) > 1:
        raise ValidationError("rates", f"quotes in several currencies: {sorted(currencies)}")
    if choice is RateChoice.CHEAPEST_BY_DATE:
        if deliver_by is None:
            raise ValidationError("deliver_by", "give the promised date to shop against")
        quotes = [rate for rate in quotes if _arrival(rate, ship_on) <= deliver_by]
    if not quotes:
        raise NotFound("rate", choice.value if deliver_by is None else f"by {deliver_by}")
    if choice is RateChoice.FASTEST:
        return min(
            quotes,
            key=lambda r: (_arrival(r, ship_on), r.amount.amount, r.carrier, r.service),
        )
    return min(quotes, key=lambda r: (r.amount.amount, _arrival(r, ship_on), r.carrier, r.service))
