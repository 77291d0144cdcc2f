"""The workspace's activity log: who imported, restored, published and downloaded what, when.

Each action is recorded once, in the commit that makes it: imports and data restores in the
dataset changes, publishes and model restores in the model versions (both with the actor's
identity beside the free-text author), downloads of lead-level records in their own table.
The log reads all three, so actions from before identities were recorded are listed too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pandas as pd

from lib.store.connection import run_here, run_query
from lib.store.datasets import FEATURE_FILE

COLUMNS = ("at", "identity", "action", "what", "before", "after", "unit", "author", "note")
DATA_ACTIONS = {"import": "import", "restore": "restore data", "migrate": "migrate"}
SHOWN_SOURCES = 3  # source files named in an import's line, the rest counted


def record_download(
    conn: duckdb.DuckDBPyConnection,
    identity: str,
    what: str,
    records: int,
    at: datetime | None = None,
) -> None:
    """Add one download of lead-level records to the log: who, what and how many records."""
    run_here(
        conn,
        "store/download_record",
        {
            "downloaded_at": at or datetime.now(UTC).replace(tzinfo=None),
            "identity": identity,
            "what": what,
            "records": int(records),
        },
    )


def activity_log(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per action, newest first: at (UTC), identity (None when not recorded),
    action, what, before and after (counts of `unit`: records, model version, records sent),
    author (the free-text name) and note; input not mutated."""
    parts = [p for p in (_data_changes(conn), _model_changes(conn), _downloads(conn)) if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    rows = pd.concat(parts, ignore_index=True)
    rows["before"] = rows["before"].astype("Int64")
    rows["after"] = rows["after"].astype("Int64")
    return rows.sort_values("at", ascending=False, kind="stable").reset_index(drop=True)


def _data_changes(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    changes = run_query(conn, "store/activity_data_changes")
    return pd.DataFrame(
        {
            "at": changes["changed_at"],
            "identity": _nullable(changes["identity"]),
            "action": changes["action"].map(lambda a: DATA_ACTIONS.get(a, a)),
            "what": [
                _dataset_words(action, fmt, files, imported_at)
                for action, fmt, files, imported_at in zip(
                    changes["action"],
                    changes["source_format"],
                    changes["files"],
                    changes["imported_at"],
                    strict=True,
                )
            ],
            "before": [_records(c) for c in changes["counts_before"]],
            "after": [_records(c) for c in changes["counts_after"]],
            "unit": "records",
            "author": _nullable(changes["author"]),
            "note": None,
        },
        columns=list(COLUMNS),
    )


def _model_changes(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    versions = run_query(conn, "store/model_history")
    restored = versions["restored_from"].notna()
    return pd.DataFrame(
        {
            "at": versions["created_at"],
            "identity": _nullable(versions["identity"]),
            "action": restored.map({True: "restore model", False: "publish"}),
            "what": [
                f"model version {int(v)}"
                + (f", a copy of {_model_name(int(r))}" if pd.notna(r) else "")
                for v, r in zip(versions["version"], versions["restored_from"], strict=True)
            ],
            "before": versions["based_on"],
            "after": versions["version"],
            "unit": "model version",
            "author": _nullable(versions["author"]),
            "note": _nullable(versions["note"]),
        },
        columns=list(COLUMNS),
    )


def _downloads(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    downloads = run_query(conn, "store/activity_downloads")
    return pd.DataFrame(
        {
            "at": downloads["downloaded_at"],
            "identity": _nullable(downloads["identity"]),
            "action": "download",
            "what": downloads["what"],
            "before": None,
            "after": downloads["records"],
            "unit": "records",
            "author": None,
            "note": None,
        },
        columns=list(COLUMNS),
    )


def _nullable(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None)


def _records(counts: object) -> int | None:
    """Return the records in a dataset's row counts (JSON), None before the first dataset."""
    if not isinstance(counts, str):
        return None
    return sum(int(n) for n in json.loads(counts).values())


def _dataset_words(action: str, source_format: str, files: str, imported_at: pd.Timestamp) -> str:
    if action == "restore":
        return f"the {source_format} dataset imported {pd.Timestamp(imported_at):%Y-%m-%d %H:%M}"
    sources = list(dict.fromkeys(str(f[0]).split("/")[0] for f in json.loads(files)))
    named = ", ".join(sources[:SHOWN_SOURCES])
    more = f" and {len(sources) - SHOWN_SOURCES} more" if len(sources) > SHOWN_SOURCES else ""
    what = source_format if source_format == FEATURE_FILE else f"{source_format} export"
    return f"{what}: {named}{more}" if named else what


def _model_name(version: int) -> str:
    return f"version {version}" if version else "the default model"
