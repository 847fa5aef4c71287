from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from ordercore.errors import ValidationError
from ordercore.shipping.eta import BusinessCalendar, estimate_delivery

PLAIN = BusinessCalendar()
EASTER_2025 = BusinessCalendar(holidays={date(2025, 4, 18), date(2025, 4, 21)})


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2025, 3, 3), 0, date(2025, 3, 3)),  # Monday, no transit
        (date(2025, 3, 3), 3, date(2025, 3, 6)),  # Monday + 3 = Thursday
        (date(2025, 3, 7), 1, date(2025, 3, 10)),  # Friday + 1 skips the weekend
        (date(2025, 3, 8), 0, date(2025, 3, 10)),  # Saturday starts on Monday
        (date(2025, 3, 8), 1, date(2025, 3, 11)),  # Saturday + 1 = Tuesday
        (date(2025, 1, 30), 2, date(2025, 2, 3)),  # across a month end and a weekend
        (date(2024, 2, 28), 1, date(2024, 2, 29)),  # leap day
        (date(2025, 2, 27), 2, date(2025, 3, 3)),  # Feb 28 -> Mar 3 over a weekend
        (date(2025, 12, 31), 1, date(2026, 1, 1)),  # across a year end (no holidays here)
    ],
)
def test_business_days_skip_weekends_across_month_and_year_ends(
    start: date, days: int, expected: date
) -> None:
    assert PLAIN.add_business_days(start, days) == expected


def test_holidays_are_skipped_like_weekends() -> None:
    # Thursday before Easter + 1: Good Friday and Easter Monday are holidays.
    assert EASTER_2025.add_business_days(date(2025, 4, 17), 1) == date(2025, 4, 22)
    assert EASTER_2025.next_business_day(date(2025, 4, 18)) == date(2025, 4, 22)
    assert not EASTER_2025.is_business_day(date(2025, 4, 21))
    assert EASTER_2025.is_business_day(date(2025, 4, 22))


def test_a_holiday_on_a_month_end_moves_the_date_into_the_next_month() -> None:
    calendar = BusinessCalendar(holidays={date(2025, 3, 31)})
    assert calendar.add_business_days(date(2025, 3, 28), 1) == date(2025, 4, 1)


def test_the_cutoff_moves_a_late_hand_over_to_the_next_business_day() -> None:
    calendar = BusinessCalendar(cutoff=time(15, 0))
    early = estimate_delivery(datetime(2025, 3, 7, 14, 0, tzinfo=UTC), 1, calendar)
    late = estimate_delivery(datetime(2025, 3, 7, 16, 0, tzinfo=UTC), 1, calendar)
    assert (early.dispatch_on, early.deliver_on) == (date(2025, 3, 7), date(2025, 3, 10))
    assert (late.dispatch_on, late.deliver_on) == (date(2025, 3, 10), date(2025, 3, 11))


def test_bad_settings_name_their_field() -> None:
    with pytest.raises(ValidationError) as raised:
        PLAIN.add_business_days(date(2025, 3, 3), -1)
    assert raised.value.field == "transit_days"
    with pytest.raises(ValidationError) as raised:
        BusinessCalendar(weekdays=())
    assert raised.value.field == "weekdays"
    with pytest.raises(ValidationError) as raised:
        BusinessCalendar(holidays=[datetime(2025, 1, 1, tzinfo=UTC)])
    assert raised.value.field == "holidays"
