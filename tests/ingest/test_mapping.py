"""User mapping files: the shipped example on a home-grown export, and each mapping option."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from lib.errors import ImportRefused
from lib.ingest import ImportReport, import_sources
from lib.store.connection import PROJECT_ROOT, connect

EXAMPLE = PROJECT_ROOT / "data" / "mappings" / "example_pipeline.yaml"
PIPELINE = [
    [
        "opportunity_id",
        "sales_agent",
        "product",
        "account",
        "deal_stage",
        "engage_date",
        "close_date",
        "close_value",
    ],
    [
        "1C1I7A6R",
        "Moses Frase",
        "GTX Plus Basic",
        "Cancity",
        "Won",
        "2016-10-20",
        "2017-03-01",
        "1054",
    ],
    ["Z063OYW0", "Darcel Schlecht", "GTXPro", "Isdom", "Won", "2016-10-25", "2017-03-11", "4514"],
    [
        "EC4QE1BX",
        "Darcel Schlecht",
        "MG Special",
        "Cancity",
        "Won",
        "2016-10-25",
        "2017-03-07",
        "50",
    ],
    ["MV1LWRNH", "Moses Frase", "GTX Basic", "Codehow", "Lost", "2016-10-25", "2017-03-09", "0"],
    ["PE84CX4O", "Zane Levy", "GTX Basic", "Codehow", "Engaging", "2017-10-30", "", ""],
    ["ZNBS69V1", "Anna Snelling", "MG Special", "", "Prospecting", "", "", ""],
    ["Q0SPV7IX", "Zane Levy", "GTX Pro", "Isdom", "Negotiating", "2017-11-02", "", ""],
]
ACCOUNTS = [
    ["account", "sector", "year_established", "revenue", "employees", "office_location"],
    ["Cancity", "retail", "2001", "718.5", "2448", "United States"],
    ["Codehow", "software", "1998", "2714.25", "2641", "United States"],
    ["Isdom", "medical", "2002", "3178.24", "4540", "Kenya"],
]


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    """Write rows as a UTF-8 file and return its path."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


@pytest.fixture
def pipeline(tmp_path) -> tuple[duckdb.DuckDBPyConnection, ImportReport]:
    write_csv(tmp_path / "sales_pipeline.csv", PIPELINE)
    write_csv(tmp_path / "accounts.csv", ACCOUNTS)
    conn = connect(":memory:")
    return conn, import_sources(conn, [tmp_path], mapping=EXAMPLE)


def test_the_example_mapping_loads_every_deal_and_account(pipeline):
    _, report = pipeline
    assert report.source_format == "mapping"
    assert report.rows == {"accounts": 3, "leads": 0, "activities": 0, "opportunities": 7}


def test_revenue_in_millions_lands_in_dollars(pipeline):
    conn, _ = pipeline
    assert rows(
        conn, "select account_id, annual_revenue_usd, employees, country from accounts order by 1"
    ) == [
        ("Cancity", 718_500_000.0, 2448, "United States"),
        ("Codehow", 2_714_250_000.0, 2641, "United States"),
        ("Isdom", pytest.approx(3_178_240_000.0), 4540, "Kenya"),
    ]


def test_three_won_and_one_lost_make_a_win_rate_of_three_quarters(pipeline):
    conn, _ = pipeline
    won, closed = rows(
        conn,
        "select count(*) filter (where is_won), "
        "count(*) filter (where is_closed) from opportunities",
    )[0]
    assert (won, closed, won / closed) == (3, 4, 0.75)


def test_deals_keep_their_dates_amounts_and_constant_channel(pipeline):
    conn, _ = pipeline
    assert rows(
        conn,
        "select created_at, close_date, amount_usd, channel from opportunities "
        "where opportunity_id = 'Z063OYW0'",
    ) == [(datetime(2016, 10, 25), date(2017, 3, 11), 4514.0, "Direct sales")]


def test_open_deals_may_have_no_close_date_or_account(pipeline):
    conn, _ = pipeline
    assert rows(
        conn,
        "select opportunity_id, account_id, close_date, is_closed "
        "from opportunities where opportunity_id = 'ZNBS69V1'",
    ) == [("ZNBS69V1", None, None, False)]


def test_a_stage_label_the_mapping_does_not_list_is_warned_and_counted_as_open(pipeline):
    conn, report = pipeline
    assert any("'Negotiating'" in w and "counted as open" in w for w in report.warnings)
    assert rows(conn, "select is_closed from opportunities where stage = 'Negotiating'") == [
        (False,)
    ]


