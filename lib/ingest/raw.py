"""Load the columns a rule reads from one file into DuckDB, by position, as c<i>."""

from __future__ import annotations

import re

import duckdb

from lib.errors import ImportRefused
from lib.ingest.source import SourceFile


def load_raw(
    cur: duckdb.DuckDBPyConnection, source: SourceFile, name: str, needed: list[int]
) -> dict[int, str]:
    """Make `name` hold the needed columns as c<i> (i = position in the file); return types.

    Only the columns a rule reads are kept: a 5,000-column export costs what its used columns
    cost. A CSV becomes a temporary table of text; a Parquet file stays a view of its typed
    columns, with `rowid` its row number.
    """
    needed = needed or [0]
    if source.is_parquet:
        rel = cur.read_parquet(str(source.path), file_row_number=True)
        names = rel.columns[:-1]
        cur.register(
            name,
            rel.select(
                *[duckdb.ColumnExpression(names[i]).alias(f"c{i}") for i in needed],
                duckdb.ColumnExpression(rel.columns[-1]).alias("rowid"),
            ),
        )
        described = cur.execute(f"select column_name, column_type from (describe {name})")
        return {int(c[1:]): t for c, t in described.fetchall() if c != "rowid"}
    # no sniffing: the dialect is known, and a bad row then fails with its line number
    rel = cur.read_csv(
        str(source.path),
        header=False,
        skiprows=1,
        auto_detect=False,
        sep=source.delimiter,
        quotechar='"',
        escapechar='"',
        columns={f"c{i}": "VARCHAR" for i in range(len(source.headers))},
        null_padding=False,
    )
    cur.register(f"{name}_file", rel)
    try:
        cur.execute(
            f"create temp table {name} as select {', '.join(f'c{i}' for i in needed)} "
            f"from {name}_file"
        )
    except duckdb.Error as exc:
        row, reason = _csv_error(exc)
        raise ImportRefused(source.name, f"malformed row: {reason}", row=row) from exc
    finally:
        cur.unregister(f"{name}_file")
    return dict.fromkeys(needed, "VARCHAR")


def drop_raw(cur: duckdb.DuckDBPyConnection, source: SourceFile, name: str) -> None:
    """Drop what load_raw made."""
    if source.is_parquet:
        cur.unregister(name)
    else:
        cur.execute(f"drop table if exists {name}")


def _csv_error(exc: Exception) -> tuple[int | None, str]:
    """Return the spreadsheet row (header = 1) and the reason DuckDB gives for a bad CSV."""
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if found:
        reason = f"{found[2]} fields where the header row has {found[1]}"
    elif "unterminated quote" in text:
        reason = "a quoted value is never closed"
    else:
        reason = first_line(exc)
    return (int(line[1]) if line else None), reason


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]
