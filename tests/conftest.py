"""Shared fixtures: a workspace holding the bundled sample, and clean Streamlit caches per test."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
import streamlit as st

from lib.store.connection import DB_ENV_VAR
from lib.store.imports import import_sample
from lib.store.state import current_versions
from lib.store.workspace import open_dataset, open_workspace

LAYERS = {"pages": "app", "shapes": "app", "browser": "browser", "engines": "spark"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder: pages and shapes -> app, browser -> browser,
    engines -> spark, else unit."""
    root = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(root).parts[0]
        item.add_marker(getattr(pytest.mark, LAYERS.get(folder, "unit")))


@pytest.fixture(scope="session")
def sample_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the state file of a workspace holding the bundled sample, imported once."""
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    import_sample(open_workspace(path))
    return path


@pytest.fixture(scope="session")
def sample_conn(sample_db_file: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Return a connection to the sample's dataset, for tests that only read it."""
    workspace = open_workspace(sample_db_file)
    with open_dataset(workspace, current_versions(workspace).dataset) as conn:
        yield conn


@pytest.fixture(scope="session")
def workspace_copy(sample_db_file: Path) -> Callable[[Path], Path]:
    """Return a function that copies the sample workspace (state file and datasets) to a path."""

    def copy(path: Path) -> Path:
        shutil.copy(sample_db_file, path)
        shutil.copytree(
            sample_db_file.with_name(sample_db_file.name + ".datasets"),
            path.with_name(path.name + ".datasets"),
        )
        return path

    return copy


@pytest.fixture
def app_db(
    workspace_copy: Callable[[Path], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point the app at a private copy of the sample workspace (tests may publish or import)."""
    path = workspace_copy(tmp_path / "app.duckdb")
    monkeypatch.setenv(DB_ENV_VAR, str(path))
    return path


@pytest.fixture(autouse=True)
def clear_streamlit_caches() -> Iterator[None]:
    """st.cache_data and st.cache_resource outlive an AppTest: start and end each test clean."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
