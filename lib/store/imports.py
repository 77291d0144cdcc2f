"""Imports into a workspace: read into a new data file, applied by one commit, reversible.

An import is staged into its own DuckDB file in a private folder; a refusal deletes the folder
and the workspace is byte-for-byte as it was. Applying it renames the file into the datasets
folder and commits the import log and the current pointer together, so a process killed at any
moment leaves exactly the old or exactly the new data. Earlier datasets are kept for a restore.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock

from lib.errors import DatabaseError, QualifyError, ShrinkingImport, VersionConflict
from lib.features.files import FeatureFile
from lib.ingest import ImportOptions, ImportReport, Progress, import_sources
from lib.ingest.uploads import save_uploads
from lib.store.connection import connect, run_here, transaction
from lib.store.datasets import (
    SAMPLE_EXPORT,
    Dataset,
    current_dataset,
    kept_datasets,
    record_dataset,
    switch_dataset,
)
from lib.store.state import (
    DATA_FILE,
    Workspace,
    begin_work,
    current_versions,
    end_work,
    new_version,
    remove_dataset_file,
    state,
)


@dataclass(frozen=True)
class Upload:
    """A file a person uploaded: the name it had on their machine and its bytes."""

    name: str
    content: bytes


Source = str | os.PathLike[str] | Upload


@dataclass(frozen=True)
class StagedImport:
    """An import read and checked into its own data file, not yet the workspace's data."""

    workspace: Workspace
    version: str
    report: ImportReport
    based_on: str | None  # the dataset that was current when reading finished
    before: dict[str, int]  # its rows per table
    folder: Path = field(repr=False)
    lock: FileLock = field(repr=False, compare=False)
    feature_file: FeatureFile | None = None  # how its leads were measured, for a feature file

    @property
    def after(self) -> dict[str, int]:
        """Return the rows per table this import holds."""
        return self.report.rows

    @property
    def shrinking(self) -> tuple[str, ...]:
        """Return the tables this import would empty or shrink by more than half."""
        return shrinking_tables(self.before, self.after)


def shrinking_tables(before: dict[str, int], after: dict[str, int]) -> tuple[str, ...]:
    """Return the tables that held rows and would be emptied or left with under half of them."""
    return tuple(t for t, rows in before.items() if rows and 2 * after.get(t, 0) < rows)


