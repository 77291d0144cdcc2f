"""Charts of open pipeline: the mix against a target, velocity and its back-test, sparklines."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.metrics.velocity import ALL_SEGMENTS, VELOCITY_HORIZON_DAYS
from lib.present.charts.style import (
    PALETTE,
    label,
)
from lib.present.text import chart_text


def pipeline_mix_chart(mix: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Return bars of open-pipeline and won shares per segment with the target share as markers;
    mix is lib.metrics.kpis.pipeline_mix output."""
    names = [label(labels, s) for s in mix["segment"]]
    fig = go.Figure(
        [
            go.Bar(
                name="Open pipeline (amount)",
                x=names,
                y=mix["open_share"],
                marker_color=PALETTE[0],
                customdata=mix["open_amount_usd"],
                hovertemplate=(
                    "%{x}: %{y:.1%} of open pipeline ($%{customdata:,.0f})<extra></extra>"
                ),
            ),
            go.Bar(
                name="Won revenue",
                x=names,
                y=mix["won_share"],
                marker_color=PALETTE[2],
                customdata=mix["won_amount_usd"],
                hovertemplate="%{x}: %{y:.1%} of won revenue ($%{customdata:,.0f})<extra></extra>",
            ),
            go.Scatter(
                name="Target",
                x=names,
                y=mix["target_share"],
                mode="markers",
                marker={
                    "symbol": "line-ew-open",
                    "size": 40,
                    "line": {"width": 4},
                    "color": PALETTE[1],
                },
                hovertemplate="%{x}: target %{y:.0%}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        barmode="group",
        legend_title_text="",
        margin={"t": 50},
        title="Share of open pipeline and won revenue, and the target",
    )
    fig.update_yaxes(title_text="Share of amount", tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title_text="Segment")
    return fig


def velocity_chart(velocity: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Return bars of the expected won revenue per day over the next quarter per segment with
    95% interval error bars, and dots for what was won per day in the last quarter; velocity is
    lib.metrics.kpis.pipeline_velocity_by_segment output (the all-segments row left out)."""
    rows = velocity[velocity["segment"] != ALL_SEGMENTS]
    names = [label(labels, s) for s in rows["segment"]]
    fig = go.Figure(
        [
            go.Bar(
                name=f"Expected, next {VELOCITY_HORIZON_DAYS} days",
                x=names,
                y=rows["velocity_usd_per_day"],
                marker_color=PALETTE[0],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": rows["velocity_high"] - rows["velocity_usd_per_day"],
                    "arrayminus": rows["velocity_usd_per_day"] - rows["velocity_low"],
                },
                customdata=rows[["velocity_low", "velocity_high", "open_deals"]],
                hovertemplate=(
                    "%{x}: $%{y:,.0f} a day expected ($%{customdata[0]:,.0f}–"
                    "$%{customdata[1]:,.0f}), %{customdata[2]:,.0f} open deals<extra></extra>"
                ),
            ),
            go.Scatter(
                name=f"Won, last {VELOCITY_HORIZON_DAYS} days",
                x=names,
                y=rows["won_per_day_last_quarter"],
                mode="markers",
                marker={"color": PALETTE[1], "size": 12, "symbol": "diamond"},
                hovertemplate="%{x}: $%{y:,.0f} a day won<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        title=f"Won revenue per day: expected over the next {VELOCITY_HORIZON_DAYS} days "
        "(bars: 95% interval) and won in the last",
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 50},
    )
    fig.update_yaxes(title_text="Won revenue per day ($)", tickprefix="$", rangemode="tozero")
    fig.update_xaxes(title_text="Segment")
    return fig


def velocity_backtest_chart(backtest: pd.DataFrame) -> go.Figure:
    """Return, for all segments, the forecast made at each past quarter-end (with its 95%
    interval) beside what was won per day in the quarter after it; backtest is
    lib.metrics.kpis.pipeline_velocity_backtest output."""
    rows = backtest[backtest["segment"] == ALL_SEGMENTS] if len(backtest) else backtest
    made = [f"{d:%d %b %Y}" for d in rows["made_on"]] if len(rows) else []
    fig = go.Figure(
        [
            go.Scatter(
                name="Forecast then",
                x=made,
                y=rows["predicted"] if len(rows) else [],
                mode="markers",
                marker={"color": PALETTE[0], "size": 10},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["high"] - rows["predicted"]) if len(rows) else [],
                    "arrayminus": (rows["predicted"] - rows["low"]) if len(rows) else [],
                },
                hovertemplate="Forecast on %{x}: $%{y:,.0f} a day<extra></extra>",
            ),
            go.Scatter(
                name="Won in the quarter after",
                x=made,
                y=rows["realised"] if len(rows) else [],
                mode="markers",
                marker={"color": PALETTE[1], "size": 12, "symbol": "diamond"},
                hovertemplate="Won after %{x}: $%{y:,.0f} a day<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        title="Back-test: the forecast made at past quarter-ends against what was won",
        legend={"orientation": "h", "y": -0.25},
        margin={"t": 50},
    )
    fig.update_yaxes(title_text="Won revenue per day ($)", tickprefix="$", rangemode="tozero")
    fig.update_xaxes(title_text="Forecast made on", type="category")
    return fig


def trend_sparkline(trend: pd.DataFrame) -> go.Figure:
    """Return a small line of a rate by quarter, each point labelled with its count, a partial
    quarter's point hollow; trend is one frame of lib.present.overview.quarterly_trends (its
    attrs["name"], in words, becomes the title)."""
    name = chart_text(str(trend.attrs.get("name", "")))
    fig = go.Figure(
        go.Scatter(
            x=list(trend["quarter"]),
            y=trend["value"].to_numpy(),
            mode="lines+markers+text",
            text=[f"{n:,}" for n in trend["n"]],
            textposition="top center",
            textfont={"size": 9},
            line={"color": PALETTE[0]},
            marker={
                "symbol": ["circle-open" if p else "circle" for p in trend["partial"]],
                "size": 7,
            },
            customdata=trend[["n", "noun", "partial"]].assign(
                partial=trend["partial"].map({True: " (partial quarter)", False: ""})
            ),
            hovertemplate=(
                f"{name}, %{{x}}%{{customdata[2]}}: %{{y:.1%}} of %{{customdata[0]:,}} "
                "%{customdata[1]}<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        height=180,
        margin={"t": 30, "b": 10, "l": 10, "r": 10},
        showlegend=False,
        title={"text": f"{name}, by quarter (hollow: partial)", "font": {"size": 12}},
    )
    fig.update_yaxes(tickformat=".0%")
    fig.update_xaxes(type="category", showticklabels=False)
    return fig
