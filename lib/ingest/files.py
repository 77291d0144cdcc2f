"""Find export files in folders and zips, and learn how each one is written.

Encodings: UTF-8 (with or without BOM) and Windows-1252, which DuckDB cannot read without an
extension download, so such files are transcoded to UTF-8 once. Delimiters `,` and `;` are sniffed.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lib.errors import ImportRefused

TABLE_SUFFIXES = (".csv", ".txt", ".parquet")
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class SourceFile:
    """One export file ready for DuckDB: where it is, the name people know it by, its headers."""

    path: Path
    name: str
    headers: tuple[str, ...]
    delimiter: str = ","
    is_parquet: bool = False


def expand_sources(sources: list[str | os.PathLike[str]], workdir: Path) -> list[tuple[Path, str]]:
    """Return (path, display name) of every table file in the given files, folders and zips."""
    found: list[tuple[Path, str]] = []
    for source in map(Path, sources):
        if not source.exists():
            raise ImportRefused(str(source), "no such file or folder")
        if source.is_dir():
            children = sorted(p for p in source.rglob("*") if p.is_file())
            found += expand_sources([p for p in children if _is_table_or_zip(p)], workdir)
        elif source.suffix.lower() == ".zip":
            found += _unzip(source, workdir)
        else:
            found.append((source, source.name))
    return found


def _is_table_or_zip(path: Path) -> bool:
    return path.suffix.lower() in (*TABLE_SUFFIXES, ".zip")


def _unzip(archive: Path, workdir: Path) -> list[tuple[Path, str]]:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [
                m
                for m in zf.infolist()
                if not m.is_dir()
                and Path(m.filename).suffix.lower() in TABLE_SUFFIXES
                and not Path(m.filename).name.startswith(".")
            ]
            target = Path(tempfile.mkdtemp(dir=workdir))
            out: list[tuple[Path, str]] = []
            for member in members:
                # extract under a flat, safe name: member paths may hold "../"
                dest = target / f"{len(out)}_{Path(member.filename).name}"
                with zf.open(member) as src, open(dest, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                out.append((dest, f"{archive.name}/{member.filename}"))
            return out
    except zipfile.BadZipFile as exc:
        raise ImportRefused(archive.name, f"not a readable zip archive ({exc})") from exc


def inspect_file(path: Path, name: str, workdir: Path) -> SourceFile:
    """Return the file with its headers, transcoded to UTF-8 if needed; refuse empty or binary."""
    if path.stat().st_size == 0:
        raise ImportRefused(name, "the file is empty")
    if path.suffix.lower() == ".parquet":
        return _inspect_parquet(path, name)
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if b"\x00" in head:
        raise ImportRefused(name, "this is a binary file, not a CSV export")
    encoding = _encoding_of(path)
    if encoding == "cp1252":
        path = _transcode(path, workdir)
        head = path.read_bytes()[:SNIFF_BYTES]
    text = head.decode("utf-8-sig", errors="replace")
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line.strip():
        raise ImportRefused(name, "the file has no header row")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    headers = next(csv.reader(io.StringIO(first_line), delimiter=delimiter))
    return SourceFile(path, name, tuple(h.strip() for h in headers), delimiter)


def _inspect_parquet(path: Path, name: str) -> SourceFile:
    import pyarrow.parquet as pq

    try:
        headers = tuple(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise ImportRefused(name, f"not a readable Parquet file ({exc})") from exc
    return SourceFile(path, name, headers, is_parquet=True)


def _encoding_of(path: Path) -> str:
    """Return 'utf-8' when every byte decodes as UTF-8, else 'cp1252' (what Excel writes)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            while chunk := fh.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _transcode(path: Path, workdir: Path) -> Path:
    dest = Path(tempfile.mkstemp(dir=workdir, suffix=".csv")[1])
    with (
        open(path, encoding="cp1252", errors="replace", newline="") as src,
        open(dest, "w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    return dest
