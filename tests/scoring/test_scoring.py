from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.features import lead_features
from lib.model import (
    PILLARS,
    ScoreScale,
    default_model,
    with_behavior_points,
    with_changes,
    with_half_life,
    with_pillar_weights,
    with_thresholds,
)
from lib.scoring import (
    SCORE_COLUMNS,
    account_rollup,
    explain_lead,
    feature_matrix,
    framework_codes,
    score_arrays,
    score_leads,
)
from lib.store.connection import connect

AS_OF = "2024-06-01 00:00:00"


def database(leads, activities=(), opportunities=()):
    """Return an in-memory database with Acme (enterprise, ICP) and the given rows."""
    conn = connect(":memory:")
    conn.execute(
        "insert into accounts (account_id, name, industry, annual_revenue_usd, employees, country, "
        "created_at) values ('A1', 'Acme', 'Computer Software', 2e9, 5000, "
        "'US', '2024-01-01')"
    )
    conn.execute(
        "insert into accounts (account_id, name, industry, annual_revenue_usd, employees, country, "
        "created_at) values ('B1', 'Bolt', 'Retail', 60e6, 300, 'US', '2024-01-01')"
    )
    for lead_id, account, email, title, sal_at in leads:
        conn.execute(
            """insert into leads (lead_id, account_id, email, company_name, title,
            created_at, updated_at, sal_at, email_bounced)
            values (?, ?, ?, 'Co', ?, ?, ?, ?, false)""",
            [lead_id, account, email, title, AS_OF, AS_OF, sal_at],
        )
    for i, (lead_id, kind, days_ago) in enumerate(activities):
        conn.execute(
            f"insert into activities values (?, ?, null, ?, timestamp '{AS_OF}' - "
            f"interval {days_ago} day, 's')",
            [f"X{i}", lead_id, kind],
        )
    for i, (lead_id, amount) in enumerate(opportunities):
        conn.execute(
            "insert into opportunities (opportunity_id, account_id, lead_id, name, stage, channel, "
            "created_at, close_date, is_closed, is_won, amount_usd, gross_margin_usd) "
            "values (?, 'A1', ?, 'd', 'Open', 'web', ?, ?, false, false, ?, 0)",
            [f"O{i}", lead_id, AS_OF, AS_OF, amount],
        )
    return conn


def scores_of(conn, model=None):
    model = model or default_model()
    features = lead_features(conn, model=model)
    return features, score_leads(features, model).set_index("lead_id")


def test_the_grade_adds_up_by_hand():
    # base 30 + ICP industry 20 + size fits 10 + VP 15 + IT 10 = 85
    _, scores = scores_of(database([("L1", "A1", "vp@acme.com", "VP of IT", None)]))
    assert scores.loc["L1", "grade"] == pytest.approx(85)
    assert scores.loc["L1", "grade_letter"] == "A"
    assert scores.loc["L1", "risk"] == pytest.approx(100)


def test_an_event_one_half_life_old_counts_half():
    conn = database(
        [("L1", "A1", "vp@acme.com", "VP", None)], [("L1", "pricing_page_view", 22)]
    )  # 22 days: its bucket's mid-point
    _, scores = scores_of(conn, with_half_life(default_model(), 22))
    assert scores.loc["L1", "behavior_score"] == pytest.approx(10 / 2, abs=1e-4)


def test_points_per_activity_type_are_capped():
    conn = database([("L1", "A1", "vp@acme.com", "VP", None)], [("L1", "pricing_page_view", 0)] * 5)
    model = with_half_life(default_model(), 1e9)  # no decay: 5 x 10 = 50, capped at 40
    _, scores = scores_of(conn, model)
    assert scores.loc["L1", "behavior_score"] == pytest.approx(40)


@pytest.mark.parametrize("email", ["kid@gmail.com", "kid@uni.edu", "spy@competitor.example"])
def test_no_go_factors_disqualify_even_a_hand_raiser(email):
    conn = database([("L1", "A1", email, "CEO", None)], [("L1", "demo_request", 0)])
    _, scores = scores_of(conn)
    row = scores.loc["L1"]
    assert (row["grade"], row["qualification_score"], row["grade_letter"]) == (0, 0, "F")
    assert row["stage"] == "recycled"
    assert row["top_factors"].startswith("no-go:")


def test_a_hand_raiser_goes_straight_to_mql():
    conn = database(
        [("L1", "B1", "a@bolt.com", "Analyst", None), ("L2", "B1", "b@bolt.com", "Analyst", None)],
        [("L1", "demo_request", 1)],
    )
    _, scores = scores_of(conn)
    assert scores.loc["L1", "qualification_score"] < 50
    assert scores["stage"].to_dict() == {"L1": "mql", "L2": "lead"}
    assert pd.notna(scores.loc["L1", "sla_due_at"]) and pd.isna(scores.loc["L2", "sla_due_at"])
    # mid-market SLA: 8 hours from the data's as-of moment (no mql_at recorded)
    assert scores.loc["L1", "sla_due_at"] == pd.Timestamp(AS_OF) + pd.Timedelta(hours=8)


