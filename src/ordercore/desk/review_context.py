"""Gathering a review's context inside the placing command's unit of work.

The desk keeps, per identity of a customer (customer id, e-mail, phone, street address), the ids
of their recent orders: a small index written in the same unit of work as the order, so velocity,
duplicate, credit and usual-quantity rules never scan the whole order store. Identities are kept
as salted digests (the salt is made once per store and kept in it), never as contact details.

A storage that keeps sightings (:class:`~ordercore.storage.ports.SightingsIndex`, as the memory
and SQLite backends do) gets one row per order and identity, added and never rewritten; one order
in 16 also deletes its identities' rows that review no longer looks at, and reads skip old rows
still there. Any other storage gets one :class:`IdentityActivity` aggregate per identity, read,
pruned and written back whole on every order.
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Protocol, runtime_checkable

import attrs

from ordercore.clock import ensure_aware_utc, epoch_micros
from ordercore.desk.commands import CommandContext
from ordercore.orders.model import ORDERS, Order, OrderStatus
from ordercore.review.identity import SharedIdentities, identities
from ordercore.review.rules import CustomerProfile, RecentOrder, ReviewContext
from ordercore.storage.ports import (
    AggregateKind,
    AggregateRepository,
    SightingsRepository,
    UnitOfWork,
)

__all__ = [
    "IDENTITY_ACTIVITY",
    "CustomerLookup",
    "HistoryProfiles",
    "IdentityActivity",
    "StockAvailability",
    "gather_context",
    "record_activity",
]

_SALT_ID = "identity"
_PLACED_AT = attrgetter("placed_at")
_MAX_REMEMBERED = 50
# Sightings are pruned by one order in this many, so that the others only add their rows; a
# busy key holds about this many more rows than review looks at, and reads skip old ones.
_PRUNE_ONE_IN = 16
_PRUNE_PAGE = 1000


@attrs.frozen(slots=True)
class IdentityActivity:
    """The recent orders of one identity (a salted digest), oldest first.

    Kept as two parallel tuples of plain values: written on every order placed under the
    identity, and a busy identity (an address many orders ship to) holds 50 of them.

    Attributes:
        id: The identity's key.
        orders: Sightings in the form earlier versions wrote
            (``{"order_id": ..., "placed_at": ISO time}``); read, never written again.
        version: The record's version.
        order_ids: The orders seen.
        placed_us: When each was placed, in microseconds since the epoch (UTC).
    """

    id: str
    orders: tuple[dict[str, str], ...]
    version: int
    order_ids: tuple[str, ...] = ()
    placed_us: tuple[int, ...] = ()

    def sightings(self) -> list[tuple[str, int]]:
        """Every ``(order id, placed at in microseconds)``, oldest first."""
        earlier = [
            (
                item["order_id"],
                epoch_micros(ensure_aware_utc(datetime.fromisoformat(item["placed_at"]))),
            )
            for item in self.orders
        ]
        return [*earlier, *zip(self.order_ids, self.placed_us, strict=True)]

    def seen_ids(self) -> list[str]:
        """The ids of the orders seen, oldest first."""
        return [*(item["order_id"] for item in self.orders), *self.order_ids]


@attrs.frozen(slots=True)
class IdentitySalt:
    """The salt of this store's identity digests."""

    id: str
    salt: str
    version: int = 1


IDENTITY_ACTIVITY = AggregateKind("review_identity", IdentityActivity)
IDENTITY_SALT = AggregateKind("review_salt", IdentitySalt)


@runtime_checkable
class StockAvailability(Protocol):
    """A stock port that can also say how many units are available (inventories do)."""

    def available(self, ctx: CommandContext, skus: Iterable[str]) -> Mapping[str, int] | None:
        """Units available per tracked SKU among ``skus``; untracked SKUs are left out."""
        ...


