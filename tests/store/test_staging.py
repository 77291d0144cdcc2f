"""The staging layer: composed queries, segments in SQL agreeing with Python, portable SQL."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd
import pytest
import sqlglot
from sqlglot.errors import ErrorLevel

from lib.metrics.filters import Filters
from lib.model.segments import DEFAULT_SEGMENTS, UNASSIGNED, SegmentRule, assign_segments
from lib.store.connection import connect, run_query
from lib.store.staging import (
    BLANK,
    LABELS,
    SQL_DIR,
    query_parameters,
    segment_params,
    staged_query,
)

QUERIES = sorted(str(p.relative_to(SQL_DIR).with_suffix("")) for p in SQL_DIR.rglob("*.sql"))
# queries over the canonical tables (ingest/ works on its staging tables, store/ on its own)
DATA_QUERIES = [q for q in QUERIES if q.split("/")[0] not in ("ingest", "store")]
WINDOW = 6  # lines: a block this long written twice should be one staging CTE instead

RULES = (  # the last rule has a floor, so a small company is unassigned, not SMB
    SegmentRule("enterprise", "Enterprise", 1e9, 1_000),
    SegmentRule("mid_market", "Mid-market", 5e7, 100),
    SegmentRule("smb", "SMB", 1e6, 10),
)
# rules are tried in order: with the loosest first, nothing reaches the second
LOOSE_FIRST = (SegmentRule("any", "Any", 0, 0), SegmentRule("big", "Big", 1e9, 1_000))

# id: (revenue, employees) as the records hold them
ACCOUNTS: dict[str, tuple[float | None, int | None]] = {
    "at_enterprise_line": (1e9, None),
    "just_below_it": (999_999_999.99, 5_000),  # revenue decides even with many employees
    "small_revenue_big_staff": (5e5, 5_000),  # revenue known and too small: no fallback
    "zero_revenue": (0.0, 2_000),
    "staff_at_line": (None, 1_000),
    "staff_99": (None, 99),
    "staff_5": (None, 5),
    "no_figures": (None, None),
}
# id: (account, own revenue, own employees)
LEADS: dict[str, tuple[str | None, float | None, int | None]] = {
    "on_enterprise": ("at_enterprise_line", 1.0, 1),  # its account's figures, not its own
    "on_account_without_figures": ("no_figures", 2e9, 5_000),  # the account's (none) still
    "on_missing_account": ("ghost", None, 150),  # no such account: its own figures
    "without_account": (None, 6e7, None),
    "without_anything": (None, None, None),
    "staff_only": (None, None, 1_000),
    "negative_revenue": (None, -5.0, 5_000),
}
EXPECTED = {
    "at_enterprise_line": "enterprise",
    "just_below_it": "mid_market",
    "small_revenue_big_staff": UNASSIGNED,
    "zero_revenue": UNASSIGNED,
    "staff_at_line": "enterprise",
    "staff_99": "smb",
    "staff_5": UNASSIGNED,
    "no_figures": UNASSIGNED,
    "on_enterprise": "enterprise",
    "on_account_without_figures": UNASSIGNED,
    "on_missing_account": "mid_market",
    "without_account": "mid_market",
    "without_anything": UNASSIGNED,
    "staff_only": "enterprise",
    "negative_revenue": UNASSIGNED,
}


@pytest.fixture
def companies() -> duckdb.DuckDBPyConnection:
    conn = connect(":memory:")
    conn.executemany(
        "insert into accounts (account_id, annual_revenue_usd, employees) values (?, ?, ?)",
        [[key, *figures] for key, figures in ACCOUNTS.items()],
    )
    conn.executemany(
        "insert into leads (lead_id, account_id, annual_revenue_usd, employees) "
        "values (?, ?, ?, ?)",
        [[key, *row] for key, row in LEADS.items()],
    )
    return conn


def sql_segments(conn: duckdb.DuckDBPyConnection, rules: tuple[SegmentRule, ...]) -> dict:
    found = run_query(conn, "staging/record_segments", segment_params(rules))
    return dict(zip(found["record_id"], found["segment"], strict=True))


def python_segments(rules: tuple[SegmentRule, ...]) -> dict[str, str]:
    """assign_segments over each record's firmographics: a lead's account's, else its own."""
    figures = dict(ACCOUNTS)
    for key, (account, revenue, staff) in LEADS.items():
        figures[key] = ACCOUNTS[account] if account in ACCOUNTS else (revenue, staff)
    revenue = pd.Series([f[0] for f in figures.values()], dtype="float64")
    staff = pd.Series([f[1] for f in figures.values()], dtype="float64")
    return dict(zip(figures, assign_segments(revenue, staff, rules), strict=True))


def test_sql_segments_follow_the_rules_at_boundaries_nulls_and_missing_accounts(companies):
    assert sql_segments(companies, RULES) == EXPECTED


@pytest.mark.parametrize(
    "rules", [RULES, DEFAULT_SEGMENTS, LOOSE_FIRST], ids=["floored", "default", "loose_first"]
)
def test_sql_and_python_assign_every_record_the_same_segment(companies, rules):
    assert sql_segments(companies, rules) == python_segments(rules)


def test_rules_are_tried_in_order_not_by_size(companies):
    segments = sql_segments(companies, LOOSE_FIRST)
    assert segments["at_enterprise_line"] == "any" and segments["staff_5"] == "any"
    assert segments["no_figures"] == UNASSIGNED


