"""Built-in audit checks over stock: expired holds, reserved counters, levels against their ledger.

A level's ``reserved`` count and the holders' active reservations are written together by every
inventory command; they disagree only after a lost update, a half-applied write or a hand edit,
and then the shop either oversells or refuses stock it has. Holds past their expiry time stay
active until ``desk.inventory.expire_due`` runs, so a hold found long past it means the expiry
sweep is not scheduled. A level is the projection of its ledger (the ``StockMoved`` entries of
its ``stock`` stream); one that its ledger does not rebuild was written around the commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import attrs
import cattrs

from ordercore.audit.checks import (
    AuditFinding,
    AuditScope,
    Severity,
    changed_streams,
    overdue_severity,
)
from ordercore.errors import ValidationError
from ordercore.inventory.ledger import STOCK_STREAM, StockMoved, replay_level
from ordercore.inventory.model import RESERVATIONS, STOCK_LEVELS, StockLevel
from ordercore.kinds import AggregateKind
from ordercore.serialization import JSONValue, make_converter, structure

__all__ = ["ExpiredReservationsCheck", "ReservedCountersCheck", "StockLedgerCheck"]


@attrs.frozen(slots=True)
class ExpiredReservationsCheck:
    """Active reservations more than ``grace`` past their expiry time.

    Attributes:
        grace: How long after its expiry time a hold may wait for the expiry sweep.
        escalate_after: ``ERROR`` past this multiple of ``grace``.
    """

    grace: timedelta = timedelta(minutes=30)
    escalate_after: int = 48
    code: str = "reservations-expired"
    description: str = "reservations past their expiry time that still hold stock"

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.grace, timedelta) or self.grace <= timedelta(0):
            raise ValidationError("grace", "must be a positive duration")
        if isinstance(self.escalate_after, bool) or not isinstance(self.escalate_after, int):
            raise ValidationError("escalate_after", "must be a whole number")
        if self.escalate_after < 1:
            raise ValidationError("escalate_after", "must be at least 1")

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield one finding per active reservation held past its expiry time and the grace."""
        for group in scope.aggregates(RESERVATIONS):
            for reservation in group.reservations:
                expires_at = reservation.expires_at
                if not reservation.is_active or expires_at is None:
                    continue
                late = now - expires_at
                if late <= self.grace:
                    continue
                yield AuditFinding(
                    check=self.code,
                    severity=overdue_severity(late, self.grace, self.escalate_after),
                    subject_kind="reservation",
                    subject_id=reservation.id,
                    problem=(
                        f"{reservation.quantity} x {reservation.sku} at {reservation.location} "
                        f"for {reservation.order_id} expired at {expires_at:%Y-%m-%d %H:%M} UTC "
                        f"and still holds the units ({late.total_seconds() / 3600:.1f} h late)"
                    ),
                    action=(
                        "run desk.inventory.expire_due() now, and on a schedule, so that "
                        "expired holds release their units"
                    ),
                    details={
                        "holder": reservation.order_id,
                        "sku": reservation.sku,
                        "location": reservation.location,
                        "quantity": reservation.quantity,
                        "expires_at": expires_at.isoformat(),
                    },
                )


