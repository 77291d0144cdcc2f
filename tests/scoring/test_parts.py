"""Scoring parts are keyed by constants; only explanations read their labels."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.evaluate.design import FLAG_LABELS, signal_flags, signal_label
from lib.features import lead_features
from lib.model import default_model
from lib.scoring import explain_lead, feature_matrix, grade_parts, risk_parts, segment_codes
from lib.scoring.parts import (
    ATTRIBUTE_RULES,
    BASE_GRADE,
    BLANK_FIRMOGRAPHICS,
    BOUNCED,
    COMPETITOR_RESEARCH,
    DEPARTMENT,
    ENGAGED_COLLEAGUES,
    ICP_INDUSTRY,
    NO_RISK_BASELINE,
    OPPORTUNITY_AMOUNT,
    PART_LABELS,
    SENIORITY,
    SIZE_FITS,
    STALE,
    TITLE_AUTHORITY,
    TYPICAL_DEAL,
    WRONG_SIZE,
)
from lib.store.connection import connect

AS_OF = "2024-06-01 00:00:00"


def features() -> pd.DataFrame:
    """Return features of two leads: a VP of IT at an ICP enterprise (5,000 staff, in its
    1,000+ range), and a bounced analyst at a retailer (300 staff, mid-market 100-5,000)."""
    conn = connect(":memory:")
    conn.execute(
        "insert into accounts (account_id, name, industry, annual_revenue_usd, employees, country, "
        "created_at) values ('A1', 'Acme', 'Computer Software', 2e9, 5000, 'US', ?), "
        "('B1', 'Bolt', 'Retail', 60e6, 300, 'US', ?)",
        [AS_OF, AS_OF],
    )
    conn.execute(
        "insert into leads (lead_id, account_id, email, company_name, title, created_at, "
        "updated_at, email_bounced) values "
        "('L1', 'A1', 'vp@acme.com', 'Acme', 'VP of IT', $t, $t, false), "
        "('L2', 'B1', 'an@bolt.com', 'Bolt', 'Analyst', $t, $t, true)",
        {"t": AS_OF},
    )
    return lead_features(conn, model=default_model())


def test_explanations_read_the_words_they_always_have():
    assert PART_LABELS == {
        BASE_GRADE: "base grade",
        ICP_INDUSTRY: "ICP industry",
        SIZE_FITS: "company size fits segment",
        WRONG_SIZE: "wrong company size",
        OPPORTUNITY_AMOUNT: "opportunity amount",
        TYPICAL_DEAL: "typical deal for segment",
        TITLE_AUTHORITY: "title authority",
        ENGAGED_COLLEAGUES: "engaged colleagues",
        NO_RISK_BASELINE: "no-risk baseline",
        STALE: "stale record",
        BOUNCED: "bounced email",
        COMPETITOR_RESEARCH: "competitor research",
        BLANK_FIRMOGRAPHICS: "blank firmographics",
    }
    vp, analyst = (
        set(explain_lead(f, default_model())["factor"]) for _, f in features().iterrows()
    )
    assert {"ICP industry", "company size fits segment", "VP title", "IT department"} <= vp
    assert {"base grade", "typical deal for segment", "title authority", "no-risk baseline"} <= vp
    assert {"bounced email", "company size fits segment"} <= analyst
    assert "ICP industry" not in analyst
    assert not {"wrong company size", "stale record"} & (vp | analyst)


def test_recalibration_signals_keep_their_words():
    model = default_model()
    assert [
        signal_label(s, model) for s in (ICP_INDUSTRY, SIZE_FITS, BOUNCED, ENGAGED_COLLEAGUES)
    ] == [
        "ICP industry",
        "company size fits its segment",
        "bounced email",
        "engaged colleagues on the account",
    ]
    assert set(FLAG_LABELS) == {
        ICP_INDUSTRY,
        SIZE_FITS,
        WRONG_SIZE,
        STALE,
        BOUNCED,
        BLANK_FIRMOGRAPHICS,
        ENGAGED_COLLEAGUES,
    }


def test_pillar_parts_are_keyed_by_the_constants():
    matrix = feature_matrix(features())
    seg, names = segment_codes(matrix, default_model())
    grade = grade_parts(matrix, default_model(), seg, names)
    assert list(grade) == [
        BASE_GRADE,
        ICP_INDUSTRY,
        SIZE_FITS,
        WRONG_SIZE,
        SENIORITY,
        DEPARTMENT,
        ATTRIBUTE_RULES,
    ]
    risk = risk_parts(matrix, default_model(), seg, names)
    assert list(risk) == [
        NO_RISK_BASELINE,
        STALE,
        BOUNCED,
        COMPETITOR_RESEARCH,
        BLANK_FIRMOGRAPHICS,
    ]


def test_rewording_an_explanation_changes_no_recalibration_flag(monkeypatch: pytest.MonkeyPatch):
    frame, model = features(), default_model()
    before = signal_flags(frame, feature_matrix(frame), model)
    for key in PART_LABELS:
        monkeypatch.setitem(PART_LABELS, key, f"reworded {key}")
    after = signal_flags(frame, feature_matrix(frame), model)
    pd.testing.assert_frame_equal(after, before)
    # one flag per lead as the leads were built: L1 ICP and size fit; L2 bounced and size fit
    assert before.loc[0, [ICP_INDUSTRY, SIZE_FITS, BOUNCED]].tolist() == [1.0, 1.0, 0.0]
    assert before.loc[1, [ICP_INDUSTRY, SIZE_FITS, BOUNCED]].tolist() == [0.0, 1.0, 1.0]
    assert "reworded icp_industry" in set(explain_lead(frame.iloc[0], model)["factor"])
