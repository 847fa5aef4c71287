"""Acceptance 4: one label however often the carrier fails; a hanging carrier is timed out
without a unit of work held."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from ordercore import Actor, DeskConfig, ManualClock, OrderDesk, SequentialIds
from ordercore.errors import CarrierUnavailable, PermissionDenied, ValidationError
from ordercore.shipping.carriers import LabelRequest
from ordercore.shipping.model import ShipmentStatus
from ordercore.shipping.policy import ShippingPolicy
from ordercore.testing.carriers import ScriptedCarrier

from .conftest import CLERK, T0, paid_order


def _desk(carrier: ScriptedCarrier, **policy: object) -> OrderDesk:
    settings = ShippingPolicy(retry_pause=timedelta(0), **policy)  # type: ignore[arg-type]
    desk = OrderDesk.open(
        plugins=[carrier],
        clock=ManualClock(T0),
        config=DeskConfig(shipping=settings),
        ids=SequentialIds(),
        entry_points=False,
    )
    return desk


def _planned(desk: OrderDesk, carrier: str) -> str:
    order = paid_order(desk, ("MUG", 1))
    return desk.shipping.create(
        order.id, {"L1": 1}, location="BER", actor=CLERK, carrier=carrier, service="ground"
    ).id


@pytest.mark.parametrize("lose_answer", [False, True], ids=["refused", "answer-lost"])
def test_a_carrier_failing_twice_then_succeeding_buys_exactly_one_label(lose_answer: bool) -> None:
    carrier = ScriptedCarrier("flaky", fail_first=2, lose_answer=lose_answer)
    with _desk(carrier) as desk:
        shipment_id = _planned(desk, "flaky")
        labelled = desk.shipping.buy_label(shipment_id, actor=CLERK)
        assert carrier.calls == 3
        assert carrier.labels_bought == 1
        assert labelled.status is ShipmentStatus.LABELLED
        assert labelled.label_attempts == 2  # both failures recorded
        kinds = [e.event_type for e in desk.audit.stream("shipment", shipment_id)]
        assert kinds == [
            "ShipmentPlanned",
            "LabelRequested",
            "LabelFailed",
            "LabelFailed",
            "LabelBought",
        ]


def test_a_purchase_whose_answers_were_all_lost_is_reconciled_through_its_key() -> None:
    carrier = ScriptedCarrier("flaky", fail_first=3, lose_answer=True)
    with _desk(carrier, label_attempts=3) as desk:
        shipment_id = _planned(desk, "flaky")
        with pytest.raises(CarrierUnavailable) as raised:
            desk.shipping.buy_label(shipment_id, actor=CLERK)
        assert raised.value.shipment_id == shipment_id
        waiting = desk.shipping.get(shipment_id)
        assert waiting.status is ShipmentStatus.LABEL_PENDING
        assert waiting.label_key is not None
        assert carrier.labels_bought == 1  # bought at the carrier, not yet recorded here

        (reconciled,) = desk.shipping.reconcile_labels(actor=CLERK)
        assert reconciled.status is ShipmentStatus.LABELLED
        assert carrier.labels_bought == 1  # the same key gave back the same label
        assert reconciled.label_key == waiting.label_key
        assert desk.shipping.replay(shipment_id) == reconciled


def test_buying_again_while_a_label_is_pending_reuses_the_key() -> None:
    carrier = ScriptedCarrier("flaky", fail_first=1)
    with _desk(carrier, label_attempts=1) as desk:
        shipment_id = _planned(desk, "flaky")
        with pytest.raises(CarrierUnavailable):
            desk.shipping.buy_label(shipment_id, actor=CLERK)
        key = desk.shipping.get(shipment_id).label_key
        labelled = desk.shipping.buy_label(shipment_id, actor=CLERK)
        assert labelled.label_key == key
        assert carrier.labels_bought == 1


class _OpenUnits:
    """Counts the units of work open on a storage, by wrapping ``unit_of_work``."""

    def __init__(self, desk: OrderDesk) -> None:
        self.open = 0
        self._lock = threading.Lock()
        original = desk.storage.unit_of_work
        counter = self

        class Counted:
            def __init__(self) -> None:
                self._inner = original()

            def __enter__(self) -> object:
                entered = self._inner.__enter__()
                with counter._lock:
                    counter.open += 1
                return entered

            def __exit__(self, *exc: object) -> None:
                with counter._lock:
                    counter.open -= 1
                self._inner.__exit__(*exc)  # type: ignore[arg-type]

        desk.storage.unit_of_work = Counted  # type: ignore[method-assign,assignment]


@pytest.fixture
def hanging() -> Iterator[ScriptedCarrier]:
    carrier = ScriptedCarrier("stuck", hang=True)
    yield carrier
    carrier.release()


def test_a_hanging_carrier_is_timed_out_without_holding_a_unit_of_work(
    hanging: ScriptedCarrier,
) -> None:
    seen: list[int] = []
    read_while_waiting: list[bool] = []
    with _desk(hanging, carrier_timeout=timedelta(milliseconds=200), label_attempts=2) as desk:
        units = _OpenUnits(desk)
        shipment_id = _planned(desk, "stuck")

        def during_the_call(request: LabelRequest) -> None:
            seen.append(units.open)
            # Another command can read while the carrier is being called.
            read_while_waiting.append(desk.shipping.get(request.shipment_id).id == shipment_id)

        hanging.on_call = during_the_call
        with pytest.raises(CarrierUnavailable) as raised:
            desk.shipping.buy_label(shipment_id, actor=CLERK)
        assert "did not answer" in str(raised.value)
        assert seen == [0, 0]  # no unit of work open while either attempt was waiting
        assert read_while_waiting == [True, True]
        assert units.open == 0
        waiting = desk.shipping.get(shipment_id)
        assert waiting.status is ShipmentStatus.LABEL_PENDING
        assert waiting.label_attempts == 2
        assert waiting.last_error is not None
        assert "did not answer" in waiting.last_error


def test_a_request_the_carrier_refuses_is_not_retried() -> None:
    carrier = ScriptedCarrier("acme")
    with _desk(carrier) as desk:
        shipment_id = _planned(desk, "acme")
        with pytest.raises(ValidationError) as raised:
            desk.shipping.buy_label(shipment_id, actor=CLERK, service="teleport")
        assert raised.value.field == "service"
        assert carrier.calls == 1
        assert carrier.labels_bought == 0
        # Nothing was bought, so the key is released and another service may be bought.
        planned = desk.shipping.get(shipment_id)
        assert (planned.status, planned.label_key) == (ShipmentStatus.PLANNED, None)
        labelled = desk.shipping.buy_label(shipment_id, actor=CLERK, service="ground")
        assert (labelled.service, carrier.labels_bought) == ("ground", 1)
        assert desk.shipping.replay(shipment_id) == labelled


def test_an_actor_who_may_not_buy_labels_is_refused_before_the_carrier_is_called() -> None:
    carrier = ScriptedCarrier("acme")
    config = DeskConfig(
        shipping=ShippingPolicy(retry_pause=timedelta(0)),
        required_roles={"shipping.buy_label": {"shipper"}, "shipping.cancel": {"shipper"}},
    )
    with OrderDesk.open(
        plugins=[carrier],
        clock=ManualClock(T0),
        config=config,
        ids=SequentialIds(),
        entry_points=False,
    ) as desk:
        shipment_id = _planned(desk, "acme")
        with pytest.raises(PermissionDenied):
            desk.shipping.buy_label(shipment_id, actor=CLERK)
        assert carrier.calls == 0
        assert desk.shipping.get(shipment_id).status is ShipmentStatus.PLANNED
        shipper = Actor("u-shipper", roles={"shipper"})
        labelled = desk.shipping.buy_label(shipment_id, actor=shipper)
        assert labelled.status is ShipmentStatus.LABELLED
        with pytest.raises(PermissionDenied):
            desk.shipping.cancel(shipment_id, actor=CLERK, reason="changed my mind")
        assert desk.shipping.get(shipment_id).status is ShipmentStatus.LABELLED
