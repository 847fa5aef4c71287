"""The built-in audit checks, ready to run.

Stock reservations have no check yet: inventory is being built on its own branch. When it
lands, ``ReservationsCheck`` (expired reservations not released, reserved counters that
disagree with the active reservations) belongs here; it reads stock and reservations through
``scope.aggregates(kind)``, which the scope already offers for exactly that.
"""

from __future__ import annotations

from ordercore.audit.checks import AuditCheck
from ordercore.audit.journal_checks import JournalChainCheck, ReplayConsistencyCheck
from ordercore.audit.order_checks import (
    HeldOrdersCheck,
    IncompleteContactCheck,
    OrderCountersCheck,
    OrderTotalsCheck,
    StuckOrdersCheck,
    UnpaidOrdersCheck,
)

__all__ = ["builtin_checks"]


def builtin_checks() -> tuple[AuditCheck, ...]:
    """A fresh instance of every built-in check with its default settings, cheapest first.

    Configure one by building it yourself (``StuckOrdersCheck(service_levels=...)``) and
    passing it to the desk with ``DeskConfig``-independent ``desk.audit.use(check)``.
    """
    return (
        StuckOrdersCheck(),
        HeldOrdersCheck(),
        UnpaidOrdersCheck(),
        OrderTotalsCheck(),
        OrderCountersCheck(),
        IncompleteContactCheck(),
        JournalChainCheck(),
        ReplayConsistencyCheck(),
    )
