"""HubSpot UI exports (companies, contacts, deals) with the labels HubSpot really writes."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from lib.errors import ImportRefused
from lib.ingest import ImportReport, import_sources
from lib.store.connection import connect

COMPANIES = [
    [
        "Record ID",
        "Company name",
        "Annual Revenue",
        "Number of Employees",
        "Industry",
        "Create Date",
    ],
    ["101", "Acme", "2000000000", "5000", "COMPUTER_SOFTWARE", "2025-01-02 09:00"],
    ["102", "Bolt", "", "40", "RETAIL", "2025-01-03 09:00"],
]
CONTACTS = [
    [
        "Record ID",
        "First Name",
        "Last Name",
        "Email",
        "Company Name",
        "Lifecycle Stage",
        "Create Date",
        "Became a Marketing Qualified Lead Date",
        "Became a Sales Qualified Lead Date",
        "Associated Company IDs (Primary)",
    ],
    [
        "201",
        "Ann",
        "Lee",
        "ann@acme.com",
        "Acme",
        "Sales Qualified Lead",
        "2025-05-20 10:26",
        "2025-05-21 08:00",
        "2025-05-22 09:30",
        "101",
    ],
    ["202", "Bob", "Ray", "bob@bolt.com", "Bolt", "Lead", "2025-05-20 11:00", "", "", "102"],
]
DEAL_HEADER = ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date"]
DEALS = [  # (Record ID, Deal Stage, company)
    ("301", "Closed won", "101"),
    ("302", "closed WON", "101"),
    ("303", "Closed Won & Paid", "102"),
    ("304", "Closed lost", "102"),
    ("305", "Contract sent", "102"),
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """Write rows as a comma-separated UTF-8 file and return its path."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def hubspot_export(
    folder: Path,
    association: str | None = "Associated Company IDs (Primary)",
) -> Path:
    """Write companies, contacts and deals; deals name their company under `association`."""
    folder.mkdir(exist_ok=True)
    extra = [association] if association else []
    deals = [DEAL_HEADER + extra] + [
        [rid, f"Deal {rid}", stage, "1,000.50", "2025-06-30", "2025-05-22 10:00"]
        + ([company] if association else [])
        for rid, stage, company in DEALS
    ]
    write_csv(folder / "hubspot-crm-exports-all-companies.csv", COMPANIES)
    write_csv(folder / "hubspot-crm-exports-all-contacts.csv", CONTACTS)
    write_csv(folder / "hubspot-crm-exports-all-deals.csv", deals)
    return folder


def imported(folder: Path, **options: str) -> tuple[duckdb.DuckDBPyConnection, ImportReport]:
    conn = connect(":memory:")
    return conn, import_sources(conn, [folder], **options)


def rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def test_a_hubspot_export_is_recognised_from_its_headers(tmp_path):
    _, report = imported(hubspot_export(tmp_path / "export"))
    assert report.source_format == "hubspot"
    assert report.rows == {"accounts": 2, "leads": 2, "activities": 0, "opportunities": 5}


def test_contacts_are_leads_even_though_they_carry_a_company_name_column(tmp_path):
    _, report = imported(hubspot_export(tmp_path / "export"))
    assert ("hubspot-crm-exports-all-contacts.csv", "leads", 2) in report.files


def test_companies_keep_their_firmographics(tmp_path):
    conn, _ = imported(hubspot_export(tmp_path / "export"))
    assert rows(
        conn,
        "select account_id, name, annual_revenue_usd, employees, industry from accounts order by 1",
    ) == [("101", "Acme", 2e9, 5000, "COMPUTER_SOFTWARE"), ("102", "Bolt", None, 40, "RETAIL")]


def test_contact_lifecycle_dates_in_hubspot_format_are_read_to_the_minute(tmp_path):
    conn, _ = imported(hubspot_export(tmp_path / "export"))
    assert rows(
        conn, "select lead_id, account_id, created_at, mql_at, sql_at from leads order by 1"
    ) == [
        (
            "201",
            "101",
            datetime(2025, 5, 20, 10, 26),
            datetime(2025, 5, 21, 8, 0),
            datetime(2025, 5, 22, 9, 30),
        ),
        ("202", "102", datetime(2025, 5, 20, 11, 0), None, None),
    ]


def test_deal_stages_match_case_insensitively_and_custom_won_stages_count_as_won(tmp_path):
    conn, _ = imported(hubspot_export(tmp_path / "export"))
    assert rows(
        conn,
        "select opportunity_id, is_closed, is_won, amount_usd, close_date "
        "from opportunities order by 1",
    ) == [
        ("301", True, True, 1000.5, date(2025, 6, 30)),
        ("302", True, True, 1000.5, date(2025, 6, 30)),
        ("303", True, True, 1000.5, date(2025, 6, 30)),
        ("304", True, False, 1000.5, date(2025, 6, 30)),
        ("305", False, False, 1000.5, date(2025, 6, 30)),
    ]


@pytest.mark.parametrize(
    "association", ["Associated Company IDs (Primary)", "Associated Company IDs"]
)
def test_deals_find_their_company_under_the_old_and_the_new_association_header(
    tmp_path, association
):
    conn, _ = imported(hubspot_export(tmp_path / "export", association))
    assert rows(conn, "select opportunity_id, account_id from opportunities order by 1") == [
        ("301", "101"),
        ("302", "101"),
        ("303", "102"),
        ("304", "102"),
        ("305", "102"),
    ]


def test_deals_without_an_association_column_import_with_a_warning_of_what_is_lost(tmp_path):
    conn, report = imported(hubspot_export(tmp_path / "export", association=None))
    assert rows(conn, "select count(*), count(account_id) from opportunities") == [(5, 0)]
    lost = [w for w in report.warnings if "hubspot-crm-exports-all-deals.csv" in w]
    assert lost and "pipeline mix by segment will not include these deals" in lost[0]


def test_deals_with_an_association_column_give_no_such_warning(tmp_path):
    _, report = imported(hubspot_export(tmp_path / "export"))
    assert not any("pipeline mix" in w for w in report.warnings)


def test_the_source_format_option_forces_hubspot(tmp_path):
    _, report = imported(hubspot_export(tmp_path / "export"), source_format="hubspot")
    assert report.source_format == "hubspot"


def test_forcing_salesforce_on_a_hubspot_export_is_refused(tmp_path):
    with pytest.raises(ImportRefused, match="none of these files is part of a Salesforce"):
        imported(hubspot_export(tmp_path / "export"), source_format="salesforce")
