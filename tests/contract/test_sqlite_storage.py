"""The SQLite backend runs the shipped conformance kit unchanged, on a file and in memory."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ordercore import DeskConfig, ManualClock, OrderDesk, SequentialIds, Storage
from ordercore.storage.sqlite import SQLiteStorage
from ordercore.testing.concurrency import ConcurrencyContract
from ordercore.testing.contract import StorageContract
from ordercore.testing.lifecycle_machine import OrderDeskMachine
from ordercore.testing.stock_machine import StockMachine

SQLITE_UNSUPPORTED = {
    "generations": "the locations are read in every command; no per-kind change counter yet",
}


class TestSQLiteFileStorage(StorageContract):
    unsupported = SQLITE_UNSUPPORTED

    @pytest.fixture
    def storage(self, tmp_path: Path) -> Iterator[Storage]:
        backend = SQLiteStorage(f"sqlite:///{tmp_path / 'contract.db'}")
        yield backend
        backend.close()


class TestSQLiteMemoryStorage(StorageContract):
    unsupported = SQLITE_UNSUPPORTED

    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        backend = SQLiteStorage("sqlite://:memory:")
        yield backend
        backend.close()


class TestSQLiteConcurrency(ConcurrencyContract):
    @pytest.fixture
    def shared_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'hot.db'}"


class _FreshFiles:
    """Each desk a machine opens gets a new database file, removed when the run ends."""

    def __init__(self) -> None:
        self.folders: list[str] = []

    def url(self) -> str:
        folder = tempfile.mkdtemp(prefix="ordercore-kit-")
        self.folders.append(folder)
        return f"sqlite:///{Path(folder) / 'shop.db'}"

    def remove(self) -> None:
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


class SQLiteStock(StockMachine):
    def open_desk(self, clock: ManualClock) -> OrderDesk:
        self.files = _FreshFiles()
        return OrderDesk.open(
            self.files.url(), clock=clock, ids=SequentialIds(), entry_points=False
        )

    def teardown(self) -> None:
        super().teardown()
        self.files.remove()


class SQLiteLifecycle(OrderDeskMachine):
    def open_desk(self, clock: ManualClock, config: DeskConfig) -> OrderDesk:
        if not hasattr(self, "files"):
            self.files = _FreshFiles()
        return OrderDesk.open(
            self.files.url(), clock=clock, ids=SequentialIds(), config=config, entry_points=False
        )

    def teardown(self) -> None:
        super().teardown()
        self.files.remove()


TestSQLiteStock = SQLiteStock.TestCase
TestSQLiteLifecycle = SQLiteLifecycle.TestCase
