"""Imports into a workspace: refused byte-for-byte, proportionate, reversible, kill-safe."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from lib.errors import ImportRefused, QualifyError, ShrinkingImport, VersionConflict
from lib.store.connection import PROJECT_ROOT
from lib.store.datasets import current_dataset, kept_datasets
from lib.store.imports import (
    StagedImport,
    Upload,
    apply_import,
    discard_import,
    import_data,
    restore_dataset,
    shrinking_tables,
    stage_import,
)
from lib.store.state import Workspace, state
from lib.store.workspace import open_workspace
from tests.store.exports import current_data, salesforce_export, workspace_fingerprint


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A workspace holding one small export (3 rows in each table)."""
    opened = open_workspace(tmp_path / "qualify.duckdb")
    import_data(opened, [salesforce_export(tmp_path / "first")])
    return opened


def test_an_import_becomes_current_and_the_file_it_replaced_is_kept_untouched(workspace, tmp_path):
    first = current_dataset(workspace)
    first_file = workspace.dataset_file(first.version).read_bytes()
    second = import_data(workspace, [salesforce_export(tmp_path / "second", leads=5, tag="two")])
    assert current_dataset(workspace) == second and second.rows["leads"] == 5
    assert workspace.dataset_file(first.version).read_bytes() == first_file
    assert [d.version for d in kept_datasets(workspace)] == [second.version, first.version]
    assert current_data(workspace)["leads"][0][5] == "two lead 0"  # company_name


def unparseable_date(folder: Path) -> list[Path]:
    export = salesforce_export(folder, tag="bad")
    lead = export / "Lead.csv"
    lead.write_text(lead.read_text().replace("2024-01-22T16:14:25.000+0000", "soon", 1))
    return [export]


def empty_file(folder: Path) -> list[Path]:
    folder.mkdir()
    (folder / "Lead.csv").write_text("")
    return [folder / "Lead.csv"]


def unknown_files(folder: Path) -> list[Path]:
    folder.mkdir()
    (folder / "notes.csv").write_text("what,why\nx,y\n")
    return [folder / "notes.csv"]


def orphan_tasks(folder: Path) -> list[Path]:
    export = salesforce_export(folder, tasks=0)
    rows = "".join(f"T{i},L{i},Call,2024-01-25\n" for i in range(30))  # L3 to L29 are not leads
    (export / "Task.csv").write_text("Id,WhoId,Subject,ActivityDate\n" + rows)
    return [export]


@pytest.mark.parametrize("make", [unparseable_date, empty_file, unknown_files, orphan_tasks])
def test_a_refused_import_leaves_every_byte_of_the_workspace_as_it_was(workspace, tmp_path, make):
    before = workspace_fingerprint(workspace)
    with pytest.raises(ImportRefused):
        import_data(workspace, make(tmp_path / "bad"), replace=True)
    assert workspace_fingerprint(workspace) == before


def test_a_refused_upload_leaves_no_file_behind(workspace):
    before = workspace_fingerprint(workspace)
    with pytest.raises(ImportRefused, match="Lead.csv"):
        stage_import(workspace, [Upload("Lead.csv", b"Id,Company\n")])
    assert workspace_fingerprint(workspace) == before


@pytest.mark.parametrize(
    ("before", "after", "shrinking"),
    [
        ({"leads": 10}, {"leads": 5}, ()),  # exactly half is allowed
        ({"leads": 10}, {"leads": 4}, ("leads",)),  # more than half gone
        ({"leads": 1}, {"leads": 0}, ("leads",)),  # emptied
        ({"leads": 0}, {"leads": 0}, ()),  # nothing to lose
        ({}, {"leads": 0}, ()),  # the first import
        ({"leads": 10, "activities": 8}, {"leads": 30}, ("activities",)),  # a file left out
    ],
)
def test_shrinking_means_emptied_or_more_than_half_gone(before, after, shrinking):
    assert shrinking_tables(before, after) == shrinking


def test_an_import_that_empties_a_table_is_refused_with_counts_and_changes_nothing(
    workspace, tmp_path
):
    before = workspace_fingerprint(workspace)
    with pytest.raises(ShrinkingImport, match=r"activities 3 -> 0") as refused:
        import_data(workspace, [salesforce_export(tmp_path / "no_tasks", tasks=0)])
    assert refused.value.before["activities"] == 3 and refused.value.after["activities"] == 0
    assert workspace_fingerprint(workspace) == before


def test_with_replace_an_import_that_halves_a_table_is_applied(workspace, tmp_path):
    smaller = salesforce_export(tmp_path / "smaller", leads=1, tasks=1, tag="small")
    with pytest.raises(ShrinkingImport):
        import_data(workspace, [smaller])
    dataset = import_data(workspace, [smaller], replace=True, author="Ana")
    assert current_dataset(workspace) == dataset and dataset.rows["leads"] == 1
    assert dataset.author == "Ana"


