"""The memory backend runs the shipped stock state machine unchanged."""

from __future__ import annotations

from ordercore.testing.stock_machine import StockMachine

TestMemoryStock = StockMachine.TestCase
