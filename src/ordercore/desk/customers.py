"""``desk.customers``: customer records, tiers, points, segments and reminders as commands.

Records are aggregates (:data:`~ordercore.customers.model.CUSTOMERS`) changed only by desk
commands: authorized (actions ``customer.<name>``), run in one unit of work, every change
journaled in the ``customer`` stream with the record's personal values kept beside the payload.
Input is checked before the unit of work opens, so a refused command writes nothing.

Review sees the records through :class:`CustomerRecords`: an order whose ``customer_id`` names a
record is reviewed with the record's tier, credit limit, terms and creation time; other orders
are reviewed as before, from order history alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ordercore.actors import Actor
from ordercore.customers.events import (
    CommunicationLogged,
    CustomerAnonymized,
    CustomerMergedInto,
    CustomerRegistered,
    CustomersMerged,
    CustomerUpdated,
)
from ordercore.customers.intake import CustomerDraft, CustomerUpdate, apply_update, new_customer
from ordercore.customers.loyalty import POINTS_LEDGERS, PointsLedger, transfer
from ordercore.customers.model import CUSTOMERS, CommunicationEntry, Customer, CustomerStatus
from ordercore.customers.model import anonymized as erase_personal_values
from ordercore.customers.policy import CustomerPolicy
from ordercore.customers.tiering import TierBenefits
from ordercore.desk._customer_care import CustomerCare
from ordercore.desk._customer_loyalty import CUSTOMER_STREAM, LoyaltyAndTiers, customer_id_of
from ordercore.desk._customer_store import (
    claimed_by,
    index_existing_orders,
    orders_of,
    resolve,
    update_claims,
)
from ordercore.desk._customer_views import CustomerOverview, build_overview, export_data
from ordercore.desk.commands import CommandContext
from ordercore.desk.review_context import HistoryProfiles
from ordercore.errors import StorageError, ValidationError
from ordercore.orders.model import Order, OrderStatus
from ordercore.review.engine import ReviewPolicy
from ordercore.review.rules import CustomerProfile, RecentOrder
from ordercore.serialization import JSONValue
from ordercore.storage.ports import PersonalDataEraser, UnitOfWork

if TYPE_CHECKING:
    from ordercore.desk.desk import OrderDesk

__all__ = ["CustomerOverview", "CustomerRecords", "CustomersDesk", "with_tier_exemptions"]


def with_tier_exemptions(review: ReviewPolicy, customers: CustomerPolicy) -> ReviewPolicy:
    """``review`` with each tier's skipped review rules added to its exemptions."""
    if customers.tiers is None:
        return review
    extra = customers.tiers.review_exemptions()
    if not extra:
        return review
    merged = {tier: set(codes) for tier, codes in review.exemptions.items()}
    for tier, codes in extra.items():
        merged.setdefault(tier, set()).update(codes)
    return attrs.evolve(review, exemptions=merged)


class CustomerRecords:
    """Review's view of customers: the record where there is one, order history otherwise."""

    def __init__(self) -> None:
        self._history = HistoryProfiles()

    def profile(
        self, uow: UnitOfWork, order: Order, recent: tuple[RecentOrder, ...]
    ) -> CustomerProfile | None:
        """The record's tier, credit terms and age, with completed orders counted."""
        fallback = self._history.profile(uow, order, recent)
        customer = None if order.customer_id is None else resolve(uow, order.customer_id)
        if customer is None:
            return fallback
        completed = sum(
            1
            for earlier in orders_of(uow, customer)
            if earlier.status is OrderStatus.COMPLETED and earlier.id != order.id
        )
        return CustomerProfile(
            customer.id,
            tier=customer.tier,
            known_since=customer.created_at,
            completed_orders=completed,
            credit_limit=customer.credit_limit,
            on_credit_terms=customer.on_credit_terms or order.credit_terms,
        )

    def __repr__(self) -> str:
        return "CustomerRecords()"


