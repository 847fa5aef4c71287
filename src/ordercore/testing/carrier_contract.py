"""The carrier adapter contract as a pytest base class.

An adapter author writes::

    class TestAcmeCarrier(CarrierContract):
        @pytest.fixture
        def carrier(self) -> CarrierAdapter:
            return AcmeCarrier(sandbox=True)

        @pytest.fixture
        def webhook_payload(self) -> dict[str, object]:
            return {...}  # one valid webhook body of the carrier

and runs pytest. Override ``service`` when the carrier has no ``"standard"`` service,
``webhook_payload`` and ``malformed_webhooks`` for its webhook format. A carrier that cannot do
something declares it with a reason in ``unsupported = {"test_name": "why"}``; those tests are
skipped with that reason, never silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from ordercore.errors import ValidationError
from ordercore.shipping.carriers import (
    CancelRequest,
    CarrierAdapter,
    Label,
    LabelRequest,
    Parcel,
    Place,
    Rate,
    RateRequest,
)
from ordercore.shipping.model import ShipmentLine, TrackingStatus
from ordercore.shipping.tracking import CarrierEvent, StatusTable, normalize

__all__ = ["CarrierContract"]

SHIP_ON = date(2025, 3, 3)


class CarrierContract:
    """Behaviour every carrier adapter must show. Override the ``carrier`` fixture."""

    unsupported: ClassVar[Mapping[str, str]] = {}
    """Test names this carrier cannot pass, each with the reason."""

    @pytest.fixture
    def carrier(self) -> CarrierAdapter:
        """Return a fresh adapter in a sandbox or test mode; adapters override this fixture."""
        raise NotImplementedError("override the 'carrier' fixture to build your adapter")

    @pytest.fixture
    def service(self) -> str:
        """A service level the carrier sells."""
        return "standard"

    @pytest.fixture
    def rate_request(self) -> RateRequest:
        """A parcel the carrier should be able to quote."""
        return RateRequest(
            origin=Place("DE", "10115"),
            destination=Place("DE", "80331"),
            parcels=(Parcel(Decimal("1.2")),),
            ship_on=SHIP_ON,
            currency="EUR",
        )

    @pytest.fixture
    def webhook_payload(self) -> Mapping[str, Any]:
        """A valid webhook body (the plain format of the built-in carriers by default)."""
        return {
            "tracking_number": "PARCEL-1",
            "events": [{"at": "2025-03-03T09:00:00+00:00", "code": "in_transit"}],
        }

    @pytest.fixture
    def malformed_webhooks(self) -> Sequence[Any]:
        """Bodies the carrier must refuse with a ValidationError."""
        return [
            {},
            {"tracking_number": "PARCEL-1"},
            {"tracking_number": "PARCEL-1", "events": "soon"},
            {"tracking_number": "PARCEL-1", "events": [{"at": "yesterday", "code": "x"}]},
            {"tracking_number": "PARCEL-1", "events": [{"at": "2025-03-03T09:00:00"}]},
            ["not", "an", "object"],
        ]

    @pytest.fixture(autouse=True)
    def _declared_unsupported(self, request: pytest.FixtureRequest) -> None:
        name = getattr(request.node, "originalname", request.node.name)
        reason = self.unsupported.get(name)
        if reason is not None:
            pytest.skip(f"declared unsupported by the carrier: {reason}")

    @staticmethod
    def _label_request(key: str, service: str) -> LabelRequest:
        return LabelRequest(
            idempotency_key=key,
            shipment_id=f"shp-{key}",
            service=service,
            origin=Place("DE", "10115"),
            destination=Place("DE", "80331"),
            parcels=(Parcel(Decimal("1.2")),),
            ship_on=SHIP_ON,
            lines=(ShipmentLine("L1", "SKU-1", 1),),
        )

    # -- registration and mapping ----------------------------------------------------------

    def test_the_adapter_satisfies_the_protocol(self, carrier: CarrierAdapter) -> None:
        assert isinstance(carrier, CarrierAdapter)
        assert isinstance(carrier.code, str)
        assert carrier.code.strip()
        assert isinstance(carrier.name, str)
        assert carrier.name.strip()

    def test_the_status_table_lists_each_code_once_with_a_status(
        self, carrier: CarrierAdapter
    ) -> None:
        table = carrier.status_table
        assert isinstance(table, StatusTable)
        codes = [row.code for row in table.rows]
        assert codes, "a carrier must map at least one raw code"
        assert len(codes) == len(set(codes)), "a raw code is listed twice"
        assert all(isinstance(row.status, TrackingStatus) for row in table.rows)

    def test_an_unmapped_code_normalizes_to_unknown(self, carrier: CarrierAdapter) -> None:
        code = "NOT-A-CODE-" + "X" * 12
        assert carrier.status_table.lookup(code) is None
        event = CarrierEvent(carrier.code, "P1", datetime(2025, 3, 3, tzinfo=UTC), code)
        assert normalize(event, carrier.status_table).status is TrackingStatus.UNKNOWN

    # -- rates -----------------------------------------------------------------------------

    def test_rates_are_quotes_of_this_carrier_in_the_requested_currency(
        self, carrier: CarrierAdapter, rate_request: RateRequest
    ) -> None:
        rates = list(carrier.rates(rate_request))
        assert rates, "the rate_request fixture should be a parcel the carrier can quote"
        for rate in rates:
            assert isinstance(rate, Rate)
            assert rate.carrier == carrier.code
            assert rate.amount.currency == rate_request.currency
            assert not rate.amount.is_negative()
            assert rate.transit_days >= 0
            assert rate.deliver_on is None or rate.deliver_on >= rate_request.ship_on

    def test_rates_in_a_currency_it_does_not_price_are_empty_not_converted(
        self, carrier: CarrierAdapter, rate_request: RateRequest
    ) -> None:
        other = RateRequest(
            rate_request.origin,
            rate_request.destination,
            rate_request.parcels,
            rate_request.ship_on,
            "JPY",
        )
        assert all(rate.amount.currency == "JPY" for rate in carrier.rates(other))

    # -- labels ----------------------------------------------------------------------------

    def test_a_label_has_a_tracking_number_and_a_reference(
        self, carrier: CarrierAdapter, service: str
    ) -> None:
        label = carrier.create_shipment(self._label_request("k-1", service))
        assert isinstance(label, Label)
        assert label.tracking_number.strip()
        assert label.label_reference.strip()

    def test_the_same_idempotency_key_returns_the_same_label(
        self, carrier: CarrierAdapter, service: str
    ) -> None:
        first = carrier.create_shipment(self._label_request("k-same", service))
        again = carrier.create_shipment(self._label_request("k-same", service))
        assert again == first

    def test_different_keys_give_different_tracking_numbers(
        self, carrier: CarrierAdapter, service: str
    ) -> None:
        numbers = {
            carrier.create_shipment(self._label_request(f"k-{n}", service)).tracking_number
            for n in range(5)
        }
        assert len(numbers) == 5

    def test_an_unknown_service_is_refused_with_a_validation_error(
        self, carrier: CarrierAdapter
    ) -> None:
        with pytest.raises(ValidationError) as raised:
            carrier.create_shipment(self._label_request("k-bad", "no-such-service-xyz"))
        assert raised.value.field == "service"

    def test_a_label_it_issued_can_be_voided(self, carrier: CarrierAdapter, service: str) -> None:
        label = carrier.create_shipment(self._label_request("k-void", service))
        result = carrier.cancel(CancelRequest(label.tracking_number, label.label_reference))
        assert result.cancelled

    def test_voiding_an_unknown_label_is_refused(self, carrier: CarrierAdapter) -> None:
        assert not carrier.cancel(CancelRequest("NO-SUCH-LABEL", "none")).cancelled

    # -- tracking and webhooks -------------------------------------------------------------

    def test_tracking_an_unknown_number_gives_no_events(self, carrier: CarrierAdapter) -> None:
        assert list(carrier.track(["NO-SUCH-PARCEL"])) == []

    def test_a_valid_webhook_gives_events_of_this_carrier(
        self, carrier: CarrierAdapter, webhook_payload: Mapping[str, Any]
    ) -> None:
        events = list(carrier.parse_webhook(webhook_payload))
        assert events
        for event in events:
            assert isinstance(event, CarrierEvent)
            assert event.carrier == carrier.code
            event.check()

    def test_a_malformed_webhook_is_refused_with_a_validation_error(
        self, carrier: CarrierAdapter, malformed_webhooks: Sequence[Any]
    ) -> None:
        for payload in malformed_webhooks:
            with pytest.raises(ValidationError):
                carrier.parse_webhook(payload)
