"""Forecasting methods against published recursions and a reference library.

The series is the first 24 months of the classic "monthly sales" teaching series used in
Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed., ch. 8) style
examples; the expected numbers were computed with statsmodels' ``SimpleExpSmoothing``,
``Holt`` and ``ExponentialSmoothing`` (``initialization_method="known"``, ``optimized=False``),
whose documentation gives the same recursions as fpp3 sections 8.1-8.3.
"""

from __future__ import annotations

from typing import Any

import pytest

from ordercore.analytics import backtest, croston, holt, holt_winters_additive, ses
from ordercore.errors import ValidationError

SERIES = [
    30.0, 21, 29, 31, 40, 48, 53, 47, 37, 39, 31, 29,
    17, 9, 20, 24, 27, 35, 41, 38, 27, 31, 27, 26,
]  # fmt: skip

WEIGHTS: dict[str, Any] = {"alpha": 0.1, "beta": 0.1, "gamma": 0.1}


def test_ses_matches_statsmodels_with_a_known_initial_level() -> None:
    """fpp3 8.1: l_t = a y_t + (1 - a) l_{t-1}; statsmodels SimpleExpSmoothing, alpha 0.3."""
    result = ses(SERIES, alpha=0.3, h=3, initial=30.0)

    assert result.fitted[:5] == pytest.approx([30.0, 30.0, 27.3, 27.81, 28.767])
    assert result.values == pytest.approx([28.8328889908392] * 3)


def test_holt_matches_statsmodels_with_known_initial_values() -> None:
    """fpp3 8.2 (Holt's linear trend); statsmodels Holt, alpha 0.5, beta 0.2, l0 30, b0 -9."""
    result = holt(SERIES, alpha=0.5, beta=0.2, h=3, initial_level=30.0, initial_trend=-9.0)

    assert result.fitted[:5] == pytest.approx([21.0, 17.4, 11.46, 14.244, 18.3116])
    assert result.values == pytest.approx(
        [27.369185873236837, 26.84897337313699, 26.32876087303714]
    )


def test_additive_holt_winters_matches_statsmodels_with_known_initial_values() -> None:
    """fpp3 8.3 (additive Holt-Winters); statsmodels ExponentialSmoothing(trend="add",
    seasonal="add", seasonal_periods=12), alpha 0.4, beta 0.1, gamma 0.2."""
    mean = sum(SERIES[:12]) / 12
    result = holt_winters_additive(
        SERIES,
        season_length=12,
        alpha=0.4,
        beta=0.1,
        gamma=0.2,
        h=3,
        initial_level=mean,
        initial_trend=0.5,
        initial_seasonals=[v - mean for v in SERIES[:12]],
    )

    assert result.fitted[:5] == pytest.approx([30.5, 21.78, 29.9168, 31.962208, 40.95096448])
    assert result.values == pytest.approx(
        [21.425440304877267, 13.838110450868289, 23.18338248989732]
    )


def test_croston_and_the_syntetos_boylan_correction_by_hand() -> None:
    """Croston (1972) with the Syntetos & Boylan (2005) factor 1 - alpha/2.

    Demand 0,0,4,0,2,0,0,6 with alpha 0.1: first demand z=4 after p=3 periods; then
    z = 0.1*2 + 0.9*4 = 3.8, p = 0.1*2 + 0.9*3 = 2.9; then z = 0.1*6 + 0.9*3.8 = 4.02,
    p = 0.1*3 + 0.9*2.9 = 2.91. Croston: 4.02/2.91; SBA: 0.95 of that.
    """
    demand = [0, 0, 4, 0, 2, 0, 0, 6]

    classic = croston(demand, alpha=0.1, sba=False)
    corrected = croston(demand, alpha=0.1)

    assert classic.values == pytest.approx((4.02 / 2.91,))
    assert corrected.values == pytest.approx((0.95 * 4.02 / 2.91,))
    assert corrected.method == "croston_sba"
    assert classic.fitted[3] == pytest.approx(4 / 3)


def test_croston_refuses_a_series_without_demand() -> None:
    with pytest.raises(ValidationError) as caught:
        croston([0, 0, 0])
    assert caught.value.field == "series"


def test_backtest_scores_held_out_periods_with_mae_and_mape() -> None:
    result = backtest(lambda s, h: ses(s, alpha=1.0, h=h), [10, 20, 30, 40], holdout=2)

    assert result.actual == (30.0, 40.0)
    assert result.predicted == (20.0, 20.0)
    assert result.mae == pytest.approx(15.0)
    assert result.mape == pytest.approx((10 / 30 + 20 / 40) / 2)


def test_backtest_has_no_mape_when_an_actual_is_zero() -> None:
    result = backtest(lambda s, h: ses(s, alpha=0.5, h=h), [3, 2, 0], holdout=1)

    assert result.mape is None
    assert result.mae == pytest.approx(2.5)  # l = 3, then 2.5; actual 0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: ses([1.0], alpha=1.5), "alpha"),
        (lambda: ses([], alpha=0.5), "series"),
        (lambda: ses([1.0, float("nan")], alpha=0.5), "series"),
        (lambda: ses([1.0], alpha=0.5, h=0), "h"),
        (lambda: holt_winters_additive([1.0] * 5, season_length=4, **WEIGHTS), "series"),
        (lambda: holt_winters_additive([1.0] * 8, season_length=1, **WEIGHTS), "season_length"),
        (lambda: backtest(lambda s, h: ses(s, alpha=0.5, h=h), [1, 2, 3], holdout=3), "holdout"),
    ],
)  # fmt: skip
def test_bad_forecast_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.field == field