class CustomersDesk(LoyaltyAndTiers, CustomerCare):
    """Customer commands and queries; reached as ``desk.customers``.

    Attributes:
        policy: Tiers, loyalty points, reminders and duplicate handling.
        records: The review lookup that reads these records.
    """

    def __init__(self, desk: OrderDesk, policy: CustomerPolicy) -> None:
        self._desk = desk
        self.policy = policy
        self.records = CustomerRecords()

    # -- records ---------------------------------------------------------------------------

    def register(
        self,
        draft: CustomerDraft,
        *,
        actor: Actor,
        allow_duplicate: bool = False,
        idempotency_key: str | None = None,
    ) -> Customer:
        """Make a customer record.

        Raises:
            ValidationError: Naming the first bad field; or ``email``/``phone`` when another
                record has the same normalized contact (merge or update that one, or pass
                ``allow_duplicate=True``); or ``customer_id`` when the id is taken.
        """
        self._desk.authorize(actor, "customer.register", "*")
        new_customer(
            draft, customer_id=draft.customer_id or "cus_check", now=self._desk.clock.now()
        )
        duplicates_allowed = allow_duplicate or self.policy.allow_duplicates

        def handler(ctx: CommandContext) -> Customer:
            customer_id = draft.customer_id or ctx.ids.new_id("cus")
            customer = new_customer(draft, customer_id=customer_id, now=ctx.now)
            records = ctx.uow.aggregates(CUSTOMERS)
            if records.find(customer_id) is not None:
                raise ValidationError("customer_id", f"{customer_id} is already a customer")
            others = claimed_by(ctx.uow, customer)
            if others and not duplicates_allowed:
                kind, ids = next(iter(others.items()))
                raise ValidationError(
                    kind, f"customer {ids[0]} has the same {kind}; update or merge that record"
                )
            records.save(customer, expected_version=0)
            update_claims(ctx.uow, None, customer)
            if draft.customer_id is not None:
                index_existing_orders(ctx.uow, customer_id)
            ctx.record(CUSTOMER_STREAM, customer.id, 1, CustomerRegistered(customer))
            return customer

        request = None if idempotency_key is None else self._desk.converter.unstructure(draft)
        return self._run(
            "register", "*", handler, actor=actor, request=request,
            idempotency_key=idempotency_key, result_type=Customer,
        )  # fmt: skip

    def update(
        self,
        customer_id: str,
        changes: CustomerUpdate,
        *,
        actor: Actor,
        reason: str | None = None,
    ) -> Customer:
        """Change a customer's details; returns the record as it is after.

        Raises:
            ValidationError: Naming the first bad field, or if the record was merged or
                anonymized.
            NotFound: If there is no such customer.
        """
        key = customer_id_of(customer_id)
        if not isinstance(changes, CustomerUpdate):
            raise ValidationError("changes", "expected a CustomerUpdate")

        def handler(ctx: CommandContext) -> Customer:
            before = self._active(ctx, key)
            after, changed = apply_update(before, changes, ctx.now)
            if not changed:
                return before
            ctx.uow.aggregates(CUSTOMERS).save(after, expected_version=before.version)
            update_claims(ctx.uow, before, after)
            event = CustomerUpdated(after, changed)
            ctx.record(CUSTOMER_STREAM, key, after.version, event, reason=reason)
            return after

        return self._run("update", key, handler, actor=actor)

    def log_communication(
        self,
        customer_id: str,
        *,
        actor: Actor,
        channel: str,
        summary: str,
        direction: str = "inbound",
    ) -> Customer:
        """Add an entry to the customer's communication log (the summary is personal data).

        Raises:
            ValidationError: If the channel or summary is empty or the direction is not
                ``inbound``/``outbound``.
            NotFound: If there is no such customer.
        """
        key = customer_id_of(customer_id)
        for field, text in (("channel", channel), ("summary", summary)):
            if not isinstance(text, str) or not text.strip():
                raise ValidationError(field, "must not be empty")
        if direction not in ("inbound", "outbound"):
            raise ValidationError("direction", "inbound or outbound")

        def handler(ctx: CommandContext) -> Customer:
            before = self._active(ctx, key)
            entry = CommunicationEntry(ctx.now, channel, actor.id, summary.strip(), direction)
            after = attrs.evolve(
                before, communications=(*before.communications, entry), version=before.version + 1
            )
            ctx.uow.aggregates(CUSTOMERS).save(after, expected_version=before.version)
            ctx.record(CUSTOMER_STREAM, key, after.version, CommunicationLogged(key, entry))
            return after

        return self._run("log_communication", key, handler, actor=actor)

    def get(self, customer_id: str) -> Customer:
        """Return a customer record (merged and anonymized ones too).

        Raises:
            NotFound: If there is no such customer.
        """
        with self._desk.storage.unit_of_work() as uow:
            return uow.aggregates(CUSTOMERS).get(customer_id_of(customer_id))

    def list(self) -> list[Customer]:
        """Every customer record, by id."""
        with self._desk.storage.unit_of_work() as uow:
            return sorted(uow.aggregates(CUSTOMERS).scan(), key=lambda c: c.id)

    def duplicates_of(self, customer_id: str) -> dict[str, tuple[str, ...]]:
        """Contact kind to the other active records with the same normalized e-mail or phone.

        Raises:
            NotFound: If there is no such customer.
        """
        with self._desk.storage.unit_of_work() as uow:
            customer = uow.aggregates(CUSTOMERS).get(customer_id_of(customer_id))
            found = claimed_by(uow, customer)
            records = uow.aggregates(CUSTOMERS)
            active = {
                kind: tuple(c for c in ids if (r := records.find(c)) is not None and r.is_active)
                for kind, ids in found.items()
            }
        return {kind: ids for kind, ids in active.items() if ids}

    # -- merge and erase -------------------------------------------------------------------

    def merge(self, survivor_id: str, absorbed_id: str, *, actor: Actor, reason: str) -> Customer:
        """Merge the record ``absorbed_id`` into ``survivor_id``, keeping both histories.

        The survivor takes over the absorbed record's contacts it lacks, addresses, channel
        identities, tags, newer consents, communication log, tier history and unexpired
        points; the absorbed record stays, marked merged, with its own journal stream; its
        orders count as the survivor's from now on. The survivor's tier is re-evaluated.

        Raises:
            ValidationError: If the ids are equal, a reason is missing, or a record is not
                active.
            NotFound: If either record does not exist.
        """
        keep, drop = customer_id_of(survivor_id), customer_id_of(absorbed_id)
        if keep == drop:
            raise ValidationError("absorbed_id", "a record cannot be merged into itself")
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("reason", "say why the records are the same customer")

        def handler(ctx: CommandContext) -> Customer:
            survivor, absorbed = self._active(ctx, keep), self._active(ctx, drop)
            merged = _combine(survivor, absorbed)
            gone = attrs.evolve(
                absorbed,
                status=CustomerStatus.MERGED,
                merged_into=keep,
                version=absorbed.version + 1,
            )
            records = ctx.uow.aggregates(CUSTOMERS)
            records.save(merged, expected_version=survivor.version)
            records.save(gone, expected_version=absorbed.version)
            update_claims(ctx.uow, survivor, merged)
            moved = self._move_points(ctx, drop, keep)
            event = CustomersMerged(merged, drop, moved)
            ctx.record(CUSTOMER_STREAM, keep, merged.version, event, reason=reason)
            ctx.record(
                CUSTOMER_STREAM, drop, gone.version, CustomerMergedInto(drop, keep, ctx.now),
                reason=reason,
            )  # fmt: skip
            if self.policy.tiers is not None:
                self._reevaluate(ctx, records.get(keep))
            return records.get(keep)

        return self._run("merge", keep, handler, actor=actor, request={"absorbed": drop})

    def _move_points(self, ctx: CommandContext, source_id: str, destination_id: str) -> int:
        source, destination = self._ledger(ctx, source_id), self._ledger(ctx, destination_id)
        out, into = transfer(source, destination, at=ctx.now)
        self._book(ctx, source, out)
        self._book(ctx, destination, into)
        return sum(entry.points for entry in into.added)

    def anonymize(self, customer_id: str, *, actor: Actor, reason: str) -> Customer:
        """Erase a customer's personal data on request; orders, spend and points stay.

        The record keeps its id, tier, credit settings and merge links; its name becomes
        ``(anonymized)`` and contacts, addresses, identities, birthday and log summaries are
        erased, in the record and in every journal entry of its stream (the hash chain still
        verifies). Orders keep the customer id, so lifetime figures stay the same.

        Raises:
            ValidationError: If the reason is missing.
            NotFound: If there is no such customer.
            StorageError: If the storage backend cannot erase journal data; nothing changes.
        """
        key = customer_id_of(customer_id)
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("reason", "record the request the erasure answers")

        def handler(ctx: CommandContext) -> Customer:
            before = ctx.uow.aggregates(CUSTOMERS).get(key)
            if before.status is CustomerStatus.ANONYMIZED:
                return before
            journal = ctx.uow.journal
            if not isinstance(journal, PersonalDataEraser):
                raise StorageError(
                    "this storage backend cannot erase personal data from its journal"
                )
            after = erase_personal_values(before, ctx.now)
            ctx.uow.aggregates(CUSTOMERS).save(after, expected_version=before.version)
            update_claims(ctx.uow, before, after)
            erased = journal.erase_personal(CUSTOMER_STREAM, key)
            event = CustomerAnonymized(key, ctx.now, erased)
            ctx.record(CUSTOMER_STREAM, key, after.version, event, reason=reason)
            return after

        return self._run("anonymize", key, handler, actor=actor)

    # -- views -----------------------------------------------------------------------------

    def profile(self, customer_id: str) -> CustomerOverview:
        """The single view: orders, net spend, last order, tier, points, held orders, trouble.

        Raises:
            NotFound: If there is no such customer.
        """
        now = self._desk.clock.now()
        with self._desk.storage.unit_of_work() as uow:
            customer = uow.aggregates(CUSTOMERS).get(customer_id_of(customer_id))
            orders = orders_of(uow, customer)
            ledger = uow.aggregates(POINTS_LEDGERS).find(customer.id) or PointsLedger(customer.id)
        tiers = self.policy.tiers
        benefits = tiers.benefits(customer.tier) if tiers is not None else TierBenefits()
        return build_overview(customer, orders, ledger, benefits, self.policy.spend, now)

    def export(self, customer_id: str, *, actor: Actor, personal: bool = False) -> dict[str, Any]:
        """One customer's data as JSON-ready values: the record, order summaries, points.

        Personal values are masked unless ``personal`` is true (a subject access request,
        authorized as ``customer.export_personal``). Orders are summarised without their
        contact and address snapshots.

        Raises:
            PermissionDenied: If a policy refuses the actor.
            NotFound: If there is no such customer.
        """
        key = customer_id_of(customer_id)
        self._desk.authorize(
            actor, "customer.export_personal" if personal else "customer.export", key
        )
        with self._desk.storage.unit_of_work() as uow:
            customer = uow.aggregates(CUSTOMERS).get(key)
            orders = orders_of(uow, customer)
            ledger = uow.aggregates(POINTS_LEDGERS).find(key) or PointsLedger(key)
        data: dict[str, JSONValue] = export_data(
            self._desk.converter, customer, orders, ledger, personal=personal
        )
        return data

    def __repr__(self) -> str:
        tiers = "none" if self.policy.tiers is None else len(self.policy.tiers.tiers)
        return f"CustomersDesk(tiers={tiers})"


