"""Every funnel KPI the Overview and the Quarterly review show, measured once per filter choice.

One bundle per (data, model, filters) is what the app caches: a rerun of either page, or a move
between them, asks the database nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from lib.metrics import kpis
from lib.metrics.filters import Filters
from lib.model import ScoringModel, sla_hours_by_segment

# the Overview's margin bar for "profitable"; the Quarterly review lets RevOps move it
OVERVIEW_MARGIN_TARGET = 0.30


@dataclass(frozen=True)
class KpiBundle:
    """The KPI frames of one filter choice (each as its lib.metrics.kpis function returns it)."""

    summary: dict[str, Any]
    wins: pd.DataFrame
    mix: pd.DataFrame
    qualified: pd.DataFrame
    sla: pd.DataFrame
    meetings: pd.DataFrame
    profitable: pd.DataFrame
    quarters: pd.DataFrame
    velocity: pd.DataFrame
    velocity_backtest: pd.DataFrame
    mql_by_segment: pd.DataFrame
    mql_by_channel: pd.DataFrame
    mql_cells: pd.DataFrame
    cycles: pd.DataFrame
    survival: pd.DataFrame


def kpi_bundle(conn: duckdb.DuckDBPyConnection, model: ScoringModel, filters: Filters) -> KpiBundle:
    """Return every KPI of the Overview and Quarterly review for these filters."""
    args = (conn, model.segments, filters)
    return KpiBundle(
        summary=kpis.kpis_by_segment(*args),
        wins=kpis.win_rate_by_segment(*args),
        mix=kpis.pipeline_mix(*args),
        qualified=kpis.qualified_opportunity_rate(*args),
        sla=kpis.sla_compliance(*args, sla_hours_by_segment(model)),
        meetings=kpis.speed_to_first_meeting(*args),
        profitable=kpis.profitable_win_rate(*args, OVERVIEW_MARGIN_TARGET),
        quarters=kpis.kpis_by_quarter(*args),
        velocity=kpis.pipeline_velocity_by_segment(*args),
        velocity_backtest=kpis.pipeline_velocity_backtest(*args),
        mql_by_segment=kpis.mql_to_sql_by_segment(*args),
        mql_by_channel=kpis.mql_to_sql_by_channel(*args),
        mql_cells=kpis.mql_to_sql_by_segment_and_channel(*args),
        cycles=kpis.cycle_time_by_segment(*args),
        survival=kpis.cycle_time_survival(*args),
    )
