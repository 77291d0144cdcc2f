"""What the Overview shows leadership: target mix, the mix gap, who wins most, the maturity matrix.

Pure functions over the tidy frames lib.metrics.kpis returns; inputs are never mutated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lib.metrics.bundle import OVERVIEW_MARGIN_TARGET
from lib.metrics.stats import SMALL_SAMPLE, wilson_interval
from lib.metrics.velocity import ALL_SEGMENTS, VELOCITY_HORIZON_DAYS, VELOCITY_WINDOW_DAYS
from lib.present.breakdown import open_pipeline_text
from lib.present.numbers import SMALL_SAMPLE_FLAG, count_text, money_text, rate_text

VELOCITY_NOTE = (
    f"Won revenue expected per day over the next {VELOCITY_HORIZON_DAYS} days: each open deal "
    "counts its chance to be won in that time at its age (old deals count less), deals not yet "
    "created count at today's rate, and each win is worth the average won deal. Every term is "
    f"measured on the deals of the {VELOCITY_WINDOW_DAYS // 365} years before the data's end, "
    "whatever the period chosen; the export has no stage history, so a deal's stage is not "
    "used. The interval is the range the wins could fall in if those chances are right; the "
    "back-test made the same forecast at past quarter-ends."
)
TARGET_SEGMENTS = ("enterprise", "mid_market")  # the two the sliders set; smb takes the rest
REST_SEGMENT = "smb"


def target_mix(enterprise_pct: float, mid_market_pct: float) -> dict[str, float]:
    """Return target shares {enterprise, mid_market, smb} from two percentages, SMB the rest;
    when the two add up to more than 100 they are scaled down to fill 100 exactly."""
    chosen = max(enterprise_pct, 0.0), max(mid_market_pct, 0.0)
    total = sum(chosen)
    scale = 100.0 / total if total > 100 else 1.0
    shares = [value * scale / 100 for value in chosen]
    return dict(zip(TARGET_SEGMENTS, shares, strict=True)) | {
        REST_SEGMENT: max(0.0, 1 - sum(shares))
    }


def today_mix_percent(mix: pd.DataFrame) -> dict[str, int]:
    """Return today's open-amount share of each slider segment in whole percent (0 without
    open pipeline), so the target sliders start where the pipeline is; mix is pipeline_mix."""
    shares = mix.set_index("segment")["open_share"].reindex(list(TARGET_SEGMENTS))
    return {str(s): int(round(float(v) * 100)) if pd.notna(v) else 0 for s, v in shares.items()}


def overall_rate(successes: pd.Series, trials: pd.Series) -> tuple[float, float, float, int]:
    """Return (rate, low, high, trials) of the summed counts, with the 95% Wilson interval."""
    k, n = int(successes.sum()), int(trials.sum())
    low, high = wilson_interval(k, n)
    return (k / n if n else float("nan")), float(low), float(high), n


def open_pipeline_metric(overall: dict[str, Any]) -> tuple[str, str]:
    """Return the Open pipeline metric's value and caption from the KPI summary's overall row:
    'Amount unknown' (never $0) when no open deal has an amount, and the unpriced deals named."""
    count, unpriced = overall["open_pipeline_count"], overall["open_pipeline_unpriced"]
    value = (
        "Amount unknown"
        if count and count == unpriced
        else money_text(overall["open_pipeline_amount"])
    )
    caption = count_text(int(count), "open opportunity", "open opportunities")
    if unpriced:
        caption += f"; {open_pipeline_text(0.0, unpriced, unpriced)}"
    return value, caption


def mix_gap_sentence(mix: pd.DataFrame, labels: dict[str, str]) -> str:
    """Return how far open pipeline sits from the target mix, in points and money per segment."""
    if not mix["open_amount_usd"].sum() > 0:
        if mix["open_unpriced"].sum() > 0:
            return (
                f"Amount unknown for {count_text(int(mix['open_unpriced'].sum()), 'open deal')}: "
                "there is no open pipeline value to compare with the target mix."
            )
        return "There is no open pipeline to compare with the target mix."
    off = mix["gap_share"].abs().sum() / 2  # share of pipeline that would have to move
    moves = [
        f"{labels.get(s, s)} {money_text(abs(g))} {'short' if g > 0 else 'over'}"
        for s, g in zip(mix["segment"], mix["gap_amount_usd"], strict=True)
        if abs(g) >= 0.005 * mix["open_amount_usd"].sum()
    ]
    if not moves:
        return "Open pipeline sits on the target mix."
    return (
        f"Open pipeline is {off:.0%} away from the target mix: "
        + ", ".join(moves)
        + " at today's total."
    )


def _signed_money(value: float) -> str:
    return "—" if pd.isna(value) else ("+" if value > 0 else "") + money_text(value)


def mix_table(mix: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Return the pipeline mix per segment with headers in words, money as text, shares as
    fractions; a positive gap is money missing from the segment, a negative one is excess."""
    return pd.DataFrame(
        {
            "Segment": mix["segment"].map(lambda s: labels.get(s, s)),
            "Open deals": mix["open_count"].astype("int64"),
            "Open amount": mix["open_amount_usd"].map(money_text),
            "Share of open amount": mix["open_share"],
            "Target share": mix["target_share"],
            "Gap to target": mix["gap_amount_usd"].map(_signed_money),
            "Won deals": mix["won_count"].astype("int64"),
            "Won amount": mix["won_amount_usd"].map(money_text),
            "Share of won amount": mix["won_share"],
        }
    )


