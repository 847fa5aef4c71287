"""Waiting for SQLite's write lock without letting ``database is locked`` reach the caller.

SQLite's own busy handler (``busy_timeout``) already waits for a lock; when it gives up it
raises ``sqlite3.OperationalError: database is locked``. Where that can happen (taking the write
lock with ``BEGIN IMMEDIATE``, switching to WAL, migrating), the backend retries with a bounded,
jittered backoff until its ``lock_wait`` runs out, and only then raises a
:class:`~ordercore.errors.StorageError` that says what was waited for and for how long.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from ordercore.errors import StorageError

__all__ = ["is_busy", "retry_while_busy"]

T = TypeVar("T")

_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)
_FIRST_PAUSE_S = 0.001
_LONGEST_PAUSE_S = 0.05


def is_busy(error: sqlite3.Error) -> bool:
    """Whether ``error`` means another connection holds a lock we need."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return (int(code) & 0xFF) in _BUSY_CODES
    text = str(error)
    return "locked" in text or "busy" in text


def retry_while_busy(
    action: Callable[[], T], *, what: str, lock_wait_s: float, jitter: random.Random
) -> T:
    """Run ``action`` until it does not fail for a lock, for at most ``lock_wait_s`` seconds.

    Raises:
        StorageError: If the lock was still held by others after ``lock_wait_s``.
    """
    deadline = time.monotonic() + lock_wait_s
    pause = _FIRST_PAUSE_S
    while True:
        try:
            return action()
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            if time.monotonic() >= deadline:
                raise StorageError(
                    f"{what}: other connections held the database's lock for more than "
                    f"{lock_wait_s:g} s; try again later or raise lock_wait_s"
                ) from error
        # Jitter so that processes that woke together do not collide again.
        time.sleep(pause * (0.5 + jitter.random()))
        pause = min(pause * 2, _LONGEST_PAUSE_S)