def stage_import(
    workspace: Workspace,
    sources: Sequence[Source],
    *,
    source_format: str = "auto",
    mapping: Source | None = None,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> StagedImport:
    """Read and check exports into a new data file; ImportRefused on a bad export, with the
    file deleted and the workspace unchanged."""
    version = new_version()
    folder, lock = begin_work(workspace, version)
    try:
        paths = source_paths(sources, folder)
        mapping_path = source_paths([mapping], folder)[0] if mapping is not None else None
        with connect(folder / DATA_FILE) as conn:
            report = import_sources(
                conn,
                paths,
                source_format=source_format,
                mapping=mapping_path,
                progress=progress,
                options=options,
            )
            conn.execute("checkpoint")
        current = current_dataset(workspace)
    except BaseException:
        end_work(folder, lock)
        raise
    return StagedImport(
        workspace,
        version,
        report,
        current.version if current else None,
        dict(current.rows) if current else {},
        folder,
        lock,
    )


def source_paths(sources: Sequence[Source], folder: Path) -> list[str | os.PathLike[str]]:
    """Return each source as a path; uploads are written into the import's own folder."""
    uploads = [(s.name, s.content) for s in sources if isinstance(s, Upload)]
    saved = iter(save_uploads(uploads, _mkdir(folder / "uploads")) if uploads else [])
    return [next(saved) if isinstance(s, Upload) else s for s in sources]


def _mkdir(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return folder


def apply_import(
    staged: StagedImport,
    *,
    replace: bool = False,
    author: str | None = None,
    identity: str | None = None,
) -> Dataset:
    """Make a staged import the current dataset, keeping the `keep` most recent others.

    Refused, changing nothing and leaving the staged import for `discard_import`: with
    ShrinkingImport when it would empty or halve a table and `replace` is not set, with
    VersionConflict when another import became current after this one was read.
    """
    if staged.shrinking and not replace:
        raise ShrinkingImport(staged.before, staged.after, staged.shrinking)
    workspace, now = staged.workspace, datetime.now(UTC).replace(tzinfo=None)
    target = workspace.dataset_file(staged.version)
    with state(workspace) as conn:
        try:
            with transaction(conn):
                _refuse_if_moved(conn, staged.based_on, "import again to replace it")
                os.replace(staged.folder / DATA_FILE, target)
                _sync_folder(workspace.datasets_dir)
                record_dataset(
                    conn,
                    staged.version,
                    imported_at=now,
                    source_format=staged.report.source_format,
                    files=staged.report.files,
                    rows=staged.after,
                    warnings=staged.report.warnings,
                    author=author,
                    identity=identity,
                    feature_file=staged.feature_file,
                )
                switch_dataset(conn, staged.version, "import", author=author, identity=identity)
                pruned = _prune(conn, workspace.keep, now)
        except BaseException as exc:
            if target.exists():
                os.replace(target, staged.folder / DATA_FILE)
            if isinstance(exc, DatabaseError):  # another thread's change landed at this moment
                raise _simultaneous(exc, "import again to replace it") from exc
            raise
    for version in pruned:
        remove_dataset_file(workspace.dataset_file(version))
    end_work(staged.folder, staged.lock)
    return _kept(workspace, staged.version)


def _simultaneous(error: DatabaseError, then: str) -> VersionConflict:
    return VersionConflict(
        f"Not applied: another change to the data landed at the same moment. Nothing was "
        f"changed; {then}. ({error})"
    )


def _refuse_if_moved(conn: duckdb.DuckDBPyConnection, based_on: str | None, then: str) -> None:
    value = run_here(conn, "store/current_versions")["dataset"].iloc[0]
    current = None if pd.isna(value) else str(value)
    if current != based_on:
        raise VersionConflict(
            f"Not applied: another import became the current data ({current}) while this one "
            f"was prepared. Nothing was changed; {then}."
        )


def _prune(conn: duckdb.DuckDBPyConnection, keep: int, now: datetime) -> list[str]:
    versions = list(run_here(conn, "store/datasets_beyond_kept", {"keep": keep})["version"])
    for version in versions:
        run_here(conn, "store/dataset_remove", {"version": version, "removed_at": now})
    return versions


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk before the commit that names the file (POSIX only)."""
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _kept(workspace: Workspace, version: str) -> Dataset:
    return next(d for d in kept_datasets(workspace) if d.version == version)


def discard_import(staged: StagedImport) -> None:
    """Delete a staged import that was not applied; the workspace is as it was."""
    end_work(staged.folder, staged.lock)


def import_data(
    workspace: Workspace,
    sources: Sequence[Source],
    *,
    replace: bool = False,
    author: str | None = None,
    identity: str | None = None,
    source_format: str = "auto",
    mapping: Source | None = None,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Stage and apply an import in one step; on any refusal the workspace is unchanged."""
    staged = stage_import(
        workspace,
        sources,
        source_format=source_format,
        mapping=mapping,
        options=options,
        progress=progress,
    )
    try:
        return apply_import(staged, replace=replace, author=author, identity=identity)
    except BaseException:
        discard_import(staged)
        raise


def import_sample(
    workspace: Workspace,
    *,
    replace: bool = False,
    author: str | None = None,
    identity: str | None = None,
) -> Dataset:
    """Import the bundled sample export, through the same importer a person's files take."""
    return import_data(
        workspace, [SAMPLE_EXPORT], replace=replace, author=author, identity=identity
    )


def import_sample_if_empty(workspace: Workspace, identity: str | None = None) -> None:
    """Give a workspace with no data the bundled sample, recorded under `identity` (another
    process doing it first is fine)."""
    if current_versions(workspace).dataset is None:
        try:
            import_sample(workspace, identity=identity)
        except VersionConflict:
            pass


def restore_dataset(
    workspace: Workspace,
    version: str,
    *,
    based_on: str | None,
    author: str | None = None,
    identity: str | None = None,
) -> Dataset:
    """Make a kept earlier dataset the current one again and return it; VersionConflict when
    the current dataset is no longer `based_on` (the one the person saw)."""
    if not workspace.dataset_file(version).exists():
        raise QualifyError(
            f"Dataset {version} is not kept in this workspace; the kept ones are listed by "
            f"python -m lib.cli datasets --db {workspace.state_file}"
        )
    then = "look at the current data, then restore again"
    with state(workspace) as conn:
        try:
            with transaction(conn):
                _refuse_if_moved(conn, based_on, then)
                kept = set(run_here(conn, "store/datasets_kept")["version"])
                if version not in kept:
                    raise QualifyError(f"Dataset {version} is no longer kept in this workspace")
                if version != based_on:
                    switch_dataset(conn, version, "restore", author=author, identity=identity)
        except DatabaseError as exc:
            raise _simultaneous(exc, then) from exc
    return _kept(workspace, version)