def _enough(wins: pd.DataFrame) -> pd.DataFrame:
    """Return the segments with at least SMALL_SAMPLE closed deals (all of them if none has)."""
    sized = wins[wins["closed"] >= SMALL_SAMPLE]
    return sized if len(sized) else wins


def leader_sentence(wins: pd.DataFrame, labels: dict[str, str]) -> str:
    """Return which segment wins most, its rate with interval, and whether the runner-up's
    interval overlaps (so how sure we are); wins is lib.metrics.kpis.win_rate_by_segment output."""
    ranked = _enough(wins.dropna(subset=["win_rate"])).sort_values("win_rate", ascending=False)
    if ranked.empty:
        return "No closed deals in the period, so no segment can be said to win most."
    top = ranked.iloc[0]
    text = (
        f"{labels.get(top['segment'], top['segment'])} wins most: "
        + rate_text(
            top["win_rate"], top["win_rate_low"], top["win_rate_high"], top["closed"], "closed"
        )
        + "."
    )
    if len(ranked) < 2:
        return text
    second = ranked.iloc[1]
    name = labels.get(second["segment"], second["segment"])
    if top["win_rate_low"] > second["win_rate_high"]:
        return text + f" Its 95% interval sits clear of {name}'s {second['win_rate']:.1%}."
    return text + (
        f" Its 95% interval overlaps {name}'s ({second['win_rate']:.1%}), "
        "so the lead is not yet certain."
    )


TREND_COLUMNS = ["quarter", "value", "n", "noun", "partial"]


