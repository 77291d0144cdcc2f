"""Re-fit the scoring weights from closed-won/lost history, validate out of time, export a model.

Which fit, and why. The target is binary (won or lost), so the fit is a logistic regression:
its coefficients are log-odds, which add up the same way the model's points do, so they map
back to pillar weights and points per event. An input the others explain exactly adds
only noise, so it is left out first: a constant column, and a pillar the other inputs explain
(R-squared >= 0.999: the urgency pillar is a capped sum of the activity counts). The fit is
L2-regularised (ridge) because the inputs stay correlated (the fit pillar and the grade flags)
and wins are the minority class (~25-30% of closed deals): without a penalty, correlated columns
trade huge opposite coefficients and a rare signal separates a small class perfectly. The
penalty C (scikit-learn's: log-loss summed + |coef|^2 / 2C, intercept free) is chosen by
time-ordered cross-validation on the training period (each fold learns from the deals before
it), on held-out log-loss. Classes are not re-weighted, so probabilities stay calibrated. scipy's
L-BFGS-B minimises it with the analytic gradient on columns standardised with the TRAIN
period's mean and standard deviation, so each coefficient reads as log-odds per standard
deviation; a fit that does not converge is not trusted. Intervals on odds ratios come from the
inverse penalised Hessian.

Three fits, each for one job:
- the joint fit (five pillars under the current model + every signal) gives the "fitted"
  model's predictions and the coefficient table (odds ratio per standard deviation, holding
  the other inputs fixed);
- a pillars-only fit gives the pillar weights, one set for every segment (so scores rank leads
  across segments alike), because the qualification score IS a weighted sum of pillars, while
  the joint fit splits each pillar's credit with the signals it is made of;
- points per event come from the joint fit's total effect of one event: its own coefficient
  plus the urgency pillar's coefficient times the points that event earns today;
- rules on lead attributes (lib.evaluate.attribute_fit) come from a fit of the pillars and the
  attributes' levels: a level's log-odds over the attribute's most common value, in points of
  the pillar the rule adds to. The joint fit holds the levels too. Attributes flagged as likely
  leakage are left out unless kept (`keep_attributes`); the model's earlier rules on the
  fitted attributes are replaced.

The recalibrated model also gets a score scale under which its scores on history spread as
today's do (lib.evaluate.routing), so bands and thresholds keep their meaning; what it would do
to routing (stage counts, MQL->SQL, SQL win rate on every lead at its routing moment) is shown
beside the current model's, and `with_mql_volume` re-fits thresholds to keep a chosen volume.

Validation is out of time: leads with a closed deal sorted by close date, the newest
`test_share` held out. The exported model is fitted on the training period only, so the test
metrics describe exactly the file that is written. AUCs come with DeLong intervals, and the
recalibrated and current models are compared by DeLong's paired test on the same deals.
Export and publish are refused (unless forced) when the result is not trusted: too few leads
with a closed deal, too few wins per fitted input (inputs counted as the penalised fit's
effective degrees of freedom, so shrunk attribute levels count for less than one each), too
few held-out wins, a fit that did not converge, a held-out AUC interval that includes 0.5, or
scores that are all tied.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lib.errors import RecalibrationError, UntrustedRecalibration
from lib.evaluate.attribute_fit import (
    CLIPPED_SHARES,
    AttributeEncoding,
    attribute_encoding,
    attribute_rules,
    level_columns,
    level_labels,
    points_per_log_odds,
    rule_scores,
    rules_on_other_attributes,
)
from lib.evaluate.attributes import (
    LEAKAGE_AUC,
    attribute_levels,
    attribute_summary,
)
from lib.evaluate.backtest import Outcomes, outcomes_from_features
from lib.evaluate.design import (
    MIN_CLOSED_DEALS,
    MIN_TEST_WINS,
    MIN_WINS_PER_INPUT,
    deal_counts,
    design_matrix,
    independent_columns,
    learned_outcome,
    out_of_time_split,
    signal_label,
    stratified_split,
    training_frame,
)
from lib.evaluate.findings import (
    activity_comparison,
    auc_finding,
    calibration_finding,
    dropped_finding,
    leakage_finding,
    signals_finding,
)
from lib.evaluate.fit import (
    LogisticFit,
    ModelMetrics,
    coefficient_table,
    fit_logistic,
    fitted_model,
    level_mask,
    logistic_fit,
    model_metrics,
    per_sd,
    pooled_weights,
    predict,
    score_to_probability,
    standardiser,
    total_effects,
    tuned_penalty,
)
from lib.evaluate.routing import fitted_scale, routing_table, thresholds_for_volume
from lib.features import history_features
from lib.features.leads import with_attribute_columns
from lib.metrics.stats import paired_auc_test, roc_auc
from lib.model import (
    PILLARS,
    STAGES,
    AttributeRule,
    ScoringModel,
    model_to_dict,
    save_model,
    with_changes,
)
from lib.scoring import FeatureMatrix, feature_matrix, score_arrays
from lib.scoring.matrix import attribute_arrays, with_attribute_values
from lib.store.connection import run_query
from lib.store.model_versions import publish_model


@dataclass(frozen=True)
class Recalibration:
    """A recalibrated model with its coefficients, held-out metrics, what it would do to
    routing on history, and whether to trust it (refusals say why not)."""

    model: ScoringModel
    current_model: ScoringModel
    coefficients: pd.DataFrame
    effects: pd.DataFrame
    metrics: dict[str, ModelMetrics]
    paired_p: float
    counts: dict[str, int]
    penalty: float
    penalty_table: pd.DataFrame
    dropped: dict[str, str]
    converged: bool
    routing: pd.DataFrame
    train_period: tuple[date, date] | None  # None for a random split (no dates)
    test_period: tuple[date, date] | None
    trusted: bool
    refusals: tuple[str, ...]
    warnings: tuple[str, ...]
    findings: tuple[str, ...]
    matrix: FeatureMatrix
    outcomes: Outcomes
    mql_volume: int | None = None
    outcome: str = "won"  # what was learned: "won" (closed deals) or "converted" (leads)
    split: str = "out_of_time"  # or "random": stratified, when the outcome has no dates
    # each kept lead attribute's levels on the training leads (lib.evaluate.attributes), and
    # per attribute its AUC alone and whether that flags it as likely leakage
    attribute_levels: pd.DataFrame = field(default_factory=pd.DataFrame)
    attributes: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the attribute levels fitted, and the attributes left out with why
    encoding: AttributeEncoding = AttributeEncoding(())
    kept_attributes: tuple[str, ...] = ()  # flagged as likely leakage, kept on request
    effective_inputs: float | None = None  # the fit's degrees of freedom (see effective_inputs)

    @property
    def leads_with_outcome(self) -> int:
        """Leads with a closed (won or lost) deal: the rows the fit learns from."""
        return self.counts["leads_with_outcome"]

    @property
    def closed_deals(self) -> int:
        """Closed opportunities in the data, whether or not a lead is linked to them."""
        return self.counts["closed_deals"]

    @property
    def train_size(self) -> int:
        """Leads with a closed deal in the training period."""
        return self.counts["train_size"]

    @property
    def test_size(self) -> int:
        """Leads with a closed deal in the held-out period."""
        return self.counts["test_size"]


def qualification(features: pd.DataFrame, model: ScoringModel) -> np.ndarray:
    """Return the 0-100 qualification score per lead under `model`."""
    return score_arrays(feature_matrix(features), model).qualification_score.astype("float64")


def closed_deals(deals: pd.DataFrame, outcome: str = "won") -> pd.DataFrame:
    """Return the leads with an outcome to learn from; refuse fewer than 20 or one outcome."""
    deals = deals[deals["won"].astype(bool) | deals["lost"].astype(bool)]
    if len(deals) < 20 or deals["won"].astype(bool).nunique() < 2:
        raise RecalibrationError(
            f"Cannot recalibrate on {len(deals)} {LEARNED_FROM[outcome]}: needs at least 20, "
            + (
                "won and lost, from opportunities linked to the lead they came from"
                if outcome == "won"
                else "converted and not"
            )
        )
    return deals.reset_index(drop=True)


LEARNED_FROM = {"won": "leads with a closed deal", "converted": "leads with a converted flag"}


def _period(frame: pd.DataFrame) -> tuple[date, date] | None:
    dates = pd.to_datetime(frame["close_date"])
    if dates.isna().any():
        return None
    return dates.min().date(), dates.max().date()


def _won(frame: pd.DataFrame) -> np.ndarray:
    return frame["won"].astype(bool).to_numpy().astype("float64")


def _score_metrics(train: pd.DataFrame, test: pd.DataFrame, model: ScoringModel) -> ModelMetrics:
    """Return a scoring model's held-out metrics; scores map to probabilities on train only."""
    score = qualification(test, model)
    probability = score_to_probability(qualification(train, model), _won(train), score)
    return model_metrics(score, probability, _won(test))


