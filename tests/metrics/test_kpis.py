"""KPIs over tiny hand-made CRM tables whose answers are worked out by hand."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import CumIncidenceRight
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from lib.metrics import kpis
from lib.metrics.filters import Filters
from lib.metrics.survival import value_at
from lib.model.segments import DEFAULT_SEGMENTS, UNASSIGNED
from lib.store.connection import connect
from lib.store.staging import BLANK
from tests.fixtures import insert

RULES = DEFAULT_SEGMENTS
ALL = Filters()
Q1 = Filters(start=date(2025, 1, 1), end=date(2025, 3, 31))
ACCOUNTS = [  # revenue decides the segment: >= $1B enterprise, >= $50M mid-market, else SMB
    {"account_id": "ent", "annual_revenue_usd": 2e9},
    {"account_id": "mid", "annual_revenue_usd": 1e8},
    {"account_id": "smb", "annual_revenue_usd": 1e6},
    {"account_id": "blank"},  # no revenue, no employees: unassigned
]


def database(
    opportunities: list[dict[str, Any]] = (), leads: list[dict[str, Any]] = ()
) -> duckdb.DuckDBPyConnection:
    """Return an in-memory database with ACCOUNTS and the given rows."""
    conn = connect(":memory:")
    insert(conn, "accounts", ACCOUNTS)
    if opportunities:
        insert(conn, "opportunities", list(opportunities))
    if leads:
        insert(conn, "leads", list(leads))
    return conn


def opp(
    oid: str,
    account: str,
    state: str,
    created: str,
    close: str,
    amount: float = 1000.0,
    margin: float | None = None,
    channel: str = "web",
    lead: str | None = None,
) -> dict[str, Any]:
    """Return one opportunity row; state is 'won', 'lost' or 'open'."""
    return {
        "opportunity_id": oid,
        "account_id": account,
        "lead_id": lead,
        "channel": channel,
        "created_at": pd.Timestamp(created),
        "close_date": pd.Timestamp(close).date(),
        "is_closed": state != "open",
        "is_won": state == "won",
        "amount_usd": amount,
        "gross_margin_usd": margin,
    }


def lead(
    lid: str, account: str, mql: str | None, channel: str | None = "web", **stamps: str
) -> dict[str, Any]:
    """Return one lead row; stamps are sql_at, sal_at, disqualified_at, first_meeting_at..."""
    row: dict[str, Any] = {
        "lead_id": lid,
        "account_id": account,
        "channel": channel,
        "created_at": pd.Timestamp("2025-01-01"),
        "mql_at": None if mql is None else pd.Timestamp(mql),
    }
    return row | {k: pd.Timestamp(v) for k, v in stamps.items()}


def enterprise_deals() -> list[dict[str, Any]]:
    """Enterprise: won in 10 and 30 days, lost, won last year, and two open deals (200k + 100k)."""
    return [
        opp("e1", "ent", "won", "2025-01-01", "2025-01-11", 100_000, 40_000),
        opp("e2", "ent", "won", "2025-01-01", "2025-01-31", 50_000, 10_000, channel="event"),
        opp("e3", "ent", "lost", "2025-01-05", "2025-02-15"),
        opp("e4", "ent", "won", "2024-11-01", "2024-12-15"),
        opp("e5", "ent", "open", "2025-03-01", "2025-06-30", 200_000),
        opp("e6", "ent", "open", "2025-03-01", "2025-06-30", 100_000),
    ]


def smb_deals() -> list[dict[str, Any]]:
    """SMB: 30 won and 10 lost in Q1, 5-day cycles."""
    return [
        opp(f"s{i}", "smb", "won" if i < 30 else "lost", "2025-02-01", "2025-02-06")
        for i in range(40)
    ]


@pytest.fixture
def deals() -> duckdb.DuckDBPyConnection:
    return database(
        enterprise_deals()
        + smb_deals()
        + [opp("m1", "mid", "open", "2025-03-10", "2025-05-01", 100_000)]
    )


def by_segment(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("segment")


def test_win_rate_counts_deals_closed_in_the_period_with_small_and_empty_segments(deals) -> None:
    rates = by_segment(kpis.win_rate_by_segment(deals, RULES, Q1))
    assert list(rates.index) == ["enterprise", "mid_market", "smb"]
    assert rates.loc["enterprise", ["won", "lost", "closed"]].tolist() == [2, 1, 3]
    assert rates.loc["enterprise", "win_rate"] == pytest.approx(2 / 3)
    assert rates.loc["enterprise", "small_sample"]
    assert rates.loc["mid_market", ["won", "lost", "closed"]].tolist() == [0, 0, 0]
    assert math.isnan(rates.loc["mid_market", "win_rate"])
    assert rates.loc["smb", "win_rate"] == pytest.approx(0.75)
    assert not rates.loc["smb", "small_sample"]
    assert rates.loc["smb", "win_rate_low"] < 0.75 < rates.loc["smb", "win_rate_high"]


@pytest.mark.parametrize(
    ("filters", "enterprise_won"),
    [
        (ALL, 3),  # the December 2024 win counts
        (Q1, 2),
        (Filters(start=date(2025, 1, 1), end=date(2025, 1, 15)), 1),
    ],
)
def test_period_filter_changes_which_wins_count(
    deals, filters: Filters, enterprise_won: int
) -> None:
    rates = by_segment(kpis.win_rate_by_segment(deals, RULES, filters))
    assert rates.loc["enterprise", "won"] == enterprise_won


def test_segment_filter_keeps_only_the_chosen_segments(deals) -> None:
    rates = kpis.win_rate_by_segment(deals, RULES, Filters(segments=("smb",)))
    assert rates["segment"].tolist() == ["smb"]


def test_unassigned_row_appears_only_when_it_has_records(deals) -> None:
    assert "unassigned" not in kpis.win_rate_by_segment(deals, RULES, ALL)["segment"].tolist()
    conn = database([opp("b1", "blank", "won", "2025-01-01", "2025-01-02")])
    rates = by_segment(kpis.win_rate_by_segment(conn, RULES, ALL))
    assert rates.index.tolist()[-1] == "unassigned" and rates.loc["unassigned", "won"] == 1


def test_cycle_median_leaves_out_deals_created_after_close_and_counts_them() -> None:
    conn = database(
        enterprise_deals()[:2]
        + [
            # a bulk-load CreatedDate after the real close date: -5 days, not a cycle
            opp("e9", "ent", "won", "2025-02-05", "2025-01-31"),
        ]
    )
    cycles = by_segment(kpis.cycle_time_by_segment(conn, RULES, ALL))
    assert cycles.loc["enterprise", "won_deals"] == 3
    assert cycles.loc["enterprise", "excluded_negative"] == 1
    assert cycles.loc["enterprise", "median_won_cycle_days"] == 20.0  # median of 10 and 30
    assert cycles.loc["smb", "won_deals"] == 0 and math.isnan(
        cycles.loc["smb", "median_won_cycle_days"]
    )


def survival_deals() -> duckdb.DuckDBPyConnection:
    """Enterprise deals won after 10 and 30 days, lost after 20, one open 25 days at the end."""
    return database(
        [
            opp("w1", "ent", "won", "2025-01-01", "2025-01-11"),
            opp("w2", "ent", "won", "2025-01-01", "2025-01-31"),
            opp("l1", "ent", "lost", "2025-01-01", "2025-01-21"),
            opp("o1", "ent", "open", "2025-03-01", "2025-09-01"),
        ],
        [lead("l", "ent", None, updated_at="2025-03-26")],
    )


def test_cycle_survival_treats_losing_as_a_competing_outcome_and_censors_open_deals() -> None:
    # at 10: 1 of 4 won; at 20: 1 of 3 left lost (1/4); open at 25 leaves; at 30 the last wins
    curve = kpis.cycle_time_survival(survival_deals(), RULES, ALL)
    enterprise = curve[curve["segment"] == "enterprise"].set_index("days")
    assert enterprise.index.tolist() == [0.0, 10.0, 20.0, 30.0]
    assert enterprise["won"].tolist() == pytest.approx([0, 0.25, 0.25, 0.75])
    assert enterprise["lost"].tolist() == pytest.approx([0, 0, 0.25, 0.25])
    assert enterprise["still_open"].tolist() == pytest.approx([1, 0.75, 0.5, 0])
    first = enterprise.iloc[0]
    # half of the 3/4 won is 3/8, reached on day 30; half of all deals closed by day 20
    assert (first["deals"], first["median_days_to_win"], first["median_days_to_close"]) == (
        4,
        30.0,
        20.0,
    )
    assert set(curve["segment"]) == {"enterprise"}


def test_a_date_after_the_export_moves_neither_the_as_of_nor_the_cycle_curves() -> None:
    conn = survival_deals()
    before = kpis.cycle_time_survival(conn, RULES, ALL)
    insert(
        conn,
        "activities",
        [{"activity_id": "x", "lead_id": "l", "occurred_at": pd.Timestamp("2031-01-01")}],
    )
    insert(conn, "leads", [lead("m", "ent", "2031-02-01")])  # an MQL date typed wrong
    pd.testing.assert_frame_equal(kpis.cycle_time_survival(conn, RULES, ALL), before)
    assert kpis.kpis_by_segment(conn, RULES, ALL)["as_of"] == "2025-03-26T00:00:00"


def test_a_deal_closed_after_the_export_ends_on_the_export_day() -> None:
    conn = database(
        [opp("f", "ent", "won", "2025-01-01", "2029-01-01")],
        [lead("l", "ent", None, updated_at="2025-03-26")],
    )
    cycles = kpis.opportunity_cycles(conn, RULES, ALL)
    assert cycles["days"].tolist() == [
        (pd.Timestamp("2025-03-26") - pd.Timestamp("2025-01-01")).days
    ]


def test_the_sample_enterprise_curve_matches_statsmodels_on_deals_read_from_the_tables(
    sample_conn,
) -> None:
    conn = sample_conn
    # enterprise by the default rule, read without the staging layer: revenue >= $1B, else
    # (revenue unknown) 1,000 employees or more
    deals = conn.sql(
        """
        select o.is_closed, o.is_won,
               datediff('day', cast(o.created_at as date),
                        case when o.is_closed then o.close_date
                             else cast((select max(updated_at) from leads) as date) end) as days
        from opportunities o join accounts a on a.account_id = o.account_id
        where coalesce(a.annual_revenue_usd >= 1e9, a.employees >= 1000)
        """
    ).df()
    status = np.where(deals["is_won"], 1, np.where(deals["is_closed"], 2, 0))
    oracle = CumIncidenceRight(deals["days"].to_numpy(float), status)
    curve = kpis.cycle_time_survival(conn, RULES, ALL)
    enterprise = curve[curve["segment"] == "enterprise"]
    assert enterprise["deals"].iloc[0] == len(deals)
    assert value_at(enterprise, "won", oracle.times) == pytest.approx(oracle.cinc[0])
    assert value_at(enterprise, "lost", oracle.times) == pytest.approx(oracle.cinc[1])


def test_pipeline_mix_gives_shares_of_open_amount_and_the_gap_to_target_in_money(deals) -> None:
    mix = by_segment(
        kpis.pipeline_mix(deals, RULES, ALL, target={"enterprise": 0.6, "mid_market": 0.4})
    )
    # open: enterprise 200k + 100k, mid-market 100k, SMB nothing; total 400k
    assert mix["open_amount_usd"].tolist() == [300_000, 100_000, 0]
    assert mix["open_share"].tolist() == pytest.approx([0.75, 0.25, 0.0])
    assert mix["open_count_share"].tolist() == pytest.approx([2 / 3, 1 / 3, 0.0])
    assert mix["gap_share"].tolist() == pytest.approx([-0.15, 0.15, 0.0])
    assert mix["gap_amount_usd"].tolist() == pytest.approx([-60_000, 60_000, 0.0])
    assert mix.loc["enterprise", "won_count"] == 3  # no period: last year's win counts too
    # won ever: enterprise 100k + 50k + 1k, SMB 30 x 1k
    assert mix.loc["smb", "won_share"] == pytest.approx(30_000 / 181_000)


def test_pipeline_mix_without_a_target_has_no_gap(deals) -> None:
    mix = kpis.pipeline_mix(deals, RULES, ALL, target=None)
    assert mix["target_share"].isna().all() and mix["gap_amount_usd"].isna().all()


def mql_leads(prefix: str, mqls: int, sqls: int, channel: str = "web") -> list[dict[str, Any]]:
    """Return mqls enterprise leads that became MQL in February, the first sqls of them SQL;
    the records were last edited in June, so the data ends months after the MQLs."""
    return [
        lead(
            f"{prefix}{i}",
            "ent",
            "2025-02-01 09:00",
            channel,
            updated_at="2025-06-01",
            **({"sql_at": "2025-02-03"} if i < sqls else {}),
        )
        for i in range(mqls)
    ]


@pytest.mark.parametrize(
    ("mqls", "sqls", "band"),
    [
        (10, 0, "below"),
        (20, 1, "below"),  # 5%
        (10, 1, "in"),  # exactly 10% is healthy
        (20, 5, "in"),  # exactly 25% is healthy
        (10, 3, "above"),
        (0, 0, None),
    ],
)
def test_mql_to_sql_band_flags_below_in_and_above_the_healthy_range(
    mqls: int, sqls: int, band: str | None
) -> None:
    # the export records SQL dates (another segment's lead has one): a 0% here is measured
    recorded = [lead("elsewhere", "mid", None, sql_at="2025-02-03")]
    conn = database(leads=mql_leads("l", mqls, sqls) + recorded)
    rates = by_segment(kpis.mql_to_sql_by_segment(conn, RULES, ALL))
    assert rates.loc["enterprise", ["mqls", "sqls"]].tolist() == [mqls, sqls]
    assert rates.loc["enterprise", "band"] == band


def test_without_any_sql_date_mql_to_sql_is_not_measured_rather_than_zero_below_the_band() -> None:
    conn = database(leads=mql_leads("l", 10, 0))
    rates = by_segment(kpis.mql_to_sql_by_segment(conn, RULES, ALL))
    assert rates.loc["enterprise", "mqls"] == 10
    assert math.isnan(rates.loc["enterprise", "mql_to_sql_rate"])
    assert rates.loc["enterprise", "band"] is None
    assert not rates["mql_to_sql_measured"].any()
    overall = kpis.kpis_by_segment(conn, RULES, ALL)["overall"]
    assert (overall["mql_to_sql_rate"], overall["mql_to_sql_band"]) == (None, None)
    assert overall["mql_to_sql_note"] == "not measured: the export has no SQL dates"


@pytest.mark.parametrize(
    ("filters", "mqls", "sqls"),
    [
        (ALL, 20, 6),
        (Filters(channels=("web",)), 10, 1),
        (Filters(channels=("event",)), 10, 5),
        (Filters(start=date(2025, 3, 1)), 0, 0),  # the MQLs happened in February
    ],
)
def test_channel_and_period_filters_change_mql_to_sql(
    filters: Filters, mqls: int, sqls: int
) -> None:
    conn = database(leads=mql_leads("w", 10, 1) + mql_leads("e", 10, 5, channel="event"))
    rates = by_segment(kpis.mql_to_sql_by_segment(conn, RULES, filters))
    assert rates.loc["enterprise", ["mqls", "sqls"]].tolist() == [mqls, sqls]


def test_mql_to_sql_by_channel_and_by_segment_and_channel_split_the_same_counts() -> None:
    conn = database(
        leads=mql_leads("w", 10, 1)
        + mql_leads("e", 10, 5, channel="event")
        + [lead("nomql", "ent", None, sql_at="2025-02-03")]
    )
    channels = kpis.mql_to_sql_by_channel(conn, RULES, ALL).set_index("channel")
    assert channels.loc["web", "mql_to_sql_rate"] == pytest.approx(0.1)
    assert channels.loc["event", ["mql_to_sql_rate", "band"]].tolist() == [0.5, "above"]
    cells = kpis.mql_to_sql_by_segment_and_channel(conn, RULES, ALL)
    assert cells[["segment", "channel", "mqls", "sqls"]].values.tolist() == [
        ["enterprise", "event", 10, 5],
        ["enterprise", "web", 10, 1],
    ]


def test_a_blank_channel_is_its_own_value_apart_from_a_literal_unknown_and_can_be_chosen() -> None:
    blank = [lead("b1", "ent", "2025-02-01", channel=None, sql_at="2025-02-03")]
    blank += [lead("b2", "ent", "2025-02-01", channel="  ", updated_at="2025-06-01")]
    blank += [lead("u1", "ent", "2025-02-01", channel="unknown")]
    conn = database(leads=mql_leads("w", 10, 1) + blank)
    channels = kpis.mql_to_sql_by_channel(conn, RULES, ALL).set_index("channel")
    assert channels.loc[BLANK, ["mqls", "sqls"]].tolist() == [2, 1]
    assert channels.loc["unknown", ["mqls", "sqls"]].tolist() == [1, 0]
    assert channels.index.tolist() == ["unknown", "web", BLANK]
    chosen = by_segment(kpis.mql_to_sql_by_segment(conn, RULES, Filters(channels=(BLANK,))))
    assert chosen.loc["enterprise", ["mqls", "sqls"]].tolist() == [2, 1]


def test_a_deal_on_an_account_missing_from_the_data_is_unassigned() -> None:
    conn = database([opp("g1", "ghost", "won", "2025-01-01", "2025-01-11")])
    rates = by_segment(kpis.win_rate_by_segment(conn, RULES, Q1))
    assert rates.loc[UNASSIGNED, ["won", "closed"]].tolist() == [1, 1]


def test_speed_to_first_meeting_is_the_median_hours_after_mql() -> None:
    conn = database(
        leads=[
            lead("a", "ent", "2025-02-01 00:00", first_meeting_at="2025-02-01 02:00"),
            lead("b", "ent", "2025-02-01 00:00", first_meeting_at="2025-02-02 00:00"),
            lead("c", "ent", "2025-02-01 00:00", first_meeting_at="2025-02-01 10:00"),
            lead("d", "ent", "2025-02-01 00:00"),
        ]
    )
    speed = by_segment(kpis.speed_to_first_meeting(conn, RULES, ALL))
    assert speed.loc["enterprise", ["mqls", "meetings"]].tolist() == [4, 3]
    assert speed.loc["enterprise", "median_hours_to_first_meeting"] == 10.0


def test_sla_counts_handling_exactly_at_the_sla_as_within() -> None:
    mql = datetime(2025, 2, 1, 9)
    at = {hours: str(mql + timedelta(hours=hours)) for hours in (1, 4, 5)}
    conn = database(
        leads=[
            lead("exact", "ent", str(mql), sal_at=at[4]),
            lead("late", "ent", str(mql), disqualified_at=str(mql + timedelta(hours=4, seconds=1))),
            lead("rejected_fast", "ent", str(mql), sal_at=at[5], disqualified_at=at[1]),
            lead("never", "ent", str(mql)),
            lead("smb", "smb", str(mql), sal_at=at[1]),
        ]
    )
    sla = by_segment(kpis.sla_compliance(conn, RULES, ALL, {"enterprise": 4.0}))
    assert sla.loc["enterprise", ["mqls", "handled_within_sla"]].tolist() == [4, 2]
    assert sla.loc["enterprise", "sla_rate"] == pytest.approx(0.5)
    assert math.isnan(sla.loc["smb", "sla_rate"])  # no SLA given for SMB: no verdict


def test_profitable_win_rate_counts_won_deals_at_the_margin_target_over_closed() -> None:
    conn = database(enterprise_deals())
    rate = by_segment(kpis.profitable_win_rate(conn, RULES, Q1, margin_target=0.3))
    # closed in Q1: won at 40% margin, won at 20% margin, lost -> 1 profitable of 3
    assert rate.loc["enterprise", ["closed", "profitable_won"]].tolist() == [3, 1]
    assert rate.loc["enterprise", "profitable_win_rate"] == pytest.approx(1 / 3)
    assert rate.loc["enterprise", "margin_tracked_share"] == 1.0
    assert rate["margin_tracked"].all()


def test_profitable_win_rate_is_nan_and_flagged_when_no_margin_is_tracked() -> None:
    conn = database([{**d, "gross_margin_usd": None} for d in enterprise_deals()])
    rate = by_segment(kpis.profitable_win_rate(conn, RULES, Q1, margin_target=0.3))
    assert rate.loc["enterprise", "closed"] == 3
    assert math.isnan(rate.loc["enterprise", "profitable_win_rate"])
    assert not rate["margin_tracked"].any()
    assert rate.loc["enterprise", "margin_tracked_share"] == 0.0


def test_qualified_opportunity_rate_needs_sql_before_the_opportunity() -> None:
    conn = database(
        [
            opp("q1", "ent", "open", "2025-02-10", "2025-06-01", lead="early"),
            opp("q2", "ent", "open", "2025-02-10", "2025-06-01", lead="late"),
            opp("q3", "ent", "open", "2025-02-10", "2025-06-01"),
        ],
        [
            lead("early", "ent", "2025-02-01", sql_at="2025-02-05"),
            lead("late", "ent", "2025-02-01", sql_at="2025-02-20"),
        ],
    )
    rate = by_segment(kpis.qualified_opportunity_rate(conn, RULES, ALL))
    assert rate.loc["enterprise", ["created", "qualified"]].tolist() == [3, 1]
    assert rate.loc["enterprise", "qualified_opportunity_rate"] == pytest.approx(1 / 3)


def test_kpis_by_quarter_splits_wins_and_mqls_by_the_quarter_they_happened() -> None:
    conn = database(enterprise_deals(), mql_leads("l", 10, 1))
    quarters = kpis.kpis_by_quarter(conn, RULES, ALL)
    enterprise = quarters[quarters["segment"] == "enterprise"].set_index("quarter")
    assert enterprise.index.tolist() == ["2024-Q4", "2025-Q1"]
    assert enterprise.loc["2025-Q1", ["won", "lost", "mqls", "sqls"]].tolist() == [2, 1, 10, 1]
    assert enterprise.loc["2025-Q1", "median_won_cycle_days"] == 20
    assert enterprise.loc["2025-Q1", "pipeline_created_usd"] == 451_000
    assert enterprise.loc["2024-Q4", "win_rate"] == 1.0


def test_kpis_by_segment_is_json_ready_and_its_overall_row_sums_the_segments(deals) -> None:
    insert(deals, "leads", mql_leads("w", 10, 1) + mql_leads("e", 10, 5, channel="event"))
    summary = kpis.kpis_by_segment(deals, RULES, Q1)
    json.dumps(summary, allow_nan=False)
    rows, overall = summary["by_segment"], summary["overall"]
    assert [r["segment"] for r in rows] == ["enterprise", "mid_market", "smb"]
    for count in ("won", "lost", "mqls", "sqls", "open_pipeline_amount"):
        assert overall[count] == sum(r[count] for r in rows)
    assert overall["win_rate"] == pytest.approx(32 / 43)
    assert overall["median_won_cycle_days"] == 5.0  # 30 SMB wins at 5 days outweigh 10 and 30
    assert rows[0]["win_rate_ci"][0] < rows[0]["win_rate"] < rows[0]["win_rate_ci"][1]
    assert rows[1]["win_rate"] is None and rows[1]["win_rate_ci"] == [None, None]
    assert rows[0]["mql_to_sql_rate"] == pytest.approx(0.3)
    assert summary["filters"]["start"] == "2025-01-01"


PUBLIC: list[Callable[[duckdb.DuckDBPyConnection], Any]] = [
    lambda c: kpis.win_rate_by_segment(c, RULES, ALL),
    lambda c: kpis.cycle_time_by_segment(c, RULES, ALL),
    lambda c: kpis.cycle_time_survival(c, RULES, ALL),
    lambda c: kpis.pipeline_mix(c, RULES, ALL, {"enterprise": 1.0}),
    lambda c: kpis.mql_to_sql_by_segment(c, RULES, ALL),
    lambda c: kpis.mql_to_sql_by_channel(c, RULES, Filters(channels=("web",))),
    lambda c: kpis.mql_to_sql_by_segment_and_channel(c, RULES, ALL),
    lambda c: kpis.pipeline_velocity_by_segment(c, RULES, ALL),
    lambda c: kpis.speed_to_first_meeting(c, RULES, ALL),
    lambda c: kpis.sla_compliance(c, RULES, ALL, {}),
    lambda c: kpis.profitable_win_rate(c, RULES, ALL, 0.3),
    lambda c: kpis.qualified_opportunity_rate(c, RULES, ALL),
    lambda c: kpis.kpis_by_quarter(c, RULES, ALL),
]


@pytest.mark.parametrize("kpi", PUBLIC)
def test_every_kpi_answers_an_empty_database_with_zero_counts(kpi) -> None:
    result = kpi(connect(":memory:"))
    counts = [
        c
        for c in result.columns
        if c
        in {
            "won",
            "lost",
            "open_count",
            "mqls",
            "created",
            "closed",
            "won_deals",
            "open_opportunities",
        }
    ]
    assert (result[counts] == 0).all().all()


def test_kpis_by_segment_of_an_empty_database_has_no_nan() -> None:
    summary = kpis.kpis_by_segment(connect(":memory:"), RULES, ALL)
    assert json.loads(json.dumps(summary, allow_nan=False))["overall"]["won"] == 0
    assert summary["as_of"] is None and len(summary["by_segment"]) == 3


def test_mix_against_target_equals_querying_with_the_target_and_leaves_the_mix_alone(deals):
    target = {"enterprise": 0.6, "mid_market": 0.4}
    plain = kpis.pipeline_mix(deals, RULES, ALL)
    before = plain.copy()
    pd.testing.assert_frame_equal(
        kpis.mix_against_target(plain, target), kpis.pipeline_mix(deals, RULES, ALL, target)
    )
    pd.testing.assert_frame_equal(plain, before)


def test_mqls_younger_than_the_95th_percentile_conversion_lag_are_left_out() -> None:
    # 20 converted MQLs with lags of 1..20 days; the data ends 1 June (an edit)
    converted = [
        lead(
            f"c{d}",
            "ent",
            "2025-02-01",
            sql_at=str(pd.Timestamp("2025-02-01") + pd.Timedelta(days=d)),
        )
        for d in range(1, 21)
    ]
    recent = [lead(f"r{d}", "ent", f"2025-05-{d:02d}") for d in (1, 20, 25, 31)]
    conn = database(leads=[*converted, *recent, lead("x", "ent", None, updated_at="2025-06-01")])
    lag = np.percentile(np.arange(1, 21), 95)  # percentile_cont interpolates like numpy: 19.05
    rates = by_segment(kpis.mql_to_sql_by_segment(conn, RULES, ALL))
    assert rates.loc["enterprise", "conversion_lag_days"] == pytest.approx(lag)
    # 1 June - 20 May is 12 days, under 19.05: the MQLs of 20, 25 and 31 May wait; 1 May counts
    assert rates.loc["enterprise", ["mqls", "sqls", "young_mqls"]].tolist() == [21, 20, 3]
    quarters = kpis.kpis_by_quarter(conn, RULES, ALL).set_index("quarter")
    assert quarters.loc["2025-Q2", "mqls"] == 1


def test_a_channel_is_named_outside_the_band_only_beyond_chance_after_holm() -> None:
    # 1 SQL of 80 MQLs (1.3%), 2 of 40 (5%), 8 of 40 (20%, in), 17 of 40 (42.5%), 0 of 10
    plan = {"a": (80, 1), "b": (40, 2), "c": (40, 8), "d": (40, 17), "e": (10, 0)}
    leads = [row for channel, (m, k) in plan.items() for row in mql_leads(channel, m, k, channel)]
    rates = kpis.mql_to_sql_by_channel(database(leads=leads), RULES, ALL).set_index("channel")
    tested = ["a", "b", "c", "d"]  # e has fewer than 30 MQLs: not tested
    edge = {"a": 0.10, "b": 0.10, "c": 0.10, "d": 0.25}
    p = [proportions_ztest(plan[c][1], plan[c][0], edge[c], prop_var=edge[c])[1] for c in tested]
    p[2] = 1.0  # inside the band: a test that cannot reject
    holm = dict(zip(tested, multipletests(p, method="holm")[1], strict=True))
    for channel in ("a", "b", "d"):
        assert rates.loc[channel, "band_p_holm"] == pytest.approx(holm[channel])
        assert rates.loc[channel, "outside_band"] == (holm[channel] < 0.05)
    assert rates["outside_band"].to_dict() == {
        "a": True,
        "b": False,  # 5% on 40 MQLs: its interval reaches past 10% once corrected
        "c": False,
        "d": True,
        "e": False,  # 0% on 10 MQLs: below on its estimate, too few to say
    }


def test_quarters_covered_in_part_are_marked_partial_with_their_days() -> None:
    # data from 2024-11-01 (first deal created) to 2025-03-31 (last close): Q4 holds 61 days
    last = opp("z", "ent", "lost", "2025-03-01", "2025-03-31")
    conn = database([*enterprise_deals(), last], mql_leads("l", 10, 1))
    quarters = kpis.kpis_by_quarter(conn, RULES, ALL)
    enterprise = quarters[quarters["segment"] == "enterprise"].set_index("quarter")
    assert enterprise.loc["2024-Q4", ["quarter_days", "days_in_data", "partial"]].tolist() == [
        92,
        61,
        True,
    ]
    assert not enterprise.loc["2025-Q1", "partial"]
    # a period chosen inside a quarter makes it partial too: 1 Jan to 15 Feb is 46 of 90 days
    short = kpis.kpis_by_quarter(
        conn, RULES, Filters(start=date(2025, 1, 1), end=date(2025, 2, 15))
    )
    assert short.loc[short["quarter"] == "2025-Q1", "days_in_data"].iloc[0] == 46


def test_quarter_changes_carry_newcombe_intervals_and_whether_both_quarters_are_whole() -> None:
    quarters = pd.DataFrame(
        {
            "segment": ["smb", "smb", "smb", "ent", "ent", "ent"],
            "quarter": ["2025-Q1", "2025-Q2", "2025-Q3"] * 2,
            "won": [30, 45, 5, 10, 10, 1],
            "closed": [100, 110, 12, 40, 30, 4],
            "sqls": [10, 10, 1, 5, 5, 0],
            "mqls": [50, 60, 9, 20, 20, 3],
            "partial": [False, False, True] * 2,
        }
    )
    changes = kpis.quarter_changes(quarters).set_index(["segment", "quarter"])
    row = changes.loc[("smb", "2025-Q2")]
    low, high = confint_proportions_2indep(45, 110, 30, 100, method="newcomb", compare="diff")
    assert row["win_rate_change"] == pytest.approx(45 / 110 - 30 / 100)
    assert (row["win_rate_change_low"], row["win_rate_change_high"]) == pytest.approx((low, high))
    assert row["comparable"] and not changes.loc[("smb", "2025-Q3"), "comparable"]
    every = changes.loc[("all segments", "2025-Q2")]
    assert every["win_rate_change"] == pytest.approx(55 / 140 - 40 / 140)
    assert every["mql_to_sql_rate_change"] == pytest.approx(15 / 80 - 15 / 70)
