"""The RFM fold: each customer's order count, spend and latest day, a block of orders at a time.

This is the hot loop of :func:`~ordercore.analytics.rfm.rfm_from_csv`, kept apart from the
scoring so that it can be tuned alone. Two layouts hold the running totals:

- *dense*: while every customer id is a whole number written without leading zeros (the usual
  database key), the id itself indexes three plain lists; no dictionary is consulted per order.
- *keyed*: otherwise a dictionary gives each id a slot in the lists. A block that does not fit
  the dense layout (a text id, an empty one, ids far sparser than the customers) moves the totals
  to this layout once, for good.

Both give the same totals for the same orders. Memory grows with customers, not orders: the
dense lists are never allowed to grow much beyond the number of customers seen.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from itertools import compress, repeat

from ordercore.analytics._scan import digits_only, in_order
from ordercore.analytics.rates import ExchangeRates, convert_minor
from ordercore.errors import CurrencyMismatch

__all__ = ["CustomerTotals", "customer_order"]

_WHOLE_NUMBERS = re.compile(r"(?:0|[1-9]\d{0,17})(?:\n(?:0|[1-9]\d{0,17}))*")
# The dense lists hold one entry per id up to the largest (24 bytes each): ids below the floor
# always fit them (3 MiB at most); beyond it the largest id must stay below the spread times the
# customers, so that the lists stay proportional to the customers.
_DENSE_FLOOR = 1 << 17
_DENSE_SPREAD = 4


def customer_order(ids: Iterable[str]) -> list[str]:
    """Customer ids in id order: whole numbers numerically first, then other ids as text."""
    found = list(ids)
    if _WHOLE_NUMBERS.fullmatch("\n".join(found)):
        return sorted(found, key=int)  # the common case: numeric ids, no leading zeros

    def key(customer: str) -> tuple[int, int, str]:
        if _WHOLE_NUMBERS.fullmatch(customer):
            return (0, int(customer), "")
        return (1, 0, customer)

    return sorted(found, key=key)


class _Slots(dict[str, int]):
    """Customer id -> the customer's slot in the lists; a new id takes the next slot."""

    def __missing__(self, customer: str) -> int:
        slot = self[customer] = len(self)
        return slot


