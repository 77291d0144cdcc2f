"""Import data page: an Excel workbook and Salesforce report exports upload through the page.

AppTest drives st.file_uploader in this Streamlit version (1.67): files are handed to the
page's own uploader and imported by its Import button, as a person would.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_HEADER = ["Opportunity Owner", "Account Name", "Opportunity Name", "Stage", "Amount",
                 "Close Date", "Created Date"]  # fmt: skip
REPORT_ROWS = [
    ["Ann Lee", "Acme", "Acme - 100 seats", "Closed Won", 12400.0, date(2024, 3, 2),
     date(2024, 1, 15)],
    ["Ann Lee", "Bolt", "Bolt renewal", "Closed Lost", 5000.0, date(2024, 3, 20),
     date(2024, 1, 16)],
]  # fmt: skip
REPORT_CSV = (
    b'"Opportunity Owner","Account Name","Opportunity Name","Stage","Amount","Close Date",'
    b'"Created Date"\n"Ann Lee","Acme","Acme - 100 seats","Closed Won","12,400.00","3/2/2024",'
    b'"1/15/2024"\n"Ann Lee","Bolt","Bolt renewal","Closed Lost","5,000.00","3/20/2024",'
    b'"1/16/2024"\n\n"Grand Totals (2 records)"\n\n"Confidential Information - Do Not '
    b'Distribute"\n"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."\n'
)


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(*files: tuple[str, bytes, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/data.py").run()
    assert ".xlsx" in at.file_uploader[0].allowed_type
    at.file_uploader[0].set_value(list(files))
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    # a few rows in place of the sample empties tables: the page asks before replacing
    for button in [b for b in at.button if b.label == "Replace the data"]:
        button.click().run()
        assert not at.exception
    return at


def records(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Records now")


def test_an_xlsx_hubspot_deals_export_uploads_and_replaces_the_data(app_db):
    deals = workbook(
        [
            ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date"],
            ["1", "Acme renewal", "Closed won", 12000, date(2025, 5, 20), datetime(2025, 1, 2)],
            ["2", "Beta pilot", "Closed lost", 3000, date(2025, 6, 1), datetime(2025, 2, 3)],
        ]
    )
    at = upload(("hubspot-crm-exports-all-deals-2025-06-01.xlsx", deals, XLSX))
    assert not at.error
    assert records(at) == "2"


def test_a_salesforce_details_only_report_csv_uploads(app_db):
    at = upload(("report1717230000000.csv", REPORT_CSV, "text/csv"))
    assert not at.error
    assert records(at) == "4"  # two deals and their two accounts, keyed by name


def test_a_salesforce_formatted_report_xlsx_uploads(app_db):
    rows: list[list[object]] = [["Opportunity Pipeline"], ["Filtered By:"], [], REPORT_HEADER]
    rows += REPORT_ROWS + [[], ["Grand Totals (2 records)"], [],
                           ["Confidential Information - Do Not Distribute"]]  # fmt: skip
    at = upload(("Opportunity Pipeline-2024-06-01.xlsx", workbook(rows), XLSX))
    assert not at.error
    assert records(at) == "4"


def test_a_report_with_ambiguous_dates_is_refused_on_the_page_naming_the_column(app_db):
    ambiguous = REPORT_CSV.replace(b"3/20/2024", b"3/12/2024")
    at = upload(("report1717230000001.csv", ambiguous, "text/csv"))
    assert "your data is unchanged" in at.error[0].value
    assert "Close Date" in at.error[0].value


def test_every_built_in_format_is_offered_by_its_name_and_a_chosen_one_imports(app_db):
    from tests.ingest.test_pipedrive import DEALS, ORGANIZATIONS

    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/data.py").run()
    offered = next(s for s in at.selectbox if s.label == "Format")
    assert offered.options == [
        "Detect from the headers", "Salesforce export", "Salesforce report", "HubSpot export",
        "Pipedrive export", "Zoho CRM export", "Close export", "Dynamics 365 export",
        "Mapping file",
    ]  # fmt: skip
    offered.set_value("pipedrive")
    csv = [("\n".join(",".join(f'"{v}"' for v in row) for row in rows)).encode() for rows in
           (ORGANIZATIONS, DEALS)]  # fmt: skip
    at.file_uploader[0].set_value(
        [("organizations-1.csv", csv[0], "text/csv"), ("deals-2.csv", csv[1], "text/csv")]
    )
    next(b for b in at.button if b.label == "Import").click().run()
    for button in [b for b in at.button if b.label == "Replace the data"]:
        button.click().run()
    assert not at.exception and not at.error
    assert records(at) == "5"  # two organizations and three deals
