"""Data quality page logic: placing issue records in segments and channels, rates in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.metrics.filters import Filters
from lib.present.data_quality import (
    blank_fields,
    filtered_issue_records,
    lead_scope,
    leads_within,
    placed,
    records_in_words,
    share_texts,
    summary_in_words,
    within_filters,
)

LEADS = lead_scope(
    pd.DataFrame({"lead_id": ["L1", "L2", "L3"], "segment": ["smb", "enterprise", "smb"]}),
    pd.DataFrame({"lead_id": ["L1", "L2", "L3"], "channel": ["Webinar", "Outbound", "Outbound"]}),
)
ACCOUNTS = pd.DataFrame({"account_id": ["A1", "A2"], "segment": ["enterprise", "smb"]})


def test_lead_scope_joins_segment_and_channel_on_the_lead():
    assert LEADS.to_dict("list") == {
        "lead_id": ["L1", "L2", "L3"],
        "segment": ["smb", "enterprise", "smb"],
        "channel": ["Webinar", "Outbound", "Outbound"],
    }


def test_placed_takes_the_lead_first_then_the_account_and_leaves_orphans_unplaced():
    records = pd.DataFrame(
        {"kind": ["x", "y", "z"], "lead_id": ["L2", None, "GONE"], "account_id": [None, "A2", None]}
    )
    out = placed(records, LEADS, ACCOUNTS)
    assert out["segment"].tolist()[:2] == ["enterprise", "smb"]
    assert out["channel"].tolist()[0] == "Outbound"
    assert pd.isna(out["channel"].iloc[1]) and pd.isna(out["segment"].iloc[2])
    assert "kind" not in out.columns and "kind" in records.columns


def test_placed_places_account_only_records_by_their_account():
    out = placed(pd.DataFrame({"account_id": ["A1", "A9"]}), LEADS, ACCOUNTS)
    assert out["segment"].iloc[0] == "enterprise" and pd.isna(out["segment"].iloc[1])


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), ["L1", "L2", "L3", "GONE"]),
        (Filters(segments=("smb",)), ["L1", "L3", "GONE"]),
        (Filters(channels=("Outbound",)), ["L2", "L3", "GONE"]),
        (Filters(segments=("smb",), channels=("Outbound",)), ["L3", "GONE"]),
        (Filters(segments=()), ["GONE"]),
    ],
)
def test_within_filters_keeps_allowed_records_and_always_the_unplaced(filters, expected):
    records = placed(pd.DataFrame({"lead_id": ["L1", "L2", "L3", "GONE"]}), LEADS, ACCOUNTS)
    assert within_filters(records, filters)["lead_id"].tolist() == expected


def test_filtered_issue_records_filter_every_issue_alike():
    records = {
        "bounced_leads": pd.DataFrame({"lead_id": ["L1", "L2"]}),
        "accounts_missing_firmographics": pd.DataFrame({"account_id": ["A1", "A2"]}),
    }
    out = filtered_issue_records(records, LEADS, ACCOUNTS, Filters(segments=("enterprise",)))
    assert out["bounced_leads"]["lead_id"].tolist() == ["L2"]
    assert out["accounts_missing_firmographics"]["account_id"].tolist() == ["A1"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), 3),
        (Filters(segments=("smb",)), 2),
        (Filters(channels=("Webinar",)), 1),
        (Filters(segments=("enterprise",), channels=("Webinar",)), 0),
    ],
)
def test_leads_within_counts_the_leads_the_filters_allow(filters, expected):
    assert leads_within(LEADS, filters) == expected


def test_share_texts_give_count_interval_and_flag_small_samples():
    # Wilson 95% for 8 of 10: 49.0%-94.3% (worked by hand in tests/test_stats.py)
    texts = share_texts([8, 50, 0, 20], [10, 1000, 0, 207_435], "leads")
    assert texts[0] == "80.0% (49.0%–94.3%), 8 of 10 leads ⚠ small sample"
    assert texts[1].startswith("5.0% (3.8%–6.5%), 50 of 1,000 leads")
    assert "small sample" not in texts[1]
    assert texts[2] == "Not checked: no leads"
    assert texts[3].startswith("0.010% (0.006%–0.015%), 20 of 207,435")


def test_blank_fields_add_a_wilson_interval_around_each_share():
    blank = pd.DataFrame({"label": ["Industry"], "blank": [8], "total": [10], "share": [0.8]})
    out = blank_fields(blank)
    assert out["share_low"].iloc[0] == pytest.approx(0.490, abs=1e-3)
    assert out["share_high"].iloc[0] == pytest.approx(0.943, abs=1e-3)


def test_summary_in_words_names_headers_and_formats_money_and_rates():
    summary = pd.DataFrame(
        {
            "priority": [1],
            "issue": ["Bounced"],
            "key": ["bounced_leads"],
            "records": [50],
            "checked": [1000],
            "share": [0.05],
            "threshold": [0.05],
            "above_threshold": [False],
            "open_pipeline_touched_usd": [1500.0],
            "help": ["why"],
        }
    )
    table = summary_in_words(summary, lambda usd: f"${usd:,.0f}")
    assert table.iloc[0].to_dict() == {
        "Fix order": 1,
        "Issue": "Bounced",
        "Open pipeline touched": "$1,500",
        "Share of records checked (95% interval)": "5.0% (3.8%–6.5%), 50 of 1,000 records",
        "Needs attention": "No, ≤ 5%",
    }


def test_an_issue_with_nothing_to_check_is_not_checked_rather_than_fine():
    summary = pd.DataFrame(
        {
            "priority": [1],
            "issue": ["Bounced"],
            "records": [0],
            "checked": [0],
            "threshold": [0.05],
            "above_threshold": [False],
            "open_pipeline_touched_usd": [0.0],
        }
    )
    row = summary_in_words(summary, str).iloc[0]
    assert row["Share of records checked (95% interval)"] == "Not checked: no records"
    assert row["Needs attention"] == "Not checked"


def test_records_in_words_name_headers_and_say_not_known_for_unplaced_records():
    records = pd.DataFrame(
        {
            "lead_id": ["L1", "GONE"],
            "segment": ["mid_market", np.nan],
            "channel": ["Webinar", np.nan],
        }
    )
    out = records_in_words(records, {"mid_market": "Mid-market"})
    assert list(out.columns) == ["Lead ID", "Segment", "Channel"]
    assert out["Segment"].tolist() == ["Mid-market", "Not known"]
    assert out["Channel"].tolist() == ["Webinar", "Not known"]


def test_records_in_words_leave_out_the_channel_of_account_records():
    records = pd.DataFrame({"account_id": ["A1"], "segment": ["smb"], "channel": [np.nan]})
    assert list(records_in_words(records, {"smb": "SMB"}).columns) == ["Account ID", "Segment"]


@pytest.mark.parametrize(
    ("columns", "listed"),
    [
        (["lead_id", "account_id", "email"], ["Lead ID", "Email", "Channel"]),
        (["account_id", "account_name"], ["Account ID", "Account"]),
        (
            ["email_key", "lead_id", "account_id", "email"],
            ["Email (trimmed, lower case)", "Lead ID", "Channel"],
        ),
        (
            ["record_id", "missing_id", "lead_id", "account_id", "opportunity_id", "label"],
            ["Record ID", "Missing ID", "Problem", "Channel"],
        ),
    ],
)
def test_records_listed_leave_out_columns_another_one_identifies(columns, listed):
    records = pd.DataFrame({c: ["x"] for c in columns}).assign(segment=np.nan, channel=np.nan)
    out = records_in_words(records, {})
    assert [c for c in out.columns if c != "Segment"] == listed
