"""Published model versions inside DuckDB: publish (never overwriting), history, load, restore."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import duckdb
import pandas as pd

from lib.errors import ModelError
from lib.model import ScoringModel, default_model, model_from_yaml, model_to_yaml
from lib.store.connection import run_query


def publish_model(
    conn: duckdb.DuckDBPyConnection, model: ScoringModel, author: str, note: str
) -> ScoringModel:
    """Store the model as the next version (never overwriting) and return it as stored."""
    latest = run_query(conn, "store/model_latest_version")["version"].iloc[0]
    version = 1 if pd.isna(latest) else int(latest) + 1
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    stored = replace(
        model, version=version, author=author, note=note, created_at=now.isoformat(sep=" ")
    )
    run_query(
        conn,
        "store/model_publish",
        {
            "version": version,
            "created_at": now,
            "author": author,
            "note": note,
            "body": model_to_yaml(stored),
        },
    )
    return stored


def model_history(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per published version: version, created_at, author, note (oldest first)."""
    return run_query(conn, "store/model_history")


def load_version(conn: duckdb.DuckDBPyConnection, version: int) -> ScoringModel:
    """Return one published version; ModelError when there is no such version."""
    body = run_query(conn, "store/model_version_body", {"version": int(version)})
    if body.empty:
        raise ModelError(f"model version {version} has not been published")
    return model_from_yaml(body["body"].iloc[0], f"model version {version}")


def published_model(conn: duckdb.DuckDBPyConnection) -> ScoringModel:
    """Return the latest published version, or the default model file when none is published."""
    latest = run_query(conn, "store/model_latest_version")["version"].iloc[0]
    return default_model() if pd.isna(latest) else load_version(conn, int(latest))


def restore_version(
    conn: duckdb.DuckDBPyConnection, version: int, author: str, note: str
) -> ScoringModel:
    """Publish a copy of an old version as the newest one and return it."""
    return publish_model(conn, load_version(conn, version), author, note)