def test_per_segment_thresholds_decide_the_stage():
    conn = database(
        [("E", "A1", "e@acme.com", "VP of IT", None), ("M", "B1", "m@bolt.com", "VP of IT", None)]
    )
    features = lead_features(conn)
    matrix = feature_matrix(features)
    score = score_arrays(matrix, default_model()).qualification_score
    cut = float(score.min()) - 1
    model = with_thresholds(
        with_thresholds(default_model(), "enterprise", cut, 99), "mid_market", 99, 99.5
    )
    arrays = score_arrays(matrix, model)
    stages = [arrays.stage_names[c] for c in arrays.stage_code]
    assert stages == ["mql", "lead"]


def test_sales_acceptance_between_thresholds_makes_sal():
    conn = database([("L1", "A1", "vp@acme.com", "VP of IT", AS_OF)])
    features = lead_features(conn)
    matrix = feature_matrix(features)
    score = float(score_arrays(matrix, default_model()).qualification_score[0])
    model = with_thresholds(default_model(), "enterprise", score - 1, score + 1)
    assert score_arrays(matrix, model).stage_code[0] == 3  # lead, recycled, mql, sal, sql


@pytest.mark.parametrize(
    "amount, framework",
    [
        (24_999, "BANT"),
        (25_000, "CHAMP"),
        (50_000, "CHAMP"),
        (50_001, "MEDDIC"),
    ],
)
def test_framework_follows_deal_size_boundaries(amount, framework):
    model = default_model()
    code = framework_codes(np.array([amount], dtype=float), model)[0]
    assert model.frameworks.by_deal_size[code].name == framework


def test_a_lead_with_an_opportunity_takes_its_framework_from_the_amount():
    conn = database([("L1", "A1", "vp@acme.com", "VP", None)], opportunities=[("L1", 24_999)])
    _, scores = scores_of(conn)
    assert scores.loc["L1", "framework"] == "BANT"


@pytest.mark.parametrize(
    "email, activities",
    [
        (
            "vp@acme.com",
            [
                ("L1", "pricing_page_view", 2),
                ("L1", "pricing_page_view", 50),
                ("L1", "competitor_research", 5),
                ("L1", "demo_request", 1),
            ],
        ),
        ("kid@gmail.com", [("L1", "pricing_page_view", 2)]),
        ("vp@acme.com", [("L1", "page_view", 0)] * 20),
    ],
)
def test_explanations_sum_to_the_score(email, activities):
    conn = database([("L1", "A1", email, "VP of IT", None)], activities)
    features, scores = scores_of(conn)
    explained = explain_lead(features.iloc[0], default_model())
    assert explained["points"].sum() == pytest.approx(
        scores.loc["L1", "qualification_score"], abs=1e-3
    )
    assert set(explained["pillar"]) <= {"fit", "value", "urgency", "authority", "risk", "scale"}


def test_higher_risk_lowers_the_score():
    conn = database([("L1", "A1", "vp@acme.com", "VP", None)], [("L1", "competitor_research", 200)])
    _, before = scores_of(conn)
    conn.execute("update leads set email_bounced = true")
    _, after = scores_of(conn)
    assert after.loc["L1", "risk"] == before.loc["L1", "risk"] - 40
    assert after.loc["L1", "qualification_score"] < before.loc["L1", "qualification_score"]


def test_score_leads_has_exactly_the_documented_columns_and_top_factors():
    conn = database(
        [("L1", "A1", "vp@acme.com", "VP of IT", None)],
        [("L1", "pricing_page_view", d) for d in (1, 2, 3)],
    )
    features = lead_features(conn)
    scores = score_leads(features, default_model())
    assert tuple(scores.columns) == SCORE_COLUMNS
    assert "pricing page view ×3 in 30 days" in scores.loc[0, "top_factors"]
    assert scores.loc[0, "top_factors"].count(";") == 2


def test_weights_move_the_score_and_the_input_is_not_mutated():
    conn = database([("L1", "A1", "vp@acme.com", "VP of IT", None)])
    features = lead_features(conn)
    copy = features.copy()
    weights = {"fit": 0.6, "value": 0.1, "urgency": 0.1, "authority": 0.1, "risk": 0.1}
    tilted = with_pillar_weights(default_model(), "enterprise", weights)
    row = score_leads(features, tilted).iloc[0]
    assert row["segment"] == "enterprise"
    scale = tilted.score_scale
    raw = sum(weight * row[pillar] for pillar, weight in weights.items())
    expected = (raw - scale.raw_floor) * 100 / (scale.raw_ceiling - scale.raw_floor)
    assert row["qualification_score"] == pytest.approx(min(max(expected, 0), 100), abs=1e-3)
    base = score_leads(features, default_model())["qualification_score"].iloc[0]
    assert row["qualification_score"] != pytest.approx(base, abs=0.01)  # the tilt moved it
    pd.testing.assert_frame_equal(features, copy)


