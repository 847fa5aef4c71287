"""Audit schedules agree with dateutil's own rrule iteration across DST, month ends, leap days.

The reference walks the rule from its start with dateutil's iterator, turns each wall time into
an instant in the zone (``fold=0``, as documented) and keeps those in ``(covered, now]``. The
schedule under test instead searches a window of wall times around the interval, which is where
DST bugs would hide.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given
from hypothesis import strategies as st

from ordercore.audit.plans import AuditSchedule
from ordercore.errors import ValidationError

ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/St_Johns",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Asia/Kolkata",
)
# Month ends and leap days that drawn moments cluster around, besides each zone's DST changes.
CALENDAR_ANCHORS = (
    datetime(2024, 1, 31, 23, tzinfo=UTC),
    datetime(2024, 2, 29, 12, tzinfo=UTC),
    datetime(2025, 2, 28, 23, tzinfo=UTC),
    datetime(2024, 12, 31, 23, tzinfo=UTC),
    datetime(2025, 4, 30, 22, tzinfo=UTC),
)


@functools.cache
def offset_changes(zone_name: str) -> tuple[datetime, ...]:
    """The instants in 2024 and 2025 when the zone's UTC offset changes."""
    zone = ZoneInfo(zone_name)
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(zone).utcoffset()
    changes = []
    while moment < datetime(2026, 1, 1, tzinfo=UTC):
        moment += timedelta(minutes=15)
        offset = moment.astimezone(zone).utcoffset()
        if offset != previous:
            changes.append(moment)
            previous = offset
    return tuple(changes)


hours = st.integers(0, 23)
minutes = st.sampled_from([0, 1, 15, 30, 45, 59])
days = st.lists(
    st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1, max_size=7, unique=True
)


@st.composite
def rules(draw: st.DrawFn) -> str:
    hour, minute = draw(hours), draw(minutes)
    at = f"BYHOUR={hour};BYMINUTE={minute};BYSECOND=0"
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return f"FREQ=DAILY;{at}"
    if kind == 1:
        return f"FREQ=WEEKLY;BYDAY={','.join(draw(days))};{at}"
    if kind == 2:
        nth = draw(st.sampled_from(["1", "2", "-1"]))
        return f"FREQ=MONTHLY;BYDAY={nth}{draw(st.sampled_from(['MO', 'FR', 'SU']))};{at}"
    if kind == 3:
        return f"FREQ=MONTHLY;BYMONTHDAY={draw(st.sampled_from([-1, 1, 28, 29, 30, 31]))};{at}"
    if kind == 4:
        return f"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;{at}"
    if kind == 5:
        return f"FREQ=HOURLY;INTERVAL={draw(st.integers(1, 7))};BYMINUTE={minute};BYSECOND=0"
    return f"FREQ=DAILY;BYHOUR={hour},{(hour + 1) % 24};BYMINUTE={minute};BYSECOND=0"


@st.composite
def moments(draw: st.DrawFn, zone: str = "Europe/Berlin") -> datetime:
    anchor = draw(st.sampled_from(offset_changes(zone) + CALENDAR_ANCHORS))
    # Mostly within hours of the anchor, where wall time and instant disagree.
    minutes = draw(
        st.one_of(st.integers(-180, 180), st.integers(-3 * 24 * 60, 3 * 24 * 60)),
    )
    return anchor + timedelta(minutes=minutes, seconds=draw(st.sampled_from([0, 1, 59])))


def reference_due(
    rule: str, zone_name: str, start: datetime, covered: datetime | None, now: datetime
) -> list[datetime]:
    zone = ZoneInfo(zone_name)
    # A wall time is its instant plus the zone's offset, never more than 14 hours ahead.
    bound = now.replace(tzinfo=None) + timedelta(hours=15)
    found = set()
    for wall in rrulestr(rule, dtstart=start):
        if wall > bound:
            break
        instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if (covered is None or instant > covered) and instant <= now:
            found.add(instant)
    return sorted(found)


@given(data=st.data(), rule=rules(), zone=st.sampled_from(ZONES))
def test_due_matches_dateutil_iteration(data: st.DataObject, rule: str, zone: str) -> None:
    now = data.draw(moments(zone), label="now")
    covered_ago = data.draw(st.one_of(st.none(), st.integers(0, 40 * 24 * 60)), label="ago")
    start_before = data.draw(st.integers(0, 60 * 24 * 60), label="start_before")
    covered = None if covered_ago is None else now - timedelta(minutes=covered_ago)
    earliest = now if covered is None else covered
    start = (earliest - timedelta(minutes=start_before)).astimezone(ZoneInfo(zone))
    start_wall = start.replace(tzinfo=None, second=0, microsecond=0)
    schedule = AuditSchedule(rule, zone, start_wall)
    expected = reference_due(rule, zone, start_wall, covered, now)
    assert list(schedule.due(covered, now)) == expected


