"""Honest rates: counts, Wilson intervals and small-sample flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

SMALL_SAMPLE = 30  # below this many trials a rate is flagged, not hidden


def wilson_interval(
    successes: np.ndarray | pd.Series | int,
    trials: np.ndarray | pd.Series | int,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
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
    return pd.DataFrame(
        {
            prefix: np.where(n > 0, successes / n.where(n > 0), np.nan),
            f"{prefix}_low": low,
            f"{prefix}_high": high,
            "small_sample": n < SMALL_SAMPLE,
        },
        index=successes.index,
    )


def kaplan_meier(
    durations: np.ndarray | pd.Series, observed: np.ndarray | pd.Series
) -> pd.DataFrame:
    """Return days and share_still_open of the Kaplan-Meier curve; unobserved ends are censored.

    The curve starts at (0, 1.0) unless an event happens at day 0; empty input gives an empty frame.
    """
    days = np.asarray(durations, dtype="float64")
    ended = np.asarray(observed, dtype=bool)
    if days.size == 0:
        return pd.DataFrame(
            {
                "days": np.array([], dtype="float64"),
                "share_still_open": np.array([], dtype="float64"),
            }
        )
    survival = sps.ecdf(sps.CensoredData(uncensored=days[ended], right=days[~ended])).sf
    steps, shares = survival.quantiles, survival.probabilities
    if steps[0] > 0:
        steps, shares = np.concatenate([[0.0], steps]), np.concatenate([[1.0], shares])
    return pd.DataFrame({"days": steps, "share_still_open": shares})


def km_median(curve: pd.DataFrame) -> float:
    """Return the first day the Kaplan-Meier share still open is at most one half; NaN if never."""
    reached = curve.loc[curve["share_still_open"] <= 0.5, "days"]
    return float(reached.iloc[0]) if len(reached) else float("nan")


DECILES = 10


def roc_auc(score: np.ndarray, won: np.ndarray) -> float:
    """Return ROC AUC = P(a won deal outscores a lost one), ties half; NaN with one class."""
    won = np.asarray(won, dtype=bool)
    pos, neg = np.asarray(score)[won], np.asarray(score)[~won]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    u = sps.mannwhitneyu(pos, neg, alternative="two-sided", method="asymptotic").statistic
    return float(u / (len(pos) * len(neg)))


def score_bins(score: np.ndarray, bins: int = DECILES) -> np.ndarray:
    """Return bin 1..bins per score, 1 holding the highest scores; ties split by position."""
    rank = pd.Series(-np.asarray(score, dtype="float64")).rank(method="first").to_numpy()
    return (np.ceil(rank * bins / len(rank))).astype("int64")


def lift_by_decile(score: np.ndarray, won: np.ndarray) -> pd.DataFrame:
    """Return per decile (1 = top scores): leads, won, win_rate and lift over the overall rate."""
    frame = pd.DataFrame(
        {
            "decile": score_bins(score),
            "won": np.asarray(won, dtype="int64"),
            "score": np.asarray(score, dtype="float64"),
        }
    )
    out = frame.groupby("decile").agg(
        leads=("won", "size"),
        won=("won", "sum"),
        score_min=("score", "min"),
        score_max=("score", "max"),
    )
    out["win_rate"] = out["won"] / out["leads"]
    out["lift"] = out["win_rate"] / frame["won"].mean()
    return out.reset_index()[
        ["decile", "leads", "won", "win_rate", "lift", "score_min", "score_max"]
    ]


def calibration_curve(
    probability: np.ndarray, won: np.ndarray, bins: int = DECILES
) -> pd.DataFrame:
    """Return per predicted-probability bin: leads, mean predicted, observed win rate, Wilson CI."""
    frame = pd.DataFrame(
        {
            "bin": score_bins(probability, bins),
            "predicted": np.asarray(probability, dtype="float64"),
            "won": np.asarray(won, dtype="int64"),
        }
    )
    out = frame.groupby("bin").agg(
        leads=("won", "size"), won=("won", "sum"), mean_predicted=("predicted", "mean")
    )
    out = out.join(rate_frame(out["won"], out["leads"], prefix="observed"))
    return out.sort_values("mean_predicted").reset_index(drop=True)[
        ["leads", "won", "mean_predicted", "observed", "observed_low", "observed_high"]
    ]


def auc_interval(
    auc: float, positives: int, negatives: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Return a (low, high) interval for a ROC AUC from the Hanley-McNeil (1982) standard error."""
    if positives == 0 or negatives == 0 or np.isnan(auc):
        return float("nan"), float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
    ) / (positives * negatives)
    half = sps.norm.ppf(0.5 + confidence / 2) * np.sqrt(variance)
    return float(max(0.0, auc - half)), float(min(1.0, auc + half))
