"""Opening a workspace: created or refused, leftovers of killed imports swept, data read-only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lib.errors import DatabaseError, QualifyError
from lib.store.connection import PROJECT_ROOT
from lib.store.datasets import kept_datasets
from lib.store.imports import import_data
from lib.store.schema import TABLES
from lib.store.state import Versions, current_versions, lock_file
from lib.store.workspace import open_dataset, open_workspace, sweep
from tests.store.exports import current_data, salesforce_export


def test_a_new_workspace_has_no_data_and_the_default_model(tmp_path):
    workspace = open_workspace(tmp_path / "var" / "qualify.duckdb")
    assert workspace.datasets_dir == tmp_path / "var" / "qualify.duckdb.datasets"
    assert current_versions(workspace) == Versions(None, 0)
    with open_dataset(workspace, None) as conn:
        counts = [conn.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES]
    assert counts == [0, 0, 0, 0]


def test_a_command_that_only_reads_refuses_a_workspace_that_does_not_exist(tmp_path):
    with pytest.raises(DatabaseError, match="There is no workspace at .*import data into it"):
        open_workspace(tmp_path / "typo.duckdb", create=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("setting", "keep"), [("2", 2), ("0", 0)])
def test_how_many_datasets_are_kept_comes_from_the_environment(
    tmp_path, monkeypatch, setting, keep
):
    monkeypatch.setenv("QUALIFY_KEEP_DATASETS", setting)
    assert open_workspace(tmp_path / "qualify.duckdb").keep == keep


def test_a_keep_setting_that_is_not_a_number_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALIFY_KEEP_DATASETS", "five")
    with pytest.raises(QualifyError, match="QUALIFY_KEEP_DATASETS must be a whole number"):
        open_workspace(tmp_path / "qualify.duckdb")


def plant_leftovers(folder: Path) -> list[Path]:
    """Leave what a killed import leaves: its folder and lock, and a renamed data file that no
    commit ever named."""
    work = folder / ".import-20250101T000000-dead01"
    (work / "qualify-import-x").mkdir(parents=True)
    (work / "qualify-import-x" / "Lead.csv").write_text("Id\nL1\n")
    (work / "data.duckdb").write_bytes(b"half written")
    (folder / ".import-20250101T000000-dead01.lock").write_text("")
    duckdb.connect(str(folder / "20250101T000000-dead02.duckdb")).close()
    return sorted(folder.iterdir())


def test_opening_sweeps_what_killed_imports_left_and_keeps_the_data(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    import_data(workspace, [salesforce_export(tmp_path / "export")])
    data = current_data(workspace)
    before = set(workspace.datasets_dir.iterdir())
    planted = set(plant_leftovers(workspace.datasets_dir)) - before
    reopened = open_workspace(workspace.state_file)
    assert set(reopened.datasets_dir.iterdir()) == before and len(planted) == 3
    assert current_data(reopened) == data


HOLDER = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1], thread_local=False)
lock.acquire()
print("holding", flush=True)
time.sleep(60)
"""


def test_the_sweep_leaves_an_import_that_is_still_running_alone(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    version = "20250101T000000-alive1"
    work = workspace.datasets_dir / f".import-{version}"
    work.mkdir()
    duckdb.connect(str(workspace.dataset_file(version))).close()  # renamed, not yet committed
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_file(workspace, version))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert sweep(workspace) == []
        assert work.exists() and workspace.dataset_file(version).exists()
    finally:
        holder.kill()
        holder.wait()
    assert set(sweep(workspace)) >= {work, workspace.dataset_file(version)}


READER = """
import sys, time
from lib.store.state import current_versions
from lib.store.workspace import open_dataset, open_workspace
workspace = open_workspace(sys.argv[1])
conn = open_dataset(workspace, current_versions(workspace).dataset)
print(conn.execute("select count(*) from leads").fetchall()[0][0], flush=True)
time.sleep(60)
"""


def test_an_import_and_other_readers_go_ahead_while_a_process_reads_the_data(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    import_data(workspace, [salesforce_export(tmp_path / "first")])
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(workspace.state_file)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "3"
        assert len(current_data(workspace)["leads"]) == 3  # a second reader of the same file
        second = import_data(workspace, [salesforce_export(tmp_path / "second", leads=5)])
        assert current_versions(workspace).dataset == second.version
        assert len(current_data(workspace)["leads"]) == 5
    finally:
        reader.kill()
        reader.wait()


def test_a_read_only_dataset_still_takes_temporary_tables(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    dataset = import_data(workspace, [salesforce_export(tmp_path / "export")])
    with open_dataset(workspace, dataset.version) as conn:
        conn.execute("create temp table picked as select lead_id from leads limit 2")
        assert conn.execute("select count(*) from picked").fetchall() == [(2,)]
        with pytest.raises(duckdb.Error, match="base table"):
            conn.execute("delete from leads")  # the canonical tables are views
        with pytest.raises(duckdb.Error, match="read-only"):
            conn.execute("delete from data.main.leads")  # over a file attached read-only


def test_a_missing_data_file_is_reported_with_what_to_do(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb")
    dataset = import_data(workspace, [salesforce_export(tmp_path / "export")])
    workspace.dataset_file(dataset.version).unlink()
    with pytest.raises(DatabaseError, match="is missing.*lib.cli datasets"):
        open_dataset(workspace, dataset.version)
    assert [d.version for d in kept_datasets(workspace)] == [dataset.version]


def test_a_workspace_whose_folder_cannot_be_made_is_refused_with_a_message(tmp_path):
    (tmp_path / "qualify.duckdb.datasets").write_text("a file where the folder should be")
    with pytest.raises(DatabaseError, match="Cannot create the workspace folder"):
        open_workspace(tmp_path / "qualify.duckdb")


def test_a_dataset_written_by_an_older_qualify_reads_with_todays_columns(tmp_path):
    import duckdb

    from lib.store.schema import TABLES
    from lib.store.workspace import _dataset_views

    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as conn:
        for table in TABLES:  # every table without its newest column, as an older version wrote
            columns = list(TABLES[table].items())[:-1]
            conn.execute(f"create table {table} ({', '.join(f'{c} {t}' for c, (t, _) in columns)})")
        conn.execute("insert into leads (lead_id, email) values ('L1', 'a@b.example')")
    conn = _dataset_views(old)
    newest = list(TABLES["leads"])[-1]
    row = conn.cursor().execute(f"select lead_id, {newest} from leads").fetchall()
    assert row == [("L1", None)]
    assert [d[0] for d in conn.execute("select * from leads").description] == list(TABLES["leads"])


def test_a_dataset_written_before_attributes_were_kept_reads_none(tmp_path):
    import duckdb

    from lib.store.schema import ATTRIBUTE_TABLES, TABLES, create_table_sql
    from lib.store.workspace import _dataset_views

    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as conn:
        for table in TABLES:
            conn.execute(create_table_sql(table))
    conn = _dataset_views(old)
    for table in ATTRIBUTE_TABLES:
        described = conn.execute(f"select * from {table}")
        assert described.fetchall() == []
        assert [d[0] for d in described.description] == list(ATTRIBUTE_TABLES[table])
