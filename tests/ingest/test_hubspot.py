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
from lib.store.state import current_versions
from lib.store.workspace import open_dataset, open_workspace

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


# --- every spelling of the associations, saved views, languages, stages, currencies -----------

COMPANY_SPELLINGS = [
    "Associated Company IDs (Primary)",
    "Associated Company IDs",
    "Associated Company ID",
    "Primary Associated Company ID",
]


@pytest.mark.parametrize("association", COMPANY_SPELLINGS)
def test_contacts_find_their_company_under_every_association_spelling(tmp_path, association):
    folder = hubspot_export(tmp_path / "export")
    contacts = [list(r) for r in CONTACTS]
    contacts[0][-1] = association
    write_csv(folder / "hubspot-crm-exports-all-contacts.csv", contacts)
    conn, _ = imported(folder)
    assert rows(conn, "select lead_id, account_id from leads order by 1") == [
        ("201", "101"),
        ("202", "102"),
    ]


@pytest.mark.parametrize(
    "association", ["Associated Contact IDs (Primary)", "Associated Contact IDs"]
)
def test_deals_find_their_contact_under_either_association_spelling(tmp_path, association):
    folder = hubspot_export(tmp_path / "export")
    deals = [DEAL_HEADER + [association]] + [
        [rid, f"Deal {rid}", stage, "10", "2025-06-30", "2025-05-22 10:00", "201;202"]
        for rid, stage, _ in DEALS
    ]
    write_csv(folder / "hubspot-crm-exports-all-deals.csv", deals)
    conn, _ = imported(folder)
    assert rows(conn, "select distinct lead_id from opportunities") == [("201",)]


def test_an_older_export_with_company_contact_and_deal_id_headers_is_read(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    write_csv(folder / "companies.csv", [["Company ID", "Company name"], ["101", "Acme"]])
    write_csv(
        folder / "contacts.csv",
        [["Contact ID", "Email", "Associated Company ID"], ["201", "a@acme.com", "101"]],
    )
    write_csv(
        folder / "deals.csv",
        [
            ["Deal ID", "Deal Stage", "Close Date", "Associated Company ID", "Contact ID"],
            ["301", "Closed won", "2025-06-30", "101", "201"],
        ],
    )
    conn, report = imported(folder)
    assert report.source_format == "hubspot"
    assert rows(conn, "select opportunity_id, account_id, lead_id from opportunities") == [
        ("301", "101", "201")
    ]


def test_the_default_contacts_view_loads_with_its_company_and_names_what_it_lacks(tmp_path):
    folder = tmp_path / "view"
    folder.mkdir()
    write_csv(folder / "hubspot-crm-exports-all-companies.csv", COMPANIES)
    write_csv(
        folder / "hubspot-crm-exports-all-contacts-2025-06-01.csv",
        [
            ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Contact owner",
             "Primary Associated Company ID", "Last Activity Date", "Lead Status",
             "Marketing contact status", "Create Date", "Associated Company"],
            ["201", "Ann", "Lee", "ann@acme.com", "", "Bo", "101", "", "New",
             "Marketing contact", "2025-05-20 10:26", "Acme"],
        ],
    )  # fmt: skip
    conn, report = imported(folder)
    assert rows(conn, "select lead_id, account_id, company_name from leads") == [
        ("201", "101", "Acme")
    ]
    lacks = [w for w in report.warnings if w.startswith("hubspot-crm-exports-all-contacts")]
    assert lacks and "MQL->SQL conversion (sql_at)" in lacks[0]


def test_a_saved_deals_view_without_a_close_date_is_refused_by_name(tmp_path):
    folder = hubspot_export(tmp_path / "export")
    write_csv(
        folder / "hubspot-crm-exports-my-deals.csv",
        [["Record ID", "Deal Name", "Deal Stage"], ["309", "X", "Closed won"]],
    )
    with pytest.raises(ImportRefused) as caught:
        imported(folder)
    assert caught.value.file == "hubspot-crm-exports-my-deals.csv"
    assert "Close Date" in str(caught.value)


def test_a_hubspot_export_file_naming_no_known_table_is_refused_not_skipped(tmp_path):
    folder = hubspot_export(tmp_path / "export")
    write_csv(folder / "hubspot-crm-exports-tickets.csv", [["Ticket ID", "Status"], ["1", "x"]])
    with pytest.raises(ImportRefused, match="hubspot-crm-exports-tickets.csv: a HubSpot export"):
        imported(folder)


def test_a_spanish_companies_export_is_read(tmp_path):
    folder = hubspot_export(tmp_path / "export")
    (folder / "hubspot-crm-exports-all-companies.csv").unlink()
    write_csv(
        folder / "hubspot-crm-exports-todas-las-empresas.csv",
        [
            ["ID de registro", "Nombre de la empresa", "Sector", "Fecha de creación"],
            ["101", "Acme", "COMPUTER_SOFTWARE", "2025-01-02 09:00"],
            ["102", "Bolt", "RETAIL", "2025-01-03 09:00"],
        ],
    )
    conn, _ = imported(folder)
    assert rows(conn, "select account_id, name, industry, created_at from accounts order by 1") == [
        ("101", "Acme", "COMPUTER_SOFTWARE", datetime(2025, 1, 2, 9, 0)),
        ("102", "Bolt", "RETAIL", datetime(2025, 1, 3, 9, 0)),
    ]


