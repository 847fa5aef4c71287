"""Acceptance 5: bad input gets a typed error naming the field, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from ordercore import Address, Contact, LineDraft, ManualClock, OrderDesk, OrderDraft, SequentialIds
from ordercore.errors import InvalidTransition, NotFound, OrderCoreError, ValidationError
from ordercore.shipping.model import ShipmentStatus
from ordercore.shipping.tracking import CarrierEvent

from .conftest import CLERK, HOOK, T0, paid_order


def _footprint(desk: OrderDesk) -> tuple[int, int, list[str]]:
    with desk.storage.unit_of_work() as uow:
        head = uow.journal.head().sequence
        messages = len(uow.outbox.list())
    return head, messages, [f"{s.id}:{s.version}" for s in desk.shipping.list()]


def _refused(
    desk: OrderDesk, action: Callable[[], object], error: type[OrderCoreError]
) -> OrderCoreError:
    before = _footprint(desk)
    with pytest.raises(error) as raised:
        action()
    assert _footprint(desk) == before
    return raised.value


def test_a_shipment_of_more_than_is_reserved_at_its_location_is_refused(desk: OrderDesk) -> None:
    order = paid_order(desk, ("SKU-1", 5))  # 3 reserved at BER, 2 at PAR
    error = _refused(
        desk,
        lambda: desk.shipping.create(order.id, {"L1": 4}, location="BER", actor=CLERK),
        ValidationError,
    )
    assert isinstance(error, ValidationError)
    assert error.field == "lines[L1].quantity"
    assert "3 are reserved at BER" in str(error)


def test_units_already_in_another_shipment_are_not_shipped_twice(desk: OrderDesk) -> None:
    order = paid_order(desk, ("SKU-1", 5))
    desk.shipping.create_from_plan(order.id, actor=CLERK)
    error = _refused(
        desk,
        lambda: desk.shipping.create(order.id, {"L1": 1}, location="PAR", actor=CLERK),
        ValidationError,
    )
    assert isinstance(error, ValidationError)
    assert error.field == "lines[L1].quantity"
    error = _refused(
        desk, lambda: desk.shipping.create_from_plan(order.id, actor=CLERK), ValidationError
    )
    assert isinstance(error, ValidationError)
    assert error.field == "lines"


def test_shipping_more_than_remains_reserved_at_hand_over_is_refused(desk: OrderDesk) -> None:
    order = paid_order(desk, ("SKU-1", 3))  # all 3 at BER
    shipment = desk.shipping.create(order.id, {"L1": 3}, location="BER", actor=CLERK)
    desk.shipping.buy_label(shipment.id, actor=CLERK)
    desk.inventory.release(order.id, actor=CLERK, lines={"L1": 1})  # someone freed a unit since
    error = _refused(desk, lambda: desk.shipping.ship(shipment.id, actor=CLERK), ValidationError)
    assert isinstance(error, ValidationError)
    assert error.field == "lines[L1].quantity"
    assert desk.shipping.get(shipment.id).status is ShipmentStatus.LABELLED


@pytest.mark.parametrize("bad", [{"L9": 1}, {"L1": 0}, {"L1": "2"}, {}])
def test_bad_lines_name_the_line(desk: OrderDesk, bad: dict[str, object]) -> None:
    order = paid_order(desk, ("SKU-1", 2))
    error = _refused(
        desk,
        lambda: desk.shipping.create(order.id, bad, location="BER", actor=CLERK),  # type: ignore[arg-type]
        ValidationError,
    )
    assert isinstance(error, ValidationError)
    assert error.field.startswith("lines")


def test_an_unknown_carrier_is_refused_everywhere(desk: OrderDesk) -> None:
    order = paid_order(desk, ("SKU-1", 2))
    error = _refused(
        desk,
        lambda: desk.shipping.create(
            order.id, {"L1": 1}, location="BER", actor=CLERK, carrier="pigeon"
        ),
        ValidationError,
    )
    assert isinstance(error, ValidationError)
    assert error.field == "carrier"
    assert "acme" in str(error)  # names the carriers that are registered
    event = CarrierEvent("pigeon", "P1", T0, "PU")
    error = _refused(
        desk, lambda: desk.shipping.record_tracking([event], actor=HOOK), ValidationError
    )
    assert isinstance(error, ValidationError)
    assert error.field == "carrier"
    error = _refused(
        desk, lambda: desk.shipping.receive_webhook("pigeon", {}, actor=HOOK), ValidationError
    )
    assert isinstance(error, ValidationError)
    assert error.field == "carrier"


def test_events_for_an_unknown_shipment_write_nothing_of_their_batch(desk: OrderDesk) -> None:
    order = paid_order(desk, ("SKU-1", 1))
    (shipment,) = desk.shipping.create_from_plan(
        order.id, actor=CLERK, carrier="acme", service="ground"
    )
    known = desk.shipping.buy_label(shipment.id, actor=CLERK).tracking_number
    assert known is not None
    batch = [
        CarrierEvent("acme", known, T0 + timedelta(hours=1), "PU"),
        CarrierEvent("acme", "NOBODY-KNOWS", T0 + timedelta(hours=1), "PU"),
    ]
    error = _refused(desk, lambda: desk.shipping.record_tracking(batch, actor=HOOK), NotFound)
    assert "NOBODY-KNOWS" in str(error)
    assert desk.shipping.get(shipment.id).events == ()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"scans": []}, "parcel"),
        ({"parcel": "X", "scans": "soon"}, "scans"),
        ({"parcel": "X", "scans": [{"ts": "2025-03-03T10:00:00+00:00"}]}, "scans[0].status_code"),
        ({"parcel": "X", "scans": [{"ts": "tuesday", "status_code": "PU"}]}, "scans[0].ts"),
    ],
)
def test_a_malformed_webhook_names_the_field(
    desk: OrderDesk, payload: dict[str, object], field: str
) -> None:
    error = _refused(
        desk, lambda: desk.shipping.receive_webhook("acme", payload, actor=HOOK), ValidationError
    )
    assert isinstance(error, ValidationError)
    assert error.field == field


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"events": []}, "tracking_number"),
        ({"tracking_number": "T", "events": []}, "events"),
        (
            {"tracking_number": "T", "events": [{"at": "2025-03-03T10:00:00", "code": "x"}]},
            "events[0].at",
        ),
        (
            {"tracking_number": "T", "events": [{"at": "2025-03-03T10:00:00Z", "code": ""}]},
            "events[0].code",
        ),
    ],
)
def test_a_malformed_plain_webhook_names_the_field(
    desk: OrderDesk, payload: dict[str, object], field: str
) -> None:
    error = _refused(
        desk, lambda: desk.shipping.receive_webhook("manual", payload, actor=HOOK), ValidationError
    )
    assert isinstance(error, ValidationError)
    assert error.field == field


def test_an_order_that_cannot_ship_gets_no_shipment(desk: OrderDesk) -> None:
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada", email="ada@example.com"),
        shipping_address=Address("Ada", "1 St", "Berlin", "DE", "10115"),
        lines=[LineDraft("SKU-1", 1, "10.00")],
    )
    placed = desk.orders.place(draft, actor=CLERK)  # not confirmed
    _refused(
        desk,
        lambda: desk.shipping.create(placed.id, {"L1": 1}, location="BER", actor=CLERK),
        InvalidTransition,
    )


def test_an_unknown_location_is_refused(desk: OrderDesk) -> None:
    order = paid_order(desk, ("MUG", 1))
    error = _refused(
        desk,
        lambda: desk.shipping.create(order.id, {"L1": 1}, location="MARS", actor=CLERK),
        ValidationError,
    )
    assert isinstance(error, ValidationError)
    assert error.field == "location"
    assert "BER" in str(error)


def test_units_with_no_location_to_leave_from_are_refused_naming_the_location(
    clock: ManualClock,
) -> None:
    bare = OrderDesk.open(clock=clock, ids=SequentialIds(), entry_points=False)
    order = paid_order(bare, ("MUG", 2))  # no inventory locations, nothing reserved
    error = _refused(
        bare, lambda: bare.shipping.create_from_plan(order.id, actor=CLERK), ValidationError
    )
    assert isinstance(error, ValidationError)
    assert error.field == "location"
    assert "L1" in str(error)
    (shipment,) = bare.shipping.create_from_plan(order.id, actor=CLERK, location="DOCK-1")
    assert (shipment.location, shipment.units) == ("DOCK-1", {"L1": 2})
    bare.close()
