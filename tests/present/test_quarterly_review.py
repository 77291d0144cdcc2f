"""Quarterly review tables and sentences on tiny hand-made KPI frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.metrics import kpis
from lib.model import default_model, sla_hours_by_segment, with_changes
from lib.present import quarterly_review as review

LABELS = {"enterprise": "Enterprise", "smb": "SMB", "unassigned": "Unassigned"}


def test_sla_hours_come_from_each_policy_and_unassigned_uses_its_fallback() -> None:
    model = default_model()
    hours = sla_hours_by_segment(model)
    assert hours["enterprise"] == model.policies["enterprise"].sla_hours
    assert hours["unassigned"] == model.policies[model.unassigned_policy].sla_hours
    assert list(hours) == [r.name for r in model.segments] + ["unassigned"]


def test_sla_hours_follow_a_changed_unassigned_policy() -> None:
    model = with_changes(default_model(), unassigned_policy="enterprise")
    assert sla_hours_by_segment(model)["unassigned"] == model.policies["enterprise"].sla_hours


def _channels(
    rates: list[float],
    mqls: list[int],
    bands: list[str],
    outside: list[bool] | None = None,
    young: int = 0,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "channel": [f"Channel {i}" for i in range(len(rates))],
            "mqls": mqls,
            "sqls": [round(r * n) for r, n in zip(rates, mqls, strict=True)],
            "mql_to_sql_rate": rates,
            "mql_to_sql_rate_low": [r - 0.01 for r in rates],
            "mql_to_sql_rate_high": [r + 0.01 for r in rates],
            "band": bands,
            "mql_to_sql_measured": True,
            "won": [n // 20 for n in mqls],
            "mql_to_won_rate": [0.05] * len(rates),
            "mql_to_won_rate_low": [0.02] * len(rates),
            "mql_to_won_rate_high": [0.1] * len(rates),
            "outside_band": outside if outside is not None else [b != "in" for b in bands],
            "young_mqls": [young] + [0] * (len(rates) - 1),
            "conversion_lag_days": 19.6,
        }
    )


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            _channels([0.05, 0.15, 0.3], [100, 100, 100], ["below", "in", "above"]),
            "Below 10% (the MQL bar may be too loose or the data stale): "
            "Channel 0 5.0% (4.0–6.0%), 100 MQLs. Above 25% (the MQL bar may be too strict): "
            "Channel 2 30.0% (29.0–31.0%), 100 MQLs. Each clears the band beyond chance (95%, "
            "Holm-corrected over the 3 channels with 30+ MQLs).",
        ),
        (
            _channels([0.05, 0.06], [100, 10], ["below", "below"], [True, False]),
            "Below 10% (the MQL bar may be too loose or the data stale): "
            "Channel 0 5.0% (4.0–6.0%), 100 MQLs. Each clears the band beyond chance (95%, "
            "Holm-corrected over the 1 channel with 30+ MQLs). Outside the band on their "
            "estimate but not beyond chance (too few MQLs, or not far enough after correcting "
            "for 2 channels): Channel 1.",
        ),
        (
            _channels([0.15], [100], ["in"], young=12),
            "Every channel converts MQLs to SQLs within the healthy 10–25%. 12 MQLs from the "
            "last 20 days are left out: 95% of MQLs that reach SQL do so within that time, so "
            "they may still convert.",
        ),
    ],
)
def test_out_of_band_sentence_names_only_channels_outside_10_to_25_beyond_chance(
    frame: pd.DataFrame, expected: str
) -> None:
    assert review.out_of_band_sentence(frame) == expected


def test_mql_table_has_word_headers_and_band_words() -> None:
    table = review.mql_table(
        _channels([0.05, 0.15], [100, 100], ["below", "in"]), "channel", LABELS
    )
    assert list(table.columns) == [
        "Channel",
        "MQLs",
        "SQLs",
        "MQL→SQL",
        "Against 10–25%",
        "MQL→won",
    ]
    assert list(table["Against 10–25%"]) == ["Below 10%", "In 10–25%"]
    assert table["MQL→won"].tolist()[0] == "5.0% (2.0–10.0%), 100 MQLs"


def test_without_sql_dates_mql_to_sql_reads_not_measured_never_below_the_band() -> None:
    frame = _channels([0.0], [40], [None]).assign(mql_to_sql_measured=False)
    assert review.out_of_band_sentence(frame) == (
        "MQL→SQL not measured: the export has no SQL dates; MQL→won shows which MQLs later "
        "won a deal."
    )
    table = review.mql_table(frame, "channel", LABELS)
    assert table["MQL→SQL"].tolist() == ["not measured: the export has no SQL dates"]
    assert table["Against 10–25%"].tolist() == ["—"]


def test_cycle_table_puts_the_competing_risks_medians_beside_the_won_median() -> None:
    cycles = pd.DataFrame(
        {
            "segment": ["enterprise", "smb"],
            "won_deals": [3, 0],
            "median_won_cycle_days": [100.0, np.nan],
            "median_small_sample": [True, True],
        }
    )
    survival = pd.DataFrame(
        {
            "segment": ["enterprise", "enterprise"],
            "days": [0.0, 150.0],
            "won": [0.0, 0.3],
            "deals": [40, 40],
            "median_days_to_win": [150.0] * 2,
            "median_days_to_close": [120.0] * 2,
        }
    )
    table = review.cycle_table(cycles, survival, LABELS)
    assert table["Segment"].tolist() == ["Enterprise", "SMB"]
    assert table["Median days to win (won deals)"].tolist() == [
        "100 days ⚠ small sample (3 deals)",
        "—",
    ]
    assert table["Median days to win, open deals counted"].tolist() == ["150 days", "—"]
    assert table["Median days to close, won or lost"].tolist()[0] == "120 days"
    assert table["Created in the period"].tolist() == [40, 0]
    assert table["Won so far"].tolist()[0] == 0.3


def _profitable(tracked: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["smb"],
            "closed": [10],
            "won": [4],
            "won_with_margin": [3],
            "profitable_won": [2],
            "profitable_win_rate": [0.2],
            "profitable_win_rate_low": [0.057],
            "profitable_win_rate_high": [0.51],
            "margin_tracked_share": [0.75],
            "margin_tracked": [tracked],
        }
    )


@pytest.mark.parametrize(
    ("tracked", "expected"),
    [
        (
            True,
            "A deal counts as a profitable win when won at a gross margin of at least 40%. 75% "
            "of won deals record a margin; won deals without one do not count as profitable.",
        ),
        (
            False,
            "Gross margin is not in the data, so profitable win rate cannot be measured; import "
            "opportunities with a gross margin to see it.",
        ),
    ],
)
def test_margin_sentence_says_clearly_when_margin_is_missing(tracked: bool, expected: str) -> None:
    assert review.margin_sentence(_profitable(tracked), 0.4) == expected


def test_profitable_table_shows_the_rate_with_interval_and_flag() -> None:
    table = review.profitable_table(_profitable(True), LABELS)
    assert table["Profitable win rate"].tolist() == ["20.0% (5.7–51.0%), 10 closed ⚠ small sample"]


def test_sla_table_joins_meetings_by_segment() -> None:
    sla = pd.DataFrame(
        {
            "segment": ["enterprise", "smb"],
            "sla_hours": [4.0, 24.0],
            "mqls": [40, 10],
            "sla_rate": [0.5, 1.0],
            "sla_rate_low": [0.35, 0.72],
            "sla_rate_high": [0.65, 1.0],
        }
    )
    meetings = pd.DataFrame(
        {
            "segment": ["smb", "enterprise"],
            "meetings": [2, 70],
            "median_hours_to_first_meeting": [30.0, 12.0],
        }
    )
    table = review.sla_table(sla, meetings, LABELS)
    assert table["MQLs with a meeting"].tolist() == [70, 2]
    assert table["Median hours, MQL to first meeting"].tolist() == [
        "12 h",
        "30 h ⚠ small sample (2 meetings)",
    ]
    assert table["Accepted or rejected within SLA"].tolist()[0] == "50.0% (35.0–65.0%), 40 MQLs"


def _bands(
    rates: list[float], lows: list[float], highs: list[float], closed: list[int]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "band": ["very_likely", "likely", "unlikely"][: len(rates)],
            "closed": closed,
            "win_rate": rates,
            "win_rate_low": lows,
            "win_rate_high": highs,
            "avg_won_amount_usd": [5e4, 2e4, 1e4][: len(rates)],
        }
    )


BAND_LABELS = {"very_likely": "Very likely", "likely": "Likely", "unlikely": "Unlikely"}


@pytest.mark.parametrize(
    ("bands", "starts"),
    [
        (
            _bands([0.5, 0.2], [0.4, 0.15], [0.6, 0.25], [100, 300]),
            "Yes: Very likely leads win 50.0%",
        ),
        (
            _bands([0.1, 0.4], [0.05, 0.35], [0.15, 0.45], [100, 300]),
            "No: Very likely leads win 10.0%",
        ),
        (_bands([0.3, 0.28], [0.2, 0.23], [0.4, 0.33], [100, 300]), "Not yet shown: Very likely"),
        # a top band of 2 closed deals is left out: Likely is compared with Unlikely
        (
            _bands([0.0, 0.5, 0.2], [0.0, 0.4, 0.15], [0.66, 0.6, 0.25], [2, 100, 300]),
            "Yes: Likely leads win 50.0%",
        ),
        (_bands([0.5, 0.2], [0.4, 0.15], [0.6, 0.25], [10, 300]), "Fewer than two score bands"),
    ],
)
def test_band_sentence_judges_by_interval_overlap_on_bands_with_enough_deals(
    bands: pd.DataFrame, starts: str
) -> None:
    assert review.band_sentence(bands, BAND_LABELS).startswith(starts)


def test_the_change_table_reads_the_latest_whole_quarters_in_points() -> None:
    changes = pd.DataFrame(
        {
            "segment": ["smb", "smb", "all segments"],
            "quarter": ["2025-Q2", "2025-Q3", "2025-Q2"],
            "previous": ["2025-Q1", "2025-Q2", "2025-Q1"],
            "comparable": [True, False, True],
            "win_rate_change": [0.109, 0.01, 0.05],
            "win_rate_change_low": [-0.025, -0.2, -0.01],
            "win_rate_change_high": [0.24, 0.2, 0.11],
            "mql_to_sql_rate_change": [-0.033, 0.0, 0.0],
            "mql_to_sql_rate_change_low": [-0.18, -0.1, -0.1],
            "mql_to_sql_rate_change_high": [0.12, 0.1, 0.1],
        }
    )
    table = review.quarter_change_table(changes, LABELS)
    assert table["Segment"].tolist() == ["SMB", "All segments"]
    assert table["Quarter"].tolist()[0] == "2025-Q2 against 2025-Q1"  # Q3 is partial
    assert table["Win rate change (95% interval)"].tolist()[0] == "+10.9 points (-2.5 to +24.0)"


def test_no_quarters_make_an_empty_change_table() -> None:
    # a leads-only export has no closed deals: no quarter, so no change to show
    quarters = pd.DataFrame(
        columns=["segment", "quarter", "won", "closed", "sqls", "mqls", "partial"]
    )
    table = review.quarter_change_table(kpis.quarter_changes(quarters), LABELS)
    assert table.empty and "Segment" in table.columns


def test_partial_quarters_are_named_with_their_days() -> None:
    quarters = pd.DataFrame(
        {
            "quarter": ["2024-Q4", "2025-Q1", "2026-Q4", "2026-Q4"],
            "partial": [True, False, True, True],
            "days_in_data": [61, 90, 31, 31],
            "quarter_days": [92, 90, 92, 92],
        }
    )
    assert review.partial_quarters_sentence(quarters) == (
        "Partial quarters, not compared with whole ones: 2024-Q4 (61 of 92 days), 2026-Q4 "
        "(31 of 92 days). They show as squares on the chart."
    )
    assert review.partial_quarters_sentence(quarters[~quarters["partial"]]) == ""