def test_a_staged_shrinking_import_waits_and_can_be_discarded_or_confirmed(workspace, tmp_path):
    before = workspace_fingerprint(workspace)
    source = [salesforce_export(tmp_path / "smaller", leads=1, tasks=1, tag="small")]
    staged = stage_import(workspace, source)
    assert staged.shrinking == ("leads", "activities")
    assert (staged.before["leads"], staged.after["leads"]) == (3, 1)
    with pytest.raises(ShrinkingImport):
        apply_import(staged)
    discard_import(staged)
    assert workspace_fingerprint(workspace) == before
    staged = stage_import(workspace, source)
    apply_import(staged, replace=True)
    assert current_data(workspace)["leads"][0][5] == "small lead 0"
    assert not list(workspace.datasets_dir.glob(".import-*"))


def test_an_import_read_before_another_one_landed_is_refused_not_applied(workspace, tmp_path):
    slow = stage_import(workspace, [salesforce_export(tmp_path / "slow", tag="slow")])
    fast = import_data(workspace, [salesforce_export(tmp_path / "fast", tag="fast")])
    with pytest.raises(VersionConflict, match="another import became the current data"):
        apply_import(slow)
    discard_import(slow)
    assert current_dataset(workspace) == fast
    assert current_data(workspace)["leads"][0][5] == "fast lead 0"


def imports(workspace: Workspace, folder: Path, tags: list[str]) -> list[str]:
    return [import_data(workspace, [salesforce_export(folder / t, tag=t)]).version for t in tags]


