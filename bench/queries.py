"""Time the SQL behind the pages: every KPI, the Overview's set, features, maturity, band outcomes.

    python bench/queries.py --leads 20000|1000000 [--runs 5] [--only kpis,maturity] [--json]
    python bench/queries.py --db FILE            (an imported database, used as it is)

--leads 20000 imports the bundled sample, other sizes the Parquet export of
bench/import_bench.py (N leads, 10 activities and 1/4 opportunity per lead), under var/bench/.
Prints the median wall and CPU seconds (all threads) of --runs per call, with cold Python
caches and a warm database; CPU is the steadier figure on a shared machine.
Measured at 1M leads (10M activities, 250k opportunities) on 2 shared cores (load average
4-16, so wall times varied 2x between runs), CPU seconds, before -> after the staging layer:
  Overview KPI calls (the 9 above, median of 5) 3.26 -> 3.83, plus 0.89 once per data and model
  for the Python segment frames before: each query now assigns segments itself (win rate
  0.08 -> 0.25, SLA 0.18 -> 0.25, quarters 0.27 -> 0.39), velocity 1.01 -> 0.60 (the as-of is
  read inside its query);
  maturity evidence 2.08 -> 1.85; band outcomes 0.21 -> 0.79 (scores joined in pandas now);
  lead features (median of 3) 20.5 -> 24.1 (the live query joins the 10M activities to each
  lead's moment); history features 20.0 -> 20.2.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_bench import export_folder  # noqa: E402
from lib.evaluate.recalibration import recalibrate  # noqa: E402
from lib.features import history_features, lead_features  # noqa: E402
from lib.metrics import kpis  # noqa: E402
from lib.metrics.filters import Filters  # noqa: E402
from lib.metrics.maturity import maturity_evidence  # noqa: E402
from lib.metrics.outcomes import band_scores, outcomes_by_band  # noqa: E402
from lib.model import default_model, sla_hours_by_segment  # noqa: E402
from lib.scoring import feature_matrix, score_arrays  # noqa: E402
from lib.store import datasets  # noqa: E402
from lib.store.imports import import_data  # noqa: E402
from lib.store.state import current_versions  # noqa: E402
from lib.store.workspace import open_dataset, open_workspace  # noqa: E402

SAMPLE_LEADS = 20_000
MODEL = default_model()
RULES = MODEL.segments
FILTERS = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31))
Calls = dict[str, Callable[[Any], Any]]

# the KPI calls pages/overview.py makes on one run, in its order
OVERVIEW: Calls = {
    "kpis_by_segment": lambda c: kpis.kpis_by_segment(c, RULES, FILTERS),
    "win_rate_by_segment": lambda c: kpis.win_rate_by_segment(c, RULES, FILTERS),
    "pipeline_mix": lambda c: kpis.pipeline_mix(c, RULES, FILTERS),
    "qualified_opportunity_rate": lambda c: kpis.qualified_opportunity_rate(c, RULES, FILTERS),
    "sla_compliance": lambda c: kpis.sla_compliance(c, RULES, FILTERS, sla_hours_by_segment(MODEL)),
    "speed_to_first_meeting": lambda c: kpis.speed_to_first_meeting(c, RULES, FILTERS),
    "profitable_win_rate": lambda c: kpis.profitable_win_rate(c, RULES, FILTERS, 0.3),
    "kpis_by_quarter": lambda c: kpis.kpis_by_quarter(c, RULES, FILTERS),
    "pipeline_velocity_by_segment": lambda c: kpis.pipeline_velocity_by_segment(c, RULES, FILTERS),
    "pipeline_velocity_backtest": lambda c: kpis.pipeline_velocity_backtest(c, RULES, FILTERS),
    "cycle_time_survival": lambda c: kpis.cycle_time_survival(c, RULES, FILTERS),
}
FEATURES: Calls = {
    "lead_features": lambda c: lead_features(c, model=MODEL),
    "history_features": lambda c: history_features(c, model=MODEL),
}


def database(leads: int) -> Path:
    """Return a workspace of `leads` leads under var/bench/, importing it when absent."""
    path = ROOT / "var" / "bench" / f"queries_{leads}.duckdb"
    workspace = open_workspace(path)
    dataset = datasets.current_dataset(workspace)
    if dataset is None:
        source = datasets.SAMPLE_EXPORT if leads == SAMPLE_LEADS else None
        if source is None:
            folder = ROOT / "var" / "bench" / f"sf_{leads}_{leads * 10}"
            source = export_folder(folder, leads, leads * 10, max(1, leads // 4))
        dataset = import_data(workspace, [source])
    print(f"workspace {path}: {dataset.rows}", file=sys.stderr)
    return path


def current_data(path: Path) -> Any:
    """Return a read-only connection to the workspace's current dataset."""
    workspace = open_workspace(path, create=False)
    return open_dataset(workspace, current_versions(workspace).dataset)


def median_seconds(action: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Return the median wall and CPU seconds (all threads) of `runs` calls of action."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def measured(conn: Any, runs: int, only: set[str]) -> dict[str, tuple[float, float]]:
    """Return median (wall, CPU) seconds per call, plus the Overview's KPI calls in total."""
    found: dict[str, tuple[float, float]] = {}
    if "kpis" in only:
        found |= {name: median_seconds(partial(f, conn), runs) for name, f in OVERVIEW.items()}
        found["overview_kpi_calls"] = (
            sum(found[name][0] for name in OVERVIEW),
            sum(found[name][1] for name in OVERVIEW),
        )
    if "features" in only:
        found |= {name: median_seconds(partial(f, conn), runs) for name, f in FEATURES.items()}
    if "maturity" in only or "recalibration" in only:
        history = history_features(conn, model=MODEL)
        matrix = feature_matrix(history)
    if "maturity" in only:
        # the Overview reads bands on leads scored as they looked when routed
        scores = band_scores(history, score_arrays(matrix, MODEL))
        found["outcomes_by_band"] = median_seconds(lambda: outcomes_by_band(conn, scores), runs)
        found["maturity_evidence"] = median_seconds(
            lambda: maturity_evidence(conn, RULES, scores, 2, sla_hours_by_segment(MODEL)), runs
        )
    if "recalibration" in only:
        # as the app runs it: the Scoring lab's cached history and matrix handed in
        found["recalibrate"] = median_seconds(
            lambda: recalibrate(conn, MODEL, history=history, matrix=matrix), runs
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=SAMPLE_LEADS)
    parser.add_argument("--db", type=Path, help="an imported workspace to time instead")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="kpis,features,maturity,recalibration")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    conn = current_data(args.db or database(args.leads))
    found = measured(conn, args.runs, set(args.only.split(",")))
    if args.json:
        print(json.dumps(found, indent=2))
        return
    print(f"{'':32s} {'wall':>8s}   {'cpu':>8s}")
    for name, (wall, cpu) in found.items():
        print(f"{name:32s} {wall:8.3f} s {cpu:8.3f} s")


if __name__ == "__main__":
    main()
