"""Time rescoring: `score_arrays` (every Scoring-lab slider move) and `score_leads` (full frame).

    python bench/rescore.py --leads 1000000 [--runs 7] [--json]

The synthetic features are drawn directly with numpy (no other generator): ~6 events per lead
over the activity types, ages exponential with a 60-day mean, firmographics log-normal.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.features import AGE_BUCKET_EDGES, bucket_columns  # noqa: E402
from lib.model import default_model, with_half_life, with_thresholds  # noqa: E402
from lib.scoring import feature_matrix, score_arrays, score_leads  # noqa: E402
from lib.store.schema import ACTIVITY_TYPES  # noqa: E402

TYPE_SHARE = np.array([30, 6, 1, 4, 25, 8, 2, 2, 2, 3, 1, 1, 1], dtype="float64")
INDUSTRIES = np.array(
    [
        "Computer Software",
        "Information Technology and Services",
        "Financial Services",
        "Retail",
        "Manufacturing",
        "Healthcare",
    ],
    dtype=object,
)
TITLES = np.array(
    [
        "CEO",
        "VP Sales",
        "Director of IT",
        "IT Manager",
        "Engineer",
        "Analyst",
        "Head of Operations",
        "Marketing Manager",
    ],
    dtype=object,
)
SENIORITY = np.array(
    ["c_level", "vp", "director", "manager", "other", "other", "director", "manager"], dtype=object
)
DEPARTMENT = np.array(
    ["other", "sales", "it", "it", "engineering", "other", "operations", "marketing"], dtype=object
)


def activity_cube(n: int, rng: np.random.Generator) -> np.ndarray:
    """Return (leads x types x age buckets) event counts, ~6 events per lead."""
    per_lead = rng.poisson(6, n)
    lead = np.repeat(np.arange(n), per_lead)
    kind = rng.choice(len(ACTIVITY_TYPES), size=len(lead), p=TYPE_SHARE / TYPE_SHARE.sum())
    age = rng.exponential(60.0, len(lead))
    bucket = np.searchsorted(np.asarray(AGE_BUCKET_EDGES[1:-1]), age, side="right")
    shape = (n, len(ACTIVITY_TYPES), len(AGE_BUCKET_EDGES) - 1)
    flat = np.ravel_multi_index((lead, kind, bucket), shape)
    return np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype("int32")


def synthetic_features(n: int, seed: int = 7) -> pd.DataFrame:
    """Return a lead_features-shaped frame of n synthetic leads."""
    rng = np.random.default_rng(seed)
    role = rng.integers(0, len(TITLES), n)
    days = rng.exponential(40.0, n)
    cube = activity_cube(n, rng)
    has_opp = rng.random(n) < 0.1
    base = pd.DataFrame(
        {
            "lead_id": np.char.add("L", np.arange(n).astype(str)).astype(object),
            "account_id": np.char.add("A", rng.integers(0, n // 8 + 1, n).astype(str)).astype(
                object
            ),
            "email": "x@example.com",
            "email_domain": np.where(rng.random(n) < 0.03, "gmail.com", "example.com"),
            "company_name": "Example",
            "company_blank": rng.random(n) < 0.01,
            "industry": INDUSTRIES[rng.integers(0, len(INDUSTRIES), n)],
            "annual_revenue_usd": np.where(rng.random(n) < 0.7, rng.lognormal(17, 2.5, n), np.nan),
            "employees": np.where(rng.random(n) < 0.8, np.round(rng.lognormal(5, 2, n)), np.nan),
            "title": TITLES[role],
            "seniority": SENIORITY[role],
            "department": DEPARTMENT[role],
            "email_bounced": rng.random(n) < 0.03,
            "days_since_last_touch": days,
            "days_since_update": rng.exponential(30.0, n),
            "days_since_demo_request": np.where(cube[:, 2].sum(axis=1) > 0, days, np.nan),
            "days_since_competitor_research": np.where(cube[:, 11].sum(axis=1) > 0, days, np.nan),
            "mql_at": pd.Series(pd.NaT, index=range(n)).where(
                rng.random(n) > 0.2, pd.Timestamp("2025-01-01")
            ),
            "sal_at": pd.NaT,
            "sql_at": pd.NaT,
            "disqualified_untouched": rng.random(n) < 0.02,
            "touched_recently": days < 90,
            "engaged_colleagues": rng.poisson(2, n),
            "source_opportunity_amount_usd": np.where(has_opp, rng.lognormal(10, 1.2, n), np.nan),
            "as_of": pd.Timestamp("2025-06-01"),
        }
    )
    buckets = pd.DataFrame(cube.reshape(n, -1), columns=bucket_columns())
    return pd.concat([base, buckets], axis=1)


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    """Return the wall time of each run in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and print its figures; return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    model = default_model()
    features = synthetic_features(args.leads)
    matrix_ms = timed(lambda: feature_matrix(features), 1)[0]
    matrix = feature_matrix(features)
    first_ms = timed(lambda: score_arrays(matrix, model), 1)[0]
    # Slider moves as the lab makes them: a new threshold, or a new half-life, each time.
    thresholds = iter([with_thresholds(model, "mid_market", 40 + i, 80) for i in range(args.runs)])
    half_lives = iter([with_half_life(model, 14 + i) for i in range(args.runs)])
    threshold_ms = timed(lambda: score_arrays(matrix, next(thresholds)), args.runs)
    half_life_ms = timed(lambda: score_arrays(matrix, next(half_lives)), args.runs)
    arrays_ms = threshold_ms + half_life_ms
    leads_ms = timed(lambda: score_leads(features, model), max(1, args.runs // 3))
    figures = {
        "leads": args.leads,
        "runs": args.runs,
        "feature_matrix_ms": round(matrix_ms, 1),
        "score_arrays_first_call_ms": round(first_ms, 1),
        "score_arrays_median_ms": round(statistics.median(arrays_ms), 1),
        "score_arrays_min_ms": round(min(arrays_ms), 1),
        "threshold_move_median_ms": round(statistics.median(threshold_ms), 1),
        "half_life_move_median_ms": round(statistics.median(half_life_ms), 1),
        "score_leads_median_ms": round(statistics.median(leads_ms), 1),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>28}: {value}")
    return figures


if __name__ == "__main__":
    main()
