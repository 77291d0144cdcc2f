"""The queries in other dialects: Spark's rewrites keep DuckDB's meaning; every query spells for
Snowflake and BigQuery (checked by transpiling only: neither runs here)."""

from __future__ import annotations

import re

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from lib.store import dialects
from lib.store.dialects import SPARK_REWRITES, spark_sql, transpiled
from lib.store.staging import SQL_DIR

QUERIES = sorted(str(p.relative_to(SQL_DIR).with_suffix("")) for p in SQL_DIR.rglob("*.sql"))
DATA_QUERIES = [q for q in QUERIES if q.split("/")[0] not in ("ingest", "store")]


def on_spark(sql: str) -> str:
    tree = sqlglot.parse_one(sql, read="duckdb")
    for rewrite in SPARK_REWRITES:
        tree = tree.transform(rewrite)
    return tree.sql(dialect="spark")


def test_a_median_is_spark_s_exact_percentile_not_percentile_approx():
    sql = on_spark("select percentile_cont(0.5) within group (order by x) from t")
    assert sql == "SELECT PERCENTILE(x, 0.5) FROM t"


def test_a_descending_median_is_refused_rather_than_translated_wrong():
    with pytest.raises(ValueError, match="ascending"):
        on_spark("select percentile_cont(0.5) within group (order by x desc) from t")


def test_seconds_between_are_floored_epoch_seconds_as_duckdb_counts_boundaries():
    sql = on_spark("select datediff('second', a, b) from t")
    assert sql == (
        "SELECT (UNIX_SECONDS(CAST(b AS TIMESTAMP_LTZ)) - UNIX_SECONDS(CAST(a AS TIMESTAMP_LTZ)))"
        " FROM t"
    )


def test_duckdb_counts_second_boundaries_which_is_what_the_rewrite_computes():
    # 0.9 s -> 1.1 s crosses one boundary; 23:59:59.5 (1969) -> 00:00:00.5 crosses one too,
    # which flooring gives (0 - -1) and truncating toward zero would not (0 - 0)
    conn = duckdb.connect()
    found = conn.execute(
        "select datediff('second', timestamp '2025-01-01 00:00:00.9', timestamp '2025-01-01 "
        "00:00:01.1'), datediff('second', timestamp '1969-12-31 23:59:59.5', timestamp "
        "'1970-01-01 00:00:00.5')"
    ).fetchone()
    assert found == (1, 1)


def test_days_between_are_calendar_dates_apart():
    sql = on_spark("select datediff('day', a, b) from t")
    assert sql == "SELECT DATEDIFF(CAST(b AS DATE), CAST(a AS DATE)) FROM t"


def test_a_unit_without_a_translation_is_refused():
    with pytest.raises(ValueError, match="'hour'"):
        on_spark("select datediff('hour', a, b) from t")


def test_division_is_in_doubles_so_a_decimal_literal_does_not_round_to_six_places():
    assert on_spark("select s / 86400.0 from t") == (
        "SELECT CAST(s AS DOUBLE) / CAST(86400.0 AS DOUBLE) FROM t"
    )


@pytest.mark.parametrize("name", DATA_QUERIES)
def test_every_data_query_reaches_spark_with_named_markers_and_no_approximate_median(name):
    sql = spark_sql(name)
    assert "$" not in re.sub(r"'[^']*'|/\*.*?\*/", "", sql, flags=re.DOTALL)
    assert "PERCENTILE_APPROX" not in sql and "APPROX" not in sql
    # each datediff left in the text is Spark's two-date form written by the rewrite
    for node in sqlglot.parse_one(sql, read="spark").find_all(exp.DateDiff):
        assert node.args.get("unit") is None or node.text("unit").upper() == "DAY"


@pytest.mark.parametrize("dialect", ["snowflake", "bigquery"])
@pytest.mark.parametrize("name", DATA_QUERIES)
def test_every_data_query_transpiles_to_snowflake_and_bigquery(name, dialect):
    # what SQLGlot wrote reads back in that dialect as one query
    assert isinstance(sqlglot.parse_one(transpiled(name, dialect), read=dialect), exp.Query)


def test_the_spark_text_is_built_once_per_query():
    assert dialects.spark_sql("kpi/mql_to_sql") is dialects.spark_sql("kpi/mql_to_sql")
