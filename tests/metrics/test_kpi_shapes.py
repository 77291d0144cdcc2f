"""KPIs of the export shapes a mapping file expresses, worked out by hand from the small exports
in tests/ingest/test_shapes.py (read those rows beside these numbers)."""

from __future__ import annotations

import json

import pytest

from lib.cli import main
from lib.metrics import kpis
from lib.metrics.filters import Filters
from lib.model.segments import DEFAULT_SEGMENTS, UNASSIGNED
from lib.store.staging import BLANK
from tests.ingest.test_shapes import closed_deals_export, funnel_export

RULES = DEFAULT_SEGMENTS
ALL = Filters()


def rows_by(summary: dict, by: str) -> dict[str, dict]:
    return {row[by]: row for row in summary[f"by_{by}"]}


@pytest.fixture
def closed_deals(tmp_path):
    conn, _ = closed_deals_export(tmp_path)
    return conn


@pytest.fixture
def funnel(tmp_path):
    conn, _ = funnel_export(tmp_path)
    return conn


# --- closed deals: one file, id: row, durations, a size code, dimensions ---------------------
# won: 1001 Core, 1001 Add-on (Acme, 5), 1003 (Cogs, 3), 1005 (Bolt, 1); lost: 1002 (Bolt, 1),
# 1004 (Dyno, 2). Won cycles 30, 30, 60, 20 days; won value 120k + 20k + 40k + 5k.


def test_the_size_code_is_the_segment_and_each_deal_line_counts(closed_deals):
    summary = kpis.kpis_by_segment(closed_deals, RULES, ALL)
    segments = rows_by(summary, "segment")
    assert {s: (r["won"], r["lost"]) for s, r in segments.items()} == {
        "enterprise": (2, 0),  # Acme: both lines of 1001
        "mid_market": (1, 0),  # Cogs
        "smb": (1, 2),  # Bolt won 1005, lost 1002; Dyno lost 1004
    }
    assert summary["overall"]["win_rate"] == pytest.approx(4 / 6)
    assert segments["smb"]["win_rate"] == pytest.approx(1 / 3)


def test_cycle_time_comes_from_the_stated_days_when_there_are_no_created_dates(closed_deals):
    summary = kpis.kpis_by_segment(closed_deals, RULES, ALL)
    medians = {s: r["median_won_cycle_days"] for s, r in rows_by(summary, "segment").items()}
    assert medians == {"enterprise": 30.0, "mid_market": 60.0, "smb": 20.0}
    assert summary["overall"]["median_won_cycle_days"] == 30.0  # median of 20, 30, 30, 60
    quarters = kpis.kpis_by_quarter(closed_deals, RULES, ALL).set_index(["segment", "quarter"])
    assert quarters.loc[("mid_market", "2024-Q2"), "median_won_cycle_days"] == 60.0


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        # EMEA: 1001 x2 won, 1004 lost; NA: 1002 lost, 1003 and 1005 won
        ("region", {"EMEA": (2, 1, 30.0), "NA": (2, 1, 40.0)}),
        ("route_to_market", {"Direct": (2, 1, 30.0), "Partner": (2, 1, 40.0)}),
        # Core: 1001, 1003 won, 1002, 1004 lost; Add-on: 1001, 1005 won
        ("product", {"Add-on": (2, 0, 25.0), "Core": (2, 2, 45.0)}),
    ],
)
def test_kpis_break_down_by_a_dimension_kept_from_the_export(closed_deals, by, expected):
    rows = rows_by(kpis.kpis_summary(closed_deals, RULES, ALL, by), by)
    assert {v: (r["won"], r["lost"], r["median_won_cycle_days"]) for v, r in rows.items()} == (
        expected
    )


