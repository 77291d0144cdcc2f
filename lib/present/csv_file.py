"""The one way Qualify writes a CSV (every download and export): safe in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return — also after leading
spaces — is a formula to Excel, LibreOffice and Google Sheets (OWASP "CSV injection"): such
text cells get a leading `'`. Every cell holding a line break or quote is quoted, with CRLF
row ends (RFC 4180), so a value with a carriage return can never start a row of its own.
Numbers stay numbers: only text cells are touched.
"""

from __future__ import annotations

import csv
import io
import os

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LEADING_BLANKS = " \u00a0\n"


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Return text cells with a leading ' where a spreadsheet would run them as a formula."""
    text = values.astype("string")
    stripped = text.str.lstrip(LEADING_BLANKS)
    risky = stripped.str.startswith(FORMULA_STARTS).fillna(False)
    return text.where(~risky, "'" + text).astype(object)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with every text column neutralised; input not mutated."""
    text = [c for c in frame.columns if frame[c].dtype == object or frame[c].dtype == "string"]
    out = frame.copy()
    for column in text:
        out[column] = neutralise_formulas(out[column])
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """Return the frame as spreadsheet-safe CSV text (UTF-8 when encoded, no index)."""
    buffer = io.StringIO()
    safe_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> int:
    """Write the frame as spreadsheet-safe UTF-8 CSV to `path`; return the rows written."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(csv_text(frame))
    return len(frame)
