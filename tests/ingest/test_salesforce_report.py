"""Salesforce report exports: "Details Only" CSV and XLSX, and the "Formatted" XLSX.

Shapes from real exports: every CSV value quoted, LF line ends, a footer of a blank line,
"Grand Totals (N records)", "Confidential Information - Do Not Distribute" and a copyright
line; label headers; dates in the user's locale; the Formatted XLSX adds a title block.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from lib.errors import ImportRefused
from lib.ingest import ImportOptions, ImportReport, import_sources
from lib.store.connection import connect

HEADER = [
    "Opportunity Owner",
    "Account Name",
    "Opportunity Name",
    "Stage",
    "Amount",
    "Probability (%)",
    "Close Date",
    "Created Date",
    "Lead Source",
    "Type",
]
ROWS = [
    ["Ann Lee", "Acme", "Acme - 100 seats", "Closed Won", "12,400.00", "100", "3/2/2024",
     "1/15/2024", "Web", "New Business"],
    ["Ann Lee", "Bolt", "Bolt renewal", "Closed Lost", "5,000.00", "0", "3/20/2024",
     "1/16/2024", "Partner", "Existing Business"],
    ["Bob Ray", "Acme", "Acme upsell", "Prospecting", "800.00", "10", "6/30/2024",
     "2/1/2024", "Web", "Existing Business"],
]  # fmt: skip
FOOTER = (
    '\n"Grand Totals ({n} records)"\n\n"Confidential Information - Do Not Distribute"\n'
    '"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."\n'
)
EXPECTED = [
    ("Acme", "Acme - 100 seats", "Closed Won", 12400.0, date(2024, 3, 2), True, True),
    ("Acme", "Acme upsell", "Prospecting", 800.0, date(2024, 6, 30), False, False),
    ("Bolt", "Bolt renewal", "Closed Lost", 5000.0, date(2024, 3, 20), True, False),
]
QUERY = (
    "select account_id, name, stage, amount_usd, close_date, is_closed, is_won "
    "from opportunities order by 1, 2"
)


def quoted(row: list[str]) -> str:
    return ",".join('"' + v.replace('"', '""') + '"' for v in row)


def details_csv(path: Path, rows: list[list[str]] = ROWS, total: int | None = None) -> Path:
    """Write a Details Only CSV export as Salesforce does: all quoted, LF, the footer."""
    body = "\n".join(quoted(r) for r in [HEADER, *rows])
    path.write_text(body + "\n" + FOOTER.format(n=len(rows) if total is None else total))
    return path


def formatted_xlsx(path: Path, rows: list[list[Any]], total: int | None = None) -> Path:
    """Write a Formatted Report XLSX: title block, header, rows, totals and notices."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for line in (["Opportunity Pipeline"], ["As of 6/1/2024 9:00 AM"], ["Filtered By:"], []):
        sheet.append(line)
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    sheet.append([])
    sheet.append([f"Grand Totals ({len(rows) if total is None else total} records)", "", "", ""])
    sheet.append([])
    sheet.append(["Confidential Information - Do Not Distribute"])
    sheet.append(["Copyright © 2000-2024 salesforce.com, inc. All rights reserved."])
    book.save(path)
    return path


def typed(row: list[str]) -> list[Any]:
    """Return a row as Excel holds it: numbers and dates typed."""
    out: list[Any] = list(row)
    out[4] = float(row[4].replace(",", ""))
    for i in (6, 7):
        m, d, y = map(int, row[i].split("/"))
        out[i] = date(y, m, d)
    return out


def imported(sources: list[Path], **options: Any) -> tuple[duckdb.DuckDBPyConnection, ImportReport]:
    conn = connect(":memory:")
    return conn, import_sources(conn, sources, **options)


def test_a_details_only_csv_is_recognised_and_read_without_its_footer(tmp_path):
    conn, report = imported([details_csv(tmp_path / "report1717230000000.csv")])
    assert report.source_format == "salesforce_report"
    assert conn.execute(QUERY).fetchall() == EXPECTED


def test_a_details_only_xlsx_is_read_like_its_csv(tmp_path):
    path = tmp_path / "Opportunity Pipeline-2024-06-01-09-00-00.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *map(typed, ROWS)]:
        sheet.append(row)
    book.save(path)
    conn, _ = imported([path])
    assert conn.execute(QUERY).fetchall() == EXPECTED


