"""The order timeline with its shipments.

Where each parcel is, when it should arrive, and what went wrong (pure; adds to the result of
:func:`ordercore.orders.timeline.build_timeline`).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from ordercore.orders.timeline import StageState, Timeline, TimelineStage
from ordercore.shipping.model import Shipment, ShipmentStatus

__all__ = ["with_shipments"]


def _parcel(shipment: Shipment) -> str:
    where = shipment.tracking_status.value.replace("_", " ")
    number = f" {shipment.tracking_number}" if shipment.tracking_number else ""
    return f"{shipment.carrier}{number}: {where if shipment.events else shipment.status.value}"


def with_shipments(timeline: Timeline, shipments: Sequence[Shipment]) -> Timeline:
    """Add shipment details to ``timeline``.

    The "Shipped" stage lists each parcel with its carrier, tracking number and status; the
    "Delivered" stage, while upcoming or current, says when the parcels should arrive (the
    latest estimate, and the promised date if one was given); every open exception is a stage
    of its own, current, with the suggested resolution.
    """
    live = [s for s in shipments if s.status is not ShipmentStatus.CANCELLED]
    if not live:
        return timeline
    stages = list(timeline.stages)
    estimates = [
        s.estimated_on for s in live if s.estimated_on and s.status is not ShipmentStatus.DELIVERED
    ]
    promised = [s.promised_on for s in live if s.promised_on]
    for index, stage in enumerate(stages):
        if stage.key == "shipped":
            parcels = "; ".join(_parcel(s) for s in live)
            detail = f"{stage.detail}; {parcels}" if stage.detail else parcels
            stages[index] = attrs.evolve(stage, detail=detail)
        elif stage.key == "delivered" and stage.state is not StageState.DONE and estimates:
            eta = f"expected by {max(estimates).isoformat()}"
            if promised:
                eta += f" (promised {max(promised).isoformat()})"
            stages[index] = attrs.evolve(stage, detail=eta)
    current = timeline.current
    for shipment in live:
        for problem in shipment.open_exceptions():
            label = f"Problem with a parcel: {problem.kind.value.replace('_', ' ')}"
            detail = f"{problem.detail}; we will {problem.resolution.value.replace('_', ' ')}"
            stages.append(
                TimelineStage(
                    "shipment_exception", label, StageState.CURRENT, problem.opened_at, detail
                )
            )
            current = label
    return attrs.evolve(timeline, stages=tuple(stages), current=current)
