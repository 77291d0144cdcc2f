"""Feature files opened as datasets: read back exactly as the file gives them, under the
reader's model, kept and restored like imports, refused with the workspace unchanged."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from lib.cli import main
from lib.errors import QualifyError
from lib.features import history_features
from lib.features.files import FeatureFile, FeatureFileError, read_feature_file, write_feature_file
from lib.model import default_model
from lib.model.segments import SegmentRule
from lib.store.datasets import current_dataset, kept_datasets
from lib.store.feature_datasets import feature_channels, stage_feature_file, stored_features
from lib.store.imports import Upload, apply_import, restore_dataset
from lib.store.state import Workspace, current_versions, state
from lib.store.workspace import open_dataset, open_workspace
from tests.store.exports import workspace_fingerprint

MODEL = default_model()
ONE_SEGMENT = replace(MODEL, segments=(SegmentRule("mid_market", "Everyone", 0.0, 0),))


@pytest.fixture(scope="module")
def feature_file(sample_conn, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the sample's leads at their routing moments, written as a feature file."""
    frame = history_features(sample_conn, MODEL)
    path = tmp_path_factory.mktemp("features") / "sample.parquet"
    about = FeatureFile("routing", "2026-10-31T23:59:59", 90.0, 0, "spark", "crm.leads", len(frame))
    write_feature_file(frame, path, about)
    return path


@pytest.fixture
def workspace(workspace_copy, tmp_path: Path) -> Workspace:
    return open_workspace(workspace_copy(tmp_path / "qualify.duckdb"))


def opened(workspace: Workspace, path: Path) -> None:
    apply_import(stage_feature_file(workspace, path), replace=True)


@pytest.mark.parametrize("model", [MODEL, ONE_SEGMENT], ids=["its-own-model", "another-model"])
def test_an_opened_file_reads_back_as_read_feature_file_gives_it(workspace, feature_file, model):
    opened(workspace, feature_file)
    with open_dataset(workspace, current_versions(workspace).dataset) as conn:
        frame, warnings = stored_features(conn, model)
        channels = feature_channels(conn)
    expected, _, _ = read_feature_file(feature_file, model)
    pd.testing.assert_frame_equal(frame, expected)
    assert warnings == ()
    assert channels == sorted(expected["channel"].unique())


def test_a_file_measured_over_another_window_reads_with_a_warning_naming_it(
    workspace, feature_file
):
    opened(workspace, feature_file)
    with open_dataset(workspace, current_versions(workspace).dataset) as conn:
        _, warnings = stored_features(conn, replace(MODEL, buying_group_window_days=30.0))
    assert warnings == (
        "sample.parquet counts engaged colleagues over 90 days; the model says 30. "
        "Rewrite the file to measure the model's window.",
    )


def test_the_dataset_says_how_its_leads_were_measured_and_the_crm_data_stays_restorable(
    workspace, feature_file
):
    crm = current_dataset(workspace)
    assert crm is not None and crm.kind == "CRM export" and crm.feature_file is None
    opened(workspace, feature_file)
    current = current_dataset(workspace)
    assert current is not None and current.kind == "feature file"
    assert current.feature_file == FeatureFile(
        "routing", "2026-10-31T23:59:59", 90.0, 0, "spark", "crm.leads", 20_000
    )
    assert current.files == ("sample.parquet",) and current.records == 20_000
    restore_dataset(workspace, crm.version, based_on=current.version)
    assert current_dataset(workspace) == replace(crm, is_current=True)


def test_commands_list_a_feature_file_dataset_and_refuse_to_read_crm_tables_from_it(
    workspace, feature_file, capsys
):
    opened(workspace, feature_file)
    assert main(["datasets", "--db", str(workspace.state_file)]) == 0
    current = capsys.readouterr().out.splitlines()[0]
    assert current.startswith("current") and "feature file     20,000 records" in current
    assert "20,000 leads measured at their routing moments on spark from crm.leads" in current
    assert main(["kpis", "--db", str(workspace.state_file), "--json"]) == 2
    error = capsys.readouterr().err
    assert "opened from the feature file sample.parquet" in error
    assert "Restore a CRM dataset" in error


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"PAR1 not really", "not-a-file.parquet is not a readable Parquet file"),
        (b"", "not-a-file.parquet is not a readable Parquet file"),
    ],
)
def test_a_file_that_is_not_parquet_is_refused_and_the_workspace_is_unchanged(
    workspace, content: bytes, says: str
):
    before = workspace_fingerprint(workspace)
    with pytest.raises(FeatureFileError, match=says):
        stage_feature_file(workspace, Upload("not-a-file.parquet", content))
    assert workspace_fingerprint(workspace) == before


def test_a_file_lacking_feature_columns_is_refused_naming_them(workspace, feature_file, tmp_path):
    frame, about, _ = read_feature_file(feature_file, MODEL)
    lacking = tmp_path / "lacking.parquet"
    write_feature_file(frame.drop(columns=["title", "won"]), lacking, about)
    before = workspace_fingerprint(workspace)
    with pytest.raises(
        QualifyError, match="lacking.parquet lacks the feature column.s. title, won$"
    ):
        stage_feature_file(workspace, lacking)
    assert workspace_fingerprint(workspace) == before


def test_a_workspace_from_before_feature_files_gains_the_column_and_reads_as_before(tmp_path):
    workspace = open_workspace(tmp_path / "old.duckdb")
    with state(workspace) as conn:
        conn.execute("alter table datasets drop column feature_file")
    assert kept_datasets(open_workspace(workspace.state_file)) == []
