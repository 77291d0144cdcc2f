"""Rules on any attribute in the model file: points in the grade or the behaviour score,
explained like every other factor and named in the exported qualify_reasons."""

from __future__ import annotations

import csv
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml

from lib.errors import ModelError
from lib.features import lead_features
from lib.ingest import import_sources
from lib.model import (
    AttributeRule,
    attribute_rule_label,
    default_model,
    model_from_yaml,
    model_to_dict,
    model_to_yaml,
)
from lib.scoring import explain_lead, feature_matrix, score_leads
from lib.scoring.matrix import attribute_hits
from lib.store.connection import connect

ROWS = [
    ["Prospect ID", "Company", "Lead Source", "TotalVisits", "Tags", "Newsletter"],
    ["a1", "Acme", "Reference", "12", "Will revert after reading", "Yes"],
    ["a2", "Bolt", "Google", "3", "Ringing", "No"],
    ["a3", "Core", "  google ", "", "", "No"],
    ["a4", "Dune", "Olark Chat", "5", "Closed by Horizzon", ""],
]
MAPPING = """
tables:
  leads:
    file: "leads*.csv"
    columns: {lead_id: Prospect ID, company_name: Company}
    attributes: all
"""
RULES = (
    AttributeRule("Lead Source", 20.0, equals="Reference"),
    AttributeRule("Lead Source", 5.0, any_of=("Google", "Organic Search")),
    AttributeRule("TotalVisits", 30.0, score="behavior", at_least=5.0),
    AttributeRule("Tags", 10.0, score="behavior", contains="REVERT", label="says they will revert"),
    AttributeRule("Tags", -4.0, blank=True),
    AttributeRule("Newsletter", 2.0, equals=True),
)


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("rules")
    with (folder / "leads.csv").open("w", newline="") as f:
        csv.writer(f).writerows(ROWS)
    (folder / "mapping.yaml").write_text(MAPPING)
    db = connect(":memory:")
    import_sources(db, [folder / "leads.csv"], mapping=folder / "mapping.yaml")
    return db


def by_lead(frame, column):
    return dict(zip(frame["lead_id"], frame[column], strict=True))


def test_each_condition_picks_the_leads_it_names(conn):
    model = replace(default_model(), attribute_rules=RULES)
    features = lead_features(conn, model=model)
    matrix, ids = feature_matrix(features), features["lead_id"].to_numpy()
    hits = {attribute_rule_label(r): list(ids[attribute_hits(matrix, r)]) for r in RULES}
    assert hits == {
        "Lead Source = Reference": ["a1"],
        "Lead Source is one of Google, Organic Search": ["a2", "a3"],  # case and spaces ignored
        "5 <= TotalVisits": ["a1", "a4"],  # a3 has no value: no range holds it
        "says they will revert": ["a1"],
        "Tags is blank": ["a3"],
        "Newsletter = true": ["a1"],  # a boolean attribute (Yes/No)
    }


def test_grade_and_behaviour_gain_exactly_the_rules_points(conn):
    plain = default_model()
    ruled = replace(plain, attribute_rules=RULES)
    before = score_leads(lead_features(conn, model=plain), plain)
    after = score_leads(lead_features(conn, model=ruled), ruled)
    gained = {k: by_lead(after, "grade")[k] - v for k, v in by_lead(before, "grade").items()}
    # grade rules: Reference +20 and Newsletter +2 (a1); Google +5 (a2); Google +5, blank -4 (a3)
    assert gained == pytest.approx({"a1": 22.0, "a2": 5.0, "a3": 1.0, "a4": 0.0})
    # no activities: the behaviour score is the behaviour rules alone (30 + 10, 0, 0, 30)
    assert by_lead(after, "behavior_score") == pytest.approx(
        {"a1": 40.0, "a2": 0.0, "a3": 0.0, "a4": 30.0}
    )


