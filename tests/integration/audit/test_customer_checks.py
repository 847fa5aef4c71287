"""The customer-records check finds records missing what they need, naming customers by id only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from ordercore import Actor, Address, CustomerDraft, Money, OrderDesk
from ordercore.audit.checks import Severity
from ordercore.customers.model import CUSTOMERS, Customer, CustomerStatus

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
CLERK = Actor("u-clerk")
AUDITOR = Actor("u-auditor", roles={"auditor"})
CODE = "customer-records-incomplete"
HOME = Address("Ada Lovelace", "12 Analytical Row", "London", "GB", "N1 7AA")


@pytest.fixture
def customers(open_desk: Callable[..., OrderDesk]) -> tuple[OrderDesk, list[Customer]]:
    """Three complete records: e-mail only, phone preferring SMS, and one buying on account."""
    desk = open_desk()
    drafts = [
        CustomerDraft("Ada Lovelace", email="ada@example.com"),
        CustomerDraft("Grace Hopper", phone="+442079460958", preferred_channel="sms"),
        CustomerDraft(
            "Kim Account",
            email="kim@example.org",
            addresses=(HOME,),
            credit_limit=Money.of("500.00", "EUR"),
            payment_terms_days=30,
        ),
    ]
    return desk, [desk.customers.register(draft, actor=CLERK) for draft in drafts]


def _damage(desk: OrderDesk, customer: Customer, **changes: Any) -> None:
    with desk.storage.unit_of_work() as uow:
        changed = attrs.evolve(customer, version=customer.version + 1, **changes)
        uow.aggregates(CUSTOMERS).save(changed, expected_version=customer.version)


def _problems(desk: OrderDesk) -> list[tuple[str, Severity, str]]:
    report = desk.audit.sweep(actor=AUDITOR, checks=[CODE], now=NOW)
    return [(f.subject_id, f.severity, f.problem) for f in report.findings]


def test_complete_records_give_no_findings(customers: tuple[OrderDesk, list[Customer]]) -> None:
    desk, _ = customers
    assert _problems(desk) == []


@pytest.mark.parametrize(
    ("which", "changes", "expected"),
    [
        (0, {"email": None}, "cannot be reached"),
        (0, {"email": None, "phone": "+442079460958"}, "prefers email but has no e-mail address"),
        (1, {"phone": None, "email": "g@example.com"}, "prefers sms but has no phone number"),
        (0, {"preferred_channel": "post"}, "prefers post but has no postal address"),
        (2, {"addresses": ()}, "buys on account but has no postal address"),
        (0, {"name": "  "}, "no name"),
    ],
)
def test_a_record_missing_what_it_needs_is_found(
    customers: tuple[OrderDesk, list[Customer]],
    which: int,
    changes: dict[str, Any],
    expected: str,
) -> None:
    desk, records = customers
    damaged = records[which]
    _damage(desk, damaged, **changes)
    ((subject, severity, problem),) = _problems(desk)
    assert (subject, severity) == (damaged.id, Severity.WARNING)
    assert expected in problem
    # Personal data stays out of the report: ids only.
    for personal in (damaged.name, damaged.email, damaged.phone, "Analytical"):
        if personal and personal.strip():
            assert personal not in problem


def test_a_merged_record_must_point_to_one_that_exists(
    customers: tuple[OrderDesk, list[Customer]],
) -> None:
    desk, records = customers
    survivor, absorbed = records[0], records[1]
    _damage(desk, absorbed, status=CustomerStatus.MERGED, merged_into=survivor.id)
    assert _problems(desk) == []
    _damage(
        desk,
        attrs.evolve(absorbed, version=absorbed.version + 1),
        status=CustomerStatus.MERGED,
        merged_into="cus_gone",
    )
    ((subject, severity, problem),) = _problems(desk)
    assert (subject, severity) == (absorbed.id, Severity.ERROR)
    assert "does not exist" in problem


def test_anonymized_records_lack_personal_data_on_purpose(
    customers: tuple[OrderDesk, list[Customer]],
) -> None:
    desk, records = customers
    anonymized = desk.customers.anonymize(records[2].id, actor=CLERK, reason="customer asked")
    assert anonymized.status is CustomerStatus.ANONYMIZED
    assert _problems(desk) == []