EUROPEAN = """\
name: European CRM
date_format: "%d.%m.%Y %H:%M"
decimal: ","
money_unit: 1000
stages: {won: [Gewonnen], lost: [Verloren]}
activity_types: {Webinar: webinar, Anruf: call}
tables:
  leads:
    detect: [Kontakt-Nr, Firma]
    columns:
      lead_id: Kontakt-Nr
      company_name: Firma
      account_id: {column: Firmen-Nr, as: first_of_list}
      annual_revenue_usd: Umsatz
      created_at: Angelegt
      email_bounced: {column: Bounce-Grund, as: present}
  accounts:
    file: firmen.csv
    columns: {account_id: Firmen-Nr, name: Name}
  activities:
    file: aktivitaeten.csv
    columns: {lead_id: Kontakt-Nr, activity_type: Art, occurred_at: Datum}
"""


@pytest.fixture
def european(tmp_path) -> duckdb.DuckDBPyConnection:
    (tmp_path / "crm.yaml").write_text(EUROPEAN, encoding="utf-8")
    write_csv(
        tmp_path / "kontakte.csv",
        [
            ["Kontakt-Nr", "Firma", "Firmen-Nr", "Umsatz", "Angelegt", "Bounce-Grund"],
            ["K1", "Bäckerei Huber", "F1;F2", "1.234,5", "22.01.2024 16:14", ""],
            ["K2", "Huber AG", "", "", "23.01.2024 08:00", "Postfach voll"],
        ],
        delimiter=";",
    )
    write_csv(tmp_path / "firmen.csv", [["Firmen-Nr", "Name"], ["F1", "Huber"], ["F2", "Hub"]])
    write_csv(
        tmp_path / "aktivitaeten.csv",
        [
            ["Kontakt-Nr", "Art", "Datum"],
            ["K1", "Webinar März", "24.01.2024 09:00"],
            ["K1", "Anruf", "25.01.2024 09:00"],
            ["K2", "Messe", "26.01.2024 09:00"],
        ],
    )
    conn = connect(":memory:")
    import_sources(conn, [tmp_path], mapping=tmp_path / "crm.yaml")
    return conn


def test_decimal_comma_money_unit_and_date_format_apply_to_every_file(european):
    assert rows(
        european, "select lead_id, annual_revenue_usd, created_at from leads order by 1"
    ) == [
        ("K1", 1_234_500.0, datetime(2024, 1, 22, 16, 14)),
        ("K2", None, datetime(2024, 1, 23, 8, 0)),
    ]


def test_first_of_list_takes_the_first_id_and_present_flags_a_filled_column(european):
    assert rows(european, "select lead_id, account_id, email_bounced from leads order by 1") == [
        ("K1", "F1", False),
        ("K2", None, True),
    ]


def test_activity_types_map_labels_by_prefix_and_the_rest_are_other(european):
    assert rows(european, "select activity_type from activities order by occurred_at") == [
        ("webinar",),
        ("call",),
        ("other",),
    ]


def test_activities_without_an_id_get_one_from_their_file_and_row(european):
    assert rows(european, "select activity_id from activities order by occurred_at") == [
        ("aktivitaeten.csv:2",),
        ("aktivitaeten.csv:3",),
        ("aktivitaeten.csv:4",),
    ]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("tables: {leads: {file: a.csv, columns: {lead_id: Id}}}\nstagez: {}", "stagez"),
        ("tables: {deals: {file: a.csv, columns: {opportunity_id: Id}}}", "deals"),
        ("tables: {leads: {file: a.csv, columns: {lead_id: Id, score: S}}}", "score"),
        ("tables: {leads: {file: a.csv, columns: {email: E}}}", "lead_id"),
        (
            "tables: {leads: {file: a.csv, columns: {lead_id: {column: Id, as: upper}}}}",
            "lead_id.as: must be",
        ),
        (
            "activity_types: {Demo: demo}\ntables: {leads: {file: a.csv, columns: {lead_id: Id}}}",
            "demo",
        ),
    ],
)
def test_a_mapping_file_with_a_mistake_is_refused_naming_the_key(tmp_path, text, named):
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    write_csv(tmp_path / "a.csv", [["Id"], ["1"]])
    with pytest.raises(ImportRefused, match="bad.yaml") as refused:
        import_sources(connect(":memory:"), [tmp_path / "a.csv"], mapping=tmp_path / "bad.yaml")
    assert named in str(refused.value)
