"""The scoring model: typed, immutable, read from and written to one YAML file, edited as copies."""

from lib.model.diff import model_diff
from lib.model.edit import (
    with_behavior_points,
    with_changes,
    with_half_life,
    with_pillar_weights,
    with_thresholds,
)
from lib.model.io import (
    DEFAULT_MODEL_PATH,
    default_model,
    load_model,
    model_from_dict,
    model_from_yaml,
    model_to_dict,
    model_to_yaml,
    save_model,
)
from lib.model.scoring_model import (
    PILLARS,
    STAGES,
    ActivityPoints,
    AuthorityRules,
    Band,
    DepartmentRule,
    FrameworkRule,
    Frameworks,
    GradeCriteria,
    HandRaiserRule,
    NoGoRules,
    PillarWeights,
    RecycleRule,
    RiskRules,
    ScoreScale,
    ScoringModel,
    SegmentPolicy,
    SeniorityRule,
    ValueScale,
    sla_hours_by_segment,
)
from lib.model.segments import (
    DEFAULT_SEGMENTS,
    UNASSIGNED,
    SegmentRule,
    assign_segments,
    segment_labels,
)
from lib.model.validate import validate_model

__all__ = [
    "DEFAULT_MODEL_PATH", "DEFAULT_SEGMENTS", "PILLARS", "STAGES", "UNASSIGNED", "ActivityPoints",
    "AuthorityRules", "Band", "DepartmentRule", "FrameworkRule", "Frameworks", "GradeCriteria",
    "HandRaiserRule", "NoGoRules", "PillarWeights", "RecycleRule", "RiskRules", "ScoreScale",
    "ScoringModel", "SegmentPolicy", "SegmentRule", "SeniorityRule", "ValueScale",
    "assign_segments", "default_model", "load_model", "model_diff", "model_from_dict",
    "model_from_yaml", "model_to_dict", "model_to_yaml", "save_model", "segment_labels",
    "sla_hours_by_segment", "validate_model", "with_behavior_points", "with_changes",
    "with_half_life", "with_pillar_weights", "with_thresholds",
]
