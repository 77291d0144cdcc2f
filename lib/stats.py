"""Honest rates: counts, Wilson intervals and small-sample flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

SMALL_SAMPLE = 30  # below this many trials a rate is flagged, not hidden


def wilson_interval(successes: np.ndarray | pd.Series | int, trials: np.ndarray | pd.Series | int,
                    confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Return (low, high) Wilson score bounds per element; NaN where trials is 0."""
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    z = sps.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def rate_frame(successes: pd.Series, trials: pd.Series, prefix: str = "rate") -> pd.DataFrame:
    """Return <prefix>, <prefix>_low, <prefix>_high and small_sample columns for aligned counts."""
    low, high = wilson_interval(successes, trials)
    n = trials.astype("float64")
    return pd.DataFrame({
        prefix: np.where(n > 0, successes / n.where(n > 0), np.nan),
        f"{prefix}_low": low,
        f"{prefix}_high": high,
        "small_sample": n < SMALL_SAMPLE,
    }, index=successes.index)


def kaplan_meier(durations: np.ndarray | pd.Series,
                 observed: np.ndarray | pd.Series) -> pd.DataFrame:
    """Return days and share_still_open of the Kaplan-Meier curve; unobserved ends are censored.

    The curve starts at (0, 1.0) unless an event happens at day 0; empty input gives an empty frame.
    """
    days = np.asarray(durations, dtype="float64")
    ended = np.asarray(observed, dtype=bool)
    if days.size == 0:
        return pd.DataFrame({"days": np.array([], dtype="float64"),
                             "share_still_open": np.array([], dtype="float64")})
    survival = sps.ecdf(sps.CensoredData(uncensored=days[ended], right=days[~ended])).sf
    steps, shares = survival.quantiles, survival.probabilities
    if steps[0] > 0:
        steps, shares = np.concatenate([[0.0], steps]), np.concatenate([[1.0], shares])
    return pd.DataFrame({"days": steps, "share_still_open": shares})


def km_median(curve: pd.DataFrame) -> float:
    """Return the first day the Kaplan-Meier share still open is at most one half; NaN if never."""
    reached = curve.loc[curve["share_still_open"] <= 0.5, "days"]
    return float(reached.iloc[0]) if len(reached) else float("nan")
