"""The order lifecycle as a Hypothesis state machine, shipped so every storage backend can run it.

:class:`OrderDeskMachine` places a few orders and drives them with every ``desk.orders``
command, valid or not. A command may only be refused with ``InvalidTransition`` or
``ValidationError``, and a refused command must leave the order and the journal untouched. A
command that succeeds must follow a row of ``TRANSITIONS``. After every step every order must
satisfy the counter, pricing, payment and stock invariants (:func:`check_order`), replay from its
journal to exactly the stored order, and the journal's hash chain must verify.

A backend author runs it against their storage::

    class MyBackendLifecycle(OrderDeskMachine):
        def open_desk(self, clock, config):
            return OrderDesk.open(
                "mybackend://test", clock=clock, config=config, ids=SequentialIds()
            )


    TestMyBackendLifecycle = MyBackendLifecycle.TestCase

Hypothesis and pytest are needed only by code that imports this module.
"""

from __future__ import annotations

__all__ = ["OrderDeskMachine", "check_order", "drafts", "line_parts"]

from collections.abc import Callable, Mapping
from datetime import timedelta

from hypothesis import event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from ordercore import (
    TRANSITIONS,
    Actor,
    Address,
    Contact,
    DeskConfig,
    EditRequest,
    InvalidTransition,
    LineDraft,
    ManualClock,
    Money,
    Order,
    OrderDesk,
    OrderDraft,
    OrderPolicy,
    OrderStatus,
    PaymentKind,
    ReviewPolicy,
    SequentialIds,
    TaxMode,
    ValidationError,
)
from ordercore.money import minor_units
from ordercore.orders.events import fulfilment_status
from ordercore.testing import strategies as ost

S = OrderStatus
ROWS = frozenset((row.source, row.command, row.target) for row in TRANSITIONS)
ACTOR = Actor("u-clerk", roles={"clerk"})
CURRENCIES = ("EUR", "JPY", "KWD", "BHD")
TAX_RATES = ("0", "0.07", "0.19", "0.2", "0.255")
SKUS = ("SKU-A", "SKU-B", "SKU-C")
CONTACT = Contact("Ann Example", email="ann@example.com")
ADDRESS = Address("Ann Example", "1 Main Street", "Springfield", "DE", "12345")
BEFORE_SHIPPING = frozenset({S.PENDING_REVIEW, S.ON_HOLD, S.APPROVED, S.CONFIRMED})
SHIPPING = frozenset({S.IN_FULFILMENT, S.FULFILLED, S.DELIVERED})
MAX_ORDERS = 3

reasons = st.sampled_from(["customer asked", "fraud check", "address unclear"])
bad_reasons = st.sampled_from(["", "   "])


def _text(units: int, currency: str) -> str:
    """``units`` minor units of ``currency`` as a decimal string (``"12.30"``, ``"1230"``)."""
    return str(Money.from_minor_units(units, currency).amount)


def _rare(data: st.DataObject, label: str) -> bool:
    """True about one time in eight; shrinks towards False."""
    return data.draw(st.integers(min_value=0, max_value=7), label=label) == 7


@st.composite
def line_parts(draw: st.DrawFn, currency: str) -> tuple[LineDraft, int]:
    """A valid line draft and its net value in minor units."""
    digits = minor_units(currency)
    quantity = draw(st.integers(min_value=1, max_value=5))
    price = draw(st.integers(min_value=0, max_value=200 * 10**digits))
    gross = price * quantity
    discount = draw(st.just(0) | st.integers(min_value=0, max_value=gross))
    line = LineDraft(
        sku=draw(st.sampled_from(SKUS)),
        quantity=quantity,
        unit_price=_text(price, currency),
        tax_rate=draw(st.sampled_from(TAX_RATES)),
        discount=_text(discount, currency),
    )
    return line, gross - discount


@st.composite
def drafts(draw: st.DrawFn, *, allow_invalid: bool = True) -> OrderDraft:
    """Valid drafts of 1-4 lines; now and then an order discount above the lines' value."""
    currency = draw(st.sampled_from(CURRENCIES))
    parts = draw(st.lists(line_parts(currency), min_size=1, max_size=4))
    net = sum(value for _, value in parts)
    too_much = allow_invalid and draw(st.integers(min_value=0, max_value=9)) == 9
    discount = net + 1 if too_much else draw(st.just(0) | st.integers(min_value=0, max_value=net))
    shipping = draw(
        st.just(0) | st.integers(min_value=0, max_value=30 * 10 ** minor_units(currency))
    )
    return OrderDraft(
        channel="web",
        currency=currency,
        contact=CONTACT,
        shipping_address=ADDRESS,
        lines=[line for line, _ in parts],
        order_discount=_text(discount, currency),
        shipping_fee=_text(shipping, currency),
        credit_terms=draw(st.booleans()),
    )


