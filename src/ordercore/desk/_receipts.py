"""Records of deliveries made right after a commit, written with a later command's unit of work.

A command that queues a notification commits it claimed by the desk, the desk delivers it, and
the delivery must then be recorded, or a worker would deliver the message again once its claim
runs out. Recording it in a unit of work of its own costs as much as a small command (on SQLite
a whole transaction). So the record waits for the next command that writes outbox messages
itself: that command's commit changes the outbox's last pages anyway, where a command writing
no message would add those pages to its commit only for the record. A timer writes what is
still waiting when the policy's delay runs out (a desk whose commands send nothing, or an idle
one), and closing the desk writes the rest. A process that dies in between leaves its messages
claimed until the lease ends, after which a worker delivers them again: at least once, as
before, with a wider window for the repeat.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from ordercore.errors import NotFound
from ordercore.storage.ports import Storage, UnitOfWork

__all__ = ["DeliveryReceipts", "Receipt"]

Receipt = tuple[str, datetime]
"""A message id and when it was delivered."""

_NOTHING: Final[tuple[Receipt, ...]] = ()
_LOGGER_NAME: Final = "ordercore.outbox"


class DeliveryReceipts:
    """Deliveries waiting to be recorded as delivered; one per desk, shared by its threads.

    Args:
        storage: Where the timer writes what waits too long.
        delay: How long a receipt may wait for a unit of work (positive).
    """

    def __init__(self, storage: Storage, delay: timedelta) -> None:
        self._storage = storage
        self._delay_s = delay.total_seconds()
        self._lock = threading.Lock()
        self._waiting: list[Receipt] = []
        self._timer: threading.Timer | None = None
        self._closed = False

    def hold(self, receipts: Sequence[Receipt]) -> None:
        """Keep receipts for a later unit of work; start the timer if none runs."""
        with self._lock:
            self._waiting.extend(receipts)
            if self._timer is None and not self._closed:
                timer = threading.Timer(self._delay_s, self._on_timer)
                timer.daemon = True
                self._timer = timer
                timer.start()

    def write_into(self, uow: UnitOfWork) -> Sequence[Receipt]:
        """Mark every waiting delivery in ``uow``; return them, to hold again on rollback.

        The unit of work's outbox is not touched when nothing waits (most commands write no
        message, and a backend may set its outbox up on first use). If marking fails, the
        receipts are held again before the error goes on.
        """
        if not self._waiting:  # the common case, without the lock
            return _NOTHING
        with self._lock:
            taken, self._waiting = self._waiting, []
        try:
            outbox = uow.outbox
            for message_id, at in taken:
                try:
                    outbox.mark_delivered(message_id, at)
                except NotFound:
                    continue  # gone meanwhile (another process purged it): nothing to mark
        except BaseException:
            self.give_back(taken)
            raise
        return taken

    def give_back(self, receipts: Sequence[Receipt]) -> None:
        """Put receipts taken by a unit of work that rolled back in front of the queue."""
        if receipts:
            with self._lock:
                self._waiting[:0] = list(receipts)

    def flush(self) -> None:
        """Write every waiting receipt now, in a unit of work of its own (if any wait)."""
        if not self._waiting:
            return
        taken: Sequence[Receipt] = _NOTHING
        try:
            with self._storage.unit_of_work() as uow:
                taken = self.write_into(uow)
        except BaseException:
            self.give_back(taken)
            raise

    def close(self) -> None:
        """Stop the timer and write what waits; later receipts are written at once."""
        with self._lock:
            self._closed = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join()
        self.flush()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
        try:
            self.flush()
        except Exception:
            # Nothing is lost: the receipts are back in the queue for a later unit of work or
            # timer; and should none come, the lease runs out and a worker delivers again.
            logging.getLogger(_LOGGER_NAME).warning(
                "could not record deliveries yet; will try again", exc_info=True
            )
            with self._lock:
                retry = self._timer is None and not self._closed and bool(self._waiting)
            if retry:
                self.hold([])
