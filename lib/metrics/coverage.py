"""What the data holds for each KPI: how many records carry the fields it is measured from.

A KPI with nothing to count is not zero but unmeasured; lib.present.needs words what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import duckdb

from lib.model.segments import SegmentRule
from lib.store.connection import run_query
from lib.store.staging import segment_params


@dataclass(frozen=True)
class Coverage:
    """Counts over all the data (no filter): records, and those carrying each KPI's fields."""

    leads: int
    leads_with_mql: int
    mqls_answered: int  # MQLs with sales' accept or reject date
    mqls_met: int  # MQLs with a first-meeting date
    opportunities: int
    closed_deals: int
    won_with_cycle: int
    open_deals: int
    open_segmented: int  # open deals on an account placed in a segment
    closed_segmented: int
    won_with_margin: int
    won_priced_dated: int  # won deals with an amount, created on or before their close
    deals_from_leads: int  # deals linked to a lead in the data
    closed_from_leads: int
    activities: int


def kpi_inputs(conn: duckdb.DuckDBPyConnection, rules: tuple[SegmentRule, ...]) -> Coverage:
    """Return how many records carry each KPI's fields, segments placed by `rules`."""
    row = run_query(conn, "quality/kpi_inputs", segment_params(rules)).iloc[0]
    return Coverage(**{f.name: int(row[f.name]) for f in fields(Coverage)})