def test_a_rule_is_explained_like_any_factor_and_named_in_qualify_reasons(conn):
    model = replace(default_model(), attribute_rules=RULES)
    features = lead_features(conn, model=model)
    scores = score_leads(features, model)
    a1 = features[features["lead_id"] == "a1"]
    explained = explain_lead(a1, model)
    assert np.isclose(explained["points"].sum(), by_lead(scores, "qualification_score")["a1"])
    factors = dict(zip(explained["factor"], explained["pillar"], strict=True))
    assert factors["Lead Source = Reference"] == "fit"
    assert factors["5 <= TotalVisits"] == "urgency"
    assert factors["says they will revert"] == "urgency"
    assert "5 <= TotalVisits" in by_lead(scores, "top_factors")["a1"]


def test_an_attribute_the_dataset_does_not_hold_matches_only_blank(conn):
    rules = (AttributeRule("Budget", 9.0, at_least=0.0), AttributeRule("Budget", 1.0, blank=True))
    model = replace(default_model(), attribute_rules=rules)
    matrix = feature_matrix(lead_features(conn, model=model))
    assert [int(attribute_hits(matrix, r).sum()) for r in rules] == [0, 4]


def test_rules_round_trip_through_the_model_file_without_empty_keys():
    model = replace(default_model(), attribute_rules=RULES[:1])
    assert model_to_dict(model)["attribute_rules"] == [
        {"attribute": "Lead Source", "points": 20.0, "score": "grade", "equals": "Reference"}
    ]
    assert model_from_yaml(model_to_yaml(model)).attribute_rules == RULES[:1]
    assert "attribute_rules" not in model_to_dict(default_model())


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"attribute": "A", "points": 1.0}, "attribute_rules[0]: give exactly one condition"),
        (
            {"attribute": "A", "points": 1.0, "equals": "x", "blank": True},
            "not equals and blank",
        ),
        (
            {"attribute": "A", "points": 1.0, "at_least": 5.0, "below": 5.0},
            "attribute_rules[0].below: must be above at_least (5)",
        ),
        (
            {"attribute": "A", "points": "ten", "blank": True},
            "attribute_rules[0].points: expected a number, got 'ten'",
        ),
        ({"attribute": "A", "points": 1.0, "blank": True, "scor": "grade"}, "scor"),
        ({"attribute": "A", "points": 1.0, "blank": True, "score": "fit"}, "score"),
    ],
)
def test_a_rule_the_model_cannot_read_is_refused_with_its_path(rule, message):
    data = model_to_dict(default_model()) | {"attribute_rules": [rule]}
    with pytest.raises(ModelError, match=re.escape(message)):
        model_from_yaml(yaml.safe_dump(data))


def test_a_matrix_given_an_attribute_later_scores_as_one_built_with_it(conn):
    """The Scoring lab's draft reads attributes the published model's features never loaded."""
    from lib.features.attributes import attribute_series
    from lib.features.leads import ATTRIBUTE_PREFIX
    from lib.scoring import score_arrays
    from lib.scoring.matrix import with_attribute_values

    ruled = replace(default_model(), attribute_rules=RULES)
    plain_features = lead_features(conn, model=default_model())
    plain = feature_matrix(plain_features)
    score_arrays(plain, ruled)  # memoises every rule as matching nothing but blank
    names = ["Lead Source", "TotalVisits", "Tags", "Newsletter"]
    values = attribute_series(conn, names)
    ids = plain_features["lead_id"]
    added = with_attribute_values(
        plain, pd.DataFrame({ATTRIBUTE_PREFIX + n: ids.map(s) for n, s in values.items()})
    )
    direct = feature_matrix(lead_features(conn, model=ruled))
    assert plain.attributes == {} and set(added.attributes) == set(names)
    np.testing.assert_array_equal(
        score_arrays(added, ruled).qualification_score,
        score_arrays(direct, ruled).qualification_score,
    )
    assert added.revenue_usd is plain.revenue_usd  # every other array shared, not copied


def test_a_rule_with_new_points_reuses_the_leads_its_condition_picked(conn):
    model = replace(default_model(), attribute_rules=RULES)
    matrix = feature_matrix(lead_features(conn, model=model))
    first = attribute_hits(matrix, RULES[0])
    again = attribute_hits(matrix, replace(RULES[0], points=-7.0, score="behavior", label="x"))
    assert again is first and len(matrix.cache["attribute"]) == 1
    assert attribute_hits(matrix, replace(RULES[0], equals="Google")) is not first
