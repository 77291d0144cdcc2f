"""Semantic checks of a scoring model: each failure names its path in the model file."""

from __future__ import annotations

from lib.errors import ModelError
from lib.model.scoring_model import PILLARS, STAGES, ScoringModel
from lib.store.schema import ACTIVITY_TYPES

WEIGHT_TOLERANCE = 1e-6


def validate_model(model: ScoringModel) -> None:
    """Raise ModelError (naming the path in the file) unless the model's numbers make sense."""
    for check in (_check_segments, _check_policies, _check_activities, _check_scales):
        check(model)


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
        if any(getattr(policy.pillar_weights, p) < 0 for p in PILLARS):
            raise ModelError(f"{path}.pillar_weights: weights must not be negative")
        for field in ("mql_threshold", "sql_threshold"):
            if not 0 <= getattr(policy, field) <= 100:
                raise ModelError(f"{path}.{field}: must be within 0-100")
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
    if model.half_life_days <= 0:
        raise ModelError("half_life_days: the decay half-life must be positive")
    for i, band in enumerate(model.bands):
        if not 0 <= band.min_score <= 100:
            raise ModelError(f"bands[{i}].min_score: must be within 0-100")
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
