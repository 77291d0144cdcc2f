"""One table file as the importer sees it, after unzipping, transcoding or sheet extraction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    """One export table ready for DuckDB: where it is, the name people know it by, its headers.

    `first_row` is the spreadsheet row of the first record (2 under a one-line header; lower
    down under a report's title block), so every message names the row a person sees.
    Parquet files made from Excel sheets name their columns c0..cN in header order.
    """

    path: Path
    name: str
    headers: tuple[str, ...]
    delimiter: str = ","
    is_parquet: bool = False
    first_row: int = 2
    notes: tuple[str, ...] = ()
    report_total: int | None = None  # a report's "Grand Totals (N records)"
