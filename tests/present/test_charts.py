"""Charts: the expected traces, titles in words, and no snake_case a person would have to read."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from lib.present import charts

LABELS = {
    "enterprise": "Enterprise",
    "mid_market": "Mid-market",
    "smb": "SMB",
    "unassigned": "Unassigned",
}
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _words(fig: go.Figure) -> list[str]:
    """Return every title, axis title, trace name and category label a reader sees."""
    layout = fig.layout
    texts = [layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text]
    for trace in fig.data:
        texts.append(trace.name)
        for axis in ("x", "y"):
            values = getattr(trace, axis, None)
            if values is not None and len(values) and isinstance(values[0], str):
                texts.extend(values)
    return [t for t in texts if t]


def _mix() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["enterprise", "mid_market", "smb"],
            "open_amount_usd": [60.0, 30.0, 10.0],
            "won_amount_usd": [10.0, 10.0, 20.0],
            "open_share": [0.6, 0.3, 0.1],
            "won_share": [0.25, 0.25, 0.5],
            "target_share": [0.6, 0.4, 0.0],
        }
    )


def _quarters() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["enterprise", "enterprise", "mid_market", "unassigned"],
            "quarter": ["2025-Q2", "2025-Q1", "2025-Q1", "2025-Q1"],
            "closed": [40, 50, 60, 3],
            "win_rate": [0.2, 0.3, 0.25, 1 / 3],
            "win_rate_low": [0.1, 0.2, 0.15, 0.06],
            "win_rate_high": [0.35, 0.45, 0.38, 0.79],
            "win_rate_small_sample": [False, False, False, True],
            "partial": [True, False, False, False],
            "days_in_data": [31, 90, 90, 90],
        }
    )


def _trend() -> pd.DataFrame:
    trend = pd.DataFrame(
        {
            "quarter": ["2025-Q1", "2025-Q2"],
            "value": [0.2, 0.3],
            "n": [1200, 40],
            "noun": "closed",
            "partial": [False, True],
        }
    )
    trend.attrs["name"] = "Win rate, all segments"
    return trend


def _cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["enterprise", "enterprise", "smb", "smb"],
            "channel": ["Events", "Partner", "Events", "Partner"],
            "mqls": [100, 100, 100, 10],
            "mql_to_sql_rate": [0.05, 0.15, 0.30, 0.2],
            "band": ["below", "in", "above", "in"],
            "small_sample": [False, False, False, True],
        }
    )


def _bands() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "band": ["very_likely", "likely", "unlikely"],
            "closed": [2, 100, 0],
            "win_rate": [0.5, 0.3, np.nan],
            "win_rate_low": [0.09, 0.22, np.nan],
            "win_rate_high": [0.91, 0.4, np.nan],
            "small_sample": [True, False, True],
            "avg_won_amount_usd": [1000.0, 2000.0, np.nan],
        }
    )


FIGURES = {
    "pipeline mix": lambda: charts.pipeline_mix_chart(_mix(), LABELS),
    "velocity": lambda: charts.velocity_chart(
        pd.DataFrame(
            {
                "segment": ["enterprise", "smb", "all segments"],
                "open_deals": [10, 20, 30],
                "velocity_usd_per_day": [2000.0, 2000.0, 4000.0],
                "velocity_low": [1000.0, 1500.0, 3000.0],
                "velocity_high": [3000.0, 2500.0, 5000.0],
                "won_per_day_last_quarter": [1800.0, 2100.0, 3900.0],
            }
        ),
        LABELS,
    ),
    "velocity backtest": lambda: charts.velocity_backtest_chart(
        pd.DataFrame(
            {
                "segment": ["all segments", "smb"],
                "made_on": pd.to_datetime(["2025-01-01", "2025-01-01"]),
                "predicted": [100.0, 50.0],
                "low": [60.0, 20.0],
                "high": [140.0, 80.0],
                "realised": [120.0, 40.0],
            }
        )
    ),
    "win rate trend": lambda: charts.win_rate_trend_chart(_quarters(), LABELS),
    "mql heatmap": lambda: charts.mql_to_sql_heatmap(_cells(), LABELS),
    "survival": lambda: charts.cycle_survival_chart(
        pd.DataFrame(
            {
                "segment": ["smb", "smb", "mid_market"],
                "days": [0.0, 10.0, 0.0],
                "won": [0.0, 0.4, 0.0],
                "lost": [0.0, 0.2, 0.0],
            }
        ),
        LABELS,
    ),
    "band outcomes": lambda: charts.band_outcome_chart(
        _bands(), {"very_likely": "Very likely", "likely": "Likely", "unlikely": "Unlikely"}
    ),
    "sparkline": lambda: charts.trend_sparkline(_trend()),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_chart_has_a_title_and_no_snake_case_words(name: str) -> None:
    fig = FIGURES[name]()
    words = _words(fig)
    assert fig.layout.title.text
    assert [w for w in words if SNAKE.search(w)] == []


@pytest.mark.parametrize(
    ("name", "x_title", "y_title"),
    [
        ("pipeline mix", "Segment", "Share of amount"),
        ("velocity", "Segment", "Won revenue per day ($)"),
        ("win rate trend", "Quarter closed", "Win rate"),
        ("mql heatmap", "Channel", "Segment"),
        ("survival", "Days since the opportunity was created", "Share of the deals created"),
        ("band outcomes", "Score band", "Win rate"),
    ],
)
def test_axis_titles_are_in_words(name: str, x_title: str, y_title: str) -> None:
    fig = FIGURES[name]()
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == (x_title, y_title)


def test_pipeline_mix_draws_open_won_and_target_per_segment_label() -> None:
    fig = charts.pipeline_mix_chart(_mix(), LABELS)
    assert [t.name for t in fig.data] == ["Open pipeline (amount)", "Won revenue", "Target"]
    assert list(fig.data[2].x) == ["Enterprise", "Mid-market", "SMB"]
    assert list(fig.data[2].y) == [0.6, 0.4, 0.0]


def test_win_rate_trend_has_a_band_and_a_line_per_segment_in_segment_order() -> None:
    fig = charts.win_rate_trend_chart(_quarters(), LABELS)
    lines = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in lines] == ["Enterprise", "Mid-market", "Unassigned"]
    assert len(fig.data) == 3 * 3  # upper edge, filled lower edge, line
    assert fig.layout.xaxis.categoryorder == "category ascending"


def test_a_segment_with_only_small_quarters_starts_hidden_and_is_drawn_hollow() -> None:
    fig = charts.win_rate_trend_chart(_quarters(), LABELS)
    unassigned = next(t for t in fig.data if t.name == "Unassigned")
    enterprise = next(t for t in fig.data if t.name == "Enterprise")
    assert unassigned.visible == "legendonly" and list(unassigned.marker.symbol) == ["circle-open"]
    assert enterprise.visible is True


def test_heatmap_codes_cells_below_in_above_and_small_sample_grey() -> None:
    fig = charts.mql_to_sql_heatmap(_cells(), LABELS)
    assert list(fig.data[0].y) == ["Enterprise", "SMB"]
    assert fig.data[0].z.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert "10 MQLs ⚠" in fig.data[0].text[1][1]


def test_band_outcome_chart_leaves_out_bands_without_closed_deals_and_flags_small_ones() -> None:
    fig = charts.band_outcome_chart(_bands(), {"very_likely": "Very likely", "likely": "Likely"})
    assert list(fig.data[0].x) == ["Very likely<br>2 closed ⚠", "Likely<br>100 closed"]
    assert list(fig.data[0].error_y.array) == pytest.approx([0.41, 0.1])
    assert list(fig.data[0].error_y.arrayminus) == pytest.approx([0.41, 0.08])


def test_segment_colours_are_stable_in_the_order_given() -> None:
    assert charts.segment_colours(["a", "b"]) == {"a": charts.PALETTE[0], "b": charts.PALETTE[1]}


def test_the_sparkline_labels_each_point_with_its_count_and_hollows_a_partial_quarter() -> None:
    fig = charts.trend_sparkline(_trend())
    assert list(fig.data[0].text) == ["1,200", "40"]
    assert list(fig.data[0].marker.symbol) == ["circle", "circle-open"]
    assert fig.layout.title.text == "Win rate, all segments, by quarter (hollow: partial)"


def test_the_win_rate_trend_marks_a_partial_quarter_as_a_square() -> None:
    fig = charts.win_rate_trend_chart(_quarters(), LABELS)
    enterprise = next(t for t in fig.data if t.name == "Enterprise" and t.mode)
    assert list(enterprise.x) == ["2025-Q1", "2025-Q2"]
    assert list(enterprise.marker.symbol) == ["circle", "square-open"]
