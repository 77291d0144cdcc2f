"""Feature files opened as datasets of a workspace: a warehouse's leads, back-tested on a laptop.

A feature file (`python -m lib.cli features --out FILE.parquet`, on DuckDB or Spark) holds every
lead measured at its routing moment, not the CRM's tables. Opened, it becomes a dataset like an
import: its own data file, applied by one commit, kept for a restore, logged under who opened it.
That data file holds the file's rows, its Arrow schema (so they read back exactly as the file
gives them), how they were measured, and empty canonical tables: the pages that need the CRM's
tables say so instead of measuring nothing.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lib.errors import DatabaseError
from lib.features.files import (
    FeatureFileError,
    about_from_text,
    about_text,
    feature_file_info,
    feature_warnings,
    refuse_unusable,
)
from lib.features.leads import features_for_model
from lib.ingest import ImportReport
from lib.model import ScoringModel
from lib.store.connection import connect, named_query, run_here, run_query
from lib.store.datasets import FEATURE_FILE, current_dataset
from lib.store.imports import Source, StagedImport, source_paths
from lib.store.state import DATA_FILE, Workspace, begin_work, end_work, new_version

FEATURE_TABLE = "feature_leads"  # the table of a feature-file dataset's leads


def stage_feature_file(workspace: Workspace, source: Source) -> StagedImport:
    """Read a feature file measured at routing moments into a new data file; FeatureFileError
    naming the file and what is wrong (not Parquet, not a Qualify feature file, another moment,
    columns missing), with the workspace unchanged."""
    version = new_version()
    folder, lock = begin_work(workspace, version)
    try:
        path = source_paths([source], folder)[0]
        name = getattr(source, "name", None) or str(path)
        about = feature_file_info(path, name)
        schema = pq.read_schema(path)
        refuse_unusable(about, schema.names, name)
        with connect(folder / DATA_FILE) as conn:
            try:
                conn.execute(named_query("store/feature_leads_create"), {"path": str(path)})
            except Exception as exc:  # a file whose footer read but whose pages do not
                raise FeatureFileError(f"{name} cannot be read: {exc}") from exc
            conn.execute(named_query("store/feature_file_table"))
            arrow_schema = schema.serialize().to_pybytes()
            run_here(
                conn,
                "store/feature_file_record",
                {"name": name, "about": about_text(about), "arrow_schema": arrow_schema},
            )
            conn.execute("checkpoint")
        current = current_dataset(workspace)
    except BaseException:
        end_work(folder, lock)
        raise
    leads = pq.read_metadata(path).num_rows
    report = ImportReport(
        source_format=FEATURE_FILE,
        rows={FEATURE_TABLE: leads},
        files=[(name, FEATURE_TABLE, leads)],
    )
    before = dict(current.rows) if current else {}
    based_on = current.version if current else None
    return StagedImport(workspace, version, report, based_on, before, folder, lock, about)


def stored_features(
    conn: duckdb.DuckDBPyConnection, model: ScoringModel
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Return a feature-file dataset's leads under `model` (what the model decides recomputed,
    as `read_feature_file` does) and warnings naming what the file measured differently."""
    opened = run_query(conn, "store/feature_file")
    if opened.empty:
        raise DatabaseError("This dataset was not opened from a feature file")
    row = opened.iloc[0]
    about = about_from_text(row["about"], row["name"])
    schema = pa.ipc.read_schema(pa.py_buffer(bytes(row["arrow_schema"])))
    cur = conn.cursor()
    try:
        rows = cur.sql(named_query("store/feature_leads")).to_arrow_table()
    finally:
        cur.close()
    frame = rows.cast(schema).to_pandas()
    warnings = feature_warnings(about, model, row["name"], frame.columns)
    return features_for_model(frame, model), warnings


def feature_channels(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Return every channel the leads of a feature-file dataset came from, sorted."""
    return run_query(conn, "store/feature_channels")["channel"].tolist()
