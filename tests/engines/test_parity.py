"""Every query over the canonical and attribute tables gives the same rows on Spark as on DuckDB.

The queries are listed from lib/sql/, so a query added there is checked here without a word
changed. Each runs on the edge-case export with every parameter at its widest (all data, as of
the data's end), and again narrowed (a period, two segments, two channels, routing moments, an
earlier as-of) when its own text reads any of those: a query reading them only through the
staging CTEs prepended to it runs its own SQL the same way on narrowed rows, and those CTEs are
checked narrowed themselves (the KPI command's parity test also runs every KPI query under a
period). On the bundled sample every query lib/ runs by name runs at its widest; the staging
steps run there inside them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd
import pytest
import sqlglot
from sqlglot import exp

from lib.features.leads import ACTIVITY_KINDS
from lib.metrics.filters import Filters
from lib.model import default_model, sla_hours_by_segment
from lib.model.segments import UNASSIGNED
from lib.store.connection import data_as_of, run_query
from lib.store.staging import BLANK, SQL_DIR, query_parameters, segment_params, staged_query
from tests.engines.conftest import EDGE_ATTRIBUTE_NAMES, dataset

# queries over the canonical and attribute tables (ingest/ works on its staging tables, store/
# on its own)
DATA_QUERIES = sorted(
    str(p.relative_to(SQL_DIR).with_suffix(""))
    for p in SQL_DIR.rglob("*.sql")
    if p.parent.name not in ("ingest", "store")
)
LIB = SQL_DIR.parent
# a training set's worth of leads for the attribute levels: every lead of the edge export; the
# sample's 20,000 ids as one Spark array literal took ~9 s, and it holds no attributes
LEADS_WITH_OUTCOME = 1_000
MODEL = default_model()
NARROWED = ("start", "at_routing_moments", "as_of", "segments", "channels", "cutoff", "by")
# the parameters besides segments and filters, as widest() sets them
PARAMETER_NAMES = (
    "as_of",
    "at_routing_moments",
    "horizon_days",
    "buying_group_days",
    "activity_kinds",
    "margin_target",
    "segment_slas",
    "cutoff",
    "by",
    "names",
    "lead_ids",
    "won_lead_ids",
)


def widest(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Return every parameter a data query takes, at its widest, for this data."""
    as_of = data_as_of(conn).to_pydatetime()
    leads = sorted(run_query(conn, "staging/stg_leads")["lead_id"])
    slas = [{"segment": s, "sla_hours": h} for s, h in sla_hours_by_segment(MODEL).items()]
    values = (
        as_of,
        False,
        30.0,
        MODEL.buying_group_window_days,
        ACTIVITY_KINDS,
        0.3,
        slas,
        as_of - timedelta(days=30),
        "segment",
        EDGE_ATTRIBUTE_NAMES,
        leads[:LEADS_WITH_OUTCOME],
        leads[:LEADS_WITH_OUTCOME:3],
    )
    named = dict(zip(PARAMETER_NAMES, values, strict=True))
    return segment_params(MODEL.segments) | Filters().params() | named


