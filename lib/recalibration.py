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
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import optimize, special

from lib.db import run_query
from lib.errors import QualifyError
from lib.features import AGE_BUCKET_NAMES, bucket_column, decay_weights, history_features
from lib.model import (
    PILLARS,
    ActivityPoints,
    PillarWeights,
    ScoringModel,
    model_to_dict,
    publish_model,
    save_model,
    with_changes,
)
from lib.scoring import (
    FeatureMatrix,
    feature_matrix,
    grade_parts,
    risk_parts,
    score_arrays,
    segment_codes,
)
from lib.segments import assign_segments
from lib.stats import calibration_curve, lift_by_decile, roc_auc

MIN_CLOSED_DEALS = 500  # DESIGN.md: below about 500 closed deals a fitted model is not trusted
MIN_SEGMENT_DEALS = 200  # fewer closed deals in a segment: its pillar weights come from all
PILLAR_LABELS = {"fit": "fit pillar (grade)", "value": "value pillar (deal size)",
                 "urgency": "urgency pillar (behaviour)", "authority": "authority pillar",
                 "risk": "risk pillar (100 = no risk)"}
FLAG_PARTS = {"icp_industry": ("grade", "ICP industry"),
              "size_fits": ("grade", "company size fits segment"),
              "wrong_size": ("grade", "wrong company size"),
              "stale": ("risk", "stale record"), "bounced": ("risk", "bounced email"),
              "blank_firmographics": ("risk", "blank firmographics")}
# No flag for recent competitor research: the decayed competitor-research count carries it, and
# both together fit as a +/- pair (+4.2 per event, -4.2 for the flag on the sample) whose net
# effect a points table cannot express.
FLAG_LABELS = {"icp_industry": "ICP industry", "size_fits": "company size fits its segment",
               "wrong_size": "wrong company size", "stale": "stale record",
               "bounced": "bounced email",
               "blank_firmographics": "blank firmographics",
               "engaged_colleagues": "engaged colleagues on the account"}


class RecalibrationError(QualifyError):
    """History that cannot be fitted (too few deals, one outcome only) or an unknown file type."""


class UntrustedRecalibration(RecalibrationError):
    """Exporting or publishing a model fitted on too few closed deals without `force=True`."""


@dataclass(frozen=True)
class ModelMetrics:
    """One model's held-out performance: ROC AUC, lift by decile, calibration by bin."""

    auc: float
    lift: pd.DataFrame
    calibration: pd.DataFrame


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


# --- training data --------------------------------------------------------------------------

def training_frame(conn: duckdb.DuckDBPyConnection, model: ScoringModel) -> pd.DataFrame:
    """Return one row per lead with a closed deal: point-in-time features, won, lost, close_date."""
    # Measured at each lead's routing moment, so the fit never sees post-outcome activity.
    features = history_features(conn, model=model)
    # closed_on is the source (latest) opportunity's; a lead whose closed deal is an older one
    # still gets a date from its last closed opportunity.
    closed = run_query(conn, "recal_closed_deals").set_index("lead_id")["close_date"]
    close_date = pd.to_datetime(features["closed_on"]).fillna(
        pd.to_datetime(features["lead_id"].map(closed)))
    frame = features.assign(close_date=close_date)
    return frame[frame["won"] | frame["lost"]].reset_index(drop=True)


