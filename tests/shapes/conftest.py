"""One workspace per shape of data, imported through the CLI once per test session."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st

from data.generate import write_zip
from lib.cli import main
from lib.store.feature_datasets import stage_feature_file
from lib.store.imports import apply_import
from lib.store.workspace import open_workspace
from tests.shapes.exports import base_frames, write_shape


@dataclass(frozen=True)
class Imported:
    """A shape's workspace and what its import printed."""

    db: Path
    exit_code: int
    out: str
    err: str


@pytest.fixture(scope="session")
def shape_workspace(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Imported]:
    """Return a function giving a shape's workspace, imported the first time it is asked for.

    Tests only read these workspaces; a command that writes (publish, restore) works on a copy.
    """
    folder = tmp_path_factory.mktemp("shapes")
    made: dict[str, Imported] = {}

    def workspace(name: str) -> Imported:
        if name not in made:
            db = folder / name / "qualify.duckdb"
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["import", str(write_shape(name, folder)), "--db", str(db)])
            made[name] = Imported(db, code, out.getvalue(), err.getvalue())
        return made[name]

    return workspace


@pytest.fixture(scope="session")
def feature_file_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a workspace whose data is a feature file: the generated org imported, measured by
    the features command, and the file opened as the workspace's data."""
    folder = tmp_path_factory.mktemp("feature_file_shape")
    export, db = folder / "org.zip", folder / "qualify.duckdb"
    write_zip(base_frames(), export)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["import", str(export), "--db", str(db)]) == 0
        assert main(["features", "--db", str(db), "--out", str(folder / "org.parquet")]) == 0
    workspace = open_workspace(db)
    apply_import(stage_feature_file(workspace, folder / "org.parquet"), replace=True)
    return db


@pytest.fixture(autouse=True, scope="module")
def clear_streamlit_caches() -> Iterator[None]:
    """Share Streamlit's caches across a module's tests, as the sessions of one server do: every
    cached value is keyed by its dataset's version, so shapes never see each other's (and each
    shape's features are computed once, not once per page)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
