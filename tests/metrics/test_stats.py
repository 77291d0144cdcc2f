"""Wilson intervals, rate frames and Kaplan-Meier against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.metrics.stats import (
    auc_interval,
    kaplan_meier,
    km_median,
    lift_by_decile,
    rate_frame,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # p = 0.8, z = 1.95996: centre 0.99207 / 1.38415 = 0.71674, half 0.22658
        (8, 10, 0.49016, 0.94332),
        # k = 0: centre = z^2/(2n) / (1 + z^2/n) = half, so the low bound is exactly 0
        (0, 10, 0.0, 0.27753),
    ],
)
def test_wilson_interval_matches_the_hand_computed_bounds(
    successes: int, trials: int, low: float, high: float
) -> None:
    got_low, got_high = wilson_interval(successes, trials)
    assert float(got_low) == pytest.approx(low, abs=1e-5)
    assert float(got_high) == pytest.approx(high, abs=1e-5)


def test_wilson_interval_is_nan_when_there_are_no_trials() -> None:
    low, high = wilson_interval(np.array([0, 1]), np.array([0, 2]))
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert 0 < low[1] < 0.5 < high[1] < 1


def test_rate_frame_flags_small_samples_and_leaves_empty_rates_nan() -> None:
    rates = rate_frame(pd.Series([8, 0, 15]), pd.Series([10, 0, 30]), prefix="win_rate")
    assert rates["win_rate"].iloc[0] == pytest.approx(0.8)
    assert np.isnan(rates["win_rate"].iloc[1])
    assert rates["small_sample"].tolist() == [True, True, False]


def test_kaplan_meier_drops_only_at_events_and_holds_at_censored_times() -> None:
    # 3 at risk: event at 10 -> 2/3; censored at 20 -> still 2/3; 1 at risk, event at 30 -> 0
    curve = kaplan_meier(np.array([10, 20, 30]), np.array([True, False, True]))
    assert curve["days"].tolist() == [0.0, 10.0, 20.0, 30.0]
    assert curve["share_still_open"].tolist() == pytest.approx([1.0, 2 / 3, 2 / 3, 0.0])
    assert km_median(curve) == 30.0


def test_kaplan_meier_differs_from_ignoring_the_censored_deal() -> None:
    # 4 at risk: event at 5 -> 3/4; censored at 6; 2 at risk, event at 8 -> 3/4 * 1/2 = 3/8
    curve = kaplan_meier([5, 6, 8, 12], [True, False, True, True])
    assert curve.set_index("days")["share_still_open"].to_dict() == pytest.approx(
        {0.0: 1.0, 5.0: 0.75, 6.0: 0.75, 8.0: 0.375, 12.0: 0.0}
    )
    assert km_median(curve) == 8.0


def test_kaplan_meier_median_is_nan_when_half_never_close() -> None:
    curve = kaplan_meier([10, 20, 30], [True, False, False])
    assert km_median(curve) != km_median(curve)  # NaN: 2/3 still open at the end


def test_kaplan_meier_of_nothing_is_an_empty_curve() -> None:
    curve = kaplan_meier([], [])
    assert curve.empty and list(curve.columns) == ["days", "share_still_open"]
    assert np.isnan(km_median(curve))


def test_lift_by_decile_puts_the_winners_in_the_top_decile():
    score = np.arange(1, 21, dtype="float64")
    won = score >= 19
    deciles = lift_by_decile(score, won)
    assert list(deciles["decile"]) == list(range(1, 11))
    top = deciles.iloc[0]
    assert (top["score_min"], top["score_max"], top["leads"], top["won"]) == (19, 20, 2, 2)
    assert (top["win_rate"], top["lift"]) == (1.0, 10.0)
    assert deciles["won"][1:].sum() == 0


def test_lift_by_decile_spreads_three_leads_over_distinct_deciles():
    deciles = lift_by_decile(np.array([10.0, 60.0, 90.0]), np.array([False, True, False]))
    assert deciles[["decile", "leads", "won"]].values.tolist() == [[4, 1, 0], [7, 1, 1], [10, 1, 0]]
    assert deciles["lift"].tolist() == [0.0, 3.0, 0.0]


def test_lift_by_decile_with_no_leads_is_empty():
    assert lift_by_decile(np.array([]), np.array([], dtype=bool)).empty


def test_auc_interval_matches_the_hanley_mcneil_standard_error_by_hand():
    # AUC 0.8 on 50 won and 50 lost: SE = sqrt(4.951 / 2500) = 0.0445, so 0.8 -/+ 1.96 * SE
    low, high = auc_interval(0.8, 50, 50)
    assert low == pytest.approx(0.7128, abs=5e-4)
    assert high == pytest.approx(0.8872, abs=5e-4)


def test_auc_interval_is_undefined_with_only_one_outcome():
    assert all(np.isnan(auc_interval(0.7, 0, 40)))
