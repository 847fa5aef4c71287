"""The checkpointer: rounds off the command path; the WAL made to start over when it is large."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from ordercore.storage._sqlite_checkpoint import Checkpointer


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class _CountingLock:
    """The storage's lock as the checkpointer holds it, counting how often it was taken."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.taken = 0

    def __enter__(self) -> None:
        self._lock.acquire()
        self.taken += 1

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def _rounds_done(checkpointer: Checkpointer, count: int) -> Callable[[], bool]:
    return lambda: checkpointer.checkpoints >= count


def _rounds(path: Path, restart_frames: int, rounds: int) -> tuple[Checkpointer, int, int]:
    """Commit ``rounds`` batches of ten 3 KB rows, a round after each.

    Returns the checkpointer, how often it took the lock before it was stopped, and how many
    times its hook ran.
    """
    quiet = _CountingLock()
    hooks: list[int] = []
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute("CREATE TABLE pages (body BLOB)")
        checkpointer = Checkpointer(
            str(path),
            quiet,
            every_commits=10,
            interval_s=60,
            restart_frames=restart_frames,
            each_round=lambda: hooks.append(1),
        )
        try:
            for done in range(1, rounds + 1):
                for _ in range(10):
                    connection.execute("INSERT INTO pages VALUES (?)", (b"x" * 3000,))
                    checkpointer.committed()
                assert _wait_for(_rounds_done(checkpointer, done))
            taken = quiet.taken
        finally:
            checkpointer.stop()
    return checkpointer, taken, len(hooks)


def test_a_round_makes_the_wal_start_over_once_it_holds_the_restart_frames(
    tmp_path: Path,
) -> None:
    # Ten commits of a 3 KB row add ten frames or more: every round reaches 10 frames.
    checkpointer, taken, hooks = _rounds(tmp_path / "a.db", restart_frames=10, rounds=5)
    assert taken >= 5
    assert checkpointer.restarts >= taken
    assert hooks >= 5


def test_a_round_below_the_restart_frames_only_copies_pages_without_the_lock(
    tmp_path: Path,
) -> None:
    checkpointer, taken, hooks = _rounds(tmp_path / "b.db", restart_frames=10**6, rounds=5)
    assert taken == 0
    assert checkpointer.checkpoints >= 5
    assert checkpointer.restarts == 1  # the round that stops it leaves the WAL to start over
    assert hooks >= 5


def test_a_failing_hook_is_logged_and_the_rounds_go_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.db"

    def broken() -> None:
        raise RuntimeError("no rows today")

    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE pages (body BLOB)")
        checkpointer = Checkpointer(
            str(path), _CountingLock(), every_commits=1, interval_s=60, each_round=broken
        )
        try:
            for done in range(1, 4):
                connection.execute("INSERT INTO pages VALUES (?)", (b"x",))
                checkpointer.committed()
                assert _wait_for(_rounds_done(checkpointer, done))
        finally:
            checkpointer.stop()
    assert "a checkpoint round's hook failed" in caplog.text
