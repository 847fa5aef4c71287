"""What order intake keeps besides the orders: channel references and the number series."""

from __future__ import annotations

import attrs

from ordercore.errors import ValidationError
from ordercore.storage.ports import AggregateKind

__all__ = [
    "CHANNEL_REFS",
    "ORDER_NUMBERS",
    "ORDER_STREAM",
    "ChannelRef",
    "NumberSeries",
    "channel_key",
    "checked_order_id",
    "optional_text",
]

ORDER_STREAM = "order"


@attrs.frozen(slots=True)
class ChannelRef:
    """Which order a channel's external order id became; keeps intake free of duplicates."""

    id: str
    order_id: str
    version: int = 1


@attrs.frozen(slots=True)
class NumberSeries:
    """The last human order number handed out."""

    id: str
    last: int
    version: int


CHANNEL_REFS = AggregateKind("order_channel_ref", ChannelRef)
ORDER_NUMBERS = AggregateKind("order_number", NumberSeries)


def channel_key(channel: str, external_id: str) -> str:
    """The id of the :class:`ChannelRef` for a channel's external order id."""
    return f"{channel}:{external_id}"


def checked_order_id(value: object) -> str:
    """``value`` as an order id; :class:`ValidationError` on ``order_id`` if it is not text."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("order_id", "give the order's id")
    return value


def optional_text(value: object, field: str) -> str | None:
    """``value`` if it is text or ``None``; :class:`ValidationError` naming ``field`` if not."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(field, f"expected text, got {type(value).__name__}")
    return value
