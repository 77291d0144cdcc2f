"""A real leads-only export (X Education's leads: a converted flag, 34 other columns, no
company names, no dates) end to end through the command line: imported through its mapping,
scored with a rule on an attribute, recalibrated on the converted flag with a random split,
exported as a model file that loads back, the sales-set Tags flagged as leakage."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest
import yaml

from lib.cli import main
from lib.model import default_model, load_model, save_model
from lib.model.scoring_model import AttributeRule
from tests.fixtures import X_EDUCATION_MAPPING, x_education_subset

LEADS, CONVERTED = 3000, 1156  # the subset: round(3000 * 3561 / 9240) converted


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    folder = tmp_path_factory.mktemp("x_education")
    export = x_education_subset(folder, leads=LEADS)
    db = str(folder / "q.duckdb")
    assert main(["import", str(export), "--mapping", str(X_EDUCATION_MAPPING), "--db", db]) == 0
    return folder, db


def test_the_import_says_what_a_leads_only_file_cannot_do(tmp_path, capsys):
    export = x_education_subset(tmp_path, leads=200)
    db = str(tmp_path / "q.duckdb")
    assert main(["import", str(export), "--mapping", str(X_EDUCATION_MAPPING), "--db", db]) == 0
    printed = capsys.readouterr().out
    assert "leads                 200 rows" in printed
    assert "no company names in this export" in printed
    assert "blank-company no-go rule cannot apply" in printed


def test_a_rule_on_an_attribute_scores_the_leads_it_names(database, tmp_path, capsys):
    folder, db = database
    model = replace(
        default_model(),
        attribute_rules=(
            AttributeRule(attribute="Lead Origin", points=20.0, equals="Lead Add Form"),
        ),
    )
    save_model(model, tmp_path / "ruled.yaml")
    out = tmp_path / "scores.csv"
    ruled_model = str(tmp_path / "ruled.yaml")
    assert main(["score", "--db", db, "--model", ruled_model, "--out", str(out)]) == 0
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == LEADS
    # no company column: no lead is recycled for a blank company
    assert "recycled" not in capsys.readouterr().out
    ruled = [r for r in rows if "Lead Origin = Lead Add Form" in r["qualify_reasons"]]
    others = [r for r in rows if r not in ruled]
    assert ruled and others
    # nothing else sets the grade here: the base 30 points, and the rule's 20 on top
    assert {float(r["qualify_grade"]) for r in ruled} == {50.0}
    assert {float(r["qualify_grade"]) for r in others} == {30.0}


def test_recalibration_learns_converted_flags_tags_and_exports_a_model(database, tmp_path, capsys):
    _, db = database
    path = tmp_path / "recalibrated.yaml"
    capsys.readouterr()
    assert main(["recalibrate", "--db", db, "--json", "--out", str(path), "--force"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["outcome"], out["split"]) == ("converted", "random")
    assert out["leads_with_outcome"] == LEADS and out["closed_deals"] == 0
    # a quarter held out, stratified: a quarter of the converted leads among them
    assert (out["test_size"], out["test_wins"]) == (LEADS // 4, round(CONVERTED / 4))
    flagged = {a["name"] for a in out["attributes"] if a["likely_leakage"]}
    # Tags is a call's verdict ("Closed by Horizzon", "Will revert after reading the email"):
    # alone it ranks the outcome at AUC >= 0.9 (0.92 on these training leads)
    assert "Tags" in flagged
    assert not flagged & {"Lead Origin", "Total Time Spent on Website", "Country"}
    # the model file: readable YAML whose note says what it learned, loading back as written
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["note"]
    model = load_model(path)
    assert "converted" in model.note
    save_model(model, tmp_path / "again.yaml")
    assert load_model(tmp_path / "again.yaml") == model
