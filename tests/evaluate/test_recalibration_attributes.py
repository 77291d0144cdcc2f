"""Recalibration fits rules on lead attributes: on the sample it recovers the planted custom
fields (data/generate.py: custom_lead_fields), leaves the planted leak out unless kept, and a
leads-only export with a converted flag gets its rules through the command line."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pytest

from data.generate import CUSTOM_LEAD_FIELDS
from lib.cli import main
from lib.evaluate.recalibration import (
    Recalibration,
    export_recalibrated,
    recalibrate,
    recalibration_summary,
)
from lib.ingest import import_sources
from lib.model import AttributeRule, default_model, load_model
from lib.scoring import score_arrays
from lib.store.connection import connect
from tests.evaluate.test_attributes import planted

LEAK = "Sales_Status__c"


@pytest.fixture(scope="module")
def fitted(sample_conn: duckdb.DuckDBPyConnection) -> Recalibration:
    return recalibrate(sample_conn, default_model())


@pytest.fixture(scope="module")
def kept(sample_conn: duckdb.DuckDBPyConnection) -> Recalibration:
    return recalibrate(sample_conn, default_model(), keep_attributes=(LEAK,))


def points_for(rules: tuple[AttributeRule, ...], attribute: str, value: object) -> float:
    """Return the points a lead with this value earns from the rules on the attribute."""
    total = 0.0
    for rule in rules:
        if rule.attribute != attribute:
            continue
        if rule.equals is not None:
            total += rule.points * (rule.equals == value)
        elif rule.any_of is not None:
            total += rule.points * (value in rule.any_of)
        elif rule.blank is not None:
            total += rule.points * ((value is None) == rule.blank)
        elif isinstance(value, float):
            low = -np.inf if rule.at_least is None else rule.at_least
            high = np.inf if rule.below is None else rule.below
            total += rule.points * (low <= value < high)
    return total


def test_the_sample_keeps_the_planted_custom_fields_as_lead_attributes(sample_conn):
    kinds = dict(sample_conn.execute("select name, kind from attributes").fetchall())
    assert {name: kinds[name] for name in CUSTOM_LEAD_FIELDS} == {
        "Partner_Tier__c": "category",
        "Webinar_Minutes__c": "number",
        "Newsletter_Opt_In__c": "boolean",
        "Sales_Status__c": "category",
    }


def test_partner_tier_points_follow_the_planted_odds_gold_over_silver_over_bronze(fitted):
    # planted: winning's odds x3 for Gold, x1 for Silver, x0.4 for Bronze
    gold, silver, bronze = (
        points_for(fitted.model.attribute_rules, "Partner_Tier__c", tier)
        for tier in ("Gold", "Silver", "Bronze")
    )
    assert gold > silver > bronze
    assert all(r.score == "grade" for r in fitted.model.attribute_rules)  # no rule said otherwise


def test_webinar_minutes_earn_more_points_the_longer_a_lead_watched(fitted):
    # planted: winning's odds rise with every minute watched
    grid = [float(m) for m in range(0, 120, 2)]
    points = [points_for(fitted.model.attribute_rules, "Webinar_Minutes__c", m) for m in grid]
    assert all(b >= a for a, b in zip(points, points[1:], strict=False))
    assert points[-1] - points[0] >= 20


def test_the_field_with_no_planted_effect_is_screened_out(fitted):
    assert fitted.encoding.left_out["Newsletter_Opt_In__c"].startswith("no sign it matters")
    assert not [r for r in fitted.model.attribute_rules if r.attribute == "Newsletter_Opt_In__c"]


def test_the_planted_leak_is_flagged_and_left_out_saying_why(fitted):
    flagged = fitted.attributes.set_index("name")["likely_leakage"]
    assert flagged[LEAK] and not flagged.drop(LEAK).any()
    assert fitted.encoding.left_out[LEAK].startswith("likely leakage: its values alone rank")
    assert LEAK not in {r.attribute for r in fitted.model.attribute_rules}
    summary = recalibration_summary(fitted)
    assert summary["left_out_attributes"][LEAK] == fitted.encoding.left_out[LEAK]
    row = next(a for a in summary["attributes"] if a["name"] == LEAK)
    assert (row["likely_leakage"], row["fitted"]) == (True, False)
    assert summary["split"] == "out_of_time" and summary["kept_attributes"] == []


def test_the_planted_fields_lift_the_held_out_auc_and_the_fit_stays_trusted(fitted):
    assert fitted.trusted, fitted.refusals
    assert fitted.metrics["recalibrated"].auc > fitted.metrics["current"].auc + 0.03
    # the penalty shrinks the levels: the guard counts fewer inputs than the columns fitted
    assert fitted.effective_inputs < fitted.counts["fitted_inputs"]


def test_a_kept_leak_is_fitted_and_wins_its_closed_won_status_the_most_points(kept):
    assert kept.kept_attributes == (LEAK,) and LEAK not in kept.encoding.left_out
    rules = [r for r in kept.model.attribute_rules if r.attribute == LEAK]
    won = points_for(kept.model.attribute_rules, LEAK, "Closed - Won")
    assert rules and won == max(r.points for r in rules) > 0
    assert kept.metrics["fitted"].auc > 0.95  # the answer, read back


def test_the_exported_model_reads_its_attribute_rules_in_words(fitted, tmp_path):
    path = export_recalibrated(fitted, tmp_path / "model.yaml")
    text = path.read_text()
    # a custom field's name reads in words in its labels; the rule still names the field
    assert "attribute: Partner_Tier__c" in text and "label: Partner Tier is Gold" in text
    note = load_model(path).note
    assert "Attribute rules fitted on Partner_Tier__c, Webinar_Minutes__c" in note
    assert f"Attributes left out: {LEAK} (likely leakage); Newsletter_Opt_In__c (no sign" in note
    assert load_model(path).attribute_rules == fitted.model.attribute_rules
    assert all(r.points == round(r.points * 2) / 2 for r in fitted.model.attribute_rules)


def test_keep_attribute_on_the_command_line_fits_the_flagged_field(sample_db_file, capsys):
    args = ["recalibrate", "--db", str(sample_db_file), "--json"]
    assert main([*args, "--keep-attribute", LEAK]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["kept_attributes"] == [LEAK]
    assert LEAK in {r["attribute"] for r in summary["attribute_rules"]}


def test_a_leads_only_export_recalibrates_its_attributes_through_the_command_line(tmp_path, capsys):
    source, mapping = planted(tmp_path / "export")
    db = tmp_path / "leads.duckdb"
    import_sources(connect(db), [source], mapping=mapping)
    assert main(["recalibrate", "--db", str(db), "--min-deals", "100", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["outcome"], summary["split"]) == ("converted", "random")
    rules = {r["label"]: r["points"] for r in summary["attribute_rules"]}
    # planted: Reference converts 60%, Google and blank 20%
    assert rules["Source is Reference"] > max(rules.get("Source is Google", 0.0), 0.0)
    assert set(summary["left_out_attributes"]) == {"Tags", "Visitor ID"}


def test_leads_without_a_company_are_not_all_disqualified_by_either_model(tmp_path):
    source, mapping = planted(tmp_path / "people")
    mapping.write_text(mapping.read_text().replace("company_name: Company, ", ""))
    conn = connect(":memory:")
    report = import_sources(conn, [source], mapping=mapping)
    assert any("blank-company no-go rule cannot apply" in w for w in report.warnings)
    result = recalibrate(conn, default_model(), min_closed_deals=100)
    # no lead names its company: the rule tells none apart, so it disqualifies none, under
    # today's model as under the recalibrated one, which keeps it for data that names companies
    assert result.model.grade.no_go.blank_company
    for model in (default_model(), result.model):
        assert not score_arrays(result.matrix, model).no_go.any()
    assert result.metrics["recalibrated"].auc > 0.65  # the planted Source effect, in points