policies = ost.order_policies()


def check_order(order: Order) -> None:
    """Every invariant one order must satisfy, whatever happened to it."""
    currency = order.currency
    exclusive = order.tax_mode is TaxMode.EXCLUSIVE
    for line in order.lines:
        line.check_counters()
        for value in (
            line.quantity,
            line.reserved,
            line.shipped,
            line.delivered,
            line.cancelled,
            line.returned,
        ):
            assert value >= 0, line
        assert line.shipped <= line.quantity - line.cancelled, line
        assert line.delivered <= line.shipped, line
        net = line.gross - line.discount
        for share in (line.order_discount_share, line.shipping_share, line.tax):
            assert share.currency == currency
            assert not share.is_negative(), line
        assert line.order_discount_share <= net, line
        expected = net - line.order_discount_share + line.shipping_share
        assert line.total == (expected + line.tax if exclusive else expected), line

    lines = order.lines
    totals = order.totals
    assert totals.subtotal == Money.sum((line.gross for line in lines), currency)
    assert totals.discount == Money.sum(
        (line.discount + line.order_discount_share for line in lines), currency
    )
    assert totals.discount == Money.sum((line.discount for line in lines), currency) + (
        order.order_discount
    )
    assert totals.shipping == Money.sum((line.shipping_share for line in lines), currency)
    assert totals.shipping == order.shipping_fee
    assert totals.tax == Money.sum((line.tax for line in lines), currency)
    assert totals.grand_total == Money.sum((line.total for line in lines), currency)
    net_total = totals.subtotal - totals.discount + totals.shipping
    assert totals.grand_total == (net_total + totals.tax if exclusive else net_total)

    # Money kept (captured less refunded) never exceeds the total. Gross captures may, once a
    # refund made room for an edit that lowered the total: edits refuse to go below what is kept.
    kept = order.captured - order.refunded
    assert kept <= totals.grand_total, (order.captured, order.refunded, totals.grand_total)
    assert order.refunded <= order.captured, (order.refunded, order.captured)

    status = order.status
    if status in SHIPPING:
        assert status is fulfilment_status(lines, status)
    if status in BEFORE_SHIPPING:
        assert all(line.shipped == 0 for line in lines)
    # An open order holds stock for every open unit once it was confirmed (even when approved
    # again after a hold from confirmation); a closed order holds none.
    holds_stock = order.milestones.confirmed_at is not None and not status.is_terminal
    if status in (S.CONFIRMED, *SHIPPING):
        assert holds_stock
    for line in lines:
        wanted = line.open_quantity if holds_stock else 0
        assert line.reserved == wanted, (status, order.held_from, line)


