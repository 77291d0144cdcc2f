"""Local Spark for the engine tests, and the data both engines read: the bundled sample and a
generated export with edge cases, each as a DuckDB file and as the Parquet export-tables writes.

Without Java or pyspark these tests skip on a developer's machine; in CI (CI=true) they fail,
so a CI machine that lost its Java install cannot pass by running none of them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.generate import generate, write_zip
from lib.store.engines import SESSION_CONF, SparkEngine, parquet_tables, spark_session
from lib.store.export import export_tables
from lib.store.imports import import_data
from lib.store.state import current_versions
from lib.store.workspace import open_dataset, open_workspace

# hand-made rows the generator never writes: fractional seconds, 1969 (before the epoch, where
# floor and truncation differ), a meeting logged before its MQL, equal cycles (median ties)
EDGE_LEADS = """
insert into leads (lead_id, account_id, channel, title, created_at, mql_at, sal_at, sql_at,
                   first_meeting_at, updated_at) values
('edge_1969', null, ' ', 'VP Sales', '1969-12-31 23:59:58.25', '1969-12-31 23:59:59.5',
 '1970-01-01 00:00:00.5', null, '1970-01-01 00:00:00.75', '1970-01-01 00:00:01.9'),
('edge_fraction', null, 'Web', 'CTO', '2026-01-01 00:00:00.9', '2026-01-01 00:00:01.1',
 '2026-01-01 03:59:59.99', '2026-01-02 00:00:00.5', '2026-01-01 00:00:00.95', null)
"""
EDGE_ACTIVITIES = """
insert into activities (activity_id, lead_id, activity_type, occurred_at) values
('edge_a1', 'edge_1969', 'demo_request', '1969-12-31 23:59:59.9'),
('edge_a2', 'edge_fraction', 'pricing_page_view', '2026-01-01 00:00:00.999999'),
('edge_a3', 'edge_fraction', 'competitor_research', '2026-01-01 00:00:01.000001')
"""
EDGE_DEALS = """
insert into opportunities (opportunity_id, account_id, lead_id, channel, created_at, close_date,
                           is_closed, is_won, amount_usd) values
('edge_o1', null, 'edge_fraction', 'Web', '2026-01-01 23:59:59.5', '2026-01-11', true, true, null),
('edge_o2', null, null, '', '2026-01-01 00:00:00.5', '2026-01-11', true, true, null),
('edge_o3', null, null, null, '2026-01-01 12:00:00', '2026-01-01', true, true, null)
"""

# kept source columns of every kind, in long form: a number with ties across the quartile edges
# (bins must not depend on row order), a flag, a category with stray spaces, a date; an account
# attribute and the catalog, which export-tables carries too
EDGE_ATTRIBUTES = """
insert into lead_attributes (lead_id, name, number_value, flag_value, text_value, date_value)
select lead_id, 'Fit Score', (n % 3) * 1.5, null, null, null from numbered where n % 5 <> 0
union all
select lead_id, 'Partner', null, n % 4 = 0, null, null from numbered where n % 2 = 0
union all
select lead_id, 'Tier', null, null, case n % 3 when 0 then ' Gold ' when 1 then 'Gold'
                                           else 'Silver' end, null from numbered
union all
select lead_id, 'Renewal', null, null, null, timestamp '2026-03-01 10:00:00' from numbered
where n % 7 = 0;
insert into account_attributes (account_id, name, text_value)
select account_id, 'Region', 'EMEA' from accounts where account_id is not null;
insert into attributes values ('leads', 'Fit Score', 'number', 'Lead.csv', 0),
    ('leads', 'Partner', 'boolean', 'Lead.csv', 0), ('leads', 'Tier', 'category', 'Lead.csv', 0),
    ('leads', 'Renewal', 'date', 'Lead.csv', 0),
    ('accounts', 'Region', 'category', 'Account.csv', 0)
