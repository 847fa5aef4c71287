"""Tiers: grading customers by what they buy, and what each grade earns them.

A :class:`TierPolicy` names a metric (net spend, order count or qualifying points), a window the
metric is counted over (lifetime, calendar year, rolling months, membership year), tiers with
strictly increasing thresholds, and the benefits of each tier. :meth:`TierPolicy.evaluate` is
pure: the same customer, facts and time always give the same :class:`TierEvaluation`.

Upgrades take effect at once. A customer who qualifies for less than their tier keeps it through
a grace period; when the grace is over they move down one step, and if they still qualify for
less, a new grace period starts before the next step.

Windows are counted in the policy's time zone with python-dateutil's ``relativedelta``, so
"12 months before 31 March" is 29 February in a leap year, and a member who joined on 29
February celebrates on 28 February in other years.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from dateutil.relativedelta import relativedelta

from ordercore._texts import text_set
from ordercore.audit.plans import AuditSchedule
from ordercore.clock import ensure_aware_utc
from ordercore.customers.facts import CustomerFacts, SpendBasis
from ordercore.customers.model import Customer, TierChange
from ordercore.errors import ValidationError
from ordercore.money import Money, is_known_currency, minor_units

__all__ = [
    "Tier",
    "TierBenefits",
    "TierEvaluation",
    "TierMetric",
    "TierPolicy",
    "TierWindow",
    "WindowKind",
    "apply_evaluation",
    "evaluate_all",
]


class TierMetric(enum.Enum):
    """What a tier threshold measures."""

    NET_SPEND = "net_spend"
    ORDER_COUNT = "order_count"
    QUALIFYING_POINTS = "qualifying_points"


class WindowKind(enum.Enum):
    """Over which stretch of time the metric is counted."""

    LIFETIME = "lifetime"
    CALENDAR_YEAR = "calendar_year"
    ROLLING_MONTHS = "rolling_months"
    MEMBERSHIP_YEAR = "membership_year"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("window.timezone", f"unknown time zone {name!r}") from exc


@attrs.frozen(slots=True)
class TierWindow:
    """The stretch of time a tier metric counts, ending at the evaluation time (included).

    Attributes:
        kind: Lifetime, calendar year, rolling months or membership year.
        months: The length of a rolling window.
        timezone: The IANA zone in which years start and months are counted.
    """

    kind: WindowKind = WindowKind.LIFETIME
    months: int = 12
    timezone: str = "UTC"
    _zone: ZoneInfo = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, WindowKind):
            raise ValidationError("window.kind", "give a WindowKind")
        if isinstance(self.months, bool) or not isinstance(self.months, int) or self.months < 1:
            raise ValidationError("window.months", "must be a whole number of months, at least 1")
        object.__setattr__(self, "_zone", _zone(self.timezone))

    def start(self, as_of: datetime, member_since: datetime) -> datetime | None:
        """The first instant inside the window ending at ``as_of`` (``None``: no start)."""
        if self.kind is WindowKind.LIFETIME:
            return None
        local = as_of.astimezone(self._zone)
        if self.kind is WindowKind.CALENDAR_YEAR:
            first = datetime(local.year, 1, 1, tzinfo=self._zone)
        elif self.kind is WindowKind.ROLLING_MONTHS:
            # Strictly after the same wall time N months back: 12 rolling months up to
            # 31 March 12:00 start just after 31 March 12:00 a year earlier.
            first = local - relativedelta(months=self.months) + timedelta(microseconds=1)
        else:
            joined = member_since.astimezone(self._zone)
            years = local.year - joined.year
            first = joined + relativedelta(years=years)
            if first > local:
                first = joined + relativedelta(years=years - 1)
        return first.astimezone(as_of.tzinfo)

    def describe(self) -> str:
        """The window in words, for reasons."""
        if self.kind is WindowKind.ROLLING_MONTHS:
            return f"the last {self.months} months"
        return {
            WindowKind.LIFETIME: "all time",
            WindowKind.CALENDAR_YEAR: "this calendar year",
            WindowKind.MEMBERSHIP_YEAR: "this membership year",
        }[self.kind]


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, float | bool) or not isinstance(value, int | str | Decimal):
        raise ValidationError(field, "give a Decimal, an int or a decimal string")
    try:
        number = Decimal(value)
    except ArithmeticError as exc:
        raise ValidationError(field, "not a number") from exc
    if not number.is_finite() or number < 0:
        raise ValidationError(field, "must be a finite number, zero or more")
    return number


def _codes(value: Iterable[str]) -> frozenset[str]:
    return text_set("review_rules_skipped", value)


@attrs.frozen(slots=True)
class TierBenefits:
    """What a tier gives its customers.

    Attributes:
        discount_rate: Discount as a fraction (``Decimal("0.05")``).
        free_shipping_threshold: Order value from which shipping is free (``None``: never).
        priority: Handling priority; higher is served first.
        review_rules_skipped: Codes of review rules skipped for the tier (the desk adds them to
            ``ReviewPolicy.exemptions``).
        points_multiplier: Factor on loyalty points earned.
    """

    discount_rate: Decimal = attrs.field(default=Decimal(0))
    free_shipping_threshold: Money | None = None
    priority: int = 0
    review_rules_skipped: frozenset[str] = attrs.field(factory=frozenset, converter=_codes)
    points_multiplier: Decimal = attrs.field(default=Decimal(1))

    def __attrs_post_init__(self) -> None:
        rate = _decimal(self.discount_rate, "benefits.discount_rate")
        if rate > 1:
            raise ValidationError("benefits.discount_rate", "a fraction between 0 and 1")
        object.__setattr__(self, "discount_rate", rate)
        multiplier = _decimal(self.points_multiplier, "benefits.points_multiplier")
        object.__setattr__(self, "points_multiplier", multiplier)
        if isinstance(self.priority, bool) or not isinstance(self.priority, int):
            raise ValidationError("benefits.priority", "must be a whole number")


@attrs.frozen(slots=True)
class Tier:
    """One grade: its code, the metric value that reaches it, and its benefits."""

    code: str
    threshold: Decimal
    benefits: TierBenefits = attrs.Factory(TierBenefits)

    def __attrs_post_init__(self) -> None:
        if (
            not isinstance(self.code, str)
            or not self.code.strip()
            or self.code != self.code.strip()
        ):
            raise ValidationError("tier.code", "a short code such as 'gold'")
        object.__setattr__(self, "threshold", _decimal(self.threshold, "tier.threshold"))


@attrs.frozen(slots=True)
class TierEvaluation:
    """The outcome of evaluating one customer's tier.

    Attributes:
        customer_id: Whose tier.
        as_of: When.
        metric_value: The metric over the window (money in major units).
        qualified: The highest tier the metric reaches (``""``: none).
        previous: The tier before.
        tier: The tier after (grace and one-step downgrades applied).
        below_since: Since when the customer qualifies for less than ``tier``, if they do.
        reason: The evaluation in words, journaled with a change.
    """

    customer_id: str
    as_of: datetime
    metric_value: Decimal
    qualified: str
    previous: str
    tier: str
    below_since: datetime | None
    reason: str

    @property
    def changed(self) -> bool:
        """Whether the tier changed."""
        return self.tier != self.previous


def _tier_tuple(value: Iterable[Tier]) -> tuple[Tier, ...]:
    return tuple(value)


@attrs.frozen(slots=True)
class TierPolicy:
    """How customers are graded.

    Attributes:
        tiers: The tiers, lowest first; thresholds must strictly increase.
        metric: What the thresholds measure.
        window: Over which time the metric is counted.
        currency: The currency of spend thresholds; orders in other currencies do not count.
        spend: What counts as spend (shipping, tax).
        grace_days: How long a customer keeps a tier they no longer qualify for.
        schedule: When the desk re-evaluates every customer (``None``: only after payments
            and refunds).

    Raises:
        ValidationError: For thresholds that do not increase, repeated codes or a bad setting.
    """

    tiers: tuple[Tier, ...] = attrs.field(converter=_tier_tuple)
    metric: TierMetric = TierMetric.NET_SPEND
    window: TierWindow = attrs.Factory(TierWindow)
    currency: str = "EUR"
    spend: SpendBasis = attrs.Factory(SpendBasis)
    grace_days: int = 30
    schedule: AuditSchedule | None = attrs.Factory(
        lambda: AuditSchedule("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=3")
    )
    _thresholds: tuple[Decimal, ...] = attrs.field(init=False, repr=False, eq=False)
    _ranks: Mapping[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if not self.tiers:
            raise ValidationError("tiers", "give at least one tier")
        ranks: dict[str, int] = {}
        for index, tier in enumerate(self.tiers):
            if not isinstance(tier, Tier):
                raise ValidationError(f"tiers[{index}]", "expected a Tier")
            if tier.code in ranks:
                raise ValidationError(f"tiers[{index}].code", f"{tier.code!r} is used twice")
            if index and tier.threshold <= self.tiers[index - 1].threshold:
                raise ValidationError(
                    f"tiers[{index}].threshold",
                    f"thresholds must increase: {tier.threshold} is not above "
                    f"{self.tiers[index - 1].threshold} of {self.tiers[index - 1].code!r}",
                )
            ranks[tier.code] = index + 1
        if not isinstance(self.metric, TierMetric):
            raise ValidationError("metric", "give a TierMetric")
        if not is_known_currency(self.currency):
            raise ValidationError("currency", "an ISO 4217 code such as 'EUR'")
        if isinstance(self.grace_days, bool) or not isinstance(self.grace_days, int):
            raise ValidationError("grace_days", "must be a whole number of days")
        if self.grace_days < 0:
            raise ValidationError("grace_days", "must not be negative")
        object.__setattr__(self, "_thresholds", tuple(t.threshold for t in self.tiers))
        object.__setattr__(self, "_ranks", ranks)

    # -- reading the policy ----------------------------------------------------------------

    def rank(self, code: str) -> int:
        """1 for the lowest tier, one more per step; 0 for no tier (or one the policy lacks)."""
        return self._ranks.get(code, 0)

    def code(self, rank: int) -> str:
        """The tier code of ``rank`` (``""`` for 0)."""
        return "" if rank <= 0 else self.tiers[rank - 1].code

    def benefits(self, code: str) -> TierBenefits:
        """The benefits of tier ``code``; none for no tier."""
        rank = self.rank(code)
        return TierBenefits() if rank == 0 else self.tiers[rank - 1].benefits

    def review_exemptions(self) -> dict[str, frozenset[str]]:
        """Tier code to the review rules its benefits skip (tiers that skip some only)."""
        return {
            t.code: t.benefits.review_rules_skipped
            for t in self.tiers
            if t.benefits.review_rules_skipped
        }

    def qualified_rank(self, value: Decimal) -> int:
        """The rank of the highest tier whose threshold ``value`` reaches."""
        return bisect_right(self._thresholds, value)

    # -- evaluating ------------------------------------------------------------------------

    def metric_value(self, customer: Customer, facts: CustomerFacts, as_of: datetime) -> Decimal:
        """The policy's metric for ``customer`` over the window ending at ``as_of``."""
        start = self.window.start(as_of, customer.created_at)
        if self.metric is TierMetric.QUALIFYING_POINTS:
            return Decimal(sum(p for at, p in facts.qualifying_points if _inside(at, start, as_of)))
        if self.metric is TierMetric.ORDER_COUNT:
            return Decimal(
                sum(1 for f in facts.purchases if f.net_minor > 0 and _inside(f.at, start, as_of))
            )
        currency = self.currency
        total = sum(
            f.net_minor
            for f in facts.purchases
            if f.currency == currency and _inside(f.at, start, as_of)
        )
        return Decimal(total).scaleb(-minor_units(currency))

    def evaluate(self, customer: Customer, facts: CustomerFacts, as_of: datetime) -> TierEvaluation:
        """Grade ``customer`` at ``as_of`` from ``facts``; pure and deterministic.

        Args:
            customer: The record (its tier, grace start and membership date are read).
            facts: Their purchases and qualifying points.
            as_of: The evaluation time (aware); facts after it are ignored.

        Returns:
            The evaluation; apply it with :func:`apply_evaluation`.
        """
        as_of = ensure_aware_utc(as_of)
        value = self.metric_value(customer, facts, as_of)
        qualified = self.qualified_rank(value)
        current = self.rank(customer.tier)
        measured = f"{self._metric_words(value)} over {self.window.describe()}"
        below_since: datetime | None = None
        if qualified >= current:
            target = qualified
            if target > current:
                reason = f"{measured} reaches {self._threshold_words(target)}"
            else:
                reason = f"{measured} keeps {self.code(target) or 'no tier'}"
        else:
            since = customer.below_since or as_of
            grace = timedelta(days=self.grace_days)
            if as_of - since >= grace:
                target = current - 1
                below_since = as_of if qualified < target else None
                reason = (
                    f"{measured} is below {self._threshold_words(current)} for "
                    f"{(as_of - since).days} days (grace {self.grace_days} days): one step down"
                )
            else:
                target = current
                below_since = since
                reason = (
                    f"{measured} is below {self._threshold_words(current)}; grace until "
                    f"{(since + grace).date().isoformat()}"
                )
        return TierEvaluation(
            customer_id=customer.id,
            as_of=as_of,
            metric_value=value,
            qualified=self.code(qualified),
            previous=customer.tier,
            tier=self.code(target),
            below_since=below_since,
            reason=reason,
        )

    def _metric_words(self, value: Decimal) -> str:
        if self.metric is TierMetric.NET_SPEND:
            return f"net spend {value} {self.currency}"
        if self.metric is TierMetric.ORDER_COUNT:
            return f"{value} orders"
        return f"{value} qualifying points"

    def _threshold_words(self, rank: int) -> str:
        tier = self.tiers[rank - 1]
        return f"{tier.code} ({tier.threshold})"


