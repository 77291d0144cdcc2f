"""What the workspace layout costs: state reads, the per-run version check, an import's overhead.

    python bench/workspace.py [--runs 20] [--json]

Prints medians over --runs: opening the state for one read (what a publish or a history read
pays), `current_versions` when nothing changed (what every app run pays), and importing the
bundled sample through the workspace against the engine alone into a file (the difference is
the workspace's staging, rename, commit and bookkeeping).
Measured on 2 cores shared with other work (load 3.6-3.9), three runs of --runs 20/20/50: state
read 16-25 ms; version check 0.01 ms; sample import 1.6-2.7 s through the workspace against
2.0-2.4 s with the engine alone, a difference inside the run-to-run spread.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.ingest import import_sources  # noqa: E402
from lib.store.connection import connect  # noqa: E402
from lib.store.datasets import SAMPLE_EXPORT  # noqa: E402
from lib.store.imports import import_data  # noqa: E402
from lib.store.state import current_versions, state  # noqa: E402
from lib.store.workspace import open_workspace  # noqa: E402


def median_ms(action: Callable[[], object], runs: int) -> float:
    """Return the median wall time of `action` in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def figures(runs: int) -> dict[str, float]:
    """Return the median milliseconds of each measured step."""
    with tempfile.TemporaryDirectory(prefix="qualify-bench-") as tmp:
        folder = Path(tmp)
        workspace = open_workspace(folder / "bench.duckdb", keep=1)
        import_data(workspace, [SAMPLE_EXPORT])

        def read_state() -> object:
            with state(workspace) as conn:
                return conn.execute("select count(*) from model_versions").fetchall()

        def engine_alone() -> object:
            target = folder / f"engine-{time.perf_counter_ns()}.duckdb"
            with connect(target) as conn:
                return import_sources(conn, [SAMPLE_EXPORT])

        imports = max(3, runs // 5)
        return {
            "state_read_ms": median_ms(read_state, runs),
            "version_check_ms": median_ms(lambda: current_versions(workspace), runs),
            "sample_import_workspace_ms": median_ms(
                lambda: import_data(workspace, [SAMPLE_EXPORT], replace=True), imports
            ),
            "sample_import_engine_ms": median_ms(engine_alone, imports),
        }


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Measure and print the figures (JSON with --json)."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--runs", type=int, default=20)
    args.add_argument("--json", action="store_true")
    opts = args.parse_args(argv)
    result = figures(opts.runs)
    if opts.json:
        print(json.dumps(result))
    else:
        for name, value in result.items():
            print(f"{name:<30} {value:10.2f}")
    return result


if __name__ == "__main__":
    main()
