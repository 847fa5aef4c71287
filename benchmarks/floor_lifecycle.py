"""A lean floor under issue 3's constraints: how fast can plain Python run the order lifecycle?

This is a measuring stick beside the library, not library code, and it does not import
``ordercore``. It re-implements, as leanly as the constraints allow, the lifecycle that
``benchmarks/lifecycle.py`` measures through the desk: place -> approve -> confirm ->
record_payment -> ship -> deliver -> complete, one unit of work per command, single thread.
The gap between its figures and the library's shows what the library's extra features and
layers cost; the floor is not a target the library could reach while doing more.

Work done per command (the same on both backends):

- ``place`` validates the draft (non-empty lines, positive int quantities, non-negative
  Decimal prices and tax rates given as str or Decimal, never float, a known currency, required
  contact and address text, an email with ``@``, a two-letter country) into immutable attrs
  values, and prices it in integer minor units: tax per line rounded half-even, the shipping fee
  spread over lines by largest remainder, the grand total checked against the sum of the lines.
- Every command is authorized through a pluggy ``authorize`` hook (first result), reads the
  clock, looks its (state, command) pair up in a transition table with optional guards (the
  payment must equal the balance due, completion needs the order paid in full), builds a frozen
  attrs event and applies it to the order (``evolve``: a new frozen ``Order``, per-line counters
  whose invariants are checked on construction, version + 1).
- Under a lock, each event is journaled as canonical JSON (orjson, sorted keys) chained by
  SHA-256 to the previous entry, the order is stored by version compare-and-swap, and place,
  confirm, ship and deliver queue an outbox message. After the commit the outbox messages go
  to a log notifier (recipient masked) and are marked delivered, and the pluggy
  ``event_committed`` hook is called.
- On SQLite (WAL, ``synchronous=NORMAL``, one connection): each command is a ``BEGIN
  IMMEDIATE`` transaction that reads the journal tail, loads the order, writes the order as JSON
  with ``UPDATE ... WHERE version = ?`` (insert and a unique (channel, external id) key row on
  place), inserts the journal row and the outbox row, and commits; the outbox row is marked
  delivered after the commit. The decoded-order cache keeps the ``Order`` the desk last wrote
  or decoded per id and uses it only while the stored version still matches: a version read
  instead of reading and decoding the order's JSON.

What it does not do that the library does: no review context or review policy, no routing to
queues or assignees, no stock port (no reservation or consumption intent), no idempotency
records (only the (channel, external id) deduplication of place), no separation of personal
data from the journal payload, no rerun of a unit of work after a concurrency conflict (a
conflict is raised), no outbox leases or delivery retries (messages are sent inline after the
commit), no configurable desk, order or outbox policies, no typed command objects with reasons.
Its model is smaller too: one address, no discounts, customer reference, assignee, queue, tags,
notes or reserved counter; payment only of the whole balance; ship and deliver take every line
at once.

Figures printed as ``name: value`` lines (medians over the runs):

- ``floor_memory_orders_per_s`` and ``floor_memory_us_per_order``: whole lifecycles in memory.
- ``floor_memory_us_per_<command>``: each command's share, from separate runs timed per
  command (named as in ``benchmarks/lifecycle.py``: place, approve, confirm, pay, ...).
- ``floor_decisions_only_us_per_order``: validation, pricing and the seven decide/evolve steps
  alone, with no authorization, journal, outbox or store.
- ``floor_memory_orders_per_s_gc_disabled``: the memory lifecycles with ``gc.disable()`` around
  the timed loop, for information only (how much the cyclic collector costs here).
- ``floor_sqlite_orders_per_s`` (decoded-order cache on), ``floor_sqlite_orders_per_s_no_cache``
  and ``floor_sqlite_statements_per_order`` (BEGIN and COMMIT included) on a temporary SQLite
  file per run, in a temporary directory removed afterwards.

Every run ends with checks outside the timed window: the journal's hash chain verifies, one
order rebuilt from its journal events equals the stored one, and every outbox message was
delivered. The validation rules are checked once at start.

Run from the repository root:
``python benchmarks/floor_lifecycle.py [--quick] [--orders N] [--runs R] [--sqlite-orders N]``.
``--quick`` (what CI runs) takes 300 orders in memory and 200 on SQLite, once.
"""

from __future__ import annotations

import argparse
import enum
import gc
import itertools
import logging
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar, Final, TypeVar

import attrs
import orjson
import pluggy
from _floor import (
    GENESIS,
    Actor,
    Clock,
    ConcurrencyConflict,
    DomainError,
    Hooks,
    JournalEntry,
    JsonDict,
    NotFound,
    ValidationError,
    hookimpl,
    make_plugin_manager,
    raises,
    require_text,
    seal,
    verify_chain,
)
from _interpreter import print_interpreter

# ----------------------------------------------------------------------------- errors


class CurrencyMismatch(DomainError):
    """Money of two currencies combined."""


class InvalidTransition(DomainError):
    """The transition table has no row for this state and command."""

    def __init__(self, state: str | None, command: str) -> None:
        super().__init__(f"command {command!r} not allowed in state {state!r}")
        self.state = state
        self.command = command


class GuardRejected(DomainError):
    """A transition's guard refused the command's arguments."""


class InvariantViolation(DomainError):
    """A value that must never exist (negative counter, totals that do not add up)."""


# ----------------------------------------------------------------------------- money

# USD is here only so that the self-test can show that mixing currencies is refused.
_QUANTUM: Final = {"EUR": Decimal("0.01"), "USD": Decimal("0.01")}
_MINOR: Final = {"EUR": 2, "USD": 2}

_object_setattr = object.__setattr__


@attrs.frozen(slots=True, init=False)
class Money:
    """An amount quantized to its currency's minor unit."""

    amount: Decimal
    currency: str

    def __init__(self, amount: Decimal, currency: str) -> None:
        # Written by hand: attrs' generated __init__ plus a post-init check cost about 0.74 us
        # against 0.50 us here, and Money is made a dozen times per order.
        if type(amount) is not Decimal:  # refuses float (and int and str): Decimal amounts only
            raise TypeError(f"Money amount must be Decimal, got {type(amount).__name__}")
        quantum = _QUANTUM.get(currency)
        if quantum is None:
            raise ValidationError("currency", f"unknown currency {currency!r}")
        _object_setattr(self, "amount", amount.quantize(quantum))
        _object_setattr(self, "currency", currency)

    def _check_same_currency(self, other: object) -> Money:
        if type(other) is not Money:
            raise TypeError("Money arithmetic needs Money")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")
        return other

    def __add__(self, other: object) -> Money:
        other_money = self._check_same_currency(other)
        return Money(self.amount + other_money.amount, self.currency)

    def __sub__(self, other: object) -> Money:
        other_money = self._check_same_currency(other)
        return Money(self.amount - other_money.amount, self.currency)


def _slot_setter(cls: type[Any], name: str) -> Callable[[Any, Any], None]:
    """The slot descriptor's ``__set__``: writes a frozen slots attribute directly.

    Looked up on the class, not in its ``__dict__``, so that a subclass finds its base's slots.
    """
    setter: Callable[[Any, Any], None] = getattr(cls, name).__set__
    return setter


_new_object = object.__new__
_set_money_amount = _slot_setter(Money, "amount")
_set_money_currency = _slot_setter(Money, "currency")


def money_from_minor(units: int, currency: str) -> Money:
    """Money from integer minor units, on a trusted internal path.

    ``Decimal(int).scaleb(-minor)`` has exactly the currency's exponent by construction, so
    ``Money.__init__``'s type check and quantize would be no-ops; skipping them saves about
    0.26 us per Money.
    """
    money = _new_object(Money)
    _set_money_amount(money, Decimal(units).scaleb(-_MINOR[currency]))
    _set_money_currency(money, currency)
    return money


