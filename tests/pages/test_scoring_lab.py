"""The Scoring lab on the sample: slider moves back-tested on history, publish, history, restore."""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lib.cli import main
from lib.features import history_features, lead_features
from lib.model import (
    AttributeRule,
    ScoringModel,
    default_model,
    with_attribute_rule,
    with_half_life,
)
from lib.present import lab_attributes
from lib.scoring import explain_lead, feature_matrix, score_arrays
from lib.scoring.matrix import STAGE_CODES
from lib.store import model_versions
from lib.store.connection import DB_ENV_VAR
from lib.store.model_versions import model_history, publish_model, published_model
from lib.store.state import current_versions, state
from lib.store.workspace import open_dataset, open_workspace
from tests.fixtures import attribute_export, unescaped


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


# --- attributes and attribute rules ----------------------------------------------------------

GOLD = {"attribute": "Tier__c", "condition": "equals", "text": "gold", "points": 40.0}


@pytest.fixture(scope="module")
def attribute_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a workspace holding an export with two kept lead attributes, imported once."""
    folder = tmp_path_factory.mktemp("attributes")
    db = folder / "qualify.duckdb"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["import", str(attribute_export(folder)), "--db", str(db)]) == 0
    return db


@pytest.fixture
def attribute_db(attribute_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Point the app at a private copy of the attribute workspace (tests publish)."""
    path = tmp_path / "app.duckdb"
    shutil.copy(attribute_workspace, path)
    datasets = attribute_workspace.name + ".datasets"
    shutil.copytree(
        attribute_workspace.with_name(datasets), path.with_name(path.name + ".datasets")
    )
    monkeypatch.setenv(DB_ENV_VAR, str(path))
    return path


def mql_delta(db: Path, rule: AttributeRule, base: ScoringModel | None = None) -> int:
    """Return how many more leads reach MQL (MQL, SAL or SQL) on history once `rule` is added
    to `base` (the default model), in a model whose features load its attributes themselves
    (as a published model's do)."""
    plain = base or default_model()
    ruled = with_attribute_rule(plain, rule)
    workspace = open_workspace(db)
    with open_dataset(workspace, current_versions(workspace).dataset) as conn:
        matrix = feature_matrix(history_features(conn, model=ruled))
    reached = [STAGE_CODES[s] for s in ("mql", "sal", "sql")]
    counts = [np.isin(score_arrays(matrix, m).stage_code, reached).sum() for m in (plain, ruled)]
    return int(counts[1] - counts[0])


def open_rules(at: AppTest) -> AppTest:
    """Open the Attribute rules expander: drawn only while open, as a person's click reruns."""
    at.session_state["lab_rules"] = True
    at.run()
    assert not at.exception
    return at


def add_rule(at: AppTest, **form) -> None:
    keys = lab_attributes.RULE_KEYS
    if not at.session_state["lab_rules"]:
        open_rules(at)
    at.selectbox(key=keys["attribute"]).set_value(form["attribute"]).run()
    at.selectbox(key=keys["condition"]).set_value(form["condition"]).run()
    if "text" in form:
        at.text_input(key=keys["text"]).input(form["text"])
    if "low" in form:
        at.number_input(key=keys["low"]).set_value(form["low"])
    at.slider(key=keys["points"]).set_value(form["points"])
    at.radio(key=keys["score"]).set_value(form.get("score", "behavior")).run()
    button = "lab_rule_save" if "lab_rule_editing" in at.session_state else "lab_rule_add"
    at.button(key=button).click().run()
    assert not at.exception and not at.error


def open_attributes_tab(at: AppTest) -> AppTest:
    """Select the Attributes tab: drawn only while open, as a person's click reruns the page."""
    at.session_state["lab_tab"] = "Attributes"
    at.run()
    assert not at.exception
    return at


def test_the_attributes_tab_lists_each_kept_attribute_with_its_levels(attribute_db):
    at = open_lab()
    assert not [d for d in at.dataframe if "Attribute" in d.value.columns]  # not drawn closed
    open_attributes_tab(at)
    table = next(d.value for d in at.dataframe if "Attribute" in d.value.columns)
    types = dict(zip(table["Attribute"], table["Type"], strict=True))
    assert (types["Tier"], types["Visits"]) == ("Category", "Number")  # custom fields in words
    assert table.set_index("Attribute").loc["Tier", "Filled"] == "75.0%"
    at.selectbox(key="lab_attribute_view").set_value("Tier__c").run()
    levels = next(d.value for d in at.dataframe if "Level" in d.value.columns)
    assert {"Level", "Leads", "Share", "Win rate", "Lift"} <= set(levels.columns)
    assert not at.exception


def test_adding_editing_and_removing_a_rule_moves_the_back_test_by_what_it_adds(attribute_db):
    at = open_lab()
    assert metric(at, "Leads reaching MQL")[1] == "+0 leads"
    gold = AttributeRule("Tier__c", 40.0, "behavior", equals="gold")
    expected = mql_delta(attribute_db, gold)
    assert expected > 0  # Gold leads gain 40 behaviour points: some cross the MQL line
    add_rule(at, **GOLD)
    assert metric(at, "Leads reaching MQL")[1] == f"+{expected:,} leads"
    changed = next(d.value for d in at.dataframe if "Score change" in d.value.columns)
    assert len(changed) > 0 and (changed["Score change"] > 0).all()  # points only add
    diff = [unescaped(m.value) for m in at.markdown if m.value.startswith("- ")]
    assert diff == ["- attribute rule added: Tier__c = gold (+40 behaviour points)"]

    at.button(key="lab_rule_edit_0").click().run()
    assert at.slider(key=lab_attributes.RULE_KEYS["points"]).value == 40.0  # the form shows it
    add_rule(at, **(GOLD | {"points": 15.0}))
    weaker = mql_delta(attribute_db, replace(gold, points=15.0))
    assert 0 <= weaker < expected
    assert metric(at, "Leads reaching MQL")[1] == f"+{weaker:,} leads"

    at.button(key="lab_rule_remove_0").click().run()
    assert metric(at, "Leads reaching MQL")[1] == "+0 leads"
    assert not [m for m in at.markdown if m.value.startswith("- ")]


