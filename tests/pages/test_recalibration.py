"""The Recalibration page on the sample: a fit validated out of time, guarded export and publish."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.store.model_versions import model_history
from lib.store.state import state
from lib.store.workspace import open_workspace
from tests.fixtures import unescaped


def fitted_page(min_deals: int | None = None) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=120)
    at.switch_page("pages/recalibration.py").run()
    assert not at.exception
    if min_deals is not None:
        at.number_input(key="recal_min_deals").set_value(min_deals).run()
    at.button(key="recal_run").click().run()
    assert not at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def downloads_disabled(at: AppTest) -> list[bool]:
    return [d.proto.disabled for d in at.get("download_button")]


def test_recalibration_waits_for_the_button_under_the_shared_sidebar(app_db):
    at = AppTest.from_file("../../app.py", default_timeout=120)
    at.switch_page("pages/recalibration.py").run()
    assert not at.exception
    assert {m.key for m in at.sidebar.multiselect} >= {"f_segments", "f_channels"}
    assert at.title[0].value == "Recalibration"
    assert not at.metric and not at.get("plotly_chart")


def table(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_fit_on_the_sample_shows_deals_aucs_charts_and_tables(app_db):
    at = fitted_page()
    # the sample: 4,209 closed deals, 1,035 of them from a lead: those leads are learnt from
    assert metric(at, "Leads with a closed deal to learn from") == "1,035"
    assert any("holds 4,209 closed deals" in c.value for c in at.caption)
    aucs = [float(m.value) for m in at.metric if m.label.startswith("ROC AUC")]
    assert len(aucs) == 3 and all(0.5 < a < 1 for a in aucs)
    assert len(at.get("plotly_chart")) == 2
    signals, weights = table(at, "Signal"), table(at, "Setting")
    assert "Pricing page views" in set(signals["Signal"])
    # a bounce after routing is no longer a signal: on the sample it is left out as too rare
    bounced = signals[signals["Signal"] == "Bounced email"].iloc[0]
    assert bounced["Left out of the fit"].startswith("seen on 1 training leads")
    assert {"Setting", "Segment", "Name", "Current", "Recalibrated"} <= set(weights.columns)
    assert "Mid-market" in set(weights["Segment"]) and not at.warning
    assert not any(downloads_disabled(at))


def test_routing_on_history_is_shown_and_thresholds_can_keep_todays_mql_volume(app_db):
    at = fitted_page()
    routing = table(at, "Reached MQL")
    assert routing["Model"].tolist() == ["Current model", "Recalibrated model"]
    today = int(routing["Reached MQL"].iloc[0])
    assert at.number_input(key="recal_mql_volume").value == today
    at.checkbox(key="recal_keep").check().run()
    assert not at.exception
    kept = table(at, "Reached MQL")
    assert kept["Model"].tolist()[1] == f"Recalibrated model, thresholds for {today:,} MQLs"
    assert abs(int(kept["Reached MQL"].iloc[1]) - today) <= 0.03 * today


def test_a_different_held_out_share_changes_the_validation(app_db):
    at = fitted_page()
    periods = [c.value for c in at.caption if c.value.startswith("Fitted on")]
    aucs = [m.value for m in at.metric if m.label.startswith("ROC AUC")]
    at.slider(key="recal_test_share").set_value(0.4).run()
    assert not at.exception
    assert [c.value for c in at.caption if c.value.startswith("Fitted on")] != periods
    assert [m.value for m in at.metric if m.label.startswith("ROC AUC")] != aucs


def test_under_the_minimum_export_and_publish_are_refused_until_forced(app_db):
    at = fitted_page(min_deals=5_000)
    refused = unescaped(at.warning[0].value)
    assert "only 1,035 leads with a closed deal to learn from (< 5,000)" in refused
    assert all(downloads_disabled(at)) and len(downloads_disabled(at)) == 3
    at.text_input(key="recal_author").input("Ana").run()
    assert at.button(key="recal_publish").disabled
    at.checkbox(key="recal_force").check().run()
    assert not any(downloads_disabled(at))
    at.button(key="recal_publish").click().run()
    assert not at.exception
    assert "Published as version 1" in at.success[0].value
    with state(open_workspace(app_db)) as conn:
        history = model_history(conn)
    assert list(history["author"]) == ["Ana"]
    assert history["note"].iloc[0].startswith("Recalibrated from model version")


def test_leaving_recalibration_and_coming_back_keeps_its_settings(app_db):
    at = AppTest.from_file("../../app.py", default_timeout=120)
    at.switch_page("pages/recalibration.py").run()
    at.number_input(key="recal_min_deals").set_value(120).run()
    at.slider(key="recal_test_share").set_value(0.3).run()
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/recalibration.py").run()
    assert not at.exception
    assert at.number_input(key="recal_min_deals").value == 120
    assert at.slider(key="recal_test_share").value == 0.3


def test_attribute_rules_are_shown_and_a_flagged_leak_is_fitted_only_when_kept(app_db):
    at = fitted_page()
    rules = table(at, "Adds to")
    assert set(rules["Attribute"]) == {"Partner Tier", "Webinar Minutes"}
    assert set(rules["Field in the export"]) == {"Partner_Tier__c", "Webinar_Minutes__c"}
    said = [unescaped(m.value) for m in at.markdown]
    assert any(
        s.startswith("- Sales Status (Sales_Status__c) left out: likely leakage") for s in said
    )
    keep = at.multiselect(key="recal_keep_attributes")
    assert keep.options == ["Sales Status"] and keep.value == []
    keep.select("Sales_Status__c").run()
    assert not at.exception
    assert "Sales_Status__c" in set(table(at, "Adds to")["Field in the export"])
    assert any("Kept although flagged" in c.value for c in at.caption)
