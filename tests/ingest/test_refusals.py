"""Bad exports are refused naming file, column and row, and leave the database as it was."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from lib.errors import ImportRefused
from lib.ingest import import_sources
from lib.store.connection import connect
from lib.store.schema import TABLES

Rows = list[list[str]]
GOOD: dict[str, Rows] = {
    "Account.csv": [
        ["Id", "Name", "BillingCountry", "AnnualRevenue", "NumberOfEmployees"],
        ["A1", "Acme", "US", "2000000000", "5000"],
        ["A2", "Bolt", "DE", "60000000", "300"],
        ["A3", "Cogs", "FR", "", "12"],
    ],
    "Lead.csv": [
        ["Id", "Company", "LeadSource", "IsConverted", "ConvertedAccountId", "CreatedDate"],
        ["L1", "Acme", "Web", "true", "A1", "2024-01-22T16:14:25.000+0000"],
        ["L2", "Bolt", "Referral", "false", "", "2024-01-23T16:14:25.000+0000"],
        ["L3", "Cogs", "Web", "false", "", "2024-01-24T16:14:25.000+0000"],
    ],
    "Opportunity.csv": [
        ["Id", "AccountId", "StageName", "CloseDate", "Amount"],
        ["O1", "A1", "Closed Won", "2024-03-01", "1000"],
        ["O2", "A2", "Closed Lost", "2024-03-02", "2000"],
        ["O3", "A3", "Prospecting", "2024-09-30", "3000"],
    ],
    "Task.csv": [
        ["Id", "WhoId", "Subject", "ActivityDate"],
        ["T1", "L1", "Demo request", "2024-01-25"],
        ["T2", "L2", "Call", "2024-01-26"],
        ["T3", "L3", "Webinar", "2024-01-27"],
    ],
}


def write_csv(path: Path, rows: Rows) -> Path:
    """Write rows as a comma-separated UTF-8 file and return its path."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def export(folder: Path, **changed: Rows) -> Path:
    """Write the good export with some files' rows replaced (keyword = file name stem)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in GOOD.items():
        write_csv(folder / name, changed.get(Path(name).stem, rows))
    return folder


def replaced(name: str, row: int, column: str, value: str) -> Rows:
    """Return a copy of GOOD[name] with one cell changed (spreadsheet row, header = row 1)."""
    rows = [list(r) for r in GOOD[name]]
    rows[row - 1][rows[0].index(column)] = value
    return rows


def contents(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Return every canonical table and the import log, sorted, for before/after comparison."""
    tables = {t: sorted(conn.execute(f"select * from {t}").fetchall(), key=repr) for t in TABLES}
    return tables | {"imports": conn.execute("select * from imports").fetchall()}


def missing_close_date(folder: Path) -> list[Path]:
    folder.mkdir()
    return [
        write_csv(
            folder / "deals.csv", [["Record ID", "Deal Stage", "Amount"], ["1", "Closed won", "10"]]
        )
    ]


def unparseable_date(folder: Path) -> list[Path]:
    return [export(folder, Opportunity=replaced("Opportunity.csv", 3, "CloseDate", "31/02/2024"))]


def unparseable_number(folder: Path) -> list[Path]:
    return [export(folder, Account=replaced("Account.csv", 2, "AnnualRevenue", "about 5M"))]


def blank_record_id(folder: Path) -> list[Path]:
    return [export(folder, Account=replaced("Account.csv", 4, "Id", "  "))]


def empty_file(folder: Path) -> list[Path]:
    export(folder)
    (folder / "Lead.csv").write_bytes(b"")
    return [folder]


def binary_file(folder: Path) -> list[Path]:
    export(folder)
    (folder / "Account.csv").write_bytes(b"PK\x03\x04\x00\x00\x08\x00" * 64)
    return [folder]


def clashing_duplicate_ids(folder: Path) -> list[Path]:
    leads = GOOD["Lead.csv"] + [["L1", "Acme Corp", "Web", "true", "A1", "2024-01-22"]]
    return [export(folder, Lead=leads)]


def orphans_beyond_threshold(folder: Path) -> list[Path]:
    tasks = GOOD["Task.csv"] + [[f"T9{i}", "L404", "Call", "2024-02-01"] for i in range(11)]
    return [export(folder, Task=tasks)]


def malformed_row(folder: Path) -> list[Path]:
    accounts = [list(r) for r in GOOD["Account.csv"]]
    accounts[2].append("stray field")
    return [export(folder, Account=accounts)]


