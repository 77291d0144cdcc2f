"""A feature file opened on the Import data page: the Scoring lab back-tests on its leads, every
page measured from the CRM's tables says what it needs, and a broken file changes nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from lib.cli import main
from lib.store.datasets import current_dataset
from lib.store.workspace import open_workspace
from tests.fixtures import small_salesforce_export, unescaped

APP = str(Path(__file__).resolve().parents[2] / "app.py")
LEADS = 600
# every page but the lab, the import page and the activity log reads the CRM's tables
CRM_PAGES = {
    "pages/overview.py": "kpis --engine spark",
    "pages/quarterly_review.py": "kpis --engine spark",
    "pages/leads.py": "score --engine spark",
    "pages/data_quality.py": "import the CRM export",
    "pages/recalibration.py": "import the CRM export",
}


@pytest.fixture(scope="module")
def feature_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a feature file the features command wrote from a small export on DuckDB."""
    folder = tmp_path_factory.mktemp("feature_file")
    db = folder / "warehouse.duckdb"
    assert main(["import", str(small_salesforce_export(folder, leads=LEADS)), "--db", str(db)]) == 0
    out = folder / "leads.parquet"
    assert main(["features", "--db", str(db), "--out", str(out)]) == 0
    return out


def open_file(name: str, content: bytes) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/data.py").run()
    uploader = next(u for u in at.file_uploader if u.label == "Feature file")
    uploader.set_value([(name, content, "application/octet-stream")])
    next(b for b in at.button if b.label == "Open the feature file").click().run()
    assert not at.exception
    return at


@pytest.fixture
def opened(app_db: Path, feature_file: Path) -> AppTest:
    """Open the feature file on the Import data page of the sample workspace."""
    return open_file(feature_file.name, feature_file.read_bytes())


def page(at: AppTest, script: str) -> AppTest:
    at.switch_page(script).run()
    assert not at.exception
    return at


def metric(at: AppTest, label: str) -> int:
    return int(next(m for m in at.metric if m.label == label).value.replace(",", ""))


def test_an_opened_feature_file_is_the_data_listed_with_how_it_was_measured(opened, app_db):
    current = current_dataset(open_workspace(app_db))
    assert current is not None and current.kind == "feature file"
    assert current.rows == {"feature_leads": LEADS}
    caption = next(unescaped(c.value) for c in opened.sidebar.caption if "Feature" in c.value)
    assert f"leads.parquet: {LEADS:,} leads measured at their routing moments on duckdb" in caption
    assert "warehouse.duckdb, data as of 20" in caption
    assert any("Opened Feature file leads.parquet" in unescaped(s.value) for s in opened.success)
    listed = opened.dataframe[0].value
    assert list(listed["Kind"]) == ["feature file", "CRM export"]  # the sample is kept
    assert listed["Current"].tolist() == [True, False]
    log = page(opened, "pages/activity.py").dataframe[0].value
    assert log.iloc[0]["What"] == "feature file: leads.parquet"
    assert log.iloc[0]["After"] == f"{LEADS:,} records"


def lab_cards(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def test_the_scoring_lab_on_the_file_shows_what_it_shows_on_the_data_measured(
    opened, feature_file, monkeypatch
):
    at = page(opened, "pages/scoring_lab.py")
    assert any(c.value.startswith(f"Recomputed {LEADS:,} historical leads") for c in at.caption)
    before = metric(at, "Leads reaching MQL")
    at.slider(key="lab_mql_threshold").set_value(20.0).run()
    assert not at.exception and metric(at, "Leads reaching MQL") > before
    on_file, changed = lab_cards(at), at.dataframe[1].value
    assert len(changed) > 0 and changed["Channel"].notna().all()
    channels = sorted(pq.read_table(feature_file, columns=["channel"])["channel"].unique().tolist())
    assert at.sidebar.multiselect(key="f_channels").options == channels  # the file's channels
    # the same slider move in the lab of the workspace the file was measured from
    monkeypatch.setenv("QUALIFY_DB", str(feature_file.with_name("warehouse.duckdb")))
    source = AppTest.from_file(APP, default_timeout=180)
    page(source, "pages/scoring_lab.py").slider(key="lab_mql_threshold").set_value(20.0).run()
    assert lab_cards(source) == on_file
    pd.testing.assert_frame_equal(source.dataframe[1].value, changed)


@pytest.mark.parametrize("script", list(CRM_PAGES))
def test_a_page_measured_from_the_crm_tables_says_what_it_needs_instead_of_a_number(opened, script):
    at = page(opened, script)
    message = " ".join(unescaped(i.value) for i in at.info)
    assert "feature file" in message and "the CRM's tables" in message
    assert CRM_PAGES[script] in message
    assert len(at.metric) == 0 and len(at.dataframe) == 0  # nothing measured from empty tables


def test_leaving_the_lab_and_coming_back_keeps_the_edit_and_its_back_test(opened):
    at = page(opened, "pages/scoring_lab.py")
    at.slider(key="lab_sql_threshold").set_value(0.0).run()
    edited = metric(at, "Leads reaching SQL")
    page(at, "pages/overview.py")
    at = page(at, "pages/scoring_lab.py")
    assert at.slider(key="lab_sql_threshold").value == 0.0
    assert metric(at, "Leads reaching SQL") == edited


def foreign_parquet() -> bytes:
    out = io.BytesIO()
    pd.DataFrame({"lead_id": ["a"], "score": [1.0]}).to_parquet(out)
    return out.getvalue()


def data_end_file(path: Path) -> bytes:
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    meta[b"qualify.features"] = meta[b"qualify.features"].replace(b'"routing"', b'"data-end"')
    out = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("scores.parquet", lambda _: foreign_parquet(), "is not a Qualify feature file"),
        ("cut.parquet", lambda p: p.read_bytes()[:5000], "is not a readable Parquet file"),
        ("today.parquet", data_end_file, "holds leads measured at data-end; this needs routing"),
    ],
    ids=["foreign", "truncated", "measured-as-of-today"],
)
def test_a_broken_or_foreign_file_is_refused_by_name_and_the_data_stays(
    app_db, feature_file, name: str, content: Callable[[Path], bytes], says: str
):
    before = current_dataset(open_workspace(app_db))
    at = open_file(name, content(feature_file))
    error = " ".join(unescaped(e.value) for e in at.error)
    assert "Feature file refused — your data is unchanged." in error
    assert f"{name} {says}" in error
    assert current_dataset(open_workspace(app_db)) == before
    assert list(app_db.with_name(app_db.name + ".datasets").glob(".import-*")) == []
    overview = page(at, "pages/overview.py")  # the sample is still measured
    assert next(m for m in overview.metric if m.label == "Win rate").value.endswith("%")