def test_kpis_by_region_on_the_command_line(closed_deals, tmp_path, capsys):
    db = tmp_path / "q.duckdb"
    closed_deals.execute(f"attach '{db}' as out")
    for table in ("accounts", "leads", "activities", "opportunities"):
        closed_deals.execute(f"create table out.{table} as select * from {table}")
    closed_deals.execute("detach out")
    assert main(["kpis", "--db", str(db), "--json", "--by", "region"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [(r["region"], r["won"], r["closed"]) for r in result["by_region"]] == [
        ("EMEA", 2, 3),
        ("NA", 2, 3),
    ]
    assert result["overall"]["region"] == "overall"


# --- a funnel without SQL dates --------------------------------------------------------------
# MQLs: L1 (5,000 staff, Webinar), L2 (40, blank source), L3 (300, "unknown"), L5 (150,
# Webinar); L4 never became MQL. Won: D1 (L1's deal) and D5 (L4's). So one MQL later won.


def test_mql_to_won_by_segment_and_channel_and_mql_to_sql_not_measured(funnel):
    summary = kpis.kpis_by_segment(funnel, RULES, ALL)
    overall = summary["overall"]
    assert (overall["mqls"], overall["mql_won"]) == (4, 1)
    assert overall["mql_to_won_rate"] == pytest.approx(0.25)
    assert (overall["mql_to_sql_rate"], overall["mql_to_sql_band"]) == (None, None)
    assert overall["mql_to_sql_note"] == "not measured: the export has no SQL dates"
    segments = rows_by(summary, "segment")
    assert {s: (r["mqls"], r["mql_won"]) for s, r in segments.items() if r["mqls"]} == {
        "enterprise": (1, 1),
        "mid_market": (2, 0),
        "smb": (1, 0),
    }
    channels = kpis.mql_to_sql_by_channel(funnel, RULES, ALL).set_index("channel")
    assert channels["won"].to_dict() == {"Webinar": 1, "unknown": 0, BLANK: 0}
    assert channels.loc["Webinar", "mql_to_won_rate"] == pytest.approx(0.5)
    assert channels["band"].isna().all() and channels["mql_to_sql_rate"].isna().all()


def test_a_blank_channel_is_not_counted_under_unknown(funnel):
    rows = rows_by(kpis.kpis_summary(funnel, RULES, ALL, "channel"), "channel")
    # deals: D1, D5 won and D4 open on Webinar; D2 lost with no channel; D3 open on "unknown"
    assert {c: (r["won"], r["lost"], r["open_pipeline_count"]) for c, r in rows.items()} == {
        "Webinar": (2, 0, 1),
        "unknown": (0, 0, 1),
        BLANK: (0, 1, 0),
    }
    assert (rows[BLANK]["mqls"], rows["unknown"]["mqls"]) == (1, 1)


def test_open_deals_without_an_amount_are_unpriced_not_zero(funnel):
    overall = kpis.kpis_by_segment(funnel, RULES, ALL)["overall"]
    assert (overall["open_pipeline_count"], overall["open_pipeline_unpriced"]) == (2, 2)
    mix = kpis.pipeline_mix(funnel, RULES, ALL).set_index("segment")
    assert mix.loc[UNASSIGNED, ["open_count", "open_unpriced"]].tolist() == [2, 2]


def test_a_deal_cycle_runs_from_its_leads_first_contact(funnel):
    # D1: 5 January (L1's first contact) to 1 April = 87 days; D5: 3 February to 1 May = 88
    overall = kpis.kpis_by_segment(funnel, RULES, ALL)["overall"]
    assert overall["median_won_cycle_days"] == 87.5


def test_the_command_line_says_amount_unknown_and_not_measured_in_words(funnel, tmp_path, capsys):
    db = tmp_path / "q.duckdb"
    funnel.execute(f"attach '{db}' as out")
    for table in ("accounts", "leads", "activities", "opportunities"):
        funnel.execute(f"create table out.{table} as select * from {table}")
    funnel.execute("detach out")
    assert main(["kpis", "--db", str(db)]) == 0
    overall = capsys.readouterr().out.splitlines()[-1]
    assert overall.startswith("overall")
    assert "MQL->SQL not measured: the export has no SQL dates" in overall
    assert "MQL->won  25.0%" in overall
    assert overall.endswith("open amount unknown for 2 open deals")
    assert "$0" not in overall
