"""Run the named queries on Apache Spark: local (`local[2]`), a cluster, or Spark Connect.

DuckDB stays the engine of the app and of every command by default; a `SparkEngine` runs the
same lib/sql queries with the same parameters where the CRM history is too big to pull down
(lib.store.dialects translates them), and only their small results come back. Each result is
cast to the column types DuckDB gives the same query and turned into pandas by DuckDB, so a
frame from Spark has the dtypes, and the values, a frame from DuckDB has.

pyspark is imported only here and only when a Spark engine is asked for: the app never needs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import duckdb
import pandas as pd
import pyarrow as pa

from lib.errors import EngineError
from lib.store.connection import connect, named_query
from lib.store.dialects import spark_sql
from lib.store.schema import ATTRIBUTE_TABLES, STORED_TABLES
from lib.store.staging import query_parameters

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

DEFAULT_MASTER = "local[2]"
CONNECT_PORT = 15002  # Spark Connect's default port
REACH_SECONDS = 5.0  # how long to wait for a Spark Connect server to answer the door
# DuckDB's TIMESTAMP has no time zone: Spark reads and casts timestamps the same way (NTZ),
# and any zone-aware conversion happens in UTC, never in the machine's local zone.
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
}
# a local session: no web UI or progress bars on the terminal, and few shuffle partitions (the
# default 200 cost ~3x on the sample; adaptive execution merges them further)
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    # the driver and its executors talk over loopback only, never the machine's other addresses
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
PANDAS_NOTICE = "PySpark does not yet fully support pandas"  # results never pass pyspark's pandas
SPARK_TYPES = {
    "VARCHAR": "string",
    "DOUBLE": "double",
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp_ntz",
    "DATE": "date",
}
INSTALL_HINT = (
    "pip install -r requirements-spark.txt (pyspark) and Java 17 (openjdk-17-jre-headless)"
)


@dataclass
class SparkEngine:
    """Runs lib/sql queries on a Spark session whose canonical tables are registered as views."""

    session: SparkSession
    source: str  # where the tables came from, for messages
    lacking: tuple[str, ...] = ()  # attribute tables not found there, read as empty
    _types: duckdb.DuckDBPyConnection = field(default_factory=lambda: connect(":memory:"))
    _lock: Lock = field(default_factory=Lock)

    def query(self, name: str, params: Mapping[str, Any]) -> pd.DataFrame:
        """Return the query's rows as DuckDB would: same columns, dtypes and order by."""
        arguments = query_parameters(named_query(name), params)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", PANDAS_NOTICE, FutureWarning)
                frame = self.session.sql(spark_sql(name), args=_spark_arguments(arguments))
                rows = frame.toArrow()
        except Exception as exc:  # pyspark raises many classes; each becomes one message
            raise EngineError(f"Query '{name}' failed on Spark ({self.source}): {exc}") from exc
        return self._as_duckdb_frame(name, arguments, rows)

    def _as_duckdb_frame(
        self, name: str, arguments: Mapping[str, Any], rows: pa.Table
    ) -> pd.DataFrame:
        """Return rows cast to the types DuckDB gives the same query, converted by DuckDB."""
        with self._lock:  # one empty in-memory database types every query of this engine
            cur = self._types.cursor()
        try:
            shape = cur.sql(named_query(name), params=dict(arguments))
            if list(shape.columns) != list(rows.column_names):
                raise EngineError(
                    f"Query '{name}' returned columns {rows.column_names} on Spark "
                    f"and {shape.columns} on DuckDB"
                )
            cur.register("spark_rows", rows)
            # identifiers are the query's own column names, quoted; no value enters the text
            columns = ", ".join(
                f'cast("{c}" as {t}) as "{c}"'
                for c, t in zip(shape.columns, shape.types, strict=True)
            )
            return cur.execute(f"select {columns} from spark_rows").df()
        finally:
            cur.close()


def _spark_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """Return the parameters as Spark's sql() takes them: lists of records as array(struct)."""
    return {name: _spark_value(value) for name, value in arguments.items()}


def _spark_value(value: Any) -> Any:
    """Return a parameter value Spark binds as DuckDB would: records become struct literals."""
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        from pyspark.sql import functions as F

        return F.array(*[_struct(record) for record in value])
    if isinstance(value, (bool, int, float, str, date, datetime)) or isinstance(value, list):
        return value
    raise TypeError(f"no Spark parameter for a {type(value).__name__}")


def _struct(record: Mapping[str, Any]) -> Column:
    """Return one record as a Spark struct literal with the record's field names."""
    from pyspark.sql import functions as F

    return F.struct(*[F.lit(value).alias(key) for key, value in record.items()])


