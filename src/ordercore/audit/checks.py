"""The contract of an audit check: what it is given, and what it reports.

An audit sweep runs checks over stored records. A check gets an :class:`AuditScope` (a read-only
view of the records the sweep covers, taken at one moment) and the sweep's ``now``, and yields
:class:`AuditFinding` values: the object, what is wrong, how bad it is and what to do about it.
Checks never write and never read the clock; the desk takes the snapshot and records the run.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

import attrs

from ordercore.audit.journal import JournalEntry, JournalHead
from ordercore.errors import ValidationError
from ordercore.kinds import A, AggregateKind
from ordercore.orders.model import Order
from ordercore.serialization import JSONValue

__all__ = [
    "AuditCheck",
    "AuditFinding",
    "AuditScope",
    "Severity",
    "changed_streams",
    "overdue_severity",
]


class Severity(enum.Enum):
    """How urgently a finding needs a person, lowest first.

    ``INFO``: worth knowing; ``WARNING``: will hurt a customer if left; ``ERROR``: wrong data that
    someone must fix; ``CRITICAL``: the records cannot be trusted (tampering, lost history).
    """

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for ``INFO`` up to 3 for ``CRITICAL``; sorts findings most urgent first."""
        return _RANKS[self]


_RANKS = {severity: rank for rank, severity in enumerate(Severity)}


def _text(field: str) -> Callable[[object, attrs.Attribute[str], str], None]:
    def check(_: object, __: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(field, "must be a non-empty string")

    return check


@attrs.frozen(slots=True)
class AuditFinding:
    """One thing an audit check found wrong.

    Attributes:
        check: The code of the check that found it.
        severity: How urgent it is.
        subject_kind: What kind of object it is about (``"order"``, ``"journal"``, ...).
        subject_id: Which one (an order id, a journal sequence, ...); never personal data.
        problem: What is wrong, in words a person can act on.
        action: What to do about it.
        details: Supporting values (JSON-ready); masked for personal data when exported.
    """

    check: str = attrs.field(validator=_text("check"))
    severity: Severity = attrs.field()
    subject_kind: str = attrs.field(validator=_text("subject_kind"))
    subject_id: str = attrs.field(validator=_text("subject_id"))
    problem: str = attrs.field(validator=_text("problem"))
    action: str = attrs.field(validator=_text("action"))
    details: Mapping[str, JSONValue] = attrs.field(factory=dict)

    @severity.validator
    def _check_severity(self, _: attrs.Attribute[Severity], value: Severity) -> None:
        if not isinstance(value, Severity):
            raise ValidationError("severity", "one of Severity.INFO, WARNING, ERROR, CRITICAL")


class AuditScope(Protocol):
    """The records a sweep covers, as one consistent read-only snapshot.

    ``orders()`` honours the plan's scope (statuses, channels, ...); the journal is always whole,
    since its chain only means something end to end.

    Attributes:
        checkpoint: The journal head that the last clean sweep of this plan verified, or
            ``None``. Expensive checks verify only what came after it unless ``deep`` is set.
        deep: Re-verify everything from the start, ignoring the checkpoint.
    """

    @property
    def checkpoint(self) -> JournalHead | None:
        """The head a previous clean sweep verified (``None``: verify from the start)."""
        ...

    @property
    def deep(self) -> bool:
        """Whether expensive checks must ignore the checkpoint."""
        ...

    def orders(self) -> Sequence[Order]:
        """The orders in scope."""
        ...

    def journal(self, *, after: int = 0) -> Iterator[JournalEntry]:
        """Journal entries with a sequence above ``after``, oldest first."""
        ...

    def journal_head(self) -> JournalHead:
        """The newest entry's sequence and digest when the snapshot was taken."""
        ...

    def stream(self, stream_type: str, stream_id: str) -> Sequence[JournalEntry]:
        """One aggregate's entries, oldest first."""
        ...

    def stream_versions(self, stream_type: str) -> Mapping[str, int]:
        """The last journaled version of every stream of ``stream_type``, by stream id."""
        ...

    def aggregates(self, kind: AggregateKind[A]) -> Iterable[A]:
        """Every stored aggregate of ``kind`` (for checks of other kinds, such as stock).

        Read with the orders and the journal head when a selected check names ``kind`` in its
        ``snapshot_kinds``; otherwise read when asked, so possibly newer than the journal head.
        """
        ...


@runtime_checkable
class AuditCheck(Protocol):
    """A check that inspects stored records and reports findings.

    Register one through the ``ordercore_audit_checks`` hook, or pass it to
    ``desk.audit.sweep(checks=...)``. A check that raises does not stop the sweep: the sweep
    reports it as an ``ERROR`` finding about the check itself.

    Attributes:
        code: Unique, stable code (``"order-totals"``); audit plans refer to it.
        snapshot_kinds: Optional. Aggregate kinds the check compares with the journal: the sweep
            reads them in the same unit of work as the journal head, so that
            ``scope.aggregates(kind)`` and the journal agree (an aggregate that moved during
            the sweep is not mistaken for one written without its events).
        description: One line saying what the check looks for.
    """

    @property
    def code(self) -> str:
        """Unique, stable code of the check."""
        ...

    @property
    def description(self) -> str:
        """What the check looks for, in one line."""
        ...

    def run(self, scope: AuditScope, now: datetime) -> Iterable[AuditFinding]:
        """Inspect ``scope`` as of ``now`` and yield what is wrong (nothing when all is well)."""
        ...


def changed_streams(scope: AuditScope, stream_type: str) -> set[str] | None:
    """Ids of the ``stream_type`` streams with entries after the scope's checkpoint.

    ``None`` when every stream must be looked at: a deep run, or no checkpoint yet.
    """
    checkpoint = None if scope.deep else scope.checkpoint
    if checkpoint is None:
        return None
    return {
        entry.stream_id
        for entry in scope.journal(after=checkpoint.sequence)
        if entry.stream_type == stream_type
    }


def overdue_severity(late: timedelta, limit: timedelta, escalate_after: int) -> Severity:
    """``WARNING`` when ``late`` is past ``limit``; ``ERROR`` past ``escalate_after`` times it."""
    return Severity.ERROR if late > limit * escalate_after else Severity.WARNING
