"""Feature files: what the features command writes and the app reads, under the reader's model."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pyarrow.parquet as pq
import pytest

from lib.features import history_features
from lib.features.files import (
    FeatureFile,
    FeatureFileError,
    feature_file_info,
    read_feature_file,
    write_feature_file,
)
from lib.model import default_model
from lib.model.segments import UNASSIGNED, SegmentRule

MODEL = default_model()
# everyone with any figures is one segment; the policies of unknown segments are unassigned's
ONE_SEGMENT = replace(MODEL, segments=(SegmentRule("mid_market", "Everyone", 0.0, 0),))


@pytest.fixture(scope="module")
def history(sample_conn) -> pd.DataFrame:
    return history_features(sample_conn, MODEL)


def about(frame: pd.DataFrame, **changes) -> FeatureFile:
    fields = dict(
        moment="routing",
        as_of="2026-10-31T23:59:59",
        buying_group_window_days=MODEL.buying_group_window_days,
        model_version=0,
        engine="spark",
        source="warehouse.crm",
        leads=len(frame),
    )
    return FeatureFile(**(fields | changes))


def test_a_file_read_under_its_own_model_gives_back_the_features_written(history, tmp_path):
    path = tmp_path / "features.parquet"
    assert write_feature_file(history, path, about(history)) == 20_000
    frame, info, warnings = read_feature_file(path, MODEL)
    pd.testing.assert_frame_equal(frame, history)
    assert info == about(history) and warnings == ()


def test_what_the_model_decides_is_redone_under_the_reader_s_model(history, sample_conn, tmp_path):
    path = tmp_path / "features.parquet"
    write_feature_file(history, path, about(history))
    frame, _, _ = read_feature_file(path, ONE_SEGMENT)
    expected = history_features(sample_conn, ONE_SEGMENT)
    pd.testing.assert_frame_equal(frame, expected)
    assert set(frame["segment"]) <= {"mid_market", UNASSIGNED}
    assert set(history["segment"]) > {"mid_market"}  # the file itself had three segments


def test_a_different_buying_group_window_is_named_in_a_warning(history, tmp_path):
    path = tmp_path / "features.parquet"
    write_feature_file(history, path, about(history, buying_group_window_days=30.0))
    _, _, warnings = read_feature_file(path, MODEL)
    assert len(warnings) == 1 and "over 30 days" in warnings[0] and "says 90" in warnings[0]


def test_a_file_of_leads_measured_at_the_data_end_is_refused_for_the_back_test(history, tmp_path):
    path = tmp_path / "features.parquet"
    write_feature_file(history, path, about(history, moment="data-end"))
    with pytest.raises(FeatureFileError, match="--moment routing"):
        read_feature_file(path, MODEL)


def test_a_parquet_file_qualify_did_not_write_is_refused_saying_how_to_write_one(history, tmp_path):
    path = tmp_path / "plain.parquet"
    history.head().to_parquet(path)
    with pytest.raises(FeatureFileError, match="lib.cli features"):
        feature_file_info(path)


def test_a_file_that_is_not_parquet_is_refused_by_name(tmp_path):
    path = tmp_path / "notes.parquet"
    path.write_text("not parquet")
    with pytest.raises(FeatureFileError, match="notes.parquet is not a readable Parquet file"):
        feature_file_info(path)


def test_a_file_lacking_feature_columns_names_them(history, tmp_path):
    path = tmp_path / "features.parquet"
    thin = history.drop(columns=["touched_recently", "n_demo_request"])
    write_feature_file(thin, path, about(thin))
    with pytest.raises(FeatureFileError, match="n_demo_request, touched_recently"):
        read_feature_file(path, MODEL)


def test_the_file_records_how_its_leads_were_measured_in_its_metadata(history, tmp_path):
    path = tmp_path / "features.parquet"
    write_feature_file(history, path, about(history))
    assert b"qualify.features" in pq.read_schema(path).metadata
    assert feature_file_info(path).source == "warehouse.crm"
