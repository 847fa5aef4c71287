"""desk.outbox.requeue: an operator puts dead messages back in the queue once the cause is fixed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercore import (
    Actor,
    CommandContext,
    DeskConfig,
    ManualClock,
    NotFound,
    OrderDesk,
    OutboxPolicy,
    OutboxStatus,
    PermissionDenied,
    SequentialIds,
    ValidationError,
)
from ordercore.testing import RecordingNotifier

OPERATOR = Actor("u-ops", roles={"operator"})
REASON = "SMTP credentials renewed"


def _open(url: str, mailer: RecordingNotifier, clock: ManualClock, **config: object) -> OrderDesk:
    policy = OutboxPolicy(max_attempts=2, first_retry=timedelta(minutes=1))
    return OrderDesk.open(
        url,
        plugins=[mailer],
        clock=clock,
        ids=SequentialIds(),
        config=DeskConfig(outbox=policy, **config),  # type: ignore[arg-type]
        entry_points=False,
    )


def _remind(desk: OrderDesk, invoice: str) -> None:
    def handler(ctx: CommandContext) -> None:
        ctx.notify("reminder", channel="email", recipient="ada@example.com", data={"i": invoice})

    desk.execute(handler, action="invoice.remind", actor=OPERATOR)


def _kill(desk: OrderDesk, clock: ManualClock) -> None:
    """Let every pending delivery fail until it is dead."""
    for _ in range(3):
        clock.advance(minutes=10)
        desk.outbox.dispatch()


@pytest.fixture(params=["memory://", "sqlite://:memory:"])
def url(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_requeued_message_is_delivered_once_the_cause_is_fixed(url: str) -> None:
    clock = ManualClock()
    mailer = RecordingNotifier("mailer", fail_first=2)
    with _open(url, mailer, clock) as desk:
        _remind(desk, "inv-1")
        _kill(desk, clock)
        (dead,) = [m for m in desk.outbox.dead() if m.destination == "notifier:mailer"]
        assert dead.attempts == 2
        again = desk.outbox.requeue(dead.id, actor=OPERATOR, reason=REASON)
        # Tried at once (dispatch after commit) and delivered, under the same message id.
        assert again.id == dead.id
        assert [n.message_id for n in mailer.received] == [dead.id]
        assert [m.id for m in desk.outbox.delivered() if m.id == dead.id] == [dead.id]
        (entry,) = [e for e in desk.audit.journal() if e.stream_type == "outbox_requeue"]
        assert (entry.actor, entry.reason, entry.payload["message_id"]) == (
            "u-ops",
            REASON,
            dead.id,
        )
        assert entry.payload["attempts"] == 2
        assert desk.audit.verify_journal().ok


def test_requeue_dead_takes_every_dead_message_of_a_destination(url: str) -> None:
    clock = ManualClock()
    mailer = RecordingNotifier("mailer", fail_first=100)
    with _open(url, mailer, clock, dispatch_after_commit=False) as desk:
        for invoice in ("inv-1", "inv-2"):
            _remind(desk, invoice)
        desk.outbox.dispatch()  # the log notifier's deliveries succeed
        _kill(desk, clock)
        assert len(desk.outbox.dead()) == 2
        none = desk.outbox.requeue_dead(actor=OPERATOR, reason=REASON, destination="notifier:other")
        assert none == []
        requeued = desk.outbox.requeue_dead(actor=OPERATOR, reason=REASON)
        assert [m.attempts for m in requeued] == [0, 0]
        assert desk.outbox.dead() == []
        assert [m.id for m in desk.outbox.pending()] == [m.id for m in requeued]
        assert all(m.status is OutboxStatus.PENDING for m in requeued)


@pytest.mark.parametrize(
    ("message", "reason", "error", "field"),
    [
        ("delivered", REASON, ValidationError, "message_id"),
        ("missing", REASON, NotFound, None),
        ("dead", "", ValidationError, "reason"),
        ("dead", None, ValidationError, "reason"),
    ],
)
def test_bad_requeues_are_refused_and_write_nothing(
    message: str, reason: object, error: type[Exception], field: str | None
) -> None:
    clock = ManualClock()
    mailer = RecordingNotifier("mailer", fail_first=100)
    with _open("memory://", mailer, clock) as desk:
        _remind(desk, "inv-1")
        _kill(desk, clock)
        ids = {
            "dead": desk.outbox.dead()[0].id,
            "delivered": desk.outbox.delivered()[0].id,
            "missing": "msg_nope",
        }
        head = desk.audit.head()
        with pytest.raises(error) as refused:
            desk.outbox.requeue(ids[message], actor=OPERATOR, reason=reason)  # type: ignore[arg-type]
        if field is not None:
            assert getattr(refused.value, "field", None) == field
        assert desk.audit.head() == head
        assert len(desk.outbox.dead()) == 1


def test_requeue_needs_the_roles_the_config_requires() -> None:
    clock = ManualClock()
    mailer = RecordingNotifier("mailer", fail_first=100)
    roles = {"outbox.requeue": frozenset({"admin"})}
    with _open("memory://", mailer, clock, required_roles=roles) as desk:
        _remind(desk, "inv-1")
        _kill(desk, clock)
        (dead,) = desk.outbox.dead()
        with pytest.raises(PermissionDenied):
            desk.outbox.requeue(dead.id, actor=OPERATOR, reason=REASON)
        with pytest.raises(PermissionDenied):  # authorization first, before the input
            desk.outbox.requeue(dead.id, actor=OPERATOR, reason="")
        assert desk.outbox.dead() == [dead]
