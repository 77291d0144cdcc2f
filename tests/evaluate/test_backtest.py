from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.evaluate.backtest import backtest, outcomes_from_features
from lib.features import bucket_column, bucket_columns
from lib.model import (
    ActivityPoints,
    ScoreScale,
    default_model,
    with_behavior_points,
    with_changes,
    with_half_life,
    with_pillar_weights,
    with_thresholds,
)
from lib.scoring import feature_matrix, score_arrays

REVENUE = {"enterprise": 2e9, "mid_market": 60e6, "smb": 1e6}
# One page view = one point and the score is the behaviour pillar alone, so each lead's score is
# its page views: (score, segment, won, lost, won_amount_usd, deal_amount_usd)
HISTORY = [
    (95, "enterprise", True, False, 100_000, 100_000),  # L0
    (92, "mid_market", False, True, 0, 40_000),  # L1
    (88, "enterprise", True, False, 50_000, 50_000),  # L2
    (85, "smb", False, True, 0, 10_000),  # L3
    (82, "mid_market", True, False, 30_000, 30_000),  # L4
    (79, "smb", True, False, 20_000, 20_000),  # L5: a win just under the SQL line
    (70, "enterprise", False, False, 0, 150_000),  # L6: still open
    (60, "smb", False, True, 0, 12_000),  # L7
    (40, "mid_market", False, False, 0, 40_000),  # L8
    (10, "smb", True, False, 5_000, 5_000),  # L9: a win the model misses
]


def history() -> pd.DataFrame:
    """Return a history_features-shaped frame of the ten leads above."""
    n = len(HISTORY)
    score, segment, won, lost, won_amount, deal = (list(c) for c in zip(*HISTORY, strict=True))
    frame = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "segment": segment,
            "annual_revenue_usd": [REVENUE[s] for s in segment],
            "employees": np.nan,
            "source_opportunity_amount_usd": np.nan,
            "industry": "Retail",
            "seniority": "other",
            "department": "other",
            "email_domain": "example.com",
            "company_blank": False,
            "email_bounced": False,
            "days_since_update": 1.0,
            "days_since_last_touch": 1.0,
            "days_since_demo_request": np.nan,
            "days_since_competitor_research": np.nan,
            "mql_at": pd.NaT,
            "sal_at": pd.NaT,
            "sql_at": pd.NaT,
            "disqualified_untouched": False,
            "engaged_colleagues": 0,
            "won": won,
            "lost": lost,
            "won_amount_usd": won_amount,
            "deal_amount_usd": deal,
        }
    )
    counts = pd.DataFrame(0, index=frame.index, columns=bucket_columns())
    counts[bucket_column("page_view", "d0_7")] = score
    return pd.concat([frame, counts], axis=1)


def page_view_model(sql_threshold: float = 80.0):
    """Return a model whose score is exactly the lead's page views (no decay, no stretch)."""
    model = with_changes(default_model(), score_scale=ScoreScale(0.0, 100.0))
    model = with_half_life(model, 1e9)  # no decay in float32; a model file refuses inf
    model = with_changes(
        model,
        behavior_points=model.behavior_points
        | {"page_view": ActivityPoints(points=1.0, cap=100.0)},
    )
    only_urgency = {"fit": 0, "value": 0, "urgency": 1, "authority": 0, "risk": 0}
    for segment in ("enterprise", "mid_market", "smb"):
        model = with_pillar_weights(model, segment, only_urgency)
        model = with_thresholds(model, segment, 50, sql_threshold)
    return model


def run(edited, published=None, **kwargs):
    features = history()
    matrix = feature_matrix(features)
    published = published or page_view_model()
    return backtest(
        matrix,
        outcomes_from_features(features),
        published,
        edited,
        score_arrays(matrix, published),
        **kwargs,
    )


def values(result, column):
    return result.summary.set_index("metric")[column].to_dict()


def test_scores_are_the_page_views_so_the_counts_below_are_known_by_hand():
    scores = score_arrays(feature_matrix(history()), page_view_model()).qualification_score
    assert scores.tolist() == [row[0] for row in HISTORY]


