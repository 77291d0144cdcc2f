"""Charts of the Scoring lab's Attributes part: one attribute's levels against the outcome."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.present.charts.style import PALETTE
from lib.present.text import chart_text


def attribute_levels_chart(
    rows: pd.DataFrame, attribute: str, rate_words: str | None, overall: float
) -> go.Figure:
    """Return horizontal bars per level (rows: lib.present.lab_attributes.level_chart_rows),
    first level on top: the observed rate with 95% interval error bars and a dashed line at the
    overall rate, or (rate_words None: no outcome) the leads per level."""
    ordered = rows.iloc[::-1]
    labels = [chart_text(v) for v in ordered["label"]]
    name = chart_text(attribute)
    if rate_words is None:
        fig = go.Figure(
            go.Bar(y=labels, x=ordered["leads"], orientation="h", marker_color=PALETTE[0])
        )
        fig.update_xaxes(title_text="Leads", tickformat=",")
        title = f"Leads by {name}"
    else:
        fig = go.Figure(
            go.Bar(
                y=labels,
                x=ordered["rate"],
                orientation="h",
                marker_color=PALETTE[0],
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": ordered["rate_high"] - ordered["rate"],
                    "arrayminus": ordered["rate"] - ordered["rate_low"],
                },
                customdata=ordered[["leads"]],
                hovertemplate="%{x:.1%} of %{customdata[0]:,} leads<extra></extra>",
            )
        )
        if not np.isnan(overall):
            fig.add_vline(
                x=overall,
                line_dash="dash",
                line_color=PALETTE[6],
                annotation_text=f"all leads {overall:.1%}",
                annotation_position="top",
            )
        fig.update_xaxes(title_text=rate_words, tickformat=".0%", rangemode="tozero")
        title = f"{rate_words} by {name} (bars: 95% interval)"
    fig.update_layout(
        title=title,
        showlegend=False,
        height=140 + 32 * len(rows),
        margin={"t": 60, "l": 10},
    )
    fig.update_yaxes(automargin=True)
    return fig
