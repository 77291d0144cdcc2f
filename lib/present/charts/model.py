"""Charts of the model: a lead's score waterfall, lift by decile, calibration, back-test bands."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.present.charts.style import (
    PALETTE,
)
from lib.present.text import chart_text


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
