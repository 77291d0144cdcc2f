"""Time every page's render through Streamlit's AppTest, cold and warm, on the sample or at 1M.

    python bench/pages.py --leads 20000|1000000 [--runs 5] [--pages overview,leads] [--json]

The database is built once under var/bench/ and reused: --leads 20000 imports the bundled
sample; any other size imports a Salesforce-shaped Parquet export from data/generate.py
(N leads, 10 activities and 1/4 opportunity per lead, written by bench/import_bench.py).
Per page, median of --runs:
  cold    first render in a fresh process: every st.cache_* cleared, so the connection, the
          lead features, the scores and the segment views are computed inside the render;
  rerun   the same session run again (every cache warm);
  widget  the same session after one widget moved (a slider; pages without one rerun).
The Recalibration page fits only when its button is pressed: its render is timed as above
and the first fit (cold cache) separately, once. --profile PAGE prints the costliest calls of
one warm widget run. Target (issue): warm < 2 s on the sample, < 5 s at 1M leads.
Measured on 2 cores (warm = rerun / widget, seconds):
  sample, 5 runs: every page <= 0.42 warm; cold 0.2-1.9; first fit 0.6.
  1M leads, 1 run: overview 2.1/2.5, quarterly review 2.0/2.9, leads 4.5-7.0/1.0 (st.dataframe
  serialising all 1M rows is ~4 s of it), data quality 1.4/3.5, scoring lab 0.5/0.5; cold
  51-57 s on the data pages (lead features 33 s, scoring 8 s, once per import), scoring lab
  28 s (history), first recalibration fit 35 s. Before the caching and top_factors work:
  overview 6.4/7.0, leads 23/3.7, data quality 22.6/20.2.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.import_bench import export_folder  # noqa: E402
from lib.store.connection import DB_ENV_VAR  # noqa: E402
from lib.store.datasets import SAMPLE_EXPORT, current_dataset  # noqa: E402
from lib.store.imports import import_data  # noqa: E402
from lib.store.workspace import open_workspace  # noqa: E402

APP = str(ROOT / "app.py")
SAMPLE_LEADS = 20_000
TARGET_SECONDS = {SAMPLE_LEADS: 2.0}
LARGE_TARGET_SECONDS = 5.0
Move = Callable[[AppTest], AppTest]
# one cheap, representative widget move per page: (widget key, new value)
MOVES: dict[str, tuple[str, Any] | None] = {
    "overview": ("target_enterprise", 50),
    "quarterly_review": ("margin_target", 40),
    "leads": ("min_score", 50),
    "data_quality": ("stale_days", 60),
    "scoring_lab": ("lab_sql_threshold", 70.0),
    "recalibration": ("recal_test_share", 0.3),
    "data": None,
}
PAGES = tuple(MOVES)


def database_file(leads: int) -> Path:
    """Return a workspace holding `leads` leads under var/bench/, importing it when absent."""
    path = ROOT / "var" / "bench" / f"pages_{leads}.duckdb"
    workspace = open_workspace(path)
    dataset = current_dataset(workspace)
    if dataset is None:
        started = time.perf_counter()
        dataset = import_data(workspace, [export_source(leads)])
        print(f"imported {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(f"workspace {path}: {dataset.rows}", file=sys.stderr)
    return path


def export_source(leads: int) -> Path:
    """Return the export to import: the bundled sample at 20k, else a generated Parquet folder."""
    if leads == SAMPLE_LEADS:
        return SAMPLE_EXPORT
    activities, opportunities = leads * 10, max(1, leads // 4)
    folder = ROOT / "var" / "bench" / f"sf_{leads}_{activities}"
    return export_folder(folder, leads, activities, opportunities)


def clear_caches() -> None:
    """Forget every cached connection, feature frame, score and query: a fresh process."""
    st.cache_data.clear()
    st.cache_resource.clear()


def timed(action: Callable[[], AppTest]) -> tuple[float, AppTest]:
    """Return the seconds one AppTest run took and the test, refusing a run that raised."""
    started = time.perf_counter()
    at = action()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    return seconds, at


def opened(page: str) -> AppTest:
    """Return a new session switched to the page (switch before the first run, as the tests do)."""
    return AppTest.from_file(APP, default_timeout=600).switch_page(f"pages/{page}.py")


def moved(at: AppTest, page: str) -> AppTest:
    """Return the session after the page's widget move (a plain rerun when it has none)."""
    move = MOVES[page]
    if move is None:
        return at.run()
    key, value = move
    return at.slider(key=key).set_value(value).run()


