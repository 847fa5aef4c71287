"""Demand forecasting: exponential smoothing (simple, Holt, additive Holt-Winters) and Croston.

The recursions are those of Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*
(3rd ed., chapter 8) and, for intermittent demand, Croston (1972) with the Syntetos-Boylan
(2005) correction. Demand is counted in units, so these work in floats; money never passes
through here. Each method returns a :class:`Forecast` with its one-step fitted values, so
:func:`backtest` can score any of them on held-out periods (MAE, and MAPE where no actual is 0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

import attrs

from ordercore.analytics.results import Row, TableResult
from ordercore.errors import ValidationError

__all__ = [
    "Backtest",
    "Forecast",
    "backtest",
    "croston",
    "holt",
    "holt_winters_additive",
    "ses",
]


def _series(values: Sequence[float], least: int) -> list[float]:
    series = [float(v) for v in values]
    if len(series) < least:
        raise ValidationError("series", f"needs at least {least} values, got {len(series)}")
    if any(v != v or v in (float("inf"), float("-inf")) for v in series):
        raise ValidationError("series", "NaN and infinite values cannot be forecast")
    return series


def _weight(name: str, value: float) -> float:
    if not 0 <= value <= 1:
        raise ValidationError(name, "a smoothing weight lies between 0 and 1")
    return value


def _horizon(h: int) -> int:
    if h < 1:
        raise ValidationError("h", "forecast at least one period ahead")
    return h


@attrs.frozen(slots=True, repr=False)
class Forecast(TableResult):
    """A method's one-step-ahead fitted values and its forecasts.

    Attributes:
        method: ``"ses"``, ``"holt"``, ``"holt_winters_additive"``, ``"croston"`` or
            ``"croston_sba"``.
        fitted: ``fitted[t]`` is the forecast of period ``t`` made at ``t - 1``.
        values: Forecasts for the next ``h`` periods.
    """

    title: ClassVar[str] = "forecast"
    method: str
    fitted: tuple[float, ...]
    values: tuple[float, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("step", "forecast")

    def rows(self) -> list[Row]:
        """One row per forecast step, from 1."""
        return [(step, value) for step, value in enumerate(self.values, start=1)]


def ses(
    series: Sequence[float], *, alpha: float, h: int = 1, initial: float | None = None
) -> Forecast:
    """Simple exponential smoothing: ``l_t = alpha y_t + (1 - alpha) l_{t-1}``; flat forecasts.

    Args:
        series: Demand per period, oldest first.
        alpha: Weight of the newest observation.
        h: Periods to forecast.
        initial: The level before the first period (the first value by default).
    """
    y = _series(series, 1)
    weight = _weight("alpha", alpha)
    level = y[0] if initial is None else float(initial)
    fitted = []
    for value in y:
        fitted.append(level)
        level = weight * value + (1 - weight) * level
    return Forecast("ses", tuple(fitted), (level,) * _horizon(h))


def holt(
    series: Sequence[float],
    *,
    alpha: float,
    beta: float,
    h: int = 1,
    initial_level: float | None = None,
    initial_trend: float | None = None,
) -> Forecast:
    """Holt's linear trend: level and trend smoothed; forecast ``l_t + k b_t``.

    The defaults start from ``l_0 = y_0`` and ``b_0 = y_1 - y_0``.
    """
    y = _series(series, 2)
    a, b = _weight("alpha", alpha), _weight("beta", beta)
    level = y[0] if initial_level is None else float(initial_level)
    trend = y[1] - y[0] if initial_trend is None else float(initial_trend)
    fitted = []
    for value in y:
        fitted.append(level + trend)
        new_level = a * value + (1 - a) * (level + trend)
        trend = b * (new_level - level) + (1 - b) * trend
        level = new_level
    values = tuple(level + k * trend for k in range(1, _horizon(h) + 1))
    return Forecast("holt", tuple(fitted), values)


def holt_winters_additive(
    series: Sequence[float],
    *,
    season_length: int,
    alpha: float,
    beta: float,
    gamma: float,
    h: int = 1,
    initial_level: float | None = None,
    initial_trend: float | None = None,
    initial_seasonals: Sequence[float] | None = None,
) -> Forecast:
    """Additive Holt-Winters: level, trend and a seasonal term per position in the season.

    Without initial values, the level is the first season's mean, the trend the difference of
    the first two seasons' means over the season length, and the seasonals the first season's
    deviations from its mean (two whole seasons of data are then needed).
    """
    m = season_length
    if m < 2:
        raise ValidationError("season_length", "a season has at least 2 periods")
    y = _series(series, m if initial_seasonals is not None else 2 * m)
    a, b, g = _weight("alpha", alpha), _weight("beta", beta), _weight("gamma", gamma)
    first = sum(y[:m]) / m
    level = first if initial_level is None else float(initial_level)
    trend = (sum(y[m : 2 * m]) / m - first) / m if initial_trend is None else float(initial_trend)
    seasonals = [v - first for v in y[:m]] if initial_seasonals is None else list(initial_seasonals)
    if len(seasonals) != m:
        raise ValidationError("initial_seasonals", f"give exactly {m} values")
    fitted = []
    for t, value in enumerate(y):
        season = seasonals[t % m]
        fitted.append(level + trend + season)
        new_level = a * (value - season) + (1 - a) * (level + trend)
        seasonals[t % m] = g * (value - level - trend) + (1 - g) * season
        trend = b * (new_level - level) + (1 - b) * trend
        level = new_level
    n = len(y)
    values = tuple(
        level + k * trend + seasonals[(n + k - 1) % m] for k in range(1, _horizon(h) + 1)
    )
    return Forecast("holt_winters_additive", tuple(fitted), values)


def croston(
    series: Sequence[float], *, alpha: float = 0.1, h: int = 1, sba: bool = True
) -> Forecast:
    """Croston's method for intermittent demand, with the Syntetos-Boylan correction by default.

    Demand sizes ``z`` and the intervals ``p`` between demands are smoothed separately, only
    in periods with demand; the forecast rate is ``z / p``, times ``1 - alpha / 2`` with
    ``sba`` (which removes Croston's upward bias). Both start from the first demand and the
    periods up to it.

    Raises:
        ValidationError: The series has no demand at all.
    """
    y = _series(series, 1)
    weight = _weight("alpha", alpha)
    factor = 1 - weight / 2 if sba else 1.0
    size = interval = None
    since = 0
    fitted: list[float] = []
    for value in y:
        since += 1
        fitted.append(factor * size / interval if size is not None and interval else 0.0)
        if value > 0:
            if size is None or interval is None:
                size, interval = value, float(since)
            else:
                size = weight * value + (1 - weight) * size
                interval = weight * since + (1 - weight) * interval
            since = 0
    if size is None or interval is None:
        raise ValidationError("series", "no demand in any period; nothing to forecast")
    rate = factor * size / interval
    return Forecast("croston_sba" if sba else "croston", tuple(fitted), (rate,) * _horizon(h))


@attrs.frozen(slots=True, repr=False)
class Backtest(TableResult):
    """How a method's forecasts compared with held-out actuals.

    Attributes:
        method: The method's name.
        actual: The held-out values.
        predicted: What the method forecast for them.
        mae: Mean absolute error.
        mape: Mean absolute percentage error (a fraction), ``None`` when an actual is 0.
    """

    title: ClassVar[str] = "backtest"
    method: str
    actual: tuple[float, ...]
    predicted: tuple[float, ...]
    mae: float
    mape: float | None

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names of :meth:`rows`."""
        return ("step", "actual", "predicted", "error")

    def rows(self) -> list[Row]:
        """One row per held-out period."""
        return [
            (step, a, p, p - a)
            for step, (a, p) in enumerate(zip(self.actual, self.predicted, strict=True), 1)
        ]


def backtest(
    method: Callable[[Sequence[float], int], Forecast], series: Sequence[float], *, holdout: int
) -> Backtest:
    """Fit ``method`` on all but the last ``holdout`` values and score its forecasts of them.

    Args:
        method: ``lambda s, h: ses(s, alpha=0.3, h=h)`` or any other method bound the same way.
        series: The whole history.
        holdout: How many of the newest periods to hold out.

    Raises:
        ValidationError: ``holdout`` is not between 1 and the series length minus one.
    """
    y = _series(series, 2)
    if not 1 <= holdout < len(y):
        raise ValidationError("holdout", f"must lie between 1 and {len(y) - 1}")
    train, actual = y[:-holdout], y[-holdout:]
    forecast = method(train, holdout)
    predicted = forecast.values
    errors = [abs(p - a) for a, p in zip(actual, predicted, strict=True)]
    mae = sum(errors) / holdout
    mape = None if any(a == 0 for a in actual) else sum(
        e / abs(a) for e, a in zip(errors, actual, strict=True)
    ) / holdout  # fmt: skip
    return Backtest(forecast.method, tuple(actual), tuple(predicted), mae, mape)