def narrowed(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Return the parameters narrowed: a year, two segments, two channels, routing moments,
    broken down by channel."""
    params = widest(conn)
    channels = run_query(conn, "staging/channels")["channel"].tolist()[:2]
    period = Filters(date(2025, 1, 1), date(2025, 12, 31), ("enterprise", UNASSIGNED), channels)
    earlier = params["as_of"] - timedelta(days=200)
    narrower = {"at_routing_moments": True, "as_of": earlier, "by": "channel"}
    return params | period.params() | narrower


def ordered(name: str) -> bool:
    """Return True when the query's outermost select orders its rows."""
    return sqlglot.parse_one(staged_query(name), read="duckdb").args.get("order") is not None


def same_rows(name: str, duck: pd.DataFrame, spark: pd.DataFrame) -> None:
    """Assert the frames hold the same rows (in order when the query orders them), floats to
    1e-9, with the same columns and dtypes."""
    if not ordered(name):
        keys = list(duck.columns)
        duck = duck.sort_values(keys, ignore_index=True)
        spark = spark.sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(duck, spark, check_exact=False, rtol=1e-9, atol=1e-9)


def run_on_their_own() -> set[str]:
    """Return the queries lib/ runs by name (every query but the staging steps that are only
    prepended to others as CTEs)."""
    named = re.compile(r'"((?:staging|kpi|quality|features|evaluate|maturity)/\w+)"')
    found = {m for p in LIB.rglob("*.py") for m in named.findall(p.read_text())}
    return {n for n in DATA_QUERIES if not n.startswith("staging/")} | found


def cases() -> list[Any]:
    """Return (data set, parameter set, query): every query on the edge export; on the sample
    every query lib/ runs by name, and the staging steps only inside them (each staging step
    runs ~3 s on Spark; on the sample they are 17 of the 52 queries and add no case the edge
    export lacks)."""
    every_name = dict.fromkeys([*PARAMETER_NAMES, *segment_params(()), *Filters().params()])
    on_sample = run_on_their_own()
    found = []
    for data in ("sample", "edge"):
        for name in DATA_QUERIES:
            if data == "sample" and name not in on_sample:
                continue
            found.append(pytest.param(data, "widest", name, id=f"{data}-widest-{name}"))
            # narrowed on the small edge export only, where the query's own text reads a
            # narrowed parameter: ~3 s of Spark a query, in CI's budget
            own = (SQL_DIR / f"{name}.sql").read_text()
            narrows = set(query_parameters(own, every_name)) & set(NARROWED)
            if data == "edge" and narrows:
                found.append(pytest.param(data, "narrowed", name, id=f"{data}-narrowed-{name}"))
    return found


@pytest.mark.parametrize(("data", "scope", "name"), cases())
def test_every_query_gives_the_same_rows_on_spark_as_on_duckdb(
    data, scope, name, on_spark, sample_tables, edge_tables
):
    tables = {"sample": sample_tables, "edge": edge_tables}[data]
    with dataset(tables) as conn:
        params = (widest if scope == "widest" else narrowed)(conn)
        duck = run_query(conn, name, params)
    same_rows(name, duck, run_query(on_spark[data], name, params))


def test_the_edge_export_has_the_cases_it_is_named_for(edge_tables):
    with dataset(edge_tables) as conn:
        segments = run_query(conn, "staging/record_segments", widest(conn))["segment"]
        deals = run_query(conn, "staging/stg_opportunities")
        channels = run_query(conn, "staging/channels")["channel"]
        as_of = data_as_of(conn)
    assert set(segments) == {"enterprise", UNASSIGNED}
    assert deals["amount_usd"].isna().all() and deals["gross_margin_usd"].isna().all()
    assert BLANK in set(channels)  # blank lead sources
    assert (pd.to_datetime(deals["close_date"]) > as_of).any()  # deals closing after the data


def test_the_edge_export_holds_attributes_of_every_kind_with_ties_across_quartile_edges(
    edge_tables,
):
    with dataset(edge_tables) as conn:
        params = widest(conn)
        values = run_query(conn, "features/lead_attribute_values", params)
        levels = run_query(conn, "evaluate/attribute_levels", params)
    assert sorted(values["name"].unique()) == EDGE_ATTRIBUTE_NAMES
    score = levels[levels["name"] == "Fit Score"]
    assert list(score["level"]) == ["bin 1", "bin 2", "bin 3", "bin 4"]
    assert (score["low"].to_numpy()[1:] == score["high"].to_numpy()[:-1]).any()  # a tie at an edge
    assert set(levels.loc[levels["name"] == "Tier", "level"]) == {"Gold", "Silver"}  # trimmed


def test_a_query_left_unordered_is_compared_as_a_set_and_an_ordered_one_in_order():
    assert ordered("quality/stale_leads") and not ordered("kpi/pipeline_mix")
    assert isinstance(sqlglot.parse_one("select 1 order by 1").args.get("order"), exp.Order)
