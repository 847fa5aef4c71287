"""Every row of the lifecycle table, every pair outside it, the diagram, and the guards."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ordercore import (
    Address,
    Contact,
    EditRequest,
    InvalidTransition,
    LineDraft,
    ManualClock,
    Money,
    Order,
    OrderDraft,
    OrderPolicy,
    OrderStatus,
    PaymentKind,
    ValidationError,
)
from ordercore.orders import lifecycle
from ordercore.orders.edits import edit
from ordercore.orders.events import evolve
from ordercore.orders.intake import validate_draft
from ordercore.orders.lifecycle import TRANSITIONS, Decision, Transition

S = OrderStatus
POLICY = OrderPolicy()
NOW = ManualClock().now()
LATER = NOW + timedelta(days=8)  # past the default seven-day payment window


# -- builders ------------------------------------------------------------------------------


def _draft(*, credit_terms: bool = False) -> OrderDraft:
    return OrderDraft(
        channel="web",
        currency="EUR",
        contact=Contact("Ada Lovelace", email="ada@example.com"),
        shipping_address=Address("Ada Lovelace", "1 Main St", "Berlin", "DE", "10115"),
        lines=[
            LineDraft("SKU-1", 3, "10.00", tax_rate="0.19"),
            LineDraft("SKU-2", 1, "5.00"),
        ],
        credit_terms=credit_terms,
    )


def _placed(*, policy: OrderPolicy = POLICY, credit_terms: bool = False) -> Order:
    valid = validate_draft(_draft(credit_terms=credit_terms), policy.intake)
    decision = lifecycle.place(
        valid, order_id="ord_000001", number="SO-000001", now=NOW, policy=policy
    )
    return decision.order


def _pay(order: Order, amount: Money | None = None) -> Order:
    paid = lifecycle.record_payment(
        order, kind=PaymentKind.CAPTURE, amount=amount or order.balance_due, now=NOW
    )
    return paid.order


def _confirmed(*, paid: bool = False, credit_terms: bool = False) -> Order:
    order = _placed(credit_terms=credit_terms)
    if paid:
        order = _pay(order)
    order = lifecycle.approve(order, now=NOW).order
    return lifecycle.confirm(order, now=NOW, policy=POLICY).order


def build(
    state: OrderStatus, *, held_from: OrderStatus = S.PENDING_REVIEW, paid: bool = False
) -> Order:
    """Return an order in ``state``, reached only through the pure lifecycle functions.

    ``paid`` captures the whole balance right after placing (orders that shipped are always
    paid, since the default policy ships only paid orders). ``held_from`` is where an order on
    hold was held from.
    """
    if state is S.PENDING_REVIEW:
        order = _placed()
        return _pay(order) if paid else order
    if state is S.APPROVED:
        return lifecycle.approve(build(S.PENDING_REVIEW, paid=paid), now=NOW).order
    if state is S.CONFIRMED:
        return _confirmed(paid=paid)
    if state is S.ON_HOLD:
        return lifecycle.hold(build(held_from, paid=paid), now=NOW, reason="manual check").order
    if state is S.REJECTED:
        return lifecycle.reject(build(S.PENDING_REVIEW, paid=paid), now=NOW, reason="fraud").order
    if state is S.IN_FULFILMENT:
        order = _confirmed(paid=True)
        return lifecycle.ship(
            order, now=NOW, shipment_id="shp-1", policy=POLICY, lines={"L1": 1}
        ).order
    if state is S.FULFILLED:
        order = _confirmed(paid=True)
        return lifecycle.ship(order, now=NOW, shipment_id="shp-1", policy=POLICY).order
    if state is S.DELIVERED:
        return lifecycle.deliver(build(S.FULFILLED), now=NOW).order
    if state is S.COMPLETED:
        return lifecycle.complete(build(S.DELIVERED), now=NOW, policy=POLICY).order
    if state is S.CANCELLED:
        return lifecycle.cancel(build(S.CONFIRMED, paid=paid), now=NOW, reason="changed mind").order
    assert state is S.EXPIRED
    return lifecycle.expire(build(S.PENDING_REVIEW), now=LATER).order


@pytest.mark.parametrize("state", list(OrderStatus), ids=lambda s: s.value)
def test_builder_reaches_every_state_with_consistent_counters(state: OrderStatus) -> None:
    order = build(state)
    assert order.status is state
    for line in order.lines:
        line.check_counters()


# -- every row of the table ----------------------------------------------------------------


def _row_id(row: Transition) -> str:
    source = "new" if row.source is None else row.source.value
    return f"{source}-{row.command}-{row.target.value}"


def _one(currency: str = "EUR") -> Money:
    return Money.of("1.00", currency)


def _run_row(row: Transition) -> tuple[Order | None, Decision]:
    """Build an order in the row's source state and run its command with the guard satisfied."""
    source, command, target = row.source, row.command, row.target
    if command == "place":
        assert source is None
        valid = validate_draft(_draft(), POLICY.intake)
        return None, lifecycle.place(
            valid, order_id="ord_000009", number="SO-000009", now=NOW, policy=POLICY
        )
    assert source is not None
    if command == "release":
        order = build(S.ON_HOLD, held_from=target)
        return order, lifecycle.release(order, now=NOW, reason="checked")
    # Shipping needs payment; a refund on a rejected or cancelled order needs a capture.
    paid = command == "ship" or source in (S.REJECTED, S.CANCELLED)
    order = build(source, paid=paid)
    if command == "approve":
        return order, lifecycle.approve(order, now=NOW, reason="looks fine")
    if command == "hold":
        return order, lifecycle.hold(order, now=NOW, reason="address check")
    if command == "reject":
        return order, lifecycle.reject(order, now=NOW, reason="fraud suspected")
    if command == "confirm":
        return order, lifecycle.confirm(order, now=NOW, policy=POLICY)
    if command == "record_payment":
        if not source.is_terminal and order.balance_due.is_positive():
            kind, amount = PaymentKind.CAPTURE, _one()
        elif order.captured.is_positive():
            kind, amount = PaymentKind.REFUND, _one()
        else:
            kind, amount = PaymentKind.FAILURE, Money.zero("EUR")
        return order, lifecycle.record_payment(
            order, kind=kind, amount=amount, now=NOW, reference="tx-1"
        )
    if command == "assign":
        return order, lifecycle.assign(
            order, now=NOW, queue="escalations", assignee="bob", reason="vip"
        )
    if command == "ship":
        # Shipping one unit of the three on L1 leaves units open; None ships all that is open.
        partial = {"L1": 1} if target is S.IN_FULFILMENT else None
        return order, lifecycle.ship(
            order, now=NOW, shipment_id="shp-2", policy=POLICY, lines=partial
        )
    if command == "deliver":
        partial = {"L1": 1} if source is S.FULFILLED and target is S.FULFILLED else None
        return order, lifecycle.deliver(order, now=NOW, lines=partial)
    if command == "complete":
        return order, lifecycle.complete(order, now=NOW, policy=POLICY)
    if command == "cancel":
        return order, lifecycle.cancel(order, now=NOW, reason="customer asked")
    if command == "expire":
        return order, lifecycle.expire(order, now=LATER)
    assert command == "edit"
    if target in (S.FULFILLED, S.DELIVERED):
        # One of L1's units shipped: cut L1 to it and drop L2, so all that is left has shipped
        # (and, once that unit arrived, delivered). The money for the dropped units goes back
        # first, as an edit may not leave the customer owed.
        if target is S.DELIVERED:
            order = lifecycle.deliver(order, now=NOW).order
        if order.captured.is_positive():
            order = lifecycle.record_payment(
                order, kind=PaymentKind.REFUND, amount=order.captured, now=NOW
            ).order
        request = EditRequest(set_quantities={"L1": 1, "L2": 0})
    elif source is S.IN_FULFILMENT:
        request = EditRequest(set_quantities={"L1": 4})
    else:
        request = EditRequest(set_quantities={"L2": 2})
    return order, edit(order, request, now=NOW, reason="customer call", policy=POLICY)


