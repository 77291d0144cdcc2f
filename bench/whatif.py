"""Time a Scoring-lab slider move with its back-test: rescore the edited model + every number.

    python bench/whatif.py --leads 1000000 [--runs 9] [--json]
    python bench/whatif.py --feature-file FILE.parquet [--runs 9] [--json]

Reuses bench/rescore.py's synthetic leads and adds outcomes: ~10% of leads closed, won more
often with pricing-page views. With --feature-file, the leads are a feature file's (as
`python -m lib.cli features --out` writes it, on DuckDB or Spark), opened into a workspace as
the app's Import data page opens it, and read back as the Scoring lab reads them; opening and
reading are timed once. The published model's arrays are computed once (as the lab caches
them); each timed call is one `backtest` after a new slider value.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rescore import synthetic_features, timed  # noqa: E402
from lib.evaluate.backtest import Outcomes, backtest, outcomes_from_features  # noqa: E402
from lib.features.leads import ATTRIBUTE_PREFIX  # noqa: E402
from lib.model import (  # noqa: E402
    AttributeRule,
    ScoringModel,
    default_model,
    with_attribute_rule,
    with_behavior_points,
    with_half_life,
    with_pillar_weights,
    with_thresholds,
)
from lib.model.segments import assign_segments  # noqa: E402
from lib.scoring import FeatureMatrix, ScoreArrays, feature_matrix, score_arrays  # noqa: E402
from lib.scoring.matrix import with_attribute_values  # noqa: E402
from lib.store.feature_datasets import stage_feature_file, stored_features  # noqa: E402
from lib.store.imports import apply_import  # noqa: E402
from lib.store.state import current_versions  # noqa: E402
from lib.store.workspace import open_dataset, open_workspace  # noqa: E402

Move = Callable[[ScoringModel, int], ScoringModel]
MOVES: dict[str, Move] = {
    "threshold": lambda m, i: with_thresholds(m, "mid_market", 40 + i, 80),
    "pillar_weight": lambda m, i: with_pillar_weights(
        m, "smb", {"fit": 0.2 + 0.01 * i, "urgency": 0.5 - 0.01 * i}
    ),
    "behavior_points": lambda m, i: with_behavior_points(m, "pricing_page_view", 11 + i),
    "half_life": lambda m, i: with_half_life(m, 14 + i),
}


def with_outcomes(features: pd.DataFrame, seed: int = 11) -> pd.DataFrame:
    """Return the synthetic features with segment, won, lost and amounts added in place."""
    rng = np.random.default_rng(seed)
    n = len(features)
    pricing = features.filter(like="act_pricing_page_view__").sum(axis=1).to_numpy()
    closed = rng.random(n) < 0.1
    won = closed & (rng.random(n) < 0.2 + 0.1 * np.minimum(pricing, 4))
    amount = rng.lognormal(10, 1.2, n)
    segments = assign_segments(
        features["annual_revenue_usd"], features["employees"], default_model().segments
    )
    features["segment"] = np.asarray(segments)
    features["won"], features["lost"] = won, closed & ~won
    features["won_amount_usd"] = np.where(won, amount, 0.0)
    features["deal_amount_usd"] = amount
    return features


def attribute_rule_moves(
    matrix: FeatureMatrix,
    outcomes: Outcomes,
    published: ScoringModel,
    baseline: ScoreArrays,
    runs: int,
) -> dict[str, float]:
    """Return the medians of the lab's attribute-rule path: adding a category attribute the
    published model never read to the matrix (the lead_id map; the query is apart), a rule's
    points moved (each value a new rule: its hits recomputed), and threshold moves with the
    rule in the draft (the steady state once a rule is added)."""
    rng = np.random.default_rng(5)
    ids = pd.Series(np.arange(matrix.n))
    tiers = pd.Series(rng.choice(np.array(["Gold", "Silver", "Bronze", None]), matrix.n))

    def drafted_matrix() -> FeatureMatrix:  # as ui.lab_matrix: values by lead_id, aligned
        return with_attribute_values(
            matrix, pd.DataFrame({ATTRIBUTE_PREFIX + "Tier": ids.map(tiers)})
        )

    load = timed(drafted_matrix, runs)
    drafted = drafted_matrix()
    rules = iter([AttributeRule("Tier", 10.0 + i, "behavior", equals="Gold") for i in range(runs)])
    points = timed(
        lambda: backtest(
            drafted, outcomes, published, with_attribute_rule(published, next(rules)), baseline
        ),
        runs,
    )
    ruled = with_attribute_rule(published, AttributeRule("Tier", 10.0, "behavior", equals="Gold"))
    backtest(drafted, outcomes, published, ruled, baseline)
    edits = iter([with_thresholds(ruled, "mid_market", 40 + i, 80) for i in range(runs)])
    moves = timed(lambda: backtest(drafted, outcomes, published, next(edits), baseline), runs)
    return {
        "attribute_load_p50_ms": round(statistics.median(load), 1),
        "attribute_points_p50_ms": round(statistics.median(points), 1),
        "threshold_with_rule_p50_ms": round(statistics.median(moves), 1),
    }


def opened_features(path: Path, model: ScoringModel) -> tuple[pd.DataFrame, dict[str, float]]:
    """Return a feature file's leads as the lab reads them from a workspace it was opened into,
    and the seconds opening it and reading it back took."""
    with tempfile.TemporaryDirectory() as folder:
        workspace = open_workspace(Path(folder) / "qualify.duckdb")
        started = time.perf_counter()
        apply_import(stage_feature_file(workspace, path), replace=True)
        opened = time.perf_counter() - started
        with open_dataset(workspace, current_versions(workspace).dataset) as conn:
            started = time.perf_counter()
            features, _ = stored_features(conn, model)
            read = time.perf_counter() - started
    return features, {"open_s": round(opened, 2), "read_s": round(read, 2)}


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and print its figures; return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--feature-file", type=Path, help="a feature file's leads, not synthetic")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    published = default_model()
    loading: dict[str, float] = {}
    if args.feature_file:
        features, loading = opened_features(args.feature_file, published)
        started = time.perf_counter()
    else:
        features = with_outcomes(synthetic_features(args.leads))
    matrix = feature_matrix(features)
    outcomes = outcomes_from_features(features)
    if args.feature_file:
        loading["matrix_s"] = round(time.perf_counter() - started, 2)
    leads = len(features)
    del features  # the lab keeps only the matrix and outcomes on the hot path
    baseline = score_arrays(matrix, published)
    backtest(matrix, outcomes, published, published, baseline)  # warm the memo as the lab does
    per_kind: dict[str, list[float]] = {}
    for kind, move in MOVES.items():
        edits = iter([move(published, i + 1) for i in range(args.runs)])
        per_kind[kind] = timed(
            lambda e=edits: backtest(matrix, outcomes, published, next(e), baseline), args.runs
        )
    every = [t for times in per_kind.values() for t in times]
    attribute_figures = attribute_rule_moves(matrix, outcomes, published, baseline, args.runs)
    figures = {
        "leads": leads,
        "source": str(args.feature_file or "synthetic"),
        "runs": args.runs,
        "p50_ms": round(statistics.median(every), 1),
        "p90_ms": round(float(np.percentile(every, 90)), 1),
        **{f"{kind}_p50_ms": round(statistics.median(t), 1) for kind, t in per_kind.items()},
        **attribute_figures,
        **loading,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>24}: {value}")
    return figures


if __name__ == "__main__":
    main()
