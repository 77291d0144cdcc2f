"""Publishing a model or importing data (from any session, or the CLI) refreshes every page."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from lib.model import default_model, with_changes
from lib.store.imports import import_data
from lib.store.model_versions import publish_model
from lib.store.state import state
from lib.store.workspace import open_workspace
from tests.fixtures import planted_export, small_salesforce_export, unescaped

PAGES = (
    "overview",
    "quarterly_review",
    "leads",
    "scoring_lab",
    "data_quality",
    "data",
)


def shown(at: AppTest) -> list[str]:
    """Return what the page's main area shows: metrics, tables, captions and texts."""
    main = at.main
    values = [f"{m.label}={m.value}" for m in main.metric]
    values += [d.value.to_csv() for d in main.dataframe]
    values += [c.value for c in main.caption] + [m.value for m in main.markdown]
    return values


def open_page(name: str) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=180)
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, at.exception
    return at


def everything_enterprise():
    """Return the default model with segment rules that put every known company in enterprise."""
    model = default_model()
    segments = (
        tuple(replace(r, min_annual_revenue_usd=0.0, min_employees=0) for r in model.segments[:1])
        + model.segments[1:]
    )
    return with_changes(model, segments=segments)


@pytest.mark.parametrize("name", [p for p in PAGES if p != "data"])  # imports know no model
def test_a_publish_elsewhere_changes_what_the_page_shows(app_db, name):
    at = open_page(name)
    before = shown(at)
    with state(open_workspace(app_db)) as conn:
        publish_model(
            conn, everything_enterprise(), "Ana", "every company is enterprise", based_on=0
        )
    at.run()
    assert not at.exception
    assert at.sidebar.caption[1].value == "Published version 1"
    assert shown(at) != before


@pytest.mark.parametrize("name", PAGES)
def test_an_import_elsewhere_changes_what_the_page_shows_and_resets_the_filters(
    app_db, tmp_path, name
):
    at = open_page(name)
    at.sidebar.multiselect(key="f_segments").set_value(["smb"]).run()
    before = shown(at)
    import_data(open_workspace(app_db), [small_salesforce_export(tmp_path)], replace=True)
    at.run()
    assert not at.exception
    assert shown(at) != before
    assert "New data was imported" in at.sidebar.info[0].value
    assert at.sidebar.multiselect(key="f_segments").value == ["enterprise", "mid_market", "smb"]


def test_a_publish_elsewhere_is_told_once_in_the_sidebar_with_who_and_when(app_db):
    at = open_page("overview")
    with state(open_workspace(app_db)) as conn:
        publish_model(conn, everything_enterprise(), "Ana", "enterprise", based_on=0)
    at.run()
    [notice] = at.sidebar.info
    assert re.fullmatch(
        r"Version 1 was published by Ana at \d\d \w{3} \d{4} \d\d\\:\d\d UTC since you last "
        r"looked\\: every page now scores with it\\.",
        notice.value,
    )
    at.run()
    assert not at.sidebar.info


def test_a_session_is_not_told_of_the_version_it_published_itself(app_db):
    at = open_page("scoring_lab")
    at.slider(key="lab_mql_threshold").set_value(45.0).run()
    at.text_input(key="lab_author").input("Ana").run()
    at.button(key="lab_publish").click().run()
    assert not at.exception
    assert at.sidebar.caption[1].value == "Published version 1"
    assert not at.sidebar.info


def test_a_chosen_channel_the_new_data_lacks_is_dropped_and_named(app_db, tmp_path):
    at = open_page("overview")
    channels = at.sidebar.multiselect(key="f_channels")
    chosen = channels.options[0]
    channels.set_value([chosen]).run()
    # the planted export's lead sources are hostile text, none of the sample's channels
    import_data(open_workspace(app_db), [planted_export(tmp_path)], replace=True)
    at.run()
    assert not at.exception
    [notice] = [unescaped(i.value) for i in at.sidebar.info]
    assert notice.endswith(f"Channels not in the new data: {chosen}.")
    assert chosen not in at.sidebar.multiselect(key="f_channels").value
