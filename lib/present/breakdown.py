"""KPIs broken down by channel or a dimension kept from the export, in words, for the Overview
and the Quarterly review; and the words for what the data could not measure.

Pure functions over lib.metrics.kpis.breakdown_table; inputs are never mutated.
"""

from __future__ import annotations

import math

import pandas as pd

from lib.metrics.kpis import NO_SQL_DATES, OVERALL
from lib.present.numbers import count_text, money_text, rate_text, rate_texts

BREAKDOWN_LABELS: dict[str, str] = {
    "segment": "Segment",
    "channel": "Channel",
    "region": "Region",
    "product": "Product",
    "sector": "Sector",
    "owner": "Owner",
    "route_to_market": "Route to market",
}


def open_pipeline_text(amount: float, count: int, unpriced: int) -> str:
    """Return '$1.2M in 3 deals; amount unknown for 2 open deals', 'none' without open deals;
    deals without an amount are named, never summed as $0."""
    priced = int(count) - int(unpriced)
    parts = [f"{money_text(amount)} in {count_text(priced, 'deal')}"] if priced else []
    parts += [f"amount unknown for {count_text(int(unpriced), 'open deal')}"] if unpriced else []
    return "; ".join(parts) or "none"


def mql_to_sql_text(row: pd.Series) -> str:
    """Return MQL->SQL as a rate with interval and count, or why it is not measured."""
    if not row["mql_to_sql_measured"]:
        return NO_SQL_DATES
    return rate_text(
        row["mql_to_sql_rate"],
        row["mql_to_sql_rate_low"],
        row["mql_to_sql_rate_high"],
        row["mqls"],
        "MQLs",
    )


def breakdown_table(frame: pd.DataFrame, by: str, labels: dict[str, str]) -> pd.DataFrame:
    """Return one row per value of `by` and the overall row, headers and values in words."""
    names = frame[by].map(lambda v: "Overall" if v == OVERALL else labels.get(v, v))
    cycle = frame["median_won_cycle_days"].astype("float64")
    return pd.DataFrame(
        {
            BREAKDOWN_LABELS[by]: names,
            "Win rate": rate_texts(frame, "win_rate", "closed", "closed"),
            "Open pipeline": [
                open_pipeline_text(a, n, u)
                for a, n, u in zip(
                    frame["open_pipeline_amount"],
                    frame["open_pipeline_count"],
                    frame["open_pipeline_unpriced"],
                    strict=True,
                )
            ],
            "MQL→SQL": [mql_to_sql_text(row) for _, row in frame.iterrows()],
            "MQL→won": rate_texts(frame, "mql_to_won_rate", "mqls", "MQLs"),
            "Median days to win": ["—" if math.isnan(days) else f"{days:.0f}" for days in cycle],
        }
    )
