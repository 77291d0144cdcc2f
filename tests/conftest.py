"""Shared fixtures: a database holding the bundled sample, and clean Streamlit caches per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from lib.store.connection import DB_ENV_VAR, connect
from lib.store.datasets import import_sample

LAYERS = {"pages": "app", "browser": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder: tests/pages -> app, tests/browser -> browser, else unit."""
    root = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(root).parts[0]
        item.add_marker(getattr(pytest.mark, LAYERS.get(folder, "unit")))


@pytest.fixture(scope="session")
def sample_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a DuckDB file holding the bundled sample, imported once per test session."""
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    conn = connect(path)
    import_sample(conn)
    conn.close()
    return path


@pytest.fixture
def app_db(sample_db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at a private copy of the sample database (tests may publish or import)."""
    path = tmp_path / "app.duckdb"
    shutil.copy(sample_db_file, path)
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