def quarterly_trends(
    quarters: pd.DataFrame, lead_segment: str, lead_label: str
) -> dict[str, pd.DataFrame]:
    """Return, per capability that has one, its KPI by quarter (oldest first; the frame's
    `attrs["name"]` says it in words) with the count behind each point and whether the quarter
    is partial: the lead segment's share of new pipeline amount over deals created, and the
    overall win rate over deals closed; quarters is lib.metrics.kpis.kpis_by_quarter output."""
    totals = quarters.groupby("quarter").agg(
        won=("won", "sum"),
        closed=("closed", "sum"),
        created=("pipeline_created_usd", "sum"),
        deals=("pipeline_created_count", "sum"),
        partial=("partial", "max"),
    )
    lead = (
        quarters[quarters["segment"] == lead_segment]
        .groupby("quarter")["pipeline_created_usd"]
        .sum()
        .reindex(totals.index, fill_value=0.0)
    )
    frames = {
        "segmentation": (
            lead / totals["created"].where(totals["created"] > 0),
            totals["deals"],
            "deals created",
            f"{lead_label} share of new pipeline",
        ),
        "scoring": (
            totals["won"] / totals["closed"].where(totals["closed"] > 0),
            totals["closed"],
            "closed",
            "Win rate, all segments",
        ),
    }
    out = {}
    for key, (value, n, noun, name) in frames.items():
        frame = pd.DataFrame(
            {"value": value, "n": n.astype("int64"), "noun": noun, "partial": totals["partial"]}
        )
        frame = frame.dropna(subset=["value"]).rename_axis("quarter").reset_index()[TREND_COLUMNS]
        frame.attrs["name"] = name
        out[key] = frame
    return out


def _mix_now(mix: pd.DataFrame, labels: dict[str, str]) -> str:
    shares = [
        # "<1%" only for a share that is there but small: none at all reads 0%
        f"{labels.get(s, s)} {v:.0%}" if v >= 0.005 or v == 0 else f"{labels.get(s, s)} <1%"
        for s, v in zip(mix["segment"], mix["open_share"], strict=True)
        if pd.notna(v)
    ]
    return " · ".join(shares) + " of open amount" if shares else "No open pipeline"


def _winner_now(wins: pd.DataFrame, labels: dict[str, str]) -> str:
    ranked = _enough(wins.dropna(subset=["win_rate"])).sort_values("win_rate", ascending=False)
    if ranked.empty:
        return "No closed deals"
    top = ranked.iloc[0]
    return f"{labels.get(top['segment'], top['segment'])} highest: " + rate_text(
        top["win_rate"], top["win_rate_low"], top["win_rate_high"], top["closed"], "closed"
    )


def _process_now(sla: pd.DataFrame, meetings: pd.DataFrame) -> str:
    due = sla.dropna(subset=["sla_hours"])
    text = "SLA met " + rate_text(*overall_rate(due["handled_within_sla"], due["mqls"]), "MQLs")
    hours = meetings.loc[meetings["meetings"] >= SMALL_SAMPLE, "median_hours_to_first_meeting"]
    low, high = f"{hours.min():,.0f}", f"{hours.max():,.0f}"
    if hours.notna().any():
        span = low if low == high else f"{low}–{high}"
        text += f"; median {span} h from MQL to first meeting (by segment)"
    return text


def _financial_now(profitable: pd.DataFrame) -> str:
    if not bool(profitable["margin_tracked"].any()):
        return "Gross margin is not in the data"
    rate = overall_rate(profitable["profitable_won"], profitable["closed"])
    won, recorded = int(profitable["won"].sum()), int(profitable["won_with_margin"].sum())
    text = f"Won at ≥ {OVERVIEW_MARGIN_TARGET:.0%} margin: " + rate_text(*rate, "closed")
    if recorded < won:
        text += (
            f"; {won - recorded:,} of {won:,} won deals have no margin recorded and count as "
            "not profitable"
        )
    return text


def _optimisation_now(bands: pd.DataFrame, labels: dict[str, str]) -> str:
    scored = bands[bands["closed"] > 0]
    sized = scored[scored["closed"] >= SMALL_SAMPLE]
    if sized.empty:
        return "No score band has enough closed deals to compare"
    top = sized.iloc[0]  # the highest band with enough closed deals to say anything
    overall = top["win_rate"] / top["lift"] if top["lift"] else float("nan")
    average_won = (scored["avg_won_amount_usd"] * scored["won"]).sum() / scored["won"].sum()
    flag = f" {SMALL_SAMPLE_FLAG} ({int(top['won'])} won)" if top["won"] < SMALL_SAMPLE else ""
    return (
        f"{labels.get(top['band'], top['band'])} band, scored when routed, wins "
        f"{top['lift']:.2f}× the average rate (95% interval from "
        f"{top['win_rate_low'] / overall:.2f}×); its average won deal is "
        f"{top['avg_won_amount_usd'] / average_won:.2f}× the average{flag}"
    )


