"""One unit of work at a time per storage object, and a clear error instead of a self-deadlock."""

from __future__ import annotations

import threading

from ordercore.errors import StorageError

__all__ = ["UnitOfWorkGate"]


class UnitOfWorkGate:
    """The lock a storage's units of work take, remembering which thread holds it.

    A thread that opens a second unit of work while it holds one would wait for itself forever;
    :meth:`enter` refuses that with a :class:`StorageError` instead.
    """

    __slots__ = ("_holder", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._holder: int | None = None

    def enter(self) -> None:
        """Take the lock for this thread.

        Raises:
            StorageError: If this thread already holds it.
        """
        me = threading.get_ident()
        if self._holder == me:
            raise StorageError(
                "a unit of work is already open in this thread; nested units of work would "
                "deadlock (finish the outer one first)"
            )
        self.lock.acquire()
        self._holder = me

    def leave(self) -> None:
        """Give the lock back."""
        self._holder = None
        self.lock.release()
