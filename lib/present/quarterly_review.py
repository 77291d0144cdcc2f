"""What the Quarterly review shows RevOps: tables in words and the sentences that read them.

Pure functions over the tidy frames lib.metrics.kpis and lib.metrics.outcomes return; inputs
are never mutated.
"""

from __future__ import annotations

import pandas as pd

from lib.metrics.kpis import NO_SQL_DATES
from lib.metrics.stats import SMALL_SAMPLE
from lib.present.breakdown import BREAKDOWN_LABELS, mql_to_sql_text
from lib.present.numbers import (
    ABOVE_HEALTHY,
    BELOW_HEALTHY,
    HEALTHY_MQL_TO_SQL,
    SMALL_SAMPLE_FLAG,
    money_text,
    rate_texts,
)

BAND_WORDS = {"below": BELOW_HEALTHY, "in": f"In {HEALTHY_MQL_TO_SQL}", "above": ABOVE_HEALTHY}


def _name(labels: dict[str, str], values: pd.Series) -> pd.Series:
    return values.map(lambda s: labels.get(s, s))


def mql_table(rates: pd.DataFrame, key: str, labels: dict[str, str]) -> pd.DataFrame:
    """Return MQL->SQL (or why it is not measured) with its band, and MQL->won, per segment,
    channel or kept dimension (key), headers in words."""
    return pd.DataFrame(
        {
            BREAKDOWN_LABELS.get(key, key): _name(labels, rates[key]),
            "MQLs": rates["mqls"].astype("int64"),
            "SQLs": rates["sqls"].astype("int64"),
            "MQL→SQL": [mql_to_sql_text(row) for _, row in rates.iterrows()],
            f"Against {HEALTHY_MQL_TO_SQL}": rates["band"].map(BAND_WORDS).fillna("—"),
            "MQL→won": rate_texts(rates, "mql_to_won_rate", "mqls", "MQLs"),
        }
    )


def _named(rows: pd.DataFrame) -> str:
    texts = rate_texts(rows, "mql_to_sql_rate", "mqls", "MQLs")
    return "; ".join(f"{c} {t}" for c, t in zip(rows["channel"], texts, strict=True))


def out_of_band_sentence(by_channel: pd.DataFrame) -> str:
    """Return a sentence naming each channel outside the healthy MQL->SQL band beyond chance
    (its interval clears the band after Holm's correction over the channels, on 30 or more
    MQLs), then those outside it on their estimate only, and the young MQLs left out (or saying
    that MQL->SQL is not measured)."""
    if not by_channel["mql_to_sql_measured"].all():
        return f"MQL→SQL {NO_SQL_DATES}; MQL→won shows which MQLs later won a deal."
    tested = int((by_channel["mqls"] >= SMALL_SAMPLE).sum())
    parts = []
    for band, meaning in (
        ("below", "the MQL bar may be too loose or the data stale"),
        ("above", "the MQL bar may be too strict"),
    ):
        rows = by_channel[(by_channel["band"] == band) & by_channel["outside_band"]]
        if len(rows):
            parts.append(f"{BAND_WORDS[band]} ({meaning}): {_named(rows)}.")
    if parts:
        parts.append(
            f"Each clears the band beyond chance (95%, Holm-corrected over the {tested} "
            f"channel{'' if tested == 1 else 's'} with {SMALL_SAMPLE}+ MQLs)."
        )
    unsure = by_channel[by_channel["band"].isin(["below", "above"]) & ~by_channel["outside_band"]]
    if len(unsure):
        parts.append(
            "Outside the band on their estimate but not beyond chance (too few MQLs, or not "
            f"far enough after correcting for {len(by_channel)} channels): "
            + ", ".join(unsure["channel"])
            + "."
        )
    if not parts:
        parts.append(
            f"Every channel converts MQLs to SQLs within the healthy {HEALTHY_MQL_TO_SQL}."
        )
    young = int(by_channel["young_mqls"].sum())
    if young:
        lag = float(by_channel["conversion_lag_days"].max())
        parts.append(
            f"{young:,} MQLs from the last {lag:.0f} days are left out: 95% of MQLs that reach "
            "SQL do so within that time, so they may still convert."
        )
    return " ".join(parts)


def median_days_text(days: float, deals: int, small: bool) -> str:
    """Return '163 days' for a median, flagged when it rests on fewer than 30 deals; '—'."""
    if pd.isna(days):
        return "—"
    return f"{days:,.0f} days" + (f" {SMALL_SAMPLE_FLAG} ({int(deals)} deals)" if small else "")


