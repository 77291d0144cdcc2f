"""Pure edits: each returns a validated copy of the model; the input is never changed.

A copy is validated whole (lib.model.validate), so an edit handing in a plain dict or a NaN gets
back FrozenMaps or a ModelError, never a model that is mutable or wrong.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lib.errors import ModelError
from lib.model.scoring_model import PILLARS, ActivityPoints, AttributeRule, ScoringModel
from lib.model.validate import validated_model
from lib.store.schema import ACTIVITY_TYPES


def with_changes(model: ScoringModel, **changes: Any) -> ScoringModel:
    """Return a validated copy with top-level fields replaced; the input is not changed."""
    return validated_model(replace(model, **changes))


def _with_policy(model: ScoringModel, segment: str, **changes: Any) -> ScoringModel:
    if segment not in model.policies:
        raise ModelError(f"policies.{segment}: unknown segment")
    policy = replace(model.policies[segment], **changes)
    return with_changes(model, policies=model.policies | {segment: policy})


def with_pillar_weights(
    model: ScoringModel, segment: str, weights: dict[str, float]
) -> ScoringModel:
    """Return a copy whose segment uses these pillar weights (missing pillars kept)."""
    current = model.policies[segment].pillar_weights if segment in model.policies else None
    if current is None:
        raise ModelError(f"policies.{segment}: unknown segment")
    unknown = set(weights) - set(PILLARS)
    if unknown:
        raise ModelError(f"policies.{segment}.pillar_weights.{sorted(unknown)[0]}: unknown pillar")
    new = replace(current, **{k: float(v) for k, v in weights.items()})
    return _with_policy(model, segment, pillar_weights=new)


def with_thresholds(model: ScoringModel, segment: str, mql: float, sql: float) -> ScoringModel:
    """Return a copy whose segment uses these MQL and SQL thresholds."""
    return _with_policy(model, segment, mql_threshold=float(mql), sql_threshold=float(sql))


def with_behavior_points(model: ScoringModel, activity_type: str, points: float) -> ScoringModel:
    """Return a copy where one activity type (behaviour or intent) earns `points` per event."""
    for table in ("behavior_points", "intent_points"):
        current = getattr(model, table)
        if activity_type in current:
            entry = replace(current[activity_type], points=float(points))
            return with_changes(model, **{table: current | {activity_type: entry}})
    if activity_type not in ACTIVITY_TYPES:
        raise ModelError(f"behavior_points.{activity_type}: unknown activity type")
    entry = ActivityPoints(points=float(points), cap=max(abs(float(points)) * 3, 1.0))
    return with_changes(model, behavior_points=model.behavior_points | {activity_type: entry})


def with_half_life(model: ScoringModel, days: float) -> ScoringModel:
    """Return a copy whose behaviour decays with this half-life in days."""
    return with_changes(model, half_life_days=float(days))


def with_attribute_rule(
    model: ScoringModel, rule: AttributeRule, at: int | None = None
) -> ScoringModel:
    """Return a copy with `rule` added last, or (with `at`) in place of the rule at that index."""
    rules = list(model.attribute_rules)
    if at is None:
        rules.append(rule)
    elif 0 <= at < len(rules):
        rules[at] = rule
    else:
        raise ModelError(f"attribute_rules[{at}]: no such rule")
    return with_changes(model, attribute_rules=tuple(rules))


def without_attribute_rule(model: ScoringModel, at: int) -> ScoringModel:
    """Return a copy without the attribute rule at index `at`."""
    if not 0 <= at < len(model.attribute_rules):
        raise ModelError(f"attribute_rules[{at}]: no such rule")
    rules = model.attribute_rules
    return with_changes(model, attribute_rules=rules[:at] + rules[at + 1 :])
