"""The logistic fit (penalty tuned out of time, convergence checked, coefficients with intervals),
its held-out metrics, and its coefficients mapped back to model settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from scipy import optimize, special
from scipy import stats as sps

from lib.errors import RecalibrationError
from lib.evaluate.attribute_fit import LEVEL_PREFIX, LEVEL_SCALE
from lib.evaluate.design import signal_label
from lib.metrics.stats import (
    SMALL_SAMPLE,
    auc_interval,
    brier_score,
    calibration_curve,
    calibration_slope,
    lift_by_decile,
)
from lib.model import (
    PILLARS,
    ActivityPoints,
    PillarWeights,
    ScoringModel,
    with_changes,
)

# C as scikit-learn names it: the fit minimises the summed log-loss + |coef|^2 / (2 C), so a
# smaller C is a stronger penalty. The grid spans 10^-3..10; time-ordered cross-validation picks.
PENALTY_GRID: tuple[float, ...] = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
CV_FOLDS = 4
# More training rows than this and the penalty is tuned on this many, evenly spaced (so still in
# time order): the penalty is a prior on the coefficients, whose best strength does not grow
# with the rows, and the 36 tuning fits are most of a fit's time (bench/recalibrate_attributes.py)
TUNE_ROWS = 200_000


@dataclass(frozen=True)
class LogisticFit:
    """A fitted logistic regression on standardised inputs: [intercept, coefficients...], their
    covariance (the inverse penalised Hessian), and whether the optimiser converged."""

    coef: np.ndarray
    covariance: np.ndarray
    converged: bool
    message: str


@dataclass(frozen=True)
class ModelMetrics:
    """One model's held-out performance: ROC AUC with its DeLong interval, lift by decile,
    calibration by bin, calibration slope and Brier score of its win probabilities."""

    auc: float
    auc_low: float
    auc_high: float
    lift: pd.DataFrame
    calibration: pd.DataFrame
    calibration_slope: float
    brier: float


def _moments(values: np.ndarray, levels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return per column mean and standard deviation, 1 for a constant column: one whose spread
    is rounding noise (below 1e-9 of its size) counts as constant, or its noise would become
    values of 10^16 once standardised. Attribute level columns (`levels`) are scaled by
    LEVEL_SCALE, not their spread, so the penalty shrinks a rare level most
    (lib.evaluate.attribute_fit)."""
    mean, sd = values.mean(axis=0), values.std(axis=0)
    sd = np.where(sd > 1e-9 * np.maximum(np.abs(mean), 1.0), sd, 1.0)
    return mean, sd if levels is None else np.where(levels, LEVEL_SCALE, sd)


def level_mask(columns: pd.Index | list[str]) -> np.ndarray:
    """Return per design column whether it holds an attribute level (0/1)."""
    return np.array([str(c).startswith(LEVEL_PREFIX) for c in columns], dtype=bool)


