"""The maturity matrix: threshold table, levels from evidence, evidence from hand-made data."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import pytest

from lib.features import history_features, lead_features
from lib.metrics.maturity import (
    CAPABILITIES,
    MATURITY_THRESHOLDS,
    maturity_evidence,
    maturity_levels,
    threshold_table,
)
from lib.model import default_model
from lib.model.segments import DEFAULT_SEGMENTS, SegmentRule
from lib.scoring import score_leads
from lib.store.connection import connect
from tests.fixtures import insert


def level_of(capability: str, evidence: dict[str, float | None]) -> int:
    return int(maturity_levels(evidence).set_index("capability").loc[capability, "level"])


@pytest.mark.parametrize(
    ("capability", "evidence", "level"),
    [
        ("segmentation", {}, 1),
        ("segmentation", {"segmented_share": None}, 1),
        ("segmentation", {"segmented_share": 0.49}, 1),
        ("segmentation", {"segmented_share": 0.50}, 2),
        ("segmentation", {"segmented_share": 0.80}, 3),
        ("segmentation", {"segmented_share": 0.95}, 4),
        ("qualification", {"qualified_opportunity_share": 0.74}, 3),
        ("scoring", {"top_band_lift": 0.9}, 1),
        ("scoring", {"top_band_lift": 1.0}, 2),
        ("scoring", {"top_band_lift": 1.49}, 3),
        ("scoring", {"top_band_lift": 1.5}, 4),
        ("process", {"sla_compliance": 0.9}, 4),
        ("financial", {"won_with_margin_share": 0.2}, 1),
        ("optimisation", {"model_versions": 0}, 1),
        ("optimisation", {"model_versions": 1}, 2),
        ("optimisation", {"model_versions": 2, "days_since_last_model": None}, 2),
        ("optimisation", {"model_versions": 2, "days_since_last_model": 181}, 2),
        ("optimisation", {"model_versions": 2, "days_since_last_model": 100}, 3),
        ("optimisation", {"model_versions": 3, "days_since_last_model": 100}, 3),
        ("optimisation", {"model_versions": 3, "days_since_last_model": 60}, 4),
    ],
)
def test_maturity_level_is_the_highest_level_whose_thresholds_all_hold(capability, evidence, level):
    assert level_of(capability, evidence) == level


def test_every_capability_has_rising_thresholds_for_levels_two_to_four():
    for capability in CAPABILITIES:
        rules = [t for t in MATURITY_THRESHOLDS if t.capability == capability.key]
        assert {t.level for t in rules} == {2, 3, 4}
        for evidence in {t.evidence for t in rules if t.minimum is not None}:
            minimums = [
                t.minimum
                for t in sorted(rules, key=lambda t: t.level)
                if t.evidence == evidence and t.minimum is not None
            ]
            assert minimums == sorted(minimums)
        assert all(t.help for t in rules)


@pytest.mark.parametrize(
    ("capability", "evidence", "sentence"),
    [
        (
            "segmentation",
            {"segmented_share": 0.72, "segmentation_records": 1234},
            "72% of 1,234 leads and accounts have a segment.",
        ),
        (
            "segmentation",
            {"segmented_share": 0.72, "segmented_share_low": 0.7, "segmentation_records": 1234},
            "72% (95% interval from 70%) of 1,234 leads and accounts have a segment.",
        ),
        (
            "segmentation",
            {"segmented_share": None, "segmentation_records": 0},
            "No leads or accounts to segment yet.",
        ),
        (
            "process",
            {"sla_compliance": 0.5, "mqls_due": 4, "median_hours_to_first_meeting": None},
            "50% of 4 MQLs were accepted or rejected within their segment's SLA.",
        ),
        (
            "optimisation",
            {"model_versions": 1, "days_since_last_model": 12},
            "1 published model versions, the last 12 days before the latest data.",
        ),
    ],
)
def test_maturity_levels_show_the_evidence_as_a_sentence(capability, evidence, sentence):
    row = maturity_levels(evidence).set_index("capability").loc[capability]
    assert row["evidence"] == sentence


def test_maturity_levels_say_what_the_next_level_needs_and_nothing_at_the_top():
    levels = maturity_levels({"segmented_share": 0.95}).set_index("capability")
    assert levels.loc["segmentation", "next_level_needs"] == ""
    assert levels.loc["scoring", "next_level_needs"] == "the top band wins at least the average"


def test_maturity_levels_do_not_mutate_the_evidence():
    evidence = {"segmented_share": 0.6}
    maturity_levels(evidence)
    assert evidence == {"segmented_share": 0.6}


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    conn = connect(":memory:")
    insert(
        conn, "accounts", [{"account_id": "A1", "annual_revenue_usd": 2e9}, {"account_id": "A2"}]
    )
    insert(
        conn,
        "leads",
        [
            # enterprise, accepted after 10 h (SLA 24 h), first meeting after 48 h
            {
                "lead_id": "L1",
                "account_id": "A1",
                "mql_at": "2024-06-01 00:00",
                "sal_at": "2024-06-01 10:00",
                "sql_at": "2024-06-02",
                "first_meeting_at": "2024-06-03",
                "updated_at": "2024-06-30",
            },
            # unassigned (its account has no size), MQL 12 h before the data ends: not yet due
            {"lead_id": "L2", "account_id": "A2", "mql_at": "2024-06-29 12:00"},
            # smb, rejected after 6 h against a 4 h SLA
            {
                "lead_id": "L3",
                "employees": 10,
                "mql_at": "2024-06-01 00:00",
                "disqualified_at": "2024-06-01 06:00",
            },
            # unassigned, never handled and long overdue
            {"lead_id": "L4", "mql_at": "2024-06-01 00:00"},
        ],
    )
    insert(
        conn,
        "opportunities",
        [
            {
                "opportunity_id": "O1",
                "account_id": "A1",
                "lead_id": "L1",
                "is_closed": True,
                "is_won": True,
                "gross_margin_usd": 10.0,
            },
            {"opportunity_id": "O2", "lead_id": "L3", "is_closed": True, "is_won": True},
            {"opportunity_id": "O3", "is_closed": True, "is_won": False},
            {"opportunity_id": "O4", "account_id": "A1", "lead_id": "L1", "is_closed": False},
        ],
    )
    return conn


def measured(conn: duckdb.DuckDBPyConnection, **overrides: Any) -> dict[str, float | None]:
    arguments: dict[str, Any] = {
        "rules": DEFAULT_SEGMENTS,
        "scores": pd.DataFrame(
            {
                "lead_id": ["L1", "L3"],
                "band": ["very likely", "unlikely"],
                "qualification_score": [96.0, 20.0],
            }
        ),
        "model_versions": 2,
        "sla_hours": {"enterprise": 24.0, "smb": 4.0},
        "last_published_at": pd.Timestamp("2024-05-01"),
        "min_band_deals": 1,
    } | overrides
    return maturity_evidence(conn, **arguments)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("segmented_share", 0.5),  # A1, L1, L3 of two accounts and four leads
        ("segmentation_records", 6),
        ("qualified_opportunity_share", 0.5),  # O1 and O4 come from L1, which reached SQL
        ("won_with_margin_share", 0.5),
        ("won_deals", 2),
        ("top_band_lift", 1.0),
        ("sla_compliance", 1 / 3),  # L1 in time; L3 late; L4 overdue; L2 not yet due
        ("mqls_due", 3),
        ("median_hours_to_first_meeting", 48),
        ("model_versions", 2),
        ("days_since_last_model", 60),  # measured from the data's 2024-06-30, not today
    ],
)
def test_maturity_evidence_is_measured_from_the_data(conn, key, value):
    assert measured(conn)[key] == pytest.approx(value)


def test_maturity_evidence_feeds_maturity_levels_judged_on_the_intervals_lower_end(conn):
    # every rate here rests on 1-6 records: its 95% interval starts far below its value (3 of
    # 6 segmented: from 19%), so no rate reaches level 2; versions are counts, not estimates
    levels = maturity_levels(measured(conn)).set_index("capability")["level"]
    assert levels.to_dict() == {
        "segmentation": 1,
        "qualification": 1,
        "scoring": 1,
        "process": 1,
        "financial": 1,
        "optimisation": 3,
    }
    assert measured(conn)["segmented_share_low"] == pytest.approx(0.1876, abs=1e-4)


@pytest.mark.parametrize(
    ("share", "low", "level"),
    [
        (0.55, 0.35, 1),  # 55% on a few records: the interval reaches below 50%
        (0.55, 0.52, 2),  # 55% on many: the interval clears 50%
        (0.82, 0.79, 2),
        (0.82, 0.81, 3),
    ],
)
def test_a_rate_reaches_a_level_only_when_its_interval_clears_the_cut_off(share, low, level):
    evidence = {"segmented_share": share, "segmented_share_low": low}
    assert level_of("segmentation", evidence) == level


def test_the_threshold_table_shows_every_cut_off_with_its_reasoning():
    table = threshold_table().set_index("Capability")
    assert list(table.columns) == [
        "Level 2: defined",
        "Level 3: managed",
        "Level 4: operationalised",
        "Why these cut-offs",
    ]
    assert table.loc["Lead & account scoring", "Level 4: operationalised"] == (
        "the top band wins 1.5× the average"
    )
    assert all(len(why) > 40 for why in table["Why these cut-offs"])


def test_on_the_sample_the_top_band_scored_at_routing_time_reaches_level_four(sample_conn):
    conn = sample_conn
    model = default_model()
    at_routing = history_features(conn, model=model)
    scores = score_leads(at_routing, model)[["lead_id", "band", "qualification_score"]]
    evidence = maturity_evidence(conn, DEFAULT_SEGMENTS, scores, 1, {"enterprise": 4.0})
    # the top band wins 95 of 161 closed (59.0%, from 51.3%) against 312 of 1,035 overall
    assert evidence["top_band_lift"] == pytest.approx((95 / 161) / (312 / 1035))
    assert evidence["top_band_lift_low"] == pytest.approx(0.512854 / (312 / 1035), abs=1e-4)
    assert level_of("scoring", evidence) == 4
    today = score_leads(lead_features(conn, model=model), model)
    scored_today = maturity_evidence(conn, DEFAULT_SEGMENTS, today, 1, {"enterprise": 4.0})
    assert scored_today["top_band_lift"] == pytest.approx(1.11, abs=0.01)  # what the page said
    assert level_of("scoring", scored_today) == 1


def test_scoring_evidence_skips_a_top_band_with_too_few_closed_deals(conn):
    # "very likely" holds one closed deal: with two required, "unlikely" (one deal) is not
    # enough either, so nothing is judged rather than reading a 1-deal band's lift
    assert measured(conn, min_band_deals=2)["top_band_lift"] is None
    scores = pd.DataFrame(
        {
            "lead_id": ["L1", "L3"],
            "band": ["very likely", "very likely"],
            "qualification_score": [96.0, 97.0],
        }
    )
    assert measured(conn, scores=scores, min_band_deals=2)["top_band_lift"] == pytest.approx(1.0)


def test_maturity_evidence_without_scores_or_a_published_model_is_unmeasured(conn):
    evidence = measured(conn, scores=None, model_versions=0, last_published_at=None)
    assert evidence["top_band_lift"] is None
    assert evidence["days_since_last_model"] is None


def test_maturity_evidence_on_an_empty_database_measures_nothing():
    evidence = measured(connect(":memory:"), scores=None)
    assert [
        evidence[key]
        for key in (
            "segmented_share",
            "qualified_opportunity_share",
            "won_with_margin_share",
            "sla_compliance",
        )
    ] == [None] * 4
    levels = maturity_levels(evidence).set_index("capability")["level"].to_dict()
    # two published versions count even without data to date them against
    assert levels == {
        "segmentation": 1,
        "qualification": 1,
        "scoring": 1,
        "process": 1,
        "financial": 1,
        "optimisation": 2,
    }


def test_maturity_evidence_segments_records_by_the_rules_it_is_given(conn):
    # only revenue of $1B or more places a record: A1 and its lead L1 of six records
    enterprise_only = (SegmentRule("enterprise", "Enterprise", 1e9, 1_000_000),)
    assert measured(conn, rules=enterprise_only)["segmented_share"] == pytest.approx(2 / 6)