def recalibrate(
    conn: duckdb.DuckDBPyConnection,
    model: ScoringModel,
    *,
    min_closed_deals: int = MIN_CLOSED_DEALS,
    test_share: float = 0.25,
    history: pd.DataFrame | None = None,
    matrix: FeatureMatrix | None = None,
    outcome: str | None = None,
    keep_attributes: tuple[str, ...] = (),
) -> Recalibration:
    """Return the model re-fitted on older leads with a closed deal, validated on the newest,
    with its routing on history; `history` (history_features under `model`) and its `matrix`
    are computed when not given. `min_closed_deals` is the leads with a closed deal needed.
    `outcome` "converted" learns the leads' own converted flag instead (the default when no
    closed deal has a source lead and leads record one); without creation dates to hold the
    newest out, a stratified random split is used. Kept lead attributes are fitted as rules
    (lib.evaluate.attribute_fit), but those flagged as likely leakage only when named in
    `keep_attributes`."""
    history = history_features(conn, model=model) if history is None else history
    kinds = lead_attribute_kinds(conn)
    history = with_attribute_columns(conn, history, list(kinds))
    matrix = feature_matrix(history) if matrix is None else matrix
    matrix = with_attribute_values(matrix, history)
    counts = deal_counts(conn)
    outcome = outcome or learned_outcome(counts, history)
    deals = closed_deals(training_frame(conn, history, outcome), outcome)
    split = "out_of_time" if deals["close_date"].notna().all() else "random"
    if split == "random":
        train, test = stratified_split(deals, test_share)
    else:
        train, test = out_of_time_split(deals, test_share)
    if _won(train).min() == _won(train).max():
        raise RecalibrationError("The training period holds only one outcome; cannot fit")
    levels = attribute_levels(conn, train)
    attributes = attribute_summary(levels)
    encoding = attribute_encoding(
        attribute_arrays(train),
        kinds,
        rule_scores(model),
        leakage_left_out(attributes, keep_attributes),
        _won(train),
    )
    base = fit_base(model, encoding)
    design = _design(train, base, encoding)
    fitted, dropped = independent_columns(design)
    x_train, x_test = design[fitted], _design(test, base, encoding)[fitted]
    mean, sd = standardiser(x_train)
    standard = (x_train.to_numpy() - mean) / sd
    penalty, penalty_table = tuned_penalty(
        x_train.to_numpy(dtype="float64"), _won(train), levels=level_mask(fitted)
    )
    fit = logistic_fit(standard, _won(train), 1.0 / penalty)
    coefficients = coefficient_table(per_sd(fit, x_train), design, fitted, model, dropped)
    said = level_labels(encoding)
    coefficients["label"] = [
        said.get(signal, label)
        for signal, label in zip(coefficients["signal"], coefficients["label"], strict=True)
    ]
    points = {
        str(k): float(v) for k, v in coefficients.set_index("signal")["points"].dropna().items()
    }

    def with_rules(rules: tuple[AttributeRule, ...]) -> tuple[ScoringModel, list[str]]:
        """Return the model with these attribute rules and pillar weights fitted under them."""
        ruled = with_changes(base, attribute_rules=base.attribute_rules + rules)
        pillars = design if ruled == base else design_matrix(train, ruled)
        weights, warned = pooled_weights(pillars, _won(train), ruled, 1.0 / penalty)
        return fitted_model(ruled, weights, points, note="recalibrated"), warned

    def training_auc(rules: tuple[AttributeRule, ...]) -> float:
        return roc_auc(qualification(train, with_rules(rules)[0]), _won(train))

    rules = fitted_attribute_rules(design, _won(train), encoding, penalty, training_auc)
    new, warnings = with_rules(rules)
    warnings += [
        f"kept attribute {name!r} is not among the leads' attributes"
        for name in keep_attributes
        if name not in kinds
    ]
    scale = fitted_scale(matrix, new, model)
    new = new if scale is None else with_changes(new, score_scale=scale)
    fitted_probability = predict(fit.coef, (x_test.to_numpy() - mean) / sd)
    metrics = {
        "fitted": model_metrics(fitted_probability, fitted_probability, _won(test)),
        "recalibrated": _score_metrics(train, test, new),
        "current": _score_metrics(train, test, model),
    }
    _, paired_p = paired_auc_test(qualification(test, model), qualification(test, new), _won(test))
    counts |= {
        "leads_with_outcome": len(deals),
        "train_size": len(train),
        "test_size": len(test),
        "train_wins": int(_won(train).sum()),
        "test_wins": int(_won(test).sum()),
        "fitted_inputs": len(fitted),
    }
    if counts["undated_bounces"]:
        warnings.append(
            f"{counts['undated_bounces']:,} bounced leads have no bounce date: at their routing "
            "moment they count as not bounced"
        )
    effective = effective_inputs(fit, 1.0 / penalty)
    refusals = _refusals(
        counts,
        metrics,
        paired_p,
        qualification(test, new),
        fit.converged,
        fit.message,
        min_closed_deals,
        outcome,
        effective,
    )
    outcomes = outcomes_from_features(history)
    new = replace(new, note=_note(model, counts, train, metrics, outcome, encoding))
    effects = total_effects(per_sd(fit, x_train), x_train, model)
    labels = {c: said.get(c, signal_label(c, model)) for c in design.columns}
    return Recalibration(
        model=new,
        current_model=model,
        coefficients=coefficients,
        effects=effects,
        metrics=metrics,
        paired_p=paired_p,
        counts=counts,
        penalty=penalty,
        penalty_table=penalty_table,
        dropped=dropped,
        converged=fit.converged,
        routing=routing_table(matrix, outcomes, {"current": model, "recalibrated": new}),
        train_period=_period(train),
        test_period=_period(test),
        trusted=not refusals,
        refusals=refusals,
        warnings=tuple(warnings),
        findings=tuple(
            line
            for line in (
                auc_finding(metrics, paired_p, _period(test), outcome),
                calibration_finding(metrics["fitted"], penalty),
                signals_finding(coefficients),
                activity_comparison(coefficients, effects),
                dropped_finding(dropped, labels),
                leakage_finding(attributes),
            )
            if line
        ),
        matrix=matrix,
        outcomes=outcomes,
        outcome=outcome,
        split=split,
        attribute_levels=levels,
        attributes=attributes,
        encoding=encoding,
        kept_attributes=tuple(n for n in keep_attributes if n in kinds),
        effective_inputs=effective,
    )