@runtime_checkable
class CustomerLookup(Protocol):
    """Who the customer behind an order is, for review (a customer store plugs in here)."""

    def profile(
        self, uow: UnitOfWork, order: Order, recent: tuple[RecentOrder, ...]
    ) -> CustomerProfile | None:
        """Return the customer's profile, or ``None`` when nothing is known."""
        ...


class HistoryProfiles:
    """The default lookup: a profile built from the orders the desk has seen of this buyer.

    Tier and credit limit are unknown without customer records, so they stay empty; an order on
    credit terms marks the customer as buying on account.
    """

    def profile(
        self, uow: UnitOfWork, order: Order, recent: tuple[RecentOrder, ...]
    ) -> CustomerProfile | None:
        """Count the buyer's completed orders and find when they were first seen."""
        del uow
        mine = [item for item in recent if item.shared & {"customer", "email", "phone"}]
        completed = sum(1 for item in mine if item.status is OrderStatus.COMPLETED)
        first = min((item.placed_at for item in mine), default=None)
        key = order.customer_id or "contact"
        return CustomerProfile(
            key, known_since=first, completed_orders=completed, on_credit_terms=order.credit_terms
        )

    def __repr__(self) -> str:
        return "HistoryProfiles()"


def _salt(uow: UnitOfWork) -> str:
    salts = uow.aggregates(IDENTITY_SALT)
    found = salts.find(_SALT_ID)
    if found is not None:
        return found.salt
    made = IdentitySalt(_SALT_ID, secrets.token_hex(16))
    salts.save(made, expected_version=0)
    return made.salt


def _keys(uow: UnitOfWork, order: Order, shared: SharedIdentities) -> dict[str, str]:
    return identities(order, _salt(uow), shared)


def _sightings(uow: UnitOfWork) -> SightingsRepository | None:
    # What isinstance(uow, SightingsIndex) would say, for the price of one attribute lookup.
    found: SightingsRepository | None = getattr(uow, "sightings", None)
    return found


def _seen(uow: UnitOfWork, key: str) -> list[tuple[str, int]]:
    sightings = _sightings(uow)
    if sightings is not None:
        return sightings.newest(key, limit=_MAX_REMEMBERED)
    found = uow.aggregates(IDENTITY_ACTIVITY).find(key)
    return [] if found is None else found.sightings()


def _recent(
    uow: UnitOfWork, order: Order, keys: Mapping[str, str], cutoff: int | None
) -> tuple[RecentOrder, ...]:
    orders = uow.aggregates(ORDERS)
    shared: dict[str, set[str]] = {}
    placed: dict[str, int] = {}
    for kind, key in keys.items():
        for order_id, at in _seen(uow, key):
            kinds = shared.get(order_id)
            if kinds is None:
                shared[order_id] = {kind}
                placed[order_id] = at
            else:
                kinds.add(kind)
    shared.pop(order.id, None)
    recent = []
    for order_id, kinds in shared.items():
        earlier = orders.find(order_id)
        if earlier is None:
            continue
        if cutoff is not None and placed[order_id] < cutoff and not _still_owing(earlier):
            continue
        recent.append(RecentOrder.of(earlier, frozenset(kinds)))
    recent.sort(key=_PLACED_AT, reverse=True)
    return tuple(recent)


def gather_context(
    ctx: CommandContext,
    order: Order,
    *,
    customers: CustomerLookup,
    stock: object,
    keys: Mapping[str, str] | None = None,
    shared: SharedIdentities | None = None,
    history: timedelta | None = None,
) -> ReviewContext:
    """Build the context of ``order``'s review from what the unit of work can read.

    ``keys`` are the order's identity keys when the caller has them already; otherwise they
    are worked out, leaving out the ``shared`` details. With ``history``, an earlier order
    placed before it counts only while money is still owed on it.
    """
    if keys is None:
        keys = _keys(ctx.uow, order, shared or SharedIdentities())
    cutoff = None if history is None else epoch_micros(ctx.now - history)
    recent = _recent(ctx.uow, order, keys, cutoff)
    available = None
    if isinstance(stock, StockAvailability):
        available = stock.available(ctx, {line.sku for line in order.lines})
    return ReviewContext(
        now=ctx.now,
        customer=customers.profile(ctx.uow, order, recent),
        available=available,
        recent_orders=recent,
    )


