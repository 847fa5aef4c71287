"""Unit tests for ordercore.clock: the manual and system clocks and aware-UTC checks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.clock import (
    Clock,
    ManualClock,
    SystemClock,
    ensure_aware_utc,
    epoch_micros,
    from_epoch_micros,
)
from ordercore.errors import ValidationError

START = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)

# Small, whole-second steps keep the sums exact and far from datetime's upper bound.
STEPS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=1000)).map(
    lambda step: timedelta(seconds=int(step.total_seconds()))
)
OFFSETS = st.integers(min_value=-23 * 60 + 1, max_value=23 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Bounded so that converting to UTC never leaves datetime's range (years 1 to 9999).
AWARE_TIMES = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=OFFSETS
)


# ManualClock: start ---------------------------------------------------------------------------


def test_manual_clock_starts_at_the_first_of_january_2025_utc_by_default() -> None:
    now = ManualClock().now()

    assert now == datetime(2025, 1, 1, tzinfo=UTC)
    assert now.utcoffset() == timedelta(0)


def test_manual_clock_starts_at_the_given_time() -> None:
    assert ManualClock(START).now() == START


def test_manual_clock_does_not_move_by_itself() -> None:
    clock = ManualClock(START)

    assert clock.now() == clock.now() == START


def test_manual_clock_refuses_a_naive_start_naming_the_start_field() -> None:
    with pytest.raises(ValidationError) as caught:
        ManualClock(datetime(2030, 1, 1))  # naive on purpose

    assert caught.value.field == "start"
    assert "naive" in caught.value.reason


def test_manual_clock_refuses_a_start_that_is_not_a_datetime() -> None:
    with pytest.raises(ValidationError) as caught:
        ManualClock("2030-01-01T00:00:00Z")  # type: ignore[arg-type]

    assert caught.value.field == "start"
    assert "str" in caught.value.reason


def test_manual_clock_converts_a_non_utc_start_to_utc() -> None:
    paris_summer = timezone(timedelta(hours=2))

    now = ManualClock(datetime(2030, 6, 15, 14, 0, tzinfo=paris_summer)).now()

    assert now == START
    assert now.tzinfo is UTC
    assert now.hour == 12


# ManualClock: advance -------------------------------------------------------------------------


def test_manual_clock_advances_by_a_timedelta_and_returns_the_new_time() -> None:
    clock = ManualClock(START)

    returned = clock.advance(timedelta(minutes=90))

    assert returned == START + timedelta(minutes=90)
    assert clock.now() == returned


def test_manual_clock_advances_by_timedelta_keyword_arguments() -> None:
    clock = ManualClock(START)

    clock.advance(hours=1, minutes=5)
    clock.advance(seconds=30)

    assert clock.now() == START + timedelta(hours=1, minutes=5, seconds=30)


def test_manual_clock_accepts_a_zero_step() -> None:
    clock = ManualClock(START)

    assert clock.advance(timedelta(0)) == START
    assert clock.advance() == START


def test_manual_clock_refuses_to_go_backwards() -> None:
    clock = ManualClock(START)

    with pytest.raises(ValidationError) as caught:
        clock.advance(timedelta(seconds=-1))

    assert caught.value.field == "delta"
    assert "set()" in caught.value.reason
    assert clock.now() == START


def test_manual_clock_refuses_a_negative_keyword_step() -> None:
    clock = ManualClock(START)

    with pytest.raises(ValidationError) as caught:
        clock.advance(minutes=-5)

    assert caught.value.field == "delta"
    assert clock.now() == START


@given(steps=st.lists(STEPS, max_size=20))
def test_manual_clock_time_is_the_start_plus_the_sum_of_its_steps(
    steps: list[timedelta],
) -> None:
    clock = ManualClock(START)
    seen = [clock.now()]

    for step in steps:
        seen.append(clock.advance(step))

    assert clock.now() == START + sum(steps, timedelta(0))
    assert seen == sorted(seen)


def test_manual_clock_advances_add_up_across_threads() -> None:
    clock = ManualClock(START)
    threads_count, advances_each = 8, 500
    barrier = threading.Barrier(threads_count)

    def work() -> None:
        barrier.wait()
        for _ in range(advances_each):
            clock.advance(microseconds=1)

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert clock.now() == START + timedelta(microseconds=threads_count * advances_each)


# ManualClock: set -----------------------------------------------------------------------------


def test_manual_clock_set_moves_forward() -> None:
    clock = ManualClock(START)
    later = START + timedelta(days=3)

    clock.set(later)

    assert clock.now() == later


def test_manual_clock_set_moves_back() -> None:
    clock = ManualClock(START)
    earlier = START - timedelta(days=3)

    clock.set(earlier)

    assert clock.now() == earlier


def test_manual_clock_set_refuses_a_naive_datetime_naming_the_value_field() -> None:
    clock = ManualClock(START)

    with pytest.raises(ValidationError) as caught:
        clock.set(datetime(2031, 1, 1))  # naive on purpose

    assert caught.value.field == "value"
    assert clock.now() == START


@given(moment=AWARE_TIMES)
def test_manual_clock_set_keeps_the_instant_and_converts_it_to_utc(moment: datetime) -> None:
    clock = ManualClock(START)

    clock.set(moment)

    assert clock.now() == moment
    assert clock.now().tzinfo is UTC


def test_manual_clock_repr_shows_its_time() -> None:
    assert repr(ManualClock(START)) == "ManualClock('2030-06-15T12:00:00+00:00')"


# ensure_aware_utc -----------------------------------------------------------------------------


def test_ensure_aware_utc_names_the_field_it_was_given() -> None:
    with pytest.raises(ValidationError) as caught:
        ensure_aware_utc(datetime(2030, 1, 1), "placed_at")  # naive on purpose

    assert caught.value.field == "placed_at"


@given(moment=AWARE_TIMES)
def test_ensure_aware_utc_returns_the_same_instant_in_utc(moment: datetime) -> None:
    converted = ensure_aware_utc(moment)

    assert converted == moment
    assert converted.tzinfo is UTC


# SystemClock and the protocol -----------------------------------------------------------------


def test_system_clock_returns_the_current_time_as_aware_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)

    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_system_clock_repr_names_the_class() -> None:
    assert repr(SystemClock()) == "SystemClock()"


@pytest.mark.parametrize("clock", [ManualClock(), SystemClock()], ids=["manual", "system"])
def test_both_clocks_satisfy_the_clock_protocol(clock: object) -> None:
    assert isinstance(clock, Clock)


def test_an_object_without_now_does_not_satisfy_the_clock_protocol() -> None:
    assert not isinstance(object(), Clock)


def test_epoch_micros_counts_whole_microseconds_since_1970() -> None:
    assert epoch_micros(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert epoch_micros(datetime(2025, 1, 1, 12, tzinfo=UTC)) == 1_735_732_800_000_000
    other_zone = datetime(2025, 1, 1, 13, tzinfo=timezone(timedelta(hours=1)))
    assert epoch_micros(other_zone) == 1_735_732_800_000_000


@given(st.datetimes(timezones=st.just(UTC)))
def test_from_epoch_micros_gives_back_the_time(moment: datetime) -> None:
    assert from_epoch_micros(epoch_micros(moment)) == moment
