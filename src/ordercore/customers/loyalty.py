"""Loyalty points: a ledger of earnings, redemptions, expiries and reversals per customer.

Every earning is a *lot* with its own expiry (rolling expiry: points lapse a fixed number of
months after they were earned). Every entry that takes points away says which lots it drew
from, oldest expiry first, so the ledger explains itself and the balance is always the sum of
its entries. Nothing can take the balance below zero: a redemption larger than the unexpired
points is refused, and a reversal after the points were spent takes back only what is left.

The functions here are pure: they take a :class:`PointsLedger` and return a
:class:`LedgerChange` with the new ledger and the entries to journal.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

import attrs
from dateutil.relativedelta import relativedelta

from ordercore.errors import ValidationError
from ordercore.kinds import AggregateKind
from ordercore.money import Money

__all__ = [
    "POINTS_LEDGERS",
    "LedgerChange",
    "LotDraw",
    "LoyaltyPolicy",
    "PointsEntry",
    "PointsKind",
    "PointsLedger",
    "earn",
    "expire_due",
    "points_for",
    "redeem",
    "reverse",
    "settle_order",
    "transfer",
]


class PointsKind(enum.Enum):
    """What a ledger entry records."""

    EARN = "earn"
    REDEEM = "redeem"
    EXPIRE = "expire"
    REVERSE = "reverse"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"


@attrs.frozen(slots=True)
class LotDraw:
    """Points an entry took from one lot (an earlier earning, named by its sequence)."""

    lot: int
    points: int


@attrs.frozen(slots=True)
class PointsEntry:
    """One ledger entry.

    Attributes:
        sequence: 1 for the ledger's first entry, one more each.
        kind: Earn, redeem, expire, reverse or transfer.
        points: Signed: positive for earnings and transfers in, negative otherwise.
        at: When.
        order_id: The order it belongs to (earnings and reversals).
        expires_at: When the lot an earning opens lapses.
        draws: The lots a negative entry took its points from.
        reason: Why, in words.
        rate: Points per currency unit an earning was worth (the tier multiplier included);
            later changes to the order's spend are settled at the same rate.
    """

    sequence: int
    kind: PointsKind
    points: int
    at: datetime
    order_id: str | None = None
    expires_at: datetime | None = None
    draws: tuple[LotDraw, ...] = ()
    reason: str = ""
    rate: Decimal | None = None


def _live(lot: PointsEntry, at: datetime) -> bool:
    """Whether the lot an earning opened may still be spent at ``at``."""
    return lot.expires_at is None or lot.expires_at > at


@attrs.frozen(slots=True)
class PointsLedger:
    """One customer's points (the aggregate ``points_ledger``, id = the customer's id)."""

    id: str
    entries: tuple[PointsEntry, ...] = ()
    version: int = 0

    @property
    def balance(self) -> int:
        """The sum of every entry."""
        return sum(entry.points for entry in self.entries)

    def lots(self) -> dict[int, int]:
        """Points left in each lot (earning sequence to points), lots with points only."""
        left = {e.sequence: e.points for e in self.entries if e.points > 0}
        for entry in self.entries:
            for draw in entry.draws:
                left[draw.lot] -= draw.points
        return {lot: points for lot, points in left.items() if points > 0}

    def available(self, at: datetime) -> int:
        """Points that may be spent at ``at``: lots not yet expired."""
        opened = {e.sequence: e for e in self.entries if e.points > 0}
        return sum(points for lot, points in self.lots().items() if _live(opened[lot], at))

    def rate_for(self, order_id: str) -> Decimal | None:
        """The rate of the order's first earning, if it earned here."""
        for entry in self.entries:
            if entry.order_id == order_id and entry.rate is not None:
                return entry.rate
        return None

    def earned_for(self, order_id: str) -> int:
        """Points earned for an order, net of reversals."""
        return sum(
            e.points
            for e in self.entries
            if e.order_id == order_id and e.kind in (PointsKind.EARN, PointsKind.REVERSE)
        )


@attrs.frozen(slots=True)
class LedgerChange:
    """A ledger after an operation, and the entries the operation added (to journal)."""

    ledger: PointsLedger
    added: tuple[PointsEntry, ...]


def _whole_points(value: object, field: str = "points") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be a whole number of points")
    if value <= 0:
        raise ValidationError(field, "must be more than zero")
    return value


