"""Source columns kept as lead and account attributes: chosen by a mapping or by default, typed
from every value, never refusing an import for a column nobody maps."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from lib.errors import ImportRefused
from lib.ingest import ImportReport, import_sources
from lib.ingest.attributes import MAX_KEPT
from lib.store.connection import connect

LEADS = [
    ["Prospect ID", "Lead Source", "TotalVisits", "Do Not Email", "Last Visit", "Score", "Notes"],
    ["a1", "Google", "3", "No", "2024-01-02", "1,5", "hello"],
    ["a2", "Olark Chat", "0", "Yes", "2024-02-03", "2,25", ""],
    ["a3", "Google", "", "No", "", "", "Select"],
    ["a4", "Reference", "12", "No", "2024-03-01", "3,0", ""],
]
MAPPING = """
name: Leads only
tables:
  leads:
    file: "leads*.csv"
    columns:
      lead_id: Prospect ID
      channel: Lead Source
    attributes: {kept}
"""


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return path


def imported(
    tmp_path: Path, rows: list[list[str]], kept: str = "all"
) -> tuple[duckdb.DuckDBPyConnection, ImportReport]:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING.format(kept=kept), encoding="utf-8")
    conn = connect(":memory:")
    report = import_sources(conn, [write_csv(tmp_path / "leads.csv", rows)], mapping=mapping)
    return conn, report


def catalog(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, int]]:
    rows = conn.execute("select name, kind, filled from attributes").fetchall()
    return {name: (kind, filled) for name, kind, filled in rows}


def values(conn: duckdb.DuckDBPyConnection, name: str, column: str) -> dict[str, object]:
    sql = f"select lead_id, {column} from lead_attributes where name = $n"  # column: a constant
    return dict(conn.execute(sql, {"n": name}).fetchall())


def test_all_keeps_every_column_no_rule_reads_typed_from_its_values(tmp_path):
    conn, _ = imported(tmp_path, LEADS)
    # Prospect ID and Lead Source feed lead_id and channel; the other five are kept; blanks are
    # not stored, so filled counts the non-blank cells
    assert catalog(conn) == {
        "TotalVisits": ("number", 3),
        "Do Not Email": ("boolean", 4),
        "Last Visit": ("date", 3),
        "Score": ("number", 3),  # 1,5 and 2,25 prove a decimal comma
        "Notes": ("category", 2),
    }
    assert values(conn, "TotalVisits", "number_value") == {"a1": 3.0, "a2": 0.0, "a4": 12.0}
    assert values(conn, "Score", "number_value") == {"a1": 1.5, "a2": 2.25, "a4": 3.0}
    assert values(conn, "Do Not Email", "flag_value") == {
        "a1": False,
        "a2": True,
        "a3": False,
        "a4": False,
    }
    assert values(conn, "Last Visit", "date_value")["a2"] == datetime(2024, 2, 3)
    assert values(conn, "Notes", "text_value") == {"a1": "hello", "a3": "Select"}
    assert conn.execute("select channel from leads where lead_id = 'a2'").fetchall() == [
        ("Olark Chat",)
    ]


def test_a_list_keeps_only_the_columns_it_names_and_patterns_match_headers(tmp_path):
    conn, _ = imported(tmp_path, LEADS, "[TotalVisits, 'N*']")
    assert set(catalog(conn)) == {"TotalVisits", "Notes"}


def test_a_column_named_outright_is_kept_even_when_a_rule_reads_it(tmp_path):
    # Lead Source feeds channel; named in the list it is an attribute too, where `all` and a
    # pattern that matches it leave it to its rule
    conn, _ = imported(tmp_path, LEADS, "[Lead Source, TotalVisits]")
    assert set(catalog(conn)) == {"Lead Source", "TotalVisits"}
    assert values(conn, "Lead Source", "text_value")["a2"] == "Olark Chat"
    assert conn.execute("select channel from leads where lead_id = 'a2'").fetchall() == [
        ("Olark Chat",)
    ]
    (tmp_path / "pattern").mkdir()
    conn, _ = imported(tmp_path / "pattern", LEADS, "['Lead*']")
    assert set(catalog(conn)) == set()


def test_a_named_column_the_file_lacks_is_refused_with_the_closest_header(tmp_path):
    with pytest.raises(ImportRefused) as refusal:
        imported(tmp_path, LEADS, "[Total Visits]")
    assert refusal.value.column == "Total Visits"
    assert "did you mean 'TotalVisits'?" in str(refusal.value)


def test_attributes_on_deals_are_refused_with_their_path(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "tables:\n  opportunities:\n    file: 'deals*.csv'\n    attributes: all\n"
        "    columns: {opportunity_id: ID, close_date: Closed, is_won: Won}\n"
    )
    with pytest.raises(ImportRefused, match=r"tables.opportunities.attributes: source columns "):
        import_sources(
            connect(":memory:"), [write_csv(tmp_path / "deals.csv", [["ID"]])], mapping=mapping
        )


def test_a_column_that_only_nearly_reads_typed_is_a_category_with_a_warning(tmp_path):
    rows = [["Prospect ID", "Lead Source", "Visits", "Amount", "Seen"]]
    rows += [[f"p{i}", "Web", str(i), "12,400", "2024-05-01"] for i in range(10)]
    rows[5][2] = "Select"  # p4: 9 of 10 read as numbers
    rows[3][4] = "9999-12-31"  # a placeholder, not a date
    conn, report = imported(tmp_path, rows)
    assert catalog(conn) == {
        "Visits": ("category", 10),
        "Amount": ("category", 10),
        "Seen": ("category", 10),
    }
    assert (
        "leads.csv: kept column 'Visits' is kept as a category: 9 of its 10 values read as "
        "numbers or dates, the others do not" in report.warnings
    )
    assert any("kept column 'Amount' is kept as a category: every number reads two ways" in w
               for w in report.warnings)  # fmt: skip
    assert any("kept column 'Seen'" in w and "outside the years 1900-2100" in w
               for w in report.warnings)  # fmt: skip
    assert values(conn, "Visits", "text_value")["p4"] == "Select"


def test_salesforce_custom_fields_are_kept_by_default_and_deleted_rows_carry_none(tmp_path):
    folder = tmp_path / "sf"
    write_csv(
        folder / "Lead.csv",
        [
            ["Id", "Company", "LeadSource", "IsDeleted", "Rating", "Budget__c", "MQL_Date__c"],
            ["L1", "Acme", "Web", "false", "Hot", "1200", "2024-01-05"],
            ["L2", "Bolt", "Web", "true", "Cold", "300", ""],
            ["L3", "Core", "Ads", "false", "Warm", "", ""],
        ],
    )
    conn = connect(":memory:")
    import_sources(conn, [folder])
    # Rating is a standard field nobody maps: not kept; MQL_Date__c feeds mql_at
    assert catalog(conn) == {"Budget__c": ("number", 1)}
    assert values(conn, "Budget__c", "number_value") == {"L1": 1200.0}


def test_hubspot_keeps_the_properties_it_does_not_read(tmp_path):
    folder = tmp_path / "hs"
    write_csv(
        folder / "hubspot-crm-exports-all-contacts-2025-06-01.csv",
        [
            ["Record ID", "First Name", "Email", "Create Date", "Favourite Colour", "Webinars"],
            ["201", "Ann", "ann@acme.example", "2025-05-20 10:26", "Teal", "2"],
            ["202", "Bo", "bo@bolt.example", "2025-05-21 11:00", "Red", "0"],
        ],
    )
    conn = connect(":memory:")
    import_sources(conn, [folder])
    assert catalog(conn) == {"Favourite Colour": ("category", 2), "Webinars": ("number", 2)}


def test_a_name_two_files_read_as_different_kinds_keeps_the_first(tmp_path):
    folder = tmp_path / "sf"
    write_csv(
        folder / "Lead.csv", [["Id", "Company", "LastName", "Tier__c"], ["L1", "Acme", "Li", "3"]]
    )
    write_csv(
        folder / "Contact.csv",
        [["Id", "AccountId", "LastName", "Email", "Tier__c"], ["C1", "", "Lee", "a@b.c", "Gold"]],
    )
    conn = connect(":memory:")
    report = import_sources(conn, [folder])
    assert catalog(conn) == {"Tier__c": ("category", 1)}  # files are read in name order
    assert (
        "Lead.csv: kept column 'Tier__c' holds a number here but a category in Contact.csv; "
        "only the first file's is kept" in report.warnings
    )


def test_past_the_limit_kept_columns_are_left_out_and_named(tmp_path):
    header = ["Prospect ID", "Lead Source"] + [f"f{i}" for i in range(MAX_KEPT + 2)]
    conn, report = imported(tmp_path, [header, ["a1", "Web"] + ["1"] * (MAX_KEPT + 2)])
    assert len(catalog(conn)) == MAX_KEPT
    assert any(
        f"{MAX_KEPT + 2} columns to keep as attributes; the first {MAX_KEPT} were kept and 2 "
        f"left out (from 'f{MAX_KEPT}')" in w
        for w in report.warnings
    )


def test_account_custom_fields_are_kept_on_the_account(tmp_path):
    folder = tmp_path / "sf"
    write_csv(
        folder / "Account.csv",
        [
            ["Id", "Name", "Industry", "Tier__c", "Renewal_Date__c"],
            ["A1", "Acme", "Software", "Gold", "2025-01-31"],
            ["A2", "Bolt", "Retail", "", "2025-02-28"],
        ],
    )
    conn = connect(":memory:")
    import_sources(conn, [folder])
    assert conn.execute(
        "select record_table, name, kind, filled from attributes order by 2"
    ).fetchall() == [
        ("accounts", "Renewal_Date__c", "date", 2),
        ("accounts", "Tier__c", "category", 1),
    ]
    assert conn.execute(
        "select account_id, text_value from account_attributes where name = 'Tier__c'"
    ).fetchall() == [("A1", "Gold")]
    assert conn.execute("select count(*) from lead_attributes").fetchall() == [(0,)]


def test_typed_cells_of_a_parquet_export_keep_their_kind(tmp_path):
    path = tmp_path / "leads_typed.parquet"
    duckdb.execute(
        "copy (select * from (values ('a1', 'Web', 3.5, true, timestamp '2024-05-01 10:00'), "
        '(\'a2\', \'Ads\', null, false, null)) t("Prospect ID", "Lead Source", "Score", '
        f'"Opted In", "Seen")) to \'{path}\' (format parquet)'
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING.format(kept="all").replace("leads*.csv", "leads*.parquet"))
    conn = connect(":memory:")
    import_sources(conn, [path], mapping=mapping)
    assert catalog(conn) == {
        "Score": ("number", 1),
        "Opted In": ("boolean", 2),
        "Seen": ("date", 1),
    }
    assert values(conn, "Seen", "date_value") == {"a1": datetime(2024, 5, 1, 10, 0)}
