from __future__ import annotations

import math

import pytest
import yaml

from lib.errors import ModelError
from lib.model import (
    default_model,
    load_model,
    model_from_dict,
    model_to_dict,
    with_behavior_points,
    with_changes,
    with_half_life,
    with_pillar_weights,
    with_thresholds,
)


def _edited(change):
    d = model_to_dict(default_model())
    change(d)
    return d


def _set(*path_and_value):
    """Return a change setting d[path...] = value."""
    *path, key, value = path_and_value

    def change(d):
        for part in path:
            d = d[part]
        d[key] = value

    return change


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(surprise=1), "surprise: unknown field"),
        (_set("risk", "stale_dayz", 30.0), "risk.stale_dayz: unknown field"),
        (lambda d: d["grade"].pop("base_points"), "grade.base_points: missing field"),
        (
            _set("policies", "smb", "pillar_weights", "fit", 0.5),
            "policies.smb.pillar_weights: weights sum to 1.25, must sum to 1",
        ),
        (
            _set("policies", "enterprise", "sql_threshold", 120),
            "policies.enterprise.sql_threshold: must be within 0-100, got 120",
        ),
        (
            _set("policies", "mid_market", "mql_threshold", 80),
            "policies.mid_market.mql_threshold: MQL threshold must be below SQL",
        ),
        (_set("half_life_days", -3), "half_life_days: must be positive, got -3"),
        (
            _set("behavior_points", "fax", {"points": 1, "cap": 1}),
            "behavior_points.fax: unknown activity type",
        ),
        (lambda d: d["policies"].update(galaxy=d["policies"]["smb"]), "policies.galaxy"),
        (_set("bands", 1, "min_score", 99.0), "bands: list bands from the lowest score up"),
        (
            _set(
                "policies",
                "smb",
                "pillar_weights",
                {"fit": -0.05, "value": 0.1, "urgency": 0.65, "authority": 0.15, "risk": 0.15},
            ),
            "policies.smb.pillar_weights.fit: must not be negative, got -0.05",
        ),
        # strict types: a number is never read from text, a flag never from a word
        (_set("half_life_days", "30"), "half_life_days: expected a number, got '30'"),
        (
            _set("authority", "max_colleagues", 4.5),
            "authority.max_colleagues: expected a whole number, got 4.5",
        ),
        (_set("policies", "smb", "playbook", 12), "policies.smb.playbook: expected text, got 12"),
        (
            _set("recycle", "recycle_disqualified", "yes"),
            "recycle.recycle_disqualified: expected true or false, got 'yes'",
        ),
        (_set("value", "floor_usd", True), "value.floor_usd: expected a number, got True"),
        (
            _set("grade", "icp_industries", "Retail"),
            "grade.icp_industries: expected a list, got 'Retail'",
        ),
        (_set("bands", 0, "min_score", "0"), "bands[0].min_score: expected a number, got '0'"),
        (_set("grade", "letters", "A", "80"), "grade.letters.A: expected a number, got '80'"),
        (_set("risk", None), "risk: expected a mapping, got None"),
        # non-finite numbers: weights, half-life, points, caps, thresholds, money
        (
            _set("policies", "smb", "pillar_weights", "fit", math.nan),
            "policies.smb.pillar_weights.fit: must be a finite number, got nan",
        ),
        (_set("half_life_days", math.inf), "half_life_days: must be a finite number, got inf"),
        (
            _set("behavior_points", "demo_request", "points", math.nan),
            "behavior_points.demo_request.points: must be a finite number, got nan",
        ),
        (
            _set("intent_points", "intent_surge", "cap", -math.inf),
            "intent_points.intent_surge.cap: must be a finite number, got -inf",
        ),
        (
            _set("policies", "smb", "mql_threshold", math.nan),
            "policies.smb.mql_threshold: must be a finite number, got nan",
        ),
        (
            _set("policies", "smb", "expected_deal_usd", math.inf),
            "policies.smb.expected_deal_usd: must be a finite number, got inf",
        ),
        (
            _set("value", "ceiling_usd", math.inf),
            "value.ceiling_usd: must be a finite number, got inf",
        ),
        (
            _set("frameworks", "by_deal_size", 1, "min_amount_usd", math.nan),
            "frameworks.by_deal_size[1].min_amount_usd: must be a finite number, got nan",
        ),
    ],
)
def test_invalid_model_files_are_refused_naming_the_path(tmp_path, change, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_edited(change)))  # NaN and inf are written as .nan, .inf
    with pytest.raises(ModelError, match=str(path)) as err:
        load_model(path)
    assert f"{path}: {message}" in str(err.value)


def test_schema_problems_are_named_in_file_order_up_to_three_then_counted():
    d = _edited(_set("half_life_days", "30"))
    d["risk"]["stale_days"] = math.nan
    d["authority"]["colleague_cap"] = 4
    d["bands"][0]["min_score"] = -1
    with pytest.raises(ModelError) as err:
        model_from_dict(d)
    assert str(err.value) == (
        "half_life_days: expected a number, got '30'; "
        "authority.colleague_cap: unknown field; "
        "risk.stale_days: must be a finite number, got nan (and 1 more)"
    )


def test_an_empty_or_non_mapping_file_is_refused(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    with pytest.raises(ModelError, match="empty.yaml: expected a mapping, got None"):
        load_model(path)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: with_half_life(m, math.nan), "half_life_days: must be a finite number"),
        (
            lambda m: with_thresholds(m, "smb", 40, math.inf),
            "policies.smb.sql_threshold: must be a finite number",
        ),
        (
            lambda m: with_behavior_points(m, "webinar", math.nan),
            "behavior_points.webinar.points: must be a finite number",
        ),
        (
            lambda m: with_pillar_weights(m, "smb", {"fit": math.nan}),
            "policies.smb.pillar_weights.fit: must be a finite number",
        ),
        (lambda m: with_changes(m, half_life_days="14"), "half_life_days: expected a number"),
        (lambda m: with_changes(m, note=None), "note: expected text, got None"),
    ],
)
def test_edits_are_checked_as_a_file_is(edit, message):
    with pytest.raises(ModelError, match=message):
        edit(default_model())
