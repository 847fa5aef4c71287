"""Shipping copies its values with the fast ``replace``; it must equal ``attrs.evolve`` for them."""

from __future__ import annotations

import attrs
import pytest

from ordercore.shipping.model import OrderShipments, Shipment, ShipmentException

FAST_REPLACED = (Shipment, ShipmentException, OrderShipments)


@pytest.mark.parametrize("cls", FAST_REPLACED, ids=lambda cls: cls.__name__)
def test_classes_copied_with_replace_have_nothing_that_init_would_run(cls: type) -> None:
    assert not hasattr(cls, "__attrs_post_init__")
    for field in attrs.fields(cls):
        assert field.validator is None, f"{cls.__name__}.{field.name} has a validator"
        assert field.converter is None, f"{cls.__name__}.{field.name} has a converter"
        assert field.init, f"{cls.__name__}.{field.name} is not set by __init__"
        assert field.alias == field.name, f"{cls.__name__}.{field.name} has an alias"
