"""Time lead features and the KPIs on DuckDB and on local Spark, with each engine's peak memory.

    python bench/engines.py [--leads 1000000] [--runs 3] [--master local[2]] [--driver-memory 8g]
    python bench/engines.py --db FILE --tables DIR   (a workspace and its export-tables Parquet)

The data is bench/queries.py's (N leads, 10 activities and 1/4 opportunity per lead, imported
into a workspace under var/bench/), written once as Parquet by export-tables beside it. Each
engine runs in a process of its own; the parent samples the resident memory of that process
and its children (Spark's JVM) every 0.2 s and prints the peak. Times are medians of --runs:
`lead_features` (the two feature queries and the Python that derives the matrix) and
`kpis_summary` (the CLI's `kpis --json`), after the engine is up (Spark's start is printed on
its own). Beside each wall time, the CPU seconds of the worker's process tree (Python, DuckDB's
threads, Spark's JVM): on a machine shared with other work they say what the call itself cost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.queries import database  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(pid: int) -> int:
    """Return the resident bytes of a process and all its descendants (0 once gone)."""
    children = _children()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += int((Path(f"/proc/{current}/statm")).read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        todo += children.get(current, [])
    return total


def tree_cpu(pid: int) -> float:
    """Return the CPU seconds (user + system) the process and its live descendants have used."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, todo = 0, [pid]
    children = _children()
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
        todo += children.get(current, [])
    return total / ticks


def _children() -> dict[int, list[int]]:
    """Return each live process's children, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    return children


def measured(command: list[str]) -> tuple[dict, int]:
    """Run a worker; return what it printed (JSON) and the peak memory of its process tree."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{command[-1]} worker failed ({process.returncode})")
    return json.loads(out.strip().splitlines()[-1]), peak[0]


def worker(args: argparse.Namespace) -> None:
    """Time the calls on one engine and print one JSON line of medians."""
    from bench.queries import current_data
    from lib.features import lead_features
    from lib.metrics.filters import Filters
    from lib.metrics.kpis import kpis_summary
    from lib.model import default_model
    from lib.store.engines import parquet_tables, spark_session

    model = default_model()
    started = time.perf_counter()
    if args.worker == "spark":
        conf = {"spark.driver.memory": args.driver_memory}
        context = spark_session(args.master, conf=conf)
    else:
        context = current_data(args.db)
    with context as opened:
        data = parquet_tables(opened, args.tables) if args.worker == "spark" else opened
        ready = time.perf_counter() - started
        calls = {
            "features": lambda: lead_features(data, model=model),
            "kpis": lambda: kpis_summary(data, model.segments, Filters(), "segment"),
        }
        seconds: dict[str, list[float]] = {name: [] for name in calls}
        cpu: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(args.runs):
            for name, call in calls.items():
                begun, begun_cpu = time.perf_counter(), tree_cpu(os.getpid())
                call()
                seconds[name].append(time.perf_counter() - begun)
                cpu[name].append(tree_cpu(os.getpid()) - begun_cpu)
    medians = {name: statistics.median(times) for name, times in seconds.items()}
    cpu_medians = {f"{name}_cpu": statistics.median(times) for name, times in cpu.items()}
    print(json.dumps({"start": ready, **medians, **cpu_medians, "runs": seconds, "cpu": cpu}))


def parquet_folder(db: Path) -> Path:
    """Return the Parquet export of db beside it, writing it when absent."""
    folder = db.with_suffix(".parquet.d")
    if not (folder / "activities.parquet").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "lib.cli",
                "export-tables",
                "--db",
                str(db),
                "--out",
                str(folder),
            ],
            check=True,
            cwd=ROOT,
        )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="an imported database instead of --leads")
    parser.add_argument("--tables", type=Path, help="its Parquet (default: exported beside it)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="8g", help="Spark's local JVM heap")
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=("duckdb", "spark"),
        default=["duckdb", "spark"],
        help="the engines to time (default both)",
    )
    parser.add_argument("--worker", choices=("duckdb", "spark"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    db = args.db or database(args.leads)
    tables = args.tables or parquet_folder(db)
    print(f"data: {db} and {tables}; medians of {args.runs} runs")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for engine in args.engines:
        command = [
            sys.executable,
            __file__,
            *("--db", str(db), "--tables", str(tables), "--runs", str(args.runs)),
            *("--master", args.master, "--driver-memory", args.driver_memory),
            *("--worker", engine),
        ]
        result, peak = measured(command)
        print(
            f"{engine:<7} start {result['start']:6.1f} s  "
            f"features {result['features']:7.1f} s ({result['features_cpu']:6.1f} CPU s)  "
            f"kpis {result['kpis']:6.1f} s ({result['kpis_cpu']:5.1f} CPU s)  "
            f"peak memory {peak / 2**30:5.2f} GiB  "
            f"load average after {os.getloadavg()[0]:.2f}"
        )
        print(f"  each run: {json.dumps({'wall': result['runs'], 'cpu': result['cpu']})}")


if __name__ == "__main__":
    main()
