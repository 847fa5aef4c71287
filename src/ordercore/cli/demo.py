"""``ordercore demo``: run what ordercore can do, end to end, and print what happened.

Each capability adds its part to this demo as it lands.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from ordercore.actors import Actor
from ordercore.audit.journal import verify_chain
from ordercore.cli._output import Printer
from ordercore.cli.demo_customers import DEMO_TIERS, run_customers_part
from ordercore.cli.demo_insights import run_analytics_part, run_audit_part
from ordercore.cli.demo_orders import run_orders_part
from ordercore.cli.demo_shipping import run_shipping_part
from ordercore.cli.demo_stock import run_stock_part
from ordercore.customers.policy import CustomerPolicy
from ordercore.desk.commands import CommandContext
from ordercore.desk.config import DeskConfig
from ordercore.desk.desk import OrderDesk
from ordercore.errors import IdempotencyConflict, TamperDetected, ValidationError
from ordercore.money import Money
from ordercore.testing.fakes import Counter, increment

__all__ = ["demo_storage", "run_demo"]


class _PrinterHandler(logging.Handler):
    def __init__(self, printer: Printer) -> None:
        super().__init__(logging.INFO)
        self._printer = printer

    def emit(self, record: logging.LogRecord) -> None:
        self._printer.line(f"  [log notifier] {record.getMessage()}")


@contextmanager
def _show_notifications(printer: Printer) -> Iterator[None]:
    logger = logging.getLogger("ordercore.notifications")
    handler = _PrinterHandler(printer)
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)


def _money_part(printer: Printer) -> None:
    printer.heading("Money: exact to the minor unit")
    for amount, currency, ratios in (
        ("100.00", "EUR", [1, 1, 1]),
        ("10", "JPY", [3, 7, 7]),
        ("1.000", "KWD", [1, 2, 3]),
    ):
        total = Money.of(amount, currency)
        shares = total.allocate(ratios)
        printer.line(f"  {total} split {ratios} -> {', '.join(str(s) for s in shares)}")
    try:
        Money.of(0.1, "EUR")  # type: ignore[arg-type]
    except Exception as exc:
        printer.line(f"  a float is refused: {type(exc).__name__}: {exc}")


def _increment_and_notify(counter_id: str, by: int) -> Callable[[CommandContext], Counter]:
    apply_increment = increment(counter_id, by)

    def handler(ctx: CommandContext) -> Counter:
        counter = apply_increment(ctx)
        ctx.notify(
            "counter_changed",
            channel="email",
            recipient="ada.lovelace@example.com",
            data={"counter": counter_id, "value": counter.value, "name": "Ada Lovelace"},
        )
        return counter

    return handler


def _commands_part(printer: Printer, desk: OrderDesk) -> None:
    printer.heading("Commands: authorized, idempotent, journaled, notified after commit")
    clerk = Actor("u-clerk", roles={"clerk"})

    for counter_id, by in (("visits", 1), ("visits", 2), ("returns", 1)):
        result = desk.execute(
            _increment_and_notify(counter_id, by),
            action="counter.increment",
            actor=clerk,
            subject=counter_id,
            request={"counter": counter_id, "by": by},
            idempotency_key=f"demo-{counter_id}-{by}",
            result_type=Counter,
        )
        printer.line(f"  {counter_id} += {by} -> value {result.value} (version {result.version})")
    again = desk.execute(
        increment("visits", 2),
        action="counter.increment",
        actor=clerk,
        subject="visits",
        request={"counter": "visits", "by": 2},
        idempotency_key="demo-visits-2",
        result_type=Counter,
    )
    printer.line(f"  the same idempotency key again -> stored result {attrs.asdict(again)}")
    try:
        desk.execute(
            increment("visits", 5),
            action="counter.increment",
            actor=clerk,
            subject="visits",
            request={"counter": "visits", "by": 5},
            idempotency_key="demo-visits-2",
            result_type=Counter,
        )
    except IdempotencyConflict as exc:
        printer.line(f"  the same key with another request -> {type(exc).__name__}: {exc}")


def _journal_part(printer: Printer, desk: OrderDesk) -> None:
    entries = desk.audit.journal()
    printer.heading("Audit journal: hash-chained")
    printer.table(
        "Journal",
        ["seq", "stream", "version", "event", "actor", "hash"],
        [
            (
                e.sequence,
                f"{e.stream_type}/{e.stream_id}",
                e.version,
                e.event_type,
                e.actor,
                e.hash[:16] + "...",
            )
            for e in entries
        ],
    )
    head = desk.audit.head()
    result = desk.audit.verify_journal(against=head)
    printer.line(f"  verify: ok={result.ok}, {result.checked} entries, head {head.sequence}")
    if entries:
        tampered = list(entries)
        victim = tampered[0]
        tampered[0] = attrs.evolve(victim, payload={**victim.payload, "by": 1000})
        try:
            verify_chain(tampered, against=head).raise_if_broken()
        except TamperDetected as exc:
            printer.line(f"  after editing entry 1 in a copy: TamperDetected: {exc}")
        try:
            verify_chain(entries[:-1], against=head).raise_if_broken()
        except TamperDetected as exc:
            printer.line(f"  after cutting the tail: TamperDetected: {exc}")


def demo_storage(*, url: str | None = None, db: str | None = None) -> tuple[str, Path | None]:
    """The storage URL of a demo run and the SQLite file it uses, if it uses one.

    Args:
        url: A storage URL given on the command line; wins over ``db``.
        db: A SQLite file to use (created if missing).

    Returns:
        ``(url, path)``; with neither argument, a new SQLite file in a new temporary folder.

    Raises:
        ValidationError: If ``db`` names a file that exists.
    """
    if url is not None:
        return url, None
    if db and Path(db).exists():
        raise ValidationError("db", f"{db} exists; the demo builds a new shop in a new file")
    path = Path(db) if db else Path(tempfile.mkdtemp(prefix="ordercore-demo-")) / "demo.db"
    path = path.resolve()
    return f"sqlite:///{path}", path


def run_demo(printer: Printer, *, url: str | None = None, db: str | None = None) -> int:
    """Open a desk (by default on a new SQLite file) and exercise every capability that exists."""
    url, path = demo_storage(url=url, db=db)
    config = DeskConfig(customers=CustomerPolicy(tiers=DEMO_TIERS))
    with OrderDesk.open(url, config=config) as desk, _show_notifications(printer):
        printer.line(f"ordercore demo on {desk.storage.url}")
        if path is not None:
            printer.line(f"  the shop is a SQLite file: {path} (kept; look inside with sqlite3)")
        printer.line(f"  plugins: {', '.join(info.name for info in desk.plugins.plugins())}")
        _money_part(printer)
        _commands_part(printer, desk)
        run_orders_part(printer, desk)
        reserved_order = run_stock_part(printer, desk)
        run_shipping_part(printer, desk, reserved_order)
        run_customers_part(printer, desk)
        run_analytics_part(printer, desk)
        run_audit_part(printer, desk)
        _journal_part(printer, desk)
        delivered = desk.outbox.delivered()
        printer.heading("Outbox")
        printer.line(
            f"  {len(delivered)} delivered, {len(desk.outbox.pending())} pending, "
            f"{len(desk.outbox.dead())} dead"
        )
    if path is not None:
        printer.line(f"\nEverything above is stored in {path}")
    return 0
