"""The charts' shared look: data colours that read on light and dark themes, labels, bands."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

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


def rgba(hex_colour: str, alpha: float) -> str:
    """Return a CSS rgba() of a #rrggbb colour, for translucent interval bands."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def segment_colours(segments: list[str]) -> dict[str, str]:
    """Return one stable colour per segment, in the order given."""
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(segments)}


def label(labels: dict[str, str], key: str) -> str:
    """Return the words for a column: the label given for it, else its name in words."""
    return chart_text(labels.get(key, key.replace("_", " ").capitalize()))


def interval_band(rows: pd.DataFrame, name: str, colour: str, rate: str) -> list[go.Scatter]:
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
            fillcolor=rgba(colour, 0.18),
            **edge,
        ),
    ]
