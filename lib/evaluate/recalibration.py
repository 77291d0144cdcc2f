"""Re-fit the scoring weights from closed-won/lost history, validate out of time, export a model.

Which fit, and why. The target is binary (won or lost), so the fit is a logistic regression:
its coefficients are log-odds, which add up the same way the model's points do, so they map
back to pillar weights and points per event. It is L2-regularised (ridge) because the inputs
are correlated by construction (the urgency pillar is a capped sum of the activity counts, the
fit pillar of the grade flags) and because wins are the minority class (~25-30% of closed
deals): without a penalty, correlated columns trade huge opposite coefficients and a rare
signal can separate a small class perfectly. Classes are not re-weighted, so predicted
probabilities stay calibrated. The fit minimises the summed log-loss + l2/2 * |coef|^2
(intercept not penalised) with scipy's L-BFGS-B and the analytic gradient X'(p - y) + l2*coef,
on columns standardised with the TRAIN period's mean and standard deviation, so each
coefficient reads as log-odds per standard deviation and l2 treats every signal alike.

Three fits, each for one job:
- the joint fit (five pillars under the current model + every signal) gives the "fitted"
  model's predictions and the coefficient table (odds ratio per standard deviation, holding
  the other inputs fixed);
- a pillars-only fit per segment (pooled when a segment has too few deals) gives the pillar
  weights, because the qualification score IS a weighted sum of pillars, while the joint fit
  splits each pillar's credit with the signals it is made of;
- points per event come from the joint fit's total effect of one event: its own coefficient
  plus the urgency pillar's coefficient times the points that event earns today.

Validation is out of time: closed deals sorted by close date, the newest `test_share` held
out. The exported model is fitted on the training period only, so the test metrics describe
exactly the file that is written. Below `min_closed_deals` the result is not trusted and
exporting or publishing refuses unless forced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from lib.errors import RecalibrationError, UntrustedRecalibration
from lib.evaluate.design import (
    MIN_CLOSED_DEALS,
    MIN_SEGMENT_DEALS,
    design_matrix,
    out_of_time_split,
    training_frame,
)
from lib.evaluate.fit import (
    ModelMetrics,
    coefficient_table,
    fit_logistic,
    fitted_model,
    model_metrics,
    predict,
    score_to_probability,
    standardiser,
    weights_by_segment,
)
from lib.model import (
    PILLARS,
    ScoringModel,
    model_to_dict,
    save_model,
)
from lib.model.segments import assign_segments
from lib.scoring import (
    feature_matrix,
    score_arrays,
)
from lib.store.model_versions import publish_model


@dataclass(frozen=True)
class Recalibration:
    """A recalibrated model with its coefficients, held-out metrics and whether to trust it."""

    model: ScoringModel
    current_model: ScoringModel
    coefficients: pd.DataFrame
    metrics: dict[str, ModelMetrics]
    closed_deals: int
    train_size: int
    test_size: int
    train_period: tuple[date, date]
    test_period: tuple[date, date]
    trusted: bool
    warnings: tuple[str, ...]
    findings: tuple[str, ...]


def qualification(features: pd.DataFrame, model: ScoringModel) -> np.ndarray:
    """Return the 0-100 qualification score per lead under `model`."""
    return score_arrays(feature_matrix(features), model).qualification_score.astype("float64")


def closed_deals(
    source: duckdb.DuckDBPyConnection | pd.DataFrame, model: ScoringModel
) -> pd.DataFrame:
    """Return the closed deals to learn from: a training frame, or one read from the database."""
    deals = source if isinstance(source, pd.DataFrame) else training_frame(source, model)
    deals = deals[deals["won"].astype(bool) | deals["lost"].astype(bool)]
    if len(deals) < 20 or deals["won"].astype(bool).nunique() < 2:
        raise RecalibrationError(
            f"Cannot recalibrate on {len(deals)} closed deals: need at least 20, won and lost"
        )
    return deals.reset_index(drop=True)


def _period(frame: pd.DataFrame) -> tuple[date, date]:
    dates = pd.to_datetime(frame["close_date"])
    return dates.min().date(), dates.max().date()


def _won(frame: pd.DataFrame) -> np.ndarray:
    return frame["won"].astype(bool).to_numpy().astype("float64")


def recalibrate(
    source: duckdb.DuckDBPyConnection | pd.DataFrame,
    model: ScoringModel,
    *,
    min_closed_deals: int = MIN_CLOSED_DEALS,
    test_share: float = 0.25,
    l2: float = 1.0,
    min_segment_deals: int = MIN_SEGMENT_DEALS,
) -> Recalibration:
    """Return the model re-fitted on older closed deals and validated on the newest ones."""
    deals = closed_deals(source, model)
    train, test = out_of_time_split(deals, test_share)
    if _won(train).min() == _won(train).max():
        raise RecalibrationError("The training period holds only one outcome; cannot fit")
    x_train, x_test = design_matrix(train, model), design_matrix(test, model)
    mean, sd = standardiser(x_train)
    w = fit_logistic((x_train.to_numpy() - mean) / sd, _won(train), l2)
    coefficients = coefficient_table(w, x_train, model)
    segment = np.asarray(
        assign_segments(
            train["annual_revenue_usd"],
            train["employees"],
            model.segments,
            train.get("stated_segment"),
        )
    )
    weights, warnings = weights_by_segment(
        x_train, _won(train), segment, model, l2, min_segment_deals
    )
    points = {
        str(k): float(v) for k, v in coefficients.set_index("signal")["points"].dropna().items()
    }
    new = fitted_model(model, weights, points, note="recalibrated")
    fitted_probability = predict(w, (x_test.to_numpy() - mean) / sd)
    metrics = {
        "fitted": model_metrics(fitted_probability, fitted_probability, _won(test)),
        "recalibrated": _score_metrics(train, test, new),
        "current": _score_metrics(train, test, model),
    }
    new = replace(new, note=_note(model, len(deals), train, test, metrics))
    trusted = len(deals) >= min_closed_deals
    if not trusted:
        warnings.insert(
            0,
            f"Only {len(deals)} closed deals (< {min_closed_deals}): the "
            "recalibrated model is not trusted; export or publish needs force",
        )
    if np.isnan(metrics["current"].auc):
        warnings.append("The test period holds only one outcome: AUC cannot be measured")
    return Recalibration(
        model=new,
        current_model=model,
        coefficients=coefficients,
        metrics=metrics,
        closed_deals=len(deals),
        train_size=len(train),
        test_size=len(test),
        train_period=_period(train),
        test_period=_period(test),
        trusted=trusted,
        warnings=tuple(warnings),
        findings=findings(coefficients, metrics, _period(test)),
    )


def _score_metrics(train: pd.DataFrame, test: pd.DataFrame, model: ScoringModel) -> ModelMetrics:
    """Return a scoring model's held-out metrics; scores map to probabilities on train only."""
    score = qualification(test, model)
    probability = score_to_probability(qualification(train, model), _won(train), score)
    return model_metrics(score, probability, _won(test))


