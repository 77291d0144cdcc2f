"""Score bands and deciles against what really happened: do higher scores win more?"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from lib.metrics.stats import rate_frame
from lib.scoring import ScoreArrays
from lib.store.connection import run_query

BAND_COLUMNS = [
    "band",
    "leads",
    "reached_sql",
    "won",
    "lost",
    "closed",
    "win_rate",
    "win_rate_low",
    "win_rate_high",
    "small_sample",
    "conversion",
    "conversion_low",
    "conversion_high",
    "avg_won_amount_usd",
    "avg_gross_margin_usd",
    "avg_qualification_score",
    "lift",
]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def band_scores(features: pd.DataFrame, scores: ScoreArrays) -> pd.DataFrame:
    """Return lead_id, band and qualification_score of score_arrays output on `features` rows
    (the light frame outcomes_by_band reads, without explanations)."""
    return pd.DataFrame(
        {
            "lead_id": features["lead_id"].to_numpy(),
            "band": np.array(scores.band_names, dtype=object)[scores.band_code],
            "qualification_score": scores.qualification_score.astype("float64"),
        }
    )


def _score_view(scores: pd.DataFrame) -> pd.DataFrame:
    # explicit dtypes, so an empty frame still groups into typed columns
    return pd.DataFrame(
        {
            "lead_id": scores["lead_id"].astype("str"),
            "band": scores["band"].astype("str"),
            "qualification_score": pd.to_numeric(scores["qualification_score"]).astype("float64"),
        }
    )


def _band_counts(scored: pd.DataFrame) -> pd.DataFrame:
    """Return per band (highest average score first) leads, reached_sql, won and lost counts,
    won deals' average amount and margin and the average score."""
    won = scored["won"]
    bands = (
        scored.assign(
            won_amount_usd=scored["won_amount_usd"].where(won),
            won_gross_margin_usd=scored["won_gross_margin_usd"].where(won),
        )
        .groupby("band", sort=False)
        .agg(
            leads=("lead_id", "size"),
            reached_sql=("reached_sql", "sum"),
            won=("won", "sum"),
            lost=("lost", "sum"),
            avg_won_amount_usd=("won_amount_usd", "mean"),
            avg_gross_margin_usd=("won_gross_margin_usd", "mean"),
            avg_qualification_score=("qualification_score", "mean"),
        )
        .reset_index()
    )
    return bands.sort_values(
        ["avg_qualification_score", "band"],
        ascending=[False, True],
        na_position="last",
        kind="stable",
        ignore_index=True,
    )


def outcomes_by_band(conn: duckdb.DuckDBPyConnection, scores: pd.DataFrame) -> pd.DataFrame:
    """Return one row per band (highest scores first): counts, win rate and conversion with
    95% Wilson intervals, won deals' average amount and margin, and lift over the overall
    win rate; scores (lead_id, band, qualification_score) is not mutated."""
    # the outcomes are the data's and the bands the model's: joined here, so the query needs
    # no frame from Python and serves any model
    outcomes = run_query(conn, "kpi/lead_outcomes")
    scored = _score_view(scores).merge(outcomes, on="lead_id", how="left")
    flags = ["reached_sql", "won", "lost"]
    scored[flags] = scored[flags].fillna(False).astype(bool)
    bands = _band_counts(scored)
    closed = bands["won"] + bands["lost"]
    overall = _ratio(bands["won"].sum(), closed.sum())
    win = rate_frame(bands["won"], closed, "win_rate")
    conversion = rate_frame(bands["won"], bands["leads"], "conversion").drop(columns="small_sample")
    return pd.concat([bands.assign(closed=closed), win, conversion], axis=1).assign(
        lift=lambda f: f["win_rate"] / overall if overall else np.nan
    )[BAND_COLUMNS]