def test_a_rule_on_an_attribute_the_published_model_never_read_back_tests_at_once(attribute_db):
    # the published model reads Tier__c only, so the lab's history loaded no Visits__c values
    published = with_attribute_rule(default_model(), AttributeRule("Tier__c", 5.0, equals="Gold"))
    with state(open_workspace(attribute_db)) as conn:
        publish_model(conn, published, "Ana", "tier", based_on=0)
    at = open_lab()
    add_rule(at, attribute="Visits__c", condition="range", low=8.0, points=40.0)
    visits = AttributeRule("Visits__c", 40.0, "behavior", at_least=8.0)
    expected = mql_delta(attribute_db, visits, base=replace(published, version=1))
    assert expected > 0 and metric(at, "Leads reaching MQL")[1] == f"+{expected:,} leads"


def test_a_draft_rule_is_kept_when_leaving_the_lab_and_published_with_the_model(attribute_db):
    at = open_lab()
    add_rule(at, **GOLD)
    delta = metric(at, "Leads reaching MQL")
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/scoring_lab.py").run()
    assert not at.exception and metric(at, "Leads reaching MQL") == delta
    publish(at, "Ana", "Gold tier counts")
    with state(open_workspace(attribute_db)) as conn:
        stored = published_model(conn)
    assert stored.attribute_rules == (AttributeRule("Tier__c", 40.0, "behavior", equals="gold"),)
    workspace = open_workspace(attribute_db)
    with open_dataset(workspace, current_versions(workspace).dataset) as conn:
        features = lead_features(conn, model=stored)
    gold = features[features["attribute: Tier__c"] == "Gold"].head(1)
    assert "Tier__c = gold" in set(explain_lead(gold, stored)["factor"])


def test_a_rule_on_an_attribute_the_data_lacks_is_named(app_db):
    rule = AttributeRule("Rating__c", 10.0, equals="Hot")
    with state(open_workspace(app_db)) as conn:
        publish_model(conn, with_attribute_rule(default_model(), rule), "Ana", "r", based_on=0)
    at = open_lab()
    assert any("attribute 'Rating__c', which this data does not hold" in unescaped(w.value)
               for w in at.warning)  # fmt: skip
    assert not at.exception


def test_data_keeping_no_attribute_says_how_to_keep_them(tmp_path, monkeypatch):
    (tmp_path / "leads.csv").write_text("Prospect ID,Company,Converted\np1,Acme,1\np2,Bolt,0\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "tables:\n  leads:\n    file: leads.csv\n"
        "    columns: {lead_id: Prospect ID, company_name: Company, converted: Converted}\n"
    )
    db = tmp_path / "plain.duckdb"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        command = ["import", str(tmp_path / "leads.csv"), "--mapping", str(mapping)]
        assert main([*command, "--db", str(db)]) == 0
    monkeypatch.setenv(DB_ENV_VAR, str(db))
    at = open_attributes_tab(open_lab())
    assert any(
        "keeps no lead attributes" in i.value and "`attributes:`" in i.value for i in at.info
    )
    open_rules(at)
    assert any("No lead attributes are kept" in c.value for c in at.caption)


def test_a_published_rule_beyond_the_sliders_range_can_be_edited(attribute_db):
    rule = AttributeRule("Visits__c", 80.0, "behavior", at_least=12.0)  # a fitted rule, say
    with state(open_workspace(attribute_db)) as conn:
        publish_model(conn, with_attribute_rule(default_model(), rule), "Ana", "fit", based_on=0)
    at = open_rules(open_lab())
    at.button(key="lab_rule_edit_0").click().run()
    keys = lab_attributes.RULE_KEYS
    assert not at.exception
    assert at.slider(key=keys["points"]).value == 80.0
    assert at.number_input(key=keys["low"]).value == 12.0
    assert at.selectbox(key=keys["condition"]).value == "range"


def test_a_rule_missing_its_value_is_not_applied_and_says_what_to_fill_in(attribute_db):
    at = open_lab()
    assert not [e for e in at.selectbox if e.key == lab_attributes.RULE_KEYS["attribute"]]
    open_rules(at)
    keys = lab_attributes.RULE_KEYS
    at.selectbox(key=keys["attribute"]).set_value("Tier__c").run()
    at.selectbox(key=keys["condition"]).set_value("any_of").run()
    assert at.multiselect(key=keys["levels"]).options == ["Bronze", "Gold", "Silver"]
    at.button(key="lab_rule_add").click().run()
    assert "Not applied: Pick at least one value." in unescaped(at.error[0].value)
    assert metric(at, "Leads reaching MQL")[1] == "+0 leads" and not at.exception


def test_reset_to_published_drops_draft_rules_and_the_rule_being_edited(attribute_db):
    at = open_lab()
    add_rule(at, **GOLD)
    at.button(key="lab_rule_edit_0").click().run()
    at.button(key="lab_reset").click().run()
    assert not at.exception and "lab_rule_editing" not in at.session_state
    assert metric(at, "Leads reaching MQL")[1] == "+0 leads"
    assert at.button(key="lab_rule_add") and not [
        b for b in at.button if b.key == "lab_rule_edit_0"
    ]
