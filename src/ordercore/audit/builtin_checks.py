"""The built-in audit checks, ready to run: orders, stock, customers, then the journal."""

from __future__ import annotations

from ordercore.audit.checks import AuditCheck
from ordercore.audit.customer_checks import CustomerRecordsCheck
from ordercore.audit.journal_checks import JournalChainCheck, ReplayConsistencyCheck
from ordercore.audit.order_checks import (
    HeldOrdersCheck,
    IncompleteContactCheck,
    OrderCountersCheck,
    OrderTotalsCheck,
    StuckOrdersCheck,
    UnpaidOrdersCheck,
)
from ordercore.audit.stock_checks import (
    ExpiredReservationsCheck,
    ReservedCountersCheck,
    StockLedgerCheck,
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
        ExpiredReservationsCheck(),
        ReservedCountersCheck(),
        CustomerRecordsCheck(),
        JournalChainCheck(),
        ReplayConsistencyCheck(),
        StockLedgerCheck(),
    )
