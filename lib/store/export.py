"""Write the canonical tables and the attribute tables as Parquet: what Spark reads, or a
warehouse loads."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from lib.errors import DatabaseError
from lib.store.schema import STORED_TABLES

BATCH_ROWS = 1_000_000  # streamed in batches: 10M activities never sit in memory at once


def export_tables(
    conn: duckdb.DuckDBPyConnection, folder: str | os.PathLike[str]
) -> dict[str, int]:
    """Write folder/<table>.parquet for every canonical and attribute table (columns as in
    lib/store/schema.py) and return the rows written per table; a file is replaced only once
    it is complete."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    return {table: _write_table(conn, table, out / f"{table}.parquet") for table in STORED_TABLES}


def _write_table(conn: duckdb.DuckDBPyConnection, table: str, path: Path) -> int:
    """Stream one table into path through a temporary file; return its rows."""
    partial = path.with_name(f".{path.name}.partial")
    columns = ", ".join(STORED_TABLES[table])  # identifiers from the schema's constants
    cur = conn.cursor()
    rows = 0
    try:
        reader = cur.sql(f"select {columns} from {table}").to_arrow_reader(BATCH_ROWS)
        with pq.ParquetWriter(partial, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    except duckdb.Error as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"Cannot read table {table}: {exc}") from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"Cannot write {path}: {exc}") from exc
    finally:
        cur.close()
    partial.replace(path)
    return rows
