"""The review engine: run the rules, add up the risk, decide approve, hold or reject.

Every finding carries risk points; the verdict follows from their sum and the policy's two
thresholds. A rule can be switched off, re-weighted, or skipped for customers of some tiers. A
rule that raises does not stop the review: it becomes a negative finding worth
``ReviewPolicy.failed_rule_score`` points, so that a broken rule holds an order for a person
rather than letting it through unseen.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from types import MappingProxyType

import attrs

from ordercore._texts import text_set
from ordercore.errors import ValidationError
from ordercore.orders.model import Order
from ordercore.review.builtin import builtin_rules
from ordercore.review.identity import SharedIdentities
from ordercore.review.rules import Finding, ReviewContext, ReviewRule, Sentiment

__all__ = ["ReviewDecision", "ReviewPolicy", "Verdict", "review_order"]


class ReviewDecision(enum.Enum):
    """What review decided."""

    APPROVE = "approve"
    HOLD = "hold"
    REJECT = "reject"


def _whole(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(attribute.name, "must be a whole number of risk points")


def _freeze_weights(value: Mapping[str, object]) -> Mapping[str, Decimal]:
    weights: dict[str, Decimal] = {}
    for code, weight in value.items():
        if isinstance(weight, float | bool) or not isinstance(weight, int | str | Decimal):
            raise ValidationError(f"weights.{code}", "give a Decimal, an int or a decimal string")
        number = Decimal(weight)
        if not number.is_finite() or number < 0:
            raise ValidationError(f"weights.{code}", "must be a finite number, zero or more")
        weights[code] = number
    return MappingProxyType(weights)


def _freeze_exemptions(value: Mapping[str, Iterable[str]]) -> Mapping[str, frozenset[str]]:
    if not isinstance(value, Mapping):
        raise ValidationError("exemptions", "give a mapping of tier code to rule codes")
    return MappingProxyType(
        {tier: text_set(f"exemptions[{tier}]", codes) for tier, codes in value.items()}
    )


def _disabled(value: Iterable[str]) -> frozenset[str]:
    return text_set("disabled", value)


def _freeze_rules(value: Iterable[ReviewRule]) -> tuple[ReviewRule, ...]:
    rules = tuple(value)
    seen: set[str] = set()
    for rule in rules:
        if not isinstance(rule, ReviewRule):
            raise ValidationError("rules", f"{rule!r} is not a review rule (code, evaluate)")
        if rule.code in seen:
            raise ValidationError("rules", f"two rules have the code {rule.code!r}")
        seen.add(rule.code)
    return rules


@attrs.frozen(slots=True)
class ReviewPolicy:
    """How orders are reviewed.

    Attributes:
        rules: The rules to run; the built-in rules with their default settings unless given.
            Rules from ``ordercore_review_rules`` plugins run after these.
        automatic: Review every order as it is placed (approve, hold or reject at once).
            Off, orders wait in ``pending_review`` until ``desk.review.review()`` or a person.
        hold_at: A score at or above this holds the order for a person.
        reject_at: A score at or above this rejects the order.
        disabled: Codes of rules not to run.
        weights: Code to a factor for that rule's points (``{"velocity": "0.5"}``).
        exemptions: Tier code to the codes of rules skipped for customers of that tier.
        failed_rule_score: Points of the finding that stands in for a rule that raised.
        reviewer_roles: Roles that may approve or reject held orders.
        history_days: How far back the customer's orders are looked at.
        shared: Contact details many unrelated buyers share (a pickup counter's address, a
            marketplace's relay e-mail); orders are not linked through them.
    """

    rules: tuple[ReviewRule, ...] = attrs.field(factory=builtin_rules, converter=_freeze_rules)
    automatic: bool = True
    hold_at: int = attrs.field(default=50, validator=_whole)
    reject_at: int = attrs.field(default=100, validator=_whole)
    disabled: frozenset[str] = attrs.field(factory=frozenset, converter=_disabled)
    weights: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_freeze_weights)
    exemptions: Mapping[str, frozenset[str]] = attrs.field(
        factory=dict, converter=_freeze_exemptions
    )
    failed_rule_score: int = attrs.field(default=50, validator=_whole)
    reviewer_roles: frozenset[str] = frozenset({"reviewer"})
    history_days: int = attrs.field(default=90, validator=_whole)
    shared: SharedIdentities = attrs.field(factory=SharedIdentities)

    def __attrs_post_init__(self) -> None:
        if self.reject_at < self.hold_at:
            raise ValidationError("reject_at", "must not be below hold_at")
        if self.history_days < 1:
            raise ValidationError("history_days", "must be at least one day")

    def with_rule(self, rule: ReviewRule) -> ReviewPolicy:
        """Return this policy with ``rule`` replacing the rule of the same code (or added)."""
        kept = [existing for existing in self.rules if existing.code != rule.code]
        return attrs.evolve(self, rules=(*kept, rule))

    def decide(self, score: int) -> ReviewDecision:
        """Map a score to a decision through the thresholds."""
        if score >= self.reject_at:
            return ReviewDecision.REJECT
        if score >= self.hold_at:
            return ReviewDecision.HOLD
        return ReviewDecision.APPROVE

    def applies(self, code: str, tier: str) -> bool:
        """Whether the rule ``code`` runs for a customer of ``tier``."""
        if code in self.disabled:
            return False
        return code not in self.exemptions.get(tier, frozenset())

    def weigh(self, finding: Finding) -> Finding:
        """Apply the rule's weight to a finding's points."""
        weight = self.weights.get(finding.rule)
        if weight is None:
            return finding
        points = int((finding.score * weight).to_integral_value(ROUND_HALF_EVEN))
        return attrs.evolve(finding, score=points)


@attrs.frozen(slots=True)
class Verdict:
    """The outcome of reviewing one order.

    Attributes:
        decision: Approve, hold or reject.
        score: The sum of the findings' points.
        findings: What the rules found, in the order the rules ran.
    """

    decision: ReviewDecision
    score: int
    findings: tuple[Finding, ...]

    def reason(self) -> str:
        """One line for the journal and the reviewer: the score and what counted against."""
        against = [f.message for f in self.findings if f.sentiment is Sentiment.NEGATIVE]
        summary = f"review score {self.score}"
        return f"{summary}: {'; '.join(against)}" if against else summary


def review_order(
    order: Order,
    context: ReviewContext,
    policy: ReviewPolicy,
    extra_rules: Sequence[ReviewRule] = (),
) -> Verdict:
    """Run the policy's rules (then ``extra_rules``) over ``order`` and decide.

    Args:
        order: The order under review.
        context: What the rules may look at.
        policy: Thresholds, switched-off rules, weights and tier exemptions.
        extra_rules: Rules from plugins, run after the policy's own.

    Returns:
        The verdict with every finding.
    """
    tier = "" if context.customer is None else context.customer.tier
    findings: list[Finding] = []
    for rule in (*policy.rules, *extra_rules):
        if not policy.applies(rule.code, tier):
            continue
        try:
            result: object = rule.evaluate(order, context)
        except Exception as exc:  # a broken rule is reported as a finding, not fatal
            result = _failed(rule.code, policy, f"rule failed ({type(exc).__name__}: {exc})")
        if result is None:
            continue
        if not isinstance(result, Finding):
            result = _failed(rule.code, policy, f"rule returned {type(result).__name__}")
        findings.append(policy.weigh(result))
    score = sum(finding.score for finding in findings)
    return Verdict(policy.decide(score), score, tuple(findings))


def _failed(code: str, policy: ReviewPolicy, what: str) -> Finding:
    message = f"{what}, not a finding; look at the order by hand"
    return Finding(code, Sentiment.NEGATIVE, policy.failed_rule_score, message)
