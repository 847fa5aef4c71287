"""Built-in audit checks over stock: expired holds still held, reserved counters that disagree.

A level's ``reserved`` count and the holders' active reservations are written together by every
inventory command; they disagree only after a lost update, a half-applied write or a hand edit,
and then the shop either oversells or refuses stock it has. Holds past their expiry time stay
active until ``desk.inventory.expire_due`` runs, so a hold found long past it means the expiry
sweep is not scheduled.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import attrs

from ordercore.audit.checks import AuditFinding, AuditScope, Severity
from ordercore.errors import ValidationError
from ordercore.inventory.model import RESERVATIONS, STOCK_LEVELS, StockLevel

__all__ = ["ExpiredReservationsCheck", "ReservedCountersCheck"]


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
                escalated = late > self.grace * self.escalate_after
                yield AuditFinding(
                    check=self.code,
                    severity=Severity.ERROR if escalated else Severity.WARNING,
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

    Levels and reservations are read in separate units of work, so a reservation made during
    the sweep could look like a disagreement. Levels are therefore read before and after the
    reservations and compared only where a level did not move in between: every change of a
    level's reservations changes the level in the same unit of work.
    """

    code: str = "reserved-counters"
    description: str = "stock levels whose reserved count disagrees with the reservations"

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield a finding per level that disagrees, and per reservation that has no level."""
        del now
        before = {level.id: level for level in scope.aggregates(STOCK_LEVELS)}
        held: dict[tuple[str, str], int] = {}
        for group in scope.aggregates(RESERVATIONS):
            for reservation in group.reservations:
                if reservation.is_active:
                    key = (reservation.sku, reservation.location)
                    held[key] = held.get(key, 0) + reservation.quantity
        after = {level.id: level for level in scope.aggregates(STOCK_LEVELS)}
        for level_id in sorted(after):
            level = after[level_id]
            units = held.pop((level.sku, level.location), 0)
            earlier = before.get(level_id)
            if earlier is None or earlier.version != level.version:
                continue  # it moved during the sweep; the next sweep checks it
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
