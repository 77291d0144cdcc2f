"""Time to an outcome when some records have not reached one yet: competing risks, honestly.

A deal ends won or lost, or is still open when the data ends. Dropping the lost deals (or
counting them as not-yet-won) makes winning look slower or likelier than it is; the
Aalen-Johansen estimator treats winning and losing as competing outcomes and open deals as
censored at their age, so every deal counts for exactly the time it was watched.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

OPEN, WON, LOST = 0, 1, 2  # outcome codes: censored, the outcome of interest, the competing one
CURVE_COLUMNS = ["days", "at_risk", "won", "lost", "still_open"]


def cumulative_incidence(
    durations: np.ndarray | pd.Series, outcomes: np.ndarray | pd.Series
) -> pd.DataFrame:
    """Return the Aalen-Johansen curve: per distinct day, deals at risk and the shares won, lost
    and still open by then (won + lost + still_open = 1); outcomes are OPEN / WON / LOST.

    A deal censored on the day another ends counts as at risk that day. The curve starts at
    day 0 with nothing closed unless a deal closes on day 0; empty input gives an empty frame.
    """
    days = np.asarray(durations, dtype="float64")
    outcome = np.asarray(outcomes, dtype="int64")
    if days.size == 0:
        return pd.DataFrame({c: np.array([], dtype="float64") for c in CURVE_COLUMNS})
    times, index = np.unique(days, return_inverse=True)
    won = np.bincount(index, weights=outcome == WON, minlength=len(times))
    lost = np.bincount(index, weights=outcome == LOST, minlength=len(times))
    leaving = np.bincount(index, minlength=len(times))
    at_risk = len(days) - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    open_after = np.cumprod(1.0 - (won + lost) / at_risk)
    open_before = np.concatenate([[1.0], open_after[:-1]])
    curve = pd.DataFrame(
        {
            "days": times,
            "at_risk": at_risk.astype("float64"),
            "won": np.cumsum(open_before * won / at_risk),
            "lost": np.cumsum(open_before * lost / at_risk),
            "still_open": open_after,
        }
    )
    ended = (won + lost) > 0
    curve = curve[ended | (np.arange(len(times)) == len(times) - 1)]
    if curve["days"].iloc[0] > 0 or not ended[0]:
        start = pd.DataFrame({"days": [0.0], "at_risk": [float(len(days))], "won": [0.0]})
        curve = pd.concat([start.assign(lost=0.0, still_open=1.0), curve[curve["days"] > 0]])
    return cast(pd.DataFrame, curve.reset_index(drop=True)[CURVE_COLUMNS])


def value_at(curve: pd.DataFrame, column: str, days: np.ndarray | float) -> np.ndarray:
    """Return the curve's column at each of `days` (a step function: the last value on or
    before the day); before the first day it is the column's value at day 0."""
    position = np.searchsorted(curve["days"].to_numpy(), np.asarray(days), side="right") - 1
    values = curve[column].to_numpy()
    return np.asarray(values[np.clip(position, 0, len(values) - 1)], dtype="float64")


def median_days_to_close(curve: pd.DataFrame) -> float:
    """Return the first day by which half the deals have closed, won or lost; NaN if never."""
    reached = curve.loc[curve["still_open"] <= 0.5, "days"]
    return float(reached.iloc[0]) if len(reached) else float("nan")


def median_days_to_win(curve: pd.DataFrame) -> float:
    """Return the first day by which half of the wins seen by the end of the curve have
    happened (the median time to win among deals that win); NaN when nothing was won."""
    if curve.empty or not curve["won"].iloc[-1] > 0:
        return float("nan")
    reached = curve.loc[curve["won"] >= curve["won"].iloc[-1] / 2, "days"]
    return float(reached.iloc[0])
