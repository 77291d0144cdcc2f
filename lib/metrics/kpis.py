"""Funnel KPIs by segment, channel or a dimension kept from the export: tidy frames with counts,
Wilson intervals and flags.

Definitions follow DESIGN.md: win rate over deals closed in the period, cycle time of closed-won
deals, pipeline mix of open amount, MQL->SQL over leads that became MQL in the period. MQL->won
counts those MQLs that later won a deal; without any SQL date in the export MQL->SQL is not
measured (NaN, no band), never a 0% flagged below the healthy range. An open deal without an
amount is counted as unpriced, not as $0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from lib.metrics import velocity
from lib.metrics.filters import BREAKDOWNS, Filters
from lib.metrics.stats import (
    SMALL_SAMPLE,
    difference_interval,
    holm_adjusted,
    rate_frame,
    score_test_p_value,
)
from lib.metrics.survival import (
    CURVE_COLUMNS,
    LOST,
    OPEN,
    WON,
    cumulative_incidence,
    median_days_to_close,
    median_days_to_win,
)
from lib.model.segments import UNASSIGNED, SegmentRule
from lib.store.connection import Data, data_as_of, run_query
from lib.store.staging import BLANK, segment_params

MQL_TO_SQL_HEALTHY_LOW = 0.10  # below: the MQL bar is too loose or the data stale
MQL_TO_SQL_HEALTHY_HIGH = 0.25  # above: the MQL bar may be too strict
OVERALL = "overall"
NO_SQL_DATES = "not measured: the export has no SQL dates"
ALL_SEGMENTS = velocity.ALL_SEGMENTS

Rules = tuple[SegmentRule, ...]


def _query(
    conn: Data,
    rules: Rules,
    filters: Filters,
    name: str,
    extra: Mapping[str, Any] | None = None,
    by: str = "segment",
) -> pd.DataFrame:
    """Run a KPI query with the segment rules, the filters and the breakdown as parameters."""
    if by not in BREAKDOWNS:
        raise ValueError(f"cannot break KPIs down by {by!r} (choose {', '.join(BREAKDOWNS)})")
    params = segment_params(rules) | filters.params() | {"by": by} | dict(extra or {})
    return run_query(conn, name, params)


def recorded_breakdowns(conn: Data) -> list[str]:
    """Return what the data can be broken down by: channel, then each dimension kept from the
    export that some lead or opportunity records (sector includes the accounts' industry)."""
    counts = run_query(conn, "kpi/recorded_dimensions").iloc[0]
    return ["channel", *(d for d in BREAKDOWNS[2:] if counts[d] > 0)]


def _summed(frame: pd.DataFrame, key: str, columns: list[str]) -> pd.DataFrame:
    """Return the frame's columns summed per value of key (the queries group by segment and
    breakdown value at once)."""
    return frame.groupby(key, as_index=False, sort=False)[columns].sum()


def _segment_order(rules: Rules, filters: Filters, present: pd.Series) -> list[str]:
    """Return the segments to report: the rules' (as filtered) in order, then unassigned if used."""
    wanted = [r.name for r in rules if filters.segments is None or r.name in filters.segments]
    return wanted + ([UNASSIGNED] if (present == UNASSIGNED).any() else [])


def _by_segment(
    frame: pd.DataFrame, rules: Rules, filters: Filters, zero_filled: list[str]
) -> pd.DataFrame:
    """Return the frame with one row per reported segment, in order, absent counts as zero."""
    order = _segment_order(rules, filters, frame["segment"])
    out = frame.set_index("segment").reindex(order).rename_axis("segment")
    for column in zero_filled:
        out[column] = out[column].fillna(0).astype(frame[column].dtype)
    return out.reset_index()


def _with_rate(
    frame: pd.DataFrame, successes: str, trials: str, prefix: str, flag: str = "small_sample"
) -> pd.DataFrame:
    """Return the frame plus <prefix>, its Wilson bounds and a small-sample flag named flag."""
    rates = rate_frame(frame[successes].astype("int64"), frame[trials].astype("int64"), prefix)
    return pd.concat([frame, rates.rename(columns={"small_sample": flag})], axis=1)


def _share(values: pd.Series) -> pd.Series:
    """Return each value's share of the total; NaN when the total is zero."""
    total = values.sum()
    return values / total if total > 0 else pd.Series(np.nan, index=values.index)


def win_rate_by_segment(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return one row per segment with won, lost, closed, win_rate, its 95% interval and flag."""
    # one query serves win rate and profitable win rate: both count the deals closed in the period
    frame = _query(conn, rules, filters, "kpi/closed_deals", {"margin_target": 0.0})
    counts = _by_segment(
        _summed(frame, "segment", ["won", "lost"]), rules, filters, ["won", "lost"]
    )
    counts["closed"] = counts["won"] + counts["lost"]
    return _with_rate(counts, "won", "closed", "win_rate")


def opportunity_cycles(
    conn: Data, rules: Rules, filters: Filters, by: str = "segment"
) -> pd.DataFrame:
    """Return one row per opportunity of the filters' segments and channels, whatever the
    period: segment, breakdown, outcome flags, amount_usd, created_day (for a deal with stated
    days but no created date, its close less those days), closed_day (NaT while open), days (to
    its close, or open so far as of the data) and whether it closed or was created in the
    period."""
    frame = _query(conn, rules, filters, "kpi/opportunity_cycles", by=by)
    for column in ("days", "amount_usd"):
        frame[column] = frame[column].astype("float64")
    for column in ("created_day", "closed_day", "as_of_day"):
        frame[column] = pd.to_datetime(frame[column])
    stated = frame["closed_day"] - pd.to_timedelta(frame["days"], unit="D")
    frame["created_day"] = frame["created_day"].fillna(stated)
    flags = ["is_won", "is_closed", "close_in_period", "created_in_period"]
    # a deal with no created (or close) date is in no period of it
    frame[flags] = frame[flags].astype("boolean").fillna(False)
    return frame.astype({flag: bool for flag in flags})


def _cycle_table(cycles: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """Return won_deals (won in the period), their median cycle (negative cycles left out and
    counted), the average won amount and the open opportunities."""
    won = (cycles["is_won"] & cycles["close_in_period"]).to_numpy()
    days = cycles["days"].where(won)
    by = keys.where(won)
    table = (
        pd.DataFrame(
            {
                "won_deals": pd.Series(won, index=cycles.index).groupby(keys).sum(),
                "median_won_cycle_days": days.where(days >= 0).groupby(by).median(),
                "excluded_negative": (days < 0).groupby(by).sum(),
                "avg_won_amount_usd": cycles["amount_usd"].where(won).groupby(by).mean(),
                "open_opportunities": (~cycles["is_closed"]).groupby(keys).sum(),
            }
        )
        .rename_axis("segment")
        .reset_index()
    )
    return table


def cycle_time_by_segment(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return per segment won_deals, median_won_cycle_days with its small-sample flag and the
    excluded_negative cycles (deals created after they closed)."""
    cycles = opportunity_cycles(conn, rules, filters)
    table = _by_segment(
        _cycle_table(cycles, cycles["segment"]), rules, filters, ["won_deals", "excluded_negative"]
    )
    # a median of a handful of deals moves with every deal: flagged like a rate on few trials
    table["median_small_sample"] = table["won_deals"] - table["excluded_negative"] < SMALL_SAMPLE
    return table[
        [
            "segment",
            "won_deals",
            "median_won_cycle_days",
            "median_small_sample",
            "excluded_negative",
        ]
    ]


SURVIVAL_COLUMNS = [
    "segment",
    *CURVE_COLUMNS,
    "deals",
    "median_days_to_win",
    "median_days_to_close",
]


def cycle_time_survival(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return per segment the competing-risks curve of the deals created in the period: by day
    since creation the shares won, lost and still open (open deals censored at the data's end),
    with the cohort's size, median days to win among deals that win and median days to close
    with any outcome (NaN when not reached)."""
    cycles = opportunity_cycles(conn, rules, filters)
    cohort = cycles[cycles["created_in_period"] & cycles["days"].ge(0)]
    cohort = cohort.assign(
        outcome=np.select([cohort["is_won"], cohort["is_closed"]], [WON, LOST], default=OPEN)
    )
    curves = []
    for segment, group in cohort.groupby("segment", sort=False):
        curve = cumulative_incidence(group["days"], group["outcome"])
        curves.append(
            curve.assign(
                segment=segment,
                deals=len(group),
                median_days_to_win=median_days_to_win(curve),
                median_days_to_close=median_days_to_close(curve),
            )
        )
    if not curves:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in SURVIVAL_COLUMNS})
    order = _segment_order(rules, filters, cohort["segment"])
    long = pd.concat(curves, ignore_index=True)[SURVIVAL_COLUMNS]
    long["segment"] = pd.Categorical(long["segment"], categories=order, ordered=True)
    return long.sort_values(["segment", "days"], kind="stable", ignore_index=True).astype(
        {"segment": object}
    )


def pipeline_mix(
    conn: Data,
    rules: Rules,
    filters: Filters,
    target: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Return open and won count/amount and shares per segment, with the gap to a target mix.

    open_unpriced counts the open deals without an amount: open_amount_usd leaves them out.
    """
    frame = _query(conn, rules, filters, "kpi/pipeline_mix")
    counts = ["open_count", "open_unpriced", "open_amount_usd", "won_count", "won_amount_usd"]
    mix = _by_segment(_summed(frame, "segment", counts), rules, filters, counts)
    mix["open_share"] = _share(mix["open_amount_usd"])
    mix["open_count_share"] = _share(mix["open_count"])
    mix["won_share"] = _share(mix["won_amount_usd"])
    mix["won_count_share"] = _share(mix["won_count"])
    return mix_against_target(mix, target)


def mix_against_target(mix: pd.DataFrame, target: dict[str, float] | None) -> pd.DataFrame:
    """Return the pipeline mix with target_share, gap_share and gap_amount_usd for a new target
    (no query: a slider move reuses the mix); input not mutated."""
    mix = mix.copy()
    goal = pd.Series(target, dtype="float64") if target else pd.Series(dtype="float64")
    mix["target_share"] = mix["segment"].map(goal).astype("float64")
    if target:
        mix["target_share"] = mix["target_share"].fillna(0.0)  # a segment left out is meant to be 0
    mix["gap_share"] = mix["target_share"] - mix["open_share"]
    # money that would have to be in this segment, at today's total, to sit exactly on target
    mix["gap_amount_usd"] = (
        mix["target_share"] * mix["open_amount_usd"].sum() - mix["open_amount_usd"]
    )
    return mix


def _with_band(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame plus band: 'below' / 'in' / 'above' the healthy MQL->SQL range, or None."""
    rate = frame["mql_to_sql_rate"]
    band = pd.Series("in", index=frame.index, dtype=object)
    band = band.mask(rate < MQL_TO_SQL_HEALTHY_LOW, "below").mask(
        rate > MQL_TO_SQL_HEALTHY_HIGH, "above"
    )
    return frame.assign(band=band.astype(object).where(rate.notna(), None))


def _with_band_test(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame plus band_p (the score test's p-value against the band edge its rate
    is past; NaN inside the band or under SMALL_SAMPLE MQLs), band_p_holm (Holm-adjusted over
    the rows tested) and outside_band: past the band beyond chance after that correction."""
    edge = (
        frame["band"]
        .map({"below": MQL_TO_SQL_HEALTHY_LOW, "above": MQL_TO_SQL_HEALTHY_HIGH})
        .astype("float64")
    )
    tested = frame["mqls"] >= SMALL_SAMPLE
    p = np.where(
        edge.notna() & tested,
        score_test_p_value(frame["sqls"], frame["mqls"], edge.fillna(0.5).to_numpy()),
        np.where(tested, 1.0, np.nan),  # inside the band: counted as a test, never significant
    )
    adjusted = holm_adjusted(p)
    return frame.assign(
        band_p=np.where(edge.notna(), p, np.nan),
        band_p_holm=np.where(edge.notna(), adjusted, np.nan),
        outside_band=edge.notna() & tested & (adjusted < 0.05),
    )


def _mql_counts(
    conn: Data, rules: Rules, filters: Filters, by: str = "segment"
) -> tuple[pd.DataFrame, bool]:
    """Return mqls (old enough to have converted), sqls, won, young_mqls left out and the 95th
    percentile conversion lag in days per lead segment, channel and breakdown value for MQLs of
    the period, and whether the export records SQL dates at all."""
    frame = _query(conn, rules, filters, "kpi/mql_to_sql", by=by)
    measured = bool(frame["sql_dates_recorded"].fillna(False).any()) if len(frame) else True
    return frame.drop(columns=["sql_dates_recorded"]), measured


def _mql_rates(counts: pd.DataFrame, measured: bool = True) -> pd.DataFrame:
    """Return the counts plus MQL->SQL (with interval, small_sample, band and the band's test)
    and MQL->won (with interval); MQL->SQL is NaN with no band where the export records no SQL
    dates."""
    rated = _with_band(_with_rate(counts.reset_index(drop=True), "sqls", "mqls", "mql_to_sql_rate"))
    if not measured:
        rated[["mql_to_sql_rate", "mql_to_sql_rate_low", "mql_to_sql_rate_high"]] = np.nan
        rated["band"] = None
    rated["mql_to_sql_measured"] = measured
    rated = _with_band_test(rated)
    won = rate_frame(rated["won"].astype("int64"), rated["mqls"].astype("int64"), "mql_to_won_rate")
    return pd.concat([rated, won.drop(columns=["small_sample"])], axis=1)


MQL_COUNTS = ["mqls", "sqls", "won", "young_mqls"]


def _mql_summed(counts: pd.DataFrame, key: str) -> pd.DataFrame:
    """Return MQL counts summed per key with the (one, data-wide) conversion lag kept."""
    return (
        counts.groupby(key, sort=False)
        .agg(
            mqls=("mqls", "sum"),
            sqls=("sqls", "sum"),
            won=("won", "sum"),
            young_mqls=("young_mqls", "sum"),
            conversion_lag_days=("conversion_lag_days", "max"),
        )
        .reset_index()
    )


def mql_to_sql_by_segment(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return per lead segment mqls, sqls, won, MQL->SQL (interval, flag, healthy band and
    whether it lies outside the band beyond chance, Holm over segments) and MQL->won; MQLs too
    young to have converted are left out and counted in young_mqls."""
    counts, measured = _mql_counts(conn, rules, filters)
    counts = _mql_summed(counts, "segment")
    return _mql_rates(_by_segment(counts, rules, filters, MQL_COUNTS), measured)


def mql_to_sql_by_channel(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return per lead channel mqls, sqls, won, MQL->SQL (interval, flag, healthy band and
    whether it lies outside the band beyond chance, Holm over channels) and MQL->won; a channel
    chosen in the filters is listed even without MQLs; MQLs too young to have converted are
    left out and counted in young_mqls."""
    return mql_conversion_by(conn, rules, filters, "channel")


def mql_conversion_by(conn: Data, rules: Rules, filters: Filters, by: str) -> pd.DataFrame:
    """Return per value of the breakdown `by` (a column named so) mqls, sqls, won, MQL->SQL
    with its band and its test, and MQL->won, values sorted with the blank one last."""
    counts, measured = _mql_counts(conn, rules, filters, by)
    counts = _mql_summed(counts, "breakdown").set_index("breakdown")
    chosen = filters.channels or () if by == "channel" else ()
    values = _value_order(pd.Series(sorted(set(counts.index) | set(chosen)), dtype=object))
    counts = counts.reindex(values).rename_axis(by).reset_index()
    counts[MQL_COUNTS] = counts[MQL_COUNTS].fillna(0).astype("int64")
    return _mql_rates(counts, measured)


def _value_order(values: pd.Series) -> list[str]:
    """Return the distinct values of a breakdown sorted, the blank value last."""
    distinct = sorted(set(values.dropna()) - {BLANK})
    return distinct + ([BLANK] if (values == BLANK).any() else [])


def mql_to_sql_by_segment_and_channel(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return per lead segment and channel (those with MQLs) MQL->SQL with its band, and
    MQL->won."""
    counts, measured = _mql_counts(conn, rules, filters)
    counts = counts.groupby(["segment", "channel"], as_index=False)[MQL_COUNTS].sum()
    order = _segment_order(rules, filters, counts["segment"])
    counts["segment"] = pd.Categorical(counts["segment"], categories=order, ordered=True)
    counts = counts.sort_values(["segment", "channel"]).astype({"segment": object})
    return _mql_rates(counts[["segment", "channel", *MQL_COUNTS]], measured)


def _velocity_order(frame: pd.DataFrame, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return the frame sorted by segment in the rules' order, all segments last."""
    order = [*_segment_order(rules, filters, frame["segment"]), velocity.ALL_SEGMENTS]
    frame = frame[frame["segment"].isin(order)]
    rank = frame["segment"].map({s: i for i, s in enumerate(order)})
    return frame.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)


def pipeline_velocity_by_segment(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return per segment, then all segments, the expected won revenue per day over the next
    quarter with its 95% interval and terms (lib.metrics.velocity), beside the revenue won per
    day over the last quarter; the period filter does not apply (one window for every term)."""
    deals = opportunity_cycles(conn, rules, filters)
    if deals.empty:
        return velocity.velocity_at(deals, pd.Timestamp(0)).assign(won_per_day_last_quarter=0.0)
    end, horizon = deals["as_of_day"].iloc[0], velocity.VELOCITY_HORIZON_DAYS
    table = velocity.velocity_at(deals, end)
    won = velocity.won_revenue(deals, end - pd.Timedelta(days=horizon), end) / horizon
    table["won_per_day_last_quarter"] = table["segment"].map(won).fillna(0.0)
    return _velocity_order(table, rules, filters)


def pipeline_velocity_backtest(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return the velocity forecasts made at the last four quarter-ends before the data's end,
    per segment and all segments, beside what was won per day in the quarter after each."""
    backtest = velocity.velocity_backtest(opportunity_cycles(conn, rules, filters))
    return _velocity_order(backtest, rules, filters) if len(backtest) else backtest


def speed_to_first_meeting(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return per lead segment mqls, meetings and median hours from MQL to first meeting."""
    frame = _query(conn, rules, filters, "kpi/first_meeting")
    return _by_segment(frame, rules, filters, ["mqls", "meetings", "excluded_meeting_before_mql"])


def sla_compliance(
    conn: Data,
    rules: Rules,
    filters: Filters,
    sla_hours: dict[str, float],
) -> pd.DataFrame:
    """Return per lead segment mqls, handled_within_sla (accepted or rejected in time) and the rate.

    A segment without an SLA in sla_hours gets a NaN rate rather than a misleading zero.
    """
    slas = [{"segment": name, "sla_hours": float(hours)} for name, hours in sla_hours.items()]
    frame = _query(conn, rules, filters, "kpi/sla", {"segment_slas": slas})
    table = _by_segment(frame, rules, filters, ["mqls", "handled_within_sla"])
    table["sla_hours"] = table["segment"].map(pd.Series(sla_hours, dtype="float64"))
    rated = _with_rate(table, "handled_within_sla", "mqls", "sla_rate")
    no_sla = rated["sla_hours"].isna()
    rated.loc[no_sla, ["sla_rate", "sla_rate_low", "sla_rate_high"]] = np.nan
    return rated


def profitable_win_rate(
    conn: Data,
    rules: Rules,
    filters: Filters,
    margin_target: float,
) -> pd.DataFrame:
    """Return per segment won deals at or above the margin target / closed, with interval.

    margin_tracked_share is the share of won deals with a margin; with no margin in the data
    at all, margin_tracked is False and the rate is NaN.
    """
    frame = _query(conn, rules, filters, "kpi/closed_deals", {"margin_target": margin_target})
    tracked = bool(frame["margin_tracked"].fillna(False).any())
    counts = ["closed", "won", "won_with_margin", "profitable_won"]
    table = _by_segment(_summed(frame, "segment", counts), rules, filters, counts)
    rated = _with_rate(table, "profitable_won", "closed", "profitable_win_rate")
    rated["margin_tracked_share"] = rated["won_with_margin"] / rated["won"].where(rated["won"] > 0)
    rated["margin_tracked"] = tracked
    if not tracked:
        rated[["profitable_win_rate", "profitable_win_rate_low", "profitable_win_rate_high"]] = (
            np.nan
        )
    return rated


def qualified_opportunity_rate(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return per segment opportunities created, those whose lead reached SQL first, the rate."""
    frame = _query(conn, rules, filters, "kpi/qualified_opportunities")
    table = _by_segment(frame, rules, filters, ["created", "qualified"])
    return _with_rate(table, "qualified", "created", "qualified_opportunity_rate")


def _quarter_coverage(conn: Data, quarters: pd.Series, filters: Filters) -> pd.DataFrame:
    """Return per quarter its days, the days the data (and the period chosen) cover of it, and
    partial: a quarter covered only in part is not comparable with a whole one."""
    span = run_query(conn, "staging/data_period").iloc[0]
    first = max(pd.Timestamp(span["first_day"]), pd.Timestamp(filters.start or "1900-01-01"))
    last = min(pd.Timestamp(span["last_day"]), pd.Timestamp(filters.end or "2999-12-31"))
    periods = pd.PeriodIndex([q.replace("-", "") for q in quarters], freq="Q")
    start, end = periods.start_time.normalize(), periods.end_time.normalize()
    days = (end - start).days + 1
    overlap = (end.where(end < last, last) - start.where(start > first, first)).days + 1
    covered = np.clip(overlap.to_numpy(), 0, None)
    return pd.DataFrame(
        {"quarter_days": days.to_numpy(), "days_in_data": covered, "partial": covered < days},
        index=quarters.index,
    )


def kpis_by_quarter(conn: Data, rules: Rules, filters: Filters) -> pd.DataFrame:
    """Return per segment and quarter (2025-Q3) win rate, MQL->SQL, cycle (flagged on fewer
    than 30 wins), won and new pipeline, with how many of its days the data covers (partial);
    MQL->SQL is NaN when the export records no SQL dates."""
    frame = _query(conn, rules, filters, "kpi/quarterly")
    measured = bool(frame.pop("sql_dates_recorded").fillna(False).any()) if len(frame) else True
    order = _segment_order(rules, filters, frame["segment"])
    frame["segment"] = pd.Categorical(frame["segment"], categories=order, ordered=True)
    frame = frame.sort_values(["segment", "quarter"]).astype({"segment": object})
    frame = frame.reset_index(drop=True).assign(closed=lambda f: f["won"] + f["lost"])
    frame["median_small_sample"] = frame["won"] < SMALL_SAMPLE
    if len(frame):
        frame = pd.concat([frame, _quarter_coverage(conn, frame["quarter"], filters)], axis=1)
    else:
        frame = frame.assign(quarter_days=0, days_in_data=0, partial=False)
    frame = _with_rate(frame, "won", "closed", "win_rate", "win_rate_small_sample")
    frame = _with_rate(frame, "sqls", "mqls", "mql_to_sql_rate", "mql_to_sql_small_sample")
    if not measured:
        frame[["mql_to_sql_rate", "mql_to_sql_rate_low", "mql_to_sql_rate_high"]] = np.nan
    return frame


CHANGES = {"win_rate": ("won", "closed"), "mql_to_sql_rate": ("sqls", "mqls")}


def quarter_changes(quarters: pd.DataFrame) -> pd.DataFrame:
    """Return per segment (and all segments, counts summed) each quarter's change from the one
    before in win rate and MQL->SQL, with Newcombe's 95% interval on each change, and
    comparable: False when either quarter is partial; quarters is kpis_by_quarter output."""
    counts = ["won", "closed", "sqls", "mqls"]
    every = quarters.groupby("quarter", as_index=False).agg(
        {**{c: "sum" for c in counts}, "partial": "max"}
    )
    rows = []
    for segment, group in [*quarters.groupby("segment", sort=False), (ALL_SEGMENTS, every)]:
        group = group.sort_values("quarter")
        records = group.to_dict("records")
        for before, after in zip(records, records[1:], strict=False):
            row = {
                "segment": segment,
                "quarter": after["quarter"],
                "previous": before["quarter"],
                "comparable": not (before["partial"] or after["partial"]),
            }
            for rate, (k, n) in CHANGES.items():
                change = difference_interval((before[k], before[n]), (after[k], after[n]))
                names = (f"{rate}_change", f"{rate}_change_low", f"{rate}_change_high")
                row |= dict(zip(names, change, strict=True))
            rows.append(row)
    columns = ["segment", "quarter", "previous", "comparable"] + [
        f"{r}_change{e}" for r in CHANGES for e in ("", "_low", "_high")
    ]
    return pd.DataFrame(rows, columns=columns)


def _json_value(value: Any) -> Any:
    """Return a JSON-ready scalar: numpy types unwrapped, NaN/NA as None."""
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def breakdown_table(
    conn: Data, rules: Rules, filters: Filters, by: str = "segment"
) -> pd.DataFrame:
    """Return one row per value of `by` (a column so named; segments in the model's order, else
    sorted with the blank value last) and an 'overall' row: won, lost, closed and the win rate;
    open pipeline count, amount, unpriced deals and share; MQLs, SQLs, MQL->SQL with its band
    (NaN where no SQL dates are recorded), MQL->won; won deals and the median won cycle."""
    table, cycles, measured = _breakdown_counts(conn, rules, filters, by)
    overall = _cycle_table(cycles, pd.Series(OVERALL, index=cycles.index, dtype=object))
    total = table[COUNTS].sum().to_frame().T.assign(**{by: OVERALL})
    total["median_won_cycle_days"] = (
        overall["median_won_cycle_days"].iloc[0] if len(overall) else np.nan
    )
    table = pd.concat([table, total[table.columns]], ignore_index=True)
    table = table.astype({c: "int64" for c in COUNTS if c != "open_pipeline_amount"})
    table["open_pipeline_share"] = _share(table["open_pipeline_amount"].iloc[:-1]).reindex(
        table.index
    )
    table.loc[table.index[-1], "open_pipeline_share"] = (
        1.0 if table["open_pipeline_amount"].iloc[-1] > 0 else np.nan
    )
    rated = _with_rate(table, "won", "closed", "win_rate", "win_rate_small_sample")
    rated = _with_rate(rated, "sqls", "mqls", "mql_to_sql_rate", "mql_to_sql_small_sample")
    rated = _with_band(rated)
    if not measured:
        rated[["mql_to_sql_rate", "mql_to_sql_rate_low", "mql_to_sql_rate_high"]] = np.nan
        rated["band"] = None
    rated["mql_to_sql_measured"] = measured
    # a median of a handful of deals moves with every deal: flagged like a rate on few trials
    rated["median_small_sample"] = rated["won_deals"] - rated["excluded_negative"] < SMALL_SAMPLE
    won = rate_frame(rated["mql_won"], rated["mqls"], "mql_to_won_rate")
    return pd.concat([rated, won.drop(columns=["small_sample"])], axis=1)


COUNTS = [
    "won",
    "lost",
    "closed",
    "open_pipeline_count",
    "open_pipeline_unpriced",
    "open_pipeline_amount",
    "mqls",
    "sqls",
    "mql_won",
    "won_deals",
    "excluded_negative",
]


def _breakdown_counts(
    conn: Data, rules: Rules, filters: Filters, by: str
) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """Return the counts per value of `by` (one row each, in order), the opportunity cycles,
    and whether SQL dates are recorded."""
    key = "segment" if by == "segment" else "breakdown"
    closed = _query(conn, rules, filters, "kpi/closed_deals", {"margin_target": 0.0}, by)
    mix = _query(conn, rules, filters, "kpi/pipeline_mix", by=by).rename(
        columns={
            "open_count": "open_pipeline_count",
            "open_unpriced": "open_pipeline_unpriced",
            "open_amount_usd": "open_pipeline_amount",
        }
    )
    leads, measured = _mql_counts(conn, rules, filters, by)
    cycles = opportunity_cycles(conn, rules, filters, by)
    by_cycle = _cycle_table(cycles, cycles[key]).rename(columns={"segment": key})
    parts = [
        _summed(closed, key, ["won", "lost"]),
        _summed(
            mix, key, ["open_pipeline_count", "open_pipeline_unpriced", "open_pipeline_amount"]
        ),
        _summed(leads.rename(columns={"won": "mql_won"}), key, ["mqls", "sqls", "mql_won"]),
        by_cycle[[key, "won_deals", "median_won_cycle_days", "excluded_negative"]],
    ]
    table = parts[0]
    for part in parts[1:]:
        table = table.merge(part, on=key, how="outer", sort=False)
    order = (
        _segment_order(rules, filters, table[key]) if by == "segment" else _value_order(table[key])
    )
    table = table.set_index(key).reindex(order).rename_axis(by).reset_index()
    counts = [c for c in COUNTS if c != "closed"]
    table[counts] = table[counts].fillna(0)
    table["closed"] = table["won"] + table["lost"]
    return table[[by, *COUNTS, "median_won_cycle_days"]], cycles, measured


def _summary_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the CLI's row dicts from a breakdown table: intervals as pairs, the band and a
    note when MQL->SQL is not measured."""
    table = table.copy()
    for prefix, name in (
        ("win_rate", "win_rate_ci"),
        ("mql_to_sql_rate", "mql_to_sql_ci"),
        ("mql_to_won_rate", "mql_to_won_ci"),
    ):
        table[name] = list(zip(table[f"{prefix}_low"], table[f"{prefix}_high"], strict=True))
        table = table.drop(columns=[f"{prefix}_low", f"{prefix}_high"])
    table["mql_to_sql_note"] = table["mql_to_sql_measured"].map({True: None, False: NO_SQL_DATES})
    table = table.rename(columns={"band": "mql_to_sql_band"})
    return [{str(k): _json_value(v) for k, v in row.items()} for row in table.to_dict("records")]


def kpis_by_segment(conn: Data, rules: Rules, filters: Filters) -> dict[str, Any]:
    """Return the CLI's JSON-ready summary: as_of, filters, by_segment rows and an overall row."""
    return kpis_summary(conn, rules, filters, "segment")


def kpis_summary(conn: Data, rules: Rules, filters: Filters, by: str = "segment") -> dict[str, Any]:
    """Return the JSON-ready summary broken down by `by`: as_of, filters, by_<by> rows (each
    naming its value under `by`) and an overall row."""
    rows = _summary_rows(breakdown_table(conn, rules, filters, by))
    as_of = data_as_of(conn)
    return {
        "as_of": None if as_of is None else as_of.isoformat(),
        "filters": {
            "start": None if filters.start is None else filters.start.isoformat(),
            "end": None if filters.end is None else filters.end.isoformat(),
            "segments": None if filters.segments is None else list(filters.segments),
            "channels": None if filters.channels is None else list(filters.channels),
        },
        f"by_{by}": rows[:-1],
        "overall": rows[-1],
    }