def page_times(page: str) -> dict[str, float]:
    """Return cold, rerun and widget seconds of one page in one fresh session."""
    clear_caches()
    cold, at = timed(lambda: opened(page).run())
    rerun, at = timed(at.run)
    widget, at = timed(lambda: moved(at, page))
    return {"cold": cold, "rerun": rerun, "widget": widget}


def fit_seconds() -> float:
    """Return the seconds of the Recalibration page's first fit (cold fit cache), once."""
    clear_caches()
    at = opened("recalibration").run()
    seconds, at = timed(lambda: at.button(key="recal_run").click().run())
    if not at.metric:
        raise RuntimeError("the Recalibration page did not fit")
    return seconds


def page_medians(pages: tuple[str, ...], runs: int) -> dict[str, dict[str, float]]:
    """Return each page's median cold, rerun and widget seconds over the runs."""
    medians: dict[str, dict[str, float]] = {}
    for page in pages:
        times = [page_times(page) for _ in range(runs)]
        medians[page] = {
            kind: round(statistics.median(t[kind] for t in times), 2) for kind in times[0]
        }
        print(f"{page}: {medians[page]}", file=sys.stderr)
    return medians


def profiled_widget_run(page: str, top: int = 30) -> str:
    """Return the costliest calls (cumulative) of one warm widget run of the page."""
    clear_caches()
    at = opened(page).run()
    at.run()
    profile = cProfile.Profile()
    # the page runs in AppTest's script thread: start the profiler from inside that thread
    threading.setprofile(lambda *_: profile.enable())
    try:
        timed(lambda: moved(at, page))
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
        profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(figures: dict[str, Any]) -> str:
    """Return the figures as a plain text table with the target and a pass mark per page."""
    target = figures["target_warm_seconds"]
    lines = [
        f"{figures['leads']:,} leads, median of {figures['runs']} runs (seconds); "
        f"target warm < {target:g} s",
        f"{'page':<18}{'cold':>8}{'rerun':>8}{'widget':>8}  warm ok",
    ]
    for page, times in figures["pages"].items():
        ok = "yes" if max(times["rerun"], times["widget"]) < target else "NO"
        lines.append(
            f"{page:<18}{times['cold']:>8.2f}{times['rerun']:>8.2f}{times['widget']:>8.2f}  {ok}"
        )
    if figures.get("recalibration_fit_seconds") is not None:
        lines.append(f"recalibration fit (first, cold): {figures['recalibration_fit_seconds']:.2f}")
    lines.append(f"peak RSS: {figures['peak_rss_mb']:,.0f} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Build or reuse the database, time the pages, print a table (or one JSON line)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=SAMPLE_LEADS)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated page names")
    parser.add_argument("--no-fit", action="store_true", help="skip the recalibration fit")
    parser.add_argument("--profile", choices=PAGES, help="profile one warm widget run")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    os.environ[DB_ENV_VAR] = str(database_file(args.leads))
    if args.profile:
        print(profiled_widget_run(args.profile))
        return {}
    pages = tuple(p for p in args.pages.split(",") if p)
    figures: dict[str, Any] = {
        "leads": args.leads,
        "runs": args.runs,
        "target_warm_seconds": TARGET_SECONDS.get(args.leads, LARGE_TARGET_SECONDS),
        "pages": page_medians(pages, args.runs),
        "recalibration_fit_seconds": None if args.no_fit else round(fit_seconds(), 2),
    }
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(figures) if args.json else table(figures))
    return figures


if __name__ == "__main__":
    main()