@attrs.frozen(slots=True)
class LoyaltyPolicy:
    """How points are earned and lapse.

    Attributes:
        points_per_unit: Points per currency unit of spend, before the tier's multiplier.
        expiry_months: Months after which an earning lapses.
        enabled: Earn points on paid orders of customers with a record.
    """

    points_per_unit: Decimal = Decimal(1)
    expiry_months: int = 12
    enabled: bool = True

    def __attrs_post_init__(self) -> None:
        rate: object = self.points_per_unit
        if isinstance(rate, float | bool) or not isinstance(rate, int | Decimal) or rate < 0:
            raise ValidationError("loyalty.points_per_unit", "a Decimal, zero or more")
        months = self.expiry_months
        if isinstance(months, bool) or not isinstance(months, int) or months < 1:
            raise ValidationError("loyalty.expiry_months", "a whole number of months, at least 1")

    def expires_at(self, earned_at: datetime) -> datetime:
        """When points earned at ``earned_at`` lapse."""
        return earned_at + relativedelta(months=self.expiry_months)


def points_for(spend: Money, policy: LoyaltyPolicy, multiplier: Decimal) -> int:
    """Points a spend earns: whole points, rounded down."""
    raw = spend.amount * policy.points_per_unit * multiplier
    return int(raw.to_integral_value(ROUND_FLOOR)) if raw > 0 else 0


def _append(ledger: PointsLedger, *entries: PointsEntry) -> LedgerChange:
    return LedgerChange(attrs.evolve(ledger, entries=(*ledger.entries, *entries)), entries)


def _draw(
    ledger: PointsLedger, points: int, at: datetime, prefer_order: str | None = None
) -> tuple[LotDraw, ...]:
    """Take ``points`` from unexpired lots: the order's own first, then soonest expiry."""
    opened = {e.sequence: e for e in ledger.entries if e.points > 0}
    live = [(lot, left) for lot, left in ledger.lots().items() if _live(opened[lot], at)]

    def order(item: tuple[int, int]) -> tuple[bool, datetime, int]:
        entry = opened[item[0]]
        own = prefer_order is not None and entry.order_id == prefer_order
        return (not own, entry.expires_at or datetime.max.replace(tzinfo=at.tzinfo), item[0])

    draws = []
    wanted = points
    for lot, left in sorted(live, key=order):
        if wanted == 0:
            break
        taken = min(left, wanted)
        draws.append(LotDraw(lot, taken))
        wanted -= taken
    return tuple(draws)


def expire_due(ledger: PointsLedger, at: datetime) -> LedgerChange:
    """Book the expiry of every lot that lapsed by ``at`` (one entry; none if nothing lapsed)."""
    opened = {e.sequence: e for e in ledger.entries if e.points > 0}
    draws = tuple(
        LotDraw(lot, left)
        for lot, left in sorted(ledger.lots().items())
        if not _live(opened[lot], at)
    )
    if not draws:
        return LedgerChange(ledger, ())
    lapsed = sum(d.points for d in draws)
    entry = PointsEntry(
        len(ledger.entries) + 1,
        PointsKind.EXPIRE,
        -lapsed,
        at,
        draws=draws,
        reason=f"{lapsed} points lapsed",
    )
    return _append(ledger, entry)


def _then(first: LedgerChange, second: LedgerChange) -> LedgerChange:
    return LedgerChange(second.ledger, (*first.added, *second.added))


def earn(
    ledger: PointsLedger,
    points: int,
    *,
    at: datetime,
    policy: LoyaltyPolicy,
    order_id: str | None = None,
    rate: Decimal | None = None,
    reason: str = "",
) -> LedgerChange:
    """Add an earning of ``points`` that lapses ``policy.expiry_months`` after ``at``.

    Raises:
        ValidationError: If ``points`` is not a whole number above zero.
    """
    count = _whole_points(points)
    entry = PointsEntry(
        len(ledger.entries) + 1,
        PointsKind.EARN,
        count,
        at,
        order_id=order_id,
        expires_at=policy.expires_at(at),
        reason=reason or f"earned {count} points",
        rate=rate,
    )
    return _append(ledger, entry)


def redeem(ledger: PointsLedger, points: int, *, at: datetime, reason: str = "") -> LedgerChange:
    """Spend ``points``, after booking whatever lapsed by ``at``.

    Raises:
        ValidationError: If ``points`` is not a whole number above zero, or more than the
            unexpired balance (field ``points``).
    """
    count = _whole_points(points)
    expired = expire_due(ledger, at)
    available = expired.ledger.available(at)
    if count > available:
        raise ValidationError(
            "points", f"only {available} points can be redeemed; {count} were asked for"
        )
    draws = _draw(expired.ledger, count, at)
    entry = PointsEntry(
        len(expired.ledger.entries) + 1,
        PointsKind.REDEEM,
        -count,
        at,
        draws=draws,
        reason=reason or f"redeemed {count} points",
    )
    return _then(expired, _append(expired.ledger, entry))


