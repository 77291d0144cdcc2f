"""How exports arrive: encodings, delimiters, folders, single files and zips all import alike."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import duckdb
import pytest

from lib.errors import ImportRefused
from lib.ingest import import_sources
from lib.store.connection import connect
from lib.store.schema import TABLES

ACCOUNTS = [
    ["Id", "Name", "BillingCountry", "AnnualRevenue", "NumberOfEmployees", "Industry"],
    ["A1", "Müller & Söhne", "DE", "60000000", "300", "Maschinenbau"],
    ["A2", "Café Crème", "FR", "1500000", "12", "Hospitality"],
    ["A3", "Acme; Inc", "US", "2000000000", "5000", "Software"],
]
LEADS = [
    ["Id", "Company", "LeadSource", "IsConverted", "ConvertedAccountId", "CreatedDate"],
    ["L1", "Müller & Söhne", "Messe", "true", "A1", "2024-01-22T16:14:25.000+0000"],
    ["L2", "Café Crème", "Web", "false", "", "2024-01-23T16:14:25.000+0000"],
]
TASKS = [
    ["Id", "WhoId", "Subject", "ActivityDate"],
    ["T1", "L1", "Demo request – Köln", "2024-01-25"],
]
OPPORTUNITIES = [
    ["Id", "AccountId", "StageName", "CloseDate", "Amount"],
    ["O1", "A1", "Closed Won", "2024-03-01", "1000"],
]
EXPORT = {
    "Account.csv": ACCOUNTS,
    "Lead.csv": LEADS,
    "Task.csv": TASKS,
    "Opportunity.csv": OPPORTUNITIES,
}
# (file encoding, delimiter): what Excel, Salesforce and European locales write
WRITTEN_AS = {
    "utf-8": ("utf-8", ","),
    "utf-8 with BOM": ("utf-8-sig", ","),
    "Windows-1252": ("cp1252", ","),
    "semicolons": ("utf-8", ";"),
    "Windows-1252 with semicolons": ("cp1252", ";"),
}


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """Return rows as CSV bytes in the given encoding, quoting only where needed."""
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return text.getvalue().encode(encoding)


def write_export(folder: Path, encoding: str = "utf-8", delimiter: str = ",") -> list[Path]:
    """Write the four-file export and return the file paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in EXPORT]
    for path in paths:
        path.write_bytes(csv_bytes(EXPORT[path.name], encoding, delimiter))
    return paths


def contents(sources: list[Path]) -> dict[str, list[tuple]]:
    """Import into a fresh database and return every canonical table, sorted."""
    conn = connect(":memory:")
    import_sources(conn, list(sources))
    return {t: sorted(conn.execute(f"select * from {t}").fetchall(), key=repr) for t in TABLES}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, list[tuple]]:
    return contents(write_export(tmp_path_factory.mktemp("reference")))


def test_the_reference_export_keeps_accented_names_and_quoted_delimiters(reference):
    assert [(row[0], row[1]) for row in reference["accounts"]] == [
        ("A1", "Müller & Söhne"),
        ("A2", "Café Crème"),
        ("A3", "Acme; Inc"),
    ]
    assert reference["activities"][0][5] == "Demo request – Köln"


@pytest.mark.parametrize("written_as", list(WRITTEN_AS))
def test_every_encoding_and_delimiter_imports_identically(tmp_path, reference, written_as):
    encoding, delimiter = WRITTEN_AS[written_as]
    assert contents(write_export(tmp_path, encoding, delimiter)) == reference


def test_a_folder_the_single_files_and_a_zip_import_identically(tmp_path, reference):
    files = write_export(tmp_path / "export")
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as zf:
        for path in files:
            zf.write(path, f"salesforce/{path.name}")
    assert contents([tmp_path / "export"]) == reference
    assert contents(files) == reference
    assert contents([tmp_path / "export.zip"]) == reference


def test_a_zip_inside_a_folder_is_opened_and_its_hidden_files_skipped(tmp_path, reference):
    files = write_export(tmp_path / "loose")
    (tmp_path / "upload").mkdir()
    with zipfile.ZipFile(tmp_path / "upload" / "export.zip", "w") as zf:
        for path in files:
            zf.write(path, path.name)
        zf.writestr("__MACOSX/._Account.csv", b"\x00\x05\x16\x07 resource fork")
    assert contents([tmp_path / "upload"]) == reference


def test_an_export_of_one_file_imports_that_table_and_says_which_are_empty(tmp_path):
    conn = connect(":memory:")
    path = tmp_path / "Account.csv"
    path.write_bytes(csv_bytes(ACCOUNTS))
    report = import_sources(conn, [path])
    assert report.rows == {"accounts": 3, "leads": 0, "activities": 0, "opportunities": 0}
    assert "No leads file in this export: that table is empty." in report.warnings


def test_a_new_import_replaces_the_previous_one_rather_than_adding_to_it(tmp_path):
    conn = connect(":memory:")
    files = write_export(tmp_path / "export")
    import_sources(conn, files)
    report = import_sources(conn, files)
    assert report.rows == {"accounts": 3, "leads": 2, "activities": 1, "opportunities": 1}
    assert conn.execute("select count(*) from imports").fetchall() == [(2,)]


def test_typed_parquet_files_import_like_their_csv(tmp_path, reference):
    folder = tmp_path / "parquet"
    folder.mkdir()
    conn = duckdb.connect()
    for path in write_export(tmp_path / "csv"):
        rel = conn.read_csv(str(path), header=True)  # typed by DuckDB's own sniffer
        rel.write_parquet(str(folder / f"{path.stem}.parquet"))
    assert contents([folder]) == reference


def test_a_text_column_in_parquet_is_still_checked_value_by_value(tmp_path):
    folder = tmp_path / "parquet"
    folder.mkdir()
    rows = OPPORTUNITIES + [["O2", "A1", "Closed Lost", "soon", "5"]]
    duckdb.connect().read_csv(str(write_export(tmp_path / "csv")[0]), header=True).write_parquet(
        str(folder / "Account.parquet")
    )
    path = tmp_path / "Opportunity.csv"
    path.write_bytes(csv_bytes(rows))
    duckdb.connect().read_csv(str(path), header=True, all_varchar=True).write_parquet(
        str(folder / "Opportunity.parquet")
    )
    with pytest.raises(ImportRefused, match="Opportunity.parquet, row 3, column 'CloseDate'"):
        import_sources(connect(":memory:"), [folder])
