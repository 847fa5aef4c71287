"""Settings of an :class:`~ordercore.desk.desk.OrderDesk`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import attrs

from ordercore.customers.policy import CustomerPolicy
from ordercore.errors import ValidationError
from ordercore.inventory.policy import InventoryPolicy
from ordercore.orders.policy import OrderPolicy
from ordercore.review.engine import ReviewPolicy
from ordercore.shipping.policy import ShippingPolicy

__all__ = ["DeskConfig", "OutboxPolicy", "RetentionPolicy"]


def _positive_count(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError(attribute.name, "must be a positive whole number")


def _positive_duration(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, timedelta):
        # A bare number has no unit; guessing seconds would hide a misread setting.
        raise ValidationError(
            attribute.name, f"must be a positive duration (a timedelta), not {type(value).__name__}"
        )
    if value <= timedelta(0):
        raise ValidationError(attribute.name, "must be a positive duration")


def _receipt_delay(policy: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, timedelta):
        raise ValidationError(
            attribute.name, f"must be a duration (a timedelta), not {type(value).__name__}"
        )
    if value < timedelta(0):
        raise ValidationError(attribute.name, "must not be negative")
    if value >= policy.lease:
        # The message stays claimed only for the lease: a receipt written later would let a
        # worker deliver it a second time meanwhile.
        raise ValidationError(attribute.name, "must be shorter than the lease")


def _default_receipt_delay(policy: OutboxPolicy) -> timedelta:
    # 200 ms: long enough for the next command of a busy desk to come, short enough that an
    # idle desk's records are written before anyone looks; well inside any lease.
    return min(timedelta(milliseconds=200), policy.lease / 2)


@attrs.frozen(slots=True)
class OutboxPolicy:
    """How the outbox retries deliveries.

    A failed delivery is tried again after ``first_retry``, then twice as long each time up to
    ``max_backoff``; after ``max_attempts`` the message is marked dead and stays in the outbox for
    an operator (``desk.outbox.dead()``).

    Attributes:
        max_attempts: Deliveries tried before giving up.
        first_retry: Wait before the first retry.
        max_backoff: Longest wait between two tries.
        lease: How long a dispatcher holds a message it is delivering.
        batch_size: Messages claimed per round.
        receipt_delay: How long the desk may wait before it records a delivery it made right
            after a command's commit. Within that time the record goes into the unit of work
            of the next of the desk's commands that writes outbox messages itself, instead of
            a unit of work of its own (on SQLite, a transaction less per notification, and
            written to outbox pages that command changes anyway); a timer writes what is still
            waiting when it runs out, and closing the desk writes the rest. Zero records every
            delivery at once. The message stays claimed meanwhile, so no worker delivers it
            again; the delay must therefore be shorter than the lease. By default 200 ms (or
            half the lease, if that is shorter).
    """

    max_attempts: int = attrs.field(default=10, validator=_positive_count)
    first_retry: timedelta = attrs.field(
        default=timedelta(seconds=30), validator=_positive_duration
    )
    max_backoff: timedelta = attrs.field(default=timedelta(hours=1), validator=_positive_duration)
    lease: timedelta = attrs.field(default=timedelta(minutes=5), validator=_positive_duration)
    batch_size: int = attrs.field(default=200, validator=_positive_count)
    receipt_delay: timedelta = attrs.field(
        default=attrs.Factory(_default_receipt_delay, takes_self=True), validator=_receipt_delay
    )

    def backoff(self, attempts: int) -> timedelta:
        """Return the wait after ``attempts`` failed deliveries."""
        doublings = max(attempts - 1, 0)
        # From ``capped_from`` doublings on, first_retry * 2**doublings exceeds max_backoff.
        # Deciding that before multiplying keeps the product inside timedelta's range, which
        # it would leave after a few dozen attempts.
        capped_from = (self.max_backoff // self.first_retry).bit_length()
        if doublings >= capped_from:
            return self.max_backoff
        return self.first_retry * (1 << doublings)


def _freeze_roles(value: Mapping[str, Iterable[str] | str]) -> Mapping[str, frozenset[str]]:
    frozen: dict[str, frozenset[str]] = {}
    for action, roles in value.items():
        frozen[action] = frozenset((roles,) if isinstance(roles, str) else roles)
    return MappingProxyType(frozen)


@attrs.frozen(slots=True)
class RetentionPolicy:
    """How long ``desk.retention.purge`` keeps what only delivery and retries need.

    Delivered outbox messages and idempotency records would otherwise grow with every command
    for as long as the store lives. Pending and dead messages are never purged: the first are
    still to be delivered, the second wait for an operator.

    Attributes:
        delivered_messages: How long a delivered message is kept after its delivery.
        idempotency_keys: How long a command's idempotency record is kept after the command.
            A key repeated after its record was purged runs the command again, so keep it
            longer than any client retries (orders placed twice from one channel order are
            still caught by the channel's external id, which is not purged).
        batch_size: Rows deleted per unit of work, so that a purge never holds the store long.
    """

    delivered_messages: timedelta = attrs.field(
        default=timedelta(days=7), validator=_positive_duration
    )
    idempotency_keys: timedelta = attrs.field(
        default=timedelta(days=7), validator=_positive_duration
    )
    batch_size: int = attrs.field(default=1000, validator=_positive_count)


@attrs.frozen(slots=True)
class DeskConfig:
    """Settings of a desk.

    Attributes:
        max_conflict_retries: How often a command that hit a concurrent change is retried.
        outbox: Delivery retry policy.
        required_roles: Action name (or prefix ending in ``.*``) to the roles allowed to perform
            it; an actor needs any one of them. ``{"review.*": {"reviewer"}}``. An exact name
            beats a prefix, and the longest matching prefix beats shorter ones.
        dispatch_after_commit: Deliver outbox messages right after each command commits. Turn it
            off to deliver from a worker calling ``desk.outbox.dispatch()``.
        orders: How orders are priced, checked, routed and moved along.
        review: How incoming orders are reviewed (automatic review is on by default).
        inventory: The default allocation strategy, what confirm does when stock is short,
            and who hears low-stock alerts.
        shipping: Carriers, rate table, business calendar, label retries and exception rules.
        customers: Customer tiers, loyalty points, care reminders and duplicate handling.
        retention: How long delivered outbox messages and idempotency records are kept.
    """

    max_conflict_retries: int = attrs.field(default=10, validator=_positive_count)
    outbox: OutboxPolicy = attrs.Factory(OutboxPolicy)
    required_roles: Mapping[str, frozenset[str]] = attrs.field(
        factory=dict, converter=_freeze_roles
    )
    dispatch_after_commit: bool = True
    orders: OrderPolicy = attrs.Factory(OrderPolicy)
    review: ReviewPolicy = attrs.Factory(ReviewPolicy)
    inventory: InventoryPolicy = attrs.Factory(InventoryPolicy)
    shipping: ShippingPolicy = attrs.Factory(ShippingPolicy)
    customers: CustomerPolicy = attrs.Factory(CustomerPolicy)
    retention: RetentionPolicy = attrs.Factory(RetentionPolicy)
