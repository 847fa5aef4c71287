"""Calling a carrier: outside any unit of work, under a time limit.

A carrier that hangs must not hang the desk. Each call runs in a daemon thread of its own and
the desk waits at most the policy's ``carrier_timeout`` for it; after that the call counts as
failed (the thread is left to finish or not: Python cannot stop it, and a daemon thread does not
keep the process alive). Because a timed-out purchase may still complete at the carrier, the
next attempt sends the same idempotency key, and the carrier answers with that label.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Generic, TypeVar

__all__ = ["CarrierTimeout", "call_with_timeout"]

T = TypeVar("T")


class CarrierTimeout(TimeoutError):
    """A carrier call did not answer in time."""


class _Outcome(Generic[T]):
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


def call_with_timeout(call: Callable[[], T], timeout: timedelta, *, name: str) -> T:
    """Run ``call`` in its own thread and return its result, or raise after ``timeout``.

    Raises:
        CarrierTimeout: If ``call`` did not finish in time.
        Exception: Whatever ``call`` raised.
    """
    outcome: _Outcome[T] = _Outcome()

    def run() -> None:
        try:
            outcome.value = call()
        except BaseException as exc:  # handed to the waiting thread, which raises it
            outcome.error = exc
        finally:
            outcome.done.set()

    worker = threading.Thread(target=run, name=f"ordercore-carrier-{name}", daemon=True)
    worker.start()
    if not outcome.done.wait(timeout.total_seconds()):
        raise CarrierTimeout(f"{name} did not answer within {timeout.total_seconds():g} s")
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[return-value]
