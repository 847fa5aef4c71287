"""Test-wide settings: Hypothesis profiles.

``ci`` (the default) keeps example counts sensible for CI; set ``ORDERCORE_HYPOTHESIS=deep``
for a long run (or ``dev`` for a quick one while editing).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ordercore.storage.sqlite import SQLiteStorage

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "deep",
    max_examples=5_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("ORDERCORE_HYPOTHESIS", "ci"))


def _no_round(storage: SQLiteStorage) -> None:
    """A checkpoint round that writes nothing, so that a test says when batches are written."""


@contextmanager
def _without_rounds(path: Path) -> Iterator[SQLiteStorage]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SQLiteStorage, "_rows_behind_round", _no_round)
        storage = SQLiteStorage(f"sqlite:///{path}")
    try:
        yield storage
    finally:
        storage.close()


@pytest.fixture(scope="session")
def storage_without_rounds() -> Callable[[Path], AbstractContextManager[SQLiteStorage]]:
    """Open a SQLite file whose checkpoint rounds write no batches (closing still does)."""
    return _without_rounds
