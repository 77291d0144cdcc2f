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
from lib.store.staging import segment_frames

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
    mql_by_segment: pd.DataFrame
    mql_by_channel: pd.DataFrame
    mql_cells: pd.DataFrame
    cycles: pd.DataFrame
    survival: pd.DataFrame


def kpi_bundle(conn: duckdb.DuckDBPyConnection, model: ScoringModel, filters: Filters) -> KpiBundle:
    """Return every KPI of the Overview and Quarterly review for these filters."""
    rules = model.segments
    views = segment_frames(conn, rules)
    args = (conn, rules, filters)
    return KpiBundle(
        summary=kpis.kpis_by_segment(*args, views=views),
        wins=kpis.win_rate_by_segment(*args, views=views),
        mix=kpis.pipeline_mix(*args, views=views),
        qualified=kpis.qualified_opportunity_rate(*args, views=views),
        sla=kpis.sla_compliance(*args, sla_hours_by_segment(model), views=views),
        meetings=kpis.speed_to_first_meeting(*args, views=views),
        profitable=kpis.profitable_win_rate(*args, OVERVIEW_MARGIN_TARGET, views=views),
        quarters=kpis.kpis_by_quarter(*args, views=views),
        velocity=kpis.pipeline_velocity_by_segment(*args, views=views),
        mql_by_segment=kpis.mql_to_sql_by_segment(*args, views=views),
        mql_by_channel=kpis.mql_to_sql_by_channel(*args, views=views),
        mql_cells=kpis.mql_to_sql_by_segment_and_channel(*args, views=views),
        cycles=kpis.cycle_time_by_segment(*args, views=views),
        survival=kpis.cycle_time_survival(*args, views=views),
    )