def _combine(survivor: Customer, absorbed: Customer) -> Customer:
    """The survivor with what the absorbed record adds; the survivor's own values win."""
    consents = {c.purpose: c for c in absorbed.consents}
    for consent in survivor.consents:
        if consent.purpose not in consents or consent.at >= consents[consent.purpose].at:
            consents[consent.purpose] = consent
    return attrs.evolve(
        survivor,
        email=survivor.email or absorbed.email,
        phone=survivor.phone or absorbed.phone,
        company=survivor.company or absorbed.company,
        addresses=_union(survivor.addresses, absorbed.addresses),
        channel_identities=_union(survivor.channel_identities, absorbed.channel_identities),
        tags=tuple(sorted({*survivor.tags, *absorbed.tags})),
        birthday=survivor.birthday or absorbed.birthday,
        consents=tuple(consents[p] for p in sorted(consents)),
        credit_limit=survivor.credit_limit or absorbed.credit_limit,
        communications=tuple(
            sorted((*survivor.communications, *absorbed.communications), key=lambda e: e.at)
        ),
        merged_from=(*survivor.merged_from, absorbed.id, *absorbed.merged_from),
        tier_history=tuple(
            sorted((*survivor.tier_history, *absorbed.tier_history), key=lambda c: c.at)
        ),
        version=survivor.version + 1,
    )


def _union(first: tuple[Any, ...], second: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*first, *(item for item in second if item not in first))
