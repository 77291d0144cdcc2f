"""Features + model -> scores: five pillars, the qualification score, stages, bands, frameworks.

Five pillars, each 0-100, combined with the segment's weights into a raw sum, which the model's
`score_scale` stretches onto the 0-100 qualification score (raw_floor -> 0, raw_ceiling -> 100,
clipped): a weighted mean reaches 95 only if every pillar does, so unstretched the top band
stays empty. The stretch is affine, so the score still adds up from the pillars' points:
- fit       = the grade (who the lead is; no-go factors make it 0);
- value     = deal size on a log scale (source opportunity amount, else the segment's typical deal);
- urgency   = the behaviour score (what the lead does, decayed with the model's half-life);
- authority = seniority's authority plus engaged colleagues on the account;
- risk      = stored as 0-100 where 100 means NO risk: stale record, bounced email, competitor
              research and blank firmographics subtract from 100, so more risk lowers the score.
A no-go lead scores 0 and is recycled. Every pillar is a sum of contributions (clipping shows as
its own contribution), so lib.scoring.explain lists points that add up exactly to the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from lib.features import decay_weights
from lib.model import PILLARS, STAGES, ScoringModel
from lib.model.segments import UNASSIGNED
from lib.scoring.matrix import (
    STAGE_CODES,
    FeatureMatrix,
    attribute_hits,
    in_list,
    memo,
    no_go_reasons,
    per_lead,
    points_by_name,
    policy_value,
    segment_codes,
    segment_table,
)
from lib.scoring.parts import (
    ATTRIBUTE_RULES,
    BASE_GRADE,
    BLANK_FIRMOGRAPHICS,
    BOUNCED,
    COMPETITOR_RESEARCH,
    DEPARTMENT,
    ENGAGED_COLLEAGUES,
    ICP_INDUSTRY,
    NO_RISK_BASELINE,
    SENIORITY,
    SIZE_FITS,
    STALE,
    TITLE_AUTHORITY,
    WRONG_SIZE,
)
from lib.store.schema import ACTIVITY_TYPES


@dataclass(frozen=True)
class ScoreArrays:
    """Per-lead scores as numpy arrays; *_code arrays index into the *_names tuples."""

    grade: np.ndarray
    behavior_score: np.ndarray
    fit: np.ndarray
    value: np.ndarray
    urgency: np.ndarray
    authority: np.ndarray
    risk: np.ndarray
    qualification_score: np.ndarray
    no_go: np.ndarray
    band_code: np.ndarray
    stage_code: np.ndarray
    segment_code: np.ndarray
    framework_code: np.ndarray
    band_names: tuple[str, ...]
    stage_names: tuple[str, ...]
    segment_names: tuple[str, ...]
    framework_names: tuple[str, ...]


def grade_parts(
    matrix: FeatureMatrix, model: ScoringModel, seg: np.ndarray, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Return the grade's raw parts per lead, before clipping to 0-100 (lib.scoring.parts keys)."""
    g = model.grade
    icp = memo(
        matrix, ("icp", g.icp_industries), lambda: in_list(matrix.industry_names, g.icp_industries)
    )
    emp = matrix.employees
    lo, hi = (
        segment_table(model, names, a)[seg] for a in ("ideal_employees_min", "ideal_employees_max")
    )
    known = ~np.isnan(emp)
    fits = known & (emp >= lo) & (emp <= hi)
    seniority = {r.name: r.grade_points for r in g.seniority}
    department = {r.name: r.grade_points for r in g.departments}
    f32 = np.float32
    return {
        BASE_GRADE: np.full(matrix.n, g.base_points, dtype="float32"),
        ICP_INDUSTRY: np.where(icp, f32(g.icp_industry_points), f32(0))[matrix.industry_code],
        SIZE_FITS: np.where(fits, f32(g.size_fit_points), f32(0)),
        WRONG_SIZE: np.where(known & ~fits, f32(g.wrong_size_points), f32(0)),
        SENIORITY: points_by_name(matrix.seniority_names, seniority)[matrix.seniority_code],
        DEPARTMENT: points_by_name(matrix.department_names, department)[matrix.department_code],
        ATTRIBUTE_RULES: attribute_points(matrix, model, "grade"),
    }


def attribute_points(matrix: FeatureMatrix, model: ScoringModel, score: str) -> np.ndarray:
    """Return per lead the points of the model's attribute rules for `score` (grade or
    behavior), summed."""
    total = np.zeros(matrix.n, dtype="float32")
    for rule in model.attribute_rules:
        if rule.score == score:
            total += np.where(attribute_hits(matrix, rule), np.float32(rule.points), np.float32(0))
    return total


def activity_points(matrix: FeatureMatrix, model: ScoringModel) -> np.ndarray:
    """Return per (lead, type) pair its decayed points, capped per type."""
    table = model.activity_points()
    out = decay_weights(model.half_life_days).astype("float32") @ matrix.pair_buckets
    # Pairs are grouped by type, so each type is one slice with a scalar points and cap.
    for kind, activity in enumerate(ACTIVITY_TYPES):
        part = out[matrix.type_bounds[kind] : matrix.type_bounds[kind + 1]]
        rule = table.get(activity)
        if rule is None:
            part[:] = 0
            continue
        part *= np.float32(rule.points)
        np.clip(part, np.float32(-rule.cap), np.float32(rule.cap), out=part)
    return cast(np.ndarray, out)


