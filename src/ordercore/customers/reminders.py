"""Care reminders: birthday greetings and win-back nudges, as recurrence schedules.

Both are dateutil ``rrule`` schedules in the policy's time zone (the same
:class:`~ordercore.audit.plans.AuditSchedule` audit plans use): a birthday is a yearly rule on
the customer's day (29 February becomes the last day of February, so it is greeted every
year), and win-back is one rule for everybody, sending to customers whose RFM segment is one
of :attr:`ReminderPolicy.win_back_segments` at each occurrence.

Each reminder has an id made of its kind, the customer and the day it falls due; the desk keeps
the ids it has sent, so that a reminder goes to the outbox once, never twice, however often or
overlapping the runs. Only active customers who consented to the policy's purpose are reminded.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime

import attrs

from ordercore._texts import text_set
from ordercore.audit.plans import AuditSchedule
from ordercore.customers.model import Customer
from ordercore.errors import ValidationError

__all__ = ["Reminder", "ReminderKind", "ReminderPolicy", "birthday_schedule", "due_reminders"]


class ReminderKind(enum.Enum):
    """What a reminder is for; also the notification template's name."""

    BIRTHDAY = "birthday_greeting"
    WIN_BACK = "win_back"


@attrs.frozen(slots=True)
class Reminder:
    """One reminder that fell due.

    Attributes:
        id: ``"<kind>:<customer>:<day>"``; the same reminder always has the same id.
        kind: Birthday or win-back.
        customer_id: To whom.
        due_at: When it fell due (UTC).
    """

    id: str
    kind: ReminderKind
    customer_id: str
    due_at: datetime

    @classmethod
    def of(cls, kind: ReminderKind, customer_id: str, due_at: datetime) -> Reminder:
        """The reminder of ``kind`` for ``customer_id`` due at ``due_at``."""
        return cls(
            f"{kind.value}:{customer_id}:{due_at.date().isoformat()}", kind, customer_id, due_at
        )


def _hour(_: object, __: object, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        raise ValidationError("reminders.hour", "an hour of the day, 0 to 23")


def _segments(value: Iterable[str]) -> frozenset[str]:
    return text_set("win_back_segments", value)


@attrs.frozen(slots=True)
class ReminderPolicy:
    """Which reminders are sent, and when.

    Attributes:
        birthdays: Greet customers on their birthday.
        hour: The local hour birthday greetings go out.
        timezone: The IANA zone of ``hour`` and of the win-back schedule.
        win_back: The win-back schedule's RRULE (``None``: no win-back reminders).
        win_back_segments: RFM segments (see :data:`ordercore.analytics.CUSTOMER_SEGMENTS`)
            that get a win-back reminder.
        consent: The consent purpose a customer must have granted.
    """

    birthdays: bool = True
    hour: int = attrs.field(default=9, validator=_hour)
    timezone: str = "UTC"
    win_back: str | None = "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10"
    win_back_segments: frozenset[str] = attrs.field(
        default=frozenset({"at_risk", "cannot_lose"}), converter=_segments
    )
    consent: str = "marketing"
    _win_back: AuditSchedule | None = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        schedule = None if self.win_back is None else AuditSchedule(self.win_back, self.timezone)
        object.__setattr__(self, "_win_back", schedule)

    def win_back_schedule(self) -> AuditSchedule | None:
        """The win-back schedule, if there is one."""
        return self._win_back


def birthday_schedule(month: int, day: int, policy: ReminderPolicy) -> AuditSchedule:
    """The yearly schedule of a birthday on ``month``/``day`` at the policy's hour."""
    on_day = "-1" if (month, day) == (2, 29) else str(day)
    rule = f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={on_day};BYHOUR={policy.hour};BYMINUTE=0"
    return AuditSchedule(rule, policy.timezone, datetime(2000, 1, 1))


def due_reminders(
    customers: Iterable[Customer],
    segments: Mapping[str, str],
    *,
    after: datetime,
    until: datetime,
    policy: ReminderPolicy,
) -> list[Reminder]:
    """Reminders falling due in ``(after, until]``, oldest first, then by customer.

    Args:
        customers: The customers to look at (inactive ones and those without consent are
            skipped).
        segments: Customer id to RFM segment, for win-back.
        after: The end of the previous run.
        until: Now.
        policy: What to send and when.
    """
    eligible = [c for c in customers if c.is_active and c.consented(policy.consent)]
    due: list[Reminder] = []
    if policy.birthdays:
        by_day: dict[tuple[int, int], list[str]] = {}
        for customer in eligible:
            if customer.birthday is not None:
                key = (customer.birthday.month, customer.birthday.day)
                by_day.setdefault(key, []).append(customer.id)
        # One schedule per calendar day, not per customer: at most 366 rules to walk.
        for (month, day), ids in sorted(by_day.items()):
            for instant in birthday_schedule(month, day, policy).occurrences(after, until):
                due.extend(Reminder.of(ReminderKind.BIRTHDAY, cid, instant) for cid in ids)
    schedule = policy.win_back_schedule()
    if schedule is not None:
        wanted = [c.id for c in eligible if segments.get(c.id) in policy.win_back_segments]
        for instant in schedule.occurrences(after, until):
            due.extend(Reminder.of(ReminderKind.WIN_BACK, cid, instant) for cid in wanted)
    due.sort(key=lambda r: (r.due_at, r.customer_id, r.kind.value))
    return due
