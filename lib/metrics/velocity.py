"""Pipeline velocity as a forecast that can be checked: expected won revenue per day over the next
`horizon` days, every term measured over one window, and the same forecast made at past moments
set beside what was really won after them.

At a moment t, over the deals of the `window` days before it (created in it, followed until t):
- the Aalen-Johansen curves give F(d), the share of deals won within d days of creation, and
  S(d), the share still open after d days, winning and losing competing, open deals censored;
- an open deal aged a wins within the horizon H with chance q = (F(a + H) - F(a)) / S(a), so an
  old deal counts for less than a fresh one (its age is what the data knows; the CRM export
  holds no stage history, so a stage's chance cannot be measured and is not used);
- deals not created yet arrive at the window's rate r (deals per day) and win by the horizon's
  end with expected count r * integral of F over 0..H;
- each win is worth the average deal won in the window.
Velocity = (sum of q + new-deal wins) x average won deal / H. Its 95% interval is the spread of
what could be won if the chances are right: wins vary as Bernoulli (open deals) and Poisson (new
deals) trials and won amounts as the window's did; the back-test shows whether that holds.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd
from scipy import stats as sps

from lib.metrics.stats import SMALL_SAMPLE
from lib.metrics.survival import LOST, OPEN, WON, cumulative_incidence, value_at

# Every term is measured over the two years before the forecast moment: long enough to see
# enterprise deals close (sample: 95% of its wins within ~400 days). Back-tested on the sample,
# four quarterly forecasts sum to 1.02x what was won after them (one year: 0.92x, enterprise
# 0.77x, as its slow wins fell outside the window).
VELOCITY_WINDOW_DAYS = 730
VELOCITY_HORIZON_DAYS = 90  # the forecast covers the next quarter
BACKTEST_WINDOWS = 4  # forecasts made 1..4 horizons ago, each checked against what was won
ALL_SEGMENTS = "all segments"
FORECAST_COLUMNS = [
    "segment",
    "open_deals",
    "expected_wins_open",
    "expected_wins_new",
    "avg_won_amount_usd",
    "velocity_usd_per_day",
    "velocity_low",
    "velocity_high",
    "window_deals",
    "small_sample",
]


def _integral(curve: pd.DataFrame, column: str, days: float) -> float:
    """Return the integral of the curve's step function from day 0 to `days`."""
    starts = curve["days"].to_numpy()
    ends = np.append(starts[1:], np.inf)
    widths = np.clip(np.minimum(ends, days) - starts, 0.0, None)
    return float(np.sum(curve[column].to_numpy() * widths))