def test_a_formatted_xlsx_is_read_below_its_title_block_and_above_its_totals(tmp_path):
    conn, report = imported([formatted_xlsx(tmp_path / "pipeline.xlsx", list(map(typed, ROWS)))])
    assert conn.execute(QUERY).fetchall() == EXPECTED
    assert "pipeline.xlsx: the report's title and footer lines were left out" in report.warnings


def test_a_bad_value_in_a_formatted_report_names_its_sheet_row(tmp_path):
    rows = list(map(typed, ROWS))
    rows[1][4] = "n/a"
    with pytest.raises(ImportRefused) as caught:
        imported([formatted_xlsx(tmp_path / "pipeline.xlsx", rows)])
    # title block (4 rows) + header = 5, so the second deal sits on sheet row 7
    assert (caught.value.row, caught.value.column) == (7, "Amount")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_report_whose_grand_total_disagrees_with_its_rows_is_refused(tmp_path, kind):
    source = (
        details_csv(tmp_path / "r.csv", total=5)
        if kind == "csv"
        else formatted_xlsx(tmp_path / "r.xlsx", list(map(typed, ROWS)), total=5)
    )
    with pytest.raises(ImportRefused, match="says 5 records but 3 rows were read"):
        imported([source])


def test_accounts_are_keyed_by_name_and_the_report_says_what_that_costs(tmp_path):
    conn, report = imported([details_csv(tmp_path / "r.csv")])
    assert conn.execute("select account_id, name from accounts order by 1").fetchall() == [
        ("Acme", "Acme"),
        ("Bolt", "Bolt"),
    ]
    assert any("no record IDs (a report export)" in w for w in report.warnings)
    assert conn.execute("select opportunity_id from opportunities order by 1").fetchall() == [
        ("r.csv:2",),
        ("r.csv:3",),
        ("r.csv:4",),
    ]


def test_an_opportunity_id_column_in_the_report_is_used_as_the_record_id(tmp_path):
    rows = [[f"006A{i}"] + r for i, r in enumerate(ROWS)]
    path = tmp_path / "r.csv"
    body = "\n".join(quoted(r) for r in [["Opportunity ID", *HEADER], *rows])
    path.write_text(body + "\n" + FOOTER.format(n=3))
    conn, report = imported([path])
    assert conn.execute("select opportunity_id from opportunities order by 1").fetchall() == [
        ("006A0",),
        ("006A1",),
        ("006A2",),
    ]
    assert not any("no record IDs" in w for w in report.warnings)


def test_day_first_report_dates_that_fit_both_orders_are_refused_until_the_order_is_given(
    tmp_path,
):
    rows = [list(r) for r in ROWS]
    for r, (close, created) in zip(rows, [("02/03/2024", "01/02/2024")] * 3, strict=True):
        r[6], r[7] = close, created
    path = details_csv(tmp_path / "r.csv", rows)
    with pytest.raises(ImportRefused, match="Close Date|Created Date"):
        imported([path])
    conn, _ = imported([path], options=ImportOptions(date_order="dmy"))
    assert conn.execute("select distinct close_date from opportunities").fetchall() == [
        (date(2024, 3, 2),)
    ]


def test_report_amounts_in_several_currencies_are_refused_naming_them(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][4], rows[1][4], rows[2][4] = "EUR 12,400.00", "GBP 5,000.00", "USD 800.00"
    with pytest.raises(ImportRefused, match="amounts are in EUR, GBP, USD") as caught:
        imported([details_csv(tmp_path / "r.csv", rows)])
    assert caught.value.column == "Amount"


def test_report_amounts_in_several_currencies_are_converted_with_given_rates(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][4], rows[1][4], rows[2][4] = "EUR 12,400.00", "GBP 5,000.00", "USD 800.00"
    options = ImportOptions(company_currency="USD", rates=(("EUR", 1.1), ("GBP", 1.25)))
    conn, report = imported([details_csv(tmp_path / "r.csv", rows)], options=options)
    assert [r[3] for r in conn.execute(QUERY).fetchall()] == pytest.approx([13640.0, 800.0, 6250.0])
    assert report.currency == "USD"
