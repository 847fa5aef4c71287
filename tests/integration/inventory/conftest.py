"""Fixtures for desk.inventory tests: a desk with two warehouses and a tracked SKU."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ordercore import Actor, DeskConfig, ManualClock, OrderDesk, SequentialIds
from ordercore.testing import RecordingNotifier

CLERK = Actor("u-clerk", roles={"clerk"})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def config() -> DeskConfig:
    return DeskConfig()


@pytest.fixture
def desk(
    clock: ManualClock, recorder: RecordingNotifier, config: DeskConfig
) -> Iterator[OrderDesk]:
    """Berlin (priority 1, region DE) and Paris (priority 2, region FR); SKU-1 tracked."""
    opened = OrderDesk.open(
        plugins=[recorder], clock=clock, config=config, ids=SequentialIds(), entry_points=False
    )
    opened.inventory.add_location("BER", actor=CLERK, name="Berlin", priority=1, region="DE")
    opened.inventory.add_location("PAR", actor=CLERK, name="Paris", priority=2, region="FR")
    opened.inventory.track("SKU-1", actor=CLERK)
    yield opened
    opened.close()
