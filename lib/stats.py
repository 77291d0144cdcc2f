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
