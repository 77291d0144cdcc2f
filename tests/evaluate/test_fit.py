"""The logistic fit against scikit-learn and statsmodels: coefficients, the penalty chosen by
time-ordered cross-validation, intervals on odds ratios and on one signal's strength over
another."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import special
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from lib.evaluate.fit import (
    PENALTY_GRID,
    coefficient_table,
    logistic_fit,
    standardiser,
    time_ordered_folds,
    total_effects,
    tuned_penalty,
)
from lib.metrics.stats import ratio_interval
from lib.model import default_model


def data(n: int = 600, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Three standard-normal inputs, the first two driving wins, the third noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (rng.random(n) < special.expit(-1.0 + x @ np.array([1.0, 0.4, 0.0]))).astype(float)
    return x, y


@pytest.mark.parametrize("c", [0.01, 0.1, 1.0])
def test_the_fit_minimises_what_scikit_learn_minimises_at_the_same_c(c: float) -> None:
    x, y = data()
    fit = logistic_fit(x, y, l2=1.0 / c)
    oracle = LogisticRegression(C=c, tol=1e-10, max_iter=10_000).fit(x, y)
    assert fit.converged
    assert fit.coef == pytest.approx([oracle.intercept_[0], *oracle.coef_[0]], abs=1e-5)


def test_time_ordered_folds_are_scikit_learns_time_series_split() -> None:
    ours = time_ordered_folds(103, 4)
    theirs = list(TimeSeriesSplit(n_splits=4).split(np.zeros(103)))
    assert [(list(a), list(b)) for a, b in ours] == [(list(a), list(b)) for a, b in theirs]


def test_the_penalty_is_the_one_time_ordered_cross_validation_picks_in_scikit_learn() -> None:
    x, y = data(400, seed=9)
    x = np.column_stack([x, np.random.default_rng(1).normal(size=(400, 8)) * 5 + 2])
    chosen, table = tuned_penalty(x, y)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10, max_iter=10_000)),
        {"logisticregression__C": list(PENALTY_GRID)},
        cv=TimeSeriesSplit(n_splits=4),
        scoring="neg_log_loss",
    ).fit(x, y)
    assert chosen == search.best_params_["logisticregression__C"]
    assert table["held_out_log_loss"].to_numpy() == pytest.approx(
        -search.cv_results_["mean_test_score"], abs=1e-5
    )


def test_a_column_constant_in_a_fold_is_not_blown_up_by_rounding_noise() -> None:
    x, y = data(300)
    rare = np.zeros(300)
    rare[-3:] = 1.0  # seen only in the last fold's test block: constant in every training block
    chosen, table = tuned_penalty(np.column_stack([x, rare]), y)
    assert table["held_out_log_loss"].max() < 0.8  # a base-rate guess scores ~0.6
    assert chosen in PENALTY_GRID


def test_odds_ratio_intervals_match_statsmodels_when_the_penalty_vanishes() -> None:
    x, y = data()
    frame = pd.DataFrame(x, columns=["fit", "value", "risk"])
    mean, sd = standardiser(frame)
    fit = logistic_fit((x - mean) / sd, y, l2=1e-9)
    table = coefficient_table(fit, frame, list(frame.columns), default_model()).set_index("signal")
    oracle = sm.Logit(y, sm.add_constant((x - mean) / sd)).fit(disp=0).conf_int()[1:]
    assert np.log(table.loc[["fit", "value", "risk"], "odds_ratio_low"]).to_numpy() == (
        pytest.approx(oracle[:, 0], abs=1e-4)
    )
    assert np.log(table.loc[["fit", "value", "risk"], "odds_ratio_high"]).to_numpy() == (
        pytest.approx(oracle[:, 1], abs=1e-4)
    )


def test_the_strength_ratio_interval_is_where_statsmodels_wald_test_reaches_5_percent() -> None:
    x, y = data(3000, seed=4)
    frame = pd.DataFrame(x, columns=["pricing_page_view", "demo_request", "webinar"])
    mean, sd = standardiser(frame)
    fit = logistic_fit((x - mean) / sd, y, l2=1e-9)
    effects = total_effects(fit, frame, default_model())
    a, b = effects["estimate"].iloc[0], effects["estimate"].iloc[1]
    pair = effects.iloc[:2, :2].to_numpy()
    low, high = ratio_interval(a, b, pair)
    assert low < a / b < high
    oracle = sm.Logit(y, sm.add_constant((x - mean) / sd)).fit(disp=0)
    for edge in (low, high):
        test = oracle.wald_test(np.array([[0, 1, -edge, 0]]), scalar=True)
        assert float(test.pvalue) == pytest.approx(0.05, abs=1e-3)


def test_a_strength_ratio_against_a_signal_indistinguishable_from_none_is_unbounded() -> None:
    assert ratio_interval(1.0, 0.05, np.diag([0.01, 0.01])) == (-np.inf, np.inf)