def out_of_time_split(deals: pd.DataFrame,
                      test_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (train, test): deals sorted by close date, the newest `test_share` held out."""
    if not 0 < test_share < 1:
        raise RecalibrationError(f"test_share must be between 0 and 1, got {test_share}")
    ordered = deals.sort_values(["close_date", "lead_id"], kind="stable").reset_index(drop=True)
    n_test = int(round(len(ordered) * test_share))
    cut = len(ordered) - n_test
    return ordered.iloc[:cut].reset_index(drop=True), ordered.iloc[cut:].reset_index(drop=True)


# --- design matrix --------------------------------------------------------------------------

def activity_signals(model: ScoringModel) -> list[str]:
    """Return the activity types the model scores (behaviour then intent)."""
    return list(model.activity_points())


def decayed_counts(features: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Return per lead and scored activity type its decayed events, capped where points cap."""
    weights = decay_weights(model.half_life_days)
    out = {}
    for activity, rule in model.activity_points().items():
        counts = features[[bucket_column(activity, b) for b in AGE_BUCKET_NAMES]]
        decayed = counts.to_numpy(dtype="float64") @ weights
        # events past the cap add nothing to the score, so they must add nothing here either
        limit = rule.cap / abs(rule.points) if rule.points else np.inf
        out[activity] = np.minimum(decayed, limit)
    return pd.DataFrame(out, index=features.index)


def signal_flags(features: pd.DataFrame, matrix: FeatureMatrix,
                 model: ScoringModel) -> pd.DataFrame:
    """Return per lead the 0/1 grade and risk flags, one seniority flag per rule, colleagues."""
    seg, names = segment_codes(matrix, model)
    parts = {"grade": grade_parts(matrix, model, seg, names),
             "risk": risk_parts(matrix, model, seg, names)}
    flags = {name: (parts[kind][label] != 0).astype("float64")
             for name, (kind, label) in FLAG_PARTS.items()}
    seniority = features["seniority"].to_numpy()
    for rule in model.grade.seniority:
        flags[f"seniority_{rule.name}"] = (seniority == rule.name).astype("float64")
    flags["engaged_colleagues"] = matrix.engaged_colleagues.astype("float64")
    return pd.DataFrame(flags, index=features.index)


def design_matrix(features: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Return one row per lead: the five pillars under `model`, decayed activity, flags."""
    matrix = feature_matrix(features)
    scores = score_arrays(matrix, model)
    pillars = pd.DataFrame({p: getattr(scores, p).astype("float64") for p in PILLARS},
                           index=features.index)
    return pd.concat([pillars, decayed_counts(features, model),
                      signal_flags(features, matrix, model)], axis=1)


def signal_label(signal: str, model: ScoringModel) -> str:
    """Return the words people use for a design-matrix column."""
    if signal in PILLAR_LABELS:
        return PILLAR_LABELS[signal]
    if signal in model.activity_points():
        return signal.replace("_", " ") + "s"
    if signal.startswith("seniority_"):
        rules = {r.name: r.label for r in model.grade.seniority}
        return rules.get(signal.removeprefix("seniority_"), signal)
    return FLAG_LABELS.get(signal, signal.replace("_", " "))


# --- the fit --------------------------------------------------------------------------------

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


def score_to_probability(train_score: np.ndarray, train_won: np.ndarray,
                         score: np.ndarray) -> np.ndarray:
    """Return win probabilities for scores, by a one-input logistic fit on the TRAIN scores."""
    mean, sd = train_score.mean(), train_score.std() or 1.0
    w = fit_logistic(((train_score - mean) / sd)[:, None], train_won, l2=1e-3)
    return predict(w, ((score - mean) / sd)[:, None])


# --- metrics --------------------------------------------------------------------------------

def model_metrics(score: np.ndarray, probability: np.ndarray, won: np.ndarray) -> ModelMetrics:
    """Return AUC and lift of `score` and the calibration of `probability` on held-out deals."""
    return ModelMetrics(auc=roc_auc(score, won), lift=lift_by_decile(score, won),
                        calibration=calibration_curve(probability, won))


# --- coefficients back to the model's scale -------------------------------------------------

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
    kind = np.select([coef.index.isin(list(PILLARS)), coef.index.isin(list(current))],
                     ["pillar", "activity"], default="flag")
    table = pd.DataFrame({
        "signal": columns, "label": [signal_label(c, model) for c in columns], "kind": kind,
        "coefficient": coef.to_numpy(), "odds_ratio": np.exp(coef.to_numpy()),
        "effect_per_unit": total, "total_odds_ratio": np.exp(total * sd)})
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


def weights_by_segment(x: pd.DataFrame, won: np.ndarray, segment: np.ndarray,
                       model: ScoringModel, l2: float,
                       min_segment_deals: int) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Return pillar weights per segment (pooled when a segment is small) and warnings."""
    pillars = x[list(PILLARS)]
    pooled = pillar_weights(pillars, won, l2)
    out, warnings = {}, []
    for rule in model.segments:
        mine = segment == rule.name
        enough = mine.sum() >= min_segment_deals and 0 < won[mine].sum() < mine.sum()
        weights = pillar_weights(pillars[mine], won[mine], l2) if enough else pooled
        if not enough:
            warnings.append(f"{rule.name}: {int(mine.sum())} closed deals in training "
                            f"(< {min_segment_deals}); its pillar weights are fitted on all")
        if weights is None:
            current = model.policies[rule.name].pillar_weights
            weights = {p: getattr(current, p) for p in PILLARS}
            warnings.append(f"{rule.name}: no pillar predicts wins; current weights kept")
        out[rule.name] = weights
    return out, warnings


def fitted_model(model: ScoringModel, weights: dict[str, dict[str, float]],
                 points: dict[str, float], note: str) -> ScoringModel:
    """Return a validated copy of `model` with new pillar weights and points (caps kept)."""
    policies = {name: replace(policy, pillar_weights=PillarWeights(**weights[name]))
                for name, policy in model.policies.items()}

    def table(current: dict[str, ActivityPoints]) -> dict[str, ActivityPoints]:
        return {a: replace(r, points=points.get(a, r.points)) for a, r in current.items()}
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
    return with_changes(model, version=model.version + 1, author="Qualify recalibration",
                        note=note, created_at=now, policies=policies,
                        behavior_points=table(model.behavior_points),
                        intent_points=table(model.intent_points))


# --- the whole recalibration ----------------------------------------------------------------

def qualification(features: pd.DataFrame, model: ScoringModel) -> np.ndarray:
    """Return the 0-100 qualification score per lead under `model`."""
    return score_arrays(feature_matrix(features), model).qualification_score.astype("float64")


def closed_deals(source: duckdb.DuckDBPyConnection | pd.DataFrame,
                 model: ScoringModel) -> pd.DataFrame:
    """Return the closed deals to learn from: a training frame, or one read from the database."""
    deals = source if isinstance(source, pd.DataFrame) else training_frame(source, model)
    deals = deals[deals["won"].astype(bool) | deals["lost"].astype(bool)]
    if len(deals) < 20 or deals["won"].astype(bool).nunique() < 2:
        raise RecalibrationError(
            f"Cannot recalibrate on {len(deals)} closed deals: need at least 20, won and lost")
    return deals.reset_index(drop=True)


def _period(frame: pd.DataFrame) -> tuple[date, date]:
    dates = pd.to_datetime(frame["close_date"])
    return dates.min().date(), dates.max().date()


def _won(frame: pd.DataFrame) -> np.ndarray:
    return frame["won"].astype(bool).to_numpy().astype("float64")


def recalibrate(source: duckdb.DuckDBPyConnection | pd.DataFrame, model: ScoringModel, *,
                min_closed_deals: int = MIN_CLOSED_DEALS, test_share: float = 0.25,
                l2: float = 1.0, min_segment_deals: int = MIN_SEGMENT_DEALS) -> Recalibration:
    """Return the model re-fitted on older closed deals and validated on the newest ones."""
    deals = closed_deals(source, model)
    train, test = out_of_time_split(deals, test_share)
    if _won(train).min() == _won(train).max():
        raise RecalibrationError("The training period holds only one outcome; cannot fit")
    x_train, x_test = design_matrix(train, model), design_matrix(test, model)
    mean, sd = standardiser(x_train)
    w = fit_logistic((x_train.to_numpy() - mean) / sd, _won(train), l2)
    coefficients = coefficient_table(w, x_train, model)
    segment = np.asarray(assign_segments(train["annual_revenue_usd"], train["employees"],
                                         model.segments))
    weights, warnings = weights_by_segment(x_train, _won(train), segment, model, l2,
                                           min_segment_deals)
    points = {str(k): float(v) for k, v in
              coefficients.set_index("signal")["points"].dropna().items()}
    new = fitted_model(model, weights, points, note="recalibrated")
    fitted_probability = predict(w, (x_test.to_numpy() - mean) / sd)
    metrics = {"fitted": model_metrics(fitted_probability, fitted_probability, _won(test)),
               "recalibrated": _score_metrics(train, test, new),
               "current": _score_metrics(train, test, model)}
    new = replace(new, note=_note(model, len(deals), train, test, metrics))
    trusted = len(deals) >= min_closed_deals
    if not trusted:
        warnings.insert(0, f"Only {len(deals)} closed deals (< {min_closed_deals}): the "
                           "recalibrated model is not trusted; export or publish needs force")
    if np.isnan(metrics["current"].auc):
        warnings.append("The test period holds only one outcome: AUC cannot be measured")
    return Recalibration(
        model=new, current_model=model, coefficients=coefficients, metrics=metrics,
        closed_deals=len(deals), train_size=len(train), test_size=len(test),
        train_period=_period(train), test_period=_period(test), trusted=trusted,
        warnings=tuple(warnings), findings=findings(coefficients, metrics, _period(test)))


def _score_metrics(train: pd.DataFrame, test: pd.DataFrame, model: ScoringModel) -> ModelMetrics:
    """Return a scoring model's held-out metrics; scores map to probabilities on train only."""
    score = qualification(test, model)
    probability = score_to_probability(qualification(train, model), _won(train), score)
    return model_metrics(score, probability, _won(test))


def _note(model: ScoringModel, deals: int, train: pd.DataFrame, test: pd.DataFrame,
          metrics: dict[str, ModelMetrics]) -> str:
    start, end = _period(train)
    return (f"Recalibrated from model version {model.version} on {deals} closed deals "
            f"(trained on {len(train)} closed {start} to {end}, tested on the newest "
            f"{len(test)}); test AUC {metrics['recalibrated'].auc:.3f} vs "
            f"{metrics['current'].auc:.3f} for the current model")


def findings(coefficients: pd.DataFrame, metrics: dict[str, ModelMetrics],
             test_period: tuple[date, date]) -> tuple[str, ...]:
    """Return sentences people read: held-out AUCs, strongest signals, activity compared."""
    auc = {name: m.auc for name, m in metrics.items()}
    lines = [f"On the held-out period {test_period[0]} to {test_period[1]} the recalibrated "
             f"model ranks a won deal above a lost one {auc['recalibrated']:.1%} of the time "
             f"(AUC), the current model {auc['current']:.1%}, the full fit "
             f"{auc['fitted']:.1%}."]
    top = coefficients.head(3)
    lines.append("Strongest signals (odds per standard deviation): " + "; ".join(
        f"{r.label} ×{r.total_odds_ratio:.2f}" for r in top.itertuples()) + ".")
    compared = activity_comparison(coefficients)
    return tuple(lines + ([compared] if compared else []))


def activity_comparison(coefficients: pd.DataFrame, against: str = "demo_request") -> str:
    """Return 'pricing page views predict 2.1× as strongly as demo requests (...)' or ''."""
    activity = coefficients[(coefficients["kind"] == "activity")
                            & coefficients["total_odds_ratio"].notna()].set_index("signal")
    if len(activity) < 2:
        return ""
    strength = np.log(activity["total_odds_ratio"])
    best = str(strength.idxmax())
    other = against if against in activity.index and against != best else str(
        strength.drop(best).idxmax())
    a, b = activity.loc[best], activity.loc[other]
    odds = f"odds ×{a.total_odds_ratio:.2f} vs ×{b.total_odds_ratio:.2f} per standard deviation"
    if strength[other] <= 0.1 * strength[best]:
        return f"{a.label.capitalize()} predict wins; {b.label} add little beyond them ({odds})."
    ratio = strength[best] / strength[other]
    return f"{a.label.capitalize()} predict {ratio:.1f}× as strongly as {b.label} ({odds})."


# --- outputs --------------------------------------------------------------------------------

def weights_table(result: Recalibration) -> pd.DataFrame:
    """Return one CSV-ready row per setting changed: kind, segment, name, current, recalibrated."""
    rows = []
    for name, policy in result.model.policies.items():
        old = result.current_model.policies[name].pillar_weights
        rows += [("pillar weight", name, p, getattr(old, p), getattr(policy.pillar_weights, p))
                 for p in PILLARS]
    old_points = result.current_model.activity_points()
    rows += [("points per event", "all", a, old_points[a].points, r.points)
             for a, r in result.model.activity_points().items()]
    table = pd.DataFrame(rows, columns=["setting", "segment", "name", "current", "recalibrated"])
    odds = result.coefficients.set_index("signal")["total_odds_ratio"]
    return table.assign(change=table["recalibrated"] - table["current"],
                        odds_ratio_per_sd=table["name"].map(odds))


def _refuse_untrusted(result: Recalibration, force: bool) -> None:
    if not result.trusted and not force:
        raise UntrustedRecalibration(
            f"Refusing: the model was fitted on {result.closed_deals} closed deals, fewer than "
            "the minimum; pass force=True (--force) to export or publish it anyway")


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


def publish_recalibrated(conn: duckdb.DuckDBPyConnection, result: Recalibration, author: str,
                         force: bool = False) -> ScoringModel:
    """Publish the recalibrated model as the next version; refuse an untrusted one unless forced."""
    _refuse_untrusted(result, force)
    return publish_model(conn, result.model, author, result.model.note)
