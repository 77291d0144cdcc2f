"""Issue 10, ingest: user text never becomes SQL, values in range or refused, zips capped.

Every case builds its file in the test and asserts the refusal (file, row, column) or the
result; each refusal also leaves the database as it was.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import zipfile
from pathlib import Path

import duckdb
import pytest

from lib.errors import ImportRefused
from lib.ingest import ImportReport, ZipLimits, import_sources
from lib.ingest.files import WORKDIR_PREFIX, sweep_stale_workdirs
from lib.store.connection import connect
from lib.store.schema import TABLES

Rows = list[list[str]]
ACCOUNTS: Rows = [
    ["Id", "Name", "BillingCountry", "AnnualRevenue", "NumberOfEmployees"],
    ["A1", "José Müller GmbH", "DE", "60000000", "300"],
    ["A2", "Bolt", "US", "2000000", "40"],
]
OPPORTUNITIES: Rows = [
    ["Id", "AccountId", "StageName", "CloseDate", "Amount", "Gross_Margin__c"],
    ["O1", "A1", "Closed Won", "2024-03-01", "1000", "200"],
    ["O2", "A2", "Closed Lost", "2024-03-02", "2000", "300"],
]
LEADS: Rows = [
    ["Id", "Company", "LeadSource", "IsConverted", "LastModifiedDate"],
    ["L1", "José Müller GmbH", "Web", "false", "2024-01-22T16:14:25.000+0000"],
    ["L2", "Bolt", "Web", "false", "2024-01-23T16:14:25.000+0000"],
]


def csv_bytes(rows: Rows, delimiter: str = ",") -> str:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return text.getvalue()


def export(folder: Path, **files: Rows) -> Path:
    """Write Account, Opportunity and Lead CSVs (keyword = file stem replaces its rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = {"Account": ACCOUNTS, "Opportunity": OPPORTUNITIES, "Lead": LEADS}
    for stem, rows in (base | files).items():
        (folder / f"{stem}.csv").write_text(csv_bytes(rows), encoding="utf-8")
    return folder


def changed(rows: Rows, row: int, column: str, value: str) -> Rows:
    """Return rows with one cell changed (spreadsheet row: header = 1)."""
    out = [list(r) for r in rows]
    out[row - 1][out[0].index(column)] = value
    return out


def snapshot(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {t: sorted(conn.execute(f"select * from {t}").fetchall(), key=repr) for t in TABLES}


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A database holding the good export, to prove refusals leave it unchanged."""
    db = connect(tmp_path / "q.duckdb")
    import_sources(db, [export(tmp_path / "good")])
    return db


def refused(conn: duckdb.DuckDBPyConnection, sources: list[Path], **options) -> ImportRefused:
    """Import, expect a refusal, check the database did not move, and return the refusal."""
    before = snapshot(conn)
    with pytest.raises(ImportRefused) as caught:
        import_sources(conn, sources, **options)
    assert snapshot(conn) == before
    return caught.value


def imported(sources: list[Path], **options) -> tuple[duckdb.DuckDBPyConnection, ImportReport]:
    db = connect(":memory:")
    return db, import_sources(db, sources, **options)


# --- user text never becomes SQL -------------------------------------------------------


def test_a_mapping_target_holding_sql_is_refused_as_an_unknown_column(conn, tmp_path):
    (tmp_path / "evil.yaml").write_text(
        "tables:\n  accounts:\n    file: Account.csv\n    columns:\n      account_id: Id\n"
        "      \"_x from read_csv('/etc/os-release') --\": Name\n",
        encoding="utf-8",
    )
    error = refused(conn, [export(tmp_path / "x")], mapping=tmp_path / "evil.yaml")
    assert "unknown column \"_x from read_csv('/etc/os-release') --\"" in str(error) or (
        "unknown column '_x from read_csv" in str(error)
    )


def test_an_internal_target_outside_the_declared_list_is_refused(conn, tmp_path):
    (tmp_path / "m.yaml").write_text(
        "tables: {accounts: {file: Account.csv, columns: {account_id: Id, _secret: Name}}}",
        encoding="utf-8",
    )
    error = refused(conn, [export(tmp_path / "x")], mapping=tmp_path / "m.yaml")
    assert "unknown column '_secret'" in str(error) and error.file == "m.yaml"


def test_headers_and_stage_labels_holding_sql_are_read_as_plain_text(tmp_path):
    header = 'Name"); drop table leads; --'
    accounts = [["Id", header, "BillingCountry"], ["A1", "x'); drop table accounts; --", "US"]]
    (tmp_path / "m.yaml").write_text(
        'stages: {won: ["won\'); drop table leads; --"], lost: [Lost]}\n'
        "tables:\n"
        f"  accounts: {{file: Account.csv, columns: {{account_id: Id, name: '{header}'}}}}\n"
        "  opportunities: {file: Opportunity.csv, columns: {opportunity_id: Id, "
        "account_id: AccountId, stage: StageName, close_date: CloseDate}}\n",
        encoding="utf-8",
    )
    opportunities = [
        ["Id", "AccountId", "StageName", "CloseDate"],
        ["O1", "A1", "won'); drop table leads; --", "2024-01-01"],
    ]
    folder = export(tmp_path / "x", Account=accounts, Opportunity=opportunities)
    db, _ = imported([folder], mapping=tmp_path / "m.yaml")
    assert db.execute("select name from accounts").fetchall() == [("x'); drop table accounts; --",)]
    assert db.execute("select is_won from opportunities").fetchall() == [(True,)]
    assert db.execute("select count(*) from leads").fetchall() == [(0,)]


# --- values in range or refused --------------------------------------------------------

OUT_OF_RANGE = [
    ("close_date_in_year_10000", "Opportunity", 3, "CloseDate", "10000-01-01", "outside the years"),
    ("close_date_in_1899", "Opportunity", 2, "CloseDate", "1899-12-31", "outside the years"),
    (
        "last_modified_in_9999",
        "Lead",
        2,
        "LastModifiedDate",
        "9999-12-31T00:00:00.000+0000",
        "outside the years 1900-2100",
    ),
    ("negative_amount", "Opportunity", 2, "Amount", "-500", "negative"),
    ("nan_amount", "Opportunity", 3, "Amount", "NaN", "not a finite number"),
    ("infinite_amount", "Opportunity", 2, "Amount", "inf", "not a finite number"),
    ("employees_1e30", "Account", 3, "NumberOfEmployees", "1e30", "too large"),
    ("revenue_negative", "Account", 2, "AnnualRevenue", "-1", "negative"),
]


@pytest.mark.parametrize(
    ("case", "stem", "row", "column", "value", "reason"),
    OUT_OF_RANGE,
    ids=[c[0] for c in OUT_OF_RANGE],
)
def test_a_value_out_of_range_is_refused_by_row_and_column(
    conn, tmp_path, case, stem, row, column, value, reason
):
    rows = {"Account": ACCOUNTS, "Opportunity": OPPORTUNITIES, "Lead": LEADS}[stem]
    folder = export(tmp_path / case, **{stem: changed(rows, row, column, value)})
    error = refused(conn, [folder])
    assert (error.file, error.row, error.column) == (f"{stem}.csv", row, column)
    assert reason in str(error)


def test_a_mapping_date_range_allows_older_dates(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "extends: salesforce\ndate_range: [1800, 2100]\n", encoding="utf-8"
    )
    folder = export(
        tmp_path / "x", Opportunity=changed(OPPORTUNITIES, 2, "CloseDate", "1850-06-01")
    )
    db, _ = imported([folder], mapping=tmp_path / "m.yaml")
    assert db.execute("select min(close_date) from opportunities").fetchall()[0][0].year == 1850


def test_a_negative_gross_margin_is_kept_and_named_in_a_warning(tmp_path):
    folder = export(tmp_path / "x", Opportunity=changed(OPPORTUNITIES, 3, "Gross_Margin__c", "-75"))
    db, report = imported([folder])
    assert db.execute("select min(gross_margin_usd) from opportunities").fetchall() == [(-75.0,)]
    assert "Opportunity.csv: 1 deals with a negative gross margin (kept: a loss is real)" in (
        report.warnings
    )


def test_a_repeated_header_the_format_reads_is_refused_naming_it(conn, tmp_path):
    rows = [r + [r[4]] for r in OPPORTUNITIES]
    error = refused(conn, [export(tmp_path / "x", Opportunity=rows)])
    assert (error.file, error.column) == ("Opportunity.csv", "Amount")
    assert "2 times (columns 5, 7)" in str(error)


def test_a_repeated_header_nobody_reads_is_only_named_in_a_warning(tmp_path):
    rows = [r + ["x", "y"] for r in OPPORTUNITIES]
    rows[0][-2:] = ["Notes", "notes"]
    _, report = imported([export(tmp_path / "x", Opportunity=rows)])
    assert "Opportunity.csv: column 'Notes' appears 2 times; not read" in report.warnings


# --- encodings ---------------------------------------------------------------------------


def test_a_utf8_file_with_one_stray_byte_is_refused_at_its_row(conn, tmp_path):
    folder = export(tmp_path / "x")
    data = (folder / "Account.csv").read_bytes().replace(b"Bolt", b"B\xf6lt")
    (folder / "Account.csv").write_bytes(data)
    error = refused(conn, [folder])
    assert (error.file, error.row) == ("Account.csv", 3)
    assert "UTF-8 but for a byte that is not (0xF6)" in str(error)


def test_a_clean_windows_1252_file_is_read_with_its_accents(tmp_path):
    folder = export(tmp_path / "x")
    (folder / "Account.csv").write_bytes(csv_bytes(ACCOUNTS).encode("cp1252"))
    db, _ = imported([folder])
    assert db.execute("select name from accounts where account_id = 'A1'").fetchall() == [
        ("José Müller GmbH",)
    ]


def test_a_byte_windows_1252_leaves_undefined_is_refused_at_its_row(conn, tmp_path):
    folder = export(tmp_path / "x")
    data = csv_bytes(ACCOUNTS).encode("cp1252").replace(b"Bolt", b"Bo\x81t")
    (folder / "Account.csv").write_bytes(data)
    error = refused(conn, [folder])
    assert (error.file, error.row) == ("Account.csv", 3)
    assert "neither UTF-8 nor Windows-1252" in str(error)


@pytest.mark.parametrize("bom", [True, False], ids=["with_bom", "without_bom"])
def test_a_utf16_tab_separated_export_reads_like_its_utf8_csv(tmp_path, bom):
    reference, _ = imported([export(tmp_path / "utf8")])
    folder = export(tmp_path / "utf16")
    text = csv_bytes(ACCOUNTS, delimiter="\t")
    data = (codecs.BOM_UTF16_LE if bom else b"") + text.encode("utf-16-le")
    (folder / "Account.csv").unlink()
    (folder / "Account.txt").write_bytes(data)
    db, _ = imported([folder])
    assert snapshot(db) == snapshot(reference)


# --- zips ----------------------------------------------------------------------------------


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_before_anything_is_extracted(conn, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    bomb = zip_of(tmp_path / "bomb.zip", {"Lead.csv": b"Id,Company\n" + b" " * (64 * 1024**2)})
    assert bomb.stat().st_size < 1024**2
    error = refused(conn, [bomb])
    assert error.file == "bomb.zip" and "to 1, over the limit of 200 to 1" in str(error)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_zip_over_the_size_limit_is_refused_naming_the_setting(conn, tmp_path):
    archive = zip_of(tmp_path / "e.zip", {"Account.csv": csv_bytes(ACCOUNTS).encode()})
    error = refused(conn, [archive], limits=ZipLimits(max_bytes=50))
    assert "over the limit" in str(error) and "QUALIFY_ZIP_MAX_BYTES" in str(error)


def test_lead_files_inside_a_nested_zip_are_read(tmp_path):
    inner = zip_of(tmp_path / "inner.zip", {"Lead.csv": csv_bytes(LEADS).encode()})
    outer = zip_of(
        tmp_path / "outer.zip",
        {
            "leads/inner.zip": inner.read_bytes(),
            "Account.csv": csv_bytes(ACCOUNTS).encode(),
            "Opportunity.csv": csv_bytes(OPPORTUNITIES).encode(),
        },
    )
    _, report = imported([outer])
    assert report.rows["leads"] == 2
    assert ("outer.zip/leads/inner.zip/Lead.csv", "leads", 2) in report.files


def test_zips_nested_deeper_than_the_limit_are_refused(conn, tmp_path):
    level = zip_of(tmp_path / "z0.zip", {"Account.csv": csv_bytes(ACCOUNTS).encode()})
    for depth in range(1, 4):
        level = zip_of(tmp_path / f"z{depth}.zip", {level.name: level.read_bytes()})
    error = refused(conn, [level])
    assert "nested more than 3 deep" in str(error)


def test_files_in_a_zip_that_are_not_tables_are_named_in_a_warning(tmp_path):
    archive = zip_of(
        tmp_path / "export.zip",
        {"Account.csv": csv_bytes(ACCOUNTS).encode(), "Attachments/contract.pdf": b"%PDF-1.4"},
    )
    _, report = imported([archive])
    assert any("export.zip/Attachments/contract.pdf" in w for w in report.warnings)


@pytest.mark.parametrize("outcome", ["refused", "imported"])
def test_the_import_folder_is_removed_on_every_exit(tmp_path, monkeypatch, outcome):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    archive = zip_of(tmp_path / "e.zip", {"Account.csv": csv_bytes(ACCOUNTS).encode()})
    if outcome == "refused":
        bad = zip_of(tmp_path / "b.zip", {"Account.csv": b"Id,Name,BillingCountry\n,x,US\n"})
        with pytest.raises(ImportRefused):
            import_sources(connect(":memory:"), [bad])
    else:
        import_sources(connect(":memory:"), [archive])
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_folder_left_by_a_killed_import_is_swept_and_a_live_one_kept(tmp_path):
    dead = tmp_path / f"{WORKDIR_PREFIX}999999999-abc"
    live = tmp_path / f"{WORKDIR_PREFIX}{os.getpid()}-def"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "Lead.csv").write_text("Id\n1\n")
    assert sweep_stale_workdirs(tmp_path) == [dead]
    assert live.exists() and not dead.exists()


# --- shapes --------------------------------------------------------------------------------


def test_a_5000_column_export_reads_only_the_columns_the_format_uses(tmp_path):
    extra = [f"Custom_{i}__c" for i in range(5000 - len(ACCOUNTS[0]))]
    rows = [ACCOUNTS[0] + extra] + [r + ["x"] * len(extra) for r in ACCOUNTS[1:]]
    db, report = imported([export(tmp_path / "wide", Account=rows)])
    assert report.rows["accounts"] == 2
    assert db.execute("select employees from accounts order by 1").fetchall() == [(40,), (300,)]


def test_a_header_only_file_is_named_with_the_table_it_left_empty(tmp_path):
    _, report = imported([export(tmp_path / "x", Lead=[LEADS[0]])])
    assert "Lead.csv: a header row and no records; leads gets none from it" in report.warnings
    assert [(s.file, s.table, s.rows) for s in report.sources if s.table == "leads"] == [
        ("Lead.csv", "leads", 0)
    ]


# --- mapping typos never escape as Python errors ---------------------------------------------

TYPOS = [
    ("money_unit: lots", "money_unit: expected a number, got 'lots'"),
    ("stages: [Won]", "stages: expected a mapping"),
    ("date_order: ymd", "date_order: must be 'dmy' or 'mdy', got 'ymd'"),
    ("currencies: {EURO: 1.1}", "'EURO' is not a three-letter ISO code"),
    ("date_range: [2100, 1900]", "date_range: give [first year, last year]"),
]


@pytest.mark.parametrize(("line", "named"), TYPOS, ids=[t[0].split(":")[0] for t in TYPOS])
def test_a_mapping_typo_is_refused_naming_the_key(tmp_path, line, named):
    (tmp_path / "m.yaml").write_text(
        f"{line}\ntables: {{accounts: {{file: Account.csv, columns: {{account_id: Id}}}}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused, match="m.yaml") as caught:
        imported([export(tmp_path / "x")], mapping=tmp_path / "m.yaml")
    assert named in str(caught.value)


@pytest.mark.parametrize(
    ("columns", "named"),
    [
        ("{account_id: {column: Id, unit: abc}}", "unit: expected a number, got 'abc'"),
        ("{account_id: [Id, [Name]]}", "columns[1]: expected text, got ['Name']"),
        ("{account_id: {as: value}}", "give 'column' or 'columns'"),
    ],
)
def test_a_column_typo_is_refused_naming_the_column(tmp_path, columns, named):
    (tmp_path / "m.yaml").write_text(
        f"tables: {{accounts: {{file: Account.csv, columns: {columns}}}}}\n", encoding="utf-8"
    )
    with pytest.raises(ImportRefused, match=r"tables\.accounts\.columns\.account_id") as caught:
        imported([export(tmp_path / "x")], mapping=tmp_path / "m.yaml")
    assert named in str(caught.value)
