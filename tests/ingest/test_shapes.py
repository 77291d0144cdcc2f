"""The shipped example mappings on the small exports their comments describe.

closed_deals.yaml: one file feeding opportunities and accounts, repeated opportunity numbers
(`id: row`), durations instead of created dates, a size code as the segment, dimensions.
funnel_without_sql.yaml: no SQL dates, a deal's created date from its lead, blank channels.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from lib.ingest import ImportReport, import_sources
from lib.store.connection import PROJECT_ROOT, connect
from tests.ingest.test_mapping import rows, write_csv

MAPPINGS = PROJECT_ROOT / "data" / "mappings"
DEALS = [
    ["opportunity_no", "client", "size_code", "region", "product", "route", "stage", "closed_on",
     "days_identified_to_close", "value_keur"],
    ["1001", "Acme", "5", "EMEA", "Core", "Direct", "Won", "2024-03-10", "30", "120"],
    ["1001", "Acme", "5", "EMEA", "Add-on", "Direct", "Won", "2024-03-10", "30", "20"],
    ["1002", "Bolt", "1", "NA", "Core", "Partner", "Lost", "2024-04-02", "45", "15"],
    ["1003", "Cogs", "3", "NA", "Core", "Partner", "Won", "2024-05-20", "60", "40"],
    ["1004", "Dyno", "2", "EMEA", "Core", "Direct", "Lost", "2024-06-01", "10", "8"],
    ["1005", "Bolt", "1", "NA", "Add-on", "Partner", "Won", "2024-06-15", "20", "5"],
]  # fmt: skip
LEADS = [
    ["lead_ref", "company", "first_contact", "mql_date", "source", "employees"],
    ["L1", "Acme", "2024-01-05", "2024-01-20", "Webinar", "5000"],
    ["L2", "Bolt", "2024-01-10", "2024-02-01", "", "40"],
    ["L3", "Cogs", "2024-02-01", "2024-02-15", "unknown", "300"],
    ["L4", "Dyno", "2024-02-03", "", "Webinar", "20"],
    ["L5", "Eon", "2024-02-10", "2024-03-01", "Webinar", "150"],
]
FUNNEL_DEALS = [
    ["deal_ref", "lead_ref", "status", "closed", "amount", "source"],
    ["D1", "L1", "Won", "2024-04-01", "50000", "Webinar"],
    ["D2", "L2", "Lost", "2024-04-15", "10000", ""],
    ["D3", "L3", "Open", "2024-09-30", "", "unknown"],
    ["D4", "L5", "Open", "2024-10-30", "", "Webinar"],
    ["D5", "L4", "Won", "2024-05-01", "2000", "Webinar"],
]


def closed_deals_export(folder) -> tuple[duckdb.DuckDBPyConnection, ImportReport]:
    """Import DEALS through closed_deals.yaml."""
    write_csv(folder / "deals.csv", DEALS)
    conn = connect(":memory:")
    return conn, import_sources(conn, [folder], mapping=MAPPINGS / "closed_deals.yaml")


def funnel_export(folder) -> tuple[duckdb.DuckDBPyConnection, ImportReport]:
    """Import LEADS and FUNNEL_DEALS through funnel_without_sql.yaml."""
    write_csv(folder / "leads.csv", LEADS)
    write_csv(folder / "deals.csv", FUNNEL_DEALS)
    conn = connect(":memory:")
    return conn, import_sources(conn, [folder], mapping=MAPPINGS / "funnel_without_sql.yaml")


def funnel_database(folder: Path) -> Path:
    """Return a database file holding the funnel export, for the pages to open."""
    (folder / "export").mkdir()
    conn, _ = funnel_export(folder / "export")
    db = folder / "funnel.duckdb"
    conn.execute("attach $db as out", {"db": str(db)})
    conn.execute("copy from database memory to out")
    conn.execute("detach out")
    return db


@pytest.fixture
def closed_deals(tmp_path):
    return closed_deals_export(tmp_path)


@pytest.fixture
def funnel(tmp_path):
    return funnel_export(tmp_path)


def test_one_file_feeds_deals_and_their_clients(closed_deals):
    conn, report = closed_deals
    assert report.rows == {"accounts": 4, "leads": 0, "activities": 0, "opportunities": 6}
    assert rows(conn, "select account_id, segment, region from accounts order by 1") == [
        ("Acme", "enterprise", "EMEA"),
        ("Bolt", "smb", "NA"),
        ("Cogs", "mid_market", "NA"),
        ("Dyno", "smb", "EMEA"),
    ]


def test_repeated_opportunity_numbers_are_each_their_own_deal(closed_deals):
    conn, report = closed_deals
    assert rows(conn, "select opportunity_id, name, amount_usd from opportunities order by 1")[
        :2
    ] == [
        ("deals.csv:2", "Core", 120_000.0),
        ("deals.csv:3", "Add-on", 20_000.0),
    ]
    assert any("each row is its own opportunities record (id: row)" in w for w in report.warnings)


def test_durations_and_dimensions_are_kept_per_deal(closed_deals):
    conn, _ = closed_deals
    assert rows(
        conn,
        "select cycle_days, region, product, route_to_market, is_won, close_date "
        "from opportunities order by opportunity_id",
    ) == [
        (30.0, "EMEA", "Core", "Direct", True, date(2024, 3, 10)),
        (30.0, "EMEA", "Add-on", "Direct", True, date(2024, 3, 10)),
        (45.0, "NA", "Core", "Partner", False, date(2024, 4, 2)),
        (60.0, "NA", "Core", "Partner", True, date(2024, 5, 20)),
        (10.0, "EMEA", "Core", "Direct", False, date(2024, 6, 1)),
        (20.0, "NA", "Add-on", "Partner", True, date(2024, 6, 15)),
    ]


def test_the_import_says_which_segments_the_export_stated(closed_deals):
    _, report = closed_deals
    assert (
        "accounts: segment stated by the export for 4 of 4 (smb 2, enterprise 1, mid_market 1); "
        "the model's revenue and headcount rule decides the rest"
    ) in report.warnings


def test_a_deal_takes_its_created_date_from_its_lead(funnel):
    conn, report = funnel
    assert rows(conn, "select opportunity_id, created_at from opportunities order by 1") == [
        ("D1", datetime(2024, 1, 5)),
        ("D2", datetime(2024, 1, 10)),
        ("D3", datetime(2024, 2, 1)),
        ("D4", datetime(2024, 2, 10)),
        ("D5", datetime(2024, 2, 3)),
    ]
    assert (
        "deals.csv: opportunities.created_at taken from the linked lead's created_at where "
        "blank; 5 of 5 rows have one"
    ) in report.warnings


def test_a_funnel_without_sql_dates_says_mql_to_sql_is_not_measured(funnel):
    _, report = funnel
    assert any(w.startswith("leads: no SQL dates in this export") for w in report.warnings)


def test_a_blank_channel_stays_blank_beside_a_literal_unknown(funnel):
    conn, _ = funnel
    assert rows(conn, "select lead_id, channel from leads order by 1")[1:3] == [
        ("L2", None),
        ("L3", "unknown"),
    ]
    assert rows(conn, "select count(*) from opportunities where amount_usd is null") == [(2,)]


def test_open_deals_without_an_amount_are_named_not_priced_at_zero(funnel):
    _, report = funnel
    assert (
        "opportunities: amount unknown for 2 open deals; open pipeline value counts only the "
        "deals with an amount"
    ) in report.warnings
