"""export-tables: the canonical and attribute tables as Parquet, every column with its type."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lib.errors import DatabaseError
from lib.store import export
from lib.store.connection import connect
from lib.store.export import export_tables
from lib.store.schema import STORED_TABLES

ARROW = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "DATE": pa.date32(),
}


@pytest.fixture
def small_db() -> duckdb.DuckDBPyConnection:
    conn = connect(":memory:")
    conn.execute("insert into accounts (account_id, annual_revenue_usd) values ('a1', 2e9)")
    conn.execute(
        "insert into leads (lead_id, created_at, email_bounced) values "
        "('l1', '2026-01-01 00:00:00.5', true), ('l2', null, null)"
    )
    conn.execute(
        "insert into opportunities (opportunity_id, close_date, is_won) "
        "values ('o1', '2030-06-30', false)"
    )
    conn.execute(
        "insert into lead_attributes (lead_id, name, flag_value) values ('l1', 'VIP', true)"
    )
    conn.execute("insert into attributes values ('leads', 'VIP', 'boolean', 'Lead.csv', 1)")
    return conn


def test_every_table_is_written_with_the_schema_s_columns_and_types(small_db, tmp_path):
    assert export_tables(small_db, tmp_path) == {
        "accounts": 1,
        "leads": 2,
        "activities": 0,
        "opportunities": 1,
        "attributes": 1,
        "lead_attributes": 1,
        "account_attributes": 0,
    }
    for table, columns in STORED_TABLES.items():
        schema = pq.read_schema(tmp_path / f"{table}.parquet")
        assert schema.names == list(columns)
        assert [schema.field(c).type for c in columns] == [ARROW[t] for t, _ in columns.values()]


def test_values_survive_the_round_trip_to_the_microsecond(small_db, tmp_path):
    export_tables(small_db, tmp_path)
    leads = pq.read_table(tmp_path / "leads.parquet").to_pylist()
    assert [(r["lead_id"], r["created_at"], r["email_bounced"]) for r in leads] == [
        ("l1", datetime(2026, 1, 1, 0, 0, 0, 500_000), True),
        ("l2", None, None),
    ]


def test_a_failed_write_leaves_the_previous_file_and_no_partial_one(
    small_db, tmp_path, monkeypatch
):
    export_tables(small_db, tmp_path)
    before = (tmp_path / "leads.parquet").read_bytes()
    small_db.execute("insert into leads (lead_id) values ('l3')")

    class Broken:
        def __init__(self, *args, **kwargs) -> None:
            raise OSError("disk full")

    monkeypatch.setattr(export.pq, "ParquetWriter", Broken)
    with pytest.raises(DatabaseError, match="disk full"):
        export_tables(small_db, tmp_path)
    assert (tmp_path / "leads.parquet").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{t}.parquet" for t in STORED_TABLES
    )
