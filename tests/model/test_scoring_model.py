from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Mapping

import pytest
import yaml

from lib.model import (
    DEFAULT_MODEL_PATH,
    ActivityPoints,
    default_model,
    model_from_yaml,
    model_to_yaml,
    with_behavior_points,
    with_changes,
    with_thresholds,
)
from lib.schema_tools import FrozenMap


def _mutable_parts(value, path="model"):
    """Return the path of every dict, list or set anywhere inside a model."""
    if dataclasses.is_dataclass(value):
        return [
            p
            for f in dataclasses.fields(value)
            for p in _mutable_parts(getattr(value, f.name), f"{path}.{f.name}")
        ]
    if isinstance(value, dict | list | set):
        return [path]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _mutable_parts(v, f"{path}.{k}")]
    if isinstance(value, tuple):
        return [p for i, v in enumerate(value) for p in _mutable_parts(v, f"{path}[{i}]")]
    return []


@pytest.mark.parametrize(
    "make",
    [
        default_model,
        lambda: model_from_yaml(model_to_yaml(default_model())),
        lambda: with_behavior_points(default_model(), "pricing_page_view", 12),
        # an edit that hands in plain dicts still returns frozen mappings
        lambda: with_changes(default_model(), policies=dict(default_model().policies)),
    ],
)
def test_a_model_holds_nothing_mutable_and_hashes(make):
    model = make()
    assert _mutable_parts(model) == []
    assert isinstance(model.policies, FrozenMap)
    assert hash(model) == hash(model_from_yaml(model_to_yaml(model)))  # equal copies, equal hash


@pytest.mark.parametrize(
    "mutate",
    [
        lambda m: m.policies.__setitem__("smb", m.policies["enterprise"]),
        lambda m: m.behavior_points.pop("demo_request"),
        lambda m: m.grade.letters.update(A=90.0),
        lambda m: m.policies["smb"].next_actions.__setitem__("mql", "ignore"),
        lambda m: m.frameworks.available.clear(),
        lambda m: m.grade.seniority.append(m.grade.seniority[0]),
    ],
)
def test_a_published_model_cannot_be_changed_in_place(mutate):
    model = default_model()
    with pytest.raises(AttributeError):
        mutate(model)
    assert model == default_model()


def test_equal_models_hash_equal_so_they_can_key_a_cache():
    first, second = default_model(), default_model()
    edited = with_thresholds(first, "smb", 45, 75)
    cache = {first: "published", edited: "edited"}
    assert cache[second] == "published"
    assert cache[with_thresholds(second, "smb", 45, 75)] == "edited"
    assert len({first, second, edited}) == 2


def test_mapping_reads_keep_working():
    model, raw = default_model(), yaml.safe_load(DEFAULT_MODEL_PATH.read_text())
    assert list(model.policies) == list(raw["policies"])
    assert model.policies["smb"].sla_hours == raw["policies"]["smb"]["sla_hours"]
    assert dict(model.grade.letters.items()) == raw["grade"]["letters"]
    assert "demo_request" in model.behavior_points and "fax" not in model.behavior_points
    assert model.behavior_points.get("fax") is None
    assert list(model.activity_points()) == [*raw["behavior_points"], *raw["intent_points"]]
    assert model.policies == dict(model.policies)


def test_or_returns_a_new_frozen_mapping_and_leaves_the_model_alone():
    model = default_model()
    more = model.behavior_points | {"webinar": ActivityPoints(points=7.0, cap=14.0)}
    assert isinstance(more, FrozenMap) and more["webinar"].points == 7.0
    assert model.behavior_points == default_model().behavior_points


def test_a_model_survives_pickling_with_its_hash():
    model = with_thresholds(default_model(), "smb", 45, 75)
    copy = pickle.loads(pickle.dumps(model))
    assert copy == model and hash(copy) == hash(model)
