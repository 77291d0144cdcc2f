"""Connect to the Qualify DuckDB file and run named, parameterised queries on cursors."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd

from lib.errors import DatabaseError
from lib.store.schema import STORED_TABLES, TABLES, create_table_sql
from lib.store.staging import query_parameters, staged_query

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DB_ENV_VAR = "QUALIFY_DB"
DEFAULT_DB = PROJECT_ROOT / "var" / "qualify.duckdb"


class QueryEngine(Protocol):
    """An engine other than DuckDB that runs the named queries (lib.store.engines.SparkEngine)."""

    def query(self, name: str, params: Mapping[str, Any]) -> pd.DataFrame:
        """Return lib/sql/<name>.sql's rows with the columns and dtypes DuckDB would give."""
        ...


# what the KPI and feature functions read from: the DuckDB connection, or another engine
Data = duckdb.DuckDBPyConnection | QueryEngine


def database_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the database file: the explicit path, else $QUALIFY_DB, else var/qualify.duckdb."""
    return Path(explicit or os.environ.get(DB_ENV_VAR) or DEFAULT_DB)


def connect(path: str | os.PathLike[str] | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database with every canonical table present."""
    file = database_path(path)
    if str(file) != ":memory:":
        file.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = duckdb.connect(str(file))
    except duckdb.Error as exc:
        raise DatabaseError(f"Cannot open the database {file}: {exc}") from exc
    for table in STORED_TABLES:
        conn.execute(create_table_sql(table))
    # here, once per connection: DDL on every read made concurrent sessions' reads conflict
    for ddl in ("store/model_versions_table", "store/imports_ddl"):
        conn.execute(named_query(ddl))
    return conn


def named_query(name: str) -> str:
    """Return lib/sql/<name>.sql as it runs: with the staging CTEs it names prepended."""
    return staged_query(name)


def run_query(conn: Data, name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run lib/sql/<name>.sql, its staging CTEs prepended, on its own cursor with the
    $-parameters it uses (from params, else the staging labels); other params are ignored.
    Another engine runs the same query with the same parameters."""
    if not isinstance(conn, duckdb.DuckDBPyConnection):
        return conn.query(name, params or {})
    sql = named_query(name)
    arguments = query_parameters(sql, params or {})
    cur = conn.cursor()
    try:
        return cur.execute(sql, arguments).df()
    except duckdb.Error as exc:
        raise DatabaseError(f"Query '{name}' failed: {exc}") from exc
    finally:
        cur.close()


def run_here(
    conn: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run lib/sql/<name>.sql on this connection itself, so it joins the transaction open there."""
    try:
        return conn.execute(named_query(name), dict(params or {})).df()
    except duckdb.Error as exc:
        raise DatabaseError(f"Query '{name}' failed: {exc}") from exc


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block as one transaction on conn: committed at its end, rolled back on an error
    (a commit that fails, such as a write conflict, raises DatabaseError)."""
    conn.execute("begin transaction")
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):
            conn.execute("rollback")
        raise
    try:
        conn.execute("commit")
    except duckdb.Error as exc:
        with suppress(duckdb.Error):
            conn.execute("rollback")
        raise DatabaseError(f"The change was not saved: {exc}") from exc


def table_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return the number of rows in each canonical table."""
    cur = conn.cursor()
    try:
        return {t: cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}
    finally:
        cur.close()


def data_as_of(conn: Data) -> pd.Timestamp | None:
    """Return the latest timestamp in the data (None when empty); ages are measured from it."""
    value = run_query(conn, "staging/data_as_of")["as_of"].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value)