@attrs.frozen(slots=True)
class ReservedCountersCheck:
    """Stock levels whose ``reserved`` count is not the sum of their active reservations.

    The sweep reads levels and reservations with the journal head (``snapshot_kinds``), so a
    reservation made during the sweep is on neither side.
    """

    code: str = "reserved-counters"
    description: str = "stock levels whose reserved count disagrees with the reservations"
    snapshot_kinds: tuple[AggregateKind[Any], ...] = (STOCK_LEVELS, RESERVATIONS)

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield a finding per level that disagrees, and per reservation that has no level."""
        del now
        held: dict[tuple[str, str], int] = {}
        for group in scope.aggregates(RESERVATIONS):
            for reservation in group.reservations:
                if reservation.is_active:
                    key = (reservation.sku, reservation.location)
                    held[key] = held.get(key, 0) + reservation.quantity
        for level in sorted(scope.aggregates(STOCK_LEVELS), key=lambda item: item.id):
            units = held.pop((level.sku, level.location), 0)
            if level.reserved != units or level.on_hand < 0 or level.reserved < 0:
                yield self._disagrees(level, units)
        for (sku, location), units in sorted(held.items()):
            yield AuditFinding(
                check=self.code,
                severity=Severity.ERROR,
                subject_kind="stock_level",
                subject_id=f"{sku}@{location}",
                problem=(
                    f"active reservations hold {units} x {sku} at {location}, "
                    "which has no stock level"
                ),
                action="find the command that wrote these reservations without the level",
                details={"sku": sku, "location": location, "held": units},
            )

    def _disagrees(self, level: StockLevel, units: int) -> AuditFinding:
        return AuditFinding(
            check=self.code,
            severity=Severity.ERROR,
            subject_kind="stock_level",
            subject_id=level.id,
            problem=(
                f"{level.sku} at {level.location} counts {level.reserved} reserved and "
                f"{level.on_hand} on hand, but its active reservations hold {units}"
            ),
            action=(
                "stop selling the SKU there, compare the level with its ledger (its stock "
                "stream in the journal) and the holders' reservations, then correct it"
            ),
            details={
                "sku": level.sku,
                "location": level.location,
                "reserved": level.reserved,
                "on_hand": level.on_hand,
                "held": units,
            },
        )


@attrs.define(slots=True)
class StockLedgerCheck:
    """Each stored stock level is what its ledger rebuilds, at the ledger's last version.

    Levels are read with the journal head (``snapshot_kinds``), so a movement made during the
    sweep is on neither side. Incremental runs replay only the levels whose stream moved since
    the checkpoint; every level's version is compared with its ledger on every run.

    Attributes:
        converter: Reads movements back from journal payloads.
    """

    converter: cattrs.Converter = attrs.field(factory=make_converter)
    code: str = "stock-ledger"
    description: str = "stock levels that their ledger does not rebuild"
    snapshot_kinds: tuple[AggregateKind[Any], ...] = (STOCK_LEVELS,)

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield a finding per level its ledger does not rebuild, and per ledger with no level."""
        del now
        versions = dict(scope.stream_versions(STOCK_STREAM))
        changed = changed_streams(scope, STOCK_STREAM)
        for level in sorted(scope.aggregates(STOCK_LEVELS), key=lambda item: item.id):
            last = versions.pop(level.id, 0)
            if last != level.version:
                yield self._finding(
                    level.id,
                    f"{level.sku} at {level.location} is stored at version {level.version} but "
                    f"its ledger ends at version {last}: it was written without its movements",
                    {"version": level.version, "ledger_version": last},
                )
            elif changed is None or level.id in changed:
                try:
                    rebuilt = self._replay(scope, level)
                except ValidationError as exc:
                    yield self._finding(
                        level.id,
                        f"the ledger of {level.id} cannot be replayed: {exc}",
                        {"unreadable": str(exc)},
                    )
                    continue
                if (rebuilt.on_hand, rebuilt.reserved) != (level.on_hand, level.reserved):
                    yield self._finding(
                        level.id,
                        f"{level.sku} at {level.location} holds {level.on_hand} on hand and "
                        f"{level.reserved} reserved, but its ledger rebuilds {rebuilt.on_hand} "
                        f"and {rebuilt.reserved}",
                        {
                            "on_hand": level.on_hand,
                            "reserved": level.reserved,
                            "ledger_on_hand": rebuilt.on_hand,
                            "ledger_reserved": rebuilt.reserved,
                        },
                    )
        for level_id, last in sorted(versions.items()):
            yield self._finding(
                level_id,
                f"the ledger of {level_id} has {last} movements but no stock level is stored",
                {"ledger_version": last},
            )

    def _replay(self, scope: AuditScope, level: StockLevel) -> StockLevel:
        entries = scope.stream(STOCK_STREAM, level.id)
        movements = [structure(self.converter, entry.payload, StockMoved) for entry in entries]
        return replay_level(level.sku, level.location, movements)

    def _finding(self, level_id: str, problem: str, details: dict[str, JSONValue]) -> AuditFinding:
        return AuditFinding(
            check=self.code,
            severity=Severity.CRITICAL,
            subject_kind="stock_level",
            subject_id=level_id,
            problem=problem,
            action=(
                "find who wrote the level outside a command; restore it from "
                "desk.inventory.replay(sku, location) once the journal verifies"
            ),
            details=details,
        )