def kpis_now(
    mix: pd.DataFrame,
    wins: pd.DataFrame,
    qualified: pd.DataFrame,
    sla: pd.DataFrame,
    meetings: pd.DataFrame,
    profitable: pd.DataFrame,
    bands: pd.DataFrame,
    labels: dict[str, str],
    band_labels: dict[str, str],
) -> dict[str, str]:
    """Return capability key -> the KPI's current value in words, each rate with its count and
    interval; arguments are the lib.metrics.kpis / lib.metrics.outcomes frames of the same names."""
    return {
        "segmentation": _mix_now(mix, labels),
        "qualification": "From SQLs: "
        + rate_text(*overall_rate(qualified["qualified"], qualified["created"]), "opportunities"),
        "scoring": _winner_now(wins, labels),
        "process": _process_now(sla, meetings),
        "financial": _financial_now(profitable),
        "optimisation": _optimisation_now(bands, band_labels),
    }


def velocity_table(velocity: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Return the velocity forecast per segment (and all segments) with headers in words: its
    terms, the expected won revenue per day with its 95% interval, and the last quarter's;
    velocity is lib.metrics.kpis.pipeline_velocity_by_segment output."""
    interval = [
        f"{money_text(v)} ({money_text(lo)}–{money_text(hi)})"
        + (f" {SMALL_SAMPLE_FLAG}" if small else "")
        for v, lo, hi, small in zip(
            velocity["velocity_usd_per_day"],
            velocity["velocity_low"],
            velocity["velocity_high"],
            velocity["small_sample"],
            strict=True,
        )
    ]
    return pd.DataFrame(
        {
            "Segment": velocity["segment"].map(lambda s: labels.get(s, s.capitalize())),
            "Open deals": velocity["open_deals"].astype("int64"),
            f"Wins expected from them, next {VELOCITY_HORIZON_DAYS} days": velocity[
                "expected_wins_open"
            ].round(1),
            "Wins expected from deals not yet created": velocity["expected_wins_new"].round(1),
            "Average won deal": velocity["avg_won_amount_usd"].map(money_text),
            "Expected won revenue per day (95% interval)": interval,
            f"Won per day, last {VELOCITY_HORIZON_DAYS} days": velocity[
                "won_per_day_last_quarter"
            ].map(money_text),
        }
    )


def velocity_sentence(velocity: pd.DataFrame, backtest: pd.DataFrame) -> str:
    """Return the all-segments forecast with its interval beside the last quarter's wins, and how
    the same forecast made at past quarter-ends compared with what was then won."""
    total = velocity[velocity["segment"] == ALL_SEGMENTS]
    if total.empty:
        return "No opportunities yet, so no velocity to forecast."
    row = total.iloc[0]
    text = (
        f"Expected won revenue: {money_text(row['velocity_usd_per_day'])} a day over the next "
        f"{VELOCITY_HORIZON_DAYS} days (95% interval {money_text(row['velocity_low'])}–"
        f"{money_text(row['velocity_high'])}), against "
        f"{money_text(row['won_per_day_last_quarter'])} a day won in the last "
        f"{VELOCITY_HORIZON_DAYS}."
    )
    past = backtest[backtest["segment"] == ALL_SEGMENTS] if len(backtest) else backtest
    if past.empty or not past["realised"].sum() > 0:
        return text + " Too little history to check the forecast against past quarters yet."
    ratio = past["predicted"].sum() / past["realised"].sum()
    return text + (
        f" Made the same way at the last {len(past)} quarter-ends, the forecast came to "
        f"{ratio:.2f}× what was then won, and what was won fell inside its interval "
        f"{int(past['inside'].sum())} of {len(past)} times."
    )
