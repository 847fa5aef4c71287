"""The small aggregates behind ``desk.customers``: indexes, run marks and sent reminders.

- :data:`CUSTOMER_ORDERS`: per customer id, the ids of its orders, written in the placing unit
  of work, so a profile or a tier evaluation reads a customer's orders without a scan.
- :data:`CONTACT_CLAIMS`: per salted digest of a normalized e-mail or phone, the customers that
  have it (duplicate detection); the salt is made once per store.
- :data:`SENT_REMINDERS`: one per reminder sent, so none goes out twice.
- :data:`CUSTOMER_RUNS`: when a scheduled job (tier evaluation, reminders) last ran.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

import attrs

from ordercore.customers.matching import contact_keys
from ordercore.customers.model import CUSTOMERS, Customer
from ordercore.orders.model import ORDERS, Order
from ordercore.storage.ports import AggregateKind, AggregateRepository, UnitOfWork

__all__ = [
    "CONTACT_CLAIMS",
    "CUSTOMER_ORDERS",
    "CUSTOMER_RUNS",
    "SENT_REMINDERS",
    "ContactClaim",
    "CustomerOrders",
    "JobRun",
    "SentReminder",
]


@attrs.frozen(slots=True)
class CustomerOrders:
    """The ids of one customer id's orders, oldest first."""

    id: str
    order_ids: tuple[str, ...]
    version: int


@attrs.frozen(slots=True)
class ContactClaim:
    """The customers whose contact has one salted digest."""

    id: str
    customer_ids: tuple[str, ...]
    version: int


@attrs.frozen(slots=True)
class SentReminder:
    """A reminder that went to the outbox."""

    id: str
    customer_id: str
    sent_at: datetime
    version: int = 1


@attrs.frozen(slots=True)
class JobRun:
    """When a scheduled job last ran."""

    id: str
    ran_at: datetime
    version: int


@attrs.frozen(slots=True)
class CustomerSalt:
    """The salt of this store's contact digests."""

    id: str
    salt: str
    version: int = 1


CUSTOMER_ORDERS = AggregateKind("customer_orders", CustomerOrders)
CONTACT_CLAIMS = AggregateKind("customer_contact", ContactClaim)
SENT_REMINDERS = AggregateKind("customer_reminder", SentReminder)
CUSTOMER_RUNS = AggregateKind("customer_job", JobRun)
CUSTOMER_SALT = AggregateKind("customer_salt", CustomerSalt)


def index_order(uow: UnitOfWork, customer_id: str, order_id: str) -> None:
    """Add ``order_id`` to the orders of ``customer_id``."""
    index = uow.aggregates(CUSTOMER_ORDERS)
    found = index.find(customer_id)
    if found is None:
        index.save(CustomerOrders(customer_id, (order_id,), 1), expected_version=0)
    elif order_id not in found.order_ids:
        updated = CustomerOrders(customer_id, (*found.order_ids, order_id), found.version + 1)
        index.save(updated, expected_version=found.version)


def index_existing_orders(uow: UnitOfWork, customer_id: str) -> None:
    """Index the orders placed for ``customer_id`` before it had a record (one scan)."""
    found = [o for o in uow.aggregates(ORDERS).scan() if o.customer_id == customer_id]
    found.sort(key=lambda o: (o.milestones.placed_at, o.number))
    for order in found:
        index_order(uow, customer_id, order.id)


def customer_ids(customer: Customer) -> tuple[str, ...]:
    """The customer's own id and the ids of every record merged into it."""
    return (customer.id, *customer.merged_from)


def orders_of(uow: UnitOfWork, customer: Customer) -> list[Order]:
    """Every order of ``customer`` and of the records merged into it, oldest first."""
    index = uow.aggregates(CUSTOMER_ORDERS)
    orders = uow.aggregates(ORDERS)
    found = []
    for cid in customer_ids(customer):
        entry = index.find(cid)
        for order_id in () if entry is None else entry.order_ids:
            order = orders.find(order_id)
            if order is not None:
                found.append(order)
    found.sort(key=lambda o: (o.milestones.placed_at, o.number))
    return found


def resolve(uow: UnitOfWork, customer_id: str) -> Customer | None:
    """The record ``customer_id`` stands for now: itself, or the one it was merged into."""
    customers = uow.aggregates(CUSTOMERS)
    found = customers.find(customer_id)
    seen = set()
    while found is not None and found.merged_into is not None and found.id not in seen:
        seen.add(found.id)
        found = customers.find(found.merged_into)
    return found


def _salt(uow: UnitOfWork) -> str:
    salts = uow.aggregates(CUSTOMER_SALT)
    found = salts.find("contacts")
    if found is not None:
        return found.salt
    made = CustomerSalt("contacts", secrets.token_hex(16))
    salts.save(made, expected_version=0)
    return made.salt


def claimed_by(uow: UnitOfWork, customer: Customer) -> dict[str, tuple[str, ...]]:
    """Contact kind to the other customers that have the same normalized contact."""
    claims = uow.aggregates(CONTACT_CLAIMS)
    found: dict[str, tuple[str, ...]] = {}
    for kind, key in contact_keys(customer, _salt(uow)).items():
        claim = claims.find(key)
        others = () if claim is None else tuple(c for c in claim.customer_ids if c != customer.id)
        if others:
            found[kind] = others
    return found


def update_claims(uow: UnitOfWork, before: Customer | None, after: Customer | None) -> None:
    """Move a customer's claims from its old contacts to its new ones."""
    salt = _salt(uow)
    old = set() if before is None else set(contact_keys(before, salt).values())
    new = set() if after is None else set(contact_keys(after, salt).values())
    subject = after or before
    if subject is None:
        return
    owner = subject.id
    claims = uow.aggregates(CONTACT_CLAIMS)
    for key in sorted(old - new):
        _change_claim(claims, key, owner, add=False)
    for key in sorted(new - old):
        _change_claim(claims, key, owner, add=True)


def _change_claim(
    claims: AggregateRepository[ContactClaim], key: str, owner: str, *, add: bool
) -> None:
    found = claims.find(key)
    ids: Iterable[str] = () if found is None else found.customer_ids
    kept = tuple(sorted({*ids, owner})) if add else tuple(c for c in ids if c != owner)
    version = 0 if found is None else found.version
    claims.save(ContactClaim(key, kept, version + 1), expected_version=version)
