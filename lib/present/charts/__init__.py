"""Tidy frames -> Plotly figures, with titles, axes and legends in words people use.

Figures leave the template to the caller (Streamlit applies its light or dark theme), so only
data colours are set here (style.py), at mid tones that read on either background.
"""

from lib.present.charts.attributes import attribute_levels_chart
from lib.present.charts.funnel import (
    band_outcome_chart,
    blank_fields_chart,
    cycle_survival_chart,
    mql_to_sql_heatmap,
    win_rate_trend_chart,
)
from lib.present.charts.model import (
    backtest_bands_chart,
    calibration_chart,
    lift_by_decile_chart,
    score_waterfall_chart,
)
from lib.present.charts.pipeline import (
    pipeline_mix_chart,
    trend_sparkline,
    velocity_backtest_chart,
    velocity_chart,
)
from lib.present.charts.style import BAND_COLOURS, BAND_WORDS, PALETTE, segment_colours

__all__ = [
    "BAND_COLOURS",
    "BAND_WORDS",
    "PALETTE",
    "attribute_levels_chart",
    "backtest_bands_chart",
    "band_outcome_chart",
    "blank_fields_chart",
    "calibration_chart",
    "cycle_survival_chart",
    "lift_by_decile_chart",
    "mql_to_sql_heatmap",
    "pipeline_mix_chart",
    "score_waterfall_chart",
    "segment_colours",
    "trend_sparkline",
    "velocity_backtest_chart",
    "velocity_chart",
    "win_rate_trend_chart",
]
