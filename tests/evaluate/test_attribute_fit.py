"""Attribute levels for the fit, and fitted effects mapped back to rules, on hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.evaluate.attribute_fit import (
    AttributeEncoding,
    Level,
    attribute_encoding,
    attribute_rules,
    attribute_words,
    bin_edges,
    category_levels,
    level_columns,
    points_per_log_odds,
    rounded_points,
)
from lib.model import default_model, with_changes
from lib.scoring.matrix import attribute_hits, feature_matrix, with_attribute_values


def text(*groups: tuple[str | None, int]) -> np.ndarray:
    return np.array([value for value, n in groups for _ in range(n)], dtype=object)


def words(levels: list[Level]) -> list[str]:
    return [level.words for level in levels]


def test_common_values_get_a_level_each_and_rare_ones_are_pooled_under_one():
    # "a " and "A" are one value (rules ignore case and spaces); C and D are rare (< 30) but
    # together hold 35 leads, so they are pooled; 30 blank leads are a level of their own
    values = text(("A", 40), ("a ", 5), ("B", 35), ("C", 20), ("D", 15), (None, 30))
    encoding = attribute_encoding({"Source": values}, {"Source": "category"}, {})
    assert words(list(encoding.levels)) == ["is A", "is B", "is one of C, D", "is blank"]
    assert [level.leads for level in encoding.levels] == [45, 35, 35, 30]
    assert encoding.scores == {"Source": "grade"}  # grade unless its rules say otherwise


def test_an_id_like_column_and_one_with_too_many_common_values_are_left_out_saying_why():
    ids = np.array([f"v{i}" for i in range(200)], dtype=object)
    many = np.array([f"s{i % 26}" for i in range(26 * 30)], dtype=object)
    assert category_levels("Visitor", ids)[1].startswith("ID-like: 200 distinct values")
    assert category_levels("Segment", many)[1].startswith("too many values: 26 are on 30+")


def test_number_bins_sit_on_readable_quartile_edges():
    # 0..99 twice: the quartiles, taken at values it holds, are 25, 50 and 75
    visits = np.repeat(np.arange(100.0), 2)
    assert bin_edges(visits).tolist() == [25.0, 50.0, 75.0]
    levels = attribute_encoding({"Visits": visits}, {"Visits": "number"}, {}).levels
    assert words(list(levels)) == ["under 25", "25 to under 50", "50 to under 75", "75 or more"]
    assert [level.leads for level in levels] == [50, 50, 50, 50]
    # edges read with two significant digits: 1234.5 is written 1200
    assert bin_edges(np.repeat(np.linspace(0, 4938, 100), 2))[0] == 1200.0


def test_a_bin_under_the_minimum_is_merged_into_its_neighbour():
    # 100 zeros, 10 ones, 90 twos: the quartile edges 1 and 2 leave the ones alone (10 < 30),
    # so they join the smaller neighbour, the twos
    values = np.array([0.0] * 100 + [1.0] * 10 + [2.0] * 90)
    assert bin_edges(values).tolist() == [1.0]


def test_a_lead_number_is_an_id_but_a_measure_with_repeats_or_fractions_is_not():
    numbered = np.arange(1000.0, 1200.0)
    rng = np.random.default_rng(2)
    encoding = attribute_encoding(
        {"Lead Number": numbered, "Seconds": rng.integers(0, 50, 200) * 1.0,
         "Ratio": numbered / 7},
        {"Lead Number": "number", "Seconds": "number", "Ratio": "number"},
        {},
    )  # fmt: skip
    assert encoding.left_out["Lead Number"].startswith("ID-like: every one of its 200")
    assert encoding.attributes == ["Seconds", "Ratio"]


def test_a_column_with_one_value_a_date_and_leaks_are_left_out():
    encoding = attribute_encoding(
        {"Same": np.ones(100), "Signed": text(("2024-01-01", 100)), "Tags": text(("x", 100))},
        {"Same": "number", "Signed": "date", "Tags": "category"},
        {},
        left_out={"Tags": "likely leakage"},
    )
    assert not encoding.levels
    assert encoding.left_out["Same"].startswith("one value on nearly every training lead")
    assert encoding.left_out["Signed"].startswith("a date")
    assert encoding.left_out["Tags"] == "likely leakage"


def test_with_the_outcome_an_attribute_with_no_sign_of_mattering_is_screened_out():
    rng = np.random.default_rng(1)
    won = rng.random(400) < 0.3
    noise = np.where(rng.random(400) < 0.5, 1.0, 0.0)
    signal = np.where(won, 1.0, rng.random(400) < 0.3).astype("float64")
    encoding = attribute_encoding(
        {"Noise": noise, "Signal": signal}, {"Noise": "boolean", "Signal": "boolean"}, {}, won=won
    )
    assert encoding.attributes == ["Signal"]
    assert encoding.left_out["Noise"].startswith("no sign it matters")


def test_level_columns_hold_each_lead_in_exactly_one_level_of_each_attribute():
    values = {
        "Source": text(("A", 40), ("B", 35), (None, 30), ("Z", 1)),
        "Opt in": np.array([1.0] * 50 + [0.0] * 56),
    }
    encoding = attribute_encoding(values, {"Source": "category", "Opt in": "boolean"}, {})
    columns = level_columns(encoding, values)
    source = [c for c in columns if c.startswith("level: Source")]
    # the one Z lead is in no level of Source: its points are 0, as the average lead's
    assert columns[source].sum(axis=1).tolist() == [1.0] * 105 + [0.0]
    assert columns[[c for c in columns if "Opt in" in c]].sum(axis=1).eq(1.0).all()


def encoding_of(levels: list[Level], score: str = "grade") -> AttributeEncoding:
    return AttributeEncoding(tuple(levels), {levels[0].attribute: score})


def test_points_are_log_odds_over_the_most_common_level_times_points_per_log_odd():
    levels = [
        Level("Source", "is A", values=("A",), leads=40),
        Level("Source", "is B", values=("B",), leads=90),
        Level("Source", "is one of C, D", values=("C", "D"), leads=35),
        Level("Source", "is blank", blank=True, leads=30),
    ]
    effects = {lv.column: e for lv, e in zip(levels, (0.8, 0.3, -0.2, 0.8), strict=True)}
    rules = attribute_rules(encoding_of(levels), effects, {"grade": 10.0})
    # B is the most common level: 0 points and no rule; A 10 x (0.8 - 0.3) = 5, C/D -5
    by_label = {r.label: (r.points, r.equals, r.any_of, r.blank) for r in rules}
    assert by_label == {
        "Source is A": (5.0, "A", None, None),
        "Source is blank": (5.0, None, None, True),
        "Source is one of C, D": (-5.0, None, ("C", "D"), None),
    }


def test_values_earning_the_same_points_merge_into_one_any_of_rule():
    levels = [
        Level("Source", "is A", values=("A",), leads=40),
        Level("Source", "is B", values=("B",), leads=90),
        Level("Source", "is C", values=("C",), leads=35),
    ]
    effects = dict(zip([lv.column for lv in levels], (1.0, 0.0, 1.0), strict=True))
    (rule,) = attribute_rules(encoding_of(levels), effects, {"grade": 4.0})
    assert (rule.label, rule.any_of, rule.points) == ("Source is one of A, C", ("A", "C"), 4.0)


def test_adjacent_bins_with_the_same_points_merge_into_one_range_on_the_behaviour_score():
    levels = [
        Level("Visits", "under 3", high=3.0, leads=60),
        Level("Visits", "from 3 to under 7", low=3.0, high=7.0, leads=50),
        Level("Visits", "from 7 to under 20", low=7.0, high=20.0, leads=50),
        Level("Visits", "20 or more", low=20.0, leads=50),
    ]
    effects = dict(zip([lv.column for lv in levels], (0.0, 0.0, 1.5, 1.5), strict=True))
    (rule,) = attribute_rules(encoding_of(levels, "behavior"), effects, {"behavior": 8.0})
    assert (rule.label, rule.at_least, rule.below) == ("Visits 7 or more", 7.0, None)
    assert (rule.points, rule.score) == (12.0, "behavior")


def test_points_per_log_odd_follow_the_pillar_unless_they_would_clip_it():
    # 40 leads in A (log-odds +1 over B, the most common), 60 in B, every grade at 50: past
    # 50 points per log-odd A's leads would all pass 100
    levels = [
        Level("S", "is A", values=("A",), leads=40),
        Level("S", "is B", values=("B",), leads=60),
    ]
    effects = {levels[0].column: 1.0, levels[1].column: 0.0}
    columns = pd.DataFrame({levels[0].column: [1.0] * 40 + [0.0] * 60})
    columns[levels[1].column] = 1.0 - columns[levels[0].column]
    grade = {"grade": np.full(100, 50.0)}
    encoding = encoding_of(levels)

    def scale(per_point: float, pillar: dict[str, np.ndarray], share: float = 0.02) -> float:
        found = points_per_log_odds(encoding, effects, {"grade": per_point}, pillar, columns, share)
        return found["grade"]

    # a grade point is worth 0.05 log-odds: 20 points per log-odd, inside the room
    assert scale(0.05, grade) == 20.0
    # worth 0.01: 100 per log-odd would clip A's leads; capped at the room, 50
    assert scale(0.01, grade) == pytest.approx(50.0, abs=1e-6)
    # a grade that predicts nothing (constant in a leads-only export): the room alone
    assert scale(0.0, grade) == pytest.approx(50.0, abs=1e-6)
    # ten of A's leads already at 90: past 10 points they clip, 10% of the leads
    high = {"grade": np.array([90.0] * 10 + [50.0] * 90)}
    assert scale(0.0, high, 0.02) == pytest.approx(10.0, abs=1e-6)
    assert scale(0.0, high, 0.1) == pytest.approx(50.0, abs=1e-6)


@pytest.mark.parametrize(("value", "expected"), [(3.26, 3.5), (-1.2, -1.0), (12.4, 12.0)])
def test_points_are_rounded_to_halves_under_five_and_whole_points_above(value, expected):
    assert rounded_points(value) == expected


def test_the_rules_written_read_each_lead_as_the_level_columns_did(sample_features):
    features, values = sample_features
    encoding = attribute_encoding(
        values, {"Source": "category", "Visits": "number", "Opt in": "boolean"}, {}
    )
    effects = {lv.column: float(i % 3) for i, lv in enumerate(encoding.levels)}
    rules = attribute_rules(encoding, effects, {"grade": 10.0})
    matrix = with_attribute_values(feature_matrix(features), features)
    columns = level_columns(encoding, values)
    for rule in rules:
        hits = attribute_hits(matrix, rule)
        levels = [lv.column for lv in encoding.levels if lv.attribute == rule.attribute]
        # the rule's leads are exactly those of the levels earning its points (blank apart)
        typical = _typical(encoding, rule.attribute, effects)
        points = {c: rounded_points((effects[c] - typical) * 10) for c in levels}
        chosen = [
            c
            for c in levels
            if points[c] == rule.points and c.endswith("is blank") == bool(rule.blank)
        ]
        assert np.array_equal(hits, columns[chosen].sum(axis=1).to_numpy() > 0), rule.label
    assert with_changes(default_model(), attribute_rules=rules).attribute_rules == rules


def _typical(encoding: AttributeEncoding, name: str, effects: dict[str, float]) -> float:
    levels = [lv for lv in encoding.levels if lv.attribute == name]
    return effects[max(levels, key=lambda lv: lv.leads).column]


@pytest.fixture
def sample_features(sample_conn):
    """The sample's first 400 leads' features, with three hand-made attribute columns."""
    from lib.features import lead_features

    features = lead_features(sample_conn).head(400).reset_index(drop=True)
    rng = np.random.default_rng(5)
    source = rng.choice(np.array(["Web", "web ", "Partner", "Event", "Fair", None]), 400)
    visits = np.where(rng.random(400) < 0.1, np.nan, rng.integers(0, 40, 400).astype(float))
    opt_in = (rng.random(400) < 0.5).astype("float64")
    values = {"Source": source.astype(object), "Visits": visits, "Opt in": opt_in}
    prefixed = {f"attribute: {k}": v for k, v in values.items()}
    return features.assign(**prefixed), values


@pytest.mark.parametrize(
    ("name", "said"),
    [("Partner_Tier__c", "Partner Tier"), ("Lead Source", "Lead Source"), ("a__b__c", "a b")],
)
def test_a_custom_fields_label_reads_in_words(name, said):
    assert attribute_words(name) == said