@given(data=st.data(), rule=rules(), zone=st.sampled_from(ZONES))
def test_a_run_covers_everything_due_and_the_next_due_is_the_next_occurrence(
    data: st.DataObject, rule: str, zone: str
) -> None:
    covered = data.draw(moments(zone), label="covered")
    later = covered + timedelta(minutes=data.draw(st.integers(0, 10 * 24 * 60), label="later"))
    schedule = AuditSchedule(rule, zone, datetime(2023, 12, 1))
    assert schedule.due(covered, covered) == ()
    due = schedule.due(covered, later)
    upcoming = schedule.next_after(covered)
    if due:
        assert due[0] == upcoming
        assert all(covered < moment <= later for moment in due)
        assert list(due) == sorted(set(due))
    elif upcoming is not None:
        assert upcoming > later


@given(data=st.data(), zone=st.sampled_from(ZONES), hour=st.sampled_from([0, 6, 9, 12, 18, 23]))
def test_a_daily_run_stays_at_its_local_wall_time_across_dst(
    data: st.DataObject, zone: str, hour: int
) -> None:
    now = data.draw(moments(zone), label="now")
    schedule = AuditSchedule(f"FREQ=DAILY;BYHOUR={hour}", zone, datetime(2023, 12, 1))
    tz = ZoneInfo(zone)
    for moment in schedule.due(now - timedelta(days=5), now):
        local = moment.astimezone(tz)
        if (local.hour, local.minute) != (hour, 0):
            # Only a wall time the clocks skipped that day may run at another one.
            wall = datetime(local.year, local.month, local.day, hour, tzinfo=tz)
            assert wall.astimezone(UTC).astimezone(tz).hour != hour


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_weekdays_at_six_in_berlin_follow_the_spring_change() -> None:
    schedule = AuditSchedule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=6", "Europe/Berlin")
    due = schedule.due(_utc(2025, 3, 27, 12), _utc(2025, 4, 1, 12))
    # Friday in winter time (UTC+1), Monday and Tuesday in summer time (UTC+2).
    assert due == (_utc(2025, 3, 28, 5), _utc(2025, 3, 31, 4), _utc(2025, 4, 1, 4))


def test_the_first_monday_of_the_month_in_new_york_across_the_autumn_change() -> None:
    schedule = AuditSchedule("FREQ=MONTHLY;BYDAY=1MO;BYHOUR=6", "America/New_York")
    due = schedule.due(_utc(2025, 9, 30), _utc(2025, 12, 31))
    assert due == (_utc(2025, 10, 6, 10), _utc(2025, 11, 3, 11), _utc(2025, 12, 1, 11))


def test_the_last_day_of_the_month_knows_leap_years() -> None:
    schedule = AuditSchedule("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23", "UTC")
    due = schedule.due(_utc(2024, 1, 31, 23, 30), _utc(2025, 3, 1))
    assert [moment.date().isoformat() for moment in due[:2]] == ["2024-02-29", "2024-03-31"]
    assert due[-1] == _utc(2025, 2, 28, 23)


def test_a_leap_day_plan_is_due_only_in_leap_years() -> None:
    schedule = AuditSchedule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=6", "Europe/Berlin")
    assert schedule.due(_utc(2024, 3, 1), _utc(2028, 2, 28)) == ()
    assert schedule.due(_utc(2024, 3, 1), _utc(2028, 2, 29, 6)) == (_utc(2028, 2, 29, 5),)
    assert schedule.next_after(_utc(2024, 3, 1)) == _utc(2028, 2, 29, 5)


def test_a_wall_time_the_clocks_skip_runs_once_when_they_have_moved_on() -> None:
    schedule = AuditSchedule("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "Europe/Berlin")
    due = schedule.due(_utc(2025, 3, 29, 12), _utc(2025, 3, 31, 12))
    # 02:30 does not exist on 30 March: it runs at 03:30 summer time, 01:30 UTC.
    assert due == (_utc(2025, 3, 30, 1, 30), _utc(2025, 3, 31, 0, 30))


def test_a_wall_time_that_happens_twice_runs_once() -> None:
    schedule = AuditSchedule("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "Europe/Berlin")
    due = schedule.due(_utc(2025, 10, 25, 12), _utc(2025, 10, 26, 12))
    assert due == (_utc(2025, 10, 26, 0, 30),)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("FREQ=SOMETIMES",), "schedule.rule"),
        (("",), "schedule.rule"),
        (("FREQ=DAILY", "Mars/Olympus"), "schedule.timezone"),
        (("FREQ=DAILY", "UTC", _utc(2025, 1, 1)), "schedule.start"),
    ],
)
def test_a_bad_schedule_names_the_field(arguments: tuple[object, ...], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        AuditSchedule(*arguments)  # type: ignore[arg-type]
    assert raised.value.field == field
