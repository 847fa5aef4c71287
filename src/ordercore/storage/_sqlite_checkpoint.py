"""WAL checkpoints off the command path.

In WAL mode a commit appends pages to the ``-wal`` file; a checkpoint copies them back into the
database file and, with ``synchronous=NORMAL``, is the one moment SQLite calls ``fsync``. Left to
SQLite (``wal_autocheckpoint``), the commit that crosses the threshold runs the checkpoint itself,
and that one command waits tens of milliseconds. Here the storage turns automatic checkpoints off
for its own connection and a background thread, with a connection of its own, runs
checkpoints instead: every ``every_commits`` commits and at least once a second.

Each round starts with a ``PASSIVE`` checkpoint while commands keep running: it never waits
for a lock, never blocks readers or writers, and SQLite releases the GIL while it copies pages
and syncs, so this, the bulk of the work, is off the command path. But the WAL file can only
start over from its beginning when a checkpoint has copied *every* frame before the next write
begins, which never happens while writes continue; left at that, the WAL would grow without
end. So once the WAL holds ``restart_frames`` frames (16 MiB of 4 KiB pages by default), a
second step holds the storage's own lock (no unit of work of this storage runs) and checkpoints
the few frames written meanwhile; the next unit of work then rewinds the WAL. That step waits
for two ``fsync`` calls while commands wait for it, which is why it does not run every round.

Several processes on one file each run their checkpointer; a checkpoint that finds another one
running simply does nothing this time. The storage also keeps SQLite's own automatic
checkpoint, at a high threshold, as a safety net.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

__all__ = ["Checkpointer"]

_LOGGER_NAME = "ordercore.storage"


class Checkpointer:
    """A daemon thread that checkpoints one database file's WAL; stop it with :meth:`stop`.

    Args:
        path: The database file.
        quiet: Held while the WAL is made to start over (the storage's unit-of-work lock).
        every_commits: A round after this many :meth:`committed` calls...
        interval_s: ...or after this many seconds, whichever comes first.
        restart_frames: The WAL size, in frames, from which a round makes it start over.
        each_round: Called at the start of every round, in the thread (the storage writes its
            rows behind their journal there).

    Attributes:
        checkpoints: Rounds run.
        restarts: Rounds that made the WAL start over.
    """

    def __init__(
        self,
        path: str,
        quiet: AbstractContextManager[object],
        *,
        every_commits: int = 500,
        interval_s: float = 1.0,
        restart_frames: int = 4096,
        each_round: Callable[[], None] | None = None,
    ) -> None:
        self._path = path
        self._each_round = each_round
        self._quiet = quiet
        self._every = every_commits
        self._restart_frames = restart_frames
        self._interval = interval_s
        self._commits = 0
        self._wake = threading.Event()
        self._stopping = False
        self.checkpoints = 0
        self.restarts = 0
        self._thread = threading.Thread(
            target=self._run, name=f"ordercore-checkpoint {path}", daemon=True
        )
        self._thread.start()

    def committed(self) -> None:
        """Count one commit; wake the thread every ``every_commits``."""
        self._commits += 1
        if self._commits >= self._every:
            self._commits = 0
            self._wake.set()

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stopping:
                self._wake.wait(self._interval)
                self._wake.clear()
                if self._each_round is not None and not self._stopping:
                    try:
                        self._each_round()
                    except Exception:  # the hook's failure must not end the checkpoints
                        logging.getLogger(_LOGGER_NAME).warning(
                            "%s: a checkpoint round's hook failed", self._path, exc_info=True
                        )
                try:
                    _, frames, _ = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if frames >= self._restart_frames or self._stopping:
                        with self._quiet:
                            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                        self.restarts += 1
                    self.checkpoints += 1
                except sqlite3.Error:
                    # Busy or locked: another checkpoint is running; the next round catches up.
                    continue
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop the thread after one last checkpoint."""
        self._stopping = True
        self._wake.set()
        self._thread.join()
