"""Migrate a previous version's single database file into the workspace layout.

That file held the canonical tables, the `imports` log and `model_versions` together. Its data
moves into a dataset file and its log and model versions into a new state file, built beside it
and swapped in by one rename: a migration killed at any moment leaves the old file as it was.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock, Timeout

from lib.errors import WorkspaceBusy
from lib.store.connection import named_query, run_query
from lib.store.datasets import record_dataset, switch_dataset
from lib.store.schema import STORED_TABLES, TABLES, create_table_sql
from lib.store.state import (
    DATA_FILE,
    STATE_TABLES,
    Workspace,
    begin_work,
    end_work,
    new_version,
    state,
)

STATE_FILE = "state.duckdb"  # the new state, built inside the migration's private folder
MIGRATION_WAIT_SECONDS = 600.0  # another process migrating a large file: copying 1M leads


def is_legacy(conn: duckdb.DuckDBPyConnection) -> bool:
    """Return True when the open file is a previous version's single database file."""
    tables = set(run_query(conn, "store/base_tables")["table_name"])
    return "dataset_changes" not in tables and bool(tables & {*TABLES, "imports", "model_versions"})


def migrate_legacy(workspace: Workspace) -> str | None:
    """Move a previous version's file into the workspace layout, keeping its data, import log
    and every published model version; return the migrated dataset's version (None: nothing to
    migrate, or no data in it)."""
    if not workspace.state_file.exists():
        return None
    with state(workspace) as conn:
        if not is_legacy(conn):
            return None
    # another process may be migrating the same file: one at a time, each checks again
    migration = FileLock(workspace.datasets_dir / ".migrate.lock", thread_local=False)
    try:
        migration.acquire(timeout=MIGRATION_WAIT_SECONDS)
    except Timeout as exc:
        raise WorkspaceBusy(f"Another process is still migrating {workspace.state_file}") from exc
    try:
        return _migrate(workspace)
    finally:
        migration.release()


def _migrate(workspace: Workspace) -> str | None:
    with state(workspace) as legacy:
        if not is_legacy(legacy):
            return None
        tables = set(run_query(legacy, "store/base_tables")["table_name"])
        counts = {
            t: legacy.execute(f"select count(*) from {t}").fetchall()[0][0] if t in tables else 0
            for t in TABLES
        }
        log = run_query(legacy, "store/legacy_imports") if "imports" in tables else pd.DataFrame()
        models = (
            run_query(legacy, "store/legacy_model_versions")
            if "model_versions" in tables
            else pd.DataFrame()
        )
        latest = log["imported_at"].iloc[-1] if len(log) else datetime.now(UTC)
        version = new_version(pd.Timestamp(latest).to_pydatetime())
        has_data = any(counts.values())
        folder, lock = begin_work(workspace, version)
        try:
            if has_data:
                _copy_data(legacy, folder / DATA_FILE, tables)
            _write_state(folder / STATE_FILE, models, log, version if has_data else None, counts)
        except BaseException:
            end_work(folder, lock)
            raise
    # the old file is untouched until this rename: a kill before it leaves an orphan data file
    # for the next sweep, and the next open migrates again
    if has_data:
        os.replace(folder / DATA_FILE, workspace.dataset_file(version))
    os.replace(folder / STATE_FILE, workspace.state_file)
    end_work(folder, lock)
    return version if has_data else None


def _copy_data(legacy: duckdb.DuckDBPyConnection, target: Path, tables: set[str]) -> None:
    """Copy the canonical tables into a new data file (a table the old file lacks is empty)."""
    legacy.execute("attach $path as incoming", {"path": str(target)})
    for table in STORED_TABLES:
        legacy.execute(create_table_sql(table, f"incoming.{table}"))
        if table in tables:
            legacy.execute(f"insert into incoming.{table} by name select * from main.{table}")
    legacy.execute("detach incoming")


def _write_state(
    target: Path,
    models: pd.DataFrame,
    log: pd.DataFrame,
    version: str | None,
    counts: dict[str, int],
) -> None:
    """Build the new state file: every model version, and the import log with the latest
    import as the current dataset (the older imports' data was already gone)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    entries = log.to_dict("records")
    if version is not None and not entries:  # data written by hand, never through an import
        entries = [
            {"imported_at": now, "source_format": "unknown", "files": "[]", "warnings": "[]"}
        ]
    with duckdb.connect(str(target)) as fresh:
        for ddl in STATE_TABLES:
            fresh.execute(named_query(ddl))
        if len(models):
            fresh.register("legacy_models", models)
            fresh.execute("insert into model_versions by name select * from legacy_models")
        for i, entry in enumerate(entries):
            imported_at = pd.Timestamp(entry["imported_at"]).to_pydatetime()
            is_data = version is not None and i == len(entries) - 1
            kept_as = version if version is not None and is_data else new_version(imported_at)
            record_dataset(
                fresh,
                kept_as,
                imported_at=imported_at,
                source_format=str(entry["source_format"]),
                files=json.loads(entry["files"]),
                rows=counts if is_data else json.loads(entry.get("row_counts") or "{}"),
                warnings=json.loads(entry["warnings"]),
            )
            switch_dataset(fresh, kept_as, "import", at=imported_at)
            if not is_data:
                run_query(fresh, "store/dataset_remove", {"version": kept_as, "removed_at": now})
