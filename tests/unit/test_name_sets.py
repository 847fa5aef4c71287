"""Settings that take a collection of names refuse one bare string instead of splitting it.

``frozenset("velocity")`` is eight letters: a blocklist, a list of disabled rules or a tier's
exemptions written with one string would silently match nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ordercore import (
    Blocklist,
    ReminderPolicy,
    ReviewPolicy,
    SharedIdentities,
    TierBenefits,
    ValidationError,
)
from ordercore._texts import text_set

SETTINGS: list[tuple[Callable[..., Any], str, str]] = [
    (Blocklist, "emails", "emails"),
    (Blocklist, "phones", "phones"),
    (Blocklist, "addresses", "addresses"),
    (SharedIdentities, "customer_ids", "customer_ids"),
    (SharedIdentities, "emails", "emails"),
    (SharedIdentities, "phones", "phones"),
    (SharedIdentities, "addresses", "addresses"),
    (ReviewPolicy, "disabled", "disabled"),
    (TierBenefits, "review_rules_skipped", "review_rules_skipped"),
    (ReminderPolicy, "win_back_segments", "win_back_segments"),
]


@pytest.mark.parametrize(("build", "argument", "field"), SETTINGS)
@pytest.mark.parametrize("bad", ["velocity", b"velocity", 42, [""], ["ok", None], [["nested"]]])
def test_a_setting_of_names_refuses_what_is_not_a_collection_of_names(
    build: Callable[..., Any], argument: str, field: str, bad: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        build(**{argument: bad})
    assert refused.value.field == field


def test_exemptions_are_checked_per_tier() -> None:
    with pytest.raises(ValidationError) as refused:
        ReviewPolicy(exemptions={"gold": "velocity"})
    assert refused.value.field == "exemptions[gold]"
    with pytest.raises(ValidationError) as not_a_mapping:
        ReviewPolicy(exemptions=["gold"])  # type: ignore[arg-type]
    assert not_a_mapping.value.field == "exemptions"
    kept = ReviewPolicy(exemptions={"gold": ["velocity"]})
    assert kept.exemptions["gold"] == frozenset({"velocity"})


def test_collections_of_names_are_kept_normalized() -> None:
    assert text_set("f", ["b", "a", "b"]) == frozenset({"a", "b"})
    assert text_set("f", ("A@X.org",), str.lower) == frozenset({"a@x.org"})
    assert ReviewPolicy(disabled={"velocity"}).disabled == frozenset({"velocity"})
    assert Blocklist(emails=["Mallory@Example.NET"]).emails == frozenset({"mallory@example.net"})
    with pytest.raises(ValidationError) as refused:
        text_set("disabled", "velocity")
    assert "one string" in str(refused.value)
    assert "{'velocity'}" in str(refused.value)
