"""What a model would do to routing, on history: every lead scored at its routing moment (the
moment the fit learns from), stage counts, MQL->SQL and the SQL win rate per model; a fitted
score scale, and thresholds re-fitted to keep a chosen MQL volume.

Reached MQL means stage MQL, SAL or SQL, as lib.evaluate.backtest counts it; the SQL win rate is
won / closed among the leads a model puts at SQL.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

import numpy as np
import pandas as pd

from lib.evaluate.backtest import Outcomes, model_counts, outcome_cube
from lib.metrics.stats import wilson_interval
from lib.model import STAGES, ScoreScale, ScoringModel, with_changes
from lib.model.segments import UNASSIGNED
from lib.scoring import STAGE_CODES, FeatureMatrix, ScoreArrays, score_arrays

# the score spread a recalibrated model keeps: its median and 90th-percentile lead on history
# score what they score under the current model, so bands and thresholds keep their meaning
SCALE_ANCHORS = (0.5, 0.9)
ROUTING_COLUMNS = [
    "model",
    *STAGES,
    "reached_mql",
    "median_score",
    "mql_to_sql",
    "mql_to_sql_low",
    "mql_to_sql_high",
    "sql_won",
    "sql_closed",
    "sql_win_rate",
    "sql_win_rate_low",
    "sql_win_rate_high",
]


def routing_row(name: str, scores: ScoreArrays, outcomes: Outcomes) -> dict[str, object]:
    """Return one model's leads per stage on history, its MQL->SQL and SQL win rate with 95%
    Wilson intervals, and its median score."""
    per_stage = np.bincount(scores.stage_code, minlength=len(STAGES))
    counts = model_counts(outcome_cube(scores, outcomes))
    row: dict[str, object] = {"model": name}
    row |= {stage: int(c) for stage, c in zip(STAGES, per_stage, strict=True)}
    row |= {
        "reached_mql": int(counts["mql_leads"]),
        "median_score": float(np.median(scores.qualification_score)),
        "sql_won": int(counts["won_at_sql_line"]),
        "sql_closed": int(counts["closed_at_sql_line"]),
    }
    for key, (k, n) in {
        "mql_to_sql": ("sql_leads", "mql_leads"),
        "sql_win_rate": ("won_at_sql_line", "closed_at_sql_line"),
    }.items():
        low, high = wilson_interval(int(counts[k]), int(counts[n]))
        ratio = counts[k] / counts[n] if counts[n] else float("nan")
        row |= {key: ratio, f"{key}_low": float(low), f"{key}_high": float(high)}
    return row


def routing_table(
    matrix: FeatureMatrix, outcomes: Outcomes, models: dict[str, ScoringModel]
) -> pd.DataFrame:
    """Return one routing_row per named model, in the order given."""
    rows = [routing_row(name, score_arrays(matrix, m), outcomes) for name, m in models.items()]
    return pd.DataFrame(rows)[ROUTING_COLUMNS]


def _raw(matrix: FeatureMatrix, model: ScoringModel) -> np.ndarray:
    """Return the weighted pillar sum of every lead that is not a no-go (unstretched)."""
    plain = score_arrays(matrix, replace(model, score_scale=ScoreScale(0.0, 100.0)))
    return cast(np.ndarray, plain.qualification_score[~plain.no_go].astype("float64"))


def fitted_scale(
    matrix: FeatureMatrix, model: ScoringModel, reference: ScoringModel
) -> ScoreScale | None:
    """Return the score scale under which `model`'s scores on history sit where `reference`'s
    do at SCALE_ANCHORS (an affine stretch, so explanations still add up), moved to the nearest
    scale a model may have (0 <= floor < ceiling <= 100: a stretch, never a squeeze); None
    when model's weighted sums do not spread (then no stretch can help), or every lead is a
    no-go (say, every email address a personal one)."""
    raw_new, raw_old = _raw(matrix, model), _raw(matrix, reference)
    if not len(raw_new) or not len(raw_old):
        return None
    new = np.quantile(raw_new, SCALE_ANCHORS)
    old = np.quantile(raw_old, SCALE_ANCHORS)
    floor, ceiling = reference.score_scale.raw_floor, reference.score_scale.raw_ceiling
    target = (old - floor) * 100.0 / (ceiling - floor)
    if not new[1] - new[0] > 1e-6 or not target[1] > target[0]:
        return None
    span = float(min(100.0 * (new[1] - new[0]) / (target[1] - target[0]), 100.0))
    low = float(np.clip(new[0] - target[0] * span / 100.0, 0.0, 100.0 - span))
    return ScoreScale(round(low, 4), round(float(low + span), 4))


def _policy_of(scores: ScoreArrays, model: ScoringModel) -> np.ndarray:
    """Return per lead the name of the policy whose thresholds route it."""
    names = [model.unassigned_policy if n == UNASSIGNED else n for n in scores.segment_names]
    return cast(np.ndarray, np.array(names, dtype=object)[scores.segment_code])


def _threshold_for(scores: np.ndarray, wanted: int) -> float:
    """Return the highest 0.1-point threshold at or under which at least `wanted` scores lie."""
    if wanted <= 0 or len(scores) == 0:
        return 100.0
    kth = float(np.sort(scores)[::-1][min(wanted, len(scores)) - 1])
    return float(np.floor(kth * 10) / 10)


def _shares(wanted: dict[str, float], floor: dict[str, int], total: float) -> dict[str, float]:
    """Return wanted volumes rescaled to add up to `total`, none below its floor (a policy whose
    hand-raisers alone exceed its share keeps them all and the others give way)."""
    fixed: dict[str, float] = {}
    while True:
        free = {g: w for g, w in wanted.items() if g not in fixed}
        scale = (total - sum(fixed.values())) / max(sum(free.values()), 1e-9)
        over = {g: float(floor[g]) for g, w in free.items() if w * scale < floor[g]}
        if not over:
            return fixed | {g: w * scale for g, w in free.items()}
        fixed |= over


def thresholds_for_volume(
    matrix: FeatureMatrix, model: ScoringModel, reference: ScoringModel, mql_volume: int
) -> ScoringModel:
    """Return `model` with MQL and SQL thresholds re-fitted so about `mql_volume` leads reach
    MQL on history, shared between policies as `reference` shares its MQLs, and SQLs keep
    `reference`'s share of them. Hand-raisers reach MQL whatever their score and recycled leads
    never do, so a volume below the hand-raisers' count cannot be met (they are all kept)."""
    ours, theirs = score_arrays(matrix, model), score_arrays(matrix, reference)
    policy, their_policy = _policy_of(ours, model), _policy_of(theirs, reference)
    reached = theirs.stage_code >= STAGE_CODES["mql"]
    at_sql = theirs.stage_code == STAGE_CODES["sql"]
    routed = ours.stage_code != STAGE_CODES["recycled"]
    hand = matrix.days_since_demo_request <= model.hand_raiser.window_days
    names = list(model.policies)
    mqls = _shares(
        {g: float((reached & (their_policy == g)).sum()) for g in names},
        {g: int((routed & hand & (policy == g)).sum()) for g in names},
        float(mql_volume),
    )
    per_mql = float(at_sql.sum()) / max(int(reached.sum()), 1)
    score = ours.qualification_score
    policies = {}
    for name, current in model.policies.items():
        mine = (policy == name) & routed
        mql = _threshold_for(score[mine & ~hand], round(mqls[name]) - int((mine & hand).sum()))
        sql = max(_threshold_for(score[mine], round(mqls[name] * per_mql)), round(mql + 0.1, 1))
        policies[name] = replace(
            current, mql_threshold=min(mql, 99.9), sql_threshold=round(min(sql, 100.0), 1)
        )
    return with_changes(model, policies=policies)
