"""``desk.inventory``'s input check builds demand lines without running their validators again.

For any ``{sku: units}`` mapping, valid or not, the outcome must be that of building each
:class:`DemandLine` through ``__init__`` after the same checks: an equal :class:`Demand`, or the
same error naming the same field.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ordercore.desk import _inventory_input as check
from ordercore.errors import ValidationError
from ordercore.inventory.allocation import Demand, DemandLine

skus: st.SearchStrategy[Any] = st.sampled_from(["MUG", "TEE", "", "  ", 7, None])
units: st.SearchStrategy[Any] = st.sampled_from([1, 2, 99, 0, -1, True, False, 1.0, "1", None])


def _through_init(lines: dict[Any, Any]) -> Demand:
    built = []
    for sku, quantity in lines.items():
        check.code(sku, "lines")
        built.append(DemandLine(sku, sku, check.quantity(quantity, f"lines[{sku}].quantity")))
    return Demand(tuple(built))


def _outcome(build: Any, lines: dict[Any, Any]) -> Any:
    try:
        return build(lines)
    except ValidationError as exc:
        return (type(exc), exc.field, str(exc))


@given(st.dictionaries(skus, units, max_size=4))
def test_demand_equals_lines_built_through_init(lines: dict[Any, Any]) -> None:
    assert _outcome(check.demand, lines) == _outcome(_through_init, lines)
