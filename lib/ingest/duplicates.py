"""Whether rows that repeat a record ID agree in every column of the file, not only those read.

Rows are "exact" duplicates only when every source column agrees; repeats are rare, so the
few rows involved are read back from the files themselves rather than kept while staging
(which reads only the columns a format uses).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from lib.ingest.source import SourceFile

Copy = tuple[str, int, str, int]  # (file, row, file of its first, row of its first)


def differing_copies(sources: dict[str, SourceFile], copies: list[Copy]) -> list[tuple[Copy, str]]:
    """Return each copy whose full source row differs from its first, with a differing header."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for file, row, first_file, first_row in copies:
        wanted[file].add(row)
        wanted[first_file].add(first_row)
    rows = {f: source_rows(sources[f], needed) for f, needed in wanted.items() if f in sources}
    differing = []
    for copy in copies:
        file, row, first_file, first_row = copy
        a, b = rows.get(file, {}).get(row), rows.get(first_file, {}).get(first_row)
        if a is None or b is None or a == b:
            continue
        headers = sources[file].headers
        column = next((h for h, x, y in zip(headers, a, b, strict=False) if x != y), headers[0])
        differing.append((copy, column))
    return differing


def source_rows(source: SourceFile, rows: set[int]) -> dict[int, tuple[str, ...]]:
    """Return the given spreadsheet rows of a file as tuples of text, every column kept."""
    if source.is_parquet:
        table = pq.read_table(source.path)
        index = [r - source.first_row for r in sorted(rows)]
        taken = table.take(index).to_pylist()
        return {
            r: tuple("" if v is None else str(v) for v in record.values())
            for r, record in zip(sorted(rows), taken, strict=True)
        }
    found = {}
    with open(Path(source.path), encoding="utf-8-sig", newline="") as fh:
        for number, record in enumerate(csv.reader(fh, delimiter=source.delimiter), start=1):
            if number in rows:
                found[number] = tuple(v.strip() for v in record)
                if len(found) == len(rows):
                    break
    return found