def test_the_workspace_keeps_the_current_and_the_last_n_datasets_and_logs_every_import(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb", keep=2)
    versions = imports(workspace, tmp_path, ["a", "b", "c", "d"])
    assert [d.version for d in kept_datasets(workspace)] == versions[:0:-1]
    assert {f.stem for f in workspace.datasets_dir.glob("*.duckdb")} == set(versions[1:])
    with state(workspace) as conn:
        log = dict(conn.execute("select version, removed_at is null from datasets").fetchall())
    assert log == {versions[0]: False} | {v: True for v in versions[1:]}


def test_a_restore_makes_an_earlier_dataset_current_in_one_step(workspace, tmp_path):
    first = current_dataset(workspace)
    first_data = current_data(workspace)
    second = import_data(workspace, [salesforce_export(tmp_path / "second", tag="two")])
    restored = restore_dataset(workspace, first.version, based_on=second.version, author="Ana")
    assert restored.version == first.version and restored.is_current
    assert current_data(workspace) == first_data
    assert [d.version for d in kept_datasets(workspace)] == [first.version, second.version]
    with state(workspace) as conn:
        last = conn.execute(
            "select action, author from dataset_changes order by seq desc limit 1"
        ).fetchall()
    assert last == [("restore", "Ana")]


def test_a_restored_dataset_counts_as_recent_when_older_ones_are_pruned(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb", keep=1)
    a, b = imports(workspace, tmp_path, ["a", "b"])
    restore_dataset(workspace, a, based_on=b)
    (c,) = imports(workspace, tmp_path, ["c"])
    assert [d.version for d in kept_datasets(workspace)] == [c, a]
    assert not workspace.dataset_file(b).exists()


def test_a_restore_over_data_that_changed_since_is_refused(workspace, tmp_path):
    first = current_dataset(workspace)
    import_data(workspace, [salesforce_export(tmp_path / "second", tag="two")])
    before = workspace_fingerprint(workspace)
    with pytest.raises(VersionConflict):
        restore_dataset(workspace, first.version, based_on=first.version)
    assert workspace_fingerprint(workspace) == before


def test_a_dataset_that_is_no_longer_kept_cannot_be_restored(tmp_path):
    workspace = open_workspace(tmp_path / "qualify.duckdb", keep=0)
    a, b = imports(workspace, tmp_path, ["a", "b"])
    with pytest.raises(QualifyError, match=f"Dataset {a} is not kept"):
        restore_dataset(workspace, a, based_on=b)


def test_uploads_and_extracted_files_live_in_the_imports_own_folder(workspace, tmp_path):
    export = salesforce_export(tmp_path / "upload", tag="up")
    uploads = [Upload(f.name, f.read_bytes()) for f in sorted(export.iterdir())]
    staged = stage_import(workspace, uploads)
    assert sorted(p.name for p in (staged.folder / "uploads").iterdir()) == [
        u.name for u in uploads
    ]
    apply_import(staged)
    assert not staged.folder.exists()
    assert current_data(workspace)["accounts"][0][1] == "up company 0"


# A child process imports "new" over a workspace holding "old" (and an older dataset, pruned by
# this import because keep=1) and kills itself with SIGKILL at one moment.
KILL_POINTS = {
    # moment: (module, function, before or after its first call, data expected afterwards)
    "zip and folders expanded": ("lib.ingest", "expand_sources", "after", "old"),
    "one file staged": ("lib.ingest", "stage_file", "after", "old"),
    "checking orphans": ("lib.ingest", "_orphans", "before", "old"),
    "inside the engine's swap": ("lib.ingest", "_staged_counts", "before", "old"),
    "data file written and closed": ("lib.store.imports", "current_dataset", "before", "old"),
    "commit begun, before the rename": ("lib.store.imports", "_refuse_if_moved", "after", "old"),
    "renamed, not committed": ("lib.store.imports", "_sync_folder", "after", "old"),
    "log written, not committed": ("lib.store.imports", "switch_dataset", "after", "old"),
    "pruned, not committed": ("lib.store.imports", "_prune", "after", "old"),
    "committed, pruning files": ("lib.store.imports", "remove_dataset_file", "before", "new"),
    "committed, before cleaning up": ("lib.store.imports", "end_work", "before", "new"),
    "done": ("lib.store.imports", "_kept", "before", "new"),
}

CHILD = """
import importlib, os, signal, sys
from pathlib import Path
module, name, when, db, source = sys.argv[1:6]
target = importlib.import_module(module)
original = getattr(target, name)

def killed(*args, **kwargs):
    if when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    result = original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

setattr(target, name, killed)
from lib.store.imports import import_data
from lib.store.workspace import open_workspace
import_data(open_workspace(db, keep=1), [Path(source)], replace=True)
"""


@pytest.mark.parametrize("moment", list(KILL_POINTS))
def test_a_killed_import_leaves_exactly_the_old_or_exactly_the_new_data(tmp_path, moment):
    module, name, when, expected = KILL_POINTS[moment]
    workspace = open_workspace(tmp_path / "qualify.duckdb", keep=1)
    oldest, _ = imports(workspace, tmp_path, ["oldest", "old"])
    old_data = current_data(workspace)
    new = salesforce_export(tmp_path / "new", leads=4, tag="new")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, module, name, when, str(workspace.state_file), str(new)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    reopened = open_workspace(workspace.state_file, keep=1)  # sweeps what the kill left
    data = current_data(reopened)
    if expected == "old":
        assert data == old_data
    else:
        assert sorted(row[5] for row in data["leads"]) == [f"new lead {i}" for i in range(4)]
    kept = {d.version for d in kept_datasets(reopened)}
    assert {f.stem for f in reopened.datasets_dir.glob("*.duckdb")} == kept
    assert not list(reopened.datasets_dir.glob(".import-*"))
    assert (oldest in kept) == (expected == "old")
    imports(reopened, tmp_path, ["after"])  # and the workspace takes the next import


def test_imports_applied_at_once_in_one_process_switch_to_exactly_one(workspace, tmp_path):
    staged = [
        stage_import(workspace, [salesforce_export(tmp_path / f"e{i}", tag=f"e{i}")])
        for i in range(4)
    ]
    outcomes: list[str] = []

    def apply(one: StagedImport) -> None:
        try:
            apply_import(one)
            outcomes.append(one.version)
        except VersionConflict:
            discard_import(one)
            outcomes.append("refused")

    threads = [threading.Thread(target=apply, args=(one,)) for one in staged]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (applied,) = [o for o in outcomes if o != "refused"]
    assert outcomes.count("refused") == 3
    assert current_dataset(workspace).version == applied
    assert {f.stem for f in workspace.datasets_dir.glob("*.duckdb")} == {
        d.version for d in kept_datasets(workspace)
    }
    assert not list(workspace.datasets_dir.glob(".import-*"))


def header_only(folder: Path) -> list[Path]:
    export = salesforce_export(folder, accounts=0, leads=0, opportunities=0, tasks=0)
    (export / "Lead.csv").write_text("Id,Company,LeadSource,IsConverted,CreatedDate\n")
    return [export / "Lead.csv"]


def lone_account_file(folder: Path) -> list[Path]:
    return [salesforce_export(folder, tag="lone") / "Account.csv"]


def nested_zip(folder: Path) -> list[Path]:
    export = salesforce_export(folder / "files", tag="nested")
    inner = folder / "tables.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        for name in ("Lead.csv", "Opportunity.csv", "Task.csv"):
            zf.write(export / name, name)
    outer = folder / "export.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(export / "Account.csv", "Account.csv")
        zf.write(inner, "tables.zip")
    return [outer]


@pytest.mark.parametrize("make", [header_only, lone_account_file, nested_zip])
def test_an_export_that_would_wipe_the_data_is_refused_or_read_never_applied_empty(
    workspace, tmp_path, make
):
    before = workspace_fingerprint(workspace)
    try:
        dataset = import_data(workspace, make(tmp_path / "export"))
    except QualifyError:  # refused outright, or held back as a shrinking import
        assert workspace_fingerprint(workspace) == before
    else:  # read whole: a nested zip's tables are imported, not skipped
        assert dataset.rows == {"accounts": 3, "leads": 3, "activities": 3, "opportunities": 3}
