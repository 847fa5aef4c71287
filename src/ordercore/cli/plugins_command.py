"""``ordercore plugins``: what is registered, what each plugin offers, what failed to load."""

from __future__ import annotations

from collections.abc import Mapping

from ordercore.audit.checks import AuditCheck
from ordercore.cli._output import Printer
from ordercore.inventory.allocation import AllocationStrategy
from ordercore.plugins import make_plugin_manager
from ordercore.review.rules import ReviewRule

__all__ = ["run_plugins"]


def run_plugins(printer: Printer) -> int:
    """List plugins, their hooks and registrations, and entry points that failed to load."""
    manager = make_plugin_manager()
    printer.table(
        "Plugins",
        ["name", "source", "hooks"],
        [(info.name, info.source, ", ".join(info.hooks)) for info in manager.plugins()],
    )
    registrations: list[tuple[str, str, str]] = []
    for scheme, backend in sorted(manager.storage_backends().items()):
        registrations.append(("storage", f"{scheme}://", backend.description))
    for name, notifier in sorted(manager.notifiers().items()):
        channels = ", ".join(notifier.channels)
        registrations.append(("notifier", name, f"{notifier.description} [{channels}]"))
    for code in sorted(manager.carriers()):
        registrations.append(("carrier", code, manager.carriers()[code].name))
    described: tuple[tuple[str, Mapping[str, ReviewRule | AuditCheck | AllocationStrategy]], ...]
    described = (
        ("review rule", manager.review_rules()),
        ("audit check", manager.audit_checks()),
        ("allocation", manager.allocation_strategies()),
    )
    for kind, found in described:
        for code in sorted(found):
            registrations.append((kind, code, found[code].description))
    printer.table("Registrations", ["kind", "name", "description"], registrations)
    if manager.load_errors:
        printer.table(
            "Entry points that failed to load (skipped)",
            ["distribution", "entry point", "error"],
            [(e.distribution, e.entry_point, e.error) for e in manager.load_errors],
        )
    else:
        printer.line("No entry point failed to load.")
    return 0