@contextmanager
def spark_session(
    master: str | None = None, remote: str | None = None, conf: Mapping[str, str] | None = None
) -> Iterator[SparkSession]:
    """Yield a Spark session: Spark Connect at `remote` (sc://HOST:PORT), else `master`, with
    `conf` added when it starts one; a session it started is stopped at the end, one that was
    already running in this process is reused and left running."""
    if remote:
        _check_reachable(remote)
    elif not _java_found():
        raise EngineError(f"Spark needs Java and none was found: {INSTALL_HINT}")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", PANDAS_NOTICE, FutureWarning)
            from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError(f"The Spark engine needs pyspark: {INSTALL_HINT}") from exc
    running = SparkSession.getActiveSession()
    if remote:
        builder = SparkSession.builder.remote(remote)
    else:
        builder = SparkSession.builder.master(master or DEFAULT_MASTER)
        for key, value in (LOCAL_CONF | dict(conf or {})).items():
            builder = builder.config(key, value)
    try:
        session = builder.appName("qualify").getOrCreate()
        for key, value in SESSION_CONF.items():
            session.conf.set(key, value)
    except Exception as exc:
        where = remote or master or DEFAULT_MASTER
        raise EngineError(f"Spark could not start a session on {where}: {exc}") from exc
    if not remote:
        session.sparkContext.setLogLevel("ERROR")  # Spark's warnings are not the user's to act on
    try:
        yield session
    finally:
        if session is not running:
            session.stop()


def _java_found() -> bool:
    """Return True when a java launcher is on the path or under $JAVA_HOME."""
    home = os.environ.get("JAVA_HOME")
    return bool(shutil.which("java")) or bool(home and (Path(home) / "bin" / "java").is_file())


def connect_address(remote: str) -> tuple[str, int]:
    """Return the host and port of a Spark Connect URL (sc://HOST[:PORT][/;params])."""
    parts = urlsplit(remote)
    if parts.scheme != "sc" or not parts.hostname:
        raise EngineError(
            f"'{remote}' is not a Spark Connect address: give sc://HOST:{CONNECT_PORT}"
        )
    try:
        return parts.hostname, parts.port or CONNECT_PORT
    except ValueError as exc:
        raise EngineError(f"'{remote}' has no usable port: {exc}") from exc


def _check_reachable(remote: str) -> None:
    """Refuse at once when nothing listens at the address (the client would retry for minutes)."""
    host, port = connect_address(remote)
    try:
        with socket.create_connection((host, port), timeout=REACH_SECONDS):
            pass
    except OSError as exc:
        raise EngineError(
            f"No Spark Connect server answers at {remote} ({host}:{port}): {exc}. "
            "Start one (sbin/start-connect-server.sh) or check the address."
        ) from exc


def parquet_tables(session: SparkSession, folder: str | os.PathLike[str]) -> SparkEngine:
    """Return an engine over the canonical tables in folder (TABLE.parquet or TABLE/ of parts)."""
    root = Path(folder)
    if not root.is_dir():
        raise EngineError(f"{root} is not a folder of Parquet tables (export-tables writes one)")
    lacking = []
    for table in STORED_TABLES:
        path = next((p for p in (root / f"{table}.parquet", root / table) if p.exists()), None)
        if path is None and table in ATTRIBUTE_TABLES:
            lacking.append(table)
            _register_empty(session, table)
        elif path is None:
            raise EngineError(f"{root} has no {table}.parquet (nor a {table}/ folder of parts)")
        else:
            _register(table, _read(partial(session.read.parquet, str(path)), str(path)))
    return SparkEngine(session, str(root), tuple(lacking))


def catalog_tables(session: SparkSession, schema: str) -> SparkEngine:
    """Return an engine over the canonical tables as Spark tables in CATALOG.SCHEMA (or SCHEMA)."""
    parts = schema.split(".")
    if not 1 <= len(parts) <= 2 or not all(p.replace("_", "").isalnum() for p in parts):
        raise EngineError(f"'{schema}' is not CATALOG.SCHEMA: letters, digits and _ only")
    lacking = []
    for table in STORED_TABLES:
        name = f"{schema}.{table}"
        if table in ATTRIBUTE_TABLES and not session.catalog.tableExists(name):
            lacking.append(table)
            _register_empty(session, table)
        else:
            _register(table, _read(partial(session.table, name), name))
    return SparkEngine(session, schema, tuple(lacking))


def _read(reader: Callable[[], DataFrame], where: str) -> DataFrame:
    """Return the DataFrame reader() gives, or an EngineError naming where it was read from."""
    try:
        return reader()
    except Exception as exc:
        raise EngineError(f"Spark cannot read {where}: {exc}") from exc


def _register(table: str, frame: DataFrame) -> None:
    """Register frame as the canonical table's view: its columns by name, cast to their types."""
    from pyspark.sql import functions as F

    present = {c.lower() for c in frame.columns}
    missing = [c for c in STORED_TABLES[table] if c not in present]
    if missing:
        raise EngineError(
            f"Table {table} lacks the column(s) {', '.join(missing)}: every column of "
            "lib/store/schema.py is needed (export-tables writes them all)"
        )
    typed = [F.col(c).cast(SPARK_TYPES[t]).alias(c) for c, (t, _) in STORED_TABLES[table].items()]
    frame.select(*typed).createOrReplaceTempView(table)


def _register_empty(session: SparkSession, table: str) -> None:
    """Register an attribute table the source lacks as an empty view of its columns (as a
    dataset imported before attributes reads on DuckDB: no lead has a value)."""
    columns = ", ".join(f"{c} {SPARK_TYPES[t]}" for c, (t, _) in STORED_TABLES[table].items())
    session.createDataFrame([], columns).createOrReplaceTempView(table)
