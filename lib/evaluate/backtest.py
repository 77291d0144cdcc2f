"""Back-test an edited scoring model against the published one on historical leads.

A Scoring-lab slider move rescores only the edited model (the published model's arrays come in
as `baseline`) and recomputes every number here from one small cube per model: leads, wins,
closed deals, won revenue and deal amount counted by (stage, band, segment) with np.bincount,
so 1M leads cost a few passes over flat arrays and no pandas grouping (bench/whatif.py).

"At or above the SQL line" means the model's stage is SQL (a recycled lead is not, whatever its
score); "reached MQL" means stage MQL, SAL or SQL, so MQL→SQL conversion is SQL ÷ reached MQL.
Use `history_features` for the matrix: scored "now", old leads have no behaviour left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.metrics.stats import wilson_interval
from lib.model import STAGES, ScoringModel
from lib.scoring import STAGE_CODES, FeatureMatrix, ScoreArrays, score_arrays

MODELS: tuple[str, ...] = ("published", "edited")
REACHED_MQL = np.array([STAGE_CODES[s] >= STAGE_CODES["mql"] for s in STAGES])
SQL = STAGE_CODES["sql"]
QUANTITIES: tuple[str, ...] = ("leads", "won", "closed", "won_amount_usd", "deal_amount_usd")
CHANGED_LIST = 200


@dataclass(frozen=True)
class Outcomes:
    """What happened to each lead, aligned with the feature matrix's rows."""

    won: np.ndarray
    closed: np.ndarray
    won_amount_usd: np.ndarray
    deal_amount_usd: np.ndarray
    segment_code: np.ndarray
    segment_names: tuple[str, ...]
    outcome_segment: np.ndarray  # (open 0 / lost 1 / won 2) x segments + segment, for bincount


@dataclass(frozen=True)
class Backtest:
    """Published vs edited model on history: tidy frames, plus the leads that change stage.

    summary: metric, published, edited, delta (delta = edited - published).
    rates: model, metric, successes, trials, rate, rate_low, rate_high (95% Wilson).
    bands: model, band, leads, won, closed, win_rate.
    mix: model, segment, leads, deal_amount_usd, count_share, amount_share (the SQL set).
    transitions: from_stage, to_stage, leads (only leads whose stage changes).
    changed: row indices of up to `changed_limit` changed leads, largest |score change| first.
    """

    summary: pd.DataFrame
    rates: pd.DataFrame
    bands: pd.DataFrame
    mix: pd.DataFrame
    transitions: pd.DataFrame
    changed: np.ndarray
    score_change: np.ndarray


def outcomes_from_features(features: pd.DataFrame) -> Outcomes:
    """Return the outcome arrays of `history_features` (or `lead_features`) rows, built once."""
    codes, names = pd.factorize(features["segment"].astype("object"), sort=True)
    won = features["won"].fillna(False).to_numpy(dtype=bool)
    lost = features["lost"].fillna(False).to_numpy(dtype=bool)
    outcome = np.where(won, 2, np.where(lost, 1, 0)).astype("int32")
    return Outcomes(
        outcome_segment=outcome * max(len(names), 1) + codes.astype("int32"),
        won=won,
        closed=won | lost,
        won_amount_usd=pd.to_numeric(features["won_amount_usd"]).fillna(0).to_numpy("float64"),
        deal_amount_usd=pd.to_numeric(features["deal_amount_usd"]).fillna(0).to_numpy("float64"),
        segment_code=codes.astype("int16"),
        segment_names=tuple(str(n) for n in names),
    )


def outcome_cube(scores: ScoreArrays, outcomes: Outcomes) -> np.ndarray:
    """Return QUANTITIES summed per (quantity, stage, band, segment) of one model's scores."""
    n_seg = len(outcomes.segment_names)
    shape = (len(STAGES), len(scores.band_names), 3, n_seg)  # 3: open, lost, won
    cell = scores.stage_code.astype("int32") * shape[1]
    cell += scores.band_code
    cell *= 3 * n_seg
    cell += outcomes.outcome_segment
    size = int(np.prod(shape))
    leads = np.bincount(cell, minlength=size).reshape(shape).astype("float64")
    won_amount, deal_amount = (
        np.bincount(cell, weights=w, minlength=size).reshape(shape)
        for w in (outcomes.won_amount_usd, outcomes.deal_amount_usd)
    )
    return np.stack(
        [
            leads.sum(axis=2),
            leads[:, :, 2],
            leads[:, :, 1:].sum(axis=2),
            won_amount.sum(axis=2),
            deal_amount.sum(axis=2),
        ]
    )


def _published_cube(matrix: FeatureMatrix, scores: ScoreArrays, outcomes: Outcomes) -> np.ndarray:
    """Return the baseline's cube, memoised on the matrix while the same arrays are passed in."""
    memo: dict[str, tuple[ScoreArrays, Outcomes, np.ndarray]] = matrix.cache.setdefault(
        "backtest_baseline", {}
    )
    held = memo.get("entry")
    if held is None or held[0] is not scores or held[1] is not outcomes:
        held = (scores, outcomes, outcome_cube(scores, outcomes))
        memo["entry"] = held
    return held[2]


def _ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom else float("nan")


