"""The shipped carrier conformance tests, run for the built-in carriers and a plugin carrier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from ordercore import Money
from ordercore.plugins import make_plugin_manager
from ordercore.shipping.builtin_carriers import ManualCarrier, RateRow, RateTable, TableRateCarrier
from ordercore.shipping.carriers import CarrierAdapter
from ordercore.testing.carrier_contract import CarrierContract
from ordercore.testing.carriers import ScriptedCarrier


def _registered(code: str, *plugins: object) -> CarrierAdapter:
    """The adapter the plugin manager collected from the hook for ``code``."""
    return make_plugin_manager(plugins, entry_points=False).carriers()[code]


class TestManualCarrier(CarrierContract):
    unsupported: ClassVar[Mapping[str, str]] = {
        "test_rates_are_quotes_of_this_carrier_in_the_requested_currency": (
            "manual shipping has no price list and quotes nothing"
        ),
        "test_an_unknown_service_is_refused_with_a_validation_error": (
            "staff type the service of a manual shipment; any name is accepted"
        ),
    }

    @pytest.fixture
    def carrier(self) -> CarrierAdapter:
        found = _registered("manual")
        assert isinstance(found, ManualCarrier)
        return ManualCarrier()  # a fresh one: labels issued are kept per instance


TABLE = RateTable(
    rows=(
        RateRow("standard", "domestic", Decimal("2"), Money.of("4.90", "EUR")),
        RateRow("standard", "domestic", Decimal("10"), Money.of("6.90", "EUR")),
        RateRow("express", "domestic", Decimal("10"), Money.of("12.90", "EUR")),
    ),
    zones={"DE": "domestic"},
    transit_days={"standard": 3, "express": 1},
)


class TestTableRateCarrier(CarrierContract):
    @pytest.fixture
    def carrier(self) -> CarrierAdapter:
        found = _registered("table-rate")
        assert isinstance(found, TableRateCarrier)
        return found.with_table(TABLE)


class TestScriptedPluginCarrier(CarrierContract):
    """The third-party test carrier, taken from the plugin manager after the hook ran."""

    @pytest.fixture
    def carrier(self) -> CarrierAdapter:
        return _registered("acme", ScriptedCarrier("acme"))

    @pytest.fixture
    def service(self) -> str:
        return "ground"

    @pytest.fixture
    def webhook_payload(self) -> Mapping[str, Any]:
        return {
            "parcel": "ACME1",
            "scans": [{"ts": "2025-03-03T10:00:00+00:00", "status_code": "PU"}],
        }

    @pytest.fixture
    def malformed_webhooks(self) -> Sequence[Any]:
        return [
            {},
            {"parcel": "ACME1"},
            {"parcel": "ACME1", "scans": []},
            {"parcel": "ACME1", "scans": [{"ts": "2025-03-03T10:00:00+00:00"}]},
            {"parcel": "ACME1", "scans": [{"ts": "soon", "status_code": "PU"}]},
            {"parcel": "ACME1", "scans": [{"ts": "2025-03-03T10:00:00", "status_code": "PU"}]},
        ]
