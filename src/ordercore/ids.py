"""Identifier factories.

Ids are strings with a short prefix naming the kind of object (``ord_``, ``evt_``, ``msg_``).
The default factory makes time-sortable ids in the ULID layout (48-bit millisecond time and
80 random bits, Crockford base 32), strictly increasing within one factory even when many are
made in the same millisecond. Tests use :class:`SequentialIds` for readable, repeatable ids.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from ordercore.errors import ValidationError

__all__ = ["IdFactory", "SequentialIds", "SortableIds"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_RANDOM_MAX = (1 << _RANDOM_BITS) - 1
# A fresh random part has one bit fewer than the field, so stepping it never overflows soon.
_DRAW_BYTES = 10
_DRAW_SHIFT = _DRAW_BYTES * 8 - (_RANDOM_BITS - 1)
_DRAWS_PER_READ = 256


@runtime_checkable
class IdFactory(Protocol):
    """Makes new unique identifiers."""

    def new_id(self, prefix: str) -> str:
        """Return a new id such as ``"ord_01J9Z3..."``."""
        ...


def _check_prefix(prefix: str) -> None:
    if not prefix or not prefix.isascii() or not prefix.replace("_", "").isalnum():
        raise ValidationError("prefix", "use a short ASCII word such as 'ord'")


# Every pair of base-32 digits (10 bits), so that 130 bits take 13 lookups instead of 26
# divisions; an immutable tuple, built once.
_PAIRS = tuple(first + second for first in _CROCKFORD for second in _CROCKFORD)
_SHIFTS = tuple(range(120, -1, -10))
# The ULID text is 10 characters of time (48 bits after 2 zero bits) then 16 of randomness.
_TIME_SHIFTS = _SHIFTS[:5]
_RANDOM_SHIFTS = _SHIFTS[5:]
_HEAD_SHIFTS = _RANDOM_SHIFTS[:-1]  # the random part's pairs but the last (bits 10 to 79)


def _encode128(value: int) -> str:
    """Encode a 128-bit value as 26 Crockford base-32 characters (the ULID text form)."""
    pairs = _PAIRS
    return "".join([pairs[(value >> shift) & 0x3FF] for shift in _SHIFTS])


class SortableIds:
    """Time-sortable ids (ULID layout), monotonic within this factory.

    The wall clock (not the desk's injectable clock) is used on purpose: ids must stay sortable
    and unique across processes even when a test pins the desk's time.

    The random part comes from the operating system's secure source, read a few hundred draws
    at a time (one system call instead of one per millisecond); a forked child reads its own,
    so parent and child never share the unread rest.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0
        self._time_text = ""
        self._head_key = -1
        self._head_text = ""
        self._checked_prefixes: set[str] = set()
        self._pool = b""
        self._pool_at = 0
        self._pool_pid = -1

    def _draw(self) -> int:
        """A fresh random value of ``_RANDOM_BITS - 1`` bits (called with the lock held)."""
        at = self._pool_at
        if at + _DRAW_BYTES > len(self._pool) or self._pool_pid != os.getpid():
            self._pool = os.urandom(_DRAW_BYTES * _DRAWS_PER_READ)
            self._pool_pid = os.getpid()
            at = 0
        self._pool_at = at + _DRAW_BYTES
        return int.from_bytes(self._pool[at : at + _DRAW_BYTES]) >> _DRAW_SHIFT

    def new_id(self, prefix: str) -> str:
        """Return ``prefix + "_" +`` a 26-character time-sortable id."""
        if prefix not in self._checked_prefixes:
            _check_prefix(prefix)
            self._checked_prefixes.add(prefix)
        with self._lock:
            now_ms = time.time_ns() // 1_000_000
            if now_ms <= self._last_ms:
                # Same (or earlier) millisecond: step the random part so ids keep increasing.
                now_ms = self._last_ms
                random_part = self._last_random + 1
                if random_part > _RANDOM_MAX:
                    now_ms += 1
                    random_part = self._draw()
            else:
                random_part = self._draw()
            self._last_random = random_part
            if now_ms != self._last_ms:
                # Most ids share their millisecond with the one before: encode its time once.
                shifted = now_ms << _RANDOM_BITS
                self._time_text = "".join(
                    [_PAIRS[(shifted >> shift) & 0x3FF] for shift in _TIME_SHIFTS]
                )
                self._last_ms = now_ms
                self._head_key = -1
            # Stepping changes the last ten bits, and the rest only once in 1,024 steps: the
            # text of everything but the last two characters is kept until it changes.
            head_key = random_part >> 10
            if head_key != self._head_key:
                self._head_key = head_key
                self._head_text = self._time_text + "".join(
                    [_PAIRS[(random_part >> shift) & 0x3FF] for shift in _HEAD_SHIFTS]
                )
            head_text = self._head_text
        return prefix + "_" + head_text + _PAIRS[random_part & 0x3FF]

    def __repr__(self) -> str:
        return "SortableIds()"


class SequentialIds:
    """Deterministic ids for tests and examples: ``ord_000001``, ``ord_000002``, ...

    Each prefix has its own counter, so ids read naturally in test output.
    """

    def __init__(self, width: int = 6) -> None:
        if isinstance(width, bool) or not isinstance(width, int) or width < 0:
            raise ValidationError("width", "give the number of digits as a whole number >= 0")
        self._width = width
        self._lock = threading.Lock()
        self._counters: dict[str, Iterator[int]] = {}
        # A free-threaded interpreter (3.13t and later) may run two next() calls at once.
        self._gil = bool(getattr(sys, "_is_gil_enabled", lambda: True)())

    def new_id(self, prefix: str) -> str:
        """Return the next id for ``prefix``."""
        counter = self._counters.get(prefix)
        if counter is None:
            with self._lock:
                counter = self._counters.get(prefix)
                if counter is None:
                    # A prefix is checked when first seen: only checked ones are ever counted.
                    _check_prefix(prefix)
                    counter = self._counters[prefix] = itertools.count(1)
        if self._gil:
            # next() on a count is one C call, atomic while the interpreter lock is held.
            number = next(counter)
        else:
            with self._lock:
                number = next(counter)
        # zfill pads as the format spec "0{width}d" does for positive numbers, far cheaper.
        return prefix + "_" + str(number).zfill(self._width)

    def __repr__(self) -> str:
        return f"SequentialIds(width={self._width})"
