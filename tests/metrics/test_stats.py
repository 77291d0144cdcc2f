"""Rates, tests and ranking metrics against hand-worked values and independent libraries
(statsmodels and scikit-learn, test-only dependencies) used as oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.metrics import brier_score_loss, roc_auc_score
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from lib.metrics.stats import (
    auc_covariance,
    auc_interval,
    brier_score,
    calibration_curve,
    calibration_slope,
    difference_interval,
    holm_adjusted,
    lift_by_decile,
    paired_auc_test,
    rate_frame,
    roc_auc,
    score_test_p_value,
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


@pytest.mark.parametrize(
    ("successes", "trials"), [(3, 40), (17, 60), (0, 31), (31, 31), (250, 1000)]
)
def test_wilson_interval_matches_statsmodels(successes: int, trials: int) -> None:
    low, high = wilson_interval(successes, trials)
    expected = proportion_confint(successes, trials, alpha=0.05, method="wilson")
    assert (float(low), float(high)) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("successes", "trials", "rate"), [(2, 51, 0.10), (14, 29, 0.25), (9, 90, 0.1)]
)
def test_score_test_rejects_exactly_when_the_wilson_interval_excludes_the_rate(
    successes: int, trials: int, rate: float
) -> None:
    p = float(score_test_p_value(successes, trials, rate))
    low, high = wilson_interval(successes, trials)
    assert (p < 0.05) == (not low <= rate <= high)
    _, expected = sm.stats.proportions_ztest(successes, trials, rate, prop_var=rate)
    assert p == pytest.approx(expected)


def test_holm_matches_statsmodels_and_leaves_untested_entries_out() -> None:
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.005, 0.2])
    tested = ~np.isnan(p)
    expected = multipletests(p[tested], alpha=0.05, method="holm")[1]
    adjusted = holm_adjusted(p)
    assert np.isnan(adjusted[2])
    assert adjusted[tested] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("before", "after"), [((30, 100), (45, 110)), ((5, 12), (2, 20)), ((0, 40), (3, 35))]
)
def test_change_interval_is_newcombes_as_statsmodels_computes_it(before, after) -> None:
    change, low, high = difference_interval(before, after)
    expected = confint_proportions_2indep(
        after[0], after[1], before[0], before[1], method="newcomb", compare="diff"
    )
    assert change == pytest.approx(after[0] / after[1] - before[0] / before[1])
    assert (low, high) == pytest.approx(expected, abs=1e-9)


def test_change_interval_is_undefined_without_trials() -> None:
    assert all(np.isnan(difference_interval((0, 0), (3, 10))))


def brute_force_placements(score: np.ndarray, won: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's placement values from their definition: every won-lost pair compared."""
    pos, neg = score[won], score[~won]
    wins = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return wins.mean(axis=1), wins.mean(axis=0)


def brute_force_delong(scores: list[np.ndarray], won: np.ndarray) -> np.ndarray:
    """DeLong, DeLong and Clarke-Pearson (1988), eq. (5)-(6), pair by pair."""
    parts = [brute_force_placements(s, won) for s in scores]
    v10 = np.array([p[0] for p in parts])
    v01 = np.array([p[1] for p in parts])
    return np.cov(v10) / won.sum() + np.cov(v01) / (~won).sum()


@pytest.fixture
def two_scores() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    won = rng.random(300) < 0.3
    first = np.round(rng.normal(size=300) + 0.8 * won, 1)  # rounded: plenty of ties
    second = np.round(first + rng.normal(scale=0.8, size=300) + 0.3 * won, 1)
    return first, second, won


def test_delong_covariance_matches_a_pair_by_pair_computation(two_scores) -> None:
    first, second, won = two_scores
    aucs, covariance = auc_covariance([first, second], won)
    assert aucs == pytest.approx([roc_auc_score(won, first), roc_auc_score(won, second)])
    assert covariance == pytest.approx(brute_force_delong([first, second], won))


def test_delong_standard_error_agrees_with_a_paired_bootstrap(two_scores) -> None:
    first, second, won = two_scores
    rng = np.random.default_rng(0)
    draws = [rng.integers(0, len(won), len(won)) for _ in range(2000)]
    differences = [
        roc_auc_score(won[d], second[d]) - roc_auc_score(won[d], first[d]) for d in draws
    ]
    _, covariance = auc_covariance([first, second], won)
    delong_se = np.sqrt(covariance[0, 0] + covariance[1, 1] - 2 * covariance[0, 1])
    assert delong_se == pytest.approx(np.std(differences), rel=0.1)


def test_paired_test_uses_the_covariance_and_is_one_for_the_same_ranking(two_scores) -> None:
    first, second, won = two_scores
    difference, p = paired_auc_test(first, second, won)
    cov = brute_force_delong([first, second], won)
    z = difference / np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert p == pytest.approx(2 * (1 - __import__("scipy").stats.norm.cdf(abs(z))))
    assert paired_auc_test(first, first * 2 + 1, won) == (0.0, 1.0)


def test_auc_interval_is_the_auc_plus_or_minus_its_delong_standard_error(two_scores) -> None:
    first, _, won = two_scores
    auc, low, high = auc_interval(first, won)
    se = np.sqrt(brute_force_delong([first, first], won)[0, 0])
    assert auc == pytest.approx(roc_auc_score(won, first))
    assert (low, high) == pytest.approx((auc - 1.959964 * se, auc + 1.959964 * se), abs=1e-6)


def test_auc_and_its_interval_are_undefined_with_only_one_outcome() -> None:
    assert np.isnan(roc_auc(np.array([1.0, 2.0]), np.array([1, 1])))
    assert all(np.isnan(auc_interval(np.array([0.1, 0.2, 0.3]), np.array([True, True, True]))))


def test_a_score_that_ties_everything_has_auc_one_half_and_an_interval_of_zero_width() -> None:
    won = np.array([True, False] * 20)
    assert auc_interval(np.full(40, 7.0), won) == (0.5, 0.5, 0.5)


def test_calibration_slope_and_intercept_match_statsmodels_logit() -> None:
    rng = np.random.default_rng(2)
    truth = rng.normal(-1, 1.2, 2000)
    won = rng.random(2000) < 1 / (1 + np.exp(-truth))
    predicted = 1 / (1 + np.exp(-(0.2 + 1.6 * truth)))  # too extreme: the slope is ~1 / 1.6
    intercept, slope = calibration_slope(predicted, won)
    fit = sm.Logit(won.astype(float), sm.add_constant(np.log(predicted / (1 - predicted)))).fit(
        disp=0
    )
    assert (intercept, slope) == pytest.approx(tuple(fit.params), rel=1e-6)
    assert slope == pytest.approx(1 / 1.6, abs=0.08)


def test_calibration_slope_is_undefined_when_every_prediction_is_the_same() -> None:
    assert all(np.isnan(calibration_slope(np.full(10, 0.3), np.arange(10) % 2 == 0)))


def test_brier_score_matches_scikit_learn() -> None:
    rng = np.random.default_rng(4)
    p, won = rng.random(50), rng.random(50) < 0.4
    assert brier_score(p, won) == pytest.approx(brier_score_loss(won, p))


def test_calibration_bins_and_deciles_flag_the_small_ones() -> None:
    rng = np.random.default_rng(1)
    p, won = rng.random(200), rng.random(200) < 0.5
    assert calibration_curve(p, won)["small_sample"].all()  # 20 deals a bin
    assert not calibration_curve(p, won, bins=5)["small_sample"].any()  # 40 a bin
    assert lift_by_decile(p, won)["small_sample"].all()
