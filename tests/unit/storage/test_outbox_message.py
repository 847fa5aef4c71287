"""An outbox message's attempts: what a delivery and a failure change, the same in every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ordercore.storage.ports import OutboxMessage, OutboxStatus

AT = datetime(2025, 3, 3, 9, tzinfo=UTC)
CLAIMED = OutboxMessage(
    "m1", "notifier:log", "hello", {}, AT, AT, attempts=1, claimed_until=AT + timedelta(minutes=5)
)


def test_a_delivery_counts_the_attempt_and_releases_the_claim() -> None:
    failed_before = CLAIMED.failed("timeout", AT, dead=False)
    done = failed_before.delivered(AT + timedelta(seconds=3))
    assert done.status is OutboxStatus.DELIVERED
    assert done.attempts == 3
    assert done.delivered_at == AT + timedelta(seconds=3)
    assert done.claimed_until is None
    assert done.last_error is None
    assert (done.id, done.destination, done.payload) == (
        CLAIMED.id,
        CLAIMED.destination,
        CLAIMED.payload,
    )


def test_a_failure_schedules_the_next_attempt_or_gives_up() -> None:
    later = AT + timedelta(minutes=1)
    retried = CLAIMED.failed("connection refused", later, dead=False)
    assert (retried.status, retried.attempts, retried.next_attempt_at) == (
        OutboxStatus.PENDING,
        2,
        later,
    )
    assert retried.claimed_until is None
    assert retried.last_error == "connection refused"
    assert CLAIMED.failed("gone", later, dead=True).status is OutboxStatus.DEAD
    assert CLAIMED.attempts == 1  # the original is left alone
