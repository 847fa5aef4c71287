"""Care reminders: birthday schedules (leap days included), win-back, consent, no repeats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ordercore.customers import (
    Consent,
    Customer,
    CustomerStatus,
    ReminderKind,
    ReminderPolicy,
    due_reminders,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _customer(cid: str, birthday: date | None = None, *, consent: bool = True) -> Customer:
    return Customer(
        cid, "Ada", T0, birthday=birthday, consents=(Consent("marketing", consent, T0),)
    )


def test_a_birthday_is_due_once_a_year_at_the_policy_hour() -> None:
    policy = ReminderPolicy(win_back=None, hour=9, timezone="Europe/Berlin")
    ada = _customer("c1", date(1990, 6, 15))

    due = due_reminders([ada], {}, after=T0, until=T0 + timedelta(days=800), policy=policy)

    assert [r.due_at for r in due] == [
        datetime(2024, 6, 15, 7, tzinfo=UTC),
        datetime(2025, 6, 15, 7, tzinfo=UTC),
    ]
    assert due[0].id == "birthday_greeting:c1:2024-06-15"
    assert due[0].kind is ReminderKind.BIRTHDAY


def test_a_leap_day_birthday_is_greeted_on_the_last_day_of_february() -> None:
    policy = ReminderPolicy(win_back=None)
    leap = _customer("c1", date(2000, 2, 29))

    due = due_reminders([leap], {}, after=T0, until=T0 + timedelta(days=3 * 366), policy=policy)

    assert [r.due_at.date() for r in due] == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
    ]


def test_win_back_goes_to_at_risk_segments_at_each_occurrence() -> None:
    policy = ReminderPolicy(birthdays=False, win_back="FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10")
    customers = [_customer("c1"), _customer("c2"), _customer("c3")]
    segments = {"c1": "at_risk", "c2": "champions", "c3": "cannot_lose"}

    due = due_reminders(customers, segments, after=T0, until=T0 + timedelta(days=40), policy=policy)

    assert [(r.customer_id, r.due_at.date()) for r in due] == [
        ("c1", date(2024, 1, 1)),
        ("c3", date(2024, 1, 1)),
        ("c1", date(2024, 2, 1)),
        ("c3", date(2024, 2, 1)),
    ]


def test_customers_without_consent_or_inactive_get_nothing() -> None:
    policy = ReminderPolicy(win_back=None)
    no = _customer("c1", date(1990, 1, 2), consent=False)
    gone = Customer(
        "c2", "X", T0, birthday=date(1990, 1, 2), status=CustomerStatus.ANONYMIZED,
        consents=(Consent("marketing", True, T0),),
    )  # fmt: skip

    assert (
        due_reminders([no, gone], {}, after=T0, until=T0 + timedelta(days=5), policy=policy) == []
    )


def test_reminder_windows_are_half_open_so_adjacent_runs_never_overlap() -> None:
    policy = ReminderPolicy(win_back=None)
    ada = _customer("c1", date(1990, 1, 2))
    edge = datetime(2024, 1, 2, 9, tzinfo=UTC)

    first = due_reminders([ada], {}, after=T0, until=edge, policy=policy)
    second = due_reminders([ada], {}, after=edge, until=edge + timedelta(days=1), policy=policy)

    assert len(first) == 1
    assert second == []
