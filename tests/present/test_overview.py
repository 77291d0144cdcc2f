"""Overview summaries on tiny hand-made KPI frames whose answers are known by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.present import overview as leadership

LABELS = {"enterprise": "Enterprise", "mid_market": "Mid-market", "smb": "SMB"}


@pytest.mark.parametrize(
    ("enterprise", "mid_market", "expected"),
    [
        (60, 40, {"enterprise": 0.6, "mid_market": 0.4, "smb": 0.0}),
        (50, 20, {"enterprise": 0.5, "mid_market": 0.2, "smb": 0.3}),
        (90, 60, {"enterprise": 0.6, "mid_market": 0.4, "smb": 0.0}),
        (0, 0, {"enterprise": 0.0, "mid_market": 0.0, "smb": 1.0}),
    ],
)
def test_target_mix_gives_smb_the_rest_and_scales_down_over_100(
    enterprise: float, mid_market: float, expected: dict[str, float]
) -> None:
    assert leadership.target_mix(enterprise, mid_market) == pytest.approx(expected)


def test_overall_rate_sums_counts_before_the_wilson_interval() -> None:
    rate, low, high, n = leadership.overall_rate(pd.Series([3, 5]), pd.Series([4, 6]))
    assert (rate, n) == (0.8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)  # Wilson 8/10 by hand


def _wins(
    rates: list[float], lows: list[float], highs: list[float], closed: list[int]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["enterprise", "mid_market", "smb"][: len(rates)],
            "win_rate": rates,
            "win_rate_low": lows,
            "win_rate_high": highs,
            "closed": closed,
        }
    )


@pytest.mark.parametrize(
    ("wins", "expected"),
    [
        (
            _wins([0.2, 0.3], [0.15, 0.27], [0.25, 0.33], [500, 800]),
            "Mid-market wins most: 30.0% (27.0–33.0%), 800 closed. Its 95% interval sits clear of "
            "Enterprise's 20.0%.",
        ),
        (
            _wins([0.28, 0.3], [0.2, 0.25], [0.36, 0.35], [100, 300]),
            "Mid-market wins most: 30.0% (25.0–35.0%), 300 closed. Its 95% interval overlaps "
            "Enterprise's (28.0%), so the lead is not yet certain.",
        ),
        (
            _wins([0.2, 0.3, 0.9], [0.15, 0.27, 0.5], [0.25, 0.33, 0.99], [500, 800, 10]),
            "Mid-market wins most: 30.0% (27.0–33.0%), 800 closed. Its 95% interval sits clear of "
            "Enterprise's 20.0%.",
        ),
        (
            _wins([np.nan], [np.nan], [np.nan], [0]),
            "No closed deals in the period, so no segment can be said to win most.",
        ),
    ],
)
def test_leader_sentence_names_the_top_segment_and_how_sure(
    wins: pd.DataFrame, expected: str
) -> None:
    assert leadership.leader_sentence(wins, LABELS) == expected


def _mix(open_amounts: list[float], target: list[float]) -> pd.DataFrame:
    amounts = pd.Series(open_amounts)
    share = amounts / amounts.sum()
    return pd.DataFrame(
        {
            "segment": ["enterprise", "mid_market", "smb"],
            "open_count": [1, 1, 1],
            "open_unpriced": [0, 0, 0],
            "open_amount_usd": amounts,
            "open_share": share,
            "target_share": target,
            "gap_share": pd.Series(target) - share,
            "gap_amount_usd": pd.Series(target) * amounts.sum() - amounts,
            "won_count": [0, 0, 0],
            "won_amount_usd": [0.0, 0.0, 0.0],
            "won_share": [np.nan] * 3,
        }
    )


def test_mix_gap_sentence_says_points_off_and_money_short_or_over() -> None:
    mix = _mix([8e6, 1e6, 1e6], [0.6, 0.4, 0.0])
    assert leadership.mix_gap_sentence(mix, LABELS) == (
        "Open pipeline is 30% away from the target mix: Enterprise $2.0M over, "
        "Mid-market $3.0M short, SMB $1.0M over at today's total."
    )


def test_mix_gap_sentence_on_target_and_without_pipeline() -> None:
    assert (
        leadership.mix_gap_sentence(_mix([6.0, 4.0, 0.0], [0.6, 0.4, 0.0]), LABELS)
        == "Open pipeline sits on the target mix."
    )
    assert "no open pipeline" in leadership.mix_gap_sentence(
        _mix([0.0, 0.0, 0.0], [0.6, 0.4, 0.0]), LABELS
    )
    unpriced = _mix([0.0, 0.0, 0.0], [0.6, 0.4, 0.0]).assign(open_unpriced=[2, 0, 1])
    assert leadership.mix_gap_sentence(unpriced, LABELS) == (
        "Amount unknown for 3 open deals: there is no open pipeline value to compare with the "
        "target mix."
    )


@pytest.mark.parametrize(
    ("count", "unpriced", "amount", "expected"),
    [
        (3, 0, 12_400.0, ("$12.4k", "3 open opportunities")),
        (3, 1, 12_400.0, ("$12.4k", "3 open opportunities; amount unknown for 1 open deal")),
        (2, 2, 0.0, ("Amount unknown", "2 open opportunities; amount unknown for 2 open deals")),
        (0, 0, 0.0, ("$0", "0 open opportunities")),
    ],
)
def test_open_pipeline_says_amount_unknown_rather_than_zero(count, unpriced, amount, expected):
    overall = {
        "open_pipeline_count": count,
        "open_pipeline_unpriced": unpriced,
        "open_pipeline_amount": amount,
    }
    assert leadership.open_pipeline_metric(overall) == expected


def test_mix_table_headers_are_words_and_gaps_signed() -> None:
    table = leadership.mix_table(_mix([8e6, 1e6, 1e6], [0.6, 0.4, 0.0]), LABELS)
    assert list(table["Segment"]) == ["Enterprise", "Mid-market", "SMB"]
    assert list(table["Gap to target"]) == ["-$2.0M", "+$3.0M", "-$1.0M"]
    assert not any("_" in column for column in table.columns)


def test_quarterly_trends_give_lead_segment_share_and_overall_win_rate_with_counts() -> None:
    quarters = pd.DataFrame(
        {
            "segment": ["enterprise", "smb", "enterprise", "smb"],
            "quarter": ["2025-Q1", "2025-Q1", "2025-Q2", "2025-Q2"],
            "won": [1, 3, 0, 0],
            "closed": [4, 4, 0, 0],
            "pipeline_created_usd": [30.0, 10.0, 0.0, 50.0],
            "pipeline_created_count": [3, 1, 0, 5],
            "partial": [False, False, True, True],
        }
    )
    trends = leadership.quarterly_trends(quarters, "enterprise", "Enterprise")
    share = trends["segmentation"].set_index("quarter")
    assert share["value"].to_dict() == {"2025-Q1": 0.75, "2025-Q2": 0.0}
    assert share["n"].to_dict() == {"2025-Q1": 4, "2025-Q2": 5}
    assert share["partial"].to_dict() == {"2025-Q1": False, "2025-Q2": True}
    win = trends["scoring"].set_index("quarter")
    assert win["value"].to_dict() == {"2025-Q1": 0.5}  # no closed deals in Q2: no point
    assert win["n"].to_dict() == {"2025-Q1": 8}
    assert trends["segmentation"].attrs["name"] == "Enterprise share of new pipeline"


def test_kpis_now_reads_each_capability_in_words() -> None:
    mix = _mix([8e6, 1e6, 1e6], [0.6, 0.4, 0.0])
    wins = _wins([0.2, 0.3], [0.15, 0.27], [0.25, 0.33], [500, 800])
    qualified = pd.DataFrame({"qualified": [5, 3], "created": [6, 4]})
    sla = pd.DataFrame({"sla_hours": [4.0, np.nan], "handled_within_sla": [8, 1], "mqls": [10, 5]})
    meetings = pd.DataFrame({"meetings": [40, 5], "median_hours_to_first_meeting": [10.0, 99.0]})
    profitable = pd.DataFrame(
        {
            "margin_tracked": [False, False],
            "profitable_won": [0, 0],
            "closed": [5, 5],
            "won": [2, 2],
            "won_with_margin": [0, 0],
        }
    )
    bands = pd.DataFrame(
        {
            "band": ["likely", "unlikely"],
            "closed": [40, 60],
            "won": [20, 10],
            "win_rate": [0.5, 1 / 6],
            "win_rate_low": [0.35, 0.09],
            "lift": [5 / 3, 0.5],
            "avg_won_amount_usd": [300.0, 0.0],
        }
    )
    now = leadership.kpis_now(
        mix, wins, qualified, sla, meetings, profitable, bands, LABELS, {"likely": "Likely"}
    )
    assert now == {
        "segmentation": "Enterprise 80% · Mid-market 10% · SMB 10% of open amount",
        "qualification": "From SQLs: 80.0% (49.0–94.3%), 10 opportunities ⚠ small sample",
        "scoring": "Mid-market highest: 30.0% (27.0–33.0%), 800 closed",
        "process": "SLA met 80.0% (49.0–94.3%), 10 MQLs ⚠ small sample; "
        "median 10 h from MQL to first meeting (by segment)",
        "financial": "Gross margin is not in the data",
        # overall 30 of 100: the band's lower end 0.35 is 1.17x it; 20 won deals are few
        "optimisation": "Likely band, scored when routed, wins 1.67× the average rate (95% "
        "interval from 1.17×); its average won deal is 1.50× the average ⚠ small sample "
        "(20 won)",
    }


def test_the_profitable_rate_says_won_deals_without_a_margin_count_as_not_profitable() -> None:
    profitable = pd.DataFrame(
        {
            "margin_tracked": [True, True],
            "profitable_won": [30, 10],
            "closed": [100, 60],
            "won": [40, 20],
            "won_with_margin": [32, 18],
        }
    )
    text = leadership._financial_now(profitable)
    assert text.startswith("Won at ≥ 30% margin: 25.0% (")
    assert text.endswith("; 10 of 60 won deals have no margin recorded and count as not profitable")


def _velocity() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["smb", "all segments"],
            "open_deals": [20, 20],
            "expected_wins_open": [4.04, 4.04],
            "expected_wins_new": [2.0, 2.0],
            "avg_won_amount_usd": [15_000.0, 15_000.0],
            "velocity_usd_per_day": [1_000.0, 1_000.0],
            "velocity_low": [400.0, 400.0],
            "velocity_high": [1_600.0, 1_600.0],
            "small_sample": [True, False],
            "won_per_day_last_quarter": [900.0, 900.0],
        }
    )


def _backtest(predicted: list[float], realised: list[float]) -> pd.DataFrame:
    n = len(predicted)
    return pd.DataFrame(
        {
            "segment": ["all segments"] * n,
            "made_on": pd.date_range("2025-01-01", periods=n, freq="90D"),
            "predicted": predicted,
            "low": [p * 0.5 for p in predicted],
            "high": [p * 1.5 for p in predicted],
            "realised": realised,
            "inside": [abs(r - p) <= 0.5 * p for p, r in zip(predicted, realised, strict=True)],
        }
    )


def test_velocity_sentence_sets_the_forecast_beside_the_last_quarter_and_the_backtest() -> None:
    text = leadership.velocity_sentence(_velocity(), _backtest([100, 100], [90, 160]))
    assert text.startswith("Expected won revenue: $1.0k a day over the next 90 days")
    assert "(95% interval $400–$1.6k), against $900 a day won in the last 90" in text
    # 200 forecast against 250 won: 0.80x, and 160 lies outside 50-150
    assert "the last 2 quarter-ends, the forecast came to 0.80× what was then won" in text
    assert "inside its interval 1 of 2 times" in text


def test_velocity_sentence_says_when_there_is_no_history_to_check_against() -> None:
    assert "Too little history" in leadership.velocity_sentence(_velocity(), pd.DataFrame())
    assert leadership.velocity_sentence(_velocity().iloc[:0], pd.DataFrame()).startswith("No ")


def test_velocity_table_puts_the_interval_in_words_and_flags_a_small_window() -> None:
    table = leadership.velocity_table(_velocity(), LABELS)
    assert table["Segment"].tolist() == ["SMB", "All segments"]
    column = "Expected won revenue per day (95% interval)"
    assert table[column].tolist() == ["$1.0k ($400–$1.6k) ⚠ small sample", "$1.0k ($400–$1.6k)"]
    assert table["Wins expected from them, next 90 days"].tolist()[0] == 4.0


def test_the_target_sliders_start_at_todays_mix_rounded_to_whole_percent() -> None:
    mix = _mix([6.2e6, 2.9e6, 0.9e6], [0.6, 0.4, 0.0])
    assert leadership.today_mix_percent(mix) == {"enterprise": 62, "mid_market": 29}
    assert leadership.today_mix_percent(_mix([0.0, 0.0, 0.0], [0.6, 0.4, 0.0])) == {
        "enterprise": 0,
        "mid_market": 0,
    }


def test_a_segment_with_no_open_amount_reads_zero_and_a_sliver_less_than_one_percent() -> None:
    now = leadership.kpis_now(
        _mix([0.0, 1.0, 999.0], [0.6, 0.4, 0.0]),
        _wins([0.2, 0.3], [0.15, 0.27], [0.25, 0.33], [500, 800]),
        pd.DataFrame({"qualified": [5], "created": [6]}),
        pd.DataFrame({"sla_hours": [4.0], "handled_within_sla": [8], "mqls": [10]}),
        pd.DataFrame({"meetings": [4], "median_hours_to_first_meeting": [10.0]}),
        pd.DataFrame({"margin_tracked": [False], "profitable_won": [0], "closed": [5]}),
        pd.DataFrame({"band": [], "closed": [], "won": [], "lift": [], "avg_won_amount_usd": []}),
        LABELS,
        {},
    )
    assert now["segmentation"] == "Enterprise 0% · Mid-market <1% · SMB 100% of open amount"
