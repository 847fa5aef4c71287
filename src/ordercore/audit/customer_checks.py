"""Built-in audit check over customer records: data a record needs to be usable is missing.

Findings name customers by id only: the names, e-mail addresses and phone numbers the check
looks at are personal data and stay out of reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from types import MappingProxyType

import attrs

from ordercore.audit.checks import AuditFinding, AuditScope, Severity
from ordercore.customers.model import CUSTOMERS, Customer, CustomerStatus

__all__ = ["CustomerRecordsCheck"]

# What each preferred channel needs on the record to be used.
_CHANNEL_NEEDS = MappingProxyType(
    {"email": "e-mail address", "sms": "phone number", "phone": "phone number"}
)


def _has_channel(customer: Customer, channel: str) -> bool:
    if channel == "email":
        return customer.email is not None
    if channel in {"sms", "phone"}:
        return customer.phone is not None
    if channel == "post":
        return bool(customer.addresses)
    return True


@attrs.frozen(slots=True)
class CustomerRecordsCheck:
    """Customer records missing what they need to be used.

    An active record needs a name, a way to reach the customer, the detail of the channel the
    customer prefers, and a postal address when the customer buys on account; a merged record
    must point to a record that exists.
    """

    code: str = "customer-records-incomplete"
    description: str = "customer records missing required data"

    def run(self, scope: AuditScope, now: datetime) -> Iterator[AuditFinding]:
        """Yield one finding per record, listing everything it lacks."""
        del now
        customers = list(scope.aggregates(CUSTOMERS))
        known = {customer.id for customer in customers}
        for customer in sorted(customers, key=lambda record: record.id):
            if customer.status is CustomerStatus.MERGED:
                if customer.merged_into not in known:
                    yield self._finding(
                        customer,
                        Severity.ERROR,
                        ["the record it was merged into does not exist"],
                        "find the surviving record and point the merged one at it",
                    )
                continue
            if customer.status is not CustomerStatus.ACTIVE:
                continue  # anonymized records lack personal data on purpose
            missing = self._missing(customer)
            if missing:
                yield self._finding(
                    customer,
                    Severity.WARNING,
                    missing,
                    "complete the record (desk.customers.update) or ask the customer",
                )

    @staticmethod
    def _missing(customer: Customer) -> list[str]:
        missing = []
        if not customer.name.strip():
            missing.append("no name")
        if customer.email is None and customer.phone is None:
            missing.append("no e-mail address or phone number: the customer cannot be reached")
        channel = customer.preferred_channel
        if not _has_channel(customer, channel):
            need = _CHANNEL_NEEDS.get(channel, "postal address")
            missing.append(f"prefers {channel} but has no {need}")
        if customer.on_credit_terms and not customer.addresses:
            missing.append("buys on account but has no postal address for invoices")
        return missing

    def _finding(
        self, customer: Customer, severity: Severity, problems: list[str], action: str
    ) -> AuditFinding:
        return AuditFinding(
            check=self.code,
            severity=severity,
            subject_kind="customer",
            subject_id=customer.id,
            problem=f"customer {customer.id}: " + "; ".join(problems),
            action=action,
            details={"status": customer.status.value, "problems": len(problems)},
        )
