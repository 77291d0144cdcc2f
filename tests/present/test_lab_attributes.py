"""The Scoring lab's Attributes part in words, and its rule editor's form <-> a rule."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib.errors import ModelError
from lib.features import history_features
from lib.ingest import import_sources
from lib.model import AttributeRule
from lib.present import lab_attributes as attrs
from lib.store.connection import connect

MAPPING = """
tables:
  leads:
    file: "leads*.csv"
    columns: {lead_id: Prospect ID, company_name: Company, converted: Converted}
    attributes: [Source, Visits]
"""
# Source: Ref 40 leads (30 converted), Web 60 (12), blank 20 (2): 44 of 120 converted
PLANTED = [("Ref", 40, 30), ("Web", 60, 12), ("", 20, 2)]


def leads_only(folder: Path, converted: bool = True) -> tuple[Path, Path]:
    rows = [["Prospect ID", "Company", "Converted", "Source", "Visits"]]
    i = 0
    for source, leads, wins in PLANTED:
        for k in range(leads):
            flag = str(int(k < wins)) if converted else ""
            rows.append([f"p{i:03d}", f"Co {i}", flag, source, str(i % 8)])
            i += 1
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "leads.csv").open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    mapping = MAPPING if converted else MAPPING.replace(", converted: Converted", "")
    (folder / "mapping.yaml").write_text(mapping)
    return folder / "leads.csv", folder / "mapping.yaml"


def profile_of(folder: Path, converted: bool = True) -> attrs.AttributeProfile:
    source, mapping = leads_only(folder, converted)
    conn = connect(":memory:")
    import_sources(conn, [source], mapping=mapping)
    return attrs.attribute_profile(conn, history_features(conn))


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> attrs.AttributeProfile:
    return profile_of(tmp_path_factory.mktemp("converted"))


def test_levels_carry_share_conversion_with_interval_and_lift(profile):
    assert (profile.outcome, profile.measured, profile.leads) == ("converted", 120, 120)
    table = attrs.levels_in_words(profile, "Source")
    assert list(table["Level"]) == ["Web", "Ref", "Blank"]  # largest first, blank last
    assert list(table["Leads"]) == [60, 40, 20]
    assert list(table["Share"]) == ["50.0%", "33.3%", "16.7%"]
    ref = table.set_index("Level").loc["Ref"]
    assert ref["Conversion"].startswith("75.0% (") and ref["Conversion"].endswith("%)")
    assert ref["Lift"] == f"{0.75 / (44 / 120):.2f}×"  # 2.05×
    blank = table.set_index("Level").loc["Blank"]
    assert blank["Conversion"].endswith("%) ⚠ small sample")


def test_number_levels_are_quartile_ranges_in_order(profile):
    table = attrs.levels_in_words(profile, "Visits")
    # Visits 0..7 repeating: 120 values split in four bins of 30, from 0 up to 7
    assert list(table["Leads"]) == [30, 30, 30, 30]
    assert table["Level"].iloc[0].startswith("0 to") and table["Level"].iloc[-1].endswith("to 7")


def test_the_summary_gives_type_fill_lift_range_and_no_leak_for_honest_fields(profile):
    table = attrs.attributes_in_words(profile).set_index("Attribute")
    assert table.loc["Source", "Type"] == "Category"
    assert table.loc["Source", "Filled"] == "83.3%"
    # Web 12/60 = 20%, Ref 30/40 = 75% of 44/120 overall; blank (20 leads) is flagged small
    assert table.loc["Source", "Lift"] == f"{0.2 / (44 / 120):.2f}–{0.75 / (44 / 120):.2f}×"
    assert table.loc["Visits", "Type"] == "Number"
    assert not table["AUC alone"].str.contains("leakage").any()
    assert "measured on the 120 leads with a converted flag" in attrs.profile_caption(profile)


def test_a_field_that_predicts_perfectly_is_flagged_as_likely_leakage():
    levels = pd.DataFrame(
        {
            "name": ["Tags", "Tags"],
            "level": ["Closed", "Ringing"],
            "low": [np.nan, np.nan],
            "high": [np.nan, np.nan],
            "leads": [40, 60],
            "wins": [40, 0],
        }
    ).assign(rate=lambda f: f["wins"] / f["leads"], rate_low=0.0, rate_high=1.0, lift=1.0)
    catalog = pd.DataFrame({"name": ["Tags"], "kind": ["category"], "filled": [100]})
    from lib.evaluate.attributes import attribute_summary

    profile = attrs.AttributeProfile(catalog, levels, attribute_summary(levels), 100, "won", 100)
    row = attrs.attributes_in_words(profile).iloc[0]
    assert row["AUC alone"] == f"1.00 {attrs.LEAKAGE_FLAG}"


def test_without_an_outcome_the_levels_count_every_lead(tmp_path):
    profile = profile_of(tmp_path, converted=False)
    assert profile.outcome is None
    table = attrs.levels_in_words(profile, "Source")
    assert list(table.columns) == ["Level", "Leads", "Share"]
    assert list(table["Leads"]) == [60, 40, 20]
    assert list(attrs.attributes_in_words(profile).columns) == ["Attribute", "Type", "Filled"]
    assert np.isnan(attrs.level_chart_rows(profile, "Source")["rate"]).all()


def test_chart_rows_flag_small_levels_in_their_label(profile):
    rows = attrs.level_chart_rows(profile, "Source")
    assert list(rows["label"]) == ["Web — 60 leads", "Ref — 40 leads", "Blank — 20 leads ⚠"]
    assert attrs.overall_rate(profile) == pytest.approx(44 / 120)


@pytest.mark.parametrize(
    ("level", "low", "high", "words"),
    [
        ("bin 1", 0.0, 2.0, "0 to 2"),
        ("bin 2", 1500.0, 1500.0, "1,500"),
        ("true", np.nan, np.nan, "Yes"),
        ("(blank)", np.nan, np.nan, "Blank"),
        ("(other)", np.nan, np.nan, "Other (levels under 30 leads)"),
        ("Web", np.nan, np.nan, "Web"),
    ],
)
def test_levels_read_as_words(level, low, high, words):
    assert attrs.level_words(level, low, high) == words


FORM = {"attribute": "Tier", "points": 12.0, "score": "behavior", "label": ""}


@pytest.mark.parametrize(
    ("kind", "fields", "rule"),
    [
        ("category", {"condition": "equals", "text": " Gold "}, {"equals": "Gold"}),
        ("category", {"condition": "contains", "text": "old"}, {"contains": "old"}),
        ("category", {"condition": "any_of", "levels": ["A", "B"]}, {"any_of": ("A", "B")}),
        ("category", {"condition": "blank", "blank": "is filled"}, {"blank": False}),
        ("number", {"condition": "range", "low": 3.0, "high": None}, {"at_least": 3.0}),
        (
            "number",
            {"condition": "range", "low": 1.0, "high": 5.0},
            {"at_least": 1.0, "below": 5.0},
        ),
        ("number", {"condition": "equals", "number": 4.0}, {"equals": 4.0}),
        ("boolean", {"condition": "equals", "flag": "No"}, {"equals": False}),
        ("date", {"condition": "contains", "text": "2024-"}, {"contains": "2024-"}),
    ],
)
def test_the_form_makes_the_rule_it_shows_and_shows_it_back(kind, fields, rule):
    made = attrs.attribute_rule(FORM | fields, kind)
    assert made == AttributeRule("Tier", 12.0, "behavior", **rule)
    assert attrs.attribute_rule(attrs.rule_form(made), kind) == made


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("category", {"condition": "equals", "text": "  "}, "Give the text to match"),
        ("category", {"condition": "any_of", "levels": []}, "Pick at least one value"),
        ("number", {"condition": "range", "low": None, "high": None}, "lowest value"),
        ("number", {"condition": "range", "low": 5.0, "high": 5.0}, "above the lowest"),
        ("number", {"condition": "equals", "number": None}, "Give the number"),
    ],
)
def test_a_form_missing_its_value_says_what_to_fill_in(kind, fields, message):
    with pytest.raises(ModelError, match=message):
        attrs.attribute_rule(FORM | fields, kind)


def test_a_label_given_is_kept_and_a_rule_reads_with_its_points():
    rule = attrs.attribute_rule(
        FORM | {"condition": "blank", "blank": "is blank", "label": " x "}, "date"
    )
    assert rule.label == "x"
    assert attrs.rule_in_words(AttributeRule("Partner_Tier__c", 20.0, equals="Gold")) == (
        "Partner Tier = Gold: +20 grade points"
    )


def test_observed_values_list_the_most_frequent_first():
    values = pd.Series(["b", "a", " b", None, "c", "a", "b"])
    assert attrs.observed_values(values) == ["b", "a", "c"]
    assert attrs.observed_values(values, limit=1) == ["b"]