def cycle_table(
    cycles: pd.DataFrame, survival: pd.DataFrame, labels: dict[str, str]
) -> pd.DataFrame:
    """Return per segment the median days to win of deals won in the period beside the
    competing-risks figures of the deals created in it (open deals counted until the data
    ends): median days to win among deals that win, median days to close with any outcome,
    and the share won; cycles is cycle_time_by_segment, survival cycle_time_survival."""
    last = survival.groupby("segment", sort=False).last()
    cohort = cycles["segment"].map(last["deals"]).fillna(0).astype("int64")
    small = cohort < SMALL_SAMPLE
    return pd.DataFrame(
        {
            "Segment": _name(labels, cycles["segment"]),
            "Won in the period": cycles["won_deals"].astype("int64"),
            "Median days to win (won deals)": [
                median_days_text(d, n, f)
                for d, n, f in zip(
                    cycles["median_won_cycle_days"],
                    cycles["won_deals"],
                    cycles["median_small_sample"],
                    strict=True,
                )
            ],
            "Created in the period": cohort,
            "Median days to win, open deals counted": [
                median_days_text(d, n, f)
                for d, n, f in zip(
                    cycles["segment"].map(last["median_days_to_win"]), cohort, small, strict=True
                )
            ],
            "Median days to close, won or lost": [
                median_days_text(d, n, f)
                for d, n, f in zip(
                    cycles["segment"].map(last["median_days_to_close"]), cohort, small, strict=True
                )
            ],
            "Won so far": cycles["segment"].map(last["won"]).astype("float64"),
        }
    )


CYCLE_NOTE = (
    "**Median days to win (won deals)**: close − create date of the deals won in the period; it "
    "leaves out every deal not won yet, so it reads fast. The other columns follow the deals "
    "**created** in the period until the data ends, winning and losing as competing outcomes "
    "(Aalen–Johansen) and open deals counted for the days they have been open: **median days "
    "to win, open deals counted** is the day by which half of the wins so far had happened; "
    "**median days to close, won or lost** the day by which half of the deals had closed either "
    "way; **won so far** the share of those deals won."
)


def _median_hours(hours: float, meetings: int) -> str:
    """Return '12 h', flagged when the median rests on fewer than 30 meetings; '—'."""
    if pd.isna(hours):
        return "—"
    small = meetings < SMALL_SAMPLE
    return f"{hours:,.0f} h" + (f" {SMALL_SAMPLE_FLAG} ({int(meetings)} meetings)" if small else "")


