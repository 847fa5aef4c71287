"""The contract of a carrier adapter."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["CarrierAdapter"]


@runtime_checkable
class CarrierAdapter(Protocol):
    """A carrier integration: rates, labels, cancellation and tracking.

    Attributes:
        code: Unique carrier code (``"manual"``, ``"table-rate"``, ``"dhl"``).
        name: Display name.
    """

    code: str
    name: str

    def rates(self, request: object) -> object:
        """Quote rates for a parcel request."""
        ...

    def create_shipment(self, request: object) -> object:
        """Buy a label; the request carries an idempotency key so a retry buys one label."""
        ...

    def cancel(self, request: object) -> object:
        """Void a label."""
        ...

    def track(self, request: object) -> object:
        """Fetch tracking events."""
        ...