@pytest.mark.parametrize("row", TRANSITIONS, ids=_row_id)
def test_every_row_of_the_table_leads_to_its_target(row: Transition) -> None:
    before, decision = _run_row(row)
    after = decision.order
    assert after.status is row.target
    assert decision.events, "a command that changes nothing must not pass"
    for line in after.lines:
        line.check_counters()
    if before is None:
        assert after.version == 1
        return
    assert before.status is row.source
    assert after.version == before.version + len(decision.events)
    replayed = before
    for event in decision.events:
        replayed = evolve(replayed, event)
    assert replayed == after


@pytest.mark.parametrize(
    "row", [row for row in TRANSITIONS if row.command == "record_payment"], ids=_row_id
)
def test_every_record_payment_row_appends_the_payment(row: Transition) -> None:
    before, decision = _run_row(row)
    assert before is not None
    assert len(decision.order.payments) == len(before.payments) + 1
    assert decision.order.payments[-1].reference == "tx-1"


def test_the_table_reaches_every_state_and_every_command_has_a_function() -> None:
    targets = {row.target for row in TRANSITIONS}
    assert targets == set(OrderStatus)
    commands = {row.command for row in TRANSITIONS}
    assert commands == {
        "place",
        "approve",
        "hold",
        "release",
        "reject",
        "confirm",
        "record_payment",
        "assign",
        "ship",
        "deliver",
        "complete",
        "cancel",
        "expire",
        "edit",
    }
    for command in commands - {"edit"}:
        assert callable(getattr(lifecycle, command))


