"""Delivery dates in business days: weekends and a configurable holiday list are skipped.

Counting uses :func:`dateutil.rrule.rrule` over the working weekdays, with the holidays as
exclusions, so "3 business days after Friday 2025-02-28" lands on Wednesday 2025-03-05 and a
holiday on the way pushes it one more day. A parcel handed over on a day that is not a business
day (or after the carrier's cut-off) starts counting from the next business day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

import attrs
from dateutil.rrule import DAILY, FR, MO, TH, TU, WE, rrule, rruleset, weekday

from ordercore.errors import ValidationError

__all__ = ["BusinessCalendar", "DeliveryEstimate", "estimate_delivery"]

_WORKWEEK = (MO, TU, WE, TH, FR)
_MAX_TRANSIT_DAYS = 366


def _holidays(value: Iterable[date]) -> frozenset[date]:
    days = frozenset(value)
    for day in days:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValidationError("holidays", f"expected dates, got {day!r}")
    return days


def _weekdays(value: Iterable[weekday]) -> tuple[weekday, ...]:
    days = tuple(value)
    if not days:
        raise ValidationError("weekdays", "give at least one working weekday")
    return days


def _cutoff(_: Any, __: Any, value: Any) -> None:
    if value is not None and not isinstance(value, time):
        raise ValidationError("cutoff", "must be a time of day (or None)")


@attrs.frozen(slots=True)
class BusinessCalendar:
    """The days carriers move parcels.

    Attributes:
        holidays: Days with no pickup or delivery.
        weekdays: Working weekdays (Monday to Friday by default).
        cutoff: Parcels handed over after this time of day (UTC) leave the next business day;
            ``None``: no cut-off.
    """

    holidays: frozenset[date] = attrs.field(factory=frozenset, converter=_holidays)
    weekdays: tuple[weekday, ...] = attrs.field(default=_WORKWEEK, converter=_weekdays)
    cutoff: time | None = attrs.field(default=None, validator=_cutoff)

    def _days_from(self, start: date) -> rruleset:
        rules = rruleset()
        first = datetime.combine(start, time())
        rules.rrule(rrule(DAILY, dtstart=first, byweekday=self.weekdays))
        for holiday in self.holidays:
            rules.exdate(datetime.combine(holiday, time()))
        return rules

    def is_business_day(self, day: date) -> bool:
        """Whether parcels move on ``day``."""
        return self.next_business_day(day) == day

    def next_business_day(self, day: date) -> date:
        """``day`` itself if it is a business day, else the next one."""
        found: datetime | None = self._days_from(day).after(datetime.combine(day, time()), inc=True)
        if found is None:  # only with a calendar whose every day is a holiday, which we refuse
            raise ValidationError("holidays", "the calendar has no business day")
        return found.date()

    def add_business_days(self, start: date, days: int) -> date:
        """The business day ``days`` business days after ``start`` (``start`` if 0).

        ``start`` is moved to the next business day first, so a parcel that leaves on a Saturday
        with 1 day of transit arrives on Tuesday.

        Raises:
            ValidationError: If ``days`` is negative or absurdly large.
        """
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValidationError("transit_days", "must be a whole number of days, 0 or more")
        if days > _MAX_TRANSIT_DAYS:
            raise ValidationError("transit_days", f"must be at most {_MAX_TRANSIT_DAYS}")
        first = self.next_business_day(start)
        if days == 0:
            return first
        rules = self._days_from(first + timedelta(days=1))
        for index, moment in enumerate(rules, start=1):
            if index == days:
                result: date = moment.date()
                return result
        raise AssertionError("unreachable: an rrule over weekdays never ends")  # pragma: no cover

    def dispatch_day(self, handed_over: datetime) -> date:
        """The business day a parcel handed over at ``handed_over`` (UTC) starts moving."""
        day = handed_over.date()
        if self.cutoff is not None and handed_over.time().replace(tzinfo=None) > self.cutoff:
            day += timedelta(days=1)
        return self.next_business_day(day)


@attrs.frozen(slots=True)
class DeliveryEstimate:
    """When a parcel should arrive.

    Attributes:
        dispatch_on: The business day it starts moving.
        transit_days: Business days in transit.
        deliver_on: The expected delivery day.
    """

    dispatch_on: date
    transit_days: int
    deliver_on: date


def estimate_delivery(
    handed_over: datetime, transit_days: int, calendar: BusinessCalendar
) -> DeliveryEstimate:
    """Estimate delivery for a parcel handed over at ``handed_over`` with ``transit_days``."""
    dispatch = calendar.dispatch_day(handed_over)
    return DeliveryEstimate(
        dispatch, transit_days, calendar.add_business_days(dispatch, transit_days)
    )
