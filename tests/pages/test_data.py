"""Import data page: uploads go through the importer, refusals change nothing, sample in a click."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from lib.model import default_model
from lib.store.model_versions import publish_model
from lib.store.schema import TABLES
from lib.store.state import current_versions, state
from lib.store.workspace import open_dataset, open_workspace
from tests.fixtures import unescaped
from tests.store.exports import workspace_fingerprint

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SAMPLE_RECORDS = "228,995"  # 4,000 accounts + 20,000 leads + 199,995 activities + 5,000 deals

BAD_LEADS = (
    b"Id,Company,LeadSource,IsConverted,Email,CreatedDate\n"
    b"00Q000000000001AAA,Acme,Web,false,a@acme.example,2024-01-22T16:14:25.000+0000\n"
    b"00Q000000000002AAA,Beta,Web,false,b@beta.example,not a date\n"
)

HUBSPOT_DEALS = (
    b"Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date\n"
    b"1,Acme renewal,Closed won,12000,2025-05-20,2025-01-02 10:26\n"
    b"2,Beta pilot,Closed lost,3000,2025-06-01,2025-02-03 09:00\n"
)


def data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


def records(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Records now")


def upload(at: AppTest, *files: tuple[str, bytes, str]) -> AppTest:
    at.file_uploader[0].set_value(list(files))
    next(b for b in at.button if b.label == "Import").click().run()
    return at


def row_counts(at: AppTest) -> pd.DataFrame:
    """Return the page's table of rows now and after, by table."""
    frame = next(d.value for d in at.dataframe if "Rows now" in d.value.columns)
    return frame.set_index("Table")


def table_rows(db: Path) -> dict[str, int]:
    workspace = open_workspace(db)
    with open_dataset(workspace, current_versions(workspace).dataset) as conn:
        return {t: conn.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES}


def test_import_page_renders_with_the_shared_sidebar_and_the_sample_counts(app_db):
    at = data_page()
    assert at.title[0].value == "Import data"
    assert len(at.sidebar.multiselect) == 2
    assert records(at) == SAMPLE_RECORDS
    assert "Bundled sample export" in at.sidebar.caption[0].value


def test_a_malformed_upload_names_file_row_and_column_and_changes_nothing(app_db):
    with state(open_workspace(app_db)) as conn:
        publish_model(conn, default_model(), "Ana", "before the upload", based_on=0)
    before = workspace_fingerprint(open_workspace(app_db))
    at = upload(data_page(), ("Lead.csv", BAD_LEADS, "text/csv"))
    message = unescaped(at.error[0].value)
    assert "your data is unchanged" in message
    assert "Lead.csv" in message and "row 3" in message and "CreatedDate" in message
    assert records(at) == SAMPLE_RECORDS
    assert workspace_fingerprint(open_workspace(app_db)) == before
    assert at.sidebar.caption[1].value == "Published version 1"


def test_a_good_upload_switches_the_app_and_the_sample_is_one_click_away(app_db):
    at = upload(data_page(), ("hubspot-crm-exports-deals.csv", HUBSPOT_DEALS, "text/csv"))
    assert not at.error
    next(b for b in at.button if b.label == "Replace the data").click().run()
    assert records(at) == "2"
    assert "hubspot export" in at.sidebar.caption[0].value.lower()
    next(b for b in at.button if b.label == "Use the bundled sample export").click().run()
    assert records(at) == SAMPLE_RECORDS


def test_an_upload_that_would_empty_tables_waits_with_counts_and_discarding_changes_nothing(
    app_db,
):
    before = workspace_fingerprint(open_workspace(app_db))
    at = upload(data_page(), ("hubspot-crm-exports-deals.csv", HUBSPOT_DEALS, "text/csv"))
    assert "would empty or more than halve accounts, leads, activities, opportunities" in (
        at.warning[0].value
    )
    counts = row_counts(at)
    assert counts.loc["leads"].tolist() == [20_000, 0]
    assert counts.loc["opportunities"].tolist() == [5_000, 2]
    assert records(at) == SAMPLE_RECORDS
    next(b for b in at.button if b.label == "Discard this import").click().run()
    assert not at.warning and records(at) == SAMPLE_RECORDS
    assert workspace_fingerprint(open_workspace(app_db)) == before


def test_an_earlier_dataset_is_restored_in_one_step_showing_counts_before_and_after(app_db):
    at = upload(data_page(), ("hubspot-crm-exports-deals.csv", HUBSPOT_DEALS, "text/csv"))
    next(b for b in at.button if b.label == "Replace the data").click().run()
    assert records(at) == "2"
    assert at.selectbox(key="restore_version").options[0].startswith("Bundled sample export")
    counts = row_counts(at)
    assert counts.loc["leads"].tolist() == [0, 20_000]
    next(b for b in at.button if b.label == "Restore this dataset").click().run()
    assert records(at) == SAMPLE_RECORDS
    assert unescaped(at.success[0].value).startswith("Restored: Bundled sample export")
    assert table_rows(app_db)["leads"] == 20_000
