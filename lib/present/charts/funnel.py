"""Charts of the funnel: win rate by quarter, MQL->SQL, cycle time, band outcomes, blank fields."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.present.charts.style import (
    BAND_COLOURS,
    BAND_WORDS,
    PALETTE,
    interval_band,
    label,
    segment_colours,
)
from lib.present.numbers import HEALTHY_MQL_TO_SQL
from lib.present.text import chart_text


def win_rate_trend_chart(quarters: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Return win rate per quarter, one line per segment with its 95% interval as a band;
    quarters with under 30 closed deals are hollow markers, and a segment with no quarter of 30
    starts hidden (click its legend entry). quarters is lib.metrics.kpis.kpis_by_quarter output."""
    rows = quarters[quarters["closed"] > 0].sort_values("quarter", kind="stable")
    colours = segment_colours(list(dict.fromkeys(quarters["segment"])))
    fig = go.Figure()
    for segment in colours:
        group = rows[rows["segment"] == segment]
        if group.empty:
            continue
        name = label(labels, str(segment))
        shown = True if (~group["win_rate_small_sample"]).any() else "legendonly"
        fig.add_traces(interval_band(group, name, colours[segment], "win_rate"))
        fig.data[-1].visible = fig.data[-2].visible = shown
        symbols = [
            "square-open" if partial else "circle-open" if small else "circle"
            for small, partial in zip(group["win_rate_small_sample"], group["partial"], strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=group["quarter"],
                y=group["win_rate"],
                name=name,
                legendgroup=name,
                mode="lines+markers",
                line={"color": colours[segment]},
                visible=shown,
                marker={"symbol": symbols, "size": 9},
                customdata=group[["win_rate_low", "win_rate_high", "closed", "days_in_data"]],
                hovertemplate=(
                    f"{name} %{{x}}: %{{y:.1%}} (%{{customdata[0]:.1%}}–"
                    "%{customdata[1]:.1%}), %{customdata[2]} closed, %{customdata[3]} days "
                    "of data<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        title="Win rate by quarter (shaded: 95% interval; hollow: under 30 closed; "
        "square: partial quarter)",
        legend_title_text="Segment",
        margin={"t": 50},
    )
    fig.update_yaxes(title_text="Win rate", tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(
        title_text="Quarter closed", type="category", categoryorder="category ascending"
    )
    return fig


def _band_codes(cells: pd.DataFrame) -> pd.Series:
    """Return 0 below / 1 in / 2 above the healthy band, 3 for a cell under 30 MQLs."""
    code = cells["band"].map({"below": 0, "in": 1, "above": 2}).astype("float64")
    return code.mask(cells["small_sample"], 3.0)


def mql_to_sql_heatmap(cells: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Return a segment x channel grid coloured below / in / above the healthy MQL->SQL band
    (grey under 30 MQLs), each cell showing its rate and MQL count; cells is
    lib.metrics.kpis.mql_to_sql_by_segment_and_channel output."""
    grid = cells.assign(
        code=_band_codes(cells),
        text=[
            f"{r:.0%}<br>{n:,} MQLs" + (" ⚠" if small else "")
            for r, n, small in zip(
                cells["mql_to_sql_rate"], cells["mqls"], cells["small_sample"], strict=True
            )
        ],
    )
    segments = list(dict.fromkeys(grid["segment"]))
    z = grid.pivot(index="segment", columns="channel", values="code").reindex(segments)
    text = grid.pivot(index="segment", columns="channel", values="text").reindex(segments)
    colours = [BAND_COLOURS[b] for b in ("below", "in", "above")] + [PALETTE[-1]]
    scale = [[edge, colour] for i, colour in enumerate(colours) for edge in (i / 4, (i + 1) / 4)]
    fig = go.Figure(
        go.Heatmap(
            z=z.to_numpy(dtype="float64"),
            x=[chart_text(c) for c in z.columns],
            y=[label(labels, s) for s in z.index],
            text=text.to_numpy(),
            texttemplate="%{text}",
            zmin=-0.5,
            zmax=3.5,
            colorscale=scale,
            xgap=2,
            ygap=2,
            colorbar={
                "title": {"text": "MQL→SQL"},
                "tickvals": [0, 1, 2, 3],
                "ticktext": [BAND_WORDS[b] for b in ("below", "in", "above")] + ["Under 30 MQLs"],
            },
            hovertemplate="%{y}, %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"MQL→SQL conversion by segment and channel against the {HEALTHY_MQL_TO_SQL} band",
        margin={"t": 50},
    )
    fig.update_xaxes(title_text="Channel")
    fig.update_yaxes(title_text="Segment", autorange="reversed")
    return fig


def cycle_survival_chart(curves: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Return step curves of the share of deals won (solid) and lost (dotted) by days since
    creation, one colour per segment, open deals counted until the data ends (Aalen-Johansen);
    curves is lib.metrics.kpis.cycle_time_survival output."""
    colours = segment_colours([str(s) for s in dict.fromkeys(curves["segment"])])
    fig = go.Figure()
    for segment, group in curves.groupby("segment", sort=False):
        name = label(labels, str(segment))
        for outcome, dash in (("won", "solid"), ("lost", "dot")):
            fig.add_trace(
                go.Scatter(
                    x=group["days"],
                    y=group[outcome],
                    name=f"{name}, {outcome}",
                    legendgroup=name,
                    mode="lines",
                    line={"shape": "hv", "color": colours[str(segment)], "dash": dash},
                    hovertemplate=(
                        f"{name}: %{{y:.0%}} {outcome} within %{{x:.0f}} days<extra></extra>"
                    ),
                )
            )
    fig.update_layout(
        title="Deals won and lost by days since creation (open deals counted, Aalen–Johansen)",
        legend_title_text="Segment, outcome",
        margin={"t": 50},
    )
    fig.update_yaxes(title_text="Share of the deals created", tickformat=".0%", range=[0, 1.02])
    fig.update_xaxes(title_text="Days since the opportunity was created", rangemode="tozero")
    return fig


def band_outcome_chart(bands: pd.DataFrame, band_labels: dict[str, str]) -> go.Figure:
    """Return observed win rate per score band with 95% interval error bars, highest band first;
    bands is lib.metrics.outcomes.outcomes_by_band output."""
    rows = bands[bands["closed"] > 0]
    names = [
        f"{label(band_labels, b)}<br>{n:,} closed" + (" ⚠" if small else "")
        for b, n, small in zip(rows["band"], rows["closed"], rows["small_sample"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=rows["win_rate"],
            marker_color=PALETTE[0],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": rows["win_rate_high"] - rows["win_rate"],
                "arrayminus": rows["win_rate"] - rows["win_rate_low"],
            },
            customdata=rows[["closed", "avg_won_amount_usd"]],
            hovertemplate=(
                "%{y:.1%} of %{customdata[0]:,} closed; average won deal "
                "$%{customdata[1]:,.0f}<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        title="Observed win rate by score band (bars: 95% interval)",
        showlegend=False,
        margin={"t": 50},
    )
    fig.update_yaxes(title_text="Win rate", tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title_text="Score band")
    return fig


def blank_fields_chart(blank: pd.DataFrame) -> go.Figure:
    """Return horizontal bars of the blank share per field with 95% interval error bars, worst
    on top; blank is lib.present.data_quality.blank_fields output (with share_low, share_high)."""
    rows = blank[blank["total"] > 0].iloc[::-1]
    low, high = rows["share_low"], rows["share_high"]
    counts = [f"{b:,} of {t:,}" for b, t in zip(rows["blank"], rows["total"], strict=True)]
    fig = go.Figure(
        go.Bar(
            y=[f"{name} — {n}" for name, n in zip(rows["label"], counts, strict=True)],
            x=rows["share"],
            orientation="h",
            marker_color=PALETTE[5],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": high - rows["share"],
                "arrayminus": rows["share"] - low,
            },
            hovertemplate="%{y}: %{x:.1%} blank<extra></extra>",
        )
    )
    fig.update_layout(
        title="Blank fields (bars: 95% interval)",
        showlegend=False,
        margin={"t": 50},
        height=80 + 34 * len(rows),
    )
    fig.update_xaxes(title_text="Share of records left blank", tickformat=".0%", rangemode="tozero")
    return fig
