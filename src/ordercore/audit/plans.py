"""Audit plans: which checks run, on what schedule, over which orders, for whom.

A schedule is an RFC 5545 recurrence rule read by python-dateutil (``FREQ=WEEKLY;BYDAY=MO,TU,
WE,TH,FR;BYHOUR=6``) in the plan's time zone. The rule produces wall-clock times, so 06:00
stays 06:00 local across daylight-saving changes. A wall time that does not exist that day (the
clocks jumped over it) falls due when the clocks have moved on, at the same instant as the
time one gap-length later; a wall time that happens twice (the clocks went back) falls due the
first time only.

A run covers every occurrence up to the moment it ran, so a plan that missed several runs is
due once, since the first one it missed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from dateutil.rrule import rrule, rrulestr

from ordercore.clock import ensure_aware_utc
from ordercore.errors import ValidationError
from ordercore.orders.model import Order, OrderStatus

__all__ = ["AuditPlan", "AuditSchedule", "DuePlan", "OrderScope"]

# A wall time and the instant it names differ by the zone's offset, which is somewhere between
# UTC-12 and UTC+14. Searching wall times this much either side of a window finds every
# occurrence whose instant falls inside it, whatever the offsets at both ends.
_OFFSET_MARGIN = timedelta(hours=27)
# A wall time in the plan's zone, so naive on purpose. dateutil walks a rule from its start
# on every query, so the default is recent rather than the distant past.
_DEFAULT_START = datetime(2024, 1, 1)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("schedule.timezone", f"unknown time zone {name!r}") from exc


def _parse_rule(text: str, start: datetime) -> rrule:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("schedule.rule", "give an RRULE such as 'FREQ=DAILY;BYHOUR=6'")
    try:
        rule = rrulestr(text.removeprefix("RRULE:"), dtstart=start)
    except (ValueError, TypeError) as exc:
        raise ValidationError("schedule.rule", f"not a recurrence rule: {exc}") from exc
    if not isinstance(rule, rrule):
        raise ValidationError("schedule.rule", "give one RRULE, not a set")
    return rule


def _wall_start(value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError("schedule.start", "give a datetime")
    if value.tzinfo is not None:
        raise ValidationError("schedule.start", "give a wall time in the schedule's time zone")
    return value


@attrs.frozen(slots=True)
class AuditSchedule:
    """When a plan runs: a recurrence rule in a time zone.

    Attributes:
        rule: An RRULE (``"FREQ=MONTHLY;BYDAY=1MO;BYHOUR=6"``: the first Monday of the month at
            06:00). Minutes and seconds not given are taken from ``start``.
        timezone: The IANA zone the rule's wall times are in (``"Europe/Berlin"``).
        start: The first wall time the rule may produce (naive, in ``timezone``); it also
            anchors ``INTERVAL`` rules (every 4 hours counts from here).

    Raises:
        ValidationError: For a rule dateutil cannot read, an unknown zone or an aware start.
    """

    rule: str
    timezone: str = "UTC"
    start: datetime = attrs.field(default=_DEFAULT_START, converter=_wall_start)
    _zone: ZoneInfo = attrs.field(init=False, repr=False, eq=False)
    _rrule: rrule = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_zone", _zone(self.timezone))
        object.__setattr__(self, "_rrule", _parse_rule(self.rule, self.start))

    def instant(self, wall: datetime) -> datetime:
        """The UTC instant of a wall time the rule produced (see the module note on DST)."""
        return wall.replace(tzinfo=self._zone, fold=0).astimezone(UTC)

    def _wall(self, moment: datetime) -> datetime:
        return moment.astimezone(self._zone).replace(tzinfo=None)

    def occurrences(self, after: datetime, until: datetime) -> Iterator[datetime]:
        """Yield the instants (UTC) of occurrences in ``(after, until]``, oldest first."""
        after, until = ensure_aware_utc(after), ensure_aware_utc(until)
        if until <= after:
            return
        low = self._wall(after) - _OFFSET_MARGIN
        high = self._wall(until) + _OFFSET_MARGIN
        instants = []
        for wall in self._rrule.xafter(low, inc=True):
            if wall > high:
                break
            instant = self.instant(wall)
            if after < instant <= until:
                instants.append(instant)
        # A wall time skipped by the clocks lands an hour later and may meet the next
        # occurrence: one run, in time order.
        yield from sorted(set(instants))

    def next_after(self, moment: datetime) -> datetime | None:
        """The first occurrence after ``moment`` (UTC), or ``None`` if the rule has ended."""
        moment = ensure_aware_utc(moment)
        best: datetime | None = None
        stop: datetime | None = None
        for wall in self._rrule.xafter(self._wall(moment) - _OFFSET_MARGIN, inc=True):
            if stop is not None and wall > stop:
                break
            instant = self.instant(wall)
            if instant > moment and (best is None or instant < best):
                # A later wall time can name an earlier instant only within the offset range.
                best, stop = instant, wall + _OFFSET_MARGIN
        return best

    def due(self, covered_until: datetime | None, now: datetime) -> tuple[datetime, ...]:
        """The occurrences in ``(covered_until, now]``; all since ``start`` when never run."""
        if covered_until is None:
            covered_until = self.instant(self.start) - _OFFSET_MARGIN
        return tuple(self.occurrences(covered_until, now))


def _statuses(value: object) -> frozenset[OrderStatus]:
    items = frozenset(value) if isinstance(value, (set, frozenset, list, tuple)) else None
    if items is None or not all(isinstance(item, OrderStatus) for item in items):
        raise ValidationError("scope.statuses", "give a set of OrderStatus values")
    return items


def _words(field: str, value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, (set, frozenset, list, tuple)):
        raise ValidationError(field, "give a set of names")
    if not all(isinstance(item, str) and item for item in value):
        raise ValidationError(field, "names must be non-empty strings")
    return frozenset(value)


def _channels(value: object) -> frozenset[str]:
    return _words("scope.channels", value)


def _queues(value: object) -> frozenset[str]:
    return _words("scope.queues", value)


@attrs.frozen(slots=True)
class OrderScope:
    """Which orders a plan looks at; an empty set means no restriction.

    Attributes:
        statuses: Only orders in these states.
        channels: Only orders from these channels.
        queues: Only orders in these work queues.
        placed_since: Only orders placed at or after this time (``placed_within`` of the
            sweep's ``now`` also works, and is what a recurring plan usually wants).
        placed_within: Only orders placed within this long before the sweep.
    """

    statuses: frozenset[OrderStatus] = attrs.field(default=frozenset(), converter=_statuses)
    channels: frozenset[str] = attrs.field(
        default=frozenset(),
        converter=_channels,
    )
    queues: frozenset[str] = attrs.field(
        default=frozenset(),
        converter=_queues,
    )
    placed_since: datetime | None = None
    placed_within: timedelta | None = None

    @property
    def is_everything(self) -> bool:
        """Whether the scope leaves every order in."""
        return not (
            self.statuses or self.channels or self.queues or self.placed_since or self.placed_within
        )

    def includes(self, order: Order, now: datetime) -> bool:
        """Whether ``order`` is in scope for a sweep at ``now``."""
        placed = order.milestones.placed_at
        return (
            (not self.statuses or order.status in self.statuses)
            and (not self.channels or order.channel in self.channels)
            and (not self.queues or order.queue in self.queues)
            and (self.placed_since is None or placed >= self.placed_since)
            and (self.placed_within is None or placed >= now - self.placed_within)
        )


def _code(value: object) -> str:
    if not isinstance(value, str) or not value or not value.replace("-", "").isalnum():
        raise ValidationError("plan.code", "a short name of letters, digits and dashes")
    return value


def _check_codes(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValidationError("plan.checks", "give the check codes as a list")
    if not all(isinstance(code, str) and code for code in value):
        raise ValidationError("plan.checks", "check codes are non-empty strings")
    return tuple(value)


@attrs.frozen(slots=True)
class AuditPlan:
    """A recurring audit: which checks, when, over which orders, and who hears about it.

    Attributes:
        code: Unique name of the plan (``"nightly"``); its runs are recorded under it.
        schedule: When it is due.
        owner: Who receives the findings (an e-mail address, a phone number, a team inbox).
        owner_channel: How they receive them (``"email"``, ``"sms"``, ...).
        checks: Codes of the checks to run; empty means every check the desk knows.
        scope: Which orders.
        deep: Re-verify the whole journal and replay every order each time, instead of what
            changed since the last clean run (costly on a large store; for a weekly plan).
        description: What the plan is for, for people.
    """

    code: str = attrs.field(converter=_code)
    schedule: AuditSchedule = attrs.field()
    owner: str = attrs.field()
    owner_channel: str = "email"
    checks: tuple[str, ...] = attrs.field(default=(), converter=_check_codes)
    scope: OrderScope = attrs.Factory(OrderScope)
    deep: bool = False
    description: str = ""

    @schedule.validator
    def _check_schedule(self, _: attrs.Attribute[AuditSchedule], value: AuditSchedule) -> None:
        if not isinstance(value, AuditSchedule):
            raise ValidationError("plan.schedule", "give an AuditSchedule")

    @owner.validator
    def _check_owner(self, _: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError("plan.owner", "name who receives the findings")


@attrs.frozen(slots=True)
class DuePlan:
    """A plan that is due, and since when.

    Attributes:
        plan: The plan.
        since: The first occurrence not yet covered by a run.
        latest: The newest occurrence at or before ``now``.
        missed: How many occurrences fell due since the last run (one run covers them all).
    """

    plan: AuditPlan
    since: datetime
    latest: datetime
    missed: int