def test_rescoring_the_same_matrix_follows_point_changes():
    conn = database([("L1", "A1", "vp@acme.com", "VP", None)], [("L1", "pricing_page_view", 3)])
    matrix = feature_matrix(lead_features(conn))
    model = with_half_life(default_model(), 1e9)
    assert score_arrays(matrix, model).behavior_score[0] == pytest.approx(10)
    bumped = with_behavior_points(model, "pricing_page_view", 12)
    assert score_arrays(matrix, bumped).behavior_score[0] == pytest.approx(12)


def test_account_rollup_counts_engaged_people_and_coverage():
    conn = database(
        [
            ("L1", "A1", "vp@acme.com", "VP of IT", None),
            ("L2", "A1", "e@acme.com", "Finance Manager", None),
            ("L3", "A1", "q@acme.com", "Engineer", None),
        ],
        [("L1", "email_open", 1), ("L2", "email_open", 100)],
    )
    features = lead_features(conn)
    scores = score_leads(features, default_model())
    rollup = account_rollup(scores, features, default_model()).set_index("account_id")
    row = rollup.loc["A1"]
    assert (row["leads"], row["engaged_people"], row["distinct_departments"]) == (3, 1, 1)
    assert (row["buying_group_min"], row["buying_group_max"]) == (14, 23)
    assert row["coverage_ratio"] == pytest.approx(1 / 18.5)
    assert row["best_score"] == pytest.approx(scores["qualification_score"].max())


@pytest.mark.parametrize("floor, ceiling", [(0.0, 100.0), (25.0, 70.0), (40.0, 60.0)])
def test_the_score_scale_stretches_the_weighted_pillar_sum(floor, ceiling):
    conn = database(
        [("L1", "A1", "vp@acme.com", "VP of IT", None)], [("L1", "pricing_page_view", 1)]
    )
    matrix = feature_matrix(lead_features(conn))
    model = with_changes(default_model(), score_scale=ScoreScale(floor, ceiling))
    s = score_arrays(matrix, model)
    weights = model.policies["enterprise"].pillar_weights
    raw = sum(getattr(weights, p) * float(getattr(s, p)[0]) for p in PILLARS)
    expected = min(max((raw - floor) * 100 / (ceiling - floor), 0), 100)
    assert s.qualification_score[0] == pytest.approx(expected, abs=1e-3)


def test_top_factors_read_the_same_for_a_lead_scored_with_others_as_scored_alone():
    leads = [
        ("L1", "A1", "vp@acme.com", "VP of IT", None),
        ("L2", "A1", "dev@acme.com", "Engineer", None),
        ("L3", "B1", "ceo@bolt.com", "CEO", None),
        ("L4", "A1", "vp2@acme.com", "VP of IT", None),
    ]
    activities = [("L1", "pricing_page_view", d) for d in (1, 2, 3)] + [
        ("L2", "pricing_page_view", 50),
        ("L3", "competitor_research", 2),
        ("L4", "pricing_page_view", 1),
        ("L4", "pricing_page_view", 2),
        ("L4", "pricing_page_view", 3),
    ]
    together = score_leads(lead_features(database(leads, activities)), default_model())
    for lead in leads:
        alone = score_leads(
            lead_features(database([lead], [a for a in activities if a[0] == lead[0]])),
            default_model(),
        )
        row = together.set_index("lead_id").loc[lead[0], "top_factors"]
        assert row == alone["top_factors"].iloc[0]
    # L1 and L4 share every input: one text built, taken twice
    assert together.loc[0, "top_factors"] == together.loc[3, "top_factors"]


def test_leads_without_accounts_roll_up_to_no_account():
    conn = connect(":memory:")
    conn.execute("insert into leads (lead_id, email, title) values ('L1', 'a@b.com', 'VP')")
    features = lead_features(conn)
    rollup = account_rollup(score_leads(features, default_model()), features, default_model())
    assert len(rollup) == 0
    assert rollup["coverage_ratio"].dtype == "float64"


def leads_without_accounts(companies):
    """Return a database of leads with no account, one per given company name (None: blank)."""
    conn = connect(":memory:")
    for i, company in enumerate(companies):
        conn.execute(
            "insert into leads (lead_id, email, company_name, title, created_at, updated_at, "
            "email_bounced) values (?, ?, ?, 'CEO', ?, ?, false)",
            [f"L{i}", f"p{i}@firm{i}.com", company, AS_OF, AS_OF],
        )
    return conn


def test_a_blank_company_is_a_no_go_only_where_the_export_names_companies():
    # one lead names its company: the blank one is recycled for it, as the model says
    _, scores = scores_of(leads_without_accounts(["Acme", None]))
    assert scores["stage"].tolist() == ["lead", "recycled"]
    assert scores.loc["L1", "top_factors"].startswith("no-go:")
    # a leads-only export with no company column: blank everywhere, so the rule tells no lead
    # from another and applies to none (the import warns that it cannot apply)
    _, scores = scores_of(leads_without_accounts([None, None]))
    assert scores["stage"].tolist() == ["lead", "lead"]
    assert (scores["grade"] > 0).all()
