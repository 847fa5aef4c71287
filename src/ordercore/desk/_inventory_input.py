"""Checks of what callers pass to ``desk.inventory``, before any unit of work is opened."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from types import MappingProxyType

from ordercore._replace import constructor
from ordercore.errors import ValidationError
from ordercore.inventory.allocation import Demand, DemandLine

__all__ = ["code", "demand", "line_quantities", "quantity", "ttl"]


def code(value: object, field: str) -> str:
    """A SKU, location or holder id: non-empty text."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "must be non-empty text")
    return value


def quantity(value: object, field: str = "quantity", *, signed: bool = False) -> int:
    """A positive whole number of units (``signed``: any non-zero whole number)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"must be a whole number of units, got {value!r}")
    if value == 0 or (value < 0 and not signed):
        kind = "non-zero" if signed else "positive"
        raise ValidationError(field, f"must be {kind}, got {value}")
    return value


def ttl(value: object, *, required: bool) -> timedelta | None:
    """A positive time to live."""
    if value is None and not required:
        return None
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError("ttl", "must be a positive timedelta")
    return value


def demand(lines: object, region: object = "") -> Demand:
    """Turn ``lines`` into a :class:`Demand`, naming the first bad field."""
    if type(region) is not str and not isinstance(region, str):
        raise ValidationError("region", "must be text")
    # A plain dict is a Mapping without asking the ABC machinery, the common case.
    if type(lines) is dict or isinstance(lines, Mapping):
        built = []
        totals: dict[str, int] = {}
        line = constructor(DemandLine)
        for sku, units in lines.items():
            # The two checks are those of DemandLine's validators (non-empty text, a positive
            # whole number), so the line is built without running them a second time.
            if type(sku) is not str or not sku.strip():
                code(sku, "lines")  # raises, or passes a str subclass
            if type(units) is not int or units <= 0:
                quantity(units, f"lines[{sku}].quantity")  # raises, or passes an int subclass
            built.append(line(sku, sku, units))
            totals[sku] = units
        if not built:
            raise ValidationError("lines", "give at least one line")
        # One line per SKU, the SKU its line id: no line id repeats and the totals are the
        # mapping itself, so Demand's own summing and checks have nothing left to find.
        if len(totals) > 1:
            totals = dict(sorted(totals.items()))
        return constructor(Demand)(tuple(built), region, MappingProxyType(totals))
    if isinstance(lines, Sequence) and not isinstance(lines, str):
        for index, line in enumerate(lines):
            if not isinstance(line, DemandLine):
                raise ValidationError(f"lines[{index}]", "expected a DemandLine")
        return Demand(tuple(lines), region)
    raise ValidationError("lines", "give DemandLine values or {sku: units}")


def line_quantities(lines: object) -> dict[str, int] | None:
    """``{line_id: units}`` to release or consume, or ``None`` for everything."""
    if lines is None:
        return None
    if not isinstance(lines, Mapping) or not lines:
        raise ValidationError("lines", "give {line_id: units}")
    return {
        code(line_id, "lines"): quantity(units, f"lines[{line_id}].quantity")
        for line_id, units in lines.items()
    }
