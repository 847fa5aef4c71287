"""Hook specifications: the ways a plugin extends ordercore.

A plugin is any object or module with functions named after these hooks and marked with
:data:`hookimpl`. It is registered by passing it to ``OrderDesk.open(plugins=[...])`` or by
publishing it under the ``ordercore`` entry-point group::

    [project.entry-points.ordercore]
    acme = "acme_ordercore.plugin"

Most hooks return *registration objects* (validated attrs values). The plugin manager collects
them from every plugin and refuses two registrations with the same name, naming both plugins.
"""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from ordercore.actors import Actor
from ordercore.audit.checks import AuditCheck
from ordercore.events import CommittedEvent
from ordercore.inventory.allocation import AllocationStrategy
from ordercore.notifications import Notifier
from ordercore.review.rules import ReviewRule
from ordercore.shipping.carriers import CarrierAdapter
from ordercore.storage.ports import StorageBackend

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

PROJECT_NAME = "ordercore"
"""The pluggy project name and the entry-point group."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a hook specification (used by ordercore itself)."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a hook implementation; plugin authors decorate their functions with it."""


@hookspec
def ordercore_storage_backends() -> Iterable[StorageBackend]:  # type: ignore[empty-body]
    """Offer storage backends, each serving one URL scheme.

    Calling rule: called once when the plugin manager is built; every plugin's registrations are
    collected. Two backends for one scheme are refused with a :class:`~ordercore.errors.PluginError`
    naming both plugins.

    Returns:
        :class:`~ordercore.storage.ports.StorageBackend` registrations.

    Example::

        @hookimpl
        def ordercore_storage_backends():
            return [StorageBackend("redis", open=RedisStorage.from_url, description="Redis")]
    """


@hookspec
def ordercore_notifiers() -> Iterable[Notifier]:  # type: ignore[empty-body]
    """Offer notification adapters (e-mail, SMS, chat, webhooks, ...).

    Calling rule: collected once; names must be unique across plugins. Each notification is
    written to the outbox once per notifier serving its channel and delivered after commit.
    ``send`` raising means "try again later"; the retry carries the same message id.

    Returns:
        :class:`~ordercore.notifications.Notifier` registrations.

    Example::

        @hookimpl
        def ordercore_notifiers():
            return [Notifier("smtp", channels=("email",), send=smtp_client.deliver)]
    """


@hookspec
def ordercore_carriers() -> Iterable[CarrierAdapter]:  # type: ignore[empty-body]
    """Offer carrier adapters for rates, labels, voids, tracking and webhooks.

    Calling rule: collected once; carrier codes must be unique (``manual`` and ``table-rate``
    are built in). ``desk.shipping`` calls the adapters outside any unit of work, each call under
    ``ShippingPolicy.carrier_timeout``, and retries ``create_shipment`` with the same
    idempotency key, so an adapter must return the label it already bought for a key it has
    seen. Check an adapter with :class:`ordercore.testing.carrier_contract.CarrierContract`.

    Returns:
        Objects satisfying :class:`~ordercore.shipping.carriers.CarrierAdapter`.

    Example::

        @hookimpl
        def ordercore_carriers():
            return [AcmeParcelAdapter(api_key=...)]
    """


@hookspec
def ordercore_review_rules() -> Iterable[ReviewRule]:  # type: ignore[empty-body]
    """Offer rules for the automatic review of incoming orders.

    Calling rule: collected once; rule codes must be unique. Rules run after the built-in ones;
    a rule that raises becomes a finding rather than stopping the review.

    Returns:
        Objects satisfying :class:`~ordercore.review.rules.ReviewRule`.

    Example::

        @hookimpl
        def ordercore_review_rules():
            return [EmbargoedCountryRule(countries={"XX"})]
    """


@hookspec
def ordercore_audit_checks() -> Iterable[AuditCheck]:  # type: ignore[empty-body]
    """Offer checks for periodic audit sweeps.

    Calling rule: collected once; check codes must be unique.

    Returns:
        Objects satisfying :class:`~ordercore.audit.checks.AuditCheck`.

    Example::

        @hookimpl
        def ordercore_audit_checks():
            return [InvoiceMatchesOrderCheck(erp_client)]
    """


@hookspec
def ordercore_allocation_strategies() -> Iterable[AllocationStrategy]:  # type: ignore[empty-body]
    """Offer strategies for allocating demand across stock locations.

    Calling rule: collected once; strategy codes must be unique.

    Returns:
        Objects satisfying :class:`~ordercore.inventory.allocation.AllocationStrategy`.

    Example::

        @hookimpl
        def ordercore_allocation_strategies():
            return [CheapestShippingStrategy(rate_table)]
    """


@hookspec
def ordercore_authorize(actor: Actor, action: str, subject: str) -> bool | None:
    """Decide whether ``actor`` may perform ``action`` on ``subject``.

    Calling rule: every implementation is called before any state is loaded; if any returns
    ``False`` the command is refused with :class:`~ordercore.errors.PermissionDenied` and nothing
    is written. ``None`` means "no opinion"; when no one objects the command goes ahead.

    Args:
        actor: Who asks, with their roles.
        action: A dotted action name (``"order.cancel"``, ``"review.approve"``).
        subject: The id of the object acted on (an order id), or ``"*"`` for none.

    Example::

        @hookimpl
        def ordercore_authorize(actor, action, subject):
            if action.startswith("refund.") and not actor.has_role("finance"):
                return False
            return None
    """


@hookspec
def ordercore_event_committed(event: CommittedEvent) -> None:
    """Receive each domain event after it is committed (ERP, finance, CRM integrations).

    Calling rule: delivered through the outbox after commit, once per event, to every
    implementation; an implementation that raises gets the event again later (with the same
    ``event_id``), so make it idempotent. Events committed before the plugin was registered are
    not replayed. Never called while a unit of work is open, so calling back into the desk is safe.

    Args:
        event: The committed event, with its stream, version, payload and actor.

    Example::

        @hookimpl
        def ordercore_event_committed(event):
            if event.event_type == "OrderPaid":
                erp.post_invoice(event.stream_id, event.payload)
    """
