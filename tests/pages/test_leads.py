"""The Leads page on the sample: the scored table, its filters, a score explained, export."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def open_page() -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=120)
    at.switch_page("pages/leads.py").run()
    assert not at.exception
    return at


def shown(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Showing"))


def test_leads_renders_with_the_shared_sidebar_filters(app_db):
    at = open_page()
    assert {m.key for m in at.sidebar.multiselect} >= {"f_segments", "f_channels"}
    assert at.title[0].value == "Leads"


def test_leads_lists_every_scored_sample_lead_with_headers_in_words(app_db):
    at = open_page()
    assert shown(at) == "Showing 20,000 of 20,000 leads"
    table = at.dataframe[0].value
    assert len(table) == 20_000
    assert list(table.columns) == [
        "Company",
        "Email",
        "Segment",
        "Stage",
        "Band",
        "Qualification score",
        "Grade letter",
        "Next action",
        "SLA due",
    ]
    assert table["Qualification score"].is_monotonic_decreasing
    assert {m.label for m in at.metric} == {"Fit", "Value", "Urgency", "Authority", "Risk"}
    assert len(at.get("plotly_chart")) == 1 and len(at.get("download_button")) == 1


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("stage_filter", ["mql"]),
        ("band_filter", ["likely"]),
        ("framework_filter", ["MEDDIC"]),
    ],
)
def test_each_page_filter_narrows_the_list(app_db, key, value):
    at = open_page()
    at.multiselect(key=key).set_value(value).run()
    assert not at.exception
    count = int(shown(at).split()[1].replace(",", ""))
    assert 0 < count < 20_000


def test_a_minimum_score_keeps_only_leads_at_or_above_it(app_db):
    at = open_page()
    at.slider(key="min_score").set_value(60).run()
    table = at.dataframe[0].value
    assert 0 < len(table) < 20_000 and table["Qualification score"].min() >= 59.95


def test_searching_a_company_lists_only_its_leads(app_db):
    at = open_page()
    company = at.dataframe[0].value["Company"].iloc[0]
    at.text_input(key="lead_search").input(company.upper()).run()
    table = at.dataframe[0].value
    assert 0 < len(table) < 20_000
    assert table["Company"].str.lower().str.contains(company.lower(), regex=False).all()


def test_choosing_one_segment_in_the_sidebar_narrows_leads_and_accounts(app_db):
    at = open_page()
    accounts_before = len(at.dataframe[1].value)
    at.sidebar.multiselect(key="f_segments").set_value(["enterprise"]).run()
    assert not at.exception
    assert set(at.dataframe[0].value["Segment"]) == {"Enterprise"}
    assert 0 < len(at.dataframe[1].value) < accounts_before


def test_picking_another_lead_changes_the_explanation(app_db):
    at = open_page()
    before = [m.value for m in at.metric]
    options = at.selectbox(key="explain_lead").options
    at.selectbox(key="explain_lead").select_index(len(options) - 1).run()
    assert not at.exception
    assert [m.value for m in at.metric] != before


def test_leaving_leads_and_coming_back_keeps_the_filters(app_db):
    at = open_page()
    at.multiselect(key="stage_filter").set_value(["mql"]).run()
    at.slider(key="min_score").set_value(40).run()
    at.text_input(key="lead_search").input("a").run()
    narrowed = shown(at)
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/leads.py").run()
    assert not at.exception
    assert at.multiselect(key="stage_filter").value == ["mql"]
    assert (at.slider(key="min_score").value, at.text_input(key="lead_search").value) == (40, "a")
    assert shown(at) == narrowed != "Showing 20,000 of 20,000 leads"


def test_a_published_rule_on_an_attribute_the_data_lacks_is_named_above_the_scores(app_db):
    from lib.model import AttributeRule, default_model, with_attribute_rule
    from lib.store.model_versions import publish_model
    from lib.store.state import state
    from lib.store.workspace import open_workspace

    assert not open_page().warning  # the default model reads no attribute
    rule = AttributeRule("Rating__c", 10.0, equals="Hot")
    with state(open_workspace(app_db)) as conn:
        publish_model(conn, with_attribute_rule(default_model(), rule), "Ana", "r", based_on=0)
    warnings = [w.value for w in open_page().warning]
    assert len(warnings) == 1 and "Rating\\_\\_c" in warnings[0]
