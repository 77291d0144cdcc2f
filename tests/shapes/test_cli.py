"""Every command answers on every shape of data: exit 0 with its output, or 2 with a message."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from lib.cli import main, parser
from lib.model import default_model, save_model
from lib.store.state import current_versions
from lib.store.workspace import open_workspace
from tests.shapes.conftest import Imported
from tests.shapes.exports import SHAPE_NAMES

# each command's arguments; {out} is a file in the test's folder, {model} a model file there
COMMANDS = {
    "kpis": ["kpis"],
    "kpis --json": ["kpis", "--json"],
    "score": ["score", "--out", "{out}.csv"],
    "recalibrate": ["recalibrate", "--out", "{out}.yaml"],
    "recalibrate --force": ["recalibrate", "--out", "{out}.yaml", "--force", "--min-deals", "20"],
    "recalibrate --json": ["recalibrate", "--json"],
    "datasets": ["datasets"],
    "publish": ["publish", "{model}", "--based-on", "0", "--author", "shapes"],
    "restore-data": ["restore-data", "--version", "{dataset}"],
    "log": ["log"],
    "features": ["features", "--out", "{out}.parquet"],
    "export-tables": ["export-tables", "--out", "{out}_tables"],
}
WRITES = {"publish", "restore-data"}  # run on a copy: the shape's workspace is shared


def copied(db: Path, folder: Path) -> Path:
    """Return a copy of a workspace (state file and datasets) in folder."""
    target = folder / db.name
    shutil.copy(db, target)
    shutil.copytree(db.with_name(db.name + ".datasets"), target.with_name(db.name + ".datasets"))
    return target


def test_the_matrix_runs_every_command_the_cli_has():
    commands = {c.split()[0] for c in COMMANDS} | {"import"}  # import: the fixture runs it
    assert commands == set(parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


@pytest.mark.parametrize("shape", SHAPE_NAMES)
def test_every_shape_imports(shape, shape_workspace: Callable[[str], Imported]):
    imported = shape_workspace(shape)
    assert imported.exit_code == 0, imported.err
    assert "Imported a salesforce export" in imported.out


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("shape", SHAPE_NAMES)
def test_every_command_answers_on_every_shape(
    shape, command, shape_workspace: Callable[[str], Imported], tmp_path: Path, capsys
):
    db = shape_workspace(shape).db
    if command in WRITES:
        db = copied(db, tmp_path)
    save_model(default_model(), tmp_path / "model.yaml")
    dataset = current_versions(open_workspace(db, create=False)).dataset
    args = [
        a.format(out=tmp_path / "out", model=tmp_path / "model.yaml", dataset=dataset)
        for a in COMMANDS[command]
    ]
    code = main([*args, "--db", str(db)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if code == 2:
        assert err.startswith("error: ") and len(err.splitlines()) >= 1
    else:
        assert (code, err.count("error")) == (0, 0) and out.strip()
