"""The contract of an order review rule.

The review capability runs every registered rule over each incoming order. This module holds the
contract that plugin rules implement; the engine and the built-in rules build on it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["ReviewRule"]


@runtime_checkable
class ReviewRule(Protocol):
    """A rule that looks at an order and may produce a finding.

    Attributes:
        code: Unique, stable code (``"high-value-new-customer"``); policies refer to it.
        description: One line saying what the rule looks for.
    """

    code: str
    description: str

    def evaluate(self, order: object, context: object) -> object | None:
        """Return a finding about ``order``, or ``None`` when the rule has nothing to say."""
        ...