def _note(
    model: ScoringModel,
    deals: int,
    train: pd.DataFrame,
    test: pd.DataFrame,
    metrics: dict[str, ModelMetrics],
) -> str:
    start, end = _period(train)
    return (
        f"Recalibrated from model version {model.version} on {deals} closed deals "
        f"(trained on {len(train)} closed {start} to {end}, tested on the newest "
        f"{len(test)}); test AUC {metrics['recalibrated'].auc:.3f} vs "
        f"{metrics['current'].auc:.3f} for the current model"
    )


def findings(
    coefficients: pd.DataFrame, metrics: dict[str, ModelMetrics], test_period: tuple[date, date]
) -> tuple[str, ...]:
    """Return sentences people read: held-out AUCs, strongest signals, activity compared."""
    auc = {name: m.auc for name, m in metrics.items()}
    lines = [
        f"On the held-out period {test_period[0]} to {test_period[1]} the recalibrated "
        f"model ranks a won deal above a lost one {auc['recalibrated']:.1%} of the time "
        f"(AUC), the current model {auc['current']:.1%}, the full fit "
        f"{auc['fitted']:.1%}."
    ]
    top = coefficients.head(3)
    lines.append(
        "Strongest signals (odds per standard deviation): "
        + "; ".join(f"{r.label} ×{r.total_odds_ratio:.2f}" for r in top.itertuples())
        + "."
    )
    compared = activity_comparison(coefficients)
    return tuple(lines + ([compared] if compared else []))


