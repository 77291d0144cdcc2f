"""A previous version's single database file opens as a workspace with nothing lost."""

from __future__ import annotations

import signal
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from lib.ingest import import_sources
from lib.model import default_model, model_to_yaml, with_half_life
from lib.store.connection import PROJECT_ROOT, connect
from lib.store.datasets import kept_datasets
from lib.store.model_versions import model_history, publish_model, published_model
from lib.store.schema import TABLES, create_table_sql
from lib.store.state import state
from lib.store.workspace import open_workspace
from tests.store.exports import current_data, salesforce_export, workspace_fingerprint

# the model_versions table as the previous version created it (no based_on, no identity)
OLD_MODEL_VERSIONS = (
    "create table model_versions (version integer primary key, created_at timestamp not null, "
    "author varchar, note varchar, body varchar not null)"
)


def old_file(path: Path, exports: list[Path], models: int = 2) -> dict[str, list[tuple]]:
    """Build a file the way the previous version did (canonical tables, its `imports` log and
    `model_versions` in one file) and return the data it holds."""
    conn = duckdb.connect(str(path))
    for table in TABLES:
        conn.execute(create_table_sql(table))
    conn.execute(OLD_MODEL_VERSIONS)
    for export in exports:
        import_sources(conn, [export])  # the engine logs each import in `imports`
    for version in range(1, models + 1):
        model = replace(with_half_life(default_model(), 10 * version), version=version)
        conn.execute(
            "insert into model_versions values ($v, $at, $author, $note, $body)",
            {
                "v": version,
                "at": datetime(2025, 1, version),
                "author": f"author {version}",
                "note": f"note {version}",
                "body": model_to_yaml(model),
            },
        )
    data = {t: sorted(conn.execute(f"select * from {t}").fetchall(), key=repr) for t in TABLES}
    conn.close()
    return data


def tables_in(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as conn:
        rows = conn.execute("select table_name from information_schema.tables").fetchall()
    return {r[0] for r in rows}


def test_an_old_file_keeps_its_data_import_log_and_every_model_version(tmp_path):
    exports = [salesforce_export(tmp_path / t, tag=t) for t in ("older", "latest")]
    data = old_file(tmp_path / "qualify.duckdb", exports)
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    assert current_data(workspace) == data
    (dataset,) = kept_datasets(workspace)
    assert dataset.is_current and dataset.source_format == "salesforce"
    assert dataset.files == ("Account.csv", "Lead.csv", "Opportunity.csv", "Task.csv")
    assert dataset.rows == {"accounts": 3, "leads": 3, "activities": 3, "opportunities": 3}
    with state(workspace) as conn:
        history = model_history(conn)
        logged = conn.execute("select count(*), count(removed_at) from datasets").fetchall()
        assert published_model(conn).half_life_days == 20
    assert history["author"].tolist() == ["author 1", "author 2"]
    assert logged == [(2, 1)]  # both imports logged; the older one's data was already gone
    assert tables_in(workspace.state_file).isdisjoint(TABLES)


def test_a_migrated_workspace_publishes_on_top_of_the_old_versions(tmp_path):
    old_file(tmp_path / "qualify.duckdb", [salesforce_export(tmp_path / "export")])
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    with state(workspace) as conn:
        stored = publish_model(conn, default_model(), "Ana", "after the upgrade", based_on=2)
        assert model_history(conn)["based_on"].tolist()[-1] == 2
    assert stored.version == 3


def test_an_old_file_with_only_model_versions_migrates_without_a_dataset(tmp_path):
    old_file(tmp_path / "qualify.duckdb", [], models=1)
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    assert kept_datasets(workspace) == []
    with state(workspace) as conn:
        assert model_history(conn)["version"].tolist() == [1]


def test_data_written_without_an_import_is_migrated_as_an_unknown_export(tmp_path):
    conn = connect(tmp_path / "qualify.duckdb")
    conn.execute("insert into accounts (account_id, name) values ('A1', 'Acme')")
    conn.close()
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    (dataset,) = kept_datasets(workspace)
    assert dataset.source_format == "unknown" and dataset.rows["accounts"] == 1
    assert current_data(workspace)["accounts"][0][:2] == ("A1", "Acme")


def test_opening_a_workspace_again_changes_no_byte(tmp_path):
    old_file(tmp_path / "qualify.duckdb", [salesforce_export(tmp_path / "export")])
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    before = workspace_fingerprint(workspace)
    open_workspace(tmp_path / "qualify.duckdb")
    assert workspace_fingerprint(workspace) == before


CHILD = """
import os, signal, sys
import lib.store.legacy as legacy
point = sys.argv[2]
original = getattr(legacy, point) if point != "replace" else os.replace

def killed(*args, **kwargs):
    result = original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

if point == "replace":
    legacy.os = type(os)("os_for_the_test")
    legacy.os.replace = killed
else:
    setattr(legacy, point, killed)
from lib.store.workspace import open_workspace
open_workspace(sys.argv[1])
"""


@pytest.mark.parametrize("point", ["_copy_data", "_write_state", "replace"])
def test_a_killed_migration_leaves_the_old_file_and_the_next_open_migrates_it(tmp_path, point):
    data = old_file(tmp_path / "qualify.duckdb", [salesforce_export(tmp_path / "export")])
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "qualify.duckdb"), point],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert "model_versions" in tables_in(tmp_path / "qualify.duckdb")
    assert set(TABLES) <= tables_in(tmp_path / "qualify.duckdb")  # still the old file
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    assert current_data(workspace) == data
    kept = {d.version for d in kept_datasets(workspace)}
    assert {f.stem for f in workspace.datasets_dir.glob("*.duckdb")} == kept
    assert not list(workspace.datasets_dir.glob(".import-*"))
