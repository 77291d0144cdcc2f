"""What the database holds: the current import, its period and channels, and the bundled sample."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import duckdb

from lib.ingest import ImportReport, import_sources
from lib.store.connection import PROJECT_ROOT, run_query

SAMPLE_EXPORT = PROJECT_ROOT / "data" / "sample" / "salesforce_sample.zip"


@dataclass(frozen=True)
class Dataset:
    """The import the database currently holds (version changes on every import)."""

    version: str
    source_format: str
    files: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def is_sample(self) -> bool:
        """Return True when the data is the bundled sample export."""
        return any(f.startswith(SAMPLE_EXPORT.name) for f in self.files)


def current_dataset(conn: duckdb.DuckDBPyConnection) -> Dataset | None:
    """Return the latest import, or None when nothing was imported yet."""
    rows = run_query(conn, "store/imports_latest")
    if rows.empty:
        return None
    row = rows.iloc[0]
    return Dataset(
        str(row["imported_at"]),
        str(row["source_format"]),
        tuple(f[0] for f in json.loads(row["files"])),
        tuple(json.loads(row["warnings"])),
    )


def import_sample(conn: duckdb.DuckDBPyConnection, progress=None) -> ImportReport:  # noqa: ANN001
    """Import the bundled sample export, through the same importer a user's files take."""
    return import_sources(conn, [SAMPLE_EXPORT], progress=progress)


def channels(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Return every channel in the data, sorted."""
    return run_query(conn, "staging/channels")["channel"].tolist()


def data_period(conn: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """Return the first and last day the data covers, or None when empty."""
    row = run_query(conn, "staging/data_period").iloc[0]
    if row.isna().any():
        return None
    return row["first_day"].date() if hasattr(row["first_day"], "date") else row["first_day"], row[
        "last_day"
    ].date() if hasattr(row["last_day"], "date") else row["last_day"]
