"""Read Excel workbooks (.xlsx, .xls) with python-calamine: each sheet that holds a table.

Calamine (Rust, MIT) reads both formats without a Python XML layer; it types cells as Excel
did, so a date cell stays a date and a number a number. Each sheet is written once to Parquet
with typed columns where every cell of a column agrees, text otherwise, and then goes through
the same staging as any Parquet file. A "Formatted" Salesforce report has a title block above
the header row and totals, a confidentiality notice and a copyright line below the data: the
header row is found, the footer left out, and its "Grand Totals (N records)" checked.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from python_calamine import CalamineError, CalamineWorkbook

from lib.errors import ImportRefused
from lib.ingest.source import SourceFile
from lib.ingest.text import GRAND_TOTAL, REPORT_MARKERS

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
HEADER_SEARCH_ROWS = 50
FOOTER_STARTS = ("grand total", "confidential information", "copyright")


def inspect_workbook(path: Path, name: str, workdir: Path) -> list[SourceFile]:
    """Return one source per sheet holding a table; refuse a workbook that cannot be read."""
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = [
            (s.name, book.get_sheet_by_name(s.name).to_python(skip_empty_area=False))
            for s in book.sheets_metadata
            if str(s.visible).endswith("Visible")
        ]
    except (CalamineError, OSError, ValueError) as exc:
        raise ImportRefused(name, f"not a readable Excel workbook ({exc})") from exc
    found = [
        _sheet_source(rows, f"{name} [{sheet}]" if len(sheets) > 1 else name, workdir)
        for sheet, rows in sheets
        if any(_filled(r) for r in rows)
    ]
    if not found:
        raise ImportRefused(name, "the workbook has no sheet with any values")
    return found


def _filled(row: list[Any]) -> int:
    return sum(1 for cell in row if cell not in ("", None))


def _sheet_source(rows: list[list[Any]], name: str, workdir: Path) -> SourceFile:
    top = rows[:HEADER_SEARCH_ROWS]
    widest = max(_filled(r) for r in top)
    header_at = (
        next(
            i
            for i, r in enumerate(top)
            if _filled(r) == widest and all(isinstance(c, str) for c in r if c not in ("", None))
        )
        if any(_filled(r) == widest for r in top)
        else 0
    )
    header = [str(c).strip() if c not in (None,) else "" for c in rows[header_at]]
    keep = [i for i, h in enumerate(header) if h]
    body, total, notes = _body(rows[header_at + 1 :], name)
    unnamed = [i for i in range(len(header)) if i not in keep and any(_cell(r, i) for r in body)]
    if unnamed:
        notes.append(f"{name}: {len(unnamed)} column(s) with values but no header were not read")
    path = Path(tempfile.mkstemp(dir=workdir, suffix=".parquet")[1])
    try:
        columns = {f"c{n}": _column([_cell(r, i) for r in body]) for n, i in enumerate(keep)}
        pq.write_table(pa.table(columns) if columns else pa.table({}), path)
    except (pa.ArrowException, ValueError, OverflowError) as exc:
        raise ImportRefused(name, f"a column's cells could not be read ({exc})") from exc
    return SourceFile(
        path,
        name,
        tuple(header[i] for i in keep),
        is_parquet=True,
        first_row=header_at + 2,
        notes=tuple(notes),
        report_total=total,
    )


def _cell(row: list[Any], i: int) -> Any:
    value = row[i] if i < len(row) else None
    return None if value == "" else value


def _body(rows: list[list[Any]], name: str) -> tuple[list[list[Any]], int | None, list[str]]:
    """Return the data rows, the report's stated record count, and notes on what was cut."""
    end = len(rows)
    while end and not _filled(rows[end - 1]):
        end -= 1
    footer_at = next(
        (i for i, r in enumerate(rows[:end]) if _first_text(r).lower().startswith(FOOTER_STARTS)),
        None,
    )
    if footer_at is None:
        return rows[:end], None, []
    footer = " ".join(_first_text(r) for r in rows[footer_at:end])
    if not any(m in footer.lower() for m in (*REPORT_MARKERS, "grand total")):
        return rows[:end], None, []
    body_end = footer_at
    while body_end and not _filled(rows[body_end - 1]):
        body_end -= 1
    found = GRAND_TOTAL.search(footer)
    total = int(re.sub(r"\D", "", found[1])) if found else None
    return rows[:body_end], total, [f"{name}: the report's title and footer lines were left out"]


def _first_text(row: list[Any]) -> str:
    return next((str(c).strip() for c in row if c not in ("", None)), "")


def _column(values: list[Any]) -> pa.Array:
    """Return the cells as one typed array when they agree on a type, else as text."""
    filled = [v for v in values if v is not None]
    if filled and all(isinstance(v, bool) for v in filled):
        return pa.array(values, pa.bool_())
    if filled and all(isinstance(v, int | float) and not isinstance(v, bool) for v in filled):
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if filled and all(isinstance(v, date) for v in filled):
        return pa.array(
            [
                v if v is None or isinstance(v, datetime) else datetime(v.year, v.month, v.day)
                for v in values
            ],
            pa.timestamp("us"),
        )
    return pa.array([None if v is None else _text(v) for v in values], pa.string())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