def minor_units(money: Money) -> int:
    """The amount in integer minor units (cents for EUR)."""
    return int(money.amount.scaleb(_MINOR[money.currency]))


# ----------------------------------------------------------------------------- model


@attrs.frozen(slots=True)
class Contact:
    """The customer's contact snapshot."""

    name: str
    email: str


@attrs.frozen(slots=True)
class Address:
    """Where the parcel goes; ``country`` is two letters."""

    recipient: str
    street: str
    postal_code: str
    city: str
    country: str


@attrs.frozen(slots=True)
class OrderLine:
    """One priced line: what was bought, its money in minor-unit exact amounts, its counters."""

    line_id: str
    sku: str
    name: str
    unit_price: Money
    quantity: int
    tax_rate: Decimal
    subtotal: Money
    tax: Money
    shipping_share: Money
    total: Money
    ordered: int
    shipped: int
    delivered: int
    cancelled: int
    returned: int


@attrs.frozen(slots=True)
class Order:
    """The stored order; every command makes a new one with version + 1."""

    id: str
    number: str
    channel: str
    external_id: str
    contact: Contact
    address: Address
    currency: str
    lines: tuple[OrderLine, ...]
    subtotal: Money
    tax: Money
    shipping: Money
    grand_total: Money
    payment_state: str
    amount_paid: Money
    status: str
    placed_at: datetime
    approved_at: datetime | None
    confirmed_at: datetime | None
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    version: int


class _Keep(enum.Enum):
    KEEP = enum.auto()


# A module-level name, so that each "is _KEEP" is one global lookup.
_KEEP: Final = _Keep.KEEP


def replace_order(
    o: Order,
    *,
    id: str | _Keep = _KEEP,
    number: str | _Keep = _KEEP,
    channel: str | _Keep = _KEEP,
    external_id: str | _Keep = _KEEP,
    contact: Contact | _Keep = _KEEP,
    address: Address | _Keep = _KEEP,
    currency: str | _Keep = _KEEP,
    lines: tuple[OrderLine, ...] | _Keep = _KEEP,
    subtotal: Money | _Keep = _KEEP,
    tax: Money | _Keep = _KEEP,
    shipping: Money | _Keep = _KEEP,
    grand_total: Money | _Keep = _KEEP,
    payment_state: str | _Keep = _KEEP,
    amount_paid: Money | _Keep = _KEEP,
    status: str | _Keep = _KEEP,
    placed_at: datetime | _Keep = _KEEP,
    approved_at: datetime | _Keep | None = _KEEP,
    confirmed_at: datetime | _Keep | None = _KEEP,
    paid_at: datetime | _Keep | None = _KEEP,
    shipped_at: datetime | _Keep | None = _KEEP,
    delivered_at: datetime | _Keep | None = _KEEP,
    completed_at: datetime | _Keep | None = _KEEP,
    version: int | _Keep = _KEEP,
) -> Order:
    """``attrs.evolve`` without its introspection: one positional constructor call."""
    return Order(
        o.id if id is _KEEP else id,
        o.number if number is _KEEP else number,
        o.channel if channel is _KEEP else channel,
        o.external_id if external_id is _KEEP else external_id,
        o.contact if contact is _KEEP else contact,
        o.address if address is _KEEP else address,
        o.currency if currency is _KEEP else currency,
        o.lines if lines is _KEEP else lines,
        o.subtotal if subtotal is _KEEP else subtotal,
        o.tax if tax is _KEEP else tax,
        o.shipping if shipping is _KEEP else shipping,
        o.grand_total if grand_total is _KEEP else grand_total,
        o.payment_state if payment_state is _KEEP else payment_state,
        o.amount_paid if amount_paid is _KEEP else amount_paid,
        o.status if status is _KEEP else status,
        o.placed_at if placed_at is _KEEP else placed_at,
        o.approved_at if approved_at is _KEEP else approved_at,
        o.confirmed_at if confirmed_at is _KEEP else confirmed_at,
        o.paid_at if paid_at is _KEEP else paid_at,
        o.shipped_at if shipped_at is _KEEP else shipped_at,
        o.delivered_at if delivered_at is _KEEP else delivered_at,
        o.completed_at if completed_at is _KEEP else completed_at,
        o.version if version is _KEEP else version,
    )


def _check_line(line: OrderLine) -> None:
    ordered, shipped, delivered = line.ordered, line.shipped, line.delivered
    cancelled, returned = line.cancelled, line.returned
    if ordered < 0 or shipped < 0 or delivered < 0 or cancelled < 0 or returned < 0:
        raise InvariantViolation(f"line {line.line_id}: negative counter")
    if shipped > ordered - cancelled:
        raise InvariantViolation(f"line {line.line_id}: shipped > ordered - cancelled")


_Cls = TypeVar("_Cls", bound=type[Any])


def _direct_slot_init(cls: _Cls, check: Callable[[Any], None] | None = None) -> _Cls:
    """Give an attrs frozen slots class an ``__init__`` that writes the slot descriptors directly.

    attrs' generated ``__init__`` goes through ``object.__setattr__`` per field; calling each
    slot's ``__set__`` is what the floor can do instead, and the class stays an attrs frozen
    slots class (same fields, equality, repr, immutability). The source is built from the
    class's own field names, never from input, the way attrs builds its own methods; writing
    these initializers out by hand would repeat every field list twice.
    """
    names = [field.name for field in attrs.fields(cls)]
    namespace: dict[str, Any] = {f"_set_{name}": _slot_setter(cls, name) for name in names}
    namespace["_check"] = check
    source = f"def __init__(self, {', '.join(names)}):\n"
    source += "".join(f"    _set_{name}(self, {name})\n" for name in names)
    if check is not None:
        source += "    _check(self)\n"
    exec(source, namespace)  # noqa: S102 - generated from field names only (see docstring)
    cls.__init__ = namespace["__init__"]
    return cls


# ----------------------------------------------------------------------------- events


@attrs.frozen(slots=True)
class OrderPlaced:
    """The priced order as placed: the opening state itself (status, time, version 1)."""

    order: Order


@attrs.frozen(slots=True)
class StatusChanged:
    """The order moved on with no other change; each subclass names which step it was."""

    order_id: str
    status: str
    at: datetime


@attrs.frozen(slots=True)
class OrderApproved(StatusChanged):
    """Review passed."""


@attrs.frozen(slots=True)
class OrderConfirmed(StatusChanged):
    """The order is confirmed to the customer."""


@attrs.frozen(slots=True)
class OrderCompleted(StatusChanged):
    """The order is done."""


@attrs.frozen(slots=True)
class PaymentRecorded:
    """A payment of the balance due."""

    order_id: str
    amount: Money
    amount_paid: Money
    payment_state: str
    at: datetime


@attrs.frozen(slots=True)
class LinesCounted:
    """A per-line counter set for every line: ``counts`` is ((line_id, new count), ...)."""

    counter: ClassVar[str]  # the OrderLine counter it sets, also the journal payload's key
    order_id: str
    status: str
    counts: tuple[tuple[str, int], ...]
    at: datetime


@attrs.frozen(slots=True)
class OrderShipped(LinesCounted):
    """Lines shipped."""

    counter: ClassVar[str] = "shipped"


@attrs.frozen(slots=True)
class OrderDelivered(LinesCounted):
    """Lines delivered."""

    counter: ClassVar[str] = "delivered"


Event = OrderPlaced | StatusChanged | PaymentRecorded | LinesCounted

