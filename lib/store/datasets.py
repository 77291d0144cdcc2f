"""The workspace's datasets: the import log, which one is current, and what one holds."""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd

from lib.features.files import FeatureFile, about_from_text, about_text
from lib.store.connection import PROJECT_ROOT, run_here, run_query
from lib.store.state import Workspace, state

SAMPLE_EXPORT = PROJECT_ROOT / "data" / "sample" / "salesforce_sample.zip"
FEATURE_FILE = "feature file"  # the source format of a dataset opened from a feature file


@dataclass(frozen=True)
class Dataset:
    """One import kept in the workspace: its version, what it was read from and what it holds."""

    version: str
    imported_at: datetime
    source_format: str
    files: tuple[str, ...]
    warnings: tuple[str, ...]
    rows: dict[str, int] = field(default_factory=dict)
    author: str | None = None
    is_current: bool = False
    feature_file: FeatureFile | None = None  # how its leads were measured, for a feature file

    @property
    def is_sample(self) -> bool:
        """Return True when the data is the bundled sample export."""
        return any(f.startswith(SAMPLE_EXPORT.name) for f in self.files)

    @property
    def kind(self) -> str:
        """Return what the dataset holds: 'feature file' (per-lead features) or 'CRM export'."""
        return FEATURE_FILE if self.feature_file is not None else "CRM export"

    @property
    def records(self) -> int:
        """Return the number of records in all tables."""
        return sum(self.rows.values())


def kept_datasets(workspace: Workspace) -> list[Dataset]:
    """Return every dataset whose data is kept, the current one first, then by recency of use."""
    with state(workspace) as conn:
        rows = run_query(conn, "store/datasets_kept")
    return [_dataset(row) for row in rows.to_dict("records")]


def current_dataset(workspace: Workspace) -> Dataset | None:
    """Return the dataset the workspace serves, or None before anything was imported."""
    kept = kept_datasets(workspace)
    return kept[0] if kept and kept[0].is_current else None


def find_dataset(workspace: Workspace, version: str) -> Dataset | None:
    """Return one kept dataset by its version, or None when it is not kept."""
    return next((d for d in kept_datasets(workspace) if d.version == version), None)


def _dataset(row: Mapping[Hashable, Any]) -> Dataset:
    return Dataset(
        version=str(row["version"]),
        imported_at=pd.Timestamp(row["imported_at"]).to_pydatetime(),
        source_format=str(row["source_format"]),
        files=tuple(f[0] for f in json.loads(row["files"])),
        warnings=tuple(json.loads(row["warnings"])),
        rows=dict(json.loads(row["row_counts"])),
        author=None if pd.isna(row["author"]) else str(row["author"]),
        is_current=bool(row["is_current"]),
        feature_file=None
        if pd.isna(row["feature_file"])
        else about_from_text(row["feature_file"], row["version"]),
    )


def record_dataset(
    conn: duckdb.DuckDBPyConnection,
    version: str,
    *,
    imported_at: datetime,
    source_format: str,
    files: list[tuple[str, str, int]],
    rows: dict[str, int],
    warnings: list[str],
    author: str | None = None,
    identity: str | None = None,
    feature_file: FeatureFile | None = None,
) -> None:
    """Add one import to the state's log (its data file must already be in place); a dataset
    opened from a feature file records how its leads were measured."""
    run_here(
        conn,
        "store/dataset_record",
        {
            "version": version,
            "imported_at": imported_at,
            "source_format": source_format,
            "files": json.dumps(files),
            "row_counts": json.dumps(rows),
            "warnings": json.dumps(warnings),
            "author": author,
            "identity": identity,
            "feature_file": None if feature_file is None else about_text(feature_file),
        },
    )


def switch_dataset(
    conn: duckdb.DuckDBPyConnection,
    version: str,
    action: str,
    *,
    author: str | None = None,
    identity: str | None = None,
    at: datetime | None = None,
) -> None:
    """Make a recorded dataset the current one, logged as `action` (import, restore, migrate)."""
    run_here(
        conn,
        "store/dataset_switch",
        {
            "changed_at": at or datetime.now(UTC).replace(tzinfo=None),
            "version": version,
            "action": action,
            "author": author,
            "identity": identity,
        },
    )


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