def renewals(folder: Path) -> Path:
    """A second pipeline whose won stage is 'Renewed' and lost stage 'Churned'."""
    hubspot_export(folder)
    deals = [DEAL_HEADER] + [
        [rid, f"Deal {rid}", stage, "10", "2025-06-30", "2025-05-22 10:00"]
        for rid, stage in [("401", "Renewed"), ("402", "Renewed"), ("403", "Churned")]
    ]
    write_csv(folder / "hubspot-crm-exports-all-deals.csv", deals)
    return folder


def test_custom_stage_labels_are_named_with_their_counts_and_counted_as_open(tmp_path):
    conn, report = imported(renewals(tmp_path / "export"))
    assert rows(conn, "select count(*) from opportunities where is_closed") == [(0,)]
    warning = next(w for w in report.warnings if "stage labels in no won" in w)
    assert "'Renewed' (2), 'Churned' (1)" in warning and "--won-stage" in warning


def test_an_overlay_mapping_says_which_custom_stages_are_won_and_lost(tmp_path):
    (tmp_path / "overlay.yaml").write_text(
        "extends: hubspot\nstages: {won: [Renewed], lost: [Churned]}\n", encoding="utf-8"
    )
    conn = connect(":memory:")
    report = import_sources(
        conn, [renewals(tmp_path / "export")], mapping=tmp_path / "overlay.yaml"
    )
    assert rows(conn, "select opportunity_id, is_closed, is_won from opportunities order by 1") == [
        ("401", True, True),
        ("402", True, True),
        ("403", True, False),
    ]
    assert not any("stage labels in no won" in w for w in report.warnings)


def test_won_and_lost_stage_flags_extend_the_built_in_format(tmp_path):
    from lib.cli import main

    folder = renewals(tmp_path / "export")
    db = tmp_path / "q.duckdb"
    args = ["import", str(folder), "--db", str(db), "--won-stage", "Renewed"]
    assert main([*args, "--lost-stage", "Churned"]) == 0
    workspace = open_workspace(db)
    conn = open_dataset(workspace, current_versions(workspace).dataset)
    assert rows(conn, "select count(*) filter (where is_won), count(*) filter (where is_closed) "
                "from opportunities") == [(2, 3)]  # fmt: skip


def currency_deals(folder: Path, company_amounts: bool) -> Path:
    hubspot_export(folder)
    header = (
        DEAL_HEADER + ["Currency"] + (["Amount in company currency"] if company_amounts else [])
    )
    deals = [header] + [
        [rid, f"Deal {rid}", "Closed won", amount, "2025-06-30", "2025-05-22 10:00", code]
        + ([company] if company_amounts else [])
        for rid, amount, code, company in [
            ("501", "1000", "EUR", "1080"),
            ("502", "1000", "GBP", "1270"),
            ("503", "1000", "USD", "1000"),
        ]
    ]
    write_csv(folder / "hubspot-crm-exports-all-deals.csv", deals)
    return folder


def test_the_company_currency_amount_is_used_when_deals_are_in_several_currencies(tmp_path):
    conn, _ = imported(currency_deals(tmp_path / "export", company_amounts=True))
    assert rows(conn, "select sum(amount_usd) from opportunities") == [(3350.0,)]


def test_deals_in_several_currencies_without_company_amounts_are_refused_naming_them(tmp_path):
    with pytest.raises(ImportRefused, match="amounts are in EUR, GBP, USD") as caught:
        imported(currency_deals(tmp_path / "export", company_amounts=False))
    assert caught.value.column == "Amount"


def test_rates_in_an_overlay_mapping_convert_each_deal(tmp_path):
    (tmp_path / "rates.yaml").write_text(
        "extends: hubspot\ncompany_currency: USD\ncurrencies: {EUR: 1.08, GBP: 1.27}\n",
        encoding="utf-8",
    )
    conn = connect(":memory:")
    folder = currency_deals(tmp_path / "export", company_amounts=False)
    report = import_sources(conn, [folder], mapping=tmp_path / "rates.yaml")
    assert rows(conn, "select opportunity_id, amount_usd from opportunities order by 1") == [
        ("501", pytest.approx(1080.0)),
        ("502", pytest.approx(1270.0)),
        ("503", 1000.0),
    ]
    assert report.currency == "USD"


def test_the_import_report_names_the_source_column_of_each_field(tmp_path):
    _, report = imported(hubspot_export(tmp_path / "export"))
    deals = next(s for s in report.sources if s.table == "opportunities")
    columns = dict(deals.columns)
    assert columns["account_id"] == "Associated Company IDs (Primary)"
    assert columns["amount_usd"] == "Amount"
    assert columns["lead_id"] is None
    assert ("hubspot-crm-exports-all-deals.csv", "opportunities", "stage", "Deal Stage") in (
        deals.rows_for_display()
    )


def test_the_company_currency_is_kept_in_the_import_record(tmp_path):
    (tmp_path / "rates.yaml").write_text(
        "extends: hubspot\ncompany_currency: USD\ncurrencies: {EUR: 1.08, GBP: 1.27}\n",
        encoding="utf-8",
    )
    conn = connect(":memory:")
    folder = currency_deals(tmp_path / "export", company_amounts=False)
    import_sources(conn, [folder], mapping=tmp_path / "rates.yaml")
    assert rows(conn, "select currency from imports") == [("USD",)]
