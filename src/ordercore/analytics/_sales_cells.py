"""Running sales sums per (period, currency) and key: the hot part of the sales calculators.

Keys (SKUs, channels, ...) get a slot each, shared by every period; each (period, currency)
group keeps three plain lists indexed by slot: revenue in minor units, count and units. A run
of rows of one period and currency is then folded by one C-level pass that turns its keys into
slots and a Python loop that only adds integers at list positions.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from itertools import repeat

from ordercore.analytics.rates import ExchangeRates, convert_minor

__all__ = ["CellRow", "SalesTotals", "runs"]

CellRow = tuple[str, str, str, int, int, int]
"""(period, key, currency, revenue in minor units, count, units)."""


class _Slots(dict[str, int]):
    """Key -> its slot; a new key takes the next slot."""

    def __missing__(self, key: str) -> int:
        slot = self[key] = len(self)
        return slot


class SalesTotals:
    """Revenue, count and units per (period, key, currency); amounts converted when rates given."""

    def __init__(self, rates: ExchangeRates | None) -> None:
        self.slots = _Slots()
        self.groups: dict[tuple[str, str], tuple[list[int], list[int], list[int]]] = {}
        self.rates = rates

    def _group(self, period: str, currency: str) -> tuple[list[int], list[int], list[int]]:
        group = self.groups.get((period, currency))
        if group is None:
            group = self.groups[(period, currency)] = ([], [], [])
        more = len(self.slots) - len(group[0])
        if more > 0:
            for sums in group:
                sums.extend(repeat(0, more))
        return group

    def add(self, period: str, key: str, currency: str, minor: int, units: int) -> None:
        """One row."""
        self.add_sums(period, key, currency, minor, 1, units)

    def add_sums(
        self, period: str, key: str, currency: str, revenue: int, count: int, units: int
    ) -> None:
        """Sums of several rows of one cell."""
        if self.rates is not None:
            revenue = convert_minor(revenue, currency, self.rates)
            currency = self.rates.base
        slot = self.slots[key]
        revenues, counts, units_sold = self._group(period, currency)
        revenues[slot] += revenue
        counts[slot] += count
        units_sold[slot] += units

    def add_run(
        self, period: str, currency: str, keys: list[str], minors: list[int], units: list[int]
    ) -> None:
        """Rows of one period and currency, given as columns (amounts already converted)."""
        slots = list(map(self.slots.__getitem__, keys))
        revenues, counts, units_sold = self._group(period, currency)
        for slot, minor, count in zip(slots, minors, units, strict=True):
            revenues[slot] += minor
            counts[slot] += 1
            units_sold[slot] += count

    def rows(self) -> list[CellRow]:
        """Every cell with rows in it, in (period, key, currency) order."""
        keys = list(self.slots)
        by_key = sorted(range(len(keys)), key=keys.__getitem__)
        found: list[CellRow] = []
        for (period, currency), (revenues, counts, units_sold) in sorted(self.groups.items()):
            width = len(counts)
            present = [slot for slot in by_key if slot < width and counts[slot]]
            found.extend(
                zip(
                    repeat(period),
                    map(keys.__getitem__, present),
                    repeat(currency),
                    map(revenues.__getitem__, present),
                    map(counts.__getitem__, present),
                    map(units_sold.__getitem__, present),
                )
            )
        found.sort()  # already in order but for several currencies in one period
        return found


def runs(labels_of_days: Mapping[str, str], days: list[str]) -> Iterator[tuple[int, int, str]]:
    """``(start, end, label)`` runs of a block whose days are in order, one per period label.

    ``labels_of_days`` gives the label of each day (a dictionary that fills itself in will do).
    """
    start, size = 0, len(days)
    while start < size:
        label = labels_of_days[days[start]]
        end = bisect_right(days, days[start], start)
        while end < size and labels_of_days[days[end]] == label:
            end = bisect_right(days, days[end], end)
        yield start, end, label
        start = end