for _value_class in (
    Contact,
    Address,
    Order,
    OrderPlaced,
    OrderApproved,
    OrderConfirmed,
    PaymentRecorded,
    OrderShipped,
    OrderDelivered,
    OrderCompleted,
):
    _direct_slot_init(_value_class)
_direct_slot_init(OrderLine, _check_line)

# ----------------------------------------------------------------------------- draft validation


@attrs.frozen(slots=True)
class DraftLine:
    """A validated draft line, not yet priced."""

    sku: str
    name: str
    quantity: int
    unit_price: Money
    tax_rate: Decimal


@attrs.frozen(slots=True)
class ValidDraft:
    """A validated draft."""

    channel: str
    external_id: str
    currency: str
    contact: Contact
    address: Address
    lines: tuple[DraftLine, ...]
    shipping_fee: Money


def _decimal(value: object, field: str) -> Decimal:
    value_type = type(value)
    if value_type is str:
        try:
            number = Decimal(value)  # type: ignore[arg-type]  # type() checked above
        except InvalidOperation:
            raise ValidationError(field, "not a decimal number") from None
    elif value_type is Decimal:
        number = value  # type: ignore[assignment]  # type() checked above
    else:
        raise ValidationError(field, f"must be str or Decimal, not {value_type.__name__}")
    if not number.is_finite() or number < 0:
        raise ValidationError(field, "must be a finite non-negative number")
    return number


def validate_draft(draft: Mapping[str, Any]) -> ValidDraft:
    """Check a draft as a web shop sends it (plain dicts of str); the error names the field."""
    lines = draft.get("lines")
    if not lines:
        raise ValidationError("lines", "at least one line required")
    currency = draft.get("currency")
    if currency not in _QUANTUM:
        raise ValidationError("currency", f"unknown currency {currency!r}")
    contact = draft.get("contact") or {}
    name = require_text(contact.get("name"), "contact.name")
    email = require_text(contact.get("email"), "contact.email")
    if "@" not in email:
        raise ValidationError("contact.email", "must contain '@'")
    address_in = draft.get("address") or {}
    country = require_text(address_in.get("country"), "address.country")
    if len(country) != 2 or not country.isalpha():
        raise ValidationError("address.country", "must be 2 letters")
    address = Address(
        require_text(address_in.get("recipient"), "address.recipient"),
        require_text(address_in.get("street"), "address.street"),
        require_text(address_in.get("postal_code"), "address.postal_code"),
        require_text(address_in.get("city"), "address.city"),
        country,
    )
    draft_lines = []
    for index, line in enumerate(lines):
        quantity = line.get("quantity")
        if type(quantity) is not int or quantity <= 0:  # type() also refuses bool
            raise ValidationError(f"lines[{index}].quantity", "must be a positive int")
        price = _decimal(line.get("unit_price"), f"lines[{index}].unit_price")
        rate = _decimal(line.get("tax_rate"), f"lines[{index}].tax_rate")
        draft_lines.append(
            DraftLine(
                require_text(line.get("sku"), f"lines[{index}].sku"),
                require_text(line.get("name"), f"lines[{index}].name"),
                quantity,
                Money(price, currency),
                rate,
            )
        )
    fee = _decimal(draft.get("shipping_fee", "0"), "shipping_fee")
    return ValidDraft(
        require_text(draft.get("channel"), "channel"),
        require_text(draft.get("external_id"), "external_id"),
        currency,
        Contact(name, email),
        address,
        tuple(draft_lines),
        Money(fee, currency),
    )


# ----------------------------------------------------------------------------- pricing


def _round_half_even_div(numerator: int, denominator: int) -> int:
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient & 1):
        quotient += 1
    return quotient


