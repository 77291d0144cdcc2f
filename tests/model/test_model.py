from __future__ import annotations

import dataclasses

import pytest

from lib.errors import ModelError
from lib.model import (
    default_model,
    load_model,
    model_diff,
    model_from_dict,
    model_to_dict,
    save_model,
    with_behavior_points,
    with_half_life,
    with_pillar_weights,
    with_thresholds,
)
from lib.store.connection import connect
from lib.store.model_versions import (
    load_version,
    model_history,
    publish_model,
    published_model,
    restore_version,
)


def test_default_model_has_the_three_segments_and_design_thresholds():
    model = default_model()
    assert [s.name for s in model.segments] == ["enterprise", "mid_market", "smb"]
    assert {p.mql_threshold for p in model.policies.values()} == {50.0}
    assert {p.sql_threshold for p in model.policies.values()} == {80.0}
    assert model.behavior_points["demo_request"].points == 30


def test_model_round_trips_through_yaml_exactly(tmp_path):
    model = with_thresholds(default_model(), "smb", 45, 75)
    save_model(model, tmp_path / "m.yaml")
    assert load_model(tmp_path / "m.yaml") == model
    assert model_from_dict(model_to_dict(model)) == model


def test_edit_helpers_return_new_models_and_leave_the_input_alone():
    model = default_model()
    edited = with_half_life(with_behavior_points(model, "pricing_page_view", 12), 14)
    assert edited.half_life_days == 14 and edited.behavior_points["pricing_page_view"].points == 12
    assert model.half_life_days == 30 and model.behavior_points["pricing_page_view"].points == 10
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.half_life_days = 1  # type: ignore[misc]


def test_pillar_weights_that_do_not_sum_to_one_are_refused():
    with pytest.raises(ModelError, match="sum to 1"):
        with_pillar_weights(default_model(), "enterprise", {"fit": 0.9})


def test_model_diff_reads_as_sentences():
    model = default_model()
    edited = with_thresholds(
        with_behavior_points(model, "pricing_page_view", 12), "mid_market", 55, 80
    )
    assert model_diff(model, edited) == [
        "pricing_page_view points 10 → 12",
        "mid_market MQL threshold 50 → 55",
    ]
    assert model_diff(model, model) == []


def test_history_survives_closing_and_reopening_the_database(tmp_path):
    db = tmp_path / "q.duckdb"
    conn = connect(db)
    assert published_model(conn) == default_model()
    first = publish_model(conn, default_model(), "ana", "baseline", based_on=0)
    second = publish_model(conn, with_half_life(first, 14), "bo", "faster decay", based_on=1)
    conn.close()
    conn = connect(db)
    history = model_history(conn)
    assert history["version"].tolist() == [1, 2]
    assert history["author"].tolist() == ["ana", "bo"]
    assert published_model(conn) == second and published_model(conn).half_life_days == 14
    assert load_version(conn, 1).half_life_days == 30
    restored = restore_version(conn, 1, "cy", "back to baseline", based_on=2)
    assert restored.version == 3 and restored.half_life_days == 30
    assert model_history(conn)["version"].tolist() == [1, 2, 3]
    with pytest.raises(ModelError, match="version 9"):
        load_version(conn, 9)


def test_attribute_rules_are_added_replaced_and_removed_on_copies():
    from lib.model import AttributeRule, with_attribute_rule, without_attribute_rule

    gold, silver = (
        AttributeRule("Tier", 20.0, equals="Gold"),
        AttributeRule("Tier", 5.0, blank=True),
    )
    model = default_model()
    one = with_attribute_rule(model, gold)
    two = with_attribute_rule(one, silver)
    assert model.attribute_rules == () and two.attribute_rules == (gold, silver)
    edited = with_attribute_rule(two, dataclasses.replace(gold, points=-3.0), at=0)
    assert [r.points for r in edited.attribute_rules] == [-3.0, 5.0]
    assert without_attribute_rule(edited, 0).attribute_rules == (silver,)
    with pytest.raises(ModelError, match=r"attribute_rules\[2\]: no such rule"):
        without_attribute_rule(two, 2)
    with pytest.raises(ModelError, match="exactly one condition"):
        with_attribute_rule(model, AttributeRule("Tier", 1.0))


def test_model_diff_names_each_attribute_rule_added_or_removed():
    from lib.model import AttributeRule, with_attribute_rule

    gold = AttributeRule("Tier", 20.0, equals="Gold")
    before = with_attribute_rule(default_model(), gold)
    after = with_attribute_rule(before, AttributeRule("Visits", 4.0, "behavior", at_least=3.0), 0)
    assert model_diff(default_model(), before) == [
        "attribute rule added: Tier = Gold (+20 grade points)"
    ]
    assert model_diff(before, after) == [
        "attribute rule removed: Tier = Gold (+20 grade points)",
        "attribute rule added: 3 <= Visits (+4 behaviour points)",
    ]
