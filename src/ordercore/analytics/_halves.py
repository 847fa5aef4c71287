"""Reading a large CSV file in two halves at once, the second one in a forked process.

Used by ``rfm_from_csv(..., workers=2)``. Only a path to a file of at least :data:`MIN_BYTES`
is split, on a platform with ``os.fork``, and only while the calling process runs one thread
(forking a threaded process can leave the child waiting on a lock no thread will release).
Otherwise the caller reads the whole file itself.

The child reads from the first line after the middle of the file to its end, with the header
line put in front so that the scanner reads it as a file of its own, and sends back what it
folded as JSON bytes through a pipe (never pickle). When the child fails for any reason the
caller gets ``None`` and reads that half itself, so that errors surface as in one process.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import IO, cast

import attrs

__all__ = ["MIN_BYTES", "Child", "Half", "Split", "fork", "split"]

MIN_BYTES = 8 << 20
"""Files smaller than this are read in one process: forking would cost more than it saves."""


@attrs.frozen(slots=True)
class Split:
    """Where a file is cut: the header line, where the rows start, the middle line, the end."""

    path: str
    header: bytes
    start: int
    middle: int
    end: int

    def first(self) -> AbstractContextManager[IO[bytes]]:
        """The header and the first half of the rows, as a binary file."""
        return _opened(Half(self.path, self.header, self.start, self.middle))

    def second(self) -> AbstractContextManager[IO[bytes]]:
        """The header and the second half of the rows, as a binary file."""
        return _opened(Half(self.path, self.header, self.middle, self.end))

    def lines_in_first(self) -> int:
        """How many lines the first half holds (to number the second half's lines)."""
        lines = 0
        with open(self.path, "rb") as stream:
            stream.seek(self.start)
            left = self.middle - self.start
            while left > 0:
                chunk = stream.read(min(left, 1 << 20))
                if not chunk:
                    break
                lines += chunk.count(b"\n")
                left -= len(chunk)
        return lines


def split(source: object, workers: int) -> Split | None:
    """How to cut ``source`` in two, or ``None`` when it is to be read in one process."""
    if workers < 2 or not isinstance(source, str | os.PathLike):
        return None
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return None
    path = os.fspath(source)
    if not isinstance(path, str) or not os.path.isfile(path):
        return None
    end = os.path.getsize(path)
    if end < MIN_BYTES:
        return None
    with open(path, "rb") as stream:
        header = stream.readline()
        start = stream.tell()
        stream.seek(start + (end - start) // 2)
        stream.readline()  # to the start of the next line
        middle = stream.tell()
    if not header.endswith(b"\n") or middle >= end:
        return None
    return Split(path, header, start, middle, end)


@contextmanager
def _opened(half: Half) -> Iterator[IO[bytes]]:
    try:
        yield cast("IO[bytes]", half)  # the scanner calls nothing but readline() and read()
    finally:
        half.close()


class Half:
    """A binary file-like object: the header line, then bytes ``start`` to ``end`` of a file."""

    def __init__(self, path: str, header: bytes, start: int, end: int) -> None:
        self._stream: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._stream.seek(start)
        self._header = header
        self._left = end - start

    def readline(self) -> bytes:
        """The header line (the scanner reads it first)."""
        header, self._header = self._header, b""
        return header

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the half (all that is left when ``size`` is negative)."""
        if size == 0 or self._left <= 0:
            return b""
        wanted = self._left if size < 0 else min(size, self._left)
        data = self._stream.read(wanted)
        self._left -= len(data)
        return data

    def close(self) -> None:
        """Close the file."""
        self._stream.close()


class Child:
    """A forked process computing bytes; :meth:`result` waits for them."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd = fd
        self._done = False

    def result(self) -> bytes | None:
        """The child's bytes, or ``None`` if it failed."""
        with os.fdopen(self._fd, "rb") as stream:
            data = stream.read()
        self._done = True
        _, status = os.waitpid(self._pid, 0)
        return data if os.waitstatus_to_exitcode(status) == 0 else None

    def __enter__(self) -> Child:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if not self._done:  # the caller failed first: stop the child and reap it
            os.close(self._fd)
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)


def fork(work: Callable[[], bytes]) -> Child:
    """Run ``work`` in a forked child process; its bytes come back through a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; coverage does not follow it
        os.close(read_end)
        code = 1
        try:
            payload = work()
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            code = 0
        except BaseException:  # noqa: S110 - any failure: the parent reads this half
            pass
        finally:
            os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
    os.close(write_end)
    return Child(pid, read_end)
