"""Edits after placement: change quantities, add or remove lines, change the shipping address.

An edit is one event with the quantities before and after, the repriced lines and totals, and the
stock delta (what to reserve or release) when the order already holds reservations. A quantity can
never drop below what has shipped, and edits stop once everything has shipped (the lifecycle
table has no ``edit`` row for fulfilled orders).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from ordercore._replace import replace
from ordercore.errors import ValidationError
from ordercore.money import Money
from ordercore.orders.events import OrderEdited
from ordercore.orders.intake import (
    IntakePolicy,
    LineDraft,
    ValidLine,
    check_address,
    validate_lines,
)
from ordercore.orders.lifecycle import Decision, check_allowed, conclude
from ordercore.orders.model import Address, LineQuantity, Order, OrderLine, StockDelta, StockLine
from ordercore.orders.policy import OrderPolicy
from ordercore.orders.pricing import LinePrice, price_lines

__all__ = ["EditRequest", "edit"]


@attrs.frozen(slots=True)
class EditRequest:
    """What to change.

    Attributes:
        set_quantities: New quantity per line id; 0 removes a line that has not shipped.
        add_lines: Lines to add.
        shipping_address: A new shipping address.
    """

    set_quantities: Mapping[str, int] = attrs.field(factory=dict)
    add_lines: Sequence[LineDraft] = ()
    shipping_address: Address | None = None


def _new_quantities(
    order: Order, requested: Mapping[str, int], policy: IntakePolicy
) -> dict[str, int]:
    quantities = {line.line_id: line.quantity for line in order.lines}
    for line_id, quantity in requested.items():
        field = f"set_quantities[{line_id}]"
        if line_id not in quantities:
            raise ValidationError(field, f"order {order.number} has no such line")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise ValidationError(field, f"must be a whole number of at least 0, got {quantity!r}")
        if quantity > policy.max_quantity:
            raise ValidationError(field, f"more than {policy.max_quantity} units in one line")
        line = order.line(line_id)
        floor = line.shipped + line.cancelled
        if quantity < floor:
            raise ValidationError(
                field, f"cannot go below {line.shipped}, the quantity already shipped"
            )
        quantities[line_id] = quantity
    return quantities


def _next_line_number(order: Order) -> int:
    numbers = [int(line.line_id[1:]) for line in order.lines if line.line_id[1:].isdigit()]
    return max(numbers, default=0) + 1


def _line_from(valid: ValidLine, line_id: str, currency: str) -> OrderLine:
    zero = Money.zero(currency)
    return OrderLine(
        line_id=line_id,
        sku=valid.sku,
        name=valid.name,
        quantity=valid.quantity,
        unit_price=valid.unit_price,
        tax_rate=valid.tax_rate,
        discount=valid.discount,
        order_discount_share=zero,
        shipping_share=zero,
        tax=zero,
        total=zero,
        category=valid.category,
        list_price=valid.list_price,
    )


def _scaled_discount(line: OrderLine, quantity: int) -> OrderLine:
    if quantity == line.quantity or (line.discount.is_zero() and line.discount_basis is None):
        return replace(line, quantity=quantity)
    # The line discount is kept per unit, so that fewer units do not keep the whole discount;
    # it is scaled from the discount as first granted, so that roundings never compound.
    basis = line.discount if line.discount_basis is None else line.discount_basis
    basis_quantity = line.quantity if line.discount_basis is None else line.discount_basis_quantity
    ratio = Decimal(quantity) / Decimal(basis_quantity)
    return replace(
        line,
        quantity=quantity,
        discount=basis.multiply(ratio),
        discount_basis=basis,
        discount_basis_quantity=basis_quantity,
    )


def edit(
    order: Order, request: EditRequest, *, now: datetime, reason: str, policy: OrderPolicy
) -> Decision:
    """Apply an edit, reprice the order and work out the stock delta.

    Raises:
        InvalidTransition: If the order can no longer be edited.
        ValidationError: For unknown lines, quantities below what shipped or above the intake
            limit, bad added lines, an edit that removes every line, one that changes nothing,
            or one that would bring the total below what was captured (refund first), or
            raise the total of an order that has refunds.
    """
    check_allowed(order, "edit")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("reason", "a reason is required")
    if not isinstance(request, EditRequest):
        raise ValidationError("request", "expected an EditRequest")
    quantities = _new_quantities(order, request.set_quantities, policy.intake)
    if request.shipping_address is not None:
        check_address(request.shipping_address, "shipping_address", policy.intake)
    added = validate_lines(request.add_lines, order.currency, policy.intake, field="add_lines")
    changes: list[str] = []
    kept: list[OrderLine] = []
    for line in order.lines:
        quantity = quantities[line.line_id]
        if quantity != line.quantity:
            changes.append(f"{line.line_id} ({line.sku}) quantity {line.quantity} -> {quantity}")
        if quantity == 0:
            continue
        kept.append(_scaled_discount(line, quantity))
    number = _next_line_number(order)
    for offset, valid in enumerate(added):
        line_id = f"L{number + offset}"
        kept.append(_line_from(valid, line_id, order.currency))
        changes.append(f"added {line_id} ({valid.sku} x {valid.quantity})")
    if request.shipping_address is not None and request.shipping_address != order.shipping_address:
        changes.append("shipping address changed")
    if not changes:
        raise ValidationError("changes", "the edit changes nothing")
    if not kept:
        raise ValidationError("set_quantities", "an order needs a line; cancel it instead")
    priced, totals = price_lines(
        [LinePrice(item.quantity, item.unit_price, item.discount, item.tax_rate) for item in kept],
        currency=order.currency,
        order_discount=order.order_discount,
        shipping_fee=order.shipping_fee,
        # The order keeps the tax mode it was placed under, whatever the policy says today.
        policy=attrs.evolve(policy.pricing, tax_mode=order.tax_mode),
    )
    kept_money = order.captured - order.refunded
    if totals.grand_total < kept_money:
        # Money would be owed back; that is a refund to record first, not a side effect.
        raise ValidationError(
            "changes",
            f"the new total {totals.grand_total} is below the {kept_money} already captured; "
            "record the refund first",
        )
    if order.refunded.is_positive() and totals.grand_total > order.totals.grand_total:
        # The balance due does not deduct refunds (a goodwill refund must not make the customer
        # owe money), so a total raised after a refund would hide what is owed. Until refunds
        # are tied to the change they pay for, such an edit is refused.
        raise ValidationError(
            "changes",
            f"order {order.number} has refunds; raising its total would hide what is owed; "
            "take the extra as a new order",
        )
    holds_stock = order.milestones.confirmed_at is not None
    new_lines, reserve, release = [], [], []
    for line, price in zip(kept, priced, strict=True):
        wanted = line.quantity - line.cancelled - line.shipped if holds_stock else 0
        if wanted > line.reserved:
            reserve.append(StockLine(line.line_id, line.sku, wanted - line.reserved))
        elif wanted < line.reserved:
            release.append(StockLine(line.line_id, line.sku, line.reserved - wanted))
        new_lines.append(
            replace(
                line,
                order_discount_share=price.order_discount_share,
                shipping_share=price.shipping_share,
                tax=price.tax,
                total=price.total,
                reserved=wanted,
            )
        )
    kept_ids = {line.line_id for line in kept}
    release.extend(
        StockLine(line.line_id, line.sku, line.reserved)
        for line in order.lines
        if line.line_id not in kept_ids and line.reserved
    )
    after = {line.line_id: line.quantity for line in new_lines}
    stock = StockDelta(reserve=tuple(reserve), release=tuple(release))
    event = OrderEdited(
        at=now,
        reason=reason,
        changes=tuple(changes),
        before_quantities=tuple(LineQuantity(item.line_id, item.quantity) for item in order.lines),
        after_quantities=tuple(
            LineQuantity(line_id, after.get(line_id, 0))
            for line_id in dict.fromkeys([*(item.line_id for item in order.lines), *after])
        ),
        before_totals=order.totals,
        lines=tuple(new_lines),
        totals=totals,
        stock=stock,
        shipping_address=request.shipping_address,
    )
    return conclude(order, "edit", event, stock=stock)
