"""Excel workbooks (.xlsx, .xls) alone, in a folder or in a zip; cells used as Excel typed them."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
import xlwt

from lib.errors import ImportRefused
from lib.ingest import ImportReport, import_sources
from lib.store.connection import connect

# a HubSpot deals export as Excel writes it: typed dates and numbers
DEALS: list[list[Any]] = [
    ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date"],
    ["301", "Acme seats", "Closed won", 12400.5, date(2025, 6, 30), datetime(2025, 5, 22, 10, 0)],
    ["302", "Bolt pilot", "Closed lost", 800, date(2025, 7, 1), datetime(2025, 5, 23, 11, 30)],
    ["303", "Cogs", "Contract sent", None, date(2025, 9, 30), datetime(2025, 5, 24, 9, 15)],
]
EXPECTED = [
    ("301", "Closed won", 12400.5, date(2025, 6, 30), datetime(2025, 5, 22, 10, 0), True, True),
    ("302", "Closed lost", 800.0, date(2025, 7, 1), datetime(2025, 5, 23, 11, 30), True, False),
    ("303", "Contract sent", None, date(2025, 9, 30), datetime(2025, 5, 24, 9, 15), False, False),
]
QUERY = (
    "select opportunity_id, stage, amount_usd, close_date, created_at, is_closed, is_won "
    "from opportunities order by 1"
)


def xlsx(path: Path, rows: list[list[Any]], title: str = "Deals") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def xls(path: Path, rows: list[list[Any]]) -> Path:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Deals")
    styles = {date: "YYYY-MM-DD", datetime: "YYYY-MM-DD HH:MM"}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            style = xlwt.easyxf(num_format_str=styles.get(type(value), "General"))
            sheet.write(r, c, value, style)
    book.save(str(path))
    return path


def imported(sources: list[Path]) -> tuple[duckdb.DuckDBPyConnection, ImportReport]:
    conn = connect(":memory:")
    return conn, import_sources(conn, sources)


@pytest.mark.parametrize("how", ["alone", "in_a_folder", "in_a_zip"])
def test_an_xlsx_deals_export_is_read_alone_in_a_folder_or_in_a_zip(tmp_path, how):
    folder = tmp_path / "export"
    folder.mkdir()
    book = xlsx(folder / "hubspot-crm-exports-all-deals-2025-06-01.xlsx", DEALS)
    source = {"alone": book, "in_a_folder": folder}.get(how)
    if source is None:
        source = tmp_path / "export.zip"
        with zipfile.ZipFile(source, "w") as zf:
            zf.write(book, book.name)
    conn, report = imported([source])
    assert report.source_format == "hubspot"
    assert conn.execute(QUERY).fetchall() == EXPECTED


def test_an_xls_workbook_is_read_with_its_typed_cells(tmp_path):
    conn, _ = imported([xls(tmp_path / "deals.xls", DEALS)])
    assert conn.execute(QUERY).fetchall() == EXPECTED


def test_each_sheet_of_a_workbook_is_its_own_table(tmp_path):
    book = openpyxl.Workbook()
    deals = book.active
    assert deals is not None
    deals.title = "Deals"
    for row in DEALS:
        deals.append(row)
    companies = book.create_sheet("Companies")
    for row in [["Record ID", "Company name", "Number of Employees"], ["101", "Acme", 5000]]:
        companies.append(row)
    book.create_sheet("Notes")
    book.save(tmp_path / "crm.xlsx")
    _, report = imported([tmp_path / "crm.xlsx"])
    assert report.files == [
        ("crm.xlsx [Deals]", "opportunities", 3),
        ("crm.xlsx [Companies]", "accounts", 1),
    ]


def test_a_date_typed_cell_in_a_text_column_is_read_as_its_date(tmp_path):
    rows = [list(r) for r in DEALS]
    rows[2][4] = "7/1/2025"  # typed by hand as text beside date cells
    rows[3][4] = "9/30/2025"
    conn, _ = imported([xlsx(tmp_path / "deals.xlsx", rows)])
    assert [r[3] for r in conn.execute(QUERY).fetchall()] == [e[3] for e in EXPECTED]


def test_a_bad_cell_is_refused_at_its_sheet_row(tmp_path):
    rows = [list(r) for r in DEALS]
    rows[3][3] = "lots"
    with pytest.raises(ImportRefused) as caught:
        imported([xlsx(tmp_path / "deals.xlsx", rows)])
    assert (caught.value.file, caught.value.row, caught.value.column) == (
        "deals.xlsx",
        4,
        "Amount",
    )


def test_a_workbook_with_no_values_is_refused(tmp_path):
    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    with pytest.raises(ImportRefused, match="empty.xlsx: the workbook has no sheet with any"):
        imported([tmp_path / "empty.xlsx"])


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(tmp_path):
    (tmp_path / "deals.xlsx").write_text("Record ID,Deal Stage\n1,Won\n")
    with pytest.raises(ImportRefused, match="deals.xlsx: not a readable Excel workbook"):
        imported([tmp_path / "deals.xlsx"])
