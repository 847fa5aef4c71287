"""Bad input through the desk: a typed error naming the field, and nothing written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import attrs
import pytest

from ordercore import (
    Actor,
    Address,
    Contact,
    CurrencyMismatch,
    DeskConfig,
    EditRequest,
    InvalidTransition,
    LineDraft,
    ManualClock,
    Money,
    NotFound,
    Order,
    OrderCoreError,
    OrderDesk,
    OrderDraft,
    OrderStatus,
    PaymentKind,
    ReviewPolicy,
    SequentialIds,
    ValidationError,
)
from ordercore.testing import RecordingNotifier

S = OrderStatus
CLERK = Actor("u-clerk")
ADDRESS = Address("Ada Lovelace", "1 Main St", "Berlin", "DE", "10115")


def _draft(**changes: Any) -> OrderDraft:
    draft = OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email="ada@example.com"),
        shipping_address=ADDRESS,
        lines=[LineDraft("SKU-1", 3, "10.00", tax_rate="0.19"), LineDraft("SKU-2", 1, "5.00")],
    )
    return attrs.evolve(draft, **changes)


def _line(**changes: Any) -> list[LineDraft]:
    return [attrs.evolve(LineDraft("SKU-1", 1, "10.00"), **changes)]


@attrs.frozen
class Snapshot:
    journal: int
    outbox: int
    orders: tuple[Order, ...]


def _snapshot(desk: OrderDesk) -> Snapshot:
    with desk.storage.unit_of_work() as uow:
        journal, outbox = uow.journal.head().sequence, len(uow.outbox.list())
    assert desk.audit.head().sequence == journal
    return Snapshot(journal, outbox, tuple(desk.orders.list()))


@pytest.fixture
def recorder() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def desk(recorder: RecordingNotifier) -> Iterator[OrderDesk]:
    with OrderDesk.open(
        "memory://",
        clock=ManualClock(),
        ids=SequentialIds(),
        entry_points=False,
        plugins=[recorder],
        # These tests take orders through review by hand; automatic review has its own tests.
        config=DeskConfig(review=ReviewPolicy(automatic=False)),
    ) as opened:
        # Something already written, so "unchanged" is not just "empty".
        opened.orders.place(_draft(), actor=CLERK)
        yield opened


def _refused(
    desk: OrderDesk, error: type[OrderCoreError], call: Callable[[], object]
) -> OrderCoreError:
    before = _snapshot(desk)
    with pytest.raises(error) as caught:
        call()
    assert _snapshot(desk) == before
    return caught.value


# -- drafts --------------------------------------------------------------------------------

BAD_DRAFTS: list[tuple[str, dict[str, object], type[ValidationError], str]] = [
    ("zero-quantity", {"lines": _line(quantity=0)}, ValidationError, "lines[0].quantity"),
    ("negative-quantity", {"lines": _line(quantity=-2)}, ValidationError, "lines[0].quantity"),
    ("float-quantity", {"lines": _line(quantity=1.5)}, ValidationError, "lines[0].quantity"),
    (
        "decimal-quantity",
        {"lines": _line(quantity=Decimal("1.5"))},
        ValidationError,
        "lines[0].quantity",
    ),
    (
        "whole-decimal-quantity",
        {"lines": _line(quantity=Decimal("2"))},
        ValidationError,
        "lines[0].quantity",
    ),
    ("float-price", {"lines": _line(unit_price=9.99)}, ValidationError, "lines[0].unit_price"),
    ("negative-price", {"lines": _line(unit_price="-1")}, ValidationError, "lines[0].unit_price"),
    ("unknown-currency", {"currency": "XYZ"}, ValidationError, "currency"),
    ("lower-case-currency", {"currency": "eur"}, ValidationError, "currency"),
    (
        "usd-price-on-eur-draft",
        {"lines": _line(unit_price=Money.of("9.99", "USD"))},
        CurrencyMismatch,
        "lines[0].unit_price",
    ),
    (
        "usd-discount-on-eur-draft",
        {"order_discount": Money.of("1.00", "USD")},
        CurrencyMismatch,
        "order_discount",
    ),
    ("empty-lines", {"lines": []}, ValidationError, "lines"),
    (
        "no-contact-name",
        {"contact": Contact("", email="a@example.com")},
        ValidationError,
        "contact.name",
    ),
    (
        "lone-surrogate-in-name",
        {"contact": Contact("Ada\udc80", email="a@example.com")},
        ValidationError,
        "contact.name",
    ),
    (
        "lone-surrogate-in-city",
        {"shipping_address": attrs.evolve(ADDRESS, city="Berl\ud800in")},
        ValidationError,
        "shipping_address.city",
    ),
    ("no-email-or-phone", {"contact": Contact("Ada")}, ValidationError, "contact.email"),
    (
        "bad-email",
        {"contact": Contact("Ada", email="ada.example.com")},
        ValidationError,
        "contact.email",
    ),
    (
        "no-street",
        {"shipping_address": attrs.evolve(ADDRESS, line1="")},
        ValidationError,
        "shipping_address.line1",
    ),
    (
        "no-city",
        {"shipping_address": attrs.evolve(ADDRESS, city="  ")},
        ValidationError,
        "shipping_address.city",
    ),
    (
        "country-name",
        {"shipping_address": attrs.evolve(ADDRESS, country="Germany")},
        ValidationError,
        "shipping_address.country",
    ),
    (
        "no-postal-code",
        {"shipping_address": attrs.evolve(ADDRESS, postal_code="")},
        ValidationError,
        "shipping_address.postal_code",
    ),
    (
        "bad-billing-country",
        {"billing_address": attrs.evolve(ADDRESS, country="de")},
        ValidationError,
        "billing_address.country",
    ),
]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [case[1:] for case in BAD_DRAFTS],
    ids=[case[0] for case in BAD_DRAFTS],
)
@pytest.mark.parametrize("key", [None, "idem-bad"], ids=["no-key", "with-key"])
def test_a_bad_draft_is_refused_with_its_field_and_writes_nothing(
    desk: OrderDesk,
    recorder: RecordingNotifier,
    changes: dict[str, object],
    error: type[ValidationError],
    field: str,
    key: str | None,
) -> None:
    sent = len(recorder.attempts)
    refused = _refused(
        desk, error, lambda: desk.orders.place(_draft(**changes), actor=CLERK, idempotency_key=key)
    )
    assert isinstance(refused, error)
    assert refused.field == field
    assert field in str(refused)
    assert len(recorder.attempts) == sent
    if key is not None:
        # The refused request did not use up its key: a good request with it goes through.
        placed = desk.orders.place(_draft(), actor=CLERK, idempotency_key=key)
        assert placed.number == "SO-000002"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"contact": Contact("Ada", email="zz-secret-ada.example.com")}, "contact.email"),
        (
            {"shipping_address": attrs.evolve(ADDRESS, country="zz-secret-land")},
            "shipping_address.country",
        ),
        ({"contact": Contact("zz-secret-" + "a" * 500, email="a@example.com")}, "contact.name"),
    ],
    ids=["email", "country", "long-name"],
)
def test_errors_name_fields_but_never_personal_values(
    desk: OrderDesk, changes: dict[str, object], field: str
) -> None:
    refused = _refused(
        desk, ValidationError, lambda: desk.orders.place(_draft(**changes), actor=CLERK)
    )
    assert isinstance(refused, ValidationError)
    assert refused.field == field
    assert "zz-secret" not in str(refused)


# -- commands on an existing order ---------------------------------------------------------


def _completed(desk: OrderDesk) -> Order:
    order = desk.orders.get("ord_000001")
    desk.orders.approve(order.id, actor=CLERK)
    desk.orders.confirm(order.id, actor=CLERK)
    desk.orders.record_payment(
        order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )
    desk.orders.ship(order.id, actor=CLERK)
    desk.orders.deliver(order.id, actor=CLERK)
    return desk.orders.complete(order.id, actor=CLERK)


def test_shipping_a_cancelled_order_is_an_invalid_transition(desk: OrderDesk) -> None:
    cancelled = desk.orders.cancel("ord_000001", actor=CLERK, reason="customer asked")
    error = _refused(desk, InvalidTransition, lambda: desk.orders.ship(cancelled.id, actor=CLERK))
    assert isinstance(error, InvalidTransition)
    assert (error.state, error.command) == ("cancelled", "ship")
    assert desk.orders.get(cancelled.id) == cancelled


def test_cancelling_a_completed_order_is_an_invalid_transition(desk: OrderDesk) -> None:
    completed = _completed(desk)
    assert completed.status is S.COMPLETED
    error = _refused(
        desk,
        InvalidTransition,
        lambda: desk.orders.cancel(completed.id, actor=CLERK, reason="too late"),
    )
    assert isinstance(error, InvalidTransition)
    assert (error.state, error.command) == ("completed", "cancel")
    assert desk.orders.get(completed.id) == completed


def test_editing_below_the_shipped_quantity_is_refused_naming_the_line(desk: OrderDesk) -> None:
    order = desk.orders.get("ord_000001")
    desk.orders.approve(order.id, actor=CLERK)
    desk.orders.confirm(order.id, actor=CLERK)
    desk.orders.record_payment(
        order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )
    shipped = desk.orders.ship(order.id, actor=CLERK, lines={"L1": 2})
    error = _refused(
        desk,
        ValidationError,
        lambda: desk.orders.edit(
            order.id, EditRequest(set_quantities={"L1": 1}), actor=CLERK, reason="fewer"
        ),
    )
    assert isinstance(error, ValidationError)
    assert error.field == "set_quantities[L1]"
    assert desk.orders.get(order.id) == shipped


def test_editing_a_fulfilled_order_is_an_invalid_transition(desk: OrderDesk) -> None:
    order = desk.orders.get("ord_000001")
    desk.orders.approve(order.id, actor=CLERK)
    desk.orders.confirm(order.id, actor=CLERK)
    desk.orders.record_payment(
        order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )
    fulfilled = desk.orders.ship(order.id, actor=CLERK)
    error = _refused(
        desk,
        InvalidTransition,
        lambda: desk.orders.edit(
            order.id, EditRequest(set_quantities={"L1": 5}), actor=CLERK, reason="more"
        ),
    )
    assert isinstance(error, InvalidTransition)
    assert (error.state, error.command) == ("fulfilled", "edit")
    assert desk.orders.get(order.id) == fulfilled


@pytest.mark.parametrize(
    ("command", "field"),
    [
        ("hold-without-reason", "reason"),
        ("reject-with-blank-reason", "reason"),
        ("cancel-with-non-text-reason", "reason"),
        ("capture-in-usd", "amount"),
        ("capture-too-much", "amount"),
        ("refund-nothing-captured", "amount"),
        ("payment-not-money", "amount"),
        ("ship-unknown-line", "lines[L9]"),
        ("ship-not-a-mapping", "lines"),
        ("edit-unknown-line", "set_quantities[L9]"),
        ("edit-no-change", "changes"),
        ("edit-bad-address", "shipping_address.city"),
        ("edit-not-a-request", "request"),
        ("assign-nothing", "assignee"),
        ("empty-order-id", "order_id"),
        ("bad-idempotency-key", "idempotency_key"),
    ],
)
def test_bad_command_input_is_refused_naming_the_field(
    desk: OrderDesk, command: str, field: str
) -> None:
    order_id = "ord_000001"
    orders = desk.orders
    calls: dict[str, Callable[[], object]] = {
        "hold-without-reason": lambda: orders.hold(order_id, actor=CLERK, reason=""),
        "reject-with-blank-reason": lambda: orders.reject(order_id, actor=CLERK, reason="  "),
        "cancel-with-non-text-reason": lambda: orders.cancel(
            order_id,
            actor=CLERK,
            reason=42,  # type: ignore[arg-type]
        ),
        "capture-in-usd": lambda: orders.record_payment(
            order_id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=Money.of("1.00", "USD")
        ),
        "capture-too-much": lambda: orders.record_payment(
            order_id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=Money.of("40.71", "EUR")
        ),
        "refund-nothing-captured": lambda: orders.record_payment(
            order_id, actor=CLERK, kind=PaymentKind.REFUND, amount=Money.of("1.00", "EUR")
        ),
        "payment-not-money": lambda: orders.record_payment(
            order_id,
            actor=CLERK,
            kind=PaymentKind.CAPTURE,
            amount="1.00",  # type: ignore[arg-type]
        ),
        "ship-unknown-line": lambda: _ship_confirmed(desk, {"L9": 1}),
        "ship-not-a-mapping": lambda: orders.ship(
            order_id,
            actor=CLERK,
            lines=[("L1", 1)],  # type: ignore[arg-type]
        ),
        "edit-unknown-line": lambda: orders.edit(
            order_id, EditRequest(set_quantities={"L9": 1}), actor=CLERK, reason="r"
        ),
        "edit-no-change": lambda: orders.edit(
            order_id, EditRequest(set_quantities={"L1": 3}), actor=CLERK, reason="r"
        ),
        "edit-bad-address": lambda: orders.edit(
            order_id,
            EditRequest(shipping_address=attrs.evolve(ADDRESS, city="")),
            actor=CLERK,
            reason="r",
        ),
        "edit-not-a-request": lambda: orders.edit(
            order_id,
            {"set_quantities": {"L1": 1}},  # type: ignore[arg-type]
            actor=CLERK,
            reason="r",
        ),
        "assign-nothing": lambda: orders.assign(order_id, actor=CLERK),
        "empty-order-id": lambda: orders.approve(" ", actor=CLERK),
        "bad-idempotency-key": lambda: orders.approve(order_id, actor=CLERK, idempotency_key=""),
    }
    if command == "ship-unknown-line":
        _confirm_and_pay(desk)
    before = desk.orders.get(order_id)
    error = _refused(desk, ValidationError, calls[command])
    assert isinstance(error, ValidationError)
    assert error.field == field
    assert desk.orders.get(order_id) == before


def _confirm_and_pay(desk: OrderDesk) -> None:
    order = desk.orders.get("ord_000001")
    desk.orders.approve(order.id, actor=CLERK)
    desk.orders.confirm(order.id, actor=CLERK)
    desk.orders.record_payment(
        order.id, actor=CLERK, kind=PaymentKind.CAPTURE, amount=order.totals.grand_total
    )


def _ship_confirmed(desk: OrderDesk, lines: dict[str, int]) -> Order:
    return desk.orders.ship("ord_000001", actor=CLERK, lines=lines)


def test_a_refused_guard_writes_nothing(desk: OrderDesk) -> None:
    order = desk.orders.get("ord_000001")
    desk.orders.approve(order.id, actor=CLERK)
    confirmed = desk.orders.confirm(order.id, actor=CLERK)
    error = _refused(desk, InvalidTransition, lambda: desk.orders.ship(order.id, actor=CLERK))
    assert isinstance(error, InvalidTransition)
    assert "still due" in error.reason
    error = _refused(desk, InvalidTransition, lambda: desk.orders.expire(order.id, actor=CLERK))
    assert isinstance(error, InvalidTransition)
    assert desk.orders.get(order.id) == confirmed


@pytest.mark.parametrize(
    "query",
    ["get", "approve", "cancel", "ship", "record_payment", "edit", "history", "timeline"],
)
def test_an_unknown_order_id_is_not_found_and_writes_nothing(desk: OrderDesk, query: str) -> None:
    missing = "ord_999999"
    orders = desk.orders
    calls: dict[str, Callable[[], object]] = {
        "get": lambda: orders.get(missing),
        "approve": lambda: orders.approve(missing, actor=CLERK),
        "cancel": lambda: orders.cancel(missing, actor=CLERK, reason="r"),
        "ship": lambda: orders.ship(missing, actor=CLERK),
        "record_payment": lambda: orders.record_payment(
            missing, actor=CLERK, kind=PaymentKind.CAPTURE, amount=Money.of("1", "EUR")
        ),
        "edit": lambda: orders.edit(
            missing, EditRequest(set_quantities={"L1": 1}), actor=CLERK, reason="r"
        ),
        "history": lambda: orders.history(missing),
        "timeline": lambda: orders.timeline(missing),
    }
    error = _refused(desk, NotFound, calls[query])
    assert isinstance(error, NotFound)
    assert (error.kind, error.key) == ("order", missing)
    assert missing in str(error)
