"""The state database of a workspace, opened for one short read or write at a time.

The state file (the path people pass as `--db`) holds the published model versions, the import
log and which dataset is current. Each import's data lives in its own DuckDB file under
`<state file>.datasets/`, written once by that import, so readers never wait for a writer.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock, Timeout

from lib.errors import DatabaseError, WorkspaceBusy
from lib.store.connection import run_query

KEEP_DATASETS = 5  # earlier datasets kept besides the current one
WAIT_SECONDS = 15.0  # how long a state read or write waits for another process
STATE_TABLES = (
    "store/datasets_table",
    "store/datasets_feature_file_column",
    "store/dataset_changes_table",
    "store/model_versions_table",
    "store/downloads_table",
)
WORK_PREFIX = ".import-"
DATA_FILE = "data.duckdb"  # an import's data file inside its private folder, until it is applied


@dataclass(frozen=True)
class Workspace:
    """Where a workspace lives, how many earlier datasets it keeps, how long it waits for a lock."""

    state_file: Path
    keep: int = KEEP_DATASETS
    wait_seconds: float = WAIT_SECONDS

    @property
    def datasets_dir(self) -> Path:
        """Return the folder beside the state file that holds one DuckDB file per dataset."""
        return self.state_file.with_name(self.state_file.name + ".datasets")

    def dataset_file(self, version: str) -> Path:
        """Return the data file of one dataset version."""
        return self.datasets_dir / f"{version}.duckdb"


@dataclass(frozen=True)
class Versions:
    """What a workspace serves now: the current dataset (None before any import) and model
    version (0: nothing published, the default model)."""

    dataset: str | None
    model: int


@contextmanager
def state(workspace: Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to the state file for one short read or write, then close it.

    One at a time across threads and processes: another holder is waited for (up to
    `wait_seconds`), then reported as WorkspaceBusy. A thread already inside may open it again.
    """
    with _state_lock(workspace):
        conn = _connect_waiting(workspace.state_file, workspace.wait_seconds)
        try:
            yield conn
        finally:
            conn.close()


_HELD = threading.local()  # per thread: the state locks it holds, and how deep


@contextmanager
def _state_lock(workspace: Workspace) -> Iterator[None]:
    """Hold the workspace's state lock. DuckDB's own lock on the file is a POSIX record lock,
    which a process loses when it closes any other descriptor of that file; this one (flock on
    a lock file of its own) is not, and it also orders the app's session threads."""
    locks: dict[Path, FileLock] = _HELD.__dict__.setdefault("locks", {})
    depth: dict[Path, int] = _HELD.__dict__.setdefault("depth", {})
    file = workspace.state_file
    if file not in locks:
        lock = FileLock(workspace.datasets_dir / ".state.lock", thread_local=False)
        try:
            lock.acquire(timeout=workspace.wait_seconds)
        except Timeout as exc:
            raise WorkspaceBusy(_busy_message(file, workspace.wait_seconds, "")) from exc
        locks[file], depth[file] = lock, 0
    depth[file] += 1
    try:
        yield
    finally:
        depth[file] -= 1
        if not depth[file]:
            del depth[file]
            locks.pop(file).release()


def _connect_waiting(file: Path, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline, pause = time.monotonic() + wait_seconds, 0.01
    while True:
        try:
            return duckdb.connect(str(file))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise DatabaseError(f"Cannot open the workspace {file}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise WorkspaceBusy(_busy_message(file, wait_seconds, str(exc))) from exc
        except duckdb.Error as exc:
            raise DatabaseError(f"Cannot open the workspace {file}: {exc}") from exc
        time.sleep(pause)
        pause = min(2 * pause, 0.25)


def _busy_message(file: Path, wait_seconds: float, error: str) -> str:
    holder = re.search(r"PID (\d+)", error)
    who = f"process {holder.group(1)}" if holder else "another process"
    return (
        f"The workspace {file} is busy: {who} has held it for {wait_seconds:g} s. Try again in a "
        "moment; if it stays busy, that process keeps the file open (an older Qualify, or a "
        "DuckDB shell) and must be closed."
    )


_MEMO_LOCK = threading.Lock()
_VERSIONS_MEMO: dict[Path, tuple[tuple[object, ...], Versions]] = {}


def current_versions(workspace: Workspace) -> Versions:
    """Return the current dataset and model versions; re-read only when the state file changed.

    A stat of the state file and its WAL (0.01 ms) stands in for opening the state (16-25 ms,
    bench/workspace.py), so every app run can ask. Every commit grows the WAL or rewrites the
    file, and two commits are at least one open apart, longer than the timestamp tick (~4 ms).
    """
    signature = _signature(workspace.state_file)
    with _MEMO_LOCK:
        memo = _VERSIONS_MEMO.get(workspace.state_file)
    if memo is not None and memo[0] == signature:
        return memo[1]
    with state(workspace) as conn:
        row = run_query(conn, "store/current_versions").iloc[0]
    versions = Versions(None if pd.isna(row["dataset"]) else str(row["dataset"]), int(row["model"]))
    with _MEMO_LOCK:
        _VERSIONS_MEMO[workspace.state_file] = (signature, versions)
    return versions


def _signature(file: Path) -> tuple[object, ...]:
    stats: list[object] = []
    for part in (file, file.with_name(file.name + ".wal")):
        try:
            s = part.stat()
        except FileNotFoundError:
            stats.append(None)
        else:
            stats.append((s.st_ino, s.st_size, s.st_mtime_ns))
    return tuple(stats)


def new_version(at: datetime | None = None) -> str:
    """Return a fresh dataset version: the time (default now, UTC) to the second, random hex."""
    return f"{at or datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def begin_work(workspace: Workspace, version: str) -> tuple[Path, FileLock]:
    """Return a new private folder for one import and the lock that marks it alive.

    The lock is taken before the folder exists and the operating system drops it when the
    process dies, so a sweep never removes the folder of an import that is still running.
    """
    lock = FileLock(lock_file(workspace, version), thread_local=False)
    lock.acquire(blocking=False)
    folder = workspace.datasets_dir / f"{WORK_PREFIX}{version}"
    folder.mkdir()
    return folder, lock


def end_work(folder: Path, lock: FileLock) -> None:
    """Remove an import's private folder, then its lock."""
    shutil.rmtree(folder, ignore_errors=True)
    unlink(Path(lock.lock_file))
    lock.release()


def lock_file(workspace: Workspace, version: str) -> Path:
    """Return the lock file an import of this version holds while it runs."""
    return workspace.datasets_dir / f"{WORK_PREFIX}{version}.lock"


def held(lock: Path) -> bool:
    """Return True when a live process holds this lock file."""
    if not lock.exists():
        return False
    probe = FileLock(lock, thread_local=False)
    try:
        probe.acquire(blocking=False)
    except Timeout:
        return True
    probe.release()
    return False


def remove_dataset_file(file: Path) -> None:
    """Delete a dataset's file with its WAL and spill folder. A reader that has it open keeps
    reading (POSIX); a file the system refuses to delete is left for the next sweep."""
    for part in (file.with_name(file.name + ".wal"), file):
        unlink(part)
    shutil.rmtree(file.with_name(file.name + ".tmp"), ignore_errors=True)


def unlink(path: Path) -> None:
    """Delete a file if it is there and the system allows it."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