def allocate_largest_remainder(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` minor units in proportion to ``weights``; the shares sum to ``total``."""
    weight_sum = sum(weights)
    if weight_sum == 0:
        weights = [1] * len(weights)
        weight_sum = len(weights)
    shares = []
    remainders = []
    for index, weight in enumerate(weights):
        share, remainder = divmod(total * weight, weight_sum)
        shares.append(share)
        remainders.append((-remainder, index))
    left = total - sum(shares)
    if left:
        remainders.sort()
        for k in range(left):
            shares[remainders[k][1]] += 1
    return shares


PricedLines = tuple[tuple[OrderLine, ...], Money, Money, Money, Money]


def price_lines(draft: ValidDraft, order_id: str) -> PricedLines:
    """Lines and totals (subtotal, tax, shipping, grand total), in integer minor units."""
    currency = draft.currency
    subtotals = []
    taxes = []
    for draft_line in draft.lines:
        subtotal = minor_units(draft_line.unit_price) * draft_line.quantity
        numerator, denominator = draft_line.tax_rate.as_integer_ratio()
        subtotals.append(subtotal)
        taxes.append(_round_half_even_div(subtotal * numerator, denominator))
    fee = minor_units(draft.shipping_fee)
    shares = allocate_largest_remainder(fee, subtotals)
    lines = []
    grand_total = 0
    for i, draft_line in enumerate(draft.lines):
        line_total = subtotals[i] + taxes[i] + shares[i]
        grand_total += line_total
        quantity = draft_line.quantity
        lines.append(
            OrderLine(
                f"{order_id}:{i + 1}",
                draft_line.sku,
                draft_line.name,
                draft_line.unit_price,
                quantity,
                draft_line.tax_rate,
                money_from_minor(subtotals[i], currency),
                money_from_minor(taxes[i], currency),
                money_from_minor(shares[i], currency),
                money_from_minor(line_total, currency),
                quantity,
                0,
                0,
                0,
                0,
            )
        )
    subtotal_sum, tax_sum, shipping_sum = sum(subtotals), sum(taxes), sum(shares)
    # The grand total must equal the sum of the line totals, to the minor unit.
    if subtotal_sum + tax_sum + shipping_sum != grand_total or shipping_sum != fee:
        raise InvariantViolation("totals do not add up")
    return (
        tuple(lines),
        money_from_minor(subtotal_sum, currency),
        money_from_minor(tax_sum, currency),
        money_from_minor(shipping_sum, currency),
        money_from_minor(grand_total, currency),
    )


# ----------------------------------------------------------------------------- state machine


def guard_payment(order: Order, amount: object) -> None:
    """A payment must be Money of the order's currency and equal the balance due."""
    if type(amount) is not Money or amount.currency != order.currency:
        raise GuardRejected("payment currency does not match order")
    if amount.amount != order.grand_total.amount - order.amount_paid.amount:
        raise GuardRejected("payment must equal balance due")


def guard_paid_in_full(order: Order, _args: object) -> None:
    """Only a fully paid order completes."""
    if order.payment_state != "paid" or order.amount_paid.amount != order.grand_total.amount:
        raise GuardRejected("order not paid in full")


Guard = Callable[[Order, Any], None]

# (state, command) -> (next state, guard): the single source of the lifecycle's rules.
TRANSITIONS: Final[dict[tuple[str | None, str], tuple[str, Guard | None]]] = {
    (None, "place"): ("pending_review", None),
    ("pending_review", "approve"): ("approved", None),
    ("approved", "confirm"): ("confirmed", None),
    ("confirmed", "record_payment"): ("confirmed", guard_payment),
    ("confirmed", "ship"): ("fulfilled", None),
    ("fulfilled", "deliver"): ("delivered", None),
    ("delivered", "complete"): ("completed", guard_paid_in_full),
}

PlaceArgs = tuple[str, str, ValidDraft]  # (order id, order number, validated draft)


def _build_placed(_order: None, args: PlaceArgs, next_state: str, now: datetime) -> Event:
    order_id, number, draft = args
    lines, subtotal, tax, shipping, grand_total = price_lines(draft, order_id)
    currency = draft.currency
    opening = Order(
        order_id,
        number,
        draft.channel,
        draft.external_id,
        draft.contact,
        draft.address,
        currency,
        lines,
        subtotal,
        tax,
        shipping,
        grand_total,
        "unpaid",
        Money(Decimal(0), currency),
        next_state,
        now,
        None,
        None,
        None,
        None,
        None,
        None,
        1,
    )
    return OrderPlaced(opening)


Builder = Callable[[Any, Any, str, datetime], Event]


def _status_builder(event_type: type[StatusChanged]) -> Builder:
    def build(order: Order, _args: None, next_state: str, now: datetime) -> Event:
        return event_type(order.id, next_state, now)

    return build


def _build_payment(order: Order, amount: Money, _next_state: str, now: datetime) -> Event:
    paid = order.amount_paid + amount
    state = "paid" if paid.amount == order.grand_total.amount else "unpaid"
    return PaymentRecorded(order.id, amount, paid, state, now)


def _build_shipped(order: Order, _args: None, next_state: str, now: datetime) -> Event:
    shipped = tuple((line.line_id, line.ordered - line.cancelled) for line in order.lines)
    return OrderShipped(order.id, next_state, shipped, now)


def _build_delivered(order: Order, _args: None, next_state: str, now: datetime) -> Event:
    delivered = tuple((line.line_id, line.shipped) for line in order.lines)
    return OrderDelivered(order.id, next_state, delivered, now)


# The table's parameters are Any: only "place" is reached with no order, and each command's
# arguments have their own type; TRANSITIONS guarantees which pairs meet.
BUILDERS: Final[dict[str, Builder]] = {
    "place": _build_placed,
    "approve": _status_builder(OrderApproved),
    "confirm": _status_builder(OrderConfirmed),
    "record_payment": _build_payment,
    "ship": _build_shipped,
    "deliver": _build_delivered,
    "complete": _status_builder(OrderCompleted),
}


def decide(order: Order | None, command: str, args: Any, now: datetime) -> Event:
    """The event a command makes, or a domain error: pure, no I/O."""
    state = None if order is None else order.status
    transition = TRANSITIONS.get((state, command))
    if transition is None:
        raise InvalidTransition(state, command)
    next_state, guard = transition
    if guard is not None:
        guard(order, args)  # type: ignore[arg-type]  # guarded rows all start from a state
    return BUILDERS[command](order, args, next_state, now)


# ----------------------------------------------------------------------------- evolve (pure)


def _evolve_placed(_order: None, event: OrderPlaced) -> Order:
    return event.order


def _evolve_status(order: Order, event: StatusChanged) -> Order:
    kind, at = type(event), event.at
    return replace_order(
        order,
        status=event.status,
        approved_at=at if kind is OrderApproved else _KEEP,
        confirmed_at=at if kind is OrderConfirmed else _KEEP,
        completed_at=at if kind is OrderCompleted else _KEEP,
        version=order.version + 1,
    )


def _evolve_payment(order: Order, event: PaymentRecorded) -> Order:
    return replace_order(
        order,
        payment_state=event.payment_state,
        amount_paid=event.amount_paid,
        paid_at=event.at,
        version=order.version + 1,
    )


def _with_counts(
    lines: tuple[OrderLine, ...], counts: tuple[tuple[str, int], ...], *, shipped: bool
) -> tuple[OrderLine, ...]:
    """The lines with their shipped (or else delivered) counter set from ``counts``."""
    out = []
    for line, (line_id, count) in zip(lines, counts, strict=True):
        if line.line_id != line_id:
            raise InvariantViolation("event line mismatch")
        out.append(
            OrderLine(
                line.line_id,
                line.sku,
                line.name,
                line.unit_price,
                line.quantity,
                line.tax_rate,
                line.subtotal,
                line.tax,
                line.shipping_share,
                line.total,
                line.ordered,
                count if shipped else line.shipped,
                line.delivered if shipped else count,
                line.cancelled,
                line.returned,
            )
        )
    return tuple(out)


def _evolve_counted(order: Order, event: LinesCounted) -> Order:
    shipped = type(event) is OrderShipped
    return replace_order(
        order,
        status=event.status,
        lines=_with_counts(order.lines, event.counts, shipped=shipped),
        shipped_at=event.at if shipped else _KEEP,
        delivered_at=_KEEP if shipped else event.at,
        version=order.version + 1,
    )


EVOLVERS: Final[dict[type, Callable[[Any, Any], Order]]] = {
    OrderPlaced: _evolve_placed,
    OrderApproved: _evolve_status,
    OrderConfirmed: _evolve_status,
    PaymentRecorded: _evolve_payment,
    OrderShipped: _evolve_counted,
    OrderDelivered: _evolve_counted,
    OrderCompleted: _evolve_status,
}


def evolve(order: Order | None, event: Event) -> Order:
    """The order after the event: pure, a new frozen value."""
    return EVOLVERS[type(event)](order, event)


# ----------------------------------------------------------------------------- JSON codecs

_from_iso = datetime.fromisoformat


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _from_iso_or_none(text: str | None) -> datetime | None:
    return None if text is None else _from_iso(text)


def _line_doc(line: OrderLine) -> JsonDict:
    return {
        "line_id": line.line_id,
        "sku": line.sku,
        "name": line.name,
        "quantity": line.quantity,
        "unit_price": str(line.unit_price.amount),
        "tax_rate": str(line.tax_rate),
        "subtotal": str(line.subtotal.amount),
        "tax": str(line.tax.amount),
        "shipping_share": str(line.shipping_share.amount),
        "total": str(line.total.amount),
        "ordered": line.ordered,
        "shipped": line.shipped,
        "delivered": line.delivered,
        "cancelled": line.cancelled,
        "returned": line.returned,
    }


def _line_from_doc(doc: JsonDict, currency: str) -> OrderLine:
    return OrderLine(
        doc["line_id"],
        doc["sku"],
        doc["name"],
        Money(Decimal(doc["unit_price"]), currency),
        doc["quantity"],
        Decimal(doc["tax_rate"]),
        Money(Decimal(doc["subtotal"]), currency),
        Money(Decimal(doc["tax"]), currency),
        Money(Decimal(doc["shipping_share"]), currency),
        Money(Decimal(doc["total"]), currency),
        doc["ordered"],
        doc["shipped"],
        doc["delivered"],
        doc["cancelled"],
        doc["returned"],
    )


def _contact_doc(contact: Contact) -> JsonDict:
    return {"name": contact.name, "email": contact.email}


def _address_doc(address: Address) -> JsonDict:
    return {
        "recipient": address.recipient,
        "street": address.street,
        "postal_code": address.postal_code,
        "city": address.city,
        "country": address.country,
    }


def _placed_payload(event: OrderPlaced) -> JsonDict:
    return order_doc(event.order)


def _status_payload(event: StatusChanged) -> JsonDict:
    return {"order_id": event.order_id, "status": event.status, "at": event.at.isoformat()}


def _payment_payload(event: PaymentRecorded) -> JsonDict:
    return {
        "order_id": event.order_id,
        "amount": str(event.amount.amount),
        "currency": event.amount.currency,
        "amount_paid": str(event.amount_paid.amount),
        "payment_state": event.payment_state,
        "at": event.at.isoformat(),
    }


def _counts_payload(event: LinesCounted) -> JsonDict:
    return {
        "order_id": event.order_id,
        "status": event.status,
        event.counter: [list(pair) for pair in event.counts],
        "at": event.at.isoformat(),
    }


PAYLOADS: Final[dict[type, Callable[[Any], JsonDict]]] = {
    OrderPlaced: _placed_payload,
    OrderApproved: _status_payload,
    OrderConfirmed: _status_payload,
    PaymentRecorded: _payment_payload,
    OrderShipped: _counts_payload,
    OrderDelivered: _counts_payload,
    OrderCompleted: _status_payload,
}

_STATUS_EVENTS: Final[dict[str, type[StatusChanged]]] = {
    "OrderApproved": OrderApproved,
    "OrderConfirmed": OrderConfirmed,
    "OrderCompleted": OrderCompleted,
}
_COUNT_EVENTS: Final[dict[str, type[LinesCounted]]] = {
    "OrderShipped": OrderShipped,
    "OrderDelivered": OrderDelivered,
}


def event_from_payload(event_type: str, payload: JsonDict) -> Event:
    """The event back from its journal payload (used by the replay check only)."""
    if event_type == "OrderPlaced":
        return OrderPlaced(order_from_doc(payload))
    if event_type == "PaymentRecorded":
        currency = payload["currency"]
        return PaymentRecorded(
            payload["order_id"],
            Money(Decimal(payload["amount"]), currency),
            Money(Decimal(payload["amount_paid"]), currency),
            payload["payment_state"],
            _from_iso(payload["at"]),
        )
    counted = _COUNT_EVENTS.get(event_type)
    if counted is not None:
        counts = tuple((line_id, count) for line_id, count in payload[counted.counter])
        return counted(payload["order_id"], payload["status"], counts, _from_iso(payload["at"]))
    return _STATUS_EVENTS[event_type](
        payload["order_id"], payload["status"], _from_iso(payload["at"])
    )


def order_doc(order: Order) -> JsonDict:
    """The order as a JSON document (the SQLite row's body)."""
    return {
        "id": order.id,
        "number": order.number,
        "channel": order.channel,
        "external_id": order.external_id,
        "contact": _contact_doc(order.contact),
        "address": _address_doc(order.address),
        "currency": order.currency,
        "lines": [_line_doc(line) for line in order.lines],
        "subtotal": str(order.subtotal.amount),
        "tax": str(order.tax.amount),
        "shipping": str(order.shipping.amount),
        "grand_total": str(order.grand_total.amount),
        "payment_state": order.payment_state,
        "amount_paid": str(order.amount_paid.amount),
        "status": order.status,
        "placed_at": order.placed_at.isoformat(),
        "approved_at": _iso(order.approved_at),
        "confirmed_at": _iso(order.confirmed_at),
        "paid_at": _iso(order.paid_at),
        "shipped_at": _iso(order.shipped_at),
        "delivered_at": _iso(order.delivered_at),
        "completed_at": _iso(order.completed_at),
        "version": order.version,
    }


def order_from_doc(doc: JsonDict) -> Order:
    """The order back from its JSON document."""
    currency = doc["currency"]
    contact, address = doc["contact"], doc["address"]
    return Order(
        doc["id"],
        doc["number"],
        doc["channel"],
        doc["external_id"],
        Contact(contact["name"], contact["email"]),
        Address(**address),
        currency,
        tuple(_line_from_doc(line, currency) for line in doc["lines"]),
        Money(Decimal(doc["subtotal"]), currency),
        Money(Decimal(doc["tax"]), currency),
        Money(Decimal(doc["shipping"]), currency),
        Money(Decimal(doc["grand_total"]), currency),
        doc["payment_state"],
        Money(Decimal(doc["amount_paid"]), currency),
        doc["status"],
        _from_iso(doc["placed_at"]),
        _from_iso_or_none(doc["approved_at"]),
        _from_iso_or_none(doc["confirmed_at"]),
        _from_iso_or_none(doc["paid_at"]),
        _from_iso_or_none(doc["shipped_at"]),
        _from_iso_or_none(doc["delivered_at"]),
        _from_iso_or_none(doc["completed_at"]),
        doc["version"],
    )


# ----------------------------------------------------------------------------- app layer


class RolePolicy:
    """Clerks may do everything."""

    @hookimpl
    def authorize(self, actor: Actor, action: str, subject: str | None) -> bool:
        return actor.role == "clerk"


# Unique ids from a random per-process prefix and a counter: uuid4 costs about 2.3 us each and
# an order takes 12 ids (order, 7 journal entries, 4 outbox messages).
_ID_PREFIX: Final = os.urandom(6).hex()
_id_counter = itertools.count(1)


def new_id(kind: str) -> str:
    """A process-unique id such as ``evt_<prefix><counter>``."""
    return f"{kind}_{_ID_PREFIX}{next(_id_counter):010x}"


_log = logging.getLogger("floor_lifecycle")
_log.setLevel(logging.WARNING)


def mask_email(email: str) -> str:
    """``c***@example.com``: personal data never reaches the log in clear."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


class LogNotifier:
    """Sends outbox messages to the log, the recipient masked."""

    def send(self, message: JsonDict) -> None:
        _log.debug(
            "notify %s to %s: %s",
            message["template"],
            mask_email(message["recipient"]),
            message["data"],
        )


NOTIFY: Final = {
    "place": "order_received",
    "confirm": "order_confirmed",
    "ship": "order_shipped",
    "deliver": "order_delivered",
}

_dumps = orjson.dumps
_loads = orjson.loads


def journal_body(
    sequence: int,
    event: Event,
    new_order: Order,
    actor: Actor,
    now: datetime,
    previous_hash: str,
) -> JournalEntry:
    """The journal entry as canonical JSON and its hash, chained to the previous entry's."""
    content = {
        "event_id": new_id("evt"),
        "stream_type": "order",
        "stream_id": new_order.id,
        "version": new_order.version,
        "event_type": type(event).__name__,
        "payload": PAYLOADS[type(event)](event),
        "actor": actor.id,
        "recorded_at": now.isoformat(),
    }
    return seal(content, sequence, previous_hash)


def outbox_message(command: str, order: Order) -> JsonDict:
    """The notification a command queues."""
    return {
        "message_id": new_id("msg"),
        "template": NOTIFY[command],
        "recipient": order.contact.email,
        "data": {
            "order_id": order.id,
            "number": order.number,
            "total": str(order.grand_total.amount),
        },
    }


# ----------------------------------------------------------------------------- memory desk


class MemoryDesk:
    """Orders, journal and outbox in dicts and lists, one lock around each unit of work."""

    def __init__(self, clock: Clock, plugins: pluggy.PluginManager, notifier: LogNotifier) -> None:
        self.clock = clock
        self.hooks = Hooks(plugins)
        self.notifier = notifier
        self.lock = threading.Lock()
        self.orders: dict[str, tuple[int, Order]] = {}  # id -> (version, order)
        self.keys: dict[tuple[str, str], str] = {}  # (channel, external id) -> id
        self.journal: list[tuple[bytes, str]] = []  # (body, hash)
        self.last_hash = GENESIS
        self.outbox: list[JsonDict] = []
        self.pending: list[JsonDict] = []  # committed, not yet sent
        self._numbers = itertools.count(1)

    def _stage(
        self, command: str, event: Event, new: Order, actor: Actor, now: datetime
    ) -> tuple[bytes, str, JsonDict | None]:
        """Journal entry and outbox message of this unit of work, applied only after the CAS."""
        body, entry_hash = journal_body(
            len(self.journal) + 1, event, new, actor, now, self.last_hash
        )
        message = outbox_message(command, new) if command in NOTIFY else None
        return body, entry_hash, message

    def _apply(self, body: bytes, entry_hash: str, message: JsonDict | None) -> None:
        self.journal.append((body, entry_hash))
        self.last_hash = entry_hash
        if message is not None:
            message["status"] = "pending"
            self.outbox.append(message)
            self.pending.append(message)

    def _after_commit(self, event: Event) -> None:
        pending = self.pending
        if pending:
            self.pending = []
            send = self.notifier.send
            for message in pending:
                send(message)
                message["status"] = "delivered"
        self.hooks.committed(event=event)

    def place(self, actor: Actor, draft: Mapping[str, Any]) -> Order:
        """Validate, price and store a new order (the same order again for a known key)."""
        valid = validate_draft(draft)
        now = self.clock.now()
        self.hooks.authorize(actor, "place", None)
        with self.lock:
            key = (valid.channel, valid.external_id)
            existing = self.keys.get(key)
            if existing is not None:
                return self.orders[existing][1]
            order_id = new_id("ord")
            number = f"SO-{next(self._numbers):08d}"
            event = decide(None, "place", (order_id, number, valid), now)
            new = evolve(None, event)
            staged = self._stage("place", event, new, actor, now)
            if order_id in self.orders:  # compare-and-swap: the id must not exist yet
                raise ConcurrencyConflict(order_id)
            self.orders[order_id] = (new.version, new)
            self.keys[key] = order_id
            self._apply(*staged)
        self._after_commit(event)
        return new

    def execute(self, actor: Actor, command: str, order_id: str, args: Any = None) -> Order:
        """Run one command on a stored order."""
        now = self.clock.now()
        self.hooks.authorize(actor, command, order_id)
        with self.lock:
            entry = self.orders.get(order_id)
            if entry is None:
                raise NotFound("Order", order_id)
            version, order = entry
            event = decide(order, command, args, now)
            new = evolve(order, event)
            staged = self._stage(command, event, new, actor, now)
            if self.orders[order_id][0] != version:  # compare-and-swap on the version
                raise ConcurrencyConflict(order_id)
            self.orders[order_id] = (new.version, new)
            self._apply(*staged)
        self._after_commit(event)
        return new


# ----------------------------------------------------------------------------- SQLite desk

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS orders(id TEXT PRIMARY KEY, version INT NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS order_keys(
    channel TEXT NOT NULL, external_id TEXT NOT NULL, order_id TEXT NOT NULL,
    UNIQUE(channel, external_id));
CREATE TABLE IF NOT EXISTS journal(
    sequence INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, version INT NOT NULL,
    body BLOB NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox(
    message_id TEXT PRIMARY KEY, status TEXT NOT NULL, body BLOB NOT NULL);
"""

SELECT_KEY: Final = "SELECT order_id FROM order_keys WHERE channel=? AND external_id=?"
SELECT_TAIL: Final = "SELECT sequence, hash FROM journal ORDER BY sequence DESC LIMIT 1"
SELECT_NEXT_NUMBER: Final = "SELECT COALESCE(MAX(rowid), 0) + 1 FROM orders"
SELECT_VERSION: Final = "SELECT version FROM orders WHERE id=?"
SELECT_ORDER: Final = "SELECT version, body FROM orders WHERE id=?"
INSERT_ORDER: Final = "INSERT INTO orders(id, version, body) VALUES (?, ?, ?)"
INSERT_KEY: Final = "INSERT INTO order_keys(channel, external_id, order_id) VALUES (?, ?, ?)"
UPDATE_ORDER: Final = "UPDATE orders SET body=?, version=? WHERE id=? AND version=?"
INSERT_JOURNAL: Final = (
    "INSERT INTO journal(sequence, stream_id, version, body, hash) VALUES (?, ?, ?, ?, ?)"
)
INSERT_OUTBOX: Final = "INSERT INTO outbox(message_id, status, body) VALUES (?, 'pending', ?)"
MARK_DELIVERED: Final = (
    "UPDATE outbox SET status='delivered' WHERE message_id=? AND status='pending'"
)


class SqliteDesk:
    """The same units of work on a SQLite file: one BEGIN IMMEDIATE transaction per command."""

    def __init__(
        self,
        path: str,
        clock: Clock,
        plugins: pluggy.PluginManager,
        notifier: LogNotifier,
        *,
        cache: bool = True,
    ) -> None:
        # Autocommit mode: the desk issues BEGIN IMMEDIATE and COMMIT itself.
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.cursor = self.db.cursor()
        self.clock = clock
        self.hooks = Hooks(plugins)
        self.notifier = notifier
        self.lock = threading.Lock()
        # id -> (version, decoded order); used only while the stored version still matches.
        self.cache: dict[str, tuple[int, Order]] | None = {} if cache else None
        self.decodes = 0

    @staticmethod
    def _tail(execute: Callable[..., sqlite3.Cursor]) -> tuple[int, str]:
        row = execute(SELECT_TAIL).fetchone()
        return (0, GENESIS) if row is None else (row[0], row[1])

    def _after_commit(self, message: JsonDict | None, event: Event) -> None:
        if message is not None:
            self.notifier.send(message)
            self.cursor.execute(MARK_DELIVERED, (message["message_id"],))  # autocommits
        self.hooks.committed(event=event)

    def _load(self, order_id: str) -> tuple[int, Order]:
        row = self.cursor.execute(SELECT_ORDER, (order_id,)).fetchone()
        if row is None:
            raise NotFound("Order", order_id)
        self.decodes += 1
        return row[0], order_from_doc(_loads(row[1]))

    def _rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def place(self, actor: Actor, draft: Mapping[str, Any]) -> Order:
        """Validate, price and store a new order (the same order again for a known key)."""
        valid = validate_draft(draft)
        now = self.clock.now()
        self.hooks.authorize(actor, "place", None)
        execute = self.cursor.execute
        with self.lock:
            execute("BEGIN IMMEDIATE")
            try:
                row = execute(SELECT_KEY, (valid.channel, valid.external_id)).fetchone()
                if row is not None:  # deduplicated: the existing order
                    execute("COMMIT")
                    return self._load(row[0])[1]
                sequence, previous_hash = self._tail(execute)
                number = execute(SELECT_NEXT_NUMBER).fetchone()[0]
                order_id = new_id("ord")
                event = decide(None, "place", (order_id, f"SO-{number:08d}", valid), now)
                new = evolve(None, event)
                body, entry_hash = journal_body(sequence + 1, event, new, actor, now, previous_hash)
                message = outbox_message("place", new)
                execute(INSERT_ORDER, (order_id, new.version, _dumps(order_doc(new))))
                execute(INSERT_KEY, (valid.channel, valid.external_id, order_id))
                execute(INSERT_JOURNAL, (sequence + 1, order_id, new.version, body, entry_hash))
                execute(INSERT_OUTBOX, (message["message_id"], _dumps(message)))
                execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            if self.cache is not None:
                self.cache[order_id] = (new.version, new)
        self._after_commit(message, event)
        return new

    def execute(self, actor: Actor, command: str, order_id: str, args: Any = None) -> Order:
        """Run one command on a stored order."""
        now = self.clock.now()
        self.hooks.authorize(actor, command, order_id)
        execute = self.cursor.execute
        cache = self.cache
        with self.lock:
            execute("BEGIN IMMEDIATE")
            try:
                if cache is None:
                    version, order = self._load(order_id)
                else:
                    # A version read instead of a decode when the cached order is current.
                    row = execute(SELECT_VERSION, (order_id,)).fetchone()
                    if row is None:
                        raise NotFound("Order", order_id)
                    hit = cache.get(order_id)
                    if hit is not None and hit[0] == row[0]:
                        version, order = hit
                    else:
                        version, order = self._load(order_id)
                sequence, previous_hash = self._tail(execute)
                event = decide(order, command, args, now)
                new = evolve(order, event)
                body, entry_hash = journal_body(sequence + 1, event, new, actor, now, previous_hash)
                document = _dumps(order_doc(new))
                # Compare-and-swap: the row changes only if nobody changed it since the read.
                if execute(UPDATE_ORDER, (document, new.version, order_id, version)).rowcount != 1:
                    raise ConcurrencyConflict(order_id)
                execute(INSERT_JOURNAL, (sequence + 1, order_id, new.version, body, entry_hash))
                message = None
                if command in NOTIFY:
                    message = outbox_message(command, new)
                    execute(INSERT_OUTBOX, (message["message_id"], _dumps(message)))
                execute("COMMIT")
            except BaseException:
                self._rollback()
                if cache is not None:
                    cache.pop(order_id, None)
                raise
            if cache is not None:
                cache[order_id] = (new.version, new)
        self._after_commit(message, event)
        return new


# ----------------------------------------------------------------------------- benchmark

# Internal command names (the transition table's) and the names the figures use, which are
# those of benchmarks/lifecycle.py so that the two can be read side by side.
COMMANDS: Final = ("place", "approve", "confirm", "record_payment", "ship", "deliver", "complete")
FIGURE_NAMES: Final = ("place", "approve", "confirm", "pay", "ship", "deliver", "complete")
NOTIFICATIONS_PER_ORDER: Final = len(NOTIFY)

Desk = MemoryDesk | SqliteDesk


def make_drafts(count: int, tag: str) -> list[JsonDict]:
    """Three-line drafts as a web shop sends them; ``tag`` keeps external ids unique per run."""
    return [
        {
            "channel": "web",
            "external_id": f"{tag}-{i}",
            "currency": "EUR",
            "contact": {"name": f"Customer {i}", "email": f"customer{i}@example.com"},
            "address": {
                "recipient": f"Customer {i}",
                "street": f"{i} Main Street",
                "postal_code": "10115",
                "city": "Berlin",
                "country": "DE",
            },
            "lines": [
                {
                    "sku": "SKU-1",
                    "name": "Widget",
                    "quantity": 1 + i % 3,
                    "unit_price": "19.99",
                    "tax_rate": "0.19",
                },
                {
                    "sku": "SKU-2",
                    "name": "Gadget",
                    "quantity": 1,
                    "unit_price": "5.00",
                    "tax_rate": "0.19",
                },
                {
                    "sku": "SKU-3",
                    "name": "Sticker",
                    "quantity": 2,
                    "unit_price": "1.25",
                    "tax_rate": "0.07",
                },
            ],
            "shipping_fee": "4.95",
        }
        for i in range(count)
    ]


def run_lifecycles(desk: Desk, drafts: list[JsonDict], actor: Actor) -> float:
    """Take every draft through the seven commands; return the seconds it took."""
    execute = desk.execute
    start = time.perf_counter()
    for draft in drafts:
        order = desk.place(actor, draft)
        order_id = order.id
        execute(actor, "approve", order_id)
        execute(actor, "confirm", order_id)
        execute(actor, "record_payment", order_id, order.grand_total)
        execute(actor, "ship", order_id)
        execute(actor, "deliver", order_id)
        execute(actor, "complete", order_id)
    return time.perf_counter() - start


def run_lifecycles_per_command(desk: Desk, drafts: list[JsonDict], actor: Actor) -> list[float]:
    """The same lifecycles with a clock read between commands: seconds spent in each command."""
    clock = time.perf_counter
    execute = desk.execute
    seconds = [0.0] * len(COMMANDS)
    for draft in drafts:
        t0 = clock()
        order = desk.place(actor, draft)
        t1 = clock()
        order_id = order.id
        execute(actor, "approve", order_id)
        t2 = clock()
        execute(actor, "confirm", order_id)
        t3 = clock()
        execute(actor, "record_payment", order_id, order.grand_total)
        t4 = clock()
        execute(actor, "ship", order_id)
        t5 = clock()
        execute(actor, "deliver", order_id)
        t6 = clock()
        execute(actor, "complete", order_id)
        t7 = clock()
        for index, (before, after) in enumerate(
            ((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6), (t6, t7))
        ):
            seconds[index] += after - before
    return seconds


def run_decisions(drafts: list[JsonDict], clock: Clock) -> float:
    """Validation and the seven decide/evolve steps alone, no desk; return the seconds."""
    now = clock.now()
    start = time.perf_counter()
    for i, draft in enumerate(drafts):
        valid = validate_draft(draft)
        order = evolve(None, decide(None, "place", (f"o{i}", f"SO-{i}", valid), now))
        order = evolve(order, decide(order, "approve", None, now))
        order = evolve(order, decide(order, "confirm", None, now))
        order = evolve(order, decide(order, "record_payment", order.grand_total, now))
        order = evolve(order, decide(order, "ship", None, now))
        order = evolve(order, decide(order, "deliver", None, now))
        order = evolve(order, decide(order, "complete", None, now))
    return time.perf_counter() - start


def replay_check(journal: list[JournalEntry], order: Order) -> int:
    """Verify the whole hash chain and rebuild ``order`` from its events; return their count."""
    events: list[tuple[int, Event]] = []
    for content in verify_chain(journal):
        if content["stream_id"] == order.id:
            event = event_from_payload(content["event_type"], content["payload"])
            events.append((content["version"], event))
    rebuilt: Order | None = None
    for version, event in events:
        rebuilt = evolve(rebuilt, event)
        assert rebuilt.version == version
    assert rebuilt == order, (rebuilt, order)
    return len(events)


def check_memory_desk(desk: MemoryDesk, count: int) -> None:
    """Chain verifies, the first order replays to the stored one, every message delivered."""
    first = next(iter(desk.orders.values()))[1]
    assert replay_check(desk.journal, first) == len(COMMANDS)
    assert len(desk.journal) == len(COMMANDS) * count
    assert len(desk.outbox) == NOTIFICATIONS_PER_ORDER * count
    assert all(message["status"] == "delivered" for message in desk.outbox)


def check_sqlite_desk(desk: SqliteDesk, count: int) -> None:
    """The same checks on the stored rows, and the cache used as it should be."""
    cursor = desk.db.cursor()
    journal_rows = cursor.execute("SELECT count(*) FROM journal").fetchone()[0]
    assert journal_rows == len(COMMANDS) * count
    delivered = "SELECT count(*) FROM outbox WHERE status='delivered'"
    assert cursor.execute(delivered).fetchone()[0] == NOTIFICATIONS_PER_ORDER * count
    assert cursor.execute("SELECT count(*) FROM outbox").fetchone()[0] == (
        NOTIFICATIONS_PER_ORDER * count
    )
    first_id = cursor.execute("SELECT id FROM orders ORDER BY rowid LIMIT 1").fetchone()[0]
    stored = order_from_doc(_loads(cursor.execute(SELECT_ORDER, (first_id,)).fetchone()[1]))
    journal = cursor.execute("SELECT body, hash FROM journal ORDER BY sequence").fetchall()
    assert replay_check(journal, stored) == len(COMMANDS)
    # With the cache every command after place finds its order current; without, each decodes.
    expected_decodes = 0 if desk.cache is not None else (len(COMMANDS) - 1) * count
    assert desk.decodes == expected_decodes, (desk.decodes, expected_decodes)


def self_tests() -> None:
    """The validation rules and domain errors, checked once before measuring."""

    def refused(change: Callable[[JsonDict], None]) -> ValidationError:
        draft = make_drafts(1, "t")[0]
        change(draft)
        try:
            validate_draft(draft)
        except ValidationError as error:
            return error
        raise AssertionError("bad draft accepted")

    bad_drafts: list[tuple[str, Callable[[JsonDict], None]]] = [
        ("lines", lambda d: d["lines"].clear()),
        ("lines[0].quantity", lambda d: d["lines"][0].update(quantity=True)),
        ("lines[0].quantity", lambda d: d["lines"][0].update(quantity=0)),
        ("lines[0].unit_price", lambda d: d["lines"][0].update(unit_price=19.99)),
        ("lines[0].unit_price", lambda d: d["lines"][0].update(unit_price="-1")),
        ("contact.email", lambda d: d["contact"].update(email="nope")),
        ("address.country", lambda d: d["address"].update(country="DEU")),
        ("currency", lambda d: d.update(currency="XYZ")),
    ]
    for field, change in bad_drafts:
        assert refused(change).field == field, field

    raises(TypeError, lambda: Money(1.5, "EUR"))  # type: ignore[arg-type]  # a float, on purpose
    raises(CurrencyMismatch, lambda: Money(Decimal(1), "EUR") + Money(Decimal(1), "USD"))

    now = Clock().now()
    draft = validate_draft(make_drafts(1, "t")[0])
    order = evolve(None, decide(None, "place", ("x", "SO-x", draft), now))
    assert sum(minor_units(line.total) for line in order.lines) == minor_units(order.grand_total)
    assert sum(minor_units(line.shipping_share) for line in order.lines) == 495
    illegal = raises(InvalidTransition, lambda: decide(order, "ship", None, now))
    assert isinstance(illegal, InvalidTransition)
    assert (illegal.state, illegal.command) == ("pending_review", "ship")
    short = Money(Decimal("1.00"), "EUR")
    approved = evolve(order, decide(order, "approve", None, now))
    confirmed = evolve(approved, decide(approved, "confirm", None, now))
    raises(GuardRejected, lambda: decide(confirmed, "record_payment", short, now))
    paid = evolve(confirmed, decide(confirmed, "record_payment", order.grand_total, now))
    assert paid.payment_state == "paid"
    raises(GuardRejected, lambda: decide(paid, "record_payment", order.grand_total, now))
    assert allocate_largest_remainder(100, [1, 1, 1]) == [34, 33, 33]


def measure_memory(
    count: int, runs: int, plugins: pluggy.PluginManager, actor: Actor, clock: Clock
) -> None:
    """Print the memory figures."""
    rates = []
    rates_gc_disabled = []
    per_command: list[list[float]] = [[] for _ in COMMANDS]
    decisions = []
    for run in range(runs):
        desk = MemoryDesk(clock, plugins, LogNotifier())
        drafts = make_drafts(count, f"m{run}")
        gc.collect()
        rates.append(count / run_lifecycles(desk, drafts, actor))
        check_memory_desk(desk, count)

        desk = MemoryDesk(clock, plugins, LogNotifier())
        drafts = make_drafts(count, f"p{run}")
        gc.collect()
        for index, seconds in enumerate(run_lifecycles_per_command(desk, drafts, actor)):
            per_command[index].append(seconds / count)
        check_memory_desk(desk, count)

        drafts = make_drafts(count, f"d{run}")
        gc.collect()
        decisions.append(run_decisions(drafts, clock) / count)

        desk = MemoryDesk(clock, plugins, LogNotifier())
        drafts = make_drafts(count, f"g{run}")
        gc.collect()
        gc.disable()
        try:
            rates_gc_disabled.append(count / run_lifecycles(desk, drafts, actor))
        finally:
            gc.enable()
        check_memory_desk(desk, count)
    orders_per_s = statistics.median(rates)
    print(f"floor_memory_orders: {count}")
    print(f"floor_runs: {runs}")
    print(f"floor_memory_orders_per_s: {orders_per_s:.1f}")
    print(f"floor_memory_us_per_order: {1e6 / orders_per_s:.1f}")
    for name, command_seconds in zip(FIGURE_NAMES, per_command, strict=True):
        print(f"floor_memory_us_per_{name}: {statistics.median(command_seconds) * 1e6:.1f}")
    print(f"floor_decisions_only_us_per_order: {statistics.median(decisions) * 1e6:.1f}")
    print(f"floor_memory_orders_per_s_gc_disabled: {statistics.median(rates_gc_disabled):.1f}")


def sqlite_rate(
    folder: Path,
    name: str,
    count: int,
    plugins: pluggy.PluginManager,
    actor: Actor,
    clock: Clock,
    *,
    cache: bool,
) -> float:
    """Orders per second of one run on a new SQLite file, checked afterwards."""
    desk = SqliteDesk(str(folder / f"{name}.db"), clock, plugins, LogNotifier(), cache=cache)
    try:
        drafts = make_drafts(count, name)
        gc.collect()
        rate = count / run_lifecycles(desk, drafts, actor)
        check_sqlite_desk(desk, count)
    finally:
        desk.db.close()
    return rate


def sqlite_statements_per_order(
    folder: Path, count: int, plugins: pluggy.PluginManager, actor: Actor, clock: Clock
) -> float:
    """SQL statements per lifecycle, counted by a trace callback in an untimed run."""
    desk = SqliteDesk(str(folder / "statements.db"), clock, plugins, LogNotifier())
    statements = 0

    def count_statement(_sql: str) -> None:
        nonlocal statements
        statements += 1

    try:
        drafts = make_drafts(count, "statements")
        desk.db.set_trace_callback(count_statement)
        run_lifecycles(desk, drafts, actor)
        desk.db.set_trace_callback(None)
        check_sqlite_desk(desk, count)
    finally:
        desk.db.close()
    return statements / count


def measure_sqlite(
    count: int, runs: int, plugins: pluggy.PluginManager, actor: Actor, clock: Clock
) -> None:
    """Print the SQLite figures; the files live in a temporary directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="floor-lifecycle-") as folder_name:
        folder = Path(folder_name)
        cached = []
        uncached = []
        for run in range(runs):
            cached.append(
                sqlite_rate(folder, f"cache{run}", count, plugins, actor, clock, cache=True)
            )
            uncached.append(
                sqlite_rate(folder, f"nocache{run}", count, plugins, actor, clock, cache=False)
            )
        statements = sqlite_statements_per_order(folder, count, plugins, actor, clock)
    print(f"floor_sqlite_orders: {count}")
    print(f"floor_sqlite_version: {sqlite3.sqlite_version}")
    print(f"floor_sqlite_orders_per_s: {statistics.median(cached):.1f}")
    print(f"floor_sqlite_orders_per_s_no_cache: {statistics.median(uncached):.1f}")
    print(f"floor_sqlite_statements_per_order: {statements:.1f}")


def main() -> None:
    """Check the domain once, measure, and print ``name: value`` lines."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 + 200 orders, one run (CI)")
    parser.add_argument("--orders", type=int, help="orders per memory run (default 10,000)")
    parser.add_argument("--runs", type=int, help="runs per figure, median taken (default 3)")
    parser.add_argument("--sqlite-orders", type=int, help="orders per SQLite run (default 3,000)")
    args = parser.parse_args()
    orders = args.orders or (300 if args.quick else 10_000)
    sqlite_orders = args.sqlite_orders or (200 if args.quick else 3_000)
    runs = args.runs or (1 if args.quick else 3)

    self_tests()
    print_interpreter()
    plugins = make_plugin_manager(RolePolicy())
    actor = Actor("u1", "clerk")
    clock = Clock()
    measure_memory(orders, runs, plugins, actor, clock)
    measure_sqlite(sqlite_orders, runs, plugins, actor, clock)


if __name__ == "__main__":
    main()