def corrupt_zip(folder: Path) -> list[Path]:
    folder.mkdir()
    (folder / "export.zip").write_bytes(b"PK\x03\x04 this archive was cut short")
    return [folder / "export.zip"]


# (how the bad export is made, file named, column named, row named, words of the reason)
REFUSALS: list[tuple[Callable[[Path], list[Path]], str, str | None, int | None, str]] = [
    (missing_close_date, "deals.csv", "Close Date / Fecha de cierre", None, "required column"),
    (unparseable_date, "Opportunity.csv", "CloseDate", 3, "cannot read '31/02/2024' as a date"),
    (unparseable_number, "Account.csv", "AnnualRevenue", 2, "cannot read 'about 5M' as a number"),
    (blank_record_id, "Account.csv", "Id", 4, "record ID is blank"),
    (empty_file, "Lead.csv", None, None, "empty"),
    (binary_file, "Account.csv", None, None, "binary"),
    (clashing_duplicate_ids, "Lead.csv", "Id", 5, "'L1' is also on row 2 with different values"),
    (orphans_beyond_threshold, "Task.csv", "WhoId", 5, "11 of 14 activities point to leads"),
    (malformed_row, "Account.csv", None, 3, "6 fields where the header row has 5"),
    (corrupt_zip, "export.zip", None, None, "not a readable zip"),
]


@pytest.mark.parametrize(
    ("make", "file", "column", "row", "reason"),
    REFUSALS,
    ids=[case[0].__name__ for case in REFUSALS],
)
def test_a_bad_export_is_refused_by_file_column_and_row_and_the_database_is_unchanged(
    tmp_path, make, file, column, row, reason
):
    conn = connect(tmp_path / "qualify.duckdb")
    import_sources(conn, [export(tmp_path / "good")])
    before = contents(conn)
    with pytest.raises(ImportRefused) as refused:
        import_sources(conn, make(tmp_path / "bad"))
    message = str(refused.value)
    assert message.startswith(file)
    assert reason in message
    assert (refused.value.column, refused.value.row) == (column, row)
    assert column is None or f"column '{column}'" in message
    assert row is None or f"row {row}" in message
    assert contents(conn) == before
    assert sum(len(rows) for rows in before.values()) == 3 * 4 + 1


def test_a_refused_import_leaves_no_staging_tables_behind(tmp_path):
    conn = connect(":memory:")
    with pytest.raises(ImportRefused):
        import_sources(conn, unparseable_date(tmp_path / "bad"))
    assert conn.execute(
        "select count(*) from information_schema.tables where table_name like '%stage%'"
    ).fetchall() == [(0,)]


def test_exact_duplicate_rows_are_dropped_with_a_warning(tmp_path):
    conn = connect(":memory:")
    leads = GOOD["Lead.csv"] + [GOOD["Lead.csv"][2]]
    report = import_sources(conn, [export(tmp_path / "export", Lead=leads)])
    assert report.rows["leads"] == 3
    assert "leads: 1 exact duplicate rows dropped" in report.warnings


def test_a_few_orphans_are_warned_about_and_imported(tmp_path):
    conn = connect(":memory:")
    tasks = GOOD["Task.csv"] + [["T9", "L404", "Call", "2024-02-01"]]
    report = import_sources(conn, [export(tmp_path / "export", Task=tasks)])
    assert report.rows["activities"] == 4
    assert "1 of 4 activities point to leads not in the export (lead_id)" in report.warnings


def test_rows_agreeing_in_the_columns_read_but_not_in_others_are_not_called_exact(tmp_path):
    leads = [GOOD["Lead.csv"][0] + ["Description"]]
    leads += [r + ["first call"] for r in GOOD["Lead.csv"][1:]]
    leads.append(GOOD["Lead.csv"][2] + ["second call"])  # L2 again, a different unread note
    leads.append(GOOD["Lead.csv"][3] + ["first call"])  # L3 again, every column the same
    report = import_sources(connect(":memory:"), [export(tmp_path / "export", Lead=leads)])
    assert report.rows["leads"] == 3
    assert "leads: 1 exact duplicate rows dropped" in report.warnings
    assert (
        "leads: 1 rows repeat a record ID with the same values in every column read but differ "
        "in others (first: Lead.csv row 5, column 'Description', against row 3); the first of "
        "each was kept"
    ) in report.warnings
