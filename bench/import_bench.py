"""Time a Salesforce-shaped Parquet import into a fresh DuckDB file.

    python bench/import_bench.py --leads 1000000 --activities 10000000 [--runs 3] [--json]

The export comes from data/generate.py (seeded), written once as Lead/Task/Account/Opportunity
.parquet under --data (reused when it is already there), then `import_sources` loads it into a
new database file per run. Prints rows/second for leads and activities and the median total
seconds; --profile also prints the median time of each import step.
Target: 1M leads + 10M activities in <= 30 s on a 2-core machine. Measured (2 cores, 3 runs):
15.7 s median (14.0-21.9 s), 64k leads/s and 637k activities/s; 115 s before the Parquet
columns were kept typed and the duplicate check narrowed to repeated IDs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data.generate import generate, write_parquet  # noqa: E402
from lib.ingest import import_sources  # noqa: E402
from lib.store.connection import connect  # noqa: E402

OBJECTS = ("Account", "Lead", "Opportunity", "Task")


def export_folder(folder: Path, leads: int, activities: int, opportunities: int) -> Path:
    """Return a folder holding the generated export as Parquet, generating it if absent."""
    if all((folder / f"{name}.parquet").exists() for name in OBJECTS):
        return folder
    started = time.perf_counter()
    write_parquet(generate(leads, activities, opportunities), folder)
    print(f"generated {folder} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return folder


def timed_import(folder: Path) -> tuple[float, dict[str, int], list[tuple[float, str]]]:
    """Import the folder into a fresh database file; return seconds, row counts and step times."""
    steps: list[tuple[float, str]] = []
    started = time.perf_counter()

    def step(_fraction: float, message: str) -> None:
        steps.append((time.perf_counter() - started, message))

    with tempfile.TemporaryDirectory(prefix="qualify-bench-") as tmp:
        conn = connect(Path(tmp) / "bench.duckdb")
        try:
            report = import_sources(conn, [folder], progress=step)
        finally:
            conn.close()
    return time.perf_counter() - started, report.rows, steps


def step_durations(steps: list[tuple[float, str]]) -> dict[str, float]:
    """Return seconds spent from each progress message to the next."""
    marks = [(0.0, "start"), *steps]
    return {message: later - at for (at, message), (later, _) in pairwise(marks)}


def summary(runs: list[tuple[float, dict[str, int], list[tuple[float, str]]]]) -> dict:
    """Return the median figures over the runs."""
    seconds = statistics.median(r[0] for r in runs)
    rows = runs[0][1]
    per_step = [step_durations(r[2]) for r in runs]
    return {
        "rows": rows,
        "runs": len(runs),
        "seconds_median": round(seconds, 2),
        "seconds_all": [round(r[0], 2) for r in runs],
        "leads_per_second": round(rows["leads"] / seconds),
        "activities_per_second": round(rows["activities"] / seconds),
        "steps_median": {
            k: round(statistics.median(p.get(k, 0.0) for p in per_step), 2) for k in per_step[0]
        },
    }


def main(argv: list[str] | None = None) -> None:
    """Generate (once), import --runs times, print the median figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=10_000_000)
    parser.add_argument("--opportunities", type=int, help="default: one per four leads")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, help="export folder (default: var/bench/...)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--profile", action="store_true", help="print time per import step")
    args = parser.parse_args(argv)
    opportunities = args.opportunities or max(1, args.leads // 4)
    folder = args.data or ROOT / "var" / "bench" / f"sf_{args.leads}_{args.activities}"
    export_folder(folder, args.leads, args.activities, opportunities)
    result = summary([timed_import(folder) for _ in range(args.runs)])
    if args.json:
        print(json.dumps(result))
        return
    print(f"rows: {result['rows']}")
    print(
        f"import, median of {args.runs}: {result['seconds_median']:.2f} s "
        f"(all runs {result['seconds_all']})"
    )
    print(f"leads:      {result['leads_per_second']:>12,} rows/s")
    print(f"activities: {result['activities_per_second']:>12,} rows/s")
    if args.profile:
        for message, seconds in result["steps_median"].items():
            print(f"  {seconds:6.2f} s  during: {message}")


if __name__ == "__main__":
    main()
