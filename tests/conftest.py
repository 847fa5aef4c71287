"""Test-wide settings: Hypothesis profiles.

``ci`` (the default) keeps example counts sensible for CI; set ``ORDERCORE_HYPOTHESIS=deep``
for a long run (or ``dev`` for a quick one while editing).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "deep",
    max_examples=5_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("ORDERCORE_HYPOTHESIS", "ci"))