def standardiser(x: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return per column mean and scale: the standard deviation (1 for a constant column),
    LEVEL_SCALE for an attribute level."""
    return _moments(x.to_numpy(dtype="float64"), level_mask(x.columns))


def per_sd(fit: LogisticFit, x: pd.DataFrame) -> LogisticFit:
    """Return the fit with coefficients (and covariance) per standard deviation of every input:
    a level column was fitted per LEVEL_SCALE."""
    values = x.to_numpy(dtype="float64")
    factor = np.concatenate([[1.0], _moments(values)[1] / standardiser(x)[1]])
    return replace(
        fit, coef=fit.coef * factor, covariance=fit.covariance * np.outer(factor, factor)
    )


HESSIAN_ROWS = 65_536  # rows per block of the Hessian: a weighted copy of x that size at most


def _minimised(
    x: np.ndarray, y: np.ndarray, l2: float, start: np.ndarray | None = None
) -> optimize.OptimizeResult:
    """Return L-BFGS-B's minimum of log-loss + l2/2 |coef|^2 (intercept free), from `start`
    (else the base rate and zeros)."""

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = w[0] + x @ w[1:]
        resid = special.expit(z) - y
        value = np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * w[1:] @ w[1:]
        return float(value), np.concatenate([[resid.sum()], x.T @ resid + l2 * w[1:]])

    if start is None:
        rate = np.clip(y.mean(), 1e-6, 1 - 1e-6)
        start = np.concatenate([[np.log(rate / (1 - rate))], np.zeros(x.shape[1])])
    return optimize.minimize(
        loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 5000, "gtol": 1e-7}
    )


def _hessian(x: np.ndarray, w: np.ndarray, l2: float) -> np.ndarray:
    """Return the penalised Hessian at w, [intercept, coefficients], built in row blocks so no
    copy of the whole design is made (1M leads x 150 levels: 1.2 GB a copy)."""
    k = x.shape[1]
    hessian = np.zeros((k + 1, k + 1))
    for begin in range(0, len(x), HESSIAN_ROWS):
        block = x[begin : begin + HESSIAN_ROWS]
        p = special.expit(w[0] + block @ w[1:])
        weight = p * (1 - p)
        weighted = block * weight[:, None]
        hessian[0, 0] += weight.sum()
        hessian[0, 1:] += weighted.sum(axis=0)
        hessian[1:, 1:] += block.T @ weighted
    hessian[1:, 0] = hessian[0, 1:]
    return hessian + np.diag([0.0, *[l2] * k])


def logistic_fit(x: np.ndarray, y: np.ndarray, l2: float) -> LogisticFit:
    """Return the fit minimising log-loss + l2/2 |coef|^2 (intercept free) by L-BFGS-B."""
    result = _minimised(x, y, l2)
    w = np.asarray(result.x)
    covariance = np.linalg.pinv(_hessian(x, w, l2))
    return LogisticFit(w, covariance, bool(result.success), str(result.message))


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float, start: np.ndarray | None = None
) -> np.ndarray:
    """Return [intercept, coefficients...] of the penalised fit (no covariance: only the
    coefficients are read), from `start` when given; refuse one that did not converge."""
    result = _minimised(x, y, l2, start)
    if not result.success:
        raise RecalibrationError(f"A logistic fit did not converge ({result.message}); cannot fit")
    return np.asarray(result.x)


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return predicted win probabilities for standardised inputs."""
    return np.asarray(special.expit(w[0] + x @ w[1:]))


def time_ordered_folds(n: int, folds: int = CV_FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (train, test) row indices, rows in time order: each test block directly follows
    all the rows before it (scikit-learn's TimeSeriesSplit), so no fold learns from its future."""
    size = n // (folds + 1)
    ends = [n - (folds - i) * size for i in range(folds + 1)]
    return [(np.arange(ends[i]), np.arange(ends[i], ends[i + 1])) for i in range(folds)]


def _held_out_log_losses(
    x: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    grid: tuple[float, ...],
    levels: np.ndarray | None = None,
) -> list[float]:
    """Return per C of `grid` the mean log-loss on `test` of the fit on `train` (standardised
    on train). The fits run from the strongest penalty to the weakest, each starting from the
    last one's coefficients (a warm start: far fewer iterations, the same minimum)."""
    mean, sd = _moments(x[train], levels)
    fitting, held = (x[train] - mean) / sd, (x[test] - mean) / sd
    losses, w = {}, None
    for c in sorted(grid):
        w = fit_logistic(fitting, y[train], 1.0 / c, w)
        p = np.clip(predict(w, held), 1e-12, 1 - 1e-12)
        losses[c] = float(-np.mean(y[test] * np.log(p) + (1 - y[test]) * np.log(1 - p)))
    return [losses[c] for c in grid]


def tuned_penalty(
    x: np.ndarray,
    y: np.ndarray,
    grid: tuple[float, ...] = PENALTY_GRID,
    folds: int = CV_FOLDS,
    levels: np.ndarray | None = None,
) -> tuple[float, pd.DataFrame]:
    """Return the C of `grid` with the lowest mean held-out log-loss over time-ordered folds
    (rows in time order; the strongest penalty wins a tie) and the loss of every C tried;
    `levels` marks attribute level columns (scaled as `standardiser` scales them). Past
    TUNE_ROWS rows, that many evenly spaced ones are used."""
    if len(y) > TUNE_ROWS:
        rows = np.linspace(0, len(y) - 1, TUNE_ROWS).astype(np.int64)
        x, y = x[rows], y[rows]
    splits = [
        (train, test)
        for train, test in time_ordered_folds(len(y), folds)
        if len(test) and 0 < y[train].sum() < len(train)
    ]
    if not splits:
        raise RecalibrationError("Too few deals of each outcome to tune the penalty")
    by_fold = np.array([_held_out_log_losses(x, y, t, s, grid, levels) for t, s in splits])
    losses = [float(v) for v in by_fold.mean(axis=0)]
    table = pd.DataFrame({"penalty": grid, "held_out_log_loss": losses})
    best = table.sort_values(["held_out_log_loss", "penalty"], kind="stable").iloc[0]
    return float(best["penalty"]), table


def score_to_probability(
    train_score: np.ndarray, train_won: np.ndarray, score: np.ndarray
) -> np.ndarray:
    """Return win probabilities for scores, by a one-input logistic fit on the TRAIN scores."""
    mean, sd = train_score.mean(), train_score.std() or 1.0
    w = fit_logistic(((train_score - mean) / sd)[:, None], train_won, l2=1e-3)
    return predict(w, ((score - mean) / sd)[:, None])


def model_metrics(score: np.ndarray, probability: np.ndarray, won: np.ndarray) -> ModelMetrics:
    """Return AUC (DeLong interval) and lift of `score`, and the calibration curve, slope and
    Brier score of `probability`, on held-out deals."""
    auc, low, high = auc_interval(score, won)
    return ModelMetrics(
        auc=auc,
        auc_low=low,
        auc_high=high,
        lift=lift_by_decile(score, won),
        calibration=calibration_curve(probability, won),
        calibration_slope=calibration_slope(probability, won)[1],
        brier=brier_score(probability, won),
    )


def total_effects(fit: LogisticFit, x: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Return per fitted signal its total log-odds per standard deviation and their covariance
    (a signals x signals frame): an event also raises the urgency pillar by its current points,
    so an activity's total adds that path when the urgency pillar is fitted."""
    columns = list(x.columns)
    sd = x.to_numpy(dtype="float64").std(axis=0)
    combination = np.eye(len(columns))
    current = {a: r.points for a, r in model.activity_points().items()}
    if "urgency" in columns:
        u = columns.index("urgency")
        for i, signal in enumerate(columns):
            if signal in current and sd[u] > 0:
                combination[i, u] = current[signal] * sd[i] / sd[u]
    estimate = combination @ fit.coef[1:]
    covariance = combination @ fit.covariance[1:, 1:] @ combination.T
    return pd.DataFrame(covariance, index=columns, columns=columns).assign(estimate=estimate)


def coefficient_table(
    fit: LogisticFit,
    design: pd.DataFrame,
    fitted: list[str],
    model: ScoringModel,
    dropped: Mapping[str, str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Return per signal: label, kind, training support, odds ratio per SD with its interval
    (own, all else fixed; and in total), effect per unit, recalibrated points, whether it may
    be headlined (seen on SMALL_SAMPLE leads or more) and why it was left out of the fit.

    `design` is the unstandardised training design, `fitted` its columns the fit used; a signal
    left out has no effect (NaN) and so keeps its current points.
    """
    x, columns = design[fitted], list(fitted)
    z = sps.norm.ppf(0.5 + confidence / 2)
    coef = fit.coef[1:]
    own_se = np.sqrt(np.diag(fit.covariance)[1:])
    effects = total_effects(fit, x, model)
    total, total_se = effects["estimate"].to_numpy(), np.sqrt(np.diag(effects[columns]))
    sd = x.to_numpy(dtype="float64").std(axis=0)
    current = {a: r.points for a, r in model.activity_points().items()}
    table = pd.DataFrame(
        {
            "signal": columns,
            "coefficient": coef,
            "odds_ratio": np.exp(coef),
            "odds_ratio_low": np.exp(coef - z * own_se),
            "odds_ratio_high": np.exp(coef + z * own_se),
            "effect_per_unit": np.where(sd > 0, total / np.where(sd > 0, sd, 1.0), np.nan),
            "total_odds_ratio": np.exp(total),
            "total_odds_ratio_low": np.exp(total - z * total_se),
            "total_odds_ratio_high": np.exp(total + z * total_se),
        }
    )
    reasons = dict(dropped or {})
    left_out = pd.DataFrame({"signal": list(reasons), "left_out": list(reasons.values())})
    table = pd.concat([table, left_out], ignore_index=True)
    table["support"] = table["signal"].map((design != 0).sum()).astype("int64")
    table["label"] = [signal_label(c, model) for c in table["signal"]]
    table["kind"] = np.select(
        [
            table["signal"].isin(list(PILLARS)),
            table["signal"].isin(list(current)),
            table["signal"].str.startswith(LEVEL_PREFIX),
        ],
        ["pillar", "activity", "attribute"],
        default="flag",
    )
    table["headline"] = table["support"] >= SMALL_SAMPLE
    table["points"] = table["signal"].map(recalibrated_points(table, model))
    strength = np.nan_to_num(np.abs(np.log(table["total_odds_ratio"].to_numpy())))
    return table.iloc[np.argsort(-strength, kind="stable")].reset_index(drop=True)


def recalibrated_points(table: pd.DataFrame, model: ScoringModel) -> dict[str, float]:
    """Return new points per activity type: effect per event scaled to today's largest points.

    Only signals seen on SMALL_SAMPLE training leads or more are re-pointed: a rarer one's
    effect is noise (a handful of deals), so it keeps its current points.
    """
    rows = table.set_index("signal")
    effect = rows["effect_per_unit"].where(rows["support"] >= SMALL_SAMPLE)
    behaviour = effect.reindex(list(model.behavior_points)).clip(lower=0.0)
    top = float(behaviour.max()) if len(behaviour) else 0.0
    if not top > 0:
        return {a: r.points for a, r in model.activity_points().items()}
    most = max(r.points for r in model.behavior_points.values())
    intent = effect.reindex(list(model.intent_points))
    # A rare signal's per-event effect is noisy (tiny SD); keep every type within today's range.
    scaled = (pd.concat([behaviour, intent]) * (most / top)).clip(-most, most)
    # a signal left out of the fit has no effect measured: it keeps its current points
    current = {a: r.points for a, r in model.activity_points().items()}
    return {
        str(a): round(float(v), 1) if pd.notna(v) else current[str(a)] for a, v in scaled.items()
    }


def pillar_weights(x: pd.DataFrame, won: np.ndarray, l2: float) -> dict[str, float] | None:
    """Return pillar weights ∝ positive pillars-only coefficients per pillar point; None if none."""
    mean, sd = standardiser(x)
    w = fit_logistic((x.to_numpy(dtype="float64") - mean) / sd, won, l2)
    raw = np.clip(w[1:] / sd, 0.0, None)
    if raw.sum() <= 0:
        return None
    share = np.round(raw / raw.sum(), 4)
    share[np.argmax(share)] += 1.0 - share.sum()  # rounding leftovers go to the largest weight
    return {p: float(s) for p, s in zip(PILLARS, share, strict=True)}


def pooled_weights(
    x: pd.DataFrame, won: np.ndarray, model: ScoringModel, l2: float
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Return the same fitted pillar weights for every segment (current ones kept, with a
    warning, when no pillar predicts wins).

    One set for all: a score must rank leads across segments alike (bands, lift and AUC are
    read across them). Weights fitted per segment on a few hundred deals each put one segment's
    leads above another's by construction: on the sample, mid-market's own fit gave the risk
    pillar 0.66 and the held-out AUC fell from 0.72 to 0.59. Thresholds stay per segment.
    """
    weights = pillar_weights(x[list(PILLARS)], won, l2)
    if weights is None:
        kept = {
            n: {p: getattr(pol.pillar_weights, p) for p in PILLARS}
            for n, pol in model.policies.items()
        }
        return kept, ["no pillar predicts wins: the current pillar weights are kept"]
    return {name: dict(weights) for name in model.policies}, []


def fitted_model(
    model: ScoringModel, weights: dict[str, dict[str, float]], points: dict[str, float], note: str
) -> ScoringModel:
    """Return a validated copy of `model` with new pillar weights and points (caps kept)."""
    policies = {
        name: replace(policy, pillar_weights=PillarWeights(**weights[name]))
        for name, policy in model.policies.items()
    }

    def table(current: Mapping[str, ActivityPoints]) -> dict[str, ActivityPoints]:
        return {a: replace(r, points=points.get(a, r.points)) for a, r in current.items()}

    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
    return with_changes(
        model,
        version=model.version + 1,
        author="Qualify recalibration",
        note=note,
        created_at=now,
        policies=policies,
        behavior_points=table(model.behavior_points),
        intent_points=table(model.intent_points),
    )
