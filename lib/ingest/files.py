"""Find export tables in files, folders and zips (nested zips too), within size limits.

A zip is measured before anything is extracted: its declared expanded size and its
compression ratio are capped (a 2 MB zip of 2 GiB of spaces is refused at once), and Python's
zipfile never writes more than a member declares. Everything lands in one private folder per
import, removed on every exit; folders left by a killed import are swept at the next one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lib.errors import ImportRefused
from lib.ingest.excel import EXCEL_SUFFIXES, inspect_workbook
from lib.ingest.source import SourceFile
from lib.ingest.text import inspect_text

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
TABLE_SUFFIXES = (*TEXT_SUFFIXES, ".parquet", *EXCEL_SUFFIXES)
WORKDIR_PREFIX = "qualify-import-"
MAX_BYTES_VAR = "QUALIFY_ZIP_MAX_BYTES"
MAX_RATIO_VAR = "QUALIFY_ZIP_MAX_RATIO"

__all__ = ["SourceFile", "ZipLimits", "expand_sources", "import_workdir", "inspect_file"]


@dataclass(frozen=True)
class ZipLimits:
    """How far zips may expand: total bytes over all members, ratio, depth of nesting.

    A CRM's CSV compresses 5-15x (the bundled sample: 8.9x); 200x is text of one repeated
    character. Defaults can be raised with $QUALIFY_ZIP_MAX_BYTES and $QUALIFY_ZIP_MAX_RATIO.
    """

    max_bytes: int = 8 * 1024**3
    max_ratio: float = 200.0
    max_depth: int = 3

    @classmethod
    def from_environment(cls) -> ZipLimits:
        """Return the defaults with any limit set in the environment."""
        try:
            return cls(
                max_bytes=int(os.environ.get(MAX_BYTES_VAR, cls.max_bytes)),
                max_ratio=float(os.environ.get(MAX_RATIO_VAR, cls.max_ratio)),
            )
        except ValueError as exc:
            raise ImportRefused(
                f"${MAX_BYTES_VAR} or ${MAX_RATIO_VAR}", f"not a number: {exc}"
            ) from exc


@dataclass
class Found:
    """Tables found in the sources, and the names of files that were not tables."""

    tables: list[tuple[Path, str]]
    skipped: list[str]
    expanded: int = 0


@contextmanager
def import_workdir() -> Iterator[Path]:
    """Yield a private folder for one import, removed afterwards whatever happens."""
    sweep_stale_workdirs()
    folder = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sweep_stale_workdirs(root: Path | None = None) -> list[Path]:
    """Remove import folders whose process is gone (a killed import); return what was removed."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        pid = folder.name.removeprefix(WORKDIR_PREFIX).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def expand_sources(
    sources: list[str | os.PathLike[str]], workdir: Path, limits: ZipLimits | None = None
) -> Found:
    """Return every table file in the given files, folders and zips, with what was skipped."""
    found = Found([], [])
    for source in map(Path, sources):
        _expand(source, workdir, limits or ZipLimits.from_environment(), found)
    return found


def _expand(source: Path, workdir: Path, limits: ZipLimits, found: Found) -> None:
    if not source.exists():
        raise ImportRefused(str(source), "no such file or folder")
    if source.is_dir():
        for child in sorted(p for p in source.rglob("*") if p.is_file()):
            if child.name.startswith("."):
                continue
            if child.suffix.lower() in (*TABLE_SUFFIXES, ".zip"):
                _expand(child, workdir, limits, found)
            else:
                found.skipped.append(str(child.relative_to(source)))
    elif source.suffix.lower() == ".zip":
        _unzip(source, source.name, workdir, limits, found, depth=1)
    else:
        found.tables.append((source, source.name))


def _unzip(
    archive: Path, label: str, workdir: Path, limits: ZipLimits, found: Found, depth: int
) -> None:
    if depth > limits.max_depth:
        raise ImportRefused(label, f"zips nested more than {limits.max_depth} deep are not read")
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            _check_size(archive, label, members, limits, found)
            target = Path(tempfile.mkdtemp(dir=workdir))
            for member in members:
                name = Path(member.filename).name
                if name.startswith(".") or member.filename.startswith("__MACOSX/"):
                    continue
                suffix = Path(name).suffix.lower()
                if suffix not in (*TABLE_SUFFIXES, ".zip"):
                    found.skipped.append(f"{label}/{member.filename}")
                    continue
                # extract under a flat, safe name: member paths may hold "../"
                dest = target / f"{len(found.tables)}_{len(found.skipped)}_{name}"
                with zf.open(member) as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                if suffix == ".zip":
                    _unzip(dest, f"{label}/{member.filename}", workdir, limits, found, depth + 1)
                else:
                    found.tables.append((dest, f"{label}/{member.filename}"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise ImportRefused(label, f"not a readable zip archive ({exc})") from exc


def _check_size(
    archive: Path, label: str, members: list[zipfile.ZipInfo], limits: ZipLimits, found: Found
) -> None:
    """Refuse a zip whose members would expand past the limits, before extracting any."""
    expanded = sum(m.file_size for m in members)
    found.expanded += expanded
    if found.expanded > limits.max_bytes:
        raise ImportRefused(
            label,
            f"expands to {found.expanded / 1024**3:.1f} GiB, over the limit of "
            f"{limits.max_bytes / 1024**3:.1f} GiB (raise ${MAX_BYTES_VAR} to read it)",
        )
    ratio = expanded / max(archive.stat().st_size, 1)
    worst = max(members, key=lambda m: m.file_size / max(m.compress_size, 1), default=None)
    if worst is not None and expanded > 1024**2:
        ratio = max(ratio, worst.file_size / max(worst.compress_size, 1))
    if expanded > 1024**2 and ratio > limits.max_ratio:
        raise ImportRefused(
            label,
            f"compressed {ratio:,.0f} to 1, over the limit of {limits.max_ratio:,.0f} to 1: "
            f"not a CRM export (raise ${MAX_RATIO_VAR} if it is one)",
        )


def inspect_file(path: Path, name: str, workdir: Path) -> list[SourceFile]:
    """Return the tables in one file (a workbook may hold several); refuse empty or binary."""
    if path.stat().st_size == 0:
        raise ImportRefused(name, "the file is empty")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return [_inspect_parquet(path, name)]
    if suffix in EXCEL_SUFFIXES:
        return inspect_workbook(path, name, workdir)
    return [inspect_text(path, name, workdir)]


def _inspect_parquet(path: Path, name: str) -> SourceFile:
    import pyarrow.parquet as pq

    try:
        headers = tuple(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise ImportRefused(name, f"not a readable Parquet file ({exc})") from exc
    return SourceFile(path, name, headers, is_parquet=True)