@settings(stateful_step_count=50)
class OrderDeskMachine(RuleBasedStateMachine):
    """Drives a few orders through a real desk; override :meth:`open_desk` for a backend."""

    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self._open(OrderPolicy())

    def open_desk(self, clock: ManualClock, config: DeskConfig) -> OrderDesk:
        """Open the desk under test; a backend's subclass opens its own storage here.

        Called once per run and again whenever the machine starts over with another policy;
        each call must give an empty store.
        """
        return OrderDesk.open(
            "memory://", clock=clock, ids=SequentialIds(), config=config, entry_points=False
        )

    def _open(self, policy: OrderPolicy) -> None:
        self.policy = policy
        self.clock = ManualClock()
        config = DeskConfig(orders=policy, review=ReviewPolicy(automatic=False))
        self.desk = self.open_desk(self.clock, config)
        self.known: dict[str, Order] = {}

    @initialize(target=orders, policy=policies, draft=drafts(allow_invalid=False))
    def start_over(self, policy: OrderPolicy, draft: OrderDraft) -> MultipleResults[str]:
        """Start with a fresh desk under a random policy and one valid order."""
        self.desk.close()
        self._open(policy)
        return self.place(draft)

    def teardown(self) -> None:
        """Close the desk."""
        self.desk.close()

    # -- the one way every command runs ------------------------------------------------------

    def _run(self, command: str, order_id: str, call: Callable[[], Order]) -> Order | None:
        """Run ``call``; check a refusal changed nothing and a success followed the table."""
        before = self.desk.orders.get(order_id)
        assert before == self.known[order_id]
        head = self.desk.audit.head()
        try:
            after = call()
        except (InvalidTransition, ValidationError) as exc:
            event(f"{command}: refused ({type(exc).__name__})")
            assert self.desk.orders.get(order_id) == before
            assert self.desk.audit.head() == head
            return None
        event(f"{command}: {before.status.value} -> {after.status.value}")
        assert self.desk.orders.get(order_id) == after
        assert after.version == before.version + 1
        assert self.desk.audit.head().sequence == head.sequence + 1
        assert (before.status, command, after.status) in ROWS, (before.status, after.status)
        self.known[order_id] = after
        return after

    # -- intake --------------------------------------------------------------------------------

    @precondition(lambda self: len(self.known) < MAX_ORDERS)
    @rule(target=orders, draft=drafts())
    def place(self, draft: OrderDraft) -> MultipleResults[str]:
        """Place an order (now and then an invalid one); a refusal writes nothing."""
        head = self.desk.audit.head()
        try:
            order = self.desk.orders.place(draft, actor=ACTOR)
        except (InvalidTransition, ValidationError) as exc:
            event(f"place: refused ({type(exc).__name__})")
            assert self.desk.audit.head() == head
            assert len(self.desk.orders.list()) == len(self.known)
            return multiple()
        assert (None, "place", order.status) in ROWS
        assert order.version == 1
        assert self.desk.orders.get(order.id) == order
        assert self.desk.audit.head().sequence == head.sequence + 1
        assert [line.quantity for line in order.lines] == [line.quantity for line in draft.lines]
        self.known[order.id] = order
        return multiple(order.id)

    # -- review --------------------------------------------------------------------------------

    @rule(order_id=orders, reason=st.none() | reasons)
    def approve(self, order_id: str, reason: str | None) -> None:
        """Approve an order."""
        self._run("approve", order_id, lambda: self.desk.orders.approve(order_id, actor=ACTOR))

    @rule(order_id=orders, reason=reasons | bad_reasons)
    def hold(self, order_id: str, reason: str) -> None:
        """Put an order on hold (a blank reason is refused)."""
        self._run(
            "hold", order_id, lambda: self.desk.orders.hold(order_id, actor=ACTOR, reason=reason)
        )

    @rule(order_id=orders, reason=st.none() | reasons)
    def release(self, order_id: str, reason: str | None) -> None:
        """Release a hold back to where the order was."""
        before = self.known[order_id]
        after = self._run(
            "release",
            order_id,
            lambda: self.desk.orders.release(order_id, actor=ACTOR, reason=reason),
        )
        if after is not None:
            assert after.status is before.held_from
            assert after.held_from is None

    @rule(order_id=orders, reason=reasons | bad_reasons)
    def reject(self, order_id: str, reason: str) -> None:
        """Reject an order (a blank reason is refused)."""
        self._run(
            "reject",
            order_id,
            lambda: self.desk.orders.reject(order_id, actor=ACTOR, reason=reason),
        )

    @rule(order_id=orders)
    def confirm(self, order_id: str) -> None:
        """Confirm an order; it reserves stock for every open unit."""
        before = self.known[order_id]
        after = self._run(
            "confirm", order_id, lambda: self.desk.orders.confirm(order_id, actor=ACTOR)
        )
        if after is not None and self.policy.require_payment_to_confirm:
            assert before.credit_terms or before.is_paid or before.authorized >= before.balance_due

    # -- money and people ----------------------------------------------------------------------

    @rule(
        order_id=orders,
        kind=st.sampled_from(PaymentKind),
        basis=st.sampled_from(["balance_due", "grand_total", "refundable", "zero"]),
        divisor=st.integers(min_value=1, max_value=3),
        offset=st.integers(min_value=-2, max_value=2),
        foreign=st.integers(min_value=0, max_value=9).map(lambda n: n == 9),
    )
    def record_payment(
        self,
        order_id: str,
        kind: PaymentKind,
        basis: str,
        divisor: int,
        offset: int,
        foreign: bool,
    ) -> None:
        """Record an authorization, capture or refund of some amount, now and then a bad one."""
        order = self.known[order_id]
        bases = {
            "balance_due": order.balance_due,
            "grand_total": order.totals.grand_total,
            "refundable": order.captured - order.refunded,
            "zero": Money.zero(order.currency),
        }
        units = bases[basis].minor_units // divisor + offset
        currency = ("USD" if order.currency != "USD" else "EUR") if foreign else order.currency
        amount = Money.from_minor_units(units, currency)
        note(f"record_payment {kind.value} {amount} on {order_id}")
        after = self._run(
            "record_payment",
            order_id,
            lambda: self.desk.orders.record_payment(
                order_id, actor=ACTOR, kind=kind, amount=amount
            ),
        )
        if after is not None:
            assert after.payments == (*order.payments, after.payments[-1])
            assert after.payments[-1].amount == amount
            assert after.payments[-1].kind is kind
            if kind is PaymentKind.CAPTURE:  # a capture never takes more than the grand total
                assert after.captured <= after.totals.grand_total

    @rule(
        order_id=orders,
        queue=st.none() | st.sampled_from(["", "vip", "b2b"]),
        assignee=st.none() | st.sampled_from(["u-ann", "u-bob"]),
    )
    def assign(self, order_id: str, queue: str | None, assignee: str | None) -> None:
        """Assign an order to a queue and a person."""
        self._run(
            "assign",
            order_id,
            lambda: self.desk.orders.assign(order_id, actor=ACTOR, queue=queue, assignee=assignee),
        )

    # -- fulfilment ----------------------------------------------------------------------------

    @staticmethod
    def _pick_lines(
        data: st.DataObject, order: Order, available: Mapping[str, int]
    ) -> dict[str, int] | None:
        """Units per line: mostly within what is available, now and then not."""
        if data.draw(st.booleans(), label="all lines"):
            return None
        line_ids = [line.line_id for line in order.lines]
        if _rare(data, "unknown line"):
            line_ids.append("L99")
        chosen = data.draw(
            st.lists(st.sampled_from(line_ids), unique=True, max_size=len(line_ids)),
            label="lines",
        )
        picked: dict[str, int] = {}
        for line_id in chosen:
            most = available.get(line_id, 0)
            if most == 0 or _rare(data, f"bad quantity {line_id}"):
                picked[line_id] = data.draw(st.sampled_from([0, most + 1]), label=line_id)
            else:
                picked[line_id] = data.draw(st.integers(min_value=1, max_value=most), label=line_id)
        return picked

    @rule(order_id=orders, data=st.data())
    def ship(self, order_id: str, data: st.DataObject) -> None:
        """Ship some or all open units."""
        before = self.known[order_id]
        open_units = {line.line_id: line.open_quantity for line in before.lines}
        lines = self._pick_lines(data, before, open_units)
        after = self._run(
            "ship", order_id, lambda: self.desk.orders.ship(order_id, actor=ACTOR, lines=lines)
        )
        if after is None:
            return
        if self.policy.require_payment_to_ship:
            assert before.credit_terms or before.is_paid
        shipped = open_units if lines is None else lines
        for old, new in zip(before.lines, after.lines, strict=True):
            assert new.shipped == old.shipped + shipped.get(old.line_id, 0)

    @rule(order_id=orders, data=st.data())
    def deliver(self, order_id: str, data: st.DataObject) -> None:
        """Deliver some or all units in transit."""
        before = self.known[order_id]
        in_transit = {line.line_id: line.shipped - line.delivered for line in before.lines}
        lines = self._pick_lines(data, before, in_transit)
        after = self._run(
            "deliver",
            order_id,
            lambda: self.desk.orders.deliver(order_id, actor=ACTOR, lines=lines),
        )
        if after is None:
            return
        delivered = in_transit if lines is None else lines
        for old, new in zip(before.lines, after.lines, strict=True):
            assert new.delivered == old.delivered + delivered.get(old.line_id, 0)

    @rule(order_id=orders)
    def complete(self, order_id: str) -> None:
        """Complete an order."""
        after = self._run(
            "complete", order_id, lambda: self.desk.orders.complete(order_id, actor=ACTOR)
        )
        if after is not None and self.policy.require_payment_to_complete:
            assert not after.balance_due.is_positive()

    # -- cancellation, expiry and edits --------------------------------------------------------

    @rule(order_id=orders, reason=reasons | bad_reasons)
    def cancel(self, order_id: str, reason: str) -> None:
        """Cancel an order (a blank reason is refused)."""
        self._run(
            "cancel",
            order_id,
            lambda: self.desk.orders.cancel(order_id, actor=ACTOR, reason=reason),
        )

    @rule(
        order_id=orders,
        wait=st.sampled_from(
            [timedelta(0), timedelta(hours=1), timedelta(days=3), timedelta(days=8)]
        ),
    )
    def expire(self, order_id: str, wait: timedelta) -> None:
        """Let time pass and expire an unpaid order."""
        self.clock.advance(wait)
        before = self.known[order_id]
        after = self._run(
            "expire", order_id, lambda: self.desk.orders.expire(order_id, actor=ACTOR)
        )
        if after is not None:
            assert before.payment_due_at is not None
            assert self.clock.now() >= before.payment_due_at
            assert not before.credit_terms
            assert not before.captured.is_positive()

    @rule(order_id=orders, data=st.data())
    def edit(self, order_id: str, data: st.DataObject) -> None:
        """Change quantities and add lines."""
        order = self.known[order_id]
        quantities: dict[str, int] = {}
        for line in order.lines:
            if data.draw(st.booleans(), label=f"change {line.line_id}"):
                quantities[line.line_id] = data.draw(
                    st.integers(min_value=0, max_value=line.quantity + 2), label=line.line_id
                )
        added = data.draw(
            st.lists(line_parts(order.currency), max_size=2).map(
                lambda parts: [line for line, _ in parts]
            ),
            label="add_lines",
        )
        request = EditRequest(set_quantities=quantities, add_lines=added)
        after = self._run(
            "edit",
            order_id,
            lambda: self.desk.orders.edit(order_id, request, actor=ACTOR, reason="edit"),
        )
        if after is None:
            return
        for line in after.lines:
            if line.line_id in quantities:
                assert line.quantity == quantities[line.line_id]
        removed = {line_id for line_id, quantity in quantities.items() if quantity == 0}
        assert not removed & {line.line_id for line in after.lines}
        assert len(after.lines) == len(order.lines) - len(removed) + len(added)

    # -- moving along -------------------------------------------------------------------------

    @rule(order_id=orders, data=st.data(), steps=st.integers(min_value=1, max_value=3))
    def progress(self, order_id: str, data: st.DataObject, steps: int) -> None:
        """Run the commands that move the order along the happy path, so that runs get deep."""
        for _ in range(steps):
            self._step_forward(order_id, data)

    def _step_forward(self, order_id: str, data: st.DataObject) -> None:
        order = self.known[order_id]
        status = order.status
        policy = self.policy
        unpaid = not (order.credit_terms or order.is_paid)
        if status is S.ON_HOLD and order.held_from is S.CONFIRMED:
            self.release(order_id, None)
        elif status in (S.PENDING_REVIEW, S.ON_HOLD):
            self.approve(order_id, None)
        elif status is S.APPROVED:
            if policy.require_payment_to_confirm and unpaid:
                self._capture_balance(order_id)
            else:
                self.confirm(order_id)
        elif status in (S.CONFIRMED, S.IN_FULFILMENT) and policy.require_payment_to_ship and unpaid:
            self._capture_balance(order_id)
        elif status is S.CONFIRMED or (
            status is S.IN_FULFILMENT and data.draw(st.booleans(), label="ship more")
        ):
            open_units = {line.line_id: line.open_quantity for line in order.lines}
            lines = self._some_units(data, open_units)
            self._run(
                "ship",
                order_id,
                lambda: self.desk.orders.ship(order_id, actor=ACTOR, lines=lines),
            )
        elif status in (S.IN_FULFILMENT, S.FULFILLED):
            in_transit = {line.line_id: line.shipped - line.delivered for line in order.lines}
            lines = self._some_units(data, in_transit)
            self._run(
                "deliver",
                order_id,
                lambda: self.desk.orders.deliver(order_id, actor=ACTOR, lines=lines),
            )
        elif status is S.DELIVERED:
            if policy.require_payment_to_complete and order.balance_due.is_positive():
                self._capture_balance(order_id)
            else:
                self.complete(order_id)
        else:
            event("progress: order is closed")

    def _capture_balance(self, order_id: str) -> None:
        self.record_payment(order_id, PaymentKind.CAPTURE, "balance_due", 1, 0, False)

    @staticmethod
    def _some_units(data: st.DataObject, available: Mapping[str, int]) -> dict[str, int] | None:
        """Some units of one line that has any (``None``, meaning all, now and then)."""
        candidates = sorted(line_id for line_id, units in available.items() if units > 0)
        if not candidates or _rare(data, "everything"):
            return None
        line_id = data.draw(st.sampled_from(candidates), label="line")
        units = data.draw(st.integers(min_value=1, max_value=available[line_id]), label="units")
        return {line_id: units}

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def every_order_is_consistent_and_replays(self) -> None:
        """Every order keeps its invariants and replays from its journal."""
        for order_id, known in self.known.items():
            order = self.desk.orders.get(order_id)
            assert order == known
            check_order(order)
            assert self.desk.orders.replay(order_id) == order
            assert len(self.desk.orders.history(order_id)) == order.version

    @invariant()
    def journal_verifies(self) -> None:
        """The journal's hash chain verifies."""
        assert self.desk.audit.verify_journal().ok