@pytest.mark.parametrize("state", [None, *OrderStatus], ids=lambda s: getattr(s, "value", "new"))
def test_allowed_commands_are_exactly_the_table_rows(state: OrderStatus | None) -> None:
    expected = {row.command for row in TRANSITIONS if row.source is state}
    assert lifecycle.allowed_commands(state) == expected


# -- every pair outside the table ----------------------------------------------------------

_COMMANDS = sorted({row.command for row in TRANSITIONS})
_ALLOWED = {(row.source, row.command) for row in TRANSITIONS}
_FORBIDDEN = [
    (state, command)
    for state in OrderStatus
    for command in _COMMANDS
    if (state, command) not in _ALLOWED
]


def _attempt(order: Order, command: str) -> Decision:
    """Run ``command`` with arguments that would pass every guard and validation."""
    if command == "place":
        lifecycle.check_allowed(order, "place")
        raise AssertionError("an existing order can be placed again")  # pragma: no cover
    if command == "approve":
        return lifecycle.approve(order, now=NOW)
    if command == "hold":
        return lifecycle.hold(order, now=NOW, reason="a reason")
    if command == "release":
        return lifecycle.release(order, now=NOW)
    if command == "reject":
        return lifecycle.reject(order, now=NOW, reason="a reason")
    if command == "confirm":
        return lifecycle.confirm(order, now=NOW, policy=POLICY)
    if command == "assign":
        return lifecycle.assign(order, now=NOW, queue="q", assignee="bob")
    if command == "ship":
        return lifecycle.ship(order, now=NOW, shipment_id="shp-9", policy=POLICY)
    if command == "deliver":
        return lifecycle.deliver(order, now=NOW)
    if command == "complete":
        return lifecycle.complete(order, now=NOW, policy=POLICY)
    if command == "cancel":
        return lifecycle.cancel(order, now=NOW, reason="a reason")
    if command == "expire":
        return lifecycle.expire(order, now=LATER)
    if command == "edit":
        request = EditRequest(set_quantities={"L2": 2})
        return edit(order, request, now=NOW, reason="a reason", policy=POLICY)
    raise AssertionError(f"no way to run {command}")  # pragma: no cover


def test_the_forbidden_pairs_are_many_and_include_the_obvious_ones() -> None:
    assert (S.CANCELLED, "ship") in _FORBIDDEN
    assert (S.COMPLETED, "cancel") in _FORBIDDEN
    assert (S.FULFILLED, "edit") in _FORBIDDEN
    assert all((state, "record_payment") not in _FORBIDDEN for state in OrderStatus)
    assert len(_FORBIDDEN) > 80


