"""Segments of accounts and leads under a model's rules, for the KPI queries to join."""

from __future__ import annotations

import duckdb
import pandas as pd

from lib.model.segments import DEFAULT_SEGMENTS, SegmentRule, assign_segments
from lib.store.connection import run_query


def segment_frames(
    conn: duckdb.DuckDBPyConnection, rules: tuple[SegmentRule, ...] = DEFAULT_SEGMENTS
) -> dict[str, pd.DataFrame]:
    """Return {'account_segment': account_id, segment; 'lead_segment': lead_id, segment}.

    A lead takes its account's segment when it has an account, else its own firmographics;
    the frames are meant to be registered as views for the KPI queries.
    """
    accounts = run_query(conn, "staging/account_firmographics")
    leads = run_query(conn, "staging/firmographics")
    return {
        "account_segment": pd.DataFrame(
            {
                "account_id": accounts["account_id"],
                "segment": assign_segments(
                    accounts["annual_revenue_usd"], accounts["employees"], rules
                ),
            }
        ),
        "lead_segment": pd.DataFrame(
            {
                "lead_id": leads["lead_id"],
                "segment": assign_segments(leads["annual_revenue_usd"], leads["employees"], rules),
            }
        ),
    }
