from __future__ import annotations

from collections.abc import Iterable

import pytest

from ordercore import OrderDesk, hookimpl
from ordercore.desk.config import DeskConfig
from ordercore.errors import PluginError, ValidationError
from ordercore.plugins import make_plugin_manager
from ordercore.shipping.builtin_carriers import ManualCarrier
from ordercore.shipping.policy import ShippingPolicy
from ordercore.testing.carriers import ScriptedCarrier


class SecondManual:
    plugin_name = "second-manual"

    @hookimpl
    def ordercore_carriers(self) -> Iterable[object]:
        return [ManualCarrier()]


class NotACarrier:
    plugin_name = "not-a-carrier"

    @hookimpl
    def ordercore_carriers(self) -> Iterable[object]:
        return [object()]


def test_the_built_in_carriers_are_registered_through_the_hook() -> None:
    assert set(make_plugin_manager(entry_points=False).carriers()) == {"manual", "table-rate"}


def test_a_plugin_carrier_is_collected_with_the_built_ins() -> None:
    carriers = make_plugin_manager([ScriptedCarrier("acme")], entry_points=False).carriers()
    assert set(carriers) == {"manual", "table-rate", "acme"}


def test_a_second_carrier_with_a_taken_code_is_refused_naming_both_plugins() -> None:
    with pytest.raises(PluginError) as raised:
        make_plugin_manager([SecondManual()], entry_points=False)
    assert "'manual'" in str(raised.value)
    assert "ordercore.carriers" in str(raised.value)
    assert raised.value.plugin == "second-manual"


def test_a_registration_that_is_not_a_carrier_adapter_is_refused() -> None:
    with pytest.raises(PluginError) as raised:
        make_plugin_manager([NotACarrier()], entry_points=False)
    assert "CarrierAdapter" in str(raised.value)


def test_a_default_carrier_nobody_registered_is_refused_when_the_desk_opens() -> None:
    config = DeskConfig(shipping=ShippingPolicy(default_carrier="pigeon"))
    with pytest.raises(ValidationError) as raised:
        OrderDesk.open(config=config, entry_points=False)
    assert raised.value.field == "carrier"