def activity_comparison(coefficients: pd.DataFrame, against: str = "demo_request") -> str:
    """Return 'pricing page views predict 2.1× as strongly as demo requests (...)' or ''."""
    activity = coefficients[
        (coefficients["kind"] == "activity") & coefficients["total_odds_ratio"].notna()
    ].set_index("signal")
    if len(activity) < 2:
        return ""
    strength = np.log(activity["total_odds_ratio"])
    best = str(strength.idxmax())
    other = (
        against
        if against in activity.index and against != best
        else str(strength.drop(best).idxmax())
    )
    a, b = activity.loc[best], activity.loc[other]
    odds = f"odds ×{a.total_odds_ratio:.2f} vs ×{b.total_odds_ratio:.2f} per standard deviation"
    if strength[other] <= 0.1 * strength[best]:
        return f"{a.label.capitalize()} predict wins; {b.label} add little beyond them ({odds})."
    ratio = strength[best] / strength[other]
    return f"{a.label.capitalize()} predict {ratio:.1f}× as strongly as {b.label} ({odds})."


def weights_table(result: Recalibration) -> pd.DataFrame:
    """Return one CSV-ready row per setting changed: kind, segment, name, current, recalibrated."""
    rows = []
    for name, policy in result.model.policies.items():
        old = result.current_model.policies[name].pillar_weights
        rows += [
            ("pillar weight", name, p, getattr(old, p), getattr(policy.pillar_weights, p))
            for p in PILLARS
        ]
    old_points = result.current_model.activity_points()
    rows += [
        ("points per event", "all", a, old_points[a].points, r.points)
        for a, r in result.model.activity_points().items()
    ]
    table = pd.DataFrame(rows, columns=["setting", "segment", "name", "current", "recalibrated"])
    odds = result.coefficients.set_index("signal")["total_odds_ratio"]
    return table.assign(
        change=table["recalibrated"] - table["current"], odds_ratio_per_sd=table["name"].map(odds)
    )


def _refuse_untrusted(result: Recalibration, force: bool) -> None:
    if not result.trusted and not force:
        raise UntrustedRecalibration(
            f"Refusing: the model was fitted on {result.closed_deals} closed deals, fewer than "
            "the minimum; pass force=True (--force) to export or publish it anyway"
        )


def export_recalibrated(result: Recalibration, path: str | Path, force: bool = False) -> Path:
    """Write the model as YAML or JSON by suffix; refuse an untrusted one unless forced."""
    _refuse_untrusted(result, force)
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".yaml", ".yml"):
        save_model(result.model, target)
    elif suffix == ".json":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(model_to_dict(result.model), indent=2), encoding="utf-8")
    else:
        raise RecalibrationError(f"{target}: write a .yaml, .yml or .json model file")
    return target


def publish_recalibrated(
    conn: duckdb.DuckDBPyConnection, result: Recalibration, author: str, force: bool = False
) -> ScoringModel:
    """Publish the recalibrated model as the next version; refuse an untrusted one unless forced,
    and (VersionConflict) one fitted from a model that is no longer the newest version."""
    _refuse_untrusted(result, force)
    return publish_model(
        conn, result.model, author, result.model.note, based_on=result.current_model.version
    )
