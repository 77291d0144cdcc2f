"""Honest rates and rankings: counts, Wilson intervals, tests that correct for many looks,
AUC with DeLong intervals and paired tests, calibration, small-sample flags."""

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


def score_test_p_value(
    successes: np.ndarray | pd.Series | int,
    trials: np.ndarray | pd.Series | int,
    rate: float | np.ndarray,
) -> np.ndarray:
    """Return the two-sided p-value of the score test that the true rate is `rate` per element
    (NaN where trials is 0); it is below 0.05 exactly when the 95% Wilson interval excludes rate."""
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (k - n * rate) / np.sqrt(n * rate * (1 - rate))
    return np.where(n > 0, 2 * sps.norm.sf(np.abs(z)), np.nan)


def holm_adjusted(p_values: np.ndarray | pd.Series) -> np.ndarray:
    """Return Holm's step-down adjusted p-values (NaN stays NaN and is not counted as a test)."""
    p = np.asarray(p_values, dtype="float64")
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    steps = (len(order) - np.arange(len(order))) * p[order]
    out = np.full(p.shape, np.nan)
    out[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return out


def difference_interval(
    before: tuple[int, int], after: tuple[int, int], confidence: float = 0.95
) -> tuple[float, float, float]:
    """Return (change, low, high): after's rate minus before's, each (successes, trials), with
    Newcombe's hybrid score interval built from the two Wilson intervals; NaN without trials."""
    (k1, n1), (k2, n2) = before, after
    if n1 == 0 or n2 == 0:
        return float("nan"), float("nan"), float("nan")
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = (
        tuple(float(b) for b in wilson_interval(k, n, confidence)) for k, n in ((k1, n1), (k2, n2))
    )
    change = p2 - p1
    low = change - float(np.hypot(p2 - l2, u1 - p1))
    high = change + float(np.hypot(u2 - p2, p1 - l1))
    return change, low, high


def ratio_interval(
    first: float,
    second: float,
    covariance: np.ndarray,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Return Fieller's interval for first / second, two estimates with a 2x2 covariance;
    (-inf, inf) when `second` cannot be told from zero, as then the ratio is unbounded."""
    z2 = sps.norm.ppf(0.5 + confidence / 2) ** 2
    (v11, v12), (_, v22) = np.asarray(covariance, dtype="float64")
    a = second * second - z2 * v22
    b = -2 * (first * second - z2 * v12)
    c = first * first - z2 * v11
    disc = b * b - 4 * a * c
    if a <= 0 or disc < 0:
        return float("-inf"), float("inf")
    root = np.sqrt(disc)
    low, high = sorted(((-b - root) / (2 * a), (-b + root) / (2 * a)))
    return float(low), float(high)


DECILES = 10


def roc_auc(score: np.ndarray, won: np.ndarray) -> float:
    """Return ROC AUC = P(a won deal outscores a lost one), ties half; NaN with one class."""
    won = np.asarray(won, dtype=bool)
    pos, neg = np.asarray(score)[won], np.asarray(score)[~won]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    u = sps.mannwhitneyu(pos, neg, alternative="two-sided", method="asymptotic").statistic
    return float(u / (len(pos) * len(neg)))


def _placements(score: np.ndarray, won: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return DeLong's placement values: per won deal the share of lost deals it outscores, per
    lost deal the share of won deals that outscore it (ties half), from mid-ranks."""
    pos, neg = score[won], score[~won]
    ranks = sps.rankdata(np.concatenate([pos, neg]))
    above_lost = (ranks[: len(pos)] - sps.rankdata(pos)) / len(neg)
    won_above = 1.0 - (ranks[len(pos) :] - sps.rankdata(neg)) / len(pos)
    return above_lost, won_above


def auc_covariance(scores: list[np.ndarray], won: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the AUC of each score on the same deals and DeLong's (1988) covariance matrix of
    those AUCs; NaN when either outcome has fewer than two deals."""
    won = np.asarray(won, dtype=bool)
    m, n = int(won.sum()), int((~won).sum())
    if m < 2 or n < 2:
        nan = np.full(len(scores), np.nan)
        return nan, np.full((len(scores), len(scores)), np.nan)
    parts = [_placements(np.asarray(s, dtype="float64"), won) for s in scores]
    above_lost = np.array([p[0] for p in parts])
    won_above = np.array([p[1] for p in parts])
    covariance = np.atleast_2d(np.cov(above_lost)) / m + np.atleast_2d(np.cov(won_above)) / n
    return above_lost.mean(axis=1), covariance


def auc_interval(
    score: np.ndarray, won: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Return (auc, low, high): the ROC AUC with its DeLong interval, clipped to 0..1."""
    aucs, covariance = auc_covariance([score], won)
    auc, half = aucs[0], sps.norm.ppf(0.5 + confidence / 2) * np.sqrt(covariance[0, 0])
    return float(auc), float(np.clip(auc - half, 0.0, 1.0)), float(np.clip(auc + half, 0.0, 1.0))


def paired_auc_test(first: np.ndarray, second: np.ndarray, won: np.ndarray) -> tuple[float, float]:
    """Return (second's AUC minus first's, two-sided p-value) of DeLong's paired test on the same
    deals; the p-value is 1 when the two rank the deals identically, NaN with too few deals."""
    aucs, cov = auc_covariance([first, second], won)
    variance = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    difference = float(aucs[1] - aucs[0])
    if np.isnan(variance):
        return difference, float("nan")
    if variance <= 1e-15:
        return difference, 1.0
    return difference, float(2 * sps.norm.sf(abs(difference) / np.sqrt(variance)))


def score_bins(score: np.ndarray, bins: int = DECILES) -> np.ndarray:
    """Return bin 1..bins per score, 1 holding the highest scores; ties split by position."""
    rank = pd.Series(-np.asarray(score, dtype="float64")).rank(method="first").to_numpy()
    return (np.ceil(rank * bins / len(rank))).astype("int64")


def lift_by_decile(score: np.ndarray, won: np.ndarray) -> pd.DataFrame:
    """Return per decile (1 = top scores): leads, won, win_rate, lift over the overall rate,
    the score range, and small_sample when a decile holds fewer than SMALL_SAMPLE deals."""
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
    out["small_sample"] = out["leads"] < SMALL_SAMPLE
    return out.reset_index()[
        ["decile", "leads", "won", "win_rate", "lift", "score_min", "score_max", "small_sample"]
    ]


def calibration_curve(
    probability: np.ndarray, won: np.ndarray, bins: int = DECILES
) -> pd.DataFrame:
    """Return per predicted-probability bin: leads, mean predicted, observed win rate, Wilson CI
    and small_sample (fewer than SMALL_SAMPLE deals in the bin)."""
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
        [
            "leads",
            "won",
            "mean_predicted",
            "observed",
            "observed_low",
            "observed_high",
            "small_sample",
        ]
    ]


def calibration_slope(probability: np.ndarray, won: np.ndarray) -> tuple[float, float]:
    """Return (intercept, slope) of the logistic regression of the outcome on the predicted
    log-odds: slope 1 means the predictions spread as much as the outcomes do, below 1 that
    they are too extreme; NaN when it cannot be fitted (one outcome, one prediction)."""
    p = np.clip(np.asarray(probability, dtype="float64"), 1e-9, 1 - 1e-9)
    y = np.asarray(won, dtype="float64")
    x = np.column_stack([np.ones(len(p)), np.log(p / (1 - p))])
    beta = np.zeros(2)
    for _ in range(100):  # Newton-Raphson: the log-likelihood is concave, ~6 steps in practice
        mu = 1.0 / (1.0 + np.exp(-(x @ beta)))
        hessian = x.T @ (x * (mu * (1 - mu))[:, None])
        if len(p) == 0 or np.linalg.cond(hessian) > 1e12:
            return float("nan"), float("nan")
        step = np.linalg.solve(hessian, x.T @ (y - mu))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            return float(beta[0]), float(beta[1])
    return float("nan"), float("nan")  # no convergence: a separating prediction


def brier_score(probability: np.ndarray, won: np.ndarray) -> float:
    """Return the mean squared difference between predicted probability and outcome (0 best)."""
    p, y = np.asarray(probability, dtype="float64"), np.asarray(won, dtype="float64")
    return float(np.mean((p - y) ** 2)) if len(p) else float("nan")
