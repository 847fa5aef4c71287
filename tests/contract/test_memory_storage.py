"""The memory backend runs the shipped conformance kit unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ordercore import DeskConfig, ManualClock, MemoryStorage, OrderDesk, SequentialIds, Storage
from ordercore.testing.concurrency import ConcurrencyContract
from ordercore.testing.contract import StorageContract
from ordercore.testing.lifecycle_machine import OrderDeskMachine
from ordercore.testing.stock_machine import StockMachine

MEMORY_IS_ONE_PROCESS = {"processes": "a memory store lives inside one process"}


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        backend = MemoryStorage()
        yield backend
        backend.close()


class TestMemoryConcurrency(ConcurrencyContract):
    unsupported = MEMORY_IS_ONE_PROCESS

    @pytest.fixture
    def shared_url(self) -> str:
        return "memory://"


class MemoryStock(StockMachine):
    def open_desk(self, clock: ManualClock) -> OrderDesk:
        return OrderDesk.open("memory://", clock=clock, ids=SequentialIds(), entry_points=False)


TestMemoryStock = MemoryStock.TestCase


class MemoryLifecycle(OrderDeskMachine):
    def open_desk(self, clock: ManualClock, config: DeskConfig) -> OrderDesk:
        return OrderDesk.open(
            "memory://", clock=clock, ids=SequentialIds(), config=config, entry_points=False
        )


TestMemoryLifecycle = MemoryLifecycle.TestCase
