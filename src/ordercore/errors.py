"""The one error hierarchy of ordercore.

Every error a caller can act on derives from :class:`OrderCoreError` and carries the object or
field it is about and the reason, so that a person can act on the message alone. Errors never
embed personal data: they name fields, not their values.
"""

from __future__ import annotations

__all__ = [
    "CarrierUnavailable",
    "ConcurrencyConflict",
    "CurrencyMismatch",
    "IdempotencyConflict",
    "InsufficientStock",
    "InvalidTransition",
    "NotFound",
    "OrderCoreError",
    "PermissionDenied",
    "PluginError",
    "RowsRejected",
    "StorageError",
    "TamperDetected",
    "ValidationError",
]


class OrderCoreError(Exception):
    """Base class of every error ordercore raises on purpose."""


class ValidationError(OrderCoreError, ValueError):
    """Input was refused; nothing was written.

    Args:
        field: Dotted path of the offending field (``"lines[2].quantity"``), or the name of the
            object when the whole value is wrong.
        reason: What is wrong and, where it helps, what would be right.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class CurrencyMismatch(ValidationError):
    """Arithmetic or comparison was attempted between two currencies."""

    def __init__(self, field: str, left: str, right: str) -> None:
        self.left = left
        self.right = right
        super().__init__(field, f"cannot combine {left} with {right}; convert one of them first")


class RowsRejected(ValidationError):
    """Rows of an input (a CSV file, a DataFrame) were refused; nothing was half-read.

    Args:
        problems: ``(line, column, reason)`` for every refused row, in line order.
    """

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = tuple(problems)
        first = problems[0] if problems else (0, "row", "no reason given")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__("rows", f"line {first[0]}, {first[1]}: {first[2]}{more}")


class NotFound(OrderCoreError, LookupError):
    """An object that the caller named does not exist.

    Args:
        kind: What was looked for (``"order"``, ``"customer"``, ``"storage scheme"``).
        key: The identifier that was not found.
    """

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} not found")


class InvalidTransition(OrderCoreError):
    """A command is not allowed in the aggregate's current state.

    Args:
        aggregate: The aggregate kind and id (``"order ord_01H..."``).
        state: Its current state.
        command: The command that was refused.
        reason: Why, when more than "not in the table" can be said (a failed guard).
    """

    def __init__(self, aggregate: str, state: str, command: str, reason: str = "") -> None:
        self.aggregate = aggregate
        self.state = state
        self.command = command
        self.reason = reason
        detail = f": {reason}" if reason else ""
        super().__init__(f"{aggregate}: cannot {command} when {state}{detail}")


class InsufficientStock(OrderCoreError):
    """Fewer units are available than were asked for; nothing was reserved."""

    def __init__(self, sku: str, location: str, requested: int, available: int) -> None:
        self.sku = sku
        self.location = location
        self.requested = requested
        self.available = available
        super().__init__(
            f"sku {sku!r} at {location!r}: requested {requested}, only {available} available"
        )


class ConcurrencyConflict(OrderCoreError):
    """A write expected one version of an aggregate and found another.

    The desk retries these a bounded number of times before letting one reach the caller.
    """

    def __init__(self, kind: str, key: str, expected: int, actual: int | None) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.actual = actual
        found = "it does not exist" if actual is None else f"found version {actual}"
        super().__init__(f"{kind} {key!r}: expected version {expected}, {found}")


class IdempotencyConflict(OrderCoreError):
    """An idempotency key was reused for a different request."""

    def __init__(self, key: str, action: str) -> None:
        self.key = key
        self.action = action
        super().__init__(
            f"idempotency key {key!r} was first used for a different request "
            f"(now {action}); use a new key for a new request"
        )


class PermissionDenied(OrderCoreError):
    """An authorization policy refused the actor; nothing was written."""

    def __init__(self, actor: str, action: str, subject: str, reason: str = "") -> None:
        self.actor = actor
        self.action = action
        self.subject = subject
        self.reason = reason
        detail = f": {reason}" if reason else ""
        super().__init__(f"actor {actor!r} may not {action} {subject!r}{detail}")


class PluginError(OrderCoreError):
    """A plugin is malformed, misspelled a hook, or collides with another plugin."""

    def __init__(self, plugin: str, reason: str) -> None:
        self.plugin = plugin
        self.reason = reason
        super().__init__(f"plugin {plugin!r}: {reason}")


class CarrierUnavailable(PluginError):
    """A carrier call failed or timed out, as often as the shipping policy allows.

    Nothing is lost: the shipment keeps the idempotency key of its label purchase and its
    failures, and ``desk.shipping.reconcile_labels()`` asks again with the same key.

    Args:
        carrier: The carrier's code.
        reason: What happened on the last call.
        shipment_id: The shipment waiting for the carrier, if any.
    """

    def __init__(self, carrier: str, reason: str, shipment_id: str | None = None) -> None:
        self.carrier = carrier
        self.shipment_id = shipment_id
        super().__init__(carrier, reason)


class StorageError(OrderCoreError):
    """A storage backend failed or was used outside its contract."""


class TamperDetected(OrderCoreError):
    """The audit journal's hash chain does not verify.

    Args:
        sequence: The first sequence number at which the chain is broken.
        reason: What was found there.
    """

    def __init__(self, sequence: int, reason: str) -> None:
        self.sequence = sequence
        self.reason = reason
        super().__init__(f"journal entry {sequence}: {reason}")
