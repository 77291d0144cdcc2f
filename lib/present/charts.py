"""Tidy frames -> Plotly figures, with titles, axes and legends in words people use.

Figures leave the template to the caller (Streamlit applies its light or dark theme), so only
data colours are set here, at mid tones that read on either background.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.metrics.velocity import ALL_SEGMENTS, VELOCITY_HORIZON_DAYS
from lib.present.numbers import ABOVE_HEALTHY, BELOW_HEALTHY, HEALTHY_MQL_TO_SQL
from lib.present.text import chart_text

# mid-tone data colours readable on light and dark backgrounds (Okabe-Ito, colour-blind safe)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
BAND_COLOURS = {"below": "#D55E00", "in": "#009E73", "above": "#0072B2"}
BAND_WORDS = {
    "below": BELOW_HEALTHY,
    "in": f"{HEALTHY_MQL_TO_SQL} (healthy)",
    "above": ABOVE_HEALTHY,
}


def _rgba(hex_colour: str, alpha: float) -> str:
    """Return a CSS rgba() of a #rrggbb colour, for translucent interval bands."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def segment_colours(segments: list[str]) -> dict[str, str]:
    """Return one stable colour per segment, in the order given."""
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(segments)}


def _label(labels: dict[str, str], key: str) -> str:
    return chart_text(labels.get(key, key.replace("_", " ").capitalize()))


def pipeline_mix_chart(mix: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Return bars of open-pipeline and won shares per segment with the target share as markers;
    mix is lib.metrics.kpis.pipeline_mix output."""
    names = [_label(labels, s) for s in mix["segment"]]
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
    names = [_label(labels, s) for s in rows["segment"]]
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


def _interval_band(rows: pd.DataFrame, name: str, colour: str, rate: str) -> list[go.Scatter]:
    """Return the invisible upper edge and the filled lower edge of one 95% interval band."""
    edge = {
        "mode": "lines",
        "line": {"width": 0},
        "legendgroup": name,
        "showlegend": False,
        "hoverinfo": "skip",
    }
    return [
        go.Scatter(x=rows["quarter"], y=rows[f"{rate}_high"], **edge),
        go.Scatter(
            x=rows["quarter"],
            y=rows[f"{rate}_low"],
            fill="tonexty",
            fillcolor=_rgba(colour, 0.18),
            **edge,
        ),
    ]


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
        name = _label(labels, str(segment))
        shown = True if (~group["win_rate_small_sample"]).any() else "legendonly"
        fig.add_traces(_interval_band(group, name, colours[segment], "win_rate"))
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
            y=[_label(labels, s) for s in z.index],
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


def cycle_survival_chart(curves: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Return step curves of the share of deals won (solid) and lost (dotted) by days since
    creation, one colour per segment, open deals counted until the data ends (Aalen-Johansen);
    curves is lib.metrics.kpis.cycle_time_survival output."""
    colours = segment_colours([str(s) for s in dict.fromkeys(curves["segment"])])
    fig = go.Figure()
    for segment, group in curves.groupby("segment", sort=False):
        name = _label(labels, str(segment))
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
        f"{_label(band_labels, b)}<br>{n:,} closed" + (" ⚠" if small else "")
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
            y=[f"{label} — {n}" for label, n in zip(rows["label"], counts, strict=True)],
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


def score_waterfall_chart(factors: pd.DataFrame, score: float) -> go.Figure:
    """Return a horizontal waterfall of one lead's factor points ending at its score; factors is
    lib.present.leads.chart_factors output (factor, points, pillar)."""
    names = [*(chart_text(f) for f in factors["factor"]), "Qualification score"]
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            y=names,
            x=[*factors["points"], score],
            measure=["relative"] * len(factors) + ["total"],
            customdata=[*factors["pillar"], ""],
            increasing={"marker": {"color": PALETTE[2]}},
            decreasing={"marker": {"color": PALETTE[5]}},
            totals={"marker": {"color": PALETTE[0]}},
            text=[f"{p:+.1f}" for p in factors["points"]] + [f"{score:.1f}"],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y} (%{customdata}): %{x:+.1f} points<extra></extra>",
        )
    )
    fig.update_layout(
        title="How the score adds up",
        showlegend=False,
        margin={"t": 50, "r": 60},
        height=120 + 30 * len(names),
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="Score points", rangemode="tozero")
    return fig


