"""Learn how a text export is written: its encoding, delimiter, header row and report footer.

Read: UTF-8 (with or without BOM), UTF-16 (what Excel's "Unicode text" writes, tab-separated),
and a file that is cleanly Windows-1252 (what Excel's "CSV" writes on Windows). A file that is
UTF-8 but for a stray byte, or that uses a byte Windows-1252 leaves undefined, is refused at its
row: guessing would turn `José` into `JosÃ©` in every row. DuckDB reads only UTF-8 without an
extension download, so the other encodings are transcoded once into the import's folder.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
from pathlib import Path

from lib.errors import ImportRefused
from lib.ingest.source import SourceFile

SNIFF_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
# a valid multi-byte UTF-8 sequence: its presence says the file was meant as UTF-8
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# Salesforce report exports end with these lines below the data (seen in real exports:
# "Grand Totals (5700 records)", "Confidential Information - Do Not Distribute",
# "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.")
REPORT_MARKERS = ("confidential information - do not distribute", "salesforce.com, inc.")
GRAND_TOTAL = re.compile(r"grand totals? \((\d[\d,.\s]*) records?\)", re.IGNORECASE)
TAIL_BYTES = 4096


def inspect_text(path: Path, name: str, workdir: Path) -> SourceFile:
    """Return the CSV with its headers, as UTF-8 without a report footer; refuse what is unsafe."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    encoding = _encoding_of(path, head, name)
    if encoding != "utf-8":
        path = _transcode(path, encoding, workdir)
        head = path.read_bytes()[:SNIFF_BYTES]
    elif b"\x00" in head:
        raise ImportRefused(name, "this is a binary file, not a CSV export")
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        first_line = fh.readline().rstrip("\r\n")
    if not first_line.strip():
        raise ImportRefused(name, "the file has no header row")
    delimiter = max(DELIMITERS, key=first_line.count)
    headers = next(csv.reader(io.StringIO(first_line), delimiter=delimiter))
    path, total, notes = _without_report_footer(path, name, workdir)
    return SourceFile(
        path,
        name,
        tuple(h.strip() for h in headers),
        delimiter,
        notes=notes,
        report_total=total,
    )


def _encoding_of(path: Path, head: bytes, name: str) -> str:
    """Return 'utf-8', 'utf-16' or 'cp1252'; refuse a file that is none of them cleanly."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = head[: len(head) // 2 * 2]
    if len(pairs) >= 4 and pairs[1::2].count(0) > 0.9 * (len(pairs) // 2) and 0 not in pairs[::2]:
        return "utf-16-le"  # no BOM, but every other byte of ASCII text is zero
    bad = _first_invalid_utf8(path)
    if bad is None:
        return "utf-8"
    data = path.read_bytes()
    if UTF8_MULTIBYTE.search(data):
        raise ImportRefused(
            name,
            f"the file is UTF-8 but for a byte that is not (0x{data[bad]:02X}); "
            "save it again as UTF-8",
            row=_row_at(data, bad),
        )
    try:
        data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            name,
            f"byte 0x{data[exc.start]:02X} is neither UTF-8 nor Windows-1252; "
            "save the file again as UTF-8",
            row=_row_at(data, exc.start),
        ) from exc
    return "cp1252"


def _first_invalid_utf8(path: Path) -> int | None:
    """Return the offset of the first byte that is not UTF-8, or None when all of it is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 22)
            pending = len(decoder.getstate()[0])  # bytes of a sequence cut by the last chunk
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return offset - pending + exc.start
            if not chunk:
                return None
            offset += len(chunk)


def _row_at(data: bytes, offset: int) -> int:
    """Return the spreadsheet row (header = 1) holding byte `offset`, quoted line breaks kept."""
    prefix = data[:offset].decode("latin-1")
    reader = csv.reader(io.StringIO(prefix, newline=""))
    return sum(1 for _ in reader) or 1


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    dest = Path(tempfile.mkstemp(dir=workdir, suffix=".csv")[1])
    with (
        open(path, encoding=encoding, newline="") as src,
        open(dest, "w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    return dest


def _without_report_footer(
    path: Path, name: str, workdir: Path
) -> tuple[Path, int | None, tuple[str, ...]]:
    """Cut a Salesforce report's footer (blank line, Grand Totals, confidentiality, copyright)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - TAIL_BYTES))
        tail = fh.read()
    lowered = tail.decode("utf-8", errors="replace").lower()
    if not any(marker in lowered for marker in REPORT_MARKERS):
        return path, None, ()
    lines = tail.split(b"\n")
    keep = len(lines)
    while keep > 1 and _is_footer_line(lines[keep - 1]):
        keep -= 1
    footer = b"\n".join(lines[keep:]).decode("utf-8", errors="replace")
    cut = size - len(b"\n".join(lines[keep:]))
    dest = Path(tempfile.mkstemp(dir=workdir, suffix=".csv")[1])
    with open(path, "rb") as src, open(dest, "wb") as dst:
        left = cut
        while left > 0 and (chunk := src.read(min(left, 1 << 20))):
            dst.write(chunk)
            left -= len(chunk)
    found = GRAND_TOTAL.search(footer)
    total = int(re.sub(r"\D", "", found[1])) if found else None
    return dest, total, (f"{name}: the report's footer lines were left out",)


def _is_footer_line(line: bytes) -> bool:
    """Return True for a blank line or a one-field line (a report's title, total or notice)."""
    text = line.decode("utf-8", errors="replace").strip()
    if not text:
        return True
    fields = next(csv.reader(io.StringIO(text)), [])
    return len(fields) <= 1 or all(not f.strip() for f in fields[1:])