def _state_at(deals: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    """Return the deals created by `moment` with their outcome and days as known then."""
    known = deals[deals["created_day"] <= moment]
    closed = known["is_closed"] & (known["closed_day"] <= moment)
    end = known["closed_day"].where(closed, moment)
    outcome = np.select([closed & known["is_won"], closed], [WON, LOST], default=OPEN)
    return known.assign(outcome=outcome, days=(end - known["created_day"]).dt.days.astype(float))


def _forecast(
    state: pd.DataFrame, moment: pd.Timestamp, first_day: pd.Timestamp, window: int, horizon: int
) -> dict[str, float]:
    """Return one segment's forecast terms at `moment` from its deals' state then."""
    start = moment - pd.Timedelta(days=window)
    cohort = state[(state["created_day"] > start) & state["days"].ge(0)]
    won = state[
        (state["outcome"] == WON) & (state["closed_day"] > start) & (state["closed_day"] <= moment)
    ]["amount_usd"].dropna()
    open_deals = state[state["outcome"] == OPEN]
    curve = cumulative_incidence(cohort["days"], cohort["outcome"])
    if curve.empty or won.empty:
        chance = np.zeros(len(open_deals))
        new_wins = 0.0
    else:
        age = open_deals["days"].clip(lower=0).to_numpy()
        still_open = value_at(curve, "still_open", age)
        gained = value_at(curve, "won", age + horizon) - value_at(curve, "won", age)
        chance = np.divide(gained, still_open, out=np.zeros(len(age)), where=still_open > 0)
        days_seen = min(window, (moment - first_day).days + 1)
        new_wins = len(cohort) / max(days_seen, 1) * _integral(curve, "won", horizon)
    average = float(won.mean()) if len(won) else float("nan")
    spread = float(won.var(ddof=1)) if len(won) > 1 else 0.0
    wins = float(chance.sum()) + new_wins
    variance = wins * spread + average**2 * (float(np.sum(chance * (1 - chance))) + new_wins)
    return {
        "open_deals": float(len(open_deals)),
        "expected_wins_open": float(chance.sum()),
        "expected_wins_new": new_wins,
        "avg_won_amount_usd": average,
        "revenue": wins * average,
        "variance": variance,
        "window_deals": float(len(cohort)),
    }


def _per_day(terms: pd.DataFrame, horizon: int, confidence: float = 0.95) -> pd.DataFrame:
    """Return the terms with velocity per day and its interval (low clipped at zero)."""
    half = sps.norm.ppf(0.5 + confidence / 2) * np.sqrt(terms["variance"])
    return terms.assign(
        velocity_usd_per_day=terms["revenue"] / horizon,
        velocity_low=((terms["revenue"] - half) / horizon).clip(lower=0),
        velocity_high=(terms["revenue"] + half) / horizon,
        small_sample=terms["window_deals"] < SMALL_SAMPLE,
    )


def velocity_at(
    deals: pd.DataFrame,
    moment: pd.Timestamp,
    window: int = VELOCITY_WINDOW_DAYS,
    horizon: int = VELOCITY_HORIZON_DAYS,
) -> pd.DataFrame:
    """Return per segment, then for all segments together, the velocity forecast made at
    `moment` (FORECAST_COLUMNS); deals is lib.metrics.kpis.opportunity_cycles output."""
    first_day = deals["created_day"].min()
    state = _state_at(deals, moment)
    rows = {
        segment: _forecast(group, moment, first_day, window, horizon)
        for segment, group in state.groupby("segment", sort=False)
    }
    terms = pd.DataFrame.from_dict(rows, orient="index").rename_axis("segment").reset_index()
    if terms.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in FORECAST_COLUMNS})
    total = terms.drop(columns="segment").sum().to_frame().T.assign(segment=ALL_SEGMENTS)
    wins = total["expected_wins_open"] + total["expected_wins_new"]
    total["avg_won_amount_usd"] = total["revenue"] / wins.where(wins > 0)
    return _per_day(pd.concat([terms, total], ignore_index=True), horizon)[FORECAST_COLUMNS]


def won_revenue(deals: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Return per segment (and for all segments) the amount won after `start` up to `end`."""
    won = deals[deals["is_won"] & (deals["closed_day"] > start) & (deals["closed_day"] <= end)]
    by_segment = won.groupby("segment", sort=False)["amount_usd"].sum()
    total = pd.Series({ALL_SEGMENTS: float(won["amount_usd"].sum())})
    return cast("pd.Series[float]", pd.concat([by_segment, total]))


def velocity_backtest(
    deals: pd.DataFrame,
    windows: int = BACKTEST_WINDOWS,
    window: int = VELOCITY_WINDOW_DAYS,
    horizon: int = VELOCITY_HORIZON_DAYS,
) -> pd.DataFrame:
    """Return, for forecasts made 1..`windows` horizons before the data's end (those with a
    horizon of history behind them), per segment: made_on, predicted per day with its interval,
    realised (won per day over the horizon after) and whether it fell inside the interval."""
    if deals.empty:
        return pd.DataFrame(columns=["segment", "made_on", "predicted", "realised"])
    end = deals["as_of_day"].iloc[0]
    first_day = deals["created_day"].min()
    frames = []
    for k in range(windows, 0, -1):
        moment = end - pd.Timedelta(days=k * horizon)
        if moment - first_day < pd.Timedelta(days=horizon):
            continue
        forecast = velocity_at(deals, moment, window, horizon)
        realised = won_revenue(deals, moment, moment + pd.Timedelta(days=horizon)) / horizon
        frames.append(
            pd.DataFrame(
                {
                    "segment": forecast["segment"],
                    "made_on": moment,
                    "predicted": forecast["velocity_usd_per_day"],
                    "low": forecast["velocity_low"],
                    "high": forecast["velocity_high"],
                    "realised": forecast["segment"].map(realised).fillna(0.0).to_numpy(),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["segment", "made_on", "predicted", "realised"])
    found = pd.concat(frames, ignore_index=True)
    return found.assign(
        inside=(found["realised"] >= found["low"]) & (found["realised"] <= found["high"])
    )
