"""Built-in audit checks of the journal: its hash chain, and that it rebuilds the stored orders.

Both are expensive on a large store (every entry re-hashed, every order replayed), so both
honour the scope's checkpoint: the journal head that this plan's last clean sweep verified.
Then only what came after it is verified in full, and the rest cheaply (the checkpoint entry is
still there unchanged; every order's stored version is the last version its journal stream
has). Because every write through the storage port raises the version, an order written
without its events is still caught at once; set ``deep`` on a plan (say weekly) to re-verify
everything from the start.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs
import cattrs

from ordercore.audit.checks import AuditFinding, AuditScope, Severity, changed_streams
from ordercore.audit.journal import ChainVerification, JournalEntry, JournalHead, verify_chain
from ordercore.errors import ValidationError
from ordercore.orders.events import OrderEvent, event_of_entry, replay
from ordercore.orders.model import Order
from ordercore.serialization import JSONValue, make_converter

__all__ = [
    "JOURNAL_CHAIN",
    "REPLAY_CONSISTENCY",
    "JournalChainCheck",
    "ReplayConsistencyCheck",
    "VerifyingScope",
    "order_events",
]

ORDER_STREAM = "order"
JOURNAL_CHAIN = "journal-chain"
"""The code of :class:`JournalChainCheck`."""
REPLAY_CONSISTENCY = "replay-consistency"
"""The code of :class:`ReplayConsistencyCheck`."""


@runtime_checkable
class VerifyingScope(Protocol):
    """An audit scope that can verify the journal itself, faster than reading every entry."""

    def verify_journal(
        self, *, after: JournalHead | None = None, against: JournalHead | None = None
    ) -> ChainVerification:
        """What :func:`~ordercore.audit.journal.verify_chain` says of entries after ``after``."""
        ...


def _verify(
    scope: AuditScope, *, after: JournalHead | None, against: JournalHead | None
) -> ChainVerification:
    if isinstance(scope, VerifyingScope):
        return scope.verify_journal(after=after, against=against)
    start = 0 if after is None else after.sequence
    return verify_chain(scope.journal(after=start), after=after, against=against)


@attrs.frozen(slots=True)
class JournalChainCheck:
    """The journal's hash chain: no entry changed, removed, inserted or reordered."""

    code: str = JOURNAL_CHAIN
    description: str = "journal hash chain verification"

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield a ``CRITICAL`` finding where the chain breaks (nothing when it verifies)."""
        checkpoint = None if scope.deep else scope.checkpoint
        if checkpoint is not None and checkpoint.sequence > 0:
            # Re-hash the checkpoint entry itself and hold it to the saved digest: that
            # catches history cut off or rewritten behind it, then verify what came after.
            kept = next(scope.journal(after=checkpoint.sequence - 1), None)
            if kept is None or kept.sequence != checkpoint.sequence:
                yield self._finding(
                    checkpoint.sequence, "history up to the last verified entry was cut off"
                )
                return
            trusted = JournalHead(checkpoint.sequence - 1, kept.previous_hash)
            result = _verify(scope, after=trusted, against=checkpoint)
        else:
            result = _verify(scope, after=None, against=None)
        if not result.ok:
            assert result.first_bad_sequence is not None  # set whenever ok is False
            yield self._finding(result.first_bad_sequence, result.reason or "chain broken")

    def _finding(self, sequence: int, reason: str) -> AuditFinding:
        return AuditFinding(
            check=self.code,
            severity=Severity.CRITICAL,
            subject_kind="journal",
            subject_id=str(sequence),
            problem=f"the journal does not verify at entry {sequence}: {reason}",
            action=(
                "treat the records as tampered with: compare with a backup or a saved head "
                "(desk.audit.verify_journal(against=...)) before trusting them"
            ),
            details={"sequence": sequence, "reason": reason},
        )


def order_events(entries: Sequence[JournalEntry], converter: cattrs.Converter) -> list[OrderEvent]:
    """Read an order's events back from its journal entries.

    Raises:
        ValidationError: For an unknown event type or a redacted entry.
    """
    return [event_of_entry(entry, converter) for entry in entries]


def _differences(stored: Order, rebuilt: Order) -> list[str]:
    return [
        field.name
        for field in attrs.fields(Order)
        if getattr(stored, field.name) != getattr(rebuilt, field.name)
    ]


@attrs.define(slots=True)
class ReplayConsistencyCheck:
    """Replaying each order's journal events rebuilds the stored order exactly.

    Attributes:
        converter: Reads events back from journal payloads (the library's converter unless
            the host registered more types).
    """

    converter: cattrs.Converter = attrs.field(factory=make_converter)
    code: str = REPLAY_CONSISTENCY
    description: str = "journal events rebuild the stored orders"

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield a finding for each order its journal does not rebuild."""
        versions = scope.stream_versions(ORDER_STREAM)
        changed = changed_streams(scope, ORDER_STREAM)
        for order in scope.orders():
            last = versions.get(order.id)
            if last is None:
                yield self._finding(
                    order,
                    Severity.CRITICAL,
                    "has no journal entries: it was written without its events",
                    {},
                )
            elif last != order.version:
                yield self._finding(
                    order,
                    Severity.CRITICAL,
                    f"is stored at version {order.version} but its journal ends at version "
                    f"{last}: it was written without its events",
                    self._compare(scope, order),
                )
            elif changed is None or order.id in changed:
                details = self._compare(scope, order)
                if details.get("differs") or details.get("unreadable"):
                    yield self._finding(
                        order, Severity.CRITICAL, "differs from what its journal rebuilds", details
                    )

    def _compare(self, scope: AuditScope, order: Order) -> dict[str, JSONValue]:
        try:
            rebuilt = replay(order_events(scope.stream(ORDER_STREAM, order.id), self.converter))
        except ValidationError as exc:
            if exc.field == "personal":
                return {}  # erased on request: there is nothing left to rebuild from
            return {"unreadable": str(exc)}
        differs: list[JSONValue] = list(_differences(order, rebuilt))
        return {"differs": differs} if differs else {}

    def _finding(
        self, order: Order, severity: Severity, what: str, details: dict[str, JSONValue]
    ) -> AuditFinding:
        differs = details.get("differs")
        fields = f" (fields: {', '.join(map(str, differs))})" if isinstance(differs, list) else ""
        return AuditFinding(
            check=self.code,
            severity=severity,
            subject_kind="order",
            subject_id=order.id,
            problem=f"order {order.number} {what}{fields}",
            action=(
                "find who wrote the order outside a command; restore it from desk.orders.replay "
                "once the journal verifies"
            ),
            details={"number": order.number, "version": order.version, **details},
        )
