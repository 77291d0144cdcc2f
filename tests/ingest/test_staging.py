"""Every source a mapping names is in the file, or declared optional and reported absent;
value maps, `id: row`, companion tables and linked fields on small hand-made exports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from lib.errors import ImportRefused
from lib.ingest import ImportReport, import_sources
from lib.store.connection import connect
from tests.ingest.test_mapping import EXAMPLE, PIPELINE, write_csv

DEALS = [
    ["deal", "client", "size", "deal_stage", "closed", "value"],
    ["D1", "Acme", "5", "Won", "2024-03-01", "100"],
    ["D2", "Bolt", "1", "Lost", "2024-03-02", "20"],
    ["D3", "Acme", "5", "Open", "2024-09-30", ""],
]
STAGES = {"won": ["Won"], "lost": ["Lost"], "open": ["Open"]}


def mapping_file(folder: Path, tables: dict, **top) -> Path:
    """Write a mapping of these tables (and top-level keys) and return its path."""
    path = folder / "crm.yaml"
    path.write_text(yaml.safe_dump({"stages": STAGES, "tables": tables, **top}), encoding="utf-8")
    return path


def deals_rule(**columns) -> dict:
    """Return a deals.csv rule reading DEALS, with some columns changed or added."""
    base = {"opportunity_id": "deal", "stage": "deal_stage", "close_date": "closed"}
    return {"file": "deals.csv", "columns": base | columns}


def run(folder: Path, tables: dict, rows: list[list[str]] = DEALS, **top) -> tuple:
    """Import deals.csv (these rows) through a mapping of these tables."""
    write_csv(folder / "deals.csv", rows)
    conn = connect(":memory:")
    report = import_sources(
        conn, [folder / "deals.csv"], mapping=mapping_file(folder, tables, **top)
    )
    return conn, report


def rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


# --- every named source is in the header row --------------------------------------------------


def test_a_one_letter_typo_in_a_source_column_is_refused_with_the_closest_header(tmp_path):
    mapping = EXAMPLE.read_text(encoding="utf-8").replace("stage: deal_stage", "stage: deal_stag")
    (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
    write_csv(tmp_path / "sales_pipeline.csv", PIPELINE)
    conn = connect(":memory:")
    with pytest.raises(ImportRefused) as refused:
        import_sources(conn, [tmp_path / "sales_pipeline.csv"], mapping=tmp_path / "m.yaml")
    assert str(refused.value) == (
        "sales_pipeline.csv, column 'deal_stag': not in the header row (did you mean "
        "'deal_stage'?); the mapping reads it for opportunities.stage (`optional: true` if an "
        "export may lack it)"
    )
    assert rows(conn, "select count(*) from opportunities") == [(0,)]


def test_a_misspelt_revenue_column_is_refused_rather_than_resegmenting_every_account(tmp_path):
    tables = {
        "accounts": {
            "file": "deals.csv",
            "columns": {"account_id": "client", "annual_revenue_usd": {"column": "revenu"}},
        }
    }
    with pytest.raises(ImportRefused, match="column 'revenu': not in the header row; the map"):
        run(tmp_path, tables)


def test_every_source_of_a_list_must_be_there_unless_declared_optional(tmp_path):
    with pytest.raises(
        ImportRefused, match="column 'valeu': not in the header row .did you mean 'value'"
    ):
        run(tmp_path, {"opportunities": deals_rule(amount_usd=["valeu", "value"])})
    conn, report = run(
        tmp_path,
        {"opportunities": deals_rule(amount_usd={"columns": ["valeu", "value"], "optional": True})},
    )
    assert rows(conn, "select sum(amount_usd) from opportunities") == [(120.0,)]
    assert report.sources[0].optional_absent == ()  # a source was there: the field is read


def test_absent_optional_sources_are_reported_by_field(tmp_path):
    rule = deals_rule(
        channel={"columns": ["Lead Source", "Origin"], "optional": True},
        amount_usd={"column": "value", "optional": True},
    )
    conn, report = run(tmp_path, {"opportunities": rule})
    assert report.sources[0].optional_absent == (("channel", ("Lead Source", "Origin")),)
    assert report.sources[0].optional_line() == (
        "deals.csv: optional columns not in the file: channel (Lead Source / Origin)"
    )
    assert rows(conn, "select count(channel), sum(amount_usd) from opportunities") == [(0, 120.0)]


def test_a_required_field_whose_optional_sources_are_all_absent_is_refused(tmp_path):
    rule = deals_rule(close_date={"columns": ["Close Date", "Closing"], "optional": True})
    with pytest.raises(ImportRefused, match="column 'Close Date / Closing': required column is"):
        run(tmp_path, {"opportunities": rule})


# --- value maps -------------------------------------------------------------------------------

SIZES = {1: "smb", 2: "smb", 3: "mid_market", 4: "enterprise", 5: "enterprise"}


def test_a_value_map_turns_a_size_code_into_a_segment(tmp_path):
    accounts = {
        "file": "deals.csv",
        "companion": True,
        "columns": {"account_id": "client", "segment": {"column": "size", "values": SIZES}},
    }
    conn, report = run(tmp_path, {"opportunities": deals_rule(), "accounts": accounts})
    assert rows(conn, "select account_id, segment from accounts order by 1") == [
        ("Acme", "enterprise"),
        ("Bolt", "smb"),
    ]
    assert any(
        w.startswith("accounts: segment stated by the export for 2 of 2") for w in report.warnings
    )


def test_a_value_the_map_does_not_list_is_refused_by_row(tmp_path):
    bad = [list(r) for r in DEALS]
    bad[2][2] = "7"
    accounts = {
        "file": "deals.csv",
        "companion": True,
        "columns": {"account_id": "client", "segment": {"column": "size", "values": SIZES}},
    }
    with pytest.raises(ImportRefused) as refused:
        run(tmp_path, {"opportunities": deals_rule(), "accounts": accounts}, bad)
    assert str(refused.value) == (
        "deals.csv, row 3, column 'size': '7' is not in the value map (1, 2, 3, 4, 5)"
    )


def test_a_status_column_maps_to_won_and_closed_flags(tmp_path):
    rule = deals_rule(
        stage={"column": "deal_stage", "optional": True},
        is_won={"column": "deal_stage", "values": {"won": True, "lost": False, "open": False}},
        is_closed={"column": "deal_stage", "values": {"WON": True, "Lost": True, "open": False}},
    )
    conn, _ = run(tmp_path, {"opportunities": rule}, stages=None)
    assert rows(conn, "select opportunity_id, is_won, is_closed from opportunities order by 1") == [
        ("D1", True, True),
        ("D2", False, True),
        ("D3", False, False),
    ]


# --- id: row, companions, one file feeding several tables ---------------------------------


def test_id_row_makes_each_row_its_own_record_and_says_so(tmp_path):
    repeated = [DEALS[0], DEALS[1], [*DEALS[1][:1], *DEALS[2][1:]], DEALS[3]]  # D1 twice
    rule = {
        "file": "deals.csv",
        "id": "row",
        "columns": {"stage": "deal_stage", "close_date": "closed"},
    }
    conn, report = run(tmp_path, {"opportunities": rule}, repeated)
    assert rows(conn, "select opportunity_id from opportunities order by 1") == [
        ("deals.csv:2",),
        ("deals.csv:3",),
        ("deals.csv:4",),
    ]
    assert (
        "deals.csv: each row is its own opportunities record (id: row), so a record exported on "
        "two rows counts twice"
    ) in report.warnings


def test_a_companion_record_whose_rows_disagree_is_kept_once_with_a_warning(tmp_path):
    clash = [list(r) for r in DEALS]
    clash[3][2] = "3"  # Acme's size code differs between D1 and D3
    accounts = {
        "file": "deals.csv",
        "companion": True,
        "columns": {"account_id": "client", "segment": {"column": "size", "values": SIZES}},
    }
    conn, report = run(tmp_path, {"opportunities": deals_rule(), "accounts": accounts}, clash)
    assert rows(conn, "select segment from accounts where account_id = 'Acme'") == [("enterprise",)]
    assert (
        "deals.csv: 1 accounts records differ between the rows that carry them (first: 'Acme' "
        "on rows 2, 4); the first row of each was kept"
    ) in report.warnings


def test_two_tables_claiming_one_file_without_a_companion_are_refused(tmp_path):
    accounts = {"file": "deals.csv", "columns": {"account_id": "client"}}
    with pytest.raises(ImportRefused, match="the file patterns of both accounts and opportunities"):
        run(tmp_path, {"opportunities": deals_rule(), "accounts": accounts})


# --- linked fields --------------------------------------------------------------------------


def test_a_linked_field_is_taken_from_the_record_the_row_points_to(tmp_path):
    write_csv(
        tmp_path / "leads.csv",
        [["ref", "first_contact"], ["L1", "2024-01-05"], ["L2", ""]],
    )
    deals = [
        ["deal", "lead", "deal_stage", "closed"],
        ["D1", "L1", "Won", "2024-04-01"],
        ["D2", "L2", "Lost", "2024-04-02"],
        ["D3", "", "Open", "2024-09-30"],
    ]
    write_csv(tmp_path / "deals.csv", deals)
    tables = {
        "leads": {
            "file": "leads.csv",
            "columns": {"lead_id": "ref", "created_at": "first_contact"},
        },
        "opportunities": deals_rule(lead_id="lead", created_at={"linked": "leads.created_at"}),
    }
    conn = connect(":memory:")
    report: ImportReport = import_sources(
        conn,
        [tmp_path / "leads.csv", tmp_path / "deals.csv"],
        mapping=mapping_file(tmp_path, tables),
    )
    assert rows(
        conn, "select opportunity_id, cast(created_at as date) from opportunities order by 1"
    ) == [
        ("D1", date(2024, 1, 5)),
        ("D2", None),
        ("D3", None),
    ]
    assert (
        "deals.csv: opportunities.created_at taken from the linked lead's created_at where "
        "blank; 1 of 3 rows have one (2 without: no lead, or the lead has none)"
    ) in report.warnings
