"""Every shipment command applies exactly in the statuses its row of the table lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ordercore.errors import InvalidTransition
from ordercore.shipping import shipments as decide
from ordercore.shipping.carriers import Label
from ordercore.shipping.model import (
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
LABEL = Label("TR1", "ref-1", "standard")

COMMANDS: dict[str, Callable[[Shipment], object]] = {
    "request_label": lambda s: decide.request_label(s, key="k", now=T0),
    "label_failed": lambda s: decide.label_failed(s, error="boom", now=T0),
    "label_bought": lambda s: decide.label_bought(
        s, label=LABEL, now=T0, tracking_url=None, transit_days=2, estimated_on=None
    ),
    "ship": lambda s: decide.ship(s, now=T0, estimated_on=None),
    "cancel": lambda s: decide.cancel(s, now=T0, reason="no longer needed"),
    "track": lambda s: decide.track(s, [TrackingEvent(T0, TrackingStatus.IN_TRANSIT, "x")]),
}


def shipment(status: ShipmentStatus) -> Shipment:
    return Shipment(
        id="shp-1",
        order_id="ord-1",
        location="BER",
        lines=(ShipmentLine("L1", "SKU-1", 1),),
        carrier="manual",
        service="standard",
        status=status,
        created_at=T0,
        label_key="k",
    )


def test_the_table_has_a_row_for_every_command() -> None:
    assert set(decide.TRANSITIONS) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("status", list(ShipmentStatus), ids=lambda s: s.value)
def test_a_command_applies_in_its_rows_statuses_and_nowhere_else(
    command: str, status: ShipmentStatus
) -> None:
    run = COMMANDS[command]
    if status in decide.TRANSITIONS[command]:
        run(shipment(status))
    else:
        with pytest.raises(InvalidTransition):
            run(shipment(status))
