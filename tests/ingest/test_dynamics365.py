"""Dynamics 365 "Export to Excel" of Opportunities and Accounts: hidden ID columns, Status."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from lib.errors import ImportRefused
from lib.ingest import import_sources
from lib.store.connection import connect
from tests.ingest.test_mapping import rows

HIDDEN = ["(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On"]
OPPORTUNITIES: list[list[Any]] = [
    ["(Do Not Modify) Opportunity", *HIDDEN, "Topic", "Potential Customer", "Est. Close Date",
     "Est. Revenue", "Status", "Sales Stage", "Owner", "Created On", "Actual Close Date"],
    ["{6A1F0C2E-0000-4000-8000-000000000001}", "k1==", datetime(2024, 3, 2), "Acme renewal",
     "Acme", date(2024, 3, 15), 12000, "Won", "Close", "Ana", datetime(2024, 1, 10, 9, 0),
     date(2024, 3, 1)],
    ["{6A1F0C2E-0000-4000-8000-000000000002}", "k2==", datetime(2024, 3, 21), "Bolt pilot",
     "Bolt", date(2024, 4, 1), 3000, "Lost", "Propose", "Ben", datetime(2024, 2, 1, 9, 0),
     date(2024, 3, 20)],
    ["{6A1F0C2E-0000-4000-8000-000000000003}", "k3==", datetime(2024, 5, 2), "Acme expansion",
     "Acme", date(2024, 9, 30), 8000, "Open", "Develop", "Ana", datetime(2024, 5, 1, 9, 0),
     None],
]  # fmt: skip
ACCOUNTS: list[list[Any]] = [
    ["(Do Not Modify) Account", *HIDDEN, "Account Name", "Main Phone", "Industry",
     "Number of Employees", "Annual Revenue", "Address 1: Country/Region", "Created On"],
    ["{0A1B2C3D-0000-4000-8000-000000000001}", "a1==", datetime(2024, 1, 2), "Acme", "030 1",
     "Manufacturing", 5000, 2_000_000_000, "Germany", datetime(2023, 5, 1, 10, 0)],
    ["{0A1B2C3D-0000-4000-8000-000000000002}", "a2==", datetime(2024, 1, 2), "Bolt", "01 2",
     "Retail", 40, 5_000_000, "France", datetime(2023, 6, 1, 9, 30)],
]  # fmt: skip


def workbook(path: Path, title: str, table: list[list[Any]]) -> Path:
    """Write a workbook as Dynamics does: the view's sheet, and a hidden sheet of metadata."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in table:
        sheet.append(row)
    hidden = book.create_sheet("hiddenSheet")
    hidden.append(["opportunity:abc==:def==", "not a table"])
    hidden.sheet_state = "hidden"
    book.save(path)
    return path


@pytest.fixture
def dynamics(tmp_path):
    workbook(tmp_path / "All Opportunities 3-4-2024 9-15-00 AM.xlsx", "All Opportunities",
             OPPORTUNITIES)  # fmt: skip
    workbook(tmp_path / "Active Accounts 3-4-2024 9-16-00 AM.xlsx", "Active Accounts", ACCOUNTS)
    conn = connect(":memory:")
    return conn, import_sources(conn, [tmp_path])


def test_a_dynamics_export_to_excel_is_recognised_by_its_hidden_id_columns(dynamics):
    _, report = dynamics
    assert report.source_format == "dynamics365"
    assert (report.rows["accounts"], report.rows["opportunities"]) == (2, 3)


def test_status_decides_won_and_closed_and_actual_close_dates_win(dynamics):
    conn, _ = dynamics
    assert rows(
        conn,
        "select name, stage, is_won, is_closed, close_date, amount_usd, owner "
        "from opportunities order by created_at",
    ) == [
        ("Acme renewal", "Close", True, True, date(2024, 3, 1), 12000.0, "Ana"),
        ("Bolt pilot", "Propose", False, True, date(2024, 3, 20), 3000.0, "Ben"),
        ("Acme expansion", "Develop", False, False, date(2024, 9, 30), 8000.0, "Ana"),
    ]


def test_opportunities_find_their_account_by_name(dynamics):
    conn, _ = dynamics
    assert rows(
        conn,
        "select o.name, a.employees, a.country from opportunities o "
        "join accounts a using (account_id) order by o.created_at",
    ) == [("Acme renewal", 5000, "Germany"), ("Bolt pilot", 40, "France"),
          ("Acme expansion", 5000, "Germany")]  # fmt: skip


def test_a_view_without_status_is_refused_naming_the_column(tmp_path):
    without = [row[:7] + row[8:] for row in OPPORTUNITIES]  # no Status
    workbook(tmp_path / "Opportunities.xlsx", "Opportunities", without)
    with pytest.raises(ImportRefused, match=r"column 'Status': not in the header row"):
        import_sources(connect(":memory:"), [tmp_path / "Opportunities.xlsx"])


def test_currency_names_become_codes_and_several_need_rates(tmp_path):
    names = ["US Dollar", "Euro", "US Dollar"]
    mixed = [[*OPPORTUNITIES[0], "Currency"]] + [
        [*row, name] for row, name in zip(OPPORTUNITIES[1:], names, strict=True)
    ]
    workbook(tmp_path / "Opportunities.xlsx", "Opportunities", mixed)
    with pytest.raises(ImportRefused, match="amounts are in EUR, USD"):
        import_sources(connect(":memory:"), [tmp_path / "Opportunities.xlsx"])
    rates = tmp_path / "rates.yaml"
    rates.write_text("extends: dynamics365\ncompany_currency: USD\ncurrencies: {EUR: 1.1}\n")
    conn = connect(":memory:")
    report = import_sources(conn, [tmp_path / "Opportunities.xlsx"], mapping=rates)
    assert report.currency == "USD"
    assert rows(conn, "select name, amount_usd from opportunities order by created_at") == [
        ("Acme renewal", 12000.0),
        ("Bolt pilot", pytest.approx(3300.0)),
        ("Acme expansion", 8000.0),
    ]
