r"""The customer segment map: eleven named segments over the RFM recency and frequency scores.

Recency (R, 5 = bought most recently) runs down the rows, frequency (F, 5 = buys most often)
across the columns:

| R \\ F | 1 | 2 | 3 | 4 | 5 |
| --- | --- | --- | --- | --- | --- |
| **5** | new | potential_loyalists | potential_loyalists | champions | champions |
| **4** | promising | potential_loyalists | potential_loyalists | loyal | loyal |
| **3** | about_to_sleep | about_to_sleep | need_attention | loyal | loyal |
| **2** | hibernating | hibernating | at_risk | at_risk | cannot_lose |
| **1** | lost | hibernating | at_risk | at_risk | cannot_lose |

It refines :data:`ordercore.analytics.rfm.SEGMENTS` (the pandas-recipe names analytics reports
use) by telling the lost (R 1, F 1) from the hibernating, with the names the customers desk and
its care reminders use. The scores themselves come from :func:`ordercore.analytics.rfm.rfm`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ordercore.analytics.rfm import RfmScores
from ordercore.errors import ValidationError

__all__ = ["CUSTOMER_SEGMENTS", "customer_segment", "customer_segments"]

_ROWS = {
    5: ("new", "potential_loyalists", "potential_loyalists", "champions", "champions"),
    4: ("promising", "potential_loyalists", "potential_loyalists", "loyal", "loyal"),
    3: ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose"),
    1: ("lost", "hibernating", "at_risk", "at_risk", "cannot_lose"),
}

CUSTOMER_SEGMENTS: Mapping[tuple[int, int], str] = MappingProxyType(
    {(r, f): name for r, names in _ROWS.items() for f, name in enumerate(names, start=1)}
)
"""Segment of each (R, F) score pair; see the module's table."""


def customer_segment(r: int, f: int) -> str:
    """The named segment of a recency and a frequency score (each 1 to 5).

    Raises:
        ValidationError: If a score is not a whole number from 1 to 5.
    """
    name = CUSTOMER_SEGMENTS.get((r, f))
    if name is None or isinstance(r, bool) or isinstance(f, bool):
        raise ValidationError("rfm", f"scores run from 1 to 5; got R={r!r}, F={f!r}")
    return name


def customer_segments(scores: RfmScores) -> dict[str, str]:
    """Customer id to named segment for every customer of ``scores``."""
    return {
        customer: CUSTOMER_SEGMENTS[(r, f)]
        for customer, r, f in zip(scores.customers, scores.r, scores.f, strict=True)
    }
