"""The logistic fit, its held-out metrics, and its coefficients mapped back to model settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from scipy import optimize, special

from lib.evaluate.design import (
    signal_label,
)
from lib.metrics.stats import calibration_curve, lift_by_decile, roc_auc
from lib.model import (
    PILLARS,
    ActivityPoints,
    PillarWeights,
    ScoringModel,
    with_changes,
)


@dataclass(frozen=True)
class ModelMetrics:
    """One model's held-out performance: ROC AUC, lift by decile, calibration by bin."""

    auc: float
    lift: pd.DataFrame
    calibration: pd.DataFrame


def standardiser(x: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return per column mean and standard deviation (1 for a constant column)."""
    values = x.to_numpy(dtype="float64")
    sd = values.std(axis=0)
    return values.mean(axis=0), np.where(sd > 0, sd, 1.0)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Return [intercept, coefficients...] minimising log-loss + l2/2 |coef|^2 (L-BFGS-B)."""

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = w[0] + x @ w[1:]
        resid = special.expit(z) - y
        value = np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * w[1:] @ w[1:]
        return float(value), np.concatenate([[resid.sum()], x.T @ resid + l2 * w[1:]])

    rate = np.clip(y.mean(), 1e-6, 1 - 1e-6)
    start = np.concatenate([[np.log(rate / (1 - rate))], np.zeros(x.shape[1])])
    result = optimize.minimize(loss, start, jac=True, method="L-BFGS-B")
    return np.asarray(result.x)


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return predicted win probabilities for standardised inputs."""
    return np.asarray(special.expit(w[0] + x @ w[1:]))


def score_to_probability(
    train_score: np.ndarray, train_won: np.ndarray, score: np.ndarray
) -> np.ndarray:
    """Return win probabilities for scores, by a one-input logistic fit on the TRAIN scores."""
    mean, sd = train_score.mean(), train_score.std() or 1.0
    w = fit_logistic(((train_score - mean) / sd)[:, None], train_won, l2=1e-3)
    return predict(w, ((score - mean) / sd)[:, None])


def model_metrics(score: np.ndarray, probability: np.ndarray, won: np.ndarray) -> ModelMetrics:
    """Return AUC and lift of `score` and the calibration of `probability` on held-out deals."""
    return ModelMetrics(
        auc=roc_auc(score, won),
        lift=lift_by_decile(score, won),
        calibration=calibration_curve(probability, won),
    )


def coefficient_table(w: np.ndarray, x: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Return per signal: label, kind, coefficient and odds ratio per SD, total effect, points.

    `x` is the unstandardised training design; a signal that never varies there gets no
    effect (NaN) and so keeps its current points.
    """
    columns = list(x.columns)
    coef = pd.Series(w[1:], index=columns)
    sd = x.to_numpy(dtype="float64").std(axis=0)
    per_unit = (coef / pd.Series(sd, index=columns)).where(sd > 0)
    current = {a: r.points for a, r in model.activity_points().items()}
    # An event also raises the urgency pillar by its current points: count that path too.
    through_urgency = pd.Series(current).reindex(columns).fillna(0.0) * per_unit["urgency"]
    total = np.where(coef.index.isin(list(current)), per_unit + through_urgency, per_unit)
    kind = np.select(
        [coef.index.isin(list(PILLARS)), coef.index.isin(list(current))],
        ["pillar", "activity"],
        default="flag",
    )
    table = pd.DataFrame(
        {
            "signal": columns,
            "label": [signal_label(c, model) for c in columns],
            "kind": kind,
            "coefficient": coef.to_numpy(),
            "odds_ratio": np.exp(coef.to_numpy()),
            "effect_per_unit": total,
            "total_odds_ratio": np.exp(total * sd),
        }
    )
    points = recalibrated_points(table, model)
    table["points"] = table["signal"].map(points)
    strength = np.nan_to_num(np.abs(np.log(table["total_odds_ratio"].to_numpy())))
    order = np.argsort(-strength, kind="stable")
    return table.iloc[order].reset_index(drop=True)


def recalibrated_points(table: pd.DataFrame, model: ScoringModel) -> dict[str, float]:
    """Return new points per activity type: effect per event scaled to today's largest points."""
    effect = table.set_index("signal")["effect_per_unit"]
    behaviour = effect.reindex(list(model.behavior_points)).clip(lower=0.0)
    top = float(behaviour.max()) if len(behaviour) else 0.0
    if top <= 0:
        return {a: r.points for a, r in model.activity_points().items()}
    most = max(r.points for r in model.behavior_points.values())
    intent = effect.reindex(list(model.intent_points))
    # A rare signal's per-event effect is noisy (tiny SD); keep every type within today's range.
    scaled = (pd.concat([behaviour, intent]) * (most / top)).clip(-most, most)
    return {str(a): round(float(v), 1) for a, v in scaled.items()}


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


def weights_by_segment(
    x: pd.DataFrame,
    won: np.ndarray,
    segment: np.ndarray,
    model: ScoringModel,
    l2: float,
    min_segment_deals: int,
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Return pillar weights per segment (pooled when a segment is small) and warnings."""
    pillars = x[list(PILLARS)]
    pooled = pillar_weights(pillars, won, l2)
    out, warnings = {}, []
    for rule in model.segments:
        mine = segment == rule.name
        enough = mine.sum() >= min_segment_deals and 0 < won[mine].sum() < mine.sum()
        weights = pillar_weights(pillars[mine], won[mine], l2) if enough else pooled
        if not enough:
            warnings.append(
                f"{rule.name}: {int(mine.sum())} closed deals in training "
                f"(< {min_segment_deals}); its pillar weights are fitted on all"
            )
        if weights is None:
            current = model.policies[rule.name].pillar_weights
            weights = {p: getattr(current, p) for p in PILLARS}
            warnings.append(f"{rule.name}: no pillar predicts wins; current weights kept")
        out[rule.name] = weights
    return out, warnings


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