@pytest.mark.parametrize(
    ("state", "command"), _FORBIDDEN, ids=[f"{s.value}-{c}" for s, c in _FORBIDDEN]
)
def test_every_pair_outside_the_table_raises_invalid_transition(
    state: OrderStatus, command: str
) -> None:
    order = build(state, paid=True) if state is not S.EXPIRED else build(state)
    with pytest.raises(InvalidTransition) as caught:
        _attempt(order, command)
    error = caught.value
    assert error.state == state.value
    assert error.command == command
    assert error.aggregate == f"order {order.number}"
    assert error.reason == ""  # refused by the table itself, not by a guard
    message = str(error)
    assert state.value in message
    assert command in message


# -- the diagram ---------------------------------------------------------------------------


def test_mermaid_has_an_arrow_for_every_row_that_is_not_a_self_loop() -> None:
    diagram = lifecycle.mermaid()
    assert diagram.startswith("stateDiagram-v2\n")
    arrows = set(diagram.splitlines()[1:])
    loops = 0
    for row in TRANSITIONS:
        source = "[*]" if row.source is None else row.source.value
        arrow = f"    {source} --> {row.target.value}: {row.command}"
        if row.source is row.target:
            loops += 1
            assert arrow not in arrows
        else:
            assert arrow in arrows
    assert loops > 0
    for state in OrderStatus:
        assert (f"    {state.value} --> [*]" in arrows) is state.is_terminal


# -- guards --------------------------------------------------------------------------------

PAY_FIRST = OrderPolicy(require_payment_to_confirm=True)


def _approved(*, credit_terms: bool = False) -> Order:
    order = _placed(credit_terms=credit_terms)
    return lifecycle.approve(order, now=NOW).order


def test_confirm_requiring_payment_refuses_an_unpaid_order() -> None:
    order = _approved()
    with pytest.raises(InvalidTransition) as caught:
        lifecycle.confirm(order, now=NOW, policy=PAY_FIRST)
    assert (caught.value.state, caught.value.command) == ("approved", "confirm")
    assert "payment" in caught.value.reason


def test_confirm_requiring_payment_refuses_a_partly_paid_or_partly_authorized_order() -> None:
    order = _approved()
    partly_paid = _pay(order, _one())
    with pytest.raises(InvalidTransition):
        lifecycle.confirm(partly_paid, now=NOW, policy=PAY_FIRST)
    partly_authorized = lifecycle.record_payment(
        order, kind=PaymentKind.AUTHORIZATION, amount=_one(), now=NOW
    ).order
    with pytest.raises(InvalidTransition):
        lifecycle.confirm(partly_authorized, now=NOW, policy=PAY_FIRST)


@pytest.mark.parametrize("secured_by", ["capture", "authorization", "credit_terms"])
def test_confirm_requiring_payment_accepts_paid_authorized_or_credit_orders(
    secured_by: str,
) -> None:
    order = _approved(credit_terms=secured_by == "credit_terms")
    if secured_by == "capture":
        order = _pay(order)
    elif secured_by == "authorization":
        order = lifecycle.record_payment(
            order, kind=PaymentKind.AUTHORIZATION, amount=order.balance_due, now=NOW
        ).order
    confirmed = lifecycle.confirm(order, now=NOW, policy=PAY_FIRST)
    assert confirmed.order.status is S.CONFIRMED
    assert [(s.line_id, s.quantity) for s in confirmed.stock.reserve] == [("L1", 3), ("L2", 1)]


def test_confirm_without_the_payment_rule_accepts_an_unpaid_order() -> None:
    assert lifecycle.confirm(_approved(), now=NOW, policy=POLICY).order.status is S.CONFIRMED


def test_ship_requiring_payment_refuses_an_unpaid_or_partly_paid_order() -> None:
    for order in (_confirmed(), _pay(_confirmed(), _one())):
        with pytest.raises(InvalidTransition) as caught:
            lifecycle.ship(order, now=NOW, shipment_id="s", policy=POLICY)
        assert (caught.value.state, caught.value.command) == ("confirmed", "ship")
        assert str(order.balance_due) in caught.value.reason


