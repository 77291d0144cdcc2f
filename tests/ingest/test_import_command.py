"""The headless import command: row counts on success, one plain message on refusal."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from lib.cli import main
from lib.store.connection import PROJECT_ROOT

ACCOUNTS = [
    ["Id", "Name", "BillingCountry", "AnnualRevenue", "NumberOfEmployees"],
    ["A1", "Acme", "US", "2000000000", "5000"],
    ["A2", "Bolt", "DE", "", "40"],
]
OPPORTUNITIES = [
    ["Id", "AccountId", "StageName", "CloseDate", "Amount"],
    ["O1", "A1", "Closed Won", "2024-03-01", "1000"],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """Write rows as a comma-separated UTF-8 file and return its path."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_import_prints_rows_per_table_and_exits_zero(tmp_path, capsys):
    write_csv(tmp_path / "Account.csv", ACCOUNTS)
    write_csv(tmp_path / "Opportunity.csv", OPPORTUNITIES)
    code = main(["import", str(tmp_path), "--db", str(tmp_path / "q.duckdb")])
    out = capsys.readouterr().out
    assert code == 0
    assert "Imported a salesforce export" in out
    for table, rows in [("accounts", 2), ("leads", 0), ("activities", 0), ("opportunities", 1)]:
        assert f"  {table:<14} {rows:>10,} rows" in out


def test_a_refused_import_exits_two_with_the_message_on_stderr(tmp_path, capsys):
    write_csv(tmp_path / "Account.csv", ACCOUNTS[:2] + [["A3", "Cogs", "FR", "lots", "9"]])
    code = main(["import", str(tmp_path / "Account.csv"), "--db", str(tmp_path / "q.duckdb")])
    captured = capsys.readouterr()
    assert code == 2
    assert "error: Account.csv, row 3, column 'AnnualRevenue': cannot read 'lots'" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_the_forced_format_is_used(tmp_path, capsys):
    write_csv(tmp_path / "Account.csv", ACCOUNTS)
    code = main(
        ["import", str(tmp_path), "--db", str(tmp_path / "q.duckdb"), "--source-format", "hubspot"]
    )
    assert code == 2
    assert "none of these files is part of a HubSpot export" in capsys.readouterr().err


def test_the_module_run_as_a_program_refuses_without_a_traceback(tmp_path):
    (tmp_path / "Account.csv").write_bytes(b"")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.cli",
            "import",
            str(tmp_path / "Account.csv"),
            "--db",
            str(tmp_path / "q.duckdb"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "error: Account.csv: the file is empty" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_mapping_typo_exits_two_instead_of_importing_every_deal_as_open(tmp_path, capsys):
    write_csv(
        tmp_path / "deals.csv", [["deal", "deal_stage", "closed"], ["D1", "Won", "2024-03-01"]]
    )
    (tmp_path / "crm.yaml").write_text(
        "stages: {won: [Won]}\ntables: {opportunities: {file: deals.csv, columns: "
        "{opportunity_id: deal, stage: deal_stag, close_date: closed}}}\n",
        encoding="utf-8",
    )
    code = main(["import", str(tmp_path / "deals.csv"), "--db", str(tmp_path / "q.duckdb"),
                 "--mapping", str(tmp_path / "crm.yaml")])  # fmt: skip
    assert code == 2
    assert (
        "error: deals.csv, column 'deal_stag': not in the header row (did you mean 'deal_stage'?)"
    ) in capsys.readouterr().err


def test_the_import_notes_which_optional_columns_a_file_did_not_have(tmp_path, capsys):
    write_csv(tmp_path / "Account.csv", ACCOUNTS)
    main(["import", str(tmp_path), "--db", str(tmp_path / "q.duckdb")])
    assert (
        "  note: Account.csv: optional columns not in the file: industry (Industry); "
        "created_at (CreatedDate); _is_deleted (IsDeleted); _currency (CurrencyIsoCode)"
    ) in capsys.readouterr().out
