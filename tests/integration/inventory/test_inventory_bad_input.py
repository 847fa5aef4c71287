"""Bad input to desk.inventory: a typed error naming the field or object, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from ordercore import (
    Actor,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    OrderCoreError,
    OrderDesk,
    ValidationError,
)

CLERK = Actor("u-clerk", roles={"clerk"})
Call = Callable[[OrderDesk], object]


def _inv(desk: OrderDesk) -> Any:
    return desk.inventory


CASES: list[tuple[str, Call, type[OrderCoreError], str]] = [
    (
        "receive unknown sku",
        lambda d: _inv(d).receive("NOPE", "BER", 1, actor=CLERK),
        NotFound,
        "sku",
    ),
    (
        "receive unknown location",
        lambda d: _inv(d).receive("SKU-1", "XXX", 1, actor=CLERK),
        NotFound,
        "location",
    ),
    (
        "receive zero",
        lambda d: _inv(d).receive("SKU-1", "BER", 0, actor=CLERK),
        ValidationError,
        "quantity",
    ),
    (
        "receive negative",
        lambda d: _inv(d).receive("SKU-1", "BER", -3, actor=CLERK),
        ValidationError,
        "quantity",
    ),
    (
        "receive fractional",
        lambda d: _inv(d).receive("SKU-1", "BER", 1.5, actor=CLERK),
        ValidationError,
        "quantity",
    ),
    (
        "receive a bool",
        lambda d: _inv(d).receive("SKU-1", "BER", True, actor=CLERK),
        ValidationError,
        "quantity",
    ),
    (
        "adjust by zero",
        lambda d: _inv(d).adjust("SKU-1", "BER", 0, actor=CLERK, reason="count"),
        ValidationError,
        "change",
    ),
    (
        "adjust without reason",
        lambda d: _inv(d).adjust("SKU-1", "BER", -1, actor=CLERK, reason=" "),
        ValidationError,
        "reason",
    ),
    (
        "adjust below zero",
        lambda d: _inv(d).adjust("SKU-1", "BER", -9, actor=CLERK, reason="count"),
        ValidationError,
        "change",
    ),
    (
        "adjust below reserved",
        lambda d: _inv(d).adjust("SKU-1", "BER", -4, actor=CLERK, reason="count"),
        ValidationError,
        "change",
    ),
    (
        "adjust unknown sku",
        lambda d: _inv(d).adjust("NOPE", "BER", 1, actor=CLERK, reason="count"),
        NotFound,
        "sku",
    ),
    (
        "transfer to the same location",
        lambda d: _inv(d).transfer("SKU-1", "BER", "BER", 1, actor=CLERK),
        ValidationError,
        "to_location",
    ),
    (
        "transfer to unknown location",
        lambda d: _inv(d).transfer("SKU-1", "BER", "XXX", 1, actor=CLERK),
        NotFound,
        "location",
    ),
    (
        "transfer zero",
        lambda d: _inv(d).transfer("SKU-1", "BER", "PAR", 0, actor=CLERK),
        ValidationError,
        "quantity",
    ),
    (
        "transfer more than available",
        lambda d: _inv(d).transfer("SKU-1", "BER", "PAR", 4, actor=CLERK),
        ValidationError,
        "quantity",
    ),
    (
        "reserve unknown sku",
        lambda d: _inv(d).reserve("o-9", {"SKU-1": 1, "NOPE": 1}, actor=CLERK),
        NotFound,
        "sku",
    ),
    (
        "reserve zero",
        lambda d: _inv(d).reserve("o-9", {"SKU-1": 0}, actor=CLERK),
        ValidationError,
        "lines[SKU-1].quantity",
    ),
    (
        "reserve negative",
        lambda d: _inv(d).reserve("o-9", {"SKU-1": -1}, actor=CLERK),
        ValidationError,
        "lines[SKU-1].quantity",
    ),
    (
        "reserve more than stock",
        lambda d: _inv(d).reserve("o-9", {"SKU-1": 3}, actor=CLERK),
        InsufficientStock,
        "SKU-1",
    ),
    (
        "reserve at unknown location",
        lambda d: _inv(d).reserve("o-9", {"SKU-1": 1}, actor=CLERK, location="XXX"),
        NotFound,
        "location",
    ),
    (
        "reserve with unknown strategy",
        lambda d: _inv(d).reserve("o-9", {"SKU-1": 1}, actor=CLERK, strategy="cheapest"),
        ValidationError,
        "strategy",
    ),
    (
        "reserve with no lines",
        lambda d: _inv(d).reserve("o-9", {}, actor=CLERK),
        ValidationError,
        "lines",
    ),
    (
        "hold without a time to live",
        lambda d: _inv(d).hold("c-9", {"SKU-1": 1}, actor=CLERK, ttl=timedelta(0)),
        ValidationError,
        "ttl",
    ),
    (
        "consume more than reserved",
        lambda d: _inv(d).consume("o-1", {"SKU-1": 3}, actor=CLERK),
        ValidationError,
        "lines[SKU-1].quantity",
    ),
    (
        "consume zero",
        lambda d: _inv(d).consume("o-1", {"SKU-1": 0}, actor=CLERK),
        ValidationError,
        "lines[SKU-1].quantity",
    ),
    (
        "consume an unknown line",
        lambda d: _inv(d).consume("o-1", {"L9": 1}, actor=CLERK),
        ValidationError,
        "lines[L9].quantity",
    ),
    (
        "release twice",
        lambda d: _inv(d).release("o-gone", actor=CLERK),
        InvalidTransition,
        "released",
    ),
    (
        "release an unknown holder",
        lambda d: _inv(d).release("o-none", actor=CLERK),
        NotFound,
        "reservations",
    ),
    (
        "extend without a hold",
        lambda d: _inv(d).extend("o-1", actor=CLERK, ttl=timedelta(minutes=5)),
        InvalidTransition,
        "extend",
    ),
    (
        "extend by a negative time",
        lambda d: _inv(d).extend("o-1", actor=CLERK, ttl=timedelta(minutes=-5)),
        ValidationError,
        "ttl",
    ),
]


def _snapshot(desk: OrderDesk) -> tuple[object, ...]:
    with desk.storage.unit_of_work() as uow:
        written = (uow.journal.head().sequence, len(uow.outbox.list()))
    levels = [desk.inventory.level("SKU-1", loc) for loc in ("BER", "PAR")]
    return written, levels, desk.inventory.reservations("o-1"), desk.inventory.reservations("o-9")


@pytest.mark.parametrize(("name", "call", "error", "named"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_typed_error_and_nothing_is_written(
    desk: OrderDesk, name: str, call: Call, error: type[OrderCoreError], named: str
) -> None:
    desk.inventory.receive("SKU-1", "BER", 3, actor=CLERK)
    desk.inventory.reserve("o-1", {"SKU-1": 2}, actor=CLERK)
    desk.inventory.reserve("o-gone", {"SKU-1": 1}, actor=CLERK)
    desk.inventory.release("o-gone", actor=CLERK)
    before = _snapshot(desk)

    with pytest.raises(error) as caught:
        call(desk)

    assert named in str(caught.value), f"{name}: {caught.value}"
    assert _snapshot(desk) == before