@pytest.mark.parametrize(
    "model, metric, expected",
    [
        ("published", "mql_leads", 8),
        ("published", "sql_leads", 5),
        ("published", "mql_to_sql", 5 / 8),
        ("published", "recall_won", 3 / 5),
        ("published", "recall_won_revenue", 180 / 205),
        ("published", "precision_win_rate", 3 / 5),
        ("edited", "mql_leads", 8),
        ("edited", "sql_leads", 2),
        ("edited", "mql_to_sql", 2 / 8),
        ("edited", "recall_won", 1 / 5),
        ("edited", "recall_won_revenue", 100 / 205),
        ("edited", "precision_win_rate", 1 / 2),
    ],
)
def test_raising_the_sql_threshold_from_80_to_90_counts_by_hand(model, metric, expected):
    result = run(page_view_model(sql_threshold=90))
    assert values(result, model)[metric] == pytest.approx(expected)


def test_raising_the_sql_threshold_drops_exactly_the_leads_scoring_80_to_89():
    result = run(page_view_model(sql_threshold=90))
    assert sorted(result.changed.tolist()) == [2, 3, 4]
    assert result.transitions.to_dict("records") == [
        {"from_stage": "sql", "to_stage": "mql", "leads": 3}
    ]


def test_deltas_are_edited_minus_published():
    summary = run(page_view_model(sql_threshold=90)).summary
    assert np.allclose(summary["delta"], summary["edited"] - summary["published"])
    assert summary.set_index("metric").loc["sql_leads", "delta"] == -3


def test_rates_carry_counts_and_a_wilson_interval_around_the_rate():
    rates = run(page_view_model(sql_threshold=90)).rates.set_index(["model", "metric"])
    row = rates.loc[("edited", "precision_win_rate")]
    assert (row["successes"], row["trials"], row["rate"]) == (1, 2, 0.5)
    assert row["rate_low"] < 0.5 < row["rate_high"]


def test_bands_count_leads_wins_and_win_rate_by_hand():
    bands = run(page_view_model()).bands
    published = bands[bands["model"] == "published"].set_index("band")
    assert published.loc["very_likely", ["leads", "won", "closed"]].tolist() == [1, 1, 1]
    assert published.loc["likely", ["leads", "won", "closed"]].tolist() == [7, 3, 6]
    assert published.loc["likely", "win_rate"] == pytest.approx(0.5)
    assert published.loc["unlikely", ["leads", "won", "closed"]].tolist() == [2, 1, 1]


def test_pipeline_mix_of_the_sql_set_by_segment():
    mix = run(page_view_model()).mix
    published = mix[mix["model"] == "published"].set_index("segment")
    assert published["leads"].to_dict() == {"enterprise": 2, "mid_market": 2, "smb": 1}
    assert published.loc["enterprise", "amount_share"] == pytest.approx(150 / 230)
    assert published.loc["smb", "count_share"] == pytest.approx(1 / 5)


def test_changed_leads_are_listed_largest_score_change_first_up_to_the_limit():
    # 0.9 points per view: L2 88 -> 79.2, L3 85 -> 76.5, L4 82 -> 73.8 fall below 80
    edited = with_behavior_points(page_view_model(), "page_view", 0.9)
    result = run(edited, changed_limit=2)
    assert result.changed.tolist() == [2, 3]
    assert result.score_change == pytest.approx([-8.8, -8.5], abs=1e-3)
    assert run(edited).changed.tolist() == [2, 3, 4]


def test_identical_models_change_nothing():
    result = run(page_view_model())
    assert (result.summary["delta"].fillna(0) == 0).all()
    assert result.changed.size == 0 and result.transitions.empty


def test_without_a_baseline_the_published_model_is_scored_here():
    features = history()
    edited = page_view_model(sql_threshold=90)
    result = backtest(
        feature_matrix(features), outcomes_from_features(features), page_view_model(), edited
    )
    assert values(result, "delta") == values(run(edited), "delta")
