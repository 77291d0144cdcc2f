"""Published model versions in the state database: publish (never overwriting, never over a
version the publisher did not see), history, load, restore."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import duckdb
import pandas as pd

from lib.errors import DatabaseError, ModelError, VersionConflict
from lib.model import ScoringModel, default_model, model_from_yaml, model_to_yaml
from lib.store.connection import run_here, run_query, transaction


def publish_model(
    conn: duckdb.DuckDBPyConnection,
    model: ScoringModel,
    author: str,
    note: str,
    *,
    based_on: int,
    identity: str | None = None,
    restored_from: int | None = None,
) -> ScoringModel:
    """Store the model as the next version and return it as stored; VersionConflict (nothing
    stored) when the newest version is no longer `based_on`, the one the edit started from (0:
    the default model)."""
    # the column keeps the microseconds, so the activity log orders a publish among imports
    # made in the same second; the model's own text says the second
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        with transaction(conn):
            latest = _latest_version(conn)
            if latest != based_on:
                raise VersionConflict(_conflict_message(conn, latest, based_on))
            stored = replace(
                model,
                version=latest + 1,
                author=author,
                note=note,
                created_at=now.replace(microsecond=0).isoformat(sep=" "),
            )
            run_here(
                conn,
                "store/model_publish",
                {
                    "version": stored.version,
                    "created_at": now,
                    "author": author,
                    "note": note,
                    "body": model_to_yaml(stored),
                    "based_on": based_on,
                    "restored_from": restored_from,
                    "identity": identity,
                },
            )
    except DatabaseError as exc:  # the same version written first by another thread
        raise VersionConflict(
            "Not published: another publish came first. Nothing was changed; review the "
            f"newest version, then publish again. ({exc})"
        ) from exc
    return stored


def _latest_version(conn: duckdb.DuckDBPyConnection) -> int:
    latest = run_here(conn, "store/model_latest_version")["version"].iloc[0]
    return 0 if pd.isna(latest) else int(latest)


def _conflict_message(conn: duckdb.DuckDBPyConnection, latest: int, based_on: int) -> str:
    history = run_here(conn, "store/model_history")
    newer = history[history["version"] > based_on]
    who = ", ".join(
        f"version {version} by {author or 'someone'} at {created_at:%H:%M}"
        for version, author, created_at in zip(
            newer["version"], newer["author"], newer["created_at"], strict=True
        )
    )
    started = f"version {based_on}" if based_on else "the default model"
    return (
        f"Not published: you started from {started}, but {who or f'version {latest}'} came "
        "first. Nothing was changed; review the newest version, then publish again."
    )


def model_history(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per published version (oldest first): version, created_at, author, note,
    based_on, restored_from and identity."""
    return run_query(conn, "store/model_history")


def load_version(conn: duckdb.DuckDBPyConnection, version: int) -> ScoringModel:
    """Return one published version; ModelError when there is no such version."""
    body = run_query(conn, "store/model_version_body", {"version": int(version)})
    if body.empty:
        raise ModelError(f"model version {version} has not been published")
    return model_from_yaml(body["body"].iloc[0], f"model version {version}")


def published_model(conn: duckdb.DuckDBPyConnection) -> ScoringModel:
    """Return the latest published version, or the default model file when none is published."""
    latest = _latest_version(conn)
    return default_model() if latest == 0 else load_version(conn, latest)


def restore_version(
    conn: duckdb.DuckDBPyConnection,
    version: int,
    author: str,
    note: str,
    *,
    based_on: int,
    identity: str | None = None,
) -> ScoringModel:
    """Publish a copy of an old version as the newest one and return it (a publish: refused
    with VersionConflict when the newest version is no longer `based_on`)."""
    return publish_model(
        conn,
        load_version(conn, version),
        author,
        note,
        based_on=based_on,
        identity=identity,
        restored_from=version,
    )