def sla_table(sla: pd.DataFrame, meetings: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Return per segment the SLA, MQLs handled within it, and speed from MQL to first meeting;
    sla is lib.metrics.kpis.sla_compliance, meetings lib.metrics.kpis.speed_to_first_meeting."""
    meet = meetings.set_index("segment")
    return pd.DataFrame(
        {
            "Segment": _name(labels, sla["segment"]),
            "SLA (hours)": sla["sla_hours"],
            "Accepted or rejected within SLA": rate_texts(sla, "sla_rate", "mqls", "MQLs"),
            "MQLs with a meeting": sla["segment"].map(meet["meetings"]).astype("Int64"),
            "Median hours, MQL to first meeting": [
                _median_hours(h, n)
                for h, n in zip(
                    sla["segment"].map(meet["median_hours_to_first_meeting"]),
                    sla["segment"].map(meet["meetings"]).fillna(0),
                    strict=True,
                )
            ],
        }
    )


def profitable_table(profitable: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Return per segment closed and won deals, how many won deals record margin, and the
    profitable win rate with its interval; profitable is lib.metrics.kpis.profitable_win_rate."""
    return pd.DataFrame(
        {
            "Segment": _name(labels, profitable["segment"]),
            "Closed": profitable["closed"].astype("int64"),
            "Won": profitable["won"].astype("int64"),
            "Won deals with margin recorded": profitable["margin_tracked_share"],
            "Profitable win rate": rate_texts(
                profitable, "profitable_win_rate", "closed", "closed"
            ),
        }
    )


def margin_sentence(profitable: pd.DataFrame, margin_target: float) -> str:
    """Return what the profitable win rate means here, or that margin is not in the data."""
    if not bool(profitable["margin_tracked"].any()):
        return (
            "Gross margin is not in the data, so profitable win rate cannot be measured; "
            "import opportunities with a gross margin to see it."
        )
    recorded = profitable["won_with_margin"].sum() / max(int(profitable["won"].sum()), 1)
    return (
        f"A deal counts as a profitable win when won at a gross margin of at least "
        f"{margin_target:.0%}. {recorded:.0%} of won deals record a margin; won deals "
        "without one do not count as profitable."
    )


def band_table(bands: pd.DataFrame, band_labels: dict[str, str]) -> pd.DataFrame:
    """Return per score band leads, win rate and conversion with intervals, average won deal
    and margin, and lift; bands is lib.metrics.outcomes.outcomes_by_band."""
    return pd.DataFrame(
        {
            "Score band": _name(band_labels, bands["band"]),
            "Leads": bands["leads"].astype("int64"),
            "Win rate (won ÷ closed)": rate_texts(bands, "win_rate", "closed", "closed"),
            "Conversion (won ÷ leads)": rate_texts(bands, "conversion", "leads", "leads"),
            "Average won deal": bands["avg_won_amount_usd"],
            "Average gross margin": bands["avg_gross_margin_usd"],
            "Lift over average win rate": bands["lift"],
        }
    )


def band_sentence(bands: pd.DataFrame, band_labels: dict[str, str]) -> str:
    """Return whether the highest score band really wins more than the lowest, judged by
    whether their 95% intervals overlap; bands under 30 closed deals are left out."""
    scored = bands[bands["closed"] >= SMALL_SAMPLE]
    if len(scored) < 2:
        return (
            f"Fewer than two score bands have {SMALL_SAMPLE} or more closed deals, so "
            "scores cannot be compared yet."
        )
    top, bottom = scored.iloc[0], scored.iloc[-1]
    names = (
        band_labels.get(top["band"], top["band"]),
        band_labels.get(bottom["band"], bottom["band"]),
    )
    deals = (
        f"Average won deal {money_text(top['avg_won_amount_usd'])} against "
        f"{money_text(bottom['avg_won_amount_usd'])}."
    )
    if top["win_rate_low"] > bottom["win_rate_high"]:
        verdict = (
            f"Yes: {names[0]} leads win {top['win_rate']:.1%} of closed deals, clearly "
            f"above {names[1]} at {bottom['win_rate']:.1%} (95% intervals apart)."
        )
    elif top["win_rate_high"] < bottom["win_rate_low"]:
        verdict = (
            f"No: {names[0]} leads win {top['win_rate']:.1%}, clearly below {names[1]} "
            f"at {bottom['win_rate']:.1%}; the model needs recalibrating."
        )
    else:
        verdict = (
            f"Not yet shown: {names[0]} leads win {top['win_rate']:.1%} and {names[1]} "
            f"{bottom['win_rate']:.1%}, and their 95% intervals overlap."
        )
    return f"{verdict} {deals}"


def _change_text(change: float, low: float, high: float) -> str:
    if pd.isna(change):
        return "—"
    return f"{change * 100:+.1f} points ({low * 100:+.1f} to {high * 100:+.1f})"


def quarter_change_table(changes: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Return per segment (and all segments) the latest change between two whole quarters in
    win rate and MQL->SQL, each with its 95% interval; changes is kpis.quarter_changes output."""
    # as bool: with no quarters the empty column is of object dtype, and indexing by it would
    # pick columns (none) instead of rows
    whole = changes[changes["comparable"].astype(bool)]
    latest = whole.groupby("segment", sort=False).tail(1)
    return pd.DataFrame(
        {
            "Segment": _name(labels, latest["segment"]).map(lambda s: s[:1].upper() + s[1:]),
            "Quarter": latest["quarter"] + " against " + latest["previous"],
            "Win rate change (95% interval)": [
                _change_text(*v)
                for v in latest[
                    ["win_rate_change", "win_rate_change_low", "win_rate_change_high"]
                ].to_numpy()
            ],
            "MQL→SQL change (95% interval)": [
                _change_text(*v)
                for v in latest[
                    [
                        "mql_to_sql_rate_change",
                        "mql_to_sql_rate_change_low",
                        "mql_to_sql_rate_change_high",
                    ]
                ].to_numpy()
            ],
        }
    )


def partial_quarters_sentence(quarters: pd.DataFrame) -> str:
    """Return which quarters the data (or the period chosen) covers only in part, with their
    days, so nobody compares a month with a quarter; '' when every quarter is whole."""
    partial = quarters[quarters["partial"]].drop_duplicates("quarter").sort_values("quarter")
    if partial.empty:
        return ""
    listed = ", ".join(
        f"{q} ({d} of {n} days)"
        for q, d, n in zip(
            partial["quarter"], partial["days_in_data"], partial["quarter_days"], strict=True
        )
    )
    return (
        f"Partial quarters, not compared with whole ones: {listed}. They show as squares on the "
        "chart."
    )
