"""Injectable time.

Nothing below the desk reads the time: the desk asks its :class:`Clock` once per command and
passes ``now`` down. Tests use :class:`ManualClock` to make time a value they control.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from ordercore.errors import ValidationError

__all__ = [
    "Clock",
    "ManualClock",
    "SystemClock",
    "ensure_aware_utc",
    "epoch_micros",
    "from_epoch_micros",
]


@runtime_checkable
class Clock(Protocol):
    """A source of the current time, always timezone-aware UTC."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def epoch_micros(moment: datetime) -> int:
    """Whole microseconds since the Unix epoch of an aware ``moment``: an exact integer time.

    For times kept as numbers, which compare and index correctly where ISO texts with and
    without fractions of a second would not.
    """
    return (moment - _EPOCH) // _MICROSECOND


def from_epoch_micros(micros: int) -> datetime:
    """The UTC time :func:`epoch_micros` gave ``micros`` for."""
    return _EPOCH + micros * _MICROSECOND


def ensure_aware_utc(value: datetime, field: str = "time") -> datetime:
    """Return ``value`` converted to UTC, refusing naive datetimes.

    Args:
        value: A timezone-aware datetime.
        field: The name to report if the value is refused.

    Raises:
        ValidationError: If ``value`` is not a datetime or has no timezone.
    """
    if type(value) is datetime and value.tzinfo is UTC:
        # Nearly every time in the system is already UTC; converting it again costs a call
        # into the time zone and a new object on every journal entry and every read.
        return value
    if not isinstance(value, datetime):
        raise ValidationError(field, f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "naive datetime; give a timezone-aware one (UTC preferred)")
    return value.astimezone(UTC)


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that moves only when told to; safe to share between threads.

    Args:
        start: The initial time (aware). Defaults to 2025-01-01T00:00:00Z so that tests are
            reproducible.
    """

    def __init__(self, start: datetime | None = None) -> None:
        initial = datetime(2025, 1, 1, tzinfo=UTC) if start is None else start
        self._now = ensure_aware_utc(initial, "start")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the clock's current time."""
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move the clock forward and return the new time.

        Args:
            delta: How far to move.
            **kwargs: Alternatively, ``timedelta`` keyword arguments (``advance(minutes=5)``).

        Raises:
            ValidationError: If the step is negative; use :meth:`set` to go back.
        """
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValidationError("delta", "a clock only moves forward; use set() to go back")
        with self._lock:
            self._now = self._now + step
            return self._now

    def set(self, value: datetime) -> None:
        """Set the clock to ``value`` (aware), forward or back."""
        moved = ensure_aware_utc(value, "value")
        with self._lock:
            self._now = moved

    def __repr__(self) -> str:
        return f"ManualClock({self.now().isoformat()!r})"