class CustomerTotals:
    """Orders, spend in minor units and latest ISO day per customer, folded block by block.

    Guest orders (customer ``""``) are kept as a customer of their own; :meth:`result` counts
    them out.
    """

    def __init__(self, rates: ExchangeRates | None) -> None:
        self.index: _Slots | None = None  # None while the layout is dense
        self.counts: list[int] = []
        self.sums: list[int] = []
        self.lasts: list[str] = []
        self.newest = ""  # the latest day folded in so far ("" sorts before every day)
        self.rates = rates
        self.currency: str | None = rates.base if rates is not None else None

    def add(
        self, customers: list[str], days: list[str], minors: list[int], currencies: list[str]
    ) -> None:
        """Fold in one block of orders, given as columns of equal length.

        Raises:
            CurrencyMismatch: An order in another currency than the first, without rates.
        """
        if not customers:
            return
        if currencies:
            minors = self._one_currency(minors, currencies)
        slots = self._slots(customers)
        if days[0] >= self.newest and in_order(days):
            # The usual export is in date order: then each order's day is its customer's latest
            # so far, and the block is folded a day at a time without comparing days.
            _fold_in_day_order(self.counts, self.sums, self.lasts, slots, days, minors)
            self.newest = days[-1]
        else:
            _fold(self.counts, self.sums, self.lasts, slots, days, minors)
            self.newest = max(self.newest, max(days))

    def merge(
        self, customers: list[str], counts: list[int], sums: list[int], lasts: list[str]
    ) -> None:
        """Add the totals of another fold (see :meth:`items`) to these."""
        if not customers:
            return
        slots = self._slots(customers)
        mine_counts, mine_sums, mine_lasts = self.counts, self.sums, self.lasts
        for slot, count, total, last in zip(slots, counts, sums, lasts, strict=True):
            mine_counts[slot] += count
            mine_sums[slot] += total
            if last > mine_lasts[slot]:
                mine_lasts[slot] = last
        self.newest = max(self.newest, max(lasts))

    def items(self) -> tuple[list[str], list[int], list[int], list[str]]:
        """Every customer (guests as ``""``) with its totals, in no particular order."""
        counts = self.counts
        if self.index is None:
            return (
                list(map(str, compress(range(len(counts)), counts))),
                list(compress(counts, counts)),
                list(compress(self.sums, counts)),
                list(compress(self.lasts, counts)),
            )
        return list(self.index), list(counts), list(self.sums), list(self.lasts)

    def result(self) -> tuple[list[str], list[int], list[int], list[str], int]:
        """Customers in id order with their order counts, spends and latest days; guest orders."""
        counts, sums, lasts = self.counts, self.sums, self.lasts
        if self.index is None:
            # Dense ids are already in id order; ids never seen have no orders.
            ids = map(str, compress(range(len(counts)), counts))
            return (
                list(ids),
                list(compress(counts, counts)),
                list(compress(sums, counts)),
                list(compress(lasts, counts)),
                0,
            )
        index = dict(self.index)
        guests = counts[index.pop("")] if "" in index else 0
        customers = customer_order(index)
        slots = list(map(index.__getitem__, customers))
        return (
            customers,
            list(map(counts.__getitem__, slots)),
            list(map(sums.__getitem__, slots)),
            list(map(lasts.__getitem__, slots)),
            guests,
        )

    def _slots(self, customers: list[str]) -> list[int]:
        slots = self._dense_slots(customers) if self.index is None else None
        if slots is None:
            if self.index is None:
                self._to_keyed()
            assert self.index is not None
            slots = list(map(self.index.__getitem__, customers))
            self._grow(len(self.index))
        return slots

    def _dense_slots(self, customers: list[str]) -> list[int] | None:
        """The ids of a block as list positions, or None when they do not fit the layout."""
        joined = "\n".join(customers)
        # ASCII digits only, and no leading zero (nor the id "0"): then int() and str() give
        # the id back exactly, and no two ids share a position.
        if not digits_only(joined):
            return None
        if joined.startswith("0") or "\n0" in joined:
            return None
        try:
            ids = list(map(int, customers))
        except ValueError:  # an empty id: a guest order
            return None
        top = max(ids)
        if top >= len(self.counts):
            most = max(_DENSE_FLOOR, _DENSE_SPREAD * (self._customers() + len(ids)))
            if top >= most:
                return None  # ids far sparser than customers: the lists would be mostly holes
            self._grow(min(most, max(top + 1, len(self.counts) * 3 // 2)))
        return ids

    def _customers(self) -> int:
        return len(self.counts) - self.counts.count(0)

    def _to_keyed(self) -> None:
        counts = self.counts
        present = list(compress(range(len(counts)), counts))
        self.index = _Slots(zip(map(str, present), range(len(present)), strict=True))
        self.sums = list(compress(self.sums, counts))
        self.lasts = list(compress(self.lasts, counts))
        self.counts = list(compress(counts, counts))

    def _grow(self, size: int) -> None:
        more = size - len(self.counts)
        if more > 0:
            self.counts.extend(repeat(0, more))
            self.sums.extend(repeat(0, more))
            self.lasts.extend(repeat("", more))

    def _one_currency(self, minors: list[int], currencies: list[str]) -> list[int]:
        if self.rates is None:
            if self.currency is None:
                self.currency = currencies[0]
            for code in sorted(set(currencies)):
                if code != self.currency:
                    raise CurrencyMismatch("monetary", self.currency, code)
            return minors
        rates = self.rates
        return [convert_minor(m, c, rates) for m, c in zip(minors, currencies, strict=True)]


def _fold_in_day_order(
    counts: list[int],
    sums: list[int],
    lasts: list[str],
    slots: list[int],
    days: list[str],
    minors: list[int],
) -> None:
    start, size = 0, len(days)
    while start < size:
        day = days[start]
        end = bisect_right(days, day, start)
        for slot, minor in zip(slots[start:end], minors[start:end], strict=True):
            counts[slot] += 1
            sums[slot] += minor
            lasts[slot] = day
        start = end


def _fold(
    counts: list[int],
    sums: list[int],
    lasts: list[str],
    slots: list[int],
    days: list[str],
    minors: list[int],
) -> None:
    # ISO day strings compare in time order, so no date is built per order.
    for slot, day, minor in zip(slots, days, minors, strict=True):
        counts[slot] += 1
        sums[slot] += minor
        if day > lasts[slot]:
            lasts[slot] = day
