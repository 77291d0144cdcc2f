"""Features + model -> scores, vectorised for the Scoring lab, and every score explained."""

from lib.scoring.explain import Contributions, contributions, explain_lead, top_factors
from lib.scoring.leads import SCORE_COLUMNS, account_rollup, grade_letters, score_leads, sla_due
from lib.scoring.matrix import (
    NO_GO_REASONS,
    STAGE_CODES,
    FeatureMatrix,
    feature_matrix,
    no_go_reasons,
    segment_codes,
)
from lib.scoring.pillars import (
    ScoreArrays,
    activity_points,
    band_codes,
    behavior_scores,
    framework_codes,
    grade_parts,
    qualification_scores,
    risk_parts,
    score_arrays,
    stage_codes,
    value_amount,
    value_pillar,
)

__all__ = [
    "NO_GO_REASONS",
    "SCORE_COLUMNS",
    "STAGE_CODES",
    "Contributions",
    "FeatureMatrix",
    "ScoreArrays",
    "account_rollup",
    "activity_points",
    "band_codes",
    "behavior_scores",
    "contributions",
    "explain_lead",
    "feature_matrix",
    "framework_codes",
    "grade_letters",
    "grade_parts",
    "no_go_reasons",
    "qualification_scores",
    "risk_parts",
    "score_arrays",
    "score_leads",
    "segment_codes",
    "sla_due",
    "stage_codes",
    "top_factors",
    "value_amount",
    "value_pillar",
]