def _inside(at: datetime, start: datetime | None, end: datetime) -> bool:
    return at <= end and (start is None or at >= start)


def apply_evaluation(customer: Customer, evaluation: TierEvaluation) -> Customer:
    """Return ``customer`` with the evaluation applied (tier, grace start, history).

    Returns the same object when nothing changed, so the desk writes nothing.
    """
    if evaluation.customer_id != customer.id:
        raise ValidationError("evaluation.customer_id", "belongs to another customer")
    if not evaluation.changed and evaluation.below_since == customer.below_since:
        return customer
    history = customer.tier_history
    since = customer.tier_since
    if evaluation.changed:
        change = TierChange(
            evaluation.as_of, evaluation.previous, evaluation.tier, evaluation.reason
        )
        history = (*history, change)
        since = evaluation.as_of
    return attrs.evolve(
        customer,
        tier=evaluation.tier,
        tier_since=since,
        below_since=evaluation.below_since,
        tier_history=history,
        version=customer.version + 1,
    )


def evaluate_all(
    policy: TierPolicy,
    customers: Iterable[Customer],
    facts: Mapping[str, CustomerFacts],
    as_of: datetime,
) -> list[TierEvaluation]:
    """Evaluate many customers at one time (customers without facts have none)."""
    empty = CustomerFacts()
    return [policy.evaluate(c, facts.get(c.id, empty), as_of) for c in customers]
