"""Score bands and deciles against what really happened: do higher scores win more?"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from lib.metrics.stats import rate_frame
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


def _score_view(scores: pd.DataFrame) -> pd.DataFrame:
    # Explicit dtypes so an empty frame still registers with typed columns.
    return pd.DataFrame(
        {
            "lead_id": scores["lead_id"].astype("str"),
            "band": scores["band"].astype("str"),
            "qualification_score": pd.to_numeric(scores["qualification_score"]).astype("float64"),
        }
    )


def outcomes_by_band(conn: duckdb.DuckDBPyConnection, scores: pd.DataFrame) -> pd.DataFrame:
    """Return one row per band (highest scores first): counts, win rate and conversion with
    95% Wilson intervals, won deals' average amount and margin, and lift over the overall
    win rate; scores (lead_id, band, qualification_score) is not mutated."""
    bands = run_query(conn, "kpi/band_outcomes", frames={"scores": _score_view(scores)})
    closed = bands["won"] + bands["lost"]
    overall = _ratio(bands["won"].sum(), closed.sum())
    win = rate_frame(bands["won"], closed, "win_rate")
    conversion = rate_frame(bands["won"], bands["leads"], "conversion").drop(columns="small_sample")
    return pd.concat([bands.assign(closed=closed), win, conversion], axis=1).assign(
        lift=lambda f: f["win_rate"] / overall if overall else np.nan
    )[BAND_COLUMNS]