def test_a_stated_segment_replaces_the_rules_in_sql_and_python_alike(companies):
    companies.execute("update accounts set segment = 'smb' where account_id = 'at_enterprise_line'")
    companies.execute("update accounts set segment = 'enterprize' where account_id = 'staff_5'")
    companies.execute("update leads set segment = 'smb' where lead_id = 'staff_only'")
    companies.execute("update leads set segment = 'mid_market' where lead_id = 'on_enterprise'")
    segments = sql_segments(companies, RULES)
    assert segments["at_enterprise_line"] == "smb"
    assert segments["staff_5"] == UNASSIGNED  # a name the model does not have is not guessed
    assert segments["staff_only"] == "smb"
    assert segments["on_enterprise"] == "smb"  # a lead with an account takes the account's
    stated = pd.Series([None, "smb", "enterprize"], dtype=object)
    python = assign_segments(pd.Series([2e9, 2e9, 2e9]), pd.Series([None] * 3), RULES, stated)
    assert python.tolist() == ["enterprise", "smb", UNASSIGNED]


def names_defined(sql: str) -> list[str]:
    return re.findall(r"^(\w+) as \($", sql, re.MULTILINE)


def test_a_query_gets_the_staging_it_names_and_theirs_each_once_before_use():
    sql = staged_query("kpi/mql_to_sql")
    assert names_defined(sql) == [
        "stg_accounts",
        "stg_leads",
        "segment_rules",
        "firmographic_segments",
        "segmented_leads",
        "filtered_leads",
        "data_as_of",
        "period_mqls",
        "sql_dates",
        "stg_opportunities",
        "wins",
        "final",
    ]


def test_a_query_naming_no_staging_runs_as_written():
    assert staged_query("store/model_history") == (SQL_DIR / "store/model_history.sql").read_text()


def test_query_parameters_keep_what_the_query_uses_and_name_what_is_missing():
    sql = "select $a, $blank -- $in_a_comment"
    assert query_parameters(sql, {"a": 1, "unused": 2}) == {"a": 1, "blank": BLANK}
    with pytest.raises(ValueError, match="not given: a"):
        query_parameters(sql, {})


def test_the_unplaced_labels_come_from_one_place():
    assert LABELS == {"unassigned_segment": UNASSIGNED, "blank": BLANK}
    typed = [
        q
        for q in QUERIES
        if re.search(r"'(unassigned|unknown)'", (SQL_DIR / f"{q}.sql").read_text())
    ]
    assert typed == []


def test_a_blank_channel_is_blank_wherever_it_is_read_and_never_a_literal_unknown():
    conn = connect(":memory:")
    conn.execute(
        "insert into leads (lead_id, channel) values ('a', null), ('b', '  '), ('c', 'web'), "
        "('d', 'unknown')"
    )
    conn.execute("insert into opportunities (opportunity_id, channel) values ('o', '')")
    assert run_query(conn, "staging/channels")["channel"].tolist() == [BLANK, "unknown", "web"]
    leads = run_query(conn, "staging/stg_leads").set_index("lead_id")["channel"]
    assert leads.to_dict() == {"a": BLANK, "b": BLANK, "c": "web", "d": "unknown"}


# a value of the right type for every parameter a data query takes
PARAMETERS: dict[str, Any] = (
    segment_params(DEFAULT_SEGMENTS)
    | Filters(start=date(2025, 1, 1), end=date(2025, 3, 31), segments=("smb",)).params()
    | {
        "as_of": datetime(2025, 6, 1),
        "at_routing_moments": True,
        "horizon_days": 30.0,
        "buying_group_days": 30,
        "activity_kinds": [{"activity_type": "demo_request", "kind": 0}],
        "margin_target": 0.2,
        "segment_slas": [{"segment": "smb", "sla_hours": 4.0}],
        "cutoff": datetime(2025, 5, 1),
        "by": "region",
        "names": ["Lead Source"],
        "lead_ids": ["L1"],
        "won_lead_ids": ["L1"],
    }
)


@pytest.mark.parametrize("name", DATA_QUERIES)
def test_every_data_query_runs_on_an_empty_database(name):
    assert run_query(connect(":memory:"), name, PARAMETERS).columns.size > 0


@pytest.mark.parametrize("name", QUERIES)
def test_every_query_transpiles_to_spark(name):
    sqlglot.transpile(
        staged_query(name), read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE
    )


@pytest.mark.parametrize("name", QUERIES)
def test_no_query_uses_sql_whose_meaning_differs_between_engines(name):
    code = re.sub(r"--[^\n]*", "", (SQL_DIR / f"{name}.sql").read_text()).lower()
    # least/greatest skip nulls on some engines only; date and timestamp differences are
    # integers on one engine and intervals on another; filter (where) is not on every engine
    assert not re.search(
        r"\b(least|greatest)\s*\(|\bfilter\s*\(\s*where|extract\s*\(\s*epoch", code
    )


def normalised_lines(name: str) -> list[str]:
    text = re.sub(r"--[^\n]*", "", (SQL_DIR / f"{name}.sql").read_text())
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_no_block_of_six_lines_is_written_in_two_query_files():
    seen: dict[tuple[str, ...], set[str]] = {}
    for name in QUERIES:
        lines = normalised_lines(name)
        for i in range(len(lines) - WINDOW + 1):
            seen.setdefault(tuple(lines[i : i + WINDOW]), set()).add(name)
    repeated = {block: files for block, files in seen.items() if len(files) > 1}
    assert repeated == {}
