"""Score bands and deciles against hand-made outcomes whose rates are known by hand."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pandas as pd
import pytest

from lib.metrics.outcomes import BAND_COLUMNS, outcomes_by_band
from lib.store.connection import connect
from tests.fixtures import insert


def won(opp: str, lead: str, amount: float, margin: float | None = None) -> dict[str, Any]:
    return {
        "opportunity_id": opp,
        "lead_id": lead,
        "is_closed": True,
        "is_won": True,
        "amount_usd": amount,
        "gross_margin_usd": margin,
    }


def lost(opp: str, lead: str) -> dict[str, Any]:
    return {
        "opportunity_id": opp,
        "lead_id": lead,
        "is_closed": True,
        "is_won": False,
        "amount_usd": 1.0,
    }


SCORES = pd.DataFrame(
    {
        "lead_id": list("abcdefghi"),
        "band": ["very likely"] * 3 + ["likely"] * 4 + ["unlikely"] * 2,
        "qualification_score": [99, 97, 95, 80, 70, 60, 55, 30, 10],
    }
)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    conn = connect(":memory:")
    insert(
        conn,
        "leads",
        [
            {"lead_id": lead, "sql_at": "2024-01-01" if lead in "abcd" else None}
            for lead in "abcdefghi"
        ],
    )
    insert(
        conn,
        "opportunities",
        [
            won("o1", "a", 100_000, 30_000),
            lost("o1b", "a"),  # any win makes the lead won
            won("o2", "b", 50_000),
            lost("o3", "c"),
            won("o4", "d", 20_000, 5_000),
            lost("o5", "e"),
            lost("o6", "f"),
            {"opportunity_id": "o7", "lead_id": "g", "is_closed": False, "amount_usd": 9.0},
            lost("o8", "i"),
        ],
    )
    return conn


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        (
            "very likely",
            {
                "leads": 3,
                "reached_sql": 3,
                "won": 2,
                "lost": 1,
                "win_rate": 2 / 3,
                "conversion": 2 / 3,
                "avg_won_amount_usd": 75_000,
                "avg_gross_margin_usd": 30_000,
                "lift": 14 / 9,
            },
        ),
        (
            "likely",
            {
                "leads": 4,
                "reached_sql": 1,
                "won": 1,
                "lost": 2,
                "win_rate": 1 / 3,
                "conversion": 1 / 4,
                "avg_won_amount_usd": 20_000,
                "avg_gross_margin_usd": 5_000,
                "lift": 7 / 9,
            },
        ),
        (
            "unlikely",
            {
                "leads": 2,
                "reached_sql": 0,
                "won": 0,
                "lost": 1,
                "win_rate": 0.0,
                "conversion": 0.0,
                "lift": 0.0,
            },
        ),
    ],
)
def test_outcomes_by_band_counts_each_lead_by_its_source_opportunity(conn, band, expected):
    row = outcomes_by_band(conn, SCORES).set_index("band").loc[band]
    assert {key: row[key] for key in expected} == pytest.approx(expected)


def test_outcomes_by_band_lists_highest_scoring_band_first_with_intervals(conn):
    bands = outcomes_by_band(conn, SCORES)
    assert list(bands["band"]) == ["very likely", "likely", "unlikely"]
    assert list(bands.columns) == BAND_COLUMNS
    assert (bands["win_rate_low"] <= bands["win_rate"]).all()
    assert (bands["win_rate"] <= bands["win_rate_high"]).all()
    assert math.isnan(bands.set_index("band").loc["unlikely", "avg_won_amount_usd"])


@pytest.mark.parametrize(("closed_leads", "small"), [(3, True), (29, True), (30, False)])
def test_outcomes_by_band_flags_win_rates_from_fewer_than_thirty_closed_leads(closed_leads, small):
    conn = connect(":memory:")
    leads = [f"l{i}" for i in range(closed_leads)]
    insert(conn, "leads", [{"lead_id": lead} for lead in leads])
    insert(conn, "opportunities", [won(f"o{lead}", lead, 1.0) for lead in leads])
    scores = pd.DataFrame({"lead_id": leads, "band": "likely", "qualification_score": 60.0})
    assert outcomes_by_band(conn, scores)["small_sample"].tolist() == [small]


def test_outcomes_by_band_with_no_scores_returns_an_empty_frame_with_every_column(conn):
    empty = pd.DataFrame({"lead_id": [], "band": [], "qualification_score": []})
    bands = outcomes_by_band(conn, empty)
    assert bands.empty
    assert list(bands.columns) == BAND_COLUMNS


def test_outcomes_by_band_does_not_mutate_the_scores(conn):
    scores = SCORES.copy()
    outcomes_by_band(conn, scores)
    pd.testing.assert_frame_equal(scores, SCORES)
