"""Replay: folding the events of any sequence of pure decisions rebuilds the final order.

No desk and no journal here: an order is placed with ``lifecycle.place`` and then moved by
random calls of the pure decide functions (and ``edit``), valid or not. Refused commands must
raise ``InvalidTransition`` or ``ValidationError`` and produce nothing; each accepted decision
must follow a row of ``TRANSITIONS`` and be the fold of its own events; and ``replay`` of all
the events, like a plain fold with ``evolve``, must equal the final order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from hypothesis import event, given
from hypothesis import strategies as st

from ordercore import (
    TRANSITIONS,
    Address,
    Contact,
    EditRequest,
    InvalidTransition,
    LineDraft,
    Money,
    Order,
    OrderDraft,
    OrderEvent,
    OrderPolicy,
    OrderStatus,
    PaymentKind,
    ValidationError,
    allowed_commands,
)
from ordercore.money import minor_units
from ordercore.orders import lifecycle
from ordercore.orders.edits import edit
from ordercore.orders.events import evolve, replay
from ordercore.orders.intake import validate_draft
from ordercore.testing import strategies as ost

T0 = datetime(2025, 1, 1, tzinfo=UTC)
ROWS = frozenset((row.source, row.command, row.target) for row in TRANSITIONS)
COMMANDS = tuple(sorted({row.command for row in TRANSITIONS} - {"place"}))
S = OrderStatus
ENDINGS = frozenset({"cancel", "reject", "expire"})
CURRENCIES = ("EUR", "JPY", "KWD", "BHD")
CONTACT = Contact("Ann Example", email="ann@example.com")
ADDRESS = Address("Ann Example", "1 Main Street", "Springfield", "DE", "12345")

Decide = Callable[[Order, datetime, OrderPolicy, st.DataObject], lifecycle.Decision]


def _text(units: int, currency: str) -> str:
    return str(Money.from_minor_units(units, currency).amount)


@st.composite
def line_drafts(draw: st.DrawFn, currency: str) -> tuple[LineDraft, int]:
    """A line draft and its net value in minor units."""
    digits = minor_units(currency)
    quantity = draw(st.integers(min_value=1, max_value=5))
    price = draw(st.integers(min_value=0, max_value=500 * 10**digits))
    discount = draw(st.just(0) | st.integers(min_value=0, max_value=price * quantity))
    line = LineDraft(
        sku=draw(st.sampled_from(["SKU-A", "SKU-B"])),
        quantity=quantity,
        unit_price=_text(price, currency),
        tax_rate=draw(st.sampled_from(["0", "0.07", "0.19", "0.255"])),
        discount=_text(discount, currency),
    )
    return line, price * quantity - discount


@st.composite
def drafts(draw: st.DrawFn) -> OrderDraft:
    currency = draw(st.sampled_from(CURRENCIES))
    parts = draw(st.lists(line_drafts(currency), min_size=1, max_size=4))
    net = sum(value for _, value in parts)
    return OrderDraft(
        channel="web",
        currency=currency,
        contact=CONTACT,
        shipping_address=ADDRESS,
        lines=[line for line, _ in parts],
        order_discount=_text(draw(st.integers(min_value=0, max_value=net)), currency),
        shipping_fee=_text(draw(st.integers(min_value=0, max_value=2_000)), currency),
        credit_terms=draw(st.booleans()),
    )


policies = ost.order_policies()
reasons = st.sampled_from(["customer asked", "fraud check", ""])


def _units(
    data: st.DataObject, order: Order, available: Mapping[str, int]
) -> dict[str, int] | None:
    """Units per line (``None``: all), mostly within what is available."""
    if data.draw(st.booleans(), label="all"):
        return None
    picked: dict[str, int] = {}
    for line in order.lines:
        if data.draw(st.booleans(), label=f"pick {line.line_id}"):
            most = available[line.line_id]
            picked[line.line_id] = data.draw(
                st.integers(min_value=0, max_value=most + 1), label=line.line_id
            )
    return picked


def _forward(order: Order, policy: OrderPolicy) -> str:
    """The command that moves ``order`` along the happy path."""
    status = order.status
    unpaid = not (order.credit_terms or order.is_paid)
    if status is S.ON_HOLD:
        return "release"
    if status is S.PENDING_REVIEW:
        return "approve"
    if status is S.APPROVED:
        return "record_payment" if policy.require_payment_to_confirm and unpaid else "confirm"
    if status in (S.CONFIRMED, S.IN_FULFILMENT):
        return "record_payment" if policy.require_payment_to_ship and unpaid else "ship"
    if status is S.FULFILLED:
        return "deliver"
    if status is S.DELIVERED:
        due = policy.require_payment_to_complete and order.balance_due.is_positive()
        return "record_payment" if due else "complete"
    return "assign"


def _payment(
    order: Order, now: datetime, policy: OrderPolicy, data: st.DataObject
) -> lifecycle.Decision:
    if data.draw(st.booleans(), label="capture the balance"):
        return lifecycle.record_payment(
            order, kind=PaymentKind.CAPTURE, amount=order.balance_due, now=now
        )
    kind = data.draw(st.sampled_from(PaymentKind), label="kind")
    basis = data.draw(
        st.sampled_from([order.balance_due, order.totals.grand_total, order.captured]),
        label="basis",
    )
    units = basis.minor_units // data.draw(st.integers(1, 3), label="divisor")
    units += data.draw(st.integers(-1, 1), label="offset")
    amount = Money.from_minor_units(units, order.currency)
    return lifecycle.record_payment(order, kind=kind, amount=amount, now=now)


def _ship(
    order: Order, now: datetime, policy: OrderPolicy, data: st.DataObject
) -> lifecycle.Decision:
    lines = _units(data, order, {line.line_id: line.open_quantity for line in order.lines})
    return lifecycle.ship(order, now=now, shipment_id="shp", policy=policy, lines=lines)


def _deliver(
    order: Order, now: datetime, policy: OrderPolicy, data: st.DataObject
) -> lifecycle.Decision:
    in_transit = {line.line_id: line.shipped - line.delivered for line in order.lines}
    return lifecycle.deliver(order, now=now, lines=_units(data, order, in_transit))


def _edit(
    order: Order, now: datetime, policy: OrderPolicy, data: st.DataObject
) -> lifecycle.Decision:
    quantities = {
        line.line_id: data.draw(st.integers(0, line.quantity + 2), label=line.line_id)
        for line in order.lines
        if data.draw(st.booleans(), label=f"change {line.line_id}")
    }
    added = data.draw(
        st.lists(line_drafts(order.currency), max_size=2).map(lambda ps: [p for p, _ in ps]),
        label="add_lines",
    )
    request = EditRequest(set_quantities=quantities, add_lines=added)
    return edit(order, request, now=now, reason="customer asked", policy=policy)


DECIDERS: Mapping[str, Decide] = {
    "approve": lambda order, now, policy, data: lifecycle.approve(order, now=now),
    "hold": lambda order, now, policy, data: lifecycle.hold(
        order, now=now, reason=data.draw(reasons, label="reason")
    ),
    "release": lambda order, now, policy, data: lifecycle.release(order, now=now),
    "reject": lambda order, now, policy, data: lifecycle.reject(
        order, now=now, reason=data.draw(reasons, label="reason")
    ),
    "confirm": lambda order, now, policy, data: lifecycle.confirm(order, now=now, policy=policy),
    "record_payment": _payment,
    "assign": lambda order, now, policy, data: lifecycle.assign(
        order, now=now, queue=data.draw(st.sampled_from([None, "vip"])), assignee="u-ann"
    ),
    "ship": _ship,
    "deliver": _deliver,
    "complete": lambda order, now, policy, data: lifecycle.complete(order, now=now, policy=policy),
    "cancel": lambda order, now, policy, data: lifecycle.cancel(
        order, now=now, reason=data.draw(reasons, label="reason")
    ),
    "expire": lambda order, now, policy, data: lifecycle.expire(order, now=now),
    "edit": _edit,
}


def _fold(order: Order | None, events: tuple[OrderEvent, ...] | list[OrderEvent]) -> Order:
    folded = functools.reduce(evolve, events, order)
    assert folded is not None
    return folded


def test_every_command_of_the_table_has_a_decider() -> None:
    assert set(DECIDERS) == set(COMMANDS)


@given(drafts(), policies, st.data())
def test_replaying_the_events_of_random_decisions_rebuilds_the_order(
    draft: OrderDraft, policy: OrderPolicy, data: st.DataObject
) -> None:
    now = T0
    placed = lifecycle.place(
        validate_draft(draft, policy.intake),
        order_id="ord_1",
        number="SO-000001",
        now=now,
        policy=policy,
    )
    assert (None, "place", placed.order.status) in ROWS
    events: list[OrderEvent] = list(placed.events)
    order = placed.order
    assert _fold(None, events) == order

    for _ in range(data.draw(st.integers(min_value=0, max_value=60), label="steps")):
        # Mostly a command the table allows in this state that does not end the order, so
        # that runs get somewhere; now and then anything at all.
        allowed = sorted(allowed_commands(order.status))
        onward = [command for command in allowed if command not in ENDINGS]
        pick = data.draw(st.integers(0, 9), label="pool")
        if pick < 4:
            pool = [_forward(order, policy)]
        elif pick < 8:
            pool = onward or allowed
        else:
            pool = allowed if pick == 8 else list(COMMANDS)
        command = data.draw(st.sampled_from(pool), label="command")
        now += data.draw(
            st.sampled_from([timedelta(0), timedelta(hours=5), timedelta(days=8)]), label="wait"
        )
        try:
            decision = DECIDERS[command](order, now, policy, data)
        except (InvalidTransition, ValidationError) as exc:
            event(f"{command}: refused ({type(exc).__name__})")
            continue
        event(f"{command}: {order.status.value} -> {decision.order.status.value}")
        assert (order.status, command, decision.order.status) in ROWS
        assert decision.events
        assert decision.order == _fold(order, decision.events)
        assert decision.order.version == order.version + len(decision.events)
        events.extend(decision.events)
        order = decision.order

    assert replay(events) == order
    assert _fold(None, events) == order
    assert order.version == len(events)
    if order.status.is_terminal:
        event(f"ended {order.status.value}")
    assert order.status in OrderStatus
