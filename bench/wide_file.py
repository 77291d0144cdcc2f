"""Time importing a Salesforce Account export that is very wide (custom fields galore).

    python bench/wide_file.py [--columns 5000] [--rows 2000] [--runs 3]

Writes Account.csv with the five headers the format reads plus filler columns, imports it
into an in-memory database per run, and prints the median seconds and peak RSS. Only the
columns a format reads are loaded, so width costs little beyond parsing each line.
Before issue 10: 5,000 columns took 52.7 s and 4.35 GB before failing.
"""

from __future__ import annotations

import argparse
import csv
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.ingest import import_sources  # noqa: E402
from lib.store.connection import connect  # noqa: E402

HEADERS = ["Id", "Name", "BillingCountry", "AnnualRevenue", "NumberOfEmployees"]


def write_wide(path: Path, columns: int, rows: int) -> Path:
    """Write an Account export of `rows` rows and `columns` columns."""
    filler = [f"Custom_{i}__c" for i in range(columns - len(HEADERS))]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADERS + filler)
        for n in range(rows):
            out.writerow([f"A{n}", f"Account {n}", "DE", "1000000", "50"] + ["x"] * len(filler))
    return path


def main() -> None:
    """Print the median import time of the wide file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--columns", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_wide(Path(tmp) / "Account.csv", args.columns, args.rows)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            report = import_sources(connect(":memory:"), [path])
            times.append(time.perf_counter() - started)
        size = path.stat().st_size / 1024**2
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.columns} columns x {args.rows} rows ({size:.0f} MiB): median "
        f"{statistics.median(times):.2f} s (runs {min(times):.2f}-{max(times):.2f} s), "
        f"{report.rows['accounts']} accounts, peak RSS {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