def effective_inputs(fit: LogisticFit, l2: float) -> float:
    """Return the fit's effective number of inputs (degrees of freedom of a ridge fit: each
    input counts 1 - l2 * its variance, less the more the penalty shrinks it), rounded to 0.1.
    The wins-per-input guard counts these: attribute levels shrunk toward the average lead (and
    a category's levels, which share one direction with the intercept) are not whole inputs."""
    return round(float(np.sum(1.0 - l2 * np.diag(fit.covariance)[1:])), 1)


def fit_base(model: ScoringModel, encoding: AttributeEncoding) -> ScoringModel:
    """Return the model the fit starts from: without its rules on the attributes being fitted.
    (A leads-only export that names no company is not disqualified by the blank-company no-go
    rule: it applies only in data that names companies, lib/sql/features/lead_features.sql.)"""
    return with_changes(
        model, attribute_rules=rules_on_other_attributes(model, encoding.attributes)
    )


def lead_attribute_kinds(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Return per kept lead attribute its kind (number, date, boolean or category)."""
    rows = run_query(conn, "evaluate/lead_attribute_kinds")
    return dict(zip(rows["name"].astype(str), rows["kind"].astype(str), strict=True))


def leakage_left_out(attributes: pd.DataFrame, keep: tuple[str, ...] = ()) -> dict[str, str]:
    """Return per attribute flagged as likely leakage (attribute_summary) and not in `keep`
    why it is left out of the fit."""
    return {
        str(row["name"]): (
            f"likely leakage: its values alone rank the outcome with AUC {row['auc']:.3f} "
            f"(>= {LEAKAGE_AUC}), as a field set after the outcome would; keep it only if it is "
            "known before (--keep-attribute, or on the Recalibration page)"
        )
        for row in attributes.to_dict("records")
        if row["likely_leakage"] and row["name"] not in keep
    }


def _design(frame: pd.DataFrame, model: ScoringModel, encoding: AttributeEncoding) -> pd.DataFrame:
    """Return the design matrix of `frame` under `model` with the encoded attribute levels."""
    design = design_matrix(frame, model)
    if not encoding.levels:
        return design
    levels = level_columns(encoding, attribute_arrays(frame)).set_axis(design.index)
    return pd.concat([design, levels], axis=1)


def attribute_effects(
    x: pd.DataFrame, won: np.ndarray, encoding: AttributeEncoding, penalty: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Return the log-odds per lead of each attribute level and per point of the grade and the
    behaviour score, from a fit of the pillars and the levels (what the score can express:
    points add to a pillar) at the tuned penalty."""
    wanted = {*PILLARS, *(lv.column for lv in encoding.levels)}
    x = x[list(dict.fromkeys(c for c in x.columns if c in wanted))]
    mean, scale = standardiser(x)
    w = fit_logistic((x.to_numpy(dtype="float64") - mean) / scale, won, 1.0 / penalty)
    per_unit = dict(zip(x.columns, w[1:] / scale, strict=True))
    effects = {lv.column: per_unit.get(lv.column, 0.0) for lv in encoding.levels}
    return effects, {"grade": per_unit.get("fit", 0.0), "behavior": per_unit.get("urgency", 0.0)}


def fitted_attribute_rules(
    x: pd.DataFrame,
    won: np.ndarray,
    encoding: AttributeEncoding,
    penalty: float,
    ranked: Callable[[tuple[AttributeRule, ...]], float] | None = None,
) -> tuple[AttributeRule, ...]:
    """Return the attribute rules: each level's log-odds (attribute_effects) times the points
    one log-odd is worth on its pillar, capped at each of CLIPPED_SHARES in turn; of those, the
    rules `ranked` scores highest (the training AUC of the model they make), else the first."""
    if not encoding.levels:
        return ()
    effects, per_point = attribute_effects(x, won, encoding, penalty)
    pillars = {"grade": x["fit"].to_numpy(), "behavior": x["urgency"].to_numpy()}
    candidates = list(
        dict.fromkeys(
            attribute_rules(
                encoding, effects, points_per_log_odds(encoding, effects, per_point, pillars, x, s)
            )
            for s in CLIPPED_SHARES
        )
    )
    if ranked is None or len(candidates) == 1:
        return candidates[0]
    return max(candidates, key=ranked)


def _refusals(
    counts: dict[str, int],
    metrics: dict[str, ModelMetrics],
    paired_p: float,
    held_out_scores: np.ndarray,
    converged: bool,
    message: str,
    min_closed_deals: int,
    outcome: str = "won",
    effective_inputs: float | None = None,
) -> tuple[str, ...]:
    """Return why the recalibrated model must not be exported or published unless forced."""
    found = []
    wins = "wins" if outcome == "won" else "conversions"
    if outcome == "converted" and counts["leads_with_outcome"] < min_closed_deals:
        found.append(
            f"only {counts['leads_with_outcome']:,} leads with a converted flag to learn from "
            f"(< {min_closed_deals:,})"
        )
    elif counts["leads_with_outcome"] < min_closed_deals:
        found.append(
            f"only {counts['leads_with_outcome']:,} leads with a closed deal to learn from "
            f"(< {min_closed_deals:,}); the data holds {counts['closed_deals']:,} closed deals, "
            f"{counts['closed_deals'] - counts['closed_deals_with_lead']:,} of them with no "
            "source lead"
        )
    inputs = counts["fitted_inputs"] if effective_inputs is None else effective_inputs
    per_input = counts["train_wins"] / max(inputs, 1)
    if per_input < MIN_WINS_PER_INPUT:
        effective = (
            ""
            if effective_inputs is None
            else f" ({effective_inputs:.1f} once the penalty's shrinkage is counted)"
        )
        found.append(
            f"{counts['train_wins']:,} {wins} in training for {counts['fitted_inputs']} fitted "
            f"inputs{effective}: {per_input:.1f} per input (< {MIN_WINS_PER_INPUT})"
        )
    if counts["test_wins"] < MIN_TEST_WINS:
        found.append(
            f"only {counts['test_wins']:,} {wins} "
            + ("in the held-out period" if outcome == "won" else "among the held-out leads")
            + f" (< {MIN_TEST_WINS}): "
            "too few to judge the model on"
        )
    if not converged:
        found.append(f"the fit did not converge ({message})")
    new = metrics["recalibrated"]
    if not new.auc_low > 0.5:
        found.append(
            f"its held-out AUC {new.auc:.3f} (95% interval {new.auc_low:.3f}–{new.auc_high:.3f}) "
            "does not rule out a coin toss (0.5)"
        )
    old = metrics["current"]
    if paired_p < 0.05 and new.auc < old.auc:
        found.append(
            f"it ranks the held-out deals worse than the current model (AUC {new.auc:.3f} "
            f"against {old.auc:.3f}, DeLong's paired test p = {paired_p:.2g})"
        )
    if len(np.unique(held_out_scores)) < 2:
        found.append("it gives every held-out deal the same score")
    return tuple(found)


def _note(
    model: ScoringModel,
    counts: dict[str, int],
    train: pd.DataFrame,
    metrics: dict[str, ModelMetrics],
    outcome: str = "won",
    encoding: AttributeEncoding | None = None,
) -> str:
    period = _period(train)
    trained = (
        f"trained on {counts['train_size']} at random, tested on the other {counts['test_size']}"
        if period is None
        else f"trained on {counts['train_size']} "
        + ("closed" if outcome == "won" else "created")
        + f" {period[0]} to {period[1]}, tested on the newest {counts['test_size']}"
    )
    return (
        f"Recalibrated from model version {model.version} on {counts['leads_with_outcome']} "
        f"{LEARNED_FROM[outcome]} ({trained}); test AUC "
        f"{metrics['recalibrated'].auc:.3f} vs {metrics['current'].auc:.3f} for the current model"
        + _attributes_note(encoding or AttributeEncoding(()))
    )


def _attributes_note(encoding: AttributeEncoding) -> str:
    """Return what the note says of attribute rules: fitted on which, which left out and why."""
    text = ""
    if encoding.attributes:
        text += (
            f". Attribute rules fitted on {', '.join(encoding.attributes)}: points over each "
            "attribute's most common value, replacing earlier rules on them"
        )
    if encoding.left_out:  # the reason's head: the whole of it is in the fit's findings
        text += ". Attributes left out: " + "; ".join(
            f"{name} ({why.split(':')[0]})" for name, why in encoding.left_out.items()
        )
    return text


def with_mql_volume(result: Recalibration, mql_volume: int) -> Recalibration:
    """Return the result with the recalibrated model's thresholds re-fitted so about
    `mql_volume` leads reach MQL on history (its routing row recomputed); input not changed."""
    model = thresholds_for_volume(result.matrix, result.model, result.current_model, mql_volume)
    routing = routing_table(
        result.matrix, result.outcomes, {"current": result.current_model, "recalibrated": model}
    )
    return replace(result, model=model, routing=routing, mql_volume=mql_volume)


def stage_counts(result: Recalibration) -> dict[str, dict[str, int]]:
    """Return {model: {stage: leads on history, reached_mql: ...}} for the current and
    recalibrated models."""
    columns = [*STAGES, "reached_mql"]
    return {
        row["model"]: {c: int(row[c]) for c in columns} for row in result.routing.to_dict("records")
    }


def _json(value: Any) -> Any:
    """Return a JSON-ready value: numpy scalars unwrapped, NaN as None."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def recalibration_summary(result: Recalibration) -> dict[str, Any]:
    """Return the CLI's JSON object: what was counted, held-out metrics per model, the paired
    test, the penalty, trust and its refusals, and stage counts on history per model."""
    metrics = {
        name: {
            "auc": m.auc,
            "auc_ci": [m.auc_low, m.auc_high],
            "calibration_slope": m.calibration_slope,
            "brier": m.brier,
        }
        for name, m in result.metrics.items()
    }
    rates = {
        row["model"]: {
            key: row[key]
            for key in (
                "sql_won",
                "sql_closed",
                "mql_to_sql",
                "mql_to_sql_low",
                "mql_to_sql_high",
                "sql_win_rate",
                "sql_win_rate_low",
                "sql_win_rate_high",
                "median_score",
            )
        }
        for row in result.routing.to_dict("records")
    }
    thresholds = {
        name: {
            segment: {"mql": policy.mql_threshold, "sql": policy.sql_threshold}
            for segment, policy in model.policies.items()
        }
        for name, model in (("current", result.current_model), ("recalibrated", result.model))
    }
    new, fitted = result.metrics["recalibrated"], result.metrics["fitted"]
    contract: dict[str, Any] = _json(
        {
            k: result.counts[k]
            for k in (
                "closed_deals",
                "won_deals",
                "closed_deals_with_lead",
                "leads_with_outcome",
                "train_size",
                "test_size",
                "train_wins",
                "test_wins",
                "fitted_inputs",
            )
        }
        | {
            "effective_inputs": result.effective_inputs,
            "outcome": result.outcome,
            "split": result.split,
            "train_period": list(result.train_period or []) or None,
            "test_period": list(result.test_period or []) or None,
            "auc_recalibrated": new.auc,
            "auc_recalibrated_ci": [new.auc_low, new.auc_high],
            "auc_current": result.metrics["current"].auc,
            "auc_current_ci": [
                result.metrics["current"].auc_low,
                result.metrics["current"].auc_high,
            ],
            "paired_p": result.paired_p,
            "calibration_slope": fitted.calibration_slope,
            "brier": fitted.brier,
            "penalty": result.penalty,
            "converged": result.converged,
            "dropped_inputs": result.dropped,
            "models": metrics,
            "trusted": result.trusted,
            "refusals": list(result.refusals),
            "warnings": list(result.warnings),
            "stages": stage_counts(result),
            "rates": rates,
            "thresholds": thresholds,
            "mql_volume": result.mql_volume,
            "attributes": [
                {
                    "name": row["name"],
                    "auc": row["auc"],
                    "likely_leakage": bool(row["likely_leakage"]),
                    "fitted": row["name"] in result.encoding.attributes,
                    "left_out": result.encoding.left_out.get(row["name"]),
                    "levels": result.attribute_levels[
                        result.attribute_levels["name"] == row["name"]
                    ][
                        [
                            "level",
                            "leads",
                            "wins",
                            "rate",
                            "rate_low",
                            "rate_high",
                            "lift",
                            "low",
                            "high",
                        ]
                    ].to_dict("records"),
                }
                for row in result.attributes.to_dict("records")
            ],
            "attribute_rules": [
                {"attribute": r.attribute, "label": r.label, "score": r.score, "points": r.points}
                for r in result.model.attribute_rules
                if r.attribute in result.encoding.attributes
            ],
            "left_out_attributes": dict(result.encoding.left_out),
            "kept_attributes": list(result.kept_attributes),
        }
    )
    return contract


def weights_table(result: Recalibration) -> pd.DataFrame:
    """Return one CSV-ready row per setting: kind, segment, name, current, recalibrated, change
    and the signal's odds ratio per SD (pillar weights, points per event, score scale,
    thresholds)."""
    old_model, new_model = result.current_model, result.model
    rows = [
        ("pillar weight", name, p, getattr(old.pillar_weights, p), getattr(new.pillar_weights, p))
        for name, new in new_model.policies.items()
        for old in [old_model.policies[name]]
        for p in PILLARS
    ]
    old_points = old_model.activity_points()
    rows += [
        ("points per event", "all", a, old_points[a].points, r.points)
        for a, r in new_model.activity_points().items()
    ]
    rows += [
        (
            "score scale",
            "all",
            end,
            getattr(old_model.score_scale, end),
            getattr(new_model.score_scale, end),
        )
        for end in ("raw_floor", "raw_ceiling")
    ]
    rows += [
        ("threshold", name, kind, getattr(old, kind), getattr(new, kind))
        for name, new in new_model.policies.items()
        for old in [old_model.policies[name]]
        for kind in ("mql_threshold", "sql_threshold")
    ]
    table = pd.DataFrame(rows, columns=["setting", "segment", "name", "current", "recalibrated"])
    odds = result.coefficients.set_index("signal")["total_odds_ratio"]
    return table.assign(
        change=table["recalibrated"] - table["current"], odds_ratio_per_sd=table["name"].map(odds)
    )


def refusal_text(result: Recalibration) -> str:
    """Return why the result is not trusted, one reason after another; '' when it is."""
    return "; ".join(result.refusals)


def _refuse_untrusted(result: Recalibration, force: bool) -> None:
    if not result.trusted and not force:
        raise UntrustedRecalibration(
            f"Refusing to write a model that is not trusted: {refusal_text(result)}. Pass "
            "force=True (--force) to export or publish it anyway"
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
    conn: duckdb.DuckDBPyConnection,
    result: Recalibration,
    author: str,
    force: bool = False,
    *,
    identity: str | None = None,
) -> ScoringModel:
    """Publish the recalibrated model as the next version; refuse an untrusted one unless forced,
    and (VersionConflict) one fitted from a model that is no longer the newest version."""
    _refuse_untrusted(result, force)
    return publish_model(
        conn,
        result.model,
        author,
        result.model.note,
        based_on=result.current_model.version,
        identity=identity,
    )