def test_ship_without_payment_passes_on_credit_terms_or_when_the_policy_allows() -> None:
    on_credit = _confirmed(credit_terms=True)
    shipped = lifecycle.ship(on_credit, now=NOW, shipment_id="s", policy=POLICY)
    assert shipped.order.status is S.FULFILLED
    relaxed = OrderPolicy(require_payment_to_ship=False)
    shipped = lifecycle.ship(_confirmed(), now=NOW, shipment_id="s", policy=relaxed)
    assert shipped.order.status is S.FULFILLED
    assert [(s.line_id, s.quantity) for s in shipped.stock.consume] == [("L1", 3), ("L2", 1)]


def _delivered_with_balance_due() -> Order:
    order = _confirmed(credit_terms=True)
    order = lifecycle.ship(order, now=NOW, shipment_id="s", policy=POLICY).order
    return lifecycle.deliver(order, now=NOW).order


def test_complete_with_a_balance_due_is_refused() -> None:
    order = _delivered_with_balance_due()
    assert order.status is S.DELIVERED
    assert order.balance_due.is_positive()
    with pytest.raises(InvalidTransition) as caught:
        lifecycle.complete(order, now=NOW, policy=POLICY)
    assert (caught.value.state, caught.value.command) == ("delivered", "complete")
    assert str(order.balance_due) in caught.value.reason
    # Paying the balance, or a policy that does not insist, lets it through.
    paid = _pay(order)
    assert lifecycle.complete(paid, now=NOW, policy=POLICY).order.status is S.COMPLETED
    lenient = OrderPolicy(require_payment_to_complete=False)
    assert lifecycle.complete(order, now=NOW, policy=lenient).order.status is S.COMPLETED


def test_expire_before_the_deadline_is_refused_and_at_the_deadline_allowed() -> None:
    order = _placed()
    assert order.payment_due_at == NOW + timedelta(days=7)
    due: datetime = order.payment_due_at
    with pytest.raises(InvalidTransition) as caught:
        lifecycle.expire(order, now=due - timedelta(seconds=1))
    assert (caught.value.state, caught.value.command) == ("pending_review", "expire")
    assert "deadline" in caught.value.reason
    assert lifecycle.expire(order, now=due).order.status is S.EXPIRED


def test_expire_on_credit_terms_is_refused() -> None:
    order = _placed(credit_terms=True)
    with pytest.raises(InvalidTransition) as caught:
        lifecycle.expire(order, now=LATER)
    assert "credit terms" in caught.value.reason


def test_expire_after_a_capture_is_refused_even_a_partial_one() -> None:
    order = _pay(_placed(), _one())
    with pytest.raises(InvalidTransition) as caught:
        lifecycle.expire(order, now=LATER)
    assert caught.value.command == "expire"


def test_expire_without_a_payment_window_is_refused() -> None:
    order = _placed(policy=OrderPolicy(payment_window=None))
    assert order.payment_due_at is None
    with pytest.raises(InvalidTransition):
        lifecycle.expire(order, now=LATER + timedelta(days=1000))


def test_expire_of_a_confirmed_order_releases_its_reservations() -> None:
    decision = lifecycle.expire(_confirmed(), now=LATER)
    assert [(s.line_id, s.quantity) for s in decision.stock.release] == [("L1", 3), ("L2", 1)]
    assert all(line.reserved == 0 for line in decision.order.lines)


@pytest.mark.parametrize("command", ["hold", "reject", "cancel"])
@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 1001])
def test_commands_that_need_a_reason_refuse_a_missing_one(command: str, reason: str | None) -> None:
    order = _placed()
    decide = {"hold": lifecycle.hold, "reject": lifecycle.reject, "cancel": lifecycle.cancel}
    with pytest.raises(ValidationError) as caught:
        decide[command](order, now=NOW, reason=reason)  # type: ignore[arg-type]
    assert caught.value.field == "reason"


def test_release_returns_to_the_state_the_order_was_held_from() -> None:
    for held_from in (S.PENDING_REVIEW, S.APPROVED, S.CONFIRMED):
        held = build(S.ON_HOLD, held_from=held_from)
        assert held.held_from is held_from
        released = lifecycle.release(held, now=NOW).order
        assert released.status is held_from
        assert released.held_from is None


