"""The contract of a periodic audit check.

Audit sweeps run every registered check over the stored records; each check reports what is
stale, inconsistent or incomplete.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["AuditCheck"]


@runtime_checkable
class AuditCheck(Protocol):
    """A check that inspects stored records and reports findings.

    Attributes:
        code: Unique, stable code (``"order-totals"``); audit plans refer to it.
        description: One line saying what the check looks for.
    """

    code: str
    description: str

    def run(self, records: object, now: object) -> object:
        """Inspect ``records`` as of ``now`` and return the findings."""
        ...
