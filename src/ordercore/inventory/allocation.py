"""The contract of a multi-location allocation strategy."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["AllocationStrategy"]


@runtime_checkable
class AllocationStrategy(Protocol):
    """Decides which locations serve which quantities of an order's demand.

    Attributes:
        code: Unique, stable code (``"priority"``, ``"fewest-splits"``).
        description: One line saying what the strategy optimises.
    """

    code: str
    description: str

    def plan(self, demand: object, levels: object) -> object:
        """Return an allocation plan for ``demand`` given the stock ``levels``."""
        ...
