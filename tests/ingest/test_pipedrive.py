"""Pipedrive deals and organizations exports, recognised from their `Entity - Field` headers."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from lib.errors import ImportRefused
from lib.ingest import import_sources
from lib.store.connection import connect
from tests.ingest.test_mapping import rows, write_csv

ORGANIZATIONS = [
    ["Organization - Name", "Organization - Owner", "Organization - People",
     "Organization - Organization created", "Organization - Country of Company Address"],
    ["Acme", "Ana", "3", "2023-05-01 10:00:00", "Germany"],
    ["Bolt", "Ben", "1", "2023-06-01 09:30:00", "France"],
]  # fmt: skip
DEALS = [
    ["Deal - ID", "Deal - Title", "Deal - Organization", "Deal - Value", "Deal - Currency of value",
     "Deal - Stage", "Deal - Status", "Deal - Owner", "Deal - Deal created", "Deal - Won time",
     "Deal - Lost time", "Deal - Expected close date", "Deal - Source channel"],
    ["1", "Acme renewal", "Acme", "12000", "EUR", "Negotiations Started", "Won", "Ana",
     "2024-01-10 09:00:00", "2024-03-01 12:00:00", "", "2024-03-15", "Paid search"],
    ["2", "Bolt pilot", "Bolt", "3000", "EUR", "Proposal Made", "Lost", "Ben",
     "2024-02-01 09:00:00", "", "2024-03-20 16:00:00", "2024-04-01", ""],
    ["3", "Acme expansion", "Acme", "", "EUR", "Qualified", "Open", "Ana",
     "2024-05-01 09:00:00", "", "", "2024-09-30", "Referral"],
]  # fmt: skip


@pytest.fixture
def pipedrive(tmp_path):
    write_csv(tmp_path / "organizations-12345-1.csv", ORGANIZATIONS)
    write_csv(tmp_path / "deals-12345-2.csv", DEALS)
    conn = connect(":memory:")
    return conn, import_sources(conn, [tmp_path])


def test_a_pipedrive_export_is_recognised_and_every_row_read(pipedrive):
    _, report = pipedrive
    assert report.source_format == "pipedrive"
    assert (report.rows["accounts"], report.rows["opportunities"]) == (2, 3)
    assert report.currency == "EUR"


def test_status_decides_won_and_closed_and_the_close_date_is_the_day_it_closed(pipedrive):
    conn, _ = pipedrive
    assert rows(
        conn,
        "select opportunity_id, stage, is_won, is_closed, close_date, amount_usd, owner, channel "
        "from opportunities order by 1",
    ) == [
        ("1", "Negotiations Started", True, True, date(2024, 3, 1), 12000.0, "Ana", "Paid search"),
        ("2", "Proposal Made", False, True, date(2024, 3, 20), 3000.0, "Ben", None),
        ("3", "Qualified", False, False, date(2024, 9, 30), None, "Ana", "Referral"),
    ]


def test_deals_find_their_organization_by_name(pipedrive):
    conn, report = pipedrive
    assert rows(
        conn,
        "select o.opportunity_id, a.country, a.created_at from opportunities o "
        "join accounts a using (account_id) order by 1",
    ) == [
        ("1", "Germany", datetime(2023, 5, 1, 10, 0)),
        ("2", "France", datetime(2023, 6, 1, 9, 30)),
        ("3", "Germany", datetime(2023, 5, 1, 10, 0)),
    ]
    assert not any("not in the export" in w for w in report.warnings)


def test_without_deal_ids_each_row_is_its_own_deal(tmp_path):
    write_csv(tmp_path / "deals.csv", [r[1:] for r in DEALS])
    conn = connect(":memory:")
    report = import_sources(conn, [tmp_path / "deals.csv"])
    assert rows(conn, "select opportunity_id from opportunities order by 1")[0] == ("deals.csv:2",)
    assert any("no record IDs" in w for w in report.warnings)


def test_a_status_pipedrive_does_not_write_is_refused_by_row(tmp_path):
    bad = [list(r) for r in DEALS]
    bad[3][6] = "Deleted"
    write_csv(tmp_path / "deals.csv", bad)
    with pytest.raises(ImportRefused, match=r"row 4, column 'Deal - Status': 'Deleted' is not in"):
        import_sources(connect(":memory:"), [tmp_path / "deals.csv"])


def test_an_xlsx_whose_dates_are_plain_numbers_is_refused_naming_row_and_column(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(DEALS[0])
    for row in DEALS[1:]:
        # Pipedrive's XLSX writes dates as Excel day numbers in cells without a date format
        sheet.append([45292.375 if "-" in cell and ":" in cell else cell for cell in row])
    book.save(tmp_path / "deals.xlsx")
    with pytest.raises(ImportRefused, match=r"deals.xlsx, row 2, column 'Deal - Deal created'"):
        import_sources(connect(":memory:"), [tmp_path / "deals.xlsx"])
