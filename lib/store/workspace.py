"""Open a workspace (creating it, migrating a previous version's file, sweeping leftovers) and
its datasets, each read-only so that any number of processes read while another imports."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from lib.errors import DatabaseError, QualifyError
from lib.store.connection import connect, database_path, named_query, run_query
from lib.store.legacy import migrate_legacy
from lib.store.schema import ATTRIBUTE_TABLES, TABLES, compatible_view_sql
from lib.store.state import (
    KEEP_DATASETS,
    STATE_TABLES,
    WORK_PREFIX,
    Workspace,
    held,
    lock_file,
    remove_dataset_file,
    state,
    unlink,
)

KEEP_ENV_VAR = "QUALIFY_KEEP_DATASETS"


def open_workspace(
    path: str | os.PathLike[str] | None = None, *, create: bool = True, keep: int | None = None
) -> Workspace:
    """Return the workspace at path (else $QUALIFY_DB, else var/qualify.duckdb): created when
    `create`, a previous version's single file migrated, leftovers of killed imports swept."""
    file = database_path(path).resolve()
    if not create and not file.exists():
        raise DatabaseError(
            f"There is no workspace at {file}: import data into it first "
            f"(python -m lib.cli import EXPORT --db {file})"
        )
    workspace = Workspace(file, keep if keep is not None else _keep_from_env())
    try:
        workspace.datasets_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"Cannot create the workspace folder {exc.filename}: {exc}") from exc
    migrate_legacy(workspace)
    with state(workspace) as conn:
        for ddl in STATE_TABLES:
            conn.execute(named_query(ddl))
    sweep(workspace)
    return workspace


def _keep_from_env() -> int:
    text = os.environ.get(KEEP_ENV_VAR, str(KEEP_DATASETS))
    if not text.isdigit():
        raise QualifyError(f"${KEEP_ENV_VAR} must be a whole number of datasets, not {text!r}")
    return int(text)


def sweep(workspace: Workspace) -> list[Path]:
    """Delete what killed imports left (their folders, data files the state does not name) and
    return the paths removed; running imports and kept datasets are left alone."""
    folder = workspace.datasets_dir
    removed = []
    for entry in sorted(folder.glob(f"{WORK_PREFIX}*")):
        version = entry.name.removeprefix(WORK_PREFIX).removesuffix(".lock")
        if not entry.exists() or held(lock_file(workspace, version)):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            unlink(entry)
        removed.append(entry)
    files = sorted(folder.glob("*.duckdb"))
    # locks first, the state after: an import that has let go of its lock has committed
    running = {f.stem for f in files if held(lock_file(workspace, f.stem))}
    with state(workspace) as conn:
        kept = set(run_query(conn, "store/datasets_kept")["version"])
    for file in files:
        if file.stem not in kept | running:
            remove_dataset_file(file)
            removed.append(file)
    return removed


def open_dataset(workspace: Workspace, version: str | None) -> duckdb.DuckDBPyConnection:
    """Return a read-only connection to a dataset's file (an empty in-memory one for None)."""
    if version is None:
        return connect(":memory:")
    file = workspace.dataset_file(version)
    if not file.exists():
        raise DatabaseError(
            f"The data file of dataset {version} is missing ({file}); restore another one "
            f"(python -m lib.cli datasets --db {workspace.state_file})"
        )
    try:
        return _dataset_views(file)
    except duckdb.Error as exc:
        raise DatabaseError(f"Cannot open the data file {file}: {exc}") from exc


def _dataset_views(file: Path) -> duckdb.DuckDBPyConnection:
    """Return an in-memory connection reading `file` (attached read-only) through views of the
    canonical tables as this version defines them, so a dataset written by an older Qualify,
    with fewer columns, still reads (new columns NULL). Cursors of it see the views too."""
    conn = duckdb.connect(":memory:")
    conn.execute("attach $file as data (read_only)", {"file": str(file)})
    present = conn.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = 'data'"
    ).fetchall()
    for table in TABLES:
        columns = {c for t, c in present if t == table}
        if not columns:
            raise DatabaseError(f"The data file {file} has no {table} table: restore another")
        conn.execute(compatible_view_sql(table, columns))
    for table in ATTRIBUTE_TABLES:  # kept source columns: none in a file written before them
        conn.execute(compatible_view_sql(table, {c for t, c in present if t == table}))
    return conn
