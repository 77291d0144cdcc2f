"""A scoring model checked whole: the schema (types, finite numbers, ranges, no unknown keys),
then the rules that span fields. Each failure names its path in the model file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from lib.errors import ModelError
from lib.model.schema import MODEL_SCHEMA
from lib.model.scoring_model import PILLARS, STAGES, ScoringModel
from lib.schema_tools import schema_message
from lib.store.schema import ACTIVITY_TYPES

WEIGHT_TOLERANCE = 1e-6


def validated_model(value: ScoringModel | Mapping[str, Any]) -> ScoringModel:
    """Return the immutable model `value` (a model or a file's mapping) describes, checked whole.

    ModelError names the first problems by their path in the file; the input is not changed.
    """
    try:
        model = MODEL_SCHEMA.validate_python(value)
    except ValidationError as exc:
        raise ModelError(schema_message(exc)) from exc
    for check in (
        _check_segments,
        _check_policies,
        _check_activities,
        _check_scales,
        _check_attribute_rules,
    ):
        check(model)
    return model


def _check_segments(model: ScoringModel) -> None:
    names = [s.name for s in model.segments]
    if not names or len(set(names)) != len(names):
        raise ModelError("segments: segment names must be present and distinct")
    if set(model.policies) != set(names):
        unknown = sorted(set(model.policies) - set(names))
        where = f"policies.{unknown[0]}" if unknown else "policies"
        raise ModelError(f"{where}: policies must name exactly the segments {names}")
    if model.unassigned_policy not in names:
        raise ModelError(f"unassigned_policy: unknown segment '{model.unassigned_policy}'")


def _check_policies(model: ScoringModel) -> None:
    for name, policy in model.policies.items():
        path = f"policies.{name}"
        total = sum(getattr(policy.pillar_weights, p) for p in PILLARS)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise ModelError(f"{path}.pillar_weights: weights sum to {total:g}, must sum to 1")
        if policy.mql_threshold >= policy.sql_threshold:
            raise ModelError(f"{path}.mql_threshold: MQL threshold must be below SQL threshold")
        if set(policy.next_actions) != set(STAGES):
            raise ModelError(f"{path}.next_actions: give one action for each of {list(STAGES)}")


def _check_activities(model: ScoringModel) -> None:
    for table in ("behavior_points", "intent_points"):
        for activity in getattr(model, table):
            if activity not in ACTIVITY_TYPES:
                raise ModelError(f"{table}.{activity}: unknown activity type")
    both = set(model.behavior_points) & set(model.intent_points)
    if both:
        raise ModelError(f"intent_points.{sorted(both)[0]}: already in behavior_points")


def _check_scales(model: ScoringModel) -> None:
    if [b.min_score for b in model.bands] != sorted(b.min_score for b in model.bands):
        raise ModelError("bands: list bands from the lowest score up")
    for i, rule in enumerate(model.frameworks.by_deal_size):
        if rule.name not in model.frameworks.available:
            raise ModelError(f"frameworks.by_deal_size[{i}].name: unknown framework")
    if model.value.floor_usd <= 0 or model.value.ceiling_usd <= model.value.floor_usd:
        raise ModelError("value: need 0 < floor_usd < ceiling_usd")
    scale = model.score_scale
    if not 0 <= scale.raw_floor < scale.raw_ceiling <= 100:
        raise ModelError("score_scale: need 0 <= raw_floor < raw_ceiling <= 100")


def _check_attribute_rules(model: ScoringModel) -> None:
    for i, rule in enumerate(model.attribute_rules):
        path = f"attribute_rules[{i}]"
        given = [
            key
            for key, value in (
                ("equals", rule.equals),
                ("any_of", rule.any_of),
                ("contains", rule.contains),
                ("blank", rule.blank),
                ("at_least/below", rule.at_least if rule.below is None else rule.below),
            )
            if value is not None
        ]
        if len(given) != 1:
            raise ModelError(
                f"{path}: give exactly one condition (equals, any_of, at_least/below, contains "
                f"or blank), not {' and '.join(given) or 'none'}"
            )
        if rule.at_least is not None and rule.below is not None and rule.at_least >= rule.below:
            raise ModelError(f"{path}.below: must be above at_least ({rule.at_least:g})")
        if rule.any_of is not None and not rule.any_of:
            raise ModelError(f"{path}.any_of: list at least one value")
