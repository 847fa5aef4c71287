"""The ``ordercore`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ordercore._version import __version__
from ordercore.cli._output import Printer
from ordercore.cli.analyze_command import add_analyze_parser, run_analyze
from ordercore.cli.audit_command import FORMATS, run_audit
from ordercore.cli.demo import run_demo
from ordercore.cli.plugins_command import run_plugins
from ordercore.errors import OrderCoreError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordercore", description="Order management domain library: tools and demo."
    )
    parser.add_argument("--version", action="version", version=f"ordercore {__version__}")
    parser.add_argument("--plain", action="store_true", help="plain text output (no rich)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="run what ordercore can do, end to end")
    demo.add_argument(
        "--url", help="storage URL (default: a new SQLite file in a temporary folder)"
    )
    demo.add_argument("--db", help="SQLite file to use (created if missing)")
    commands.add_parser("plugins", help="list plugins, their hooks and load errors")
    add_analyze_parser(commands)
    audit = commands.add_parser("audit", help="run an audit sweep and print the report")
    audit.add_argument("--url", default="memory://", help="storage URL (default: memory://)")
    audit.add_argument("--check", action="append", dest="checks", help="a check code (repeat)")
    audit.add_argument("--format", choices=FORMATS, default="markdown", dest="output")
    audit.add_argument("--seed", type=int, default=0, help="seed N demo orders first")
    audit.add_argument("--at", help="audit as of this ISO 8601 time (default: now)")
    audit.add_argument(
        "--fail-on",
        choices=("info", "warning", "error", "critical"),
        default="error",
        help="exit 1 if a finding is this severe or worse (default: error)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    printer = Printer(plain=args.plain)
    try:
        if args.command == "demo":
            return run_demo(printer, url=args.url, db=args.db)
        if args.command == "plugins":
            return run_plugins(printer)
        if args.command == "analyze":
            return run_analyze(printer, args)
        if args.command == "audit":
            return run_audit(
                printer,
                url=args.url,
                checks=args.checks,
                output=args.output,
                seed=args.seed,
                at=args.at,
                fail_on=args.fail_on,
            )
    except OrderCoreError as exc:
        print(f"ordercore: error: {exc}", file=sys.stderr)
        return 1
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