def lift_by_decile_chart(lift: pd.DataFrame) -> go.Figure:
    """Return grouped bars of held-out lift per score decile (1 = top scores), one colour per
    model, with a line at 1 (no better than chance); lift is
    lib.present.recalibration.lift_frame output."""
    fig = go.Figure()
    for i, (model, rows) in enumerate(lift.groupby("model", sort=False)):
        fig.add_trace(
            go.Bar(
                name=str(model),
                x=rows["decile"],
                y=rows["lift"],
                marker_color=PALETTE[i],
                text=["⚠" if small else "" for small in rows["small_sample"]],
                textposition="outside",
                customdata=rows[["won", "leads", "win_rate"]],
                hovertemplate=(
                    f"{model}, decile %{{x}}: lift %{{y:.2f}} (%{{customdata[0]}} won "
                    "of %{customdata[1]}, %{customdata[2]:.0%})<extra></extra>"
                ),
            )
        )
    fig.add_hline(
        y=1.0,
        line_dash="dot",
        line_color=PALETTE[-1],
        annotation_text="no better than chance",
        annotation_position="top right",
    )
    fig.update_layout(
        barmode="group",
        title="Lift by score decile on the held-out deals (⚠: under 30 deals)",
        legend={"orientation": "h", "y": -0.25},
        margin={"t": 50},
    )
    fig.update_yaxes(title_text="Win rate ÷ overall win rate", rangemode="tozero")
    fig.update_xaxes(title_text="Score decile (1 = highest scores)", dtick=1)
    return fig


def calibration_chart(calibration: pd.DataFrame) -> go.Figure:
    """Return predicted against observed win rate per bin with 95% interval error bars, one
    line per model, and the diagonal; calibration is
    lib.present.recalibration.calibration_frame output."""
    fig = go.Figure(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="Perfectly calibrated",
            line={"dash": "dot", "color": PALETTE[-1]},
            hoverinfo="skip",
        )
    )
    for i, (model, rows) in enumerate(calibration.groupby("model", sort=False)):
        fig.add_trace(
            go.Scatter(
                name=str(model),
                x=rows["mean_predicted"],
                y=rows["observed"],
                mode="lines+markers",
                line={"color": PALETTE[i]},
                marker={
                    "symbol": ["circle-open" if s else "circle" for s in rows["small_sample"]],
                    "size": 8,
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": rows["observed_high"] - rows["observed"],
                    "arrayminus": rows["observed"] - rows["observed_low"],
                },
                customdata=rows[["won", "leads"]],
                hovertemplate=(
                    f"{model}: predicted %{{x:.0%}}, observed %{{y:.0%}} "
                    "(%{customdata[0]} won of %{customdata[1]})<extra></extra>"
                ),
            )
        )
    top = float(max(calibration["observed_high"].max(), calibration["mean_predicted"].max(), 0.1))
    fig.update_layout(
        title="Calibration on the held-out deals (bars: 95% interval; hollow: under 30 deals)",
        legend={"orientation": "h", "y": -0.25},
        margin={"t": 50},
    )
    fig.update_xaxes(
        title_text="Predicted win probability", tickformat=".0%", range=[0, min(1.0, top * 1.05)]
    )
    fig.update_yaxes(
        title_text="Observed win rate", tickformat=".0%", range=[0, min(1.0, top * 1.05)]
    )
    return fig


def backtest_bands_chart(bands: pd.DataFrame) -> go.Figure:
    """Return win rate per score band, published against edited model, with 95% interval error
    bars and closed counts; bands is lib.present.scoring_lab.bands_with_intervals output."""
    fig = go.Figure()
    for i, (model, rows) in enumerate(bands.groupby("model", sort=False)):
        shown = rows[rows["closed"] > 0]
        fig.add_trace(
            go.Bar(
                name=str(model),
                x=shown["band"],
                y=shown["win_rate"],
                marker_color=PALETTE[i],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": shown["win_rate_high"] - shown["win_rate"],
                    "arrayminus": shown["win_rate"] - shown["win_rate_low"],
                },
                text=[
                    f"{c:,.0f} closed" + (" ⚠" if s else "")
                    for c, s in zip(shown["closed"], shown["small_sample"], strict=True)
                ],
                textposition="inside",
                insidetextanchor="start",
                customdata=shown[["won", "closed", "leads"]],
                hovertemplate=(
                    f"{model}, %{{x}}: %{{y:.1%}} won (%{{customdata[0]:,.0f}} of "
                    "%{customdata[1]:,.0f} closed; %{customdata[2]:,.0f} leads)"
                    "<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        barmode="group",
        title="Win rate by score band (bars: 95% interval)",
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 50},
    )
    fig.update_yaxes(title_text="Win rate", tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title_text="Score band")
    return fig