"""
EDGE_ATTRIBUTE_NAMES = ["Fit Score", "Partner", "Renewal", "Tier"]


@dataclass(frozen=True)
class Tables:
    """One data set: a workspace (its state file, what --db names) and the Parquet folder
    holding the same canonical tables."""

    name: str
    db: Path
    parquet: Path


@contextmanager
def dataset(tables: Tables) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-only connection to the workspace's current dataset, as the app reads it."""
    workspace = open_workspace(tables.db, create=False)
    with open_dataset(workspace, current_versions(workspace).dataset) as conn:
        yield conn


def _java_or_fail() -> None:
    """Skip without Java or pyspark; in CI, fail instead."""
    from lib.store.engines import _java_found

    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing = "pyspark (requirements-spark.txt)"
    else:
        missing = "" if _java_found() else "Java (Debian's openjdk-17-jre-headless)"
    if missing and os.environ.get("CI"):  # in CI a missing Spark is a failure, never a skip
        raise RuntimeError(f"{missing} is missing: .ci/run must install it")
    if missing:
        pytest.skip(f"{missing} is not installed")


@pytest.fixture(scope="session")
def spark() -> Iterator:
    """Return one local Spark session for the whole test run (starting one takes ~10 s)."""
    _java_or_fail()
    with spark_session("local[2]") as session:
        yield session


def _exported(name: str, db: Path, folder: Path) -> Tables:
    tables = Tables(name, db, folder)
    with dataset(tables) as conn:
        export_tables(conn, folder)
    return tables


@pytest.fixture(scope="session")
def sample_tables(sample_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Tables:
    """Return the bundled sample as a DuckDB file and as Parquet."""
    return _exported("sample", sample_db_file, tmp_path_factory.mktemp("sample_parquet"))


def edge_export(folder: Path) -> Path:
    """Write a generated export with one real segment and accounts without figures (so
    unassigned), no deal amounts or margins, blank lead sources, and dates after the rest."""
    frames = generate(600, 6_000, 150, 23)
    account, lead, deal = frames["Account"], frames["Lead"], frames["Opportunity"]
    blank = account.index % 3 == 0
    account["AnnualRevenue"] = [None if b else 2e9 for b in blank]
    account["NumberOfEmployees"] = [None if b else 5_000 for b in blank]
    lead["AnnualRevenue"], lead["NumberOfEmployees"] = None, None
    lead.loc[lead.index % 5 == 0, "LeadSource"] = None
    deal["Amount"], deal["Gross_Margin__c"] = None, None
    future = deal.index % 7 == 0
    deal.loc[future, "CloseDate"] = deal.loc[future, "CloseDate"] + pd.DateOffset(years=4)
    path = folder / "edge_export.zip"
    write_zip(frames, path)
    return path


@pytest.fixture(scope="session")
def edge_tables(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    """Return the edge-case export, imported, plus the hand-made rows, in both forms."""
    folder = tmp_path_factory.mktemp("edge")
    workspace = open_workspace(folder / "edge.duckdb")
    imported = import_data(workspace, [edge_export(folder)])
    # rows no export can hold, written into the dataset file the import left (the app only
    # ever opens it read-only)
    conn = duckdb.connect(str(workspace.dataset_file(imported.version)))
    try:
        for statement in (EDGE_LEADS, EDGE_ACTIVITIES, EDGE_DEALS):
            conn.execute(statement)
        conn.execute(
            "create temp view numbered as "
            "select lead_id, row_number() over (order by lead_id) as n from leads"
        )
        conn.execute(EDGE_ATTRIBUTES)
    finally:
        conn.close()
    return _exported("edge", workspace.state_file, folder / "parquet")


@pytest.fixture(scope="session")
def on_spark(spark, sample_tables: Tables, edge_tables: Tables) -> dict[str, SparkEngine]:
    """Return a Spark engine per data set, each on a session of its own (its own views)."""
    engines = {}
    for tables in (sample_tables, edge_tables):
        session = spark.newSession()
        for key, value in SESSION_CONF.items():
            session.conf.set(key, value)
        engines[tables.name] = parquet_tables(session, tables.parquet)
    return engines
