"""What the data holds for each KPI, counted on tiny hand-made tables."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import duckdb
import pandas as pd

from lib.metrics.coverage import kpi_inputs
from lib.model.segments import DEFAULT_SEGMENTS
from lib.store.connection import connect
from lib.store.schema import TABLES


def database(**tables: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """Return an in-memory database holding the given rows (missing columns NULL)."""
    conn = connect(":memory:")
    for table, rows in tables.items():
        conn.register("incoming", pd.DataFrame(rows, columns=list(TABLES[table])))
        conn.execute(f"insert into {table} select * from incoming")
        conn.unregister("incoming")
    return conn


def test_an_empty_database_holds_nothing_for_any_kpi():
    assert set(asdict(kpi_inputs(database(), DEFAULT_SEGMENTS)).values()) == {0}


def test_each_count_holds_only_the_records_carrying_its_fields():
    day = pd.Timestamp("2024-03-01 09:00")
    conn = database(
        accounts=[{"account_id": "big", "annual_revenue_usd": 2e9}, {"account_id": "blank"}],
        leads=[
            # an MQL answered by sales and met; an MQL with neither; a lead never MQL
            {
                "lead_id": "L1",
                "account_id": "big",
                "mql_at": day,
                "sal_at": day,
                "sql_at": day,
                "first_meeting_at": day,
            },
            {"lead_id": "L2", "mql_at": day},
            {"lead_id": "L3", "disqualified_at": day},
        ],
        opportunities=[
            # won with a cycle and margin, from L1; lost on an unsegmented account; open without
            # a lead; won without created date from a lead not in the data; won created after
            # its close (a bulk load)
            {
                "opportunity_id": "O1",
                "account_id": "big",
                "lead_id": "L1",
                "created_at": day,
                "close_date": day.date(),
                "is_closed": True,
                "is_won": True,
                "gross_margin_usd": 10.0,
            },
            {"opportunity_id": "O2", "account_id": "blank", "is_closed": True, "is_won": False},
            {"opportunity_id": "O3", "account_id": "big", "is_closed": False},
            {"opportunity_id": "O4", "lead_id": "L9", "is_closed": True, "is_won": True},
            {
                "opportunity_id": "O5",
                "created_at": day,
                "close_date": (day - pd.Timedelta(days=300)).date(),
                "is_closed": True,
                "is_won": True,
            },
        ],
        activities=[{"activity_id": "X1", "lead_id": "L1"}],
    )
    got = kpi_inputs(conn, DEFAULT_SEGMENTS)
    assert (got.leads, got.leads_with_mql, got.mqls_answered, got.mqls_met) == (3, 2, 1, 1)
    assert (got.opportunities, got.closed_deals, got.won_with_cycle, got.open_deals) == (
        5,
        4,
        1,
        1,
    )
    assert (got.open_segmented, got.closed_segmented, got.won_with_margin) == (1, 1, 1)
    assert (got.deals_from_leads, got.closed_from_leads, got.activities) == (1, 1, 1)


def test_velocity_counts_won_deals_with_an_amount_created_before_they_closed():
    day = pd.Timestamp("2024-03-01")
    won = {"is_closed": True, "is_won": True, "close_date": (day + pd.Timedelta(days=10)).date()}
    conn = database(
        opportunities=[
            {"opportunity_id": "W1", "created_at": day, "amount_usd": 100.0, **won},
            {"opportunity_id": "W2", "created_at": day, **won},  # no amount
            # created after it closed (a bulk load): no age at win
            {"opportunity_id": "W3", "created_at": day + pd.Timedelta(days=30), "amount_usd": 1.0}
            | won,
            {"opportunity_id": "W4", "amount_usd": 1.0, **won},  # no created date
            {**won, "opportunity_id": "L1", "created_at": day, "amount_usd": 1.0, "is_won": False},
        ]
    )
    assert kpi_inputs(conn, DEFAULT_SEGMENTS).won_priced_dated == 1