def model_counts(cube: np.ndarray) -> dict[str, float]:
    """Return the funnel, recall and precision counts and ratios of one model's cube."""
    q = dict(zip(QUANTITIES, cube, strict=True))
    by_stage = {k: v.sum(axis=(1, 2)) for k, v in q.items()}
    mql, sql = by_stage["leads"][REACHED_MQL].sum(), by_stage["leads"][SQL]
    won_sql, closed_sql = by_stage["won"][SQL], by_stage["closed"][SQL]
    won_all, revenue_all = by_stage["won"].sum(), by_stage["won_amount_usd"].sum()
    return {
        "mql_leads": mql,
        "sql_leads": sql,
        "mql_to_sql": _ratio(sql, mql),
        "won_leads": won_all,
        "won_at_sql_line": won_sql,
        "recall_won": _ratio(won_sql, won_all),
        "recall_won_revenue": _ratio(by_stage["won_amount_usd"][SQL], revenue_all),
        "closed_at_sql_line": closed_sql,
        "precision_win_rate": _ratio(won_sql, closed_sql),
    }


def summary_frame(counts: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Return one row per metric with the published and edited values and their delta."""
    frame = pd.DataFrame(counts)[list(MODELS)]
    frame["delta"] = frame["edited"] - frame["published"]
    return frame.rename_axis("metric").reset_index()


def rates_frame(counts: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Return MQL→SQL, recall and precision per model with counts and 95% Wilson bounds."""
    parts = {
        "mql_to_sql": ("sql_leads", "mql_leads"),
        "recall_won": ("won_at_sql_line", "won_leads"),
        "precision_win_rate": ("won_at_sql_line", "closed_at_sql_line"),
    }
    rows = [
        (m, metric, counts[m][k], counts[m][n]) for m in MODELS for metric, (k, n) in parts.items()
    ]
    frame = pd.DataFrame(rows, columns=["model", "metric", "successes", "trials"])
    low, high = wilson_interval(frame["successes"].to_numpy(), frame["trials"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(frame["trials"] > 0, frame["successes"] / frame["trials"], np.nan)
    return frame.assign(rate=rate, rate_low=low, rate_high=high)


def bands_frame(
    cubes: dict[str, np.ndarray], band_names: dict[str, tuple[str, ...]]
) -> pd.DataFrame:
    """Return leads, won, closed and win rate per score band per model."""
    frames = []
    for model, cube in cubes.items():
        leads, won, closed = (
            cube[QUANTITIES.index(k)].sum(axis=(0, 2)) for k in ("leads", "won", "closed")
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(closed > 0, won / closed, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "model": model,
                    "band": band_names[model],
                    "leads": leads,
                    "won": won,
                    "closed": closed,
                    "win_rate": rate,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def mix_frame(cubes: dict[str, np.ndarray], segment_names: tuple[str, ...]) -> pd.DataFrame:
    """Return the SQL set's lead count and deal amount per segment, with shares, per model."""
    frames = []
    for model, cube in cubes.items():
        leads = cube[QUANTITIES.index("leads"), SQL].sum(axis=0)
        amount = cube[QUANTITIES.index("deal_amount_usd"), SQL].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            frames.append(
                pd.DataFrame(
                    {
                        "model": model,
                        "segment": segment_names,
                        "leads": leads,
                        "deal_amount_usd": amount,
                        "count_share": leads / leads.sum() if leads.sum() else np.nan,
                        "amount_share": amount / amount.sum() if amount.sum() else np.nan,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def transitions_frame(before: np.ndarray, after: np.ndarray) -> pd.DataFrame:
    """Return how many leads move from each stage to each other stage (changes only)."""
    n = len(STAGES)
    counts = np.bincount(before.astype("int32") * n + after, minlength=n * n).reshape(n, n)
    frm, to = np.nonzero(counts * (1 - np.eye(n, dtype="int64")))
    return pd.DataFrame(
        {
            "from_stage": np.array(STAGES, dtype=object)[frm],
            "to_stage": np.array(STAGES, dtype=object)[to],
            "leads": counts[frm, to],
        }
    )


def changed_leads(before: ScoreArrays, after: ScoreArrays, limit: int) -> np.ndarray:
    """Return indices of up to `limit` leads whose stage changes, largest |score change| first."""
    moved = np.flatnonzero(before.stage_code != after.stage_code)
    size = np.abs(after.qualification_score[moved] - before.qualification_score[moved])
    if len(moved) > limit:
        keep = np.argpartition(-size, limit - 1)[:limit]
        moved, size = moved[keep], size[keep]
    return moved[np.argsort(-size, kind="stable")]


def backtest(
    matrix: FeatureMatrix,
    outcomes: Outcomes,
    published: ScoringModel,
    edited: ScoringModel,
    baseline: ScoreArrays | None = None,
    changed_limit: int = CHANGED_LIST,
) -> Backtest:
    """Return the edited model's back-test against the published one; inputs not mutated.

    `baseline` is the published model's `score_arrays` on this matrix, computed once by the
    caller, so a slider move rescores only the edited model.
    """
    before = baseline if baseline is not None else score_arrays(matrix, published)
    after = score_arrays(matrix, edited)
    cubes = {
        "published": _published_cube(matrix, before, outcomes),
        "edited": outcome_cube(after, outcomes),
    }
    counts = {m: model_counts(c) for m, c in cubes.items()}
    picked = changed_leads(before, after, changed_limit)
    return Backtest(
        summary=summary_frame(counts),
        rates=rates_frame(counts),
        bands=bands_frame(cubes, {"published": before.band_names, "edited": after.band_names}),
        mix=mix_frame(cubes, outcomes.segment_names),
        transitions=transitions_frame(before.stage_code, after.stage_code),
        changed=picked,
        score_change=after.qualification_score[picked] - before.qualification_score[picked],
    )