def authority_parts(matrix: FeatureMatrix, model: ScoringModel) -> dict[str, np.ndarray]:
    """Return the authority pillar's raw parts per lead (lib.scoring.parts keys)."""
    a = model.authority
    table = {r.name: r.authority for r in model.grade.seniority}
    by_code = np.array(
        [table.get(n, a.other_authority) for n in matrix.seniority_names] + [a.other_authority],
        dtype="float32",
    )
    colleagues = np.minimum(matrix.engaged_colleagues, a.max_colleagues)
    return {
        TITLE_AUTHORITY: by_code[matrix.seniority_code],
        ENGAGED_COLLEAGUES: colleagues * np.float32(a.per_engaged_colleague),
    }


def risk_parts(
    matrix: FeatureMatrix, model: ScoringModel, seg: np.ndarray, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Return the risk pillar's raw parts per lead (100 = no risk; penalties are negative)."""
    r = model.risk
    blank = (seg == names.index(UNASSIGNED)) | (matrix.industry_code < 0)
    competitor = matrix.days_since_competitor_research <= r.competitor_window_days
    f32, zero = np.float32, np.float32(0)
    return {
        NO_RISK_BASELINE: np.full(matrix.n, 100.0, dtype="float32"),
        STALE: np.where(matrix.days_since_activity > r.stale_days, f32(-r.stale_penalty), zero),
        BOUNCED: np.where(matrix.email_bounced, f32(-r.bounced_penalty), zero),
        COMPETITOR_RESEARCH: np.where(competitor, f32(-r.competitor_penalty), zero),
        BLANK_FIRMOGRAPHICS: np.where(blank, f32(-r.blank_firmographics_penalty), zero),
    }


def value_amount(
    matrix: FeatureMatrix, model: ScoringModel, seg: np.ndarray, names: tuple[str, ...]
) -> np.ndarray:
    """Return the deal size per lead: its source opportunity's amount, else the segment norm."""
    expected = segment_table(model, names, "expected_deal_usd")[seg]
    return np.where(np.isnan(matrix.source_amount_usd), expected, matrix.source_amount_usd)


def value_pillar(amount: np.ndarray, model: ScoringModel) -> np.ndarray:
    """Return the value pillar: log-scaled deal size, floor -> 0, ceiling -> 100."""
    lo, hi = np.log(model.value.floor_usd), np.log(model.value.ceiling_usd)
    scaled = (np.log(np.maximum(amount, 1.0)) - lo) * (100.0 / (hi - lo))
    return cast(np.ndarray, np.clip(scaled, 0.0, 100.0).astype("float32"))


def _clipped(parts: dict[str, np.ndarray]) -> np.ndarray:
    return np.clip(sum(parts.values()), 0.0, 100.0).astype("float32")


def framework_codes(amount: np.ndarray, model: ScoringModel) -> np.ndarray:
    """Return per deal size the index of its framework in model.frameworks.by_deal_size."""
    code = np.zeros(amount.shape, dtype="int8")
    for rule in model.frameworks.by_deal_size[1:]:
        code += (
            (amount >= rule.min_amount_usd) if rule.inclusive else (amount > rule.min_amount_usd)
        )
    return code


def stage_codes(
    matrix: FeatureMatrix,
    model: ScoringModel,
    score: np.ndarray,
    seg: np.ndarray,
    names: tuple[str, ...],
    no_go: np.ndarray,
) -> np.ndarray:
    """Return stage codes (lead < recycled < mql < sal < sql) per DESIGN's stage rules."""
    mql = score >= per_lead(matrix, model, seg, names, "mql_threshold")
    sql = score >= per_lead(matrix, model, seg, names, "sql_threshold")
    hand_raiser = memo(
        matrix,
        ("hand", model.hand_raiser),
        lambda: matrix.days_since_demo_request <= model.hand_raiser.window_days,
    )
    stage = np.where(mql | hand_raiser, np.int8(STAGE_CODES["mql"]), np.int8(STAGE_CODES["lead"]))
    stage[mql & matrix.has_sal] = STAGE_CODES["sal"]
    stage[sql] = STAGE_CODES["sql"]
    recycled = memo(
        matrix,
        ("recycled", model.recycle, model.grade.no_go),
        lambda: _recycled(matrix, model, no_go),
    )
    stage[recycled] = STAGE_CODES["recycled"]
    return stage


def _recycled(matrix: FeatureMatrix, model: ScoringModel, no_go: np.ndarray) -> np.ndarray:
    """Return which leads go back to nurture: no-go, rejected untouched, or MQLs gone cold."""
    rejected = matrix.disqualified_untouched & model.recycle.recycle_disqualified
    gone_cold = (
        matrix.has_mql
        & ~matrix.has_sql
        & (matrix.days_since_last_touch > model.recycle.no_touch_days)
    )
    return cast(np.ndarray, no_go | rejected | gone_cold)


def band_codes(score: np.ndarray, model: ScoringModel) -> np.ndarray:
    """Return per score the index of its band (bands are listed from the lowest score up)."""
    code = np.zeros(score.shape, dtype="int8")
    for band in model.bands[1:]:
        code += score >= band.min_score
    return code


def _pillars(
    matrix: FeatureMatrix,
    model: ScoringModel,
    seg: np.ndarray,
    names: tuple[str, ...],
    no_go: np.ndarray,
) -> dict[str, np.ndarray]:
    """Return the five pillars, each memoised on the settings it reads.

    A slider move changes one setting, so only the pillar reading it is recomputed.
    """
    sizes = _policy_key(model, names, "ideal_employees_min", "ideal_employees_max")
    deals = _policy_key(model, names, "expected_deal_usd")
    zero = np.float32(0)
    grade = memo(
        matrix,
        ("fit", model.grade, model.segments, sizes, model.attribute_rules),
        lambda: np.where(no_go, zero, _clipped(grade_parts(matrix, model, seg, names))),
    )
    behavior = memo(
        matrix,
        ("urgency", model.half_life_days, model.activity_points(), model.attribute_rules),
        lambda: behavior_scores(matrix, model),
    )
    value = memo(
        matrix,
        ("value", model.value, model.segments, deals),
        lambda: value_pillar(value_amount(matrix, model, seg, names), model),
    )
    authority = memo(
        matrix,
        ("authority", model.grade.seniority, model.authority),
        lambda: _clipped(authority_parts(matrix, model)),
    )
    risk = memo(
        matrix,
        ("risk", model.risk, model.grade.no_go, model.segments),
        lambda: np.where(no_go, zero, _clipped(risk_parts(matrix, model, seg, names))),
    )
    return {"fit": grade, "value": value, "urgency": behavior, "authority": authority, "risk": risk}


def _policy_key(model: ScoringModel, names: tuple[str, ...], *attrs: str) -> tuple[Any, ...]:
    """Return the policy numbers a memoised pillar reads, so other policy edits keep its memo."""
    return tuple(policy_value(model, n, a) for n in names for a in attrs)


def behavior_scores(matrix: FeatureMatrix, model: ScoringModel) -> np.ndarray:
    """Return the 0-100 behaviour score: capped, decayed points summed per lead, plus the
    behaviour attribute rules' points."""
    total = np.asarray(matrix.pair_sum @ activity_points(matrix, model), dtype="float32")
    total += attribute_points(matrix, model, "behavior")
    return np.clip(total, np.float32(0), np.float32(100), out=total)


def qualification_scores(
    matrix: FeatureMatrix,
    model: ScoringModel,
    pillars: dict[str, np.ndarray],
    seg: np.ndarray,
    names: tuple[str, ...],
    no_go: np.ndarray,
) -> np.ndarray:
    """Return the 0-100 qualification score: the stretched weighted sum of pillars; no-go -> 0."""
    raw = np.zeros(len(seg), dtype="float32")
    for pillar in PILLARS:
        raw += per_lead(matrix, model, seg, names, pillar) * pillars[pillar]
    floor, stretch = scale_terms(model)
    raw -= floor
    raw *= stretch
    np.clip(raw, np.float32(0), np.float32(100), out=raw)
    raw[no_go] = 0
    return raw


def scale_terms(model: ScoringModel) -> tuple[np.float32, np.float32]:
    """Return (raw floor, points per raw point) of the model's score scale."""
    scale = model.score_scale
    return (np.float32(scale.raw_floor), np.float32(100.0 / (scale.raw_ceiling - scale.raw_floor)))


def score_arrays(matrix: FeatureMatrix, model: ScoringModel) -> ScoreArrays:
    """Return every numeric score for every lead; numpy only (1M leads: see bench/rescore.py)."""
    seg, names = segment_codes(matrix, model)
    no_go = memo(matrix, ("no_go", model.grade.no_go), lambda: no_go_reasons(matrix, model) >= 0)
    pillars = _pillars(matrix, model, seg, names, no_go)
    score = qualification_scores(matrix, model, pillars, seg, names, no_go)
    deals = _policy_key(model, names, "expected_deal_usd")
    frameworks = memo(
        matrix,
        ("framework", model.frameworks, model.segments, deals),
        lambda: framework_codes(value_amount(matrix, model, seg, names), model),
    )
    return ScoreArrays(
        grade=pillars["fit"],
        behavior_score=pillars["urgency"],
        qualification_score=score,
        no_go=no_go,
        band_code=band_codes(score, model),
        stage_code=stage_codes(matrix, model, score, seg, names, no_go),
        segment_code=seg,
        framework_code=frameworks,
        band_names=tuple(b.name for b in model.bands),
        stage_names=STAGES,
        segment_names=names,
        framework_names=tuple(r.name for r in model.frameworks.by_deal_size),
        **pillars,
    )
