"""Numbers written for people: rates with their interval and count, money, small-sample flags.

Pages and the summaries built for them share these so every rate on screen reads the same way:
"27.3% (24.1–30.6%), 812 closed", with "⚠ small sample" below 30 trials.
"""

from __future__ import annotations

import math

import pandas as pd

from lib.metrics.kpis import MQL_TO_SQL_HEALTHY_HIGH, MQL_TO_SQL_HEALTHY_LOW
from lib.metrics.stats import SMALL_SAMPLE

SMALL_SAMPLE_FLAG = "⚠ small sample"
# The healthy MQL->SQL band in words, from the one pair of numbers in lib.metrics.kpis
HEALTHY_MQL_TO_SQL = f"{MQL_TO_SQL_HEALTHY_LOW * 100:g}–{MQL_TO_SQL_HEALTHY_HIGH * 100:g}%"
BELOW_HEALTHY = f"Below {MQL_TO_SQL_HEALTHY_LOW:.0%}"
ABOVE_HEALTHY = f"Above {MQL_TO_SQL_HEALTHY_HIGH:.0%}"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def percent_text(rate: float | None) -> str:
    """Return '23.4%'; an em dash when there is no rate."""
    return "—" if _missing(rate) else f"{rate:.1%}"


def rate_text(
    rate: float | None, low: float | None, high: float | None, count: int, noun: str
) -> str:
    """Return '27.3% (24.1–30.6%), 812 closed', flagged below 30 trials; '—' with no trials."""
    trials = f"{int(count):,} {noun}"
    if _missing(rate):
        return f"— ({trials})"
    return f"{interval_text(rate, low, high)}, {trials}" + (
        f" {SMALL_SAMPLE_FLAG}" if count < SMALL_SAMPLE else ""
    )


def interval_text(rate: float | None, low: float | None, high: float | None) -> str:
    """Return '27.3% (24.1–30.6%)': the rate with its interval when both bounds are known."""
    text = percent_text(rate)
    if low is not None and high is not None and not (_missing(low) or _missing(high)):
        text += f" ({low * 100:.1f}–{high:.1%})"
    return text


def small_flag(count: float) -> str:
    """Return the small-sample flag for fewer than SMALL_SAMPLE trials, else nothing."""
    return SMALL_SAMPLE_FLAG if count < SMALL_SAMPLE else ""


def rate_texts(frame: pd.DataFrame, rate: str, trials: str, noun: str) -> list[str]:
    """Return rate_text for every row of frame: its `rate` column with `<rate>_low` and
    `<rate>_high`, out of its `trials` column."""
    return [
        rate_text(r, lo, hi, n, noun)
        for r, lo, hi, n in zip(
            frame[rate], frame[f"{rate}_low"], frame[f"{rate}_high"], frame[trials], strict=True
        )
    ]


def count_text(count: int, noun: str, plural: str | None = None) -> str:
    """Return '1 open deal' / '2,301 open deals': the count grouped, the noun agreeing with it."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def money_text(value: float | None) -> str:
    """Return $1.2M / $340k / $950; an em dash when missing."""
    if value is None or math.isnan(value):
        return "—"
    sign = "-" if value < 0 else ""
    size = abs(value)
    for unit, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if size >= scale:
            return f"{sign}${size / scale:.1f}{unit}"
    return f"{sign}${size:,.0f}"
