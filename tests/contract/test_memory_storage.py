"""The memory backend runs the shipped storage contract unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ordercore import MemoryStorage, Storage
from ordercore.testing.contract import StorageContract


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        backend = MemoryStorage()
        yield backend
        backend.close()
