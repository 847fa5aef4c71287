"""Calendar periods as sortable labels: ``2024-03-07``, ``2024-W10``, ``2024-03``, ``2024-Q1``.

Labels of one period kind sort in time order as plain strings, which lets results keep them as
dictionary keys and lets a CSV scan derive a month from ``"2024-03-07"[:7]``.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta

__all__ = ["Period", "period_label", "previous_label", "year_ago_label"]


class Period(enum.Enum):
    """How finely sales are bucketed in time."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def period_label(period: Period, day: date) -> str:
    """The label of the period that contains ``day`` (ISO weeks for :attr:`Period.WEEK`)."""
    if period is Period.DAY:
        return day.isoformat()
    if period is Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if period is Period.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    if period is Period.QUARTER:
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def _first_day(period: Period, label: str) -> date:
    if period is Period.DAY:
        return date.fromisoformat(label)
    if period is Period.WEEK:
        return date.fromisocalendar(int(label[:4]), int(label[6:]), 1)
    if period is Period.MONTH:
        return date(int(label[:4]), int(label[5:7]), 1)
    if period is Period.QUARTER:
        return date(int(label[:4]), 3 * int(label[6]) - 2, 1)
    return date(int(label), 1, 1)


def previous_label(period: Period, label: str) -> str | None:
    """The label of the period just before ``label``, or ``None`` before year 1."""
    first = _first_day(period, label)
    if first.toordinal() == 1:
        return None
    return period_label(period, first - timedelta(days=1))


def year_ago_label(period: Period, label: str) -> str | None:
    """The same period one year earlier (ISO week 53 and 29 February may have none)."""
    year = int(label[:4])
    if year <= 1:
        return None
    previous_year = f"{year - 1:04d}"
    if period is Period.YEAR:
        return previous_year
    if period is Period.DAY and label[5:] == "02-29":
        return None
    if period is Period.WEEK:
        week = int(label[6:])
        last_week = date(year - 1, 12, 28).isocalendar()[1]
        return None if week > last_week else f"{previous_year}{label[4:]}"
    return f"{previous_year}{label[4:]}"