def test_approving_an_order_held_after_confirmation_does_not_double_reserve() -> None:
    held = build(S.ON_HOLD, held_from=S.CONFIRMED)
    approved = lifecycle.approve(held, now=NOW).order
    reconfirmed = lifecycle.confirm(approved, now=NOW, policy=POLICY)
    for line in reconfirmed.order.lines:
        line.check_counters()
    assert reconfirmed.stock.reserve == ()


def test_rejecting_an_order_held_after_confirmation_releases_its_reservations() -> None:
    held = build(S.ON_HOLD, held_from=S.CONFIRMED)
    assert [line.reserved for line in held.lines] == [3, 1]
    decision = lifecycle.reject(held, now=NOW, reason="fraud")
    assert decision.order.status is S.REJECTED
    assert [(s.line_id, s.quantity) for s in decision.stock.release] == [("L1", 3), ("L2", 1)]
    assert all(line.reserved == 0 for line in decision.order.lines)


def test_cancel_releases_exactly_what_was_reserved() -> None:
    pending = lifecycle.cancel(_placed(), now=NOW, reason="r")
    assert pending.stock.is_empty()
    confirmed = lifecycle.cancel(_confirmed(), now=NOW, reason="r")
    assert [(s.sku, s.quantity) for s in confirmed.stock.release] == [("SKU-1", 3), ("SKU-2", 1)]
    assert [line.cancelled for line in confirmed.order.lines] == [3, 1]
    assert confirmed.order.status_reason == "r"


def test_assign_needs_a_queue_or_an_assignee() -> None:
    order = _placed()
    with pytest.raises(ValidationError) as caught:
        lifecycle.assign(order, now=NOW)
    assert caught.value.field == "assignee"
    with pytest.raises(ValidationError) as caught:
        lifecycle.assign(order, now=NOW, queue="  ")
    assert caught.value.field == "queue"
    moved = lifecycle.assign(order, now=NOW, assignee="carol").order
    assert (moved.queue, moved.assignee) == (order.queue, "carol")


def test_ship_and_deliver_refuse_more_than_is_open_or_in_transit() -> None:
    order = _confirmed(paid=True)
    with pytest.raises(ValidationError) as caught:
        lifecycle.ship(order, now=NOW, shipment_id="s", policy=POLICY, lines={"L1": 4})
    assert caught.value.field == "lines[L1]"
    with pytest.raises(ValidationError) as caught:
        lifecycle.ship(order, now=NOW, shipment_id="s", policy=POLICY, lines={"L7": 1})
    assert caught.value.field == "lines[L7]"
    with pytest.raises(ValidationError) as caught:
        lifecycle.ship(order, now=NOW, shipment_id="s", policy=POLICY, lines={"L1": 0})
    assert caught.value.field == "lines[L1]"
    partly = lifecycle.ship(order, now=NOW, shipment_id="s", policy=POLICY, lines={"L1": 1})
    with pytest.raises(ValidationError) as caught:
        lifecycle.deliver(partly.order, now=NOW, lines={"L1": 2})
    assert caught.value.field == "lines[L1]"
    with pytest.raises(ValidationError) as caught:
        lifecycle.deliver(partly.order, now=NOW, lines={"L2": 1})
    assert caught.value.field == "lines[L2]"


def test_a_fulfilled_order_cannot_be_edited_and_says_so() -> None:
    order = build(S.FULFILLED)
    with pytest.raises(InvalidTransition) as caught:
        edit(order, EditRequest(set_quantities={"L1": 4}), now=NOW, reason="r", policy=POLICY)
    assert (caught.value.state, caught.value.command) == ("fulfilled", "edit")


@pytest.mark.parametrize("command", ["approve", "hold", "release", "reject", "cancel"])
def test_a_command_in_the_wrong_state_is_refused_for_the_state_before_its_reason(
    command: str,
) -> None:
    closed = build(S.COMPLETED)
    decide = getattr(lifecycle, command)
    with pytest.raises(InvalidTransition):
        decide(closed, now=NOW, reason=" ")