def reverse(
    ledger: PointsLedger, order_id: str, points: int, *, at: datetime, reason: str = ""
) -> LedgerChange:
    """Take back up to ``points`` earned for ``order_id`` (a refund, a cancellation).

    Points already spent or lapsed are not clawed back below zero: the reversal takes what is
    left, the order's own lot first. Nothing is added when nothing is left.
    """
    count = _whole_points(points)
    expired = expire_due(ledger, at)
    taken = min(count, expired.ledger.available(at))
    if taken == 0:
        return expired
    draws = _draw(expired.ledger, taken, at, prefer_order=order_id)
    entry = PointsEntry(
        len(expired.ledger.entries) + 1,
        PointsKind.REVERSE,
        -taken,
        at,
        order_id=order_id,
        draws=draws,
        reason=reason or f"reversed {taken} points of order {order_id}",
    )
    return _then(expired, _append(expired.ledger, entry))


def settle_order(
    ledger: PointsLedger,
    order_id: str,
    spend: Money,
    *,
    at: datetime,
    policy: LoyaltyPolicy,
    multiplier: Decimal = Decimal(1),
    earned: int | None = None,
    rate: Decimal | None = None,
) -> LedgerChange:
    """Bring the points of ``order_id`` in line with its spend now: earn or reverse the gap.

    The desk calls this after every payment, refund and cancellation. An order keeps the rate
    of its first earning, so a refund after a tier change takes back what was earned, no more.

    Args:
        ledger: The customer's ledger.
        order_id: The order.
        spend: What the order counts as spend now (zero once cancelled or refunded).
        at: When.
        policy: Points per unit and expiry.
        multiplier: The customer's tier multiplier, for an order that has not earned yet.
        earned: Points the order has earned so far, when some were earned in ledgers merged
            into this one; ``ledger.earned_for(order_id)`` by default.
        rate: The order's rate from a merged ledger, if it earned there first.
    """
    so_far = ledger.earned_for(order_id) if earned is None else earned
    used = rate or ledger.rate_for(order_id) or policy.points_per_unit * multiplier
    raw = spend.amount * used
    target = int(raw.to_integral_value(ROUND_FLOOR)) if raw > 0 else 0
    if target > so_far:
        reason = f"order {order_id}: {spend} at {used} points per unit"
        return earn(
            ledger, target - so_far, at=at, policy=policy, order_id=order_id, rate=used,
            reason=reason,
        )  # fmt: skip
    if target < so_far:
        reason = f"order {order_id} now counts {spend}"
        return reverse(ledger, order_id, so_far - target, at=at, reason=reason)
    return LedgerChange(ledger, ())


def transfer(
    source: PointsLedger, destination: PointsLedger, *, at: datetime
) -> tuple[LedgerChange, LedgerChange]:
    """Move every unexpired lot of ``source`` to ``destination``, keeping each lot's expiry.

    Used when two customers are merged; the source's history stays in its own ledger.
    """
    drained = expire_due(source, at)
    opened = {e.sequence: e for e in drained.ledger.entries if e.points > 0}
    lots = sorted(drained.ledger.lots().items())
    if not lots:
        return drained, LedgerChange(destination, ())
    total = sum(points for _, points in lots)
    out = PointsEntry(
        len(drained.ledger.entries) + 1,
        PointsKind.TRANSFER_OUT,
        -total,
        at,
        draws=tuple(LotDraw(lot, points) for lot, points in lots),
        reason=f"{total} points moved to {destination.id}",
    )
    incoming = tuple(
        PointsEntry(
            len(destination.entries) + offset,
            PointsKind.TRANSFER_IN,
            points,
            at,
            order_id=opened[lot].order_id,
            expires_at=opened[lot].expires_at,
            reason=f"moved from {source.id}",
            rate=opened[lot].rate,
        )
        for offset, (lot, points) in enumerate(lots, start=1)
    )
    return _then(drained, _append(drained.ledger, out)), _append(destination, *incoming)


POINTS_LEDGERS: AggregateKind[PointsLedger] = AggregateKind("points_ledger", PointsLedger)
"""The aggregate kind of points ledgers (one per customer, same id)."""
