"""The layers of ``DESIGN.md``: an import only points down.

Domain packages never import the desk, storage, plugins or the CLI; the kernel imports no domain
package or layer above it at run time (type-only imports for annotations are allowed).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import ordercore

PACKAGE = Path(ordercore.__file__).parent
DOMAIN = ("orders", "inventory", "shipping", "review", "audit", "customers", "aftersales")
ABOVE_DOMAIN = (
    "ordercore.desk",
    "ordercore.storage",
    "ordercore.plugins",
    "ordercore.hookspecs",
    "ordercore.cli",
    "ordercore._builtin_plugins",
)
KERNEL = ("money", "errors", "clock", "ids", "serialization", "kinds")


def _imports(path: Path, *, run_time_only: bool) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if run_time_only:
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.If)
                and isinstance(node.test, ast.Name)
                and node.test.id == "TYPE_CHECKING"
            ):
                skipped.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def _modules(package: str) -> list[Path]:
    folder = PACKAGE / package
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [PACKAGE / f"{package}.py"]


def _violations(name: str, forbidden: tuple[str, ...], *, run_time_only: bool) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE)}:{line} imports {imported}"
        for path in _modules(name)
        for line, imported in _imports(path, run_time_only=run_time_only)
        if imported.startswith(forbidden)
    ]


@pytest.mark.parametrize("package", DOMAIN)
def test_a_domain_package_imports_nothing_above_the_domain(package: str) -> None:
    assert _violations(package, ABOVE_DOMAIN, run_time_only=False) == []


@pytest.mark.parametrize("module", KERNEL)
def test_the_kernel_imports_no_domain_package_or_layer_above_it_at_run_time(module: str) -> None:
    higher = tuple(f"ordercore.{name}" for name in (*DOMAIN, "analytics")) + ABOVE_DOMAIN
    assert _violations(module, higher, run_time_only=True) == []