def record_activity(
    ctx: CommandContext,
    order: Order,
    history: timedelta,
    shared: SharedIdentities | None = None,
) -> dict[str, str]:
    """Remember ``order`` under each of its identities, forgetting what is older than ``history``.

    Details in ``shared`` are not identities: the order is not remembered under them.

    Orders still owing money are kept past ``history`` so that credit limits see them; review
    looks at the newest 50 sightings per identity.

    On a storage that keeps sightings, the order adds one row per identity, and one order in
    16 (chosen by its id) also prunes its identities' rows down to those review looks at; on
    any other, each identity's record is read, pruned and written back.

    Returns:
        The order's identity keys.
    """
    cutoff = epoch_micros(ctx.now - history)
    placed = epoch_micros(order.milestones.placed_at)
    keys = _keys(ctx.uow, order, shared or SharedIdentities())
    sightings = _sightings(ctx.uow)
    if sightings is None:
        _rewrite_records(ctx.uow, order, keys, cutoff, placed)
        return keys
    sightings.add(keys.values(), order.id, placed)
    if zlib.crc32(order.id.encode("utf-8", "surrogatepass")) % _PRUNE_ONE_IN == 0:
        for key in keys.values():
            _prune(ctx.uow, sightings, key, cutoff)
    return keys


def _prune(uow: UnitOfWork, sightings: SightingsRepository, key: str, cutoff: int) -> None:
    """Drop the sightings review no longer looks at: past the newest 50 kept, or old and paid."""
    orders = uow.aggregates(ORDERS)
    while True:
        page = sightings.newest(key, limit=_PRUNE_PAGE)
        kept = 0
        dropped = []
        for sighting in page:
            if kept < _MAX_REMEMBERED and _remembered(orders, *sighting, cutoff):
                kept += 1
            else:
                dropped.append(sighting)
        if dropped:
            sightings.forget(key, dropped)
        if len(page) < _PRUNE_PAGE or not dropped:
            return


def _rewrite_records(
    uow: UnitOfWork, order: Order, keys: Mapping[str, str], cutoff: int, placed: int
) -> None:
    """Without sightings: each key's record read, pruned and written back with the order."""
    activity = uow.aggregates(IDENTITY_ACTIVITY)
    orders = uow.aggregates(ORDERS)
    keep = _MAX_REMEMBERED - 1
    for key in keys.values():
        found = activity.find(key)
        order_ids: list[str] = []
        placed_us: list[int] = []
        if (
            found is not None
            and not found.orders
            and min(found.placed_us, default=cutoff) >= cutoff
        ):
            # Every sighting is recent (the usual case): all are kept, no order is read.
            order_ids.extend(found.order_ids)
            placed_us.extend(found.placed_us)
        else:
            for order_id, at in () if found is None else found.sightings():
                if _remembered(orders, order_id, at, cutoff):
                    order_ids.append(order_id)
                    placed_us.append(at)
        version = 0 if found is None else found.version
        activity.save(
            IdentityActivity(
                key,
                (),
                version + 1,
                (*order_ids[-keep:], order.id),
                (*placed_us[-keep:], placed),
            ),
            expected_version=version,
        )


def _remembered(orders: AggregateRepository[Order], order_id: str, at: int, cutoff: int) -> bool:
    """Whether an order seen at ``at`` is recent, or still owed on (read only when it is old)."""
    return at >= cutoff or _still_owing(orders.find(order_id))


def _still_owing(order: Order | None) -> bool:
    return order is not None and RecentOrder.owed_on_account_of(order).is_positive()
