"""The Scoring lab on the sample: slider moves back-tested on history, publish, history, restore."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.model import default_model, with_half_life
from lib.store import model_versions
from lib.store.model_versions import model_history
from lib.store.state import state
from lib.store.workspace import open_workspace
from tests.fixtures import unescaped


def open_lab() -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=120)
    at.switch_page("pages/scoring_lab.py").run()
    assert not at.exception
    return at


def metric(at: AppTest, label: str) -> tuple[str, str]:
    found = next(m for m in at.metric if m.label == label)
    return found.value, found.delta


def publish(at: AppTest, author: str, note: str) -> None:
    at.text_input(key="lab_author").input(author)
    at.text_input(key="lab_note").input(note).run()
    at.button(key="lab_publish").click().run()
    assert not at.exception


def test_the_lab_renders_real_back_test_numbers_under_the_shared_sidebar(app_db):
    at = open_lab()
    assert {m.key for m in at.sidebar.multiselect} >= {"f_segments", "f_channels"}
    assert at.title[0].value == "Scoring lab"
    sqls, delta = metric(at, "Leads reaching SQL")
    assert int(sqls.replace(",", "")) > 0 and delta == "+0 leads"
    assert any(c.value.startswith("Recomputed 20,000 historical leads in") for c in at.caption)
    assert any("closed deals" in c.value and "(" in c.value for c in at.caption)
    assert at.button(key="lab_publish").disabled


def test_lowering_the_sql_threshold_shows_more_sqls_as_deltas_with_counts(app_db):
    at = open_lab()
    before, _ = metric(at, "Leads reaching SQL")
    at.slider(key="lab_sql_threshold").set_value(70.0).run()
    assert not at.exception
    after, delta = metric(at, "Leads reaching SQL")
    gained = int(after.replace(",", "")) - int(before.replace(",", ""))
    assert gained > 0 and delta == f"+{gained:,} leads"
    assert metric(at, "MQL→SQL conversion")[1].endswith(f"(+{gained:,} SQLs)")
    changed = at.dataframe[1].value
    assert len(changed) > 0 and set(changed["Stage"]) <= {"SAL → SQL", "MQL → SQL"}
    assert "- Enterprise SQL threshold 80 → 70" in [m.value for m in at.markdown]


def test_weights_are_renormalised_and_reset_returns_to_published(app_db):
    at = open_lab()
    at.slider(key="lab_weight_fit").set_value(1.0).run()
    weights = next(c.value for c in at.caption if c.value.startswith("Weights are"))
    assert "fit 57%" in weights  # 1.0 of a raw total of 1.75: the other four sum to 0.75
    assert metric(at, "Leads reaching MQL")[1] != "+0 leads"
    at.button(key="lab_reset").click().run()
    assert at.slider(key="lab_weight_fit").value == 0.25
    assert metric(at, "Leads reaching MQL")[1] == "+0 leads"


def test_a_sidebar_segment_narrows_the_changed_leads_listed_not_the_back_test(app_db):
    at = open_lab()
    at.slider(key="lab_sql_threshold").set_value(70.0).run()
    sqls, listed = metric(at, "Leads reaching SQL"), at.dataframe[1].value
    assert set(listed["Segment"]) == {"Enterprise"}  # only enterprise's threshold moved
    at.sidebar.multiselect(key="f_segments").set_value(["smb"]).run()
    assert not at.exception and metric(at, "Leads reaching SQL") == sqls
    assert len(at.dataframe[1].value) == 0 < len(listed)


def test_publishing_writes_a_version_shown_in_history_and_restore_brings_one_back(app_db):
    at = open_lab()
    at.slider(key="lab_sql_threshold").set_value(70.0).run()
    publish(at, "Ana", "Fewer enterprise leads waiting at SAL")
    assert at.sidebar.caption[1].value == "Published version 1"
    assert metric(at, "Leads reaching SQL")[1] == "+0 leads"  # the lab now starts from v1
    at.slider(key="lab_mql_threshold").set_value(40.0).run()
    publish(at, "Ben", "Looser MQL bar")
    titles = [e.label for e in at.expander if e.label.startswith("Version")]
    assert titles[0].startswith("Version 2 — Ben") and titles[1].startswith("Version 1 — Ana")
    assert "- Enterprise MQL threshold 50 → 40" in [m.value for m in at.markdown]
    assert at.button(key="lab_restore_1").disabled  # a restore is recorded under a name
    at.text_input(key="lab_restorer").input("Cleo").run()
    at.button(key="lab_restore_1").click().run()
    assert not at.exception
    with state(open_workspace(app_db)) as conn:
        history = model_history(conn)
    assert list(history["version"]) == [1, 2, 3]
    assert history["note"].iloc[-1] == "Restored version 1"
    assert history["author"].iloc[-1] == "Cleo"
    assert at.sidebar.caption[1].value == "Published version 3"
    assert "- Enterprise MQL threshold 40 → 50" in [m.value for m in at.markdown]


def test_switching_segment_shows_its_settings_and_keeps_the_other_segments_edits(app_db):
    at = open_lab()
    at.slider(key="lab_sql_threshold").set_value(70.0).run()
    at.selectbox(key="lab_segment").set_value("smb").run()
    assert not at.exception
    assert at.slider(key="lab_sql_threshold").value == 80.0
    at.slider(key="lab_mql_threshold").set_value(45.0).run()
    diff = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert diff == ["- Enterprise SQL threshold 80 → 70\n- SMB MQL threshold 50 → 45"]


def test_publishing_clears_the_name_and_note_it_was_published_with(app_db):
    at = open_lab()
    at.slider(key="lab_sql_threshold").set_value(70.0).run()
    publish(at, "Ana", "Fewer enterprise leads waiting at SAL")
    assert at.text_input(key="lab_author").value == ""
    assert at.text_input(key="lab_note").value == ""


def test_the_default_model_can_be_restored_like_any_version(app_db):
    at = open_lab()
    at.slider(key="lab_sql_threshold").set_value(70.0).run()
    publish(at, "Ana", "Lower SQL bar")
    at.text_input(key="lab_restorer").input("Ben").run()
    at.button(key="lab_restore_0").click().run()
    assert not at.exception
    with state(open_workspace(app_db)) as conn:
        history = model_history(conn)
    assert list(history["note"]) == ["Lower SQL bar", "Restored the default model"]
    assert at.sidebar.caption[1].value == "Published version 2"
    assert "- Enterprise SQL threshold 70 → 80" in [m.value for m in at.markdown]


def test_leaving_the_lab_and_coming_back_keeps_the_unsaved_edits(app_db):
    at = open_lab()
    at.selectbox(key="lab_segment").set_value("smb").run()
    at.slider(key="lab_mql_threshold").set_value(45.0).run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    at.switch_page("pages/scoring_lab.py").run()
    assert not at.exception
    assert at.selectbox(key="lab_segment").value == "smb"
    assert at.slider(key="lab_mql_threshold").value == 45.0
    diff = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert diff == ["- SMB MQL threshold 50 → 45"]


def test_a_publish_from_elsewhere_keeps_unsaved_edits_and_says_so(app_db):
    from lib.model import default_model, with_thresholds
    from lib.store.model_versions import publish_model

    at = open_lab()
    at.slider(key="lab_sql_threshold").set_value(70.0).run()
    other = with_thresholds(default_model(), "smb", 40, 80)
    with state(open_workspace(app_db)) as conn:  # another session (or the CLI) publishes
        publish_model(conn, other, "Dee", "Looser SMB bar", based_on=0)
    at.run()
    assert not at.exception
    assert any("Version 1 was published while you were editing" in w.value for w in at.warning)
    diff = [m.value for m in at.markdown if m.value.startswith("- ")]
    # the pending diff against version 1 holds only this session's edit: Dee's is not undone
    assert diff[0] == "- Enterprise SQL threshold 80 → 70"


def test_two_sessions_publishing_from_one_version_the_later_is_refused_not_reverting(
    app_db, monkeypatch
):
    ben = open_lab()
    ben.slider(key="lab_mql_threshold").set_value(40.0).run()
    assert ben.button(key="lab_publish").label == "Publish as version 1"
    publish_now = model_versions.publish_model

    def ana_first(conn, *args, **kwargs):  # Ana's click on "Publish as version 1" lands first
        publish_now(conn, with_half_life(default_model(), 14), "Ana", "faster decay", based_on=0)
        return publish_now(conn, *args, **kwargs)

    monkeypatch.setattr(model_versions, "publish_model", ana_first)
    publish(ben, "Ben", "Looser MQL bar")
    assert "Not published: you started from the default model, but version 1 by Ana" in (
        unescaped(ben.error[0].value)
    )
    with state(open_workspace(app_db)) as conn:
        assert list(model_history(conn)["author"]) == ["Ana"]
        assert model_versions.published_model(conn).half_life_days == 14
