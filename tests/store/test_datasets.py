"""What a dataset covers: its period spans every date a KPI filters on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from lib.store.connection import connect
from lib.store.datasets import data_period
from lib.store.schema import TABLES


def database(**tables: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """Return an in-memory database holding the given rows (missing columns NULL)."""
    conn = connect(":memory:")
    for table, rows in tables.items():
        conn.register("incoming", pd.DataFrame(rows, columns=list(TABLES[table])))
        conn.execute(f"insert into {table} select * from incoming")
        conn.unregister("incoming")
    return conn


LOAD = datetime(2024, 1, 22, 16, 14)


def test_a_bulk_load_period_reaches_back_to_the_deals_closed_before_it():
    conn = database(
        leads=[{"lead_id": "L1", "created_at": LOAD}],
        opportunities=[
            {
                "opportunity_id": "O1",
                "created_at": LOAD,
                "close_date": date(2023, 6, 17),
                "is_closed": True,
                "is_won": True,
            },
            {
                "opportunity_id": "O2",
                "created_at": LOAD,
                "close_date": date(2022, 11, 3),
                "is_closed": True,
                "is_won": False,
            },
        ],
    )
    assert data_period(conn) == (date(2022, 11, 3), date(2024, 1, 22))


def test_mql_dates_before_and_after_the_created_dates_widen_the_period():
    conn = database(
        leads=[
            {"lead_id": "L1", "created_at": LOAD, "mql_at": datetime(2023, 2, 1, 9)},
            {"lead_id": "L2", "created_at": LOAD, "mql_at": datetime(2024, 3, 5, 9)},
        ]
    )
    assert data_period(conn) == (date(2023, 2, 1), date(2024, 3, 5))


def test_an_open_deals_expected_close_date_does_not_stretch_the_period():
    conn = database(
        opportunities=[
            {
                "opportunity_id": "O1",
                "created_at": LOAD,
                "close_date": date(2026, 1, 1),
                "is_closed": False,
            },
        ]
    )
    assert data_period(conn) == (date(2024, 1, 22), date(2024, 1, 22))


def test_a_deals_only_export_without_created_dates_spans_its_close_dates():
    conn = database(
        opportunities=[
            {"opportunity_id": f"O{i}", "close_date": day, "is_closed": True, "is_won": i == 0}
            for i, day in enumerate([date(2023, 1, 9), date(2023, 8, 30)])
        ]
    )
    assert data_period(conn) == (date(2023, 1, 9), date(2023, 8, 30))


def test_data_with_no_dates_has_no_period():
    assert data_period(database(accounts=[{"account_id": "A1"}])) is None


def test_a_close_date_after_today_is_clamped_to_the_moment_the_export_was_taken():
    conn = database(
        leads=[{"lead_id": "L1", "created_at": LOAD}],
        opportunities=[
            {
                "opportunity_id": "O1",
                "created_at": LOAD,
                "close_date": date(2999, 1, 1),  # a typo: Data quality lists it
                "is_closed": True,
                "is_won": True,
            }
        ],
    )
    assert data_period(conn) == (date(2024, 1, 22), date(2024, 1, 22))
