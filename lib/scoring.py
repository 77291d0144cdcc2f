"""Features + model -> scores: a numeric fast path for the Scoring lab and the full per-lead frame.

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
its own contribution), so `explain_lead` lists points that add up exactly to the score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from lib.features import AGE_BUCKET_NAMES, RECENT_BUCKETS, bucket_columns, decay_weights
from lib.model import PILLARS, STAGES, ScoringModel
from lib.schema import ACTIVITY_TYPES
from lib.segments import UNASSIGNED, assign_segments

STAGE_CODES = {name: code for code, name in enumerate(STAGES)}
NO_GO_REASONS: tuple[str, ...] = (
    "personal email domain", "student email", "competitor email domain", "blank company",
)
SCORE_COLUMNS: tuple[str, ...] = (
    "lead_id", "account_id", "email", "company_name", "segment", "grade", "grade_letter",
    "behavior_score", "fit", "value", "urgency", "authority", "risk", "qualification_score",
    "band", "stage", "framework", "playbook", "next_action", "sla_due_at", "top_factors",
)
NEVER = np.float32(np.inf)


@dataclass(frozen=True)
class FeatureMatrix:
    """Numeric arrays extracted once from `lead_features`, so rescoring does no pandas work.

    Categories are codes into the name tuples (-1 = missing). Activity counts are kept only for
    (lead, type) pairs that have events, grouped by type (`type_bounds` slices them):
    `pair_buckets[b, i]` counts pair i's events in age bucket b. `pair_sum @ values` adds pair
    values up per lead (a sparse product: 3.6M pairs in ~5 ms, where bincount took ~33 ms).
    """

    n: int
    revenue_usd: np.ndarray
    employees: np.ndarray
    industry_code: np.ndarray
    industry_names: tuple[str, ...]
    seniority_code: np.ndarray
    seniority_names: tuple[str, ...]
    department_code: np.ndarray
    department_names: tuple[str, ...]
    domain_code: np.ndarray
    domain_names: tuple[str, ...]
    company_blank: np.ndarray
    email_bounced: np.ndarray
    days_since_activity: np.ndarray
    days_since_last_touch: np.ndarray
    days_since_demo_request: np.ndarray
    days_since_competitor_research: np.ndarray
    has_mql: np.ndarray
    has_sal: np.ndarray
    has_sql: np.ndarray
    disqualified_untouched: np.ndarray
    engaged_colleagues: np.ndarray
    source_amount_usd: np.ndarray
    pair_lead: np.ndarray
    pair_sum: sparse.csr_array
    pair_type: np.ndarray
    pair_buckets: np.ndarray
    pair_recent: np.ndarray
    type_bounds: np.ndarray
    cache: dict[Any, dict[Any, Any]] = field(default_factory=dict, compare=False, repr=False)


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


# --- feature matrix -------------------------------------------------------------------------

def _codes(values: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Return int32 category codes (-1 missing) and the category names."""
    codes, names = pd.factorize(values.astype("object"), use_na_sentinel=True)
    return codes.astype("int32"), tuple(str(n) for n in names)


def _days(values: pd.Series) -> np.ndarray:
    """Return days as float32, never-happened (NaN) as +inf."""
    days = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isnan(days), np.inf, days).astype("float32")


def _flag(values: pd.Series) -> np.ndarray:
    return values.fillna(False).to_numpy(dtype=bool)


def _activity_pairs(features: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Return (lead, type, bucket counts, counts in 30 days, type bounds) per pair with events."""
    n_types, n_buckets = len(ACTIVITY_TYPES), len(AGE_BUCKET_NAMES)
    cube = features[bucket_columns()].to_numpy(dtype="float32").reshape(-1, n_types, n_buckets)
    kind, lead = np.nonzero(cube.sum(axis=2).T)  # type-major: each type's pairs contiguous
    # Bucket-major storage: one (buckets x pairs) vector-matrix product decays every pair.
    buckets = np.ascontiguousarray(cube[lead, kind, :].T)
    recent = buckets[:RECENT_BUCKETS].sum(axis=0)
    bounds = np.searchsorted(kind, np.arange(n_types + 1))
    return lead.astype("int32"), kind.astype("int16"), buckets, recent, bounds


def _pair_sum(lead: np.ndarray, n: int) -> sparse.csr_array:
    """Return the n x pairs 0/1 matrix that sums pair values into their leads."""
    ones = np.ones(len(lead), dtype="float32")
    return sparse.csr_array((ones, (lead, np.arange(len(lead)))), shape=(n, len(lead)))


def feature_matrix(features: pd.DataFrame) -> FeatureMatrix:
    """Return the numeric arrays `score_arrays` reads, extracted once from `lead_features`."""
    lead, kind, buckets, recent, bounds = _activity_pairs(features)
    number = {c: pd.to_numeric(features[c], errors="coerce").to_numpy("float64", na_value=np.nan)
              for c in ("annual_revenue_usd", "employees", "source_opportunity_amount_usd")}
    codes = {c: _codes(features[c]) for c in ("industry", "seniority", "department",
                                              "email_domain")}
    return FeatureMatrix(
        n=len(features), revenue_usd=number["annual_revenue_usd"],
        employees=number["employees"],
        industry_code=codes["industry"][0], industry_names=codes["industry"][1],
        seniority_code=codes["seniority"][0], seniority_names=codes["seniority"][1],
        department_code=codes["department"][0], department_names=codes["department"][1],
        domain_code=codes["email_domain"][0], domain_names=codes["email_domain"][1],
        company_blank=_flag(features["company_blank"]),
        email_bounced=_flag(features["email_bounced"]),
        days_since_activity=np.fmin(_days(features["days_since_update"]),
                                    _days(features["days_since_last_touch"])),
        days_since_last_touch=_days(features["days_since_last_touch"]),
        days_since_demo_request=_days(features["days_since_demo_request"]),
        days_since_competitor_research=_days(features["days_since_competitor_research"]),
        has_mql=features["mql_at"].notna().to_numpy(),
        has_sal=features["sal_at"].notna().to_numpy(),
        has_sql=features["sql_at"].notna().to_numpy(),
        disqualified_untouched=_flag(features["disqualified_untouched"]),
        engaged_colleagues=features["engaged_colleagues"].to_numpy(dtype="float32"),
        source_amount_usd=number["source_opportunity_amount_usd"],
        pair_lead=lead, pair_sum=_pair_sum(lead, len(features)), pair_type=kind,
        pair_buckets=buckets, pair_recent=recent, type_bounds=bounds,
    )


# --- lookups (memoised on the matrix: they change only when the model's lists change) ------

MEMO_PER_KIND = 4  # a slider move adds one 1M-float array per changed setting; keep the last 4


def _memo(matrix: FeatureMatrix, key: tuple[Any, ...], compute: Any) -> np.ndarray:
    """Return compute() memoised on the matrix under key (key[0] names the kind; LRU per kind)."""
    kind = matrix.cache.setdefault(key[0], {})
    if key in kind:
        kind[key] = kind.pop(key)
    else:
        kind[key] = compute()
        while len(kind) > MEMO_PER_KIND:
            kind.pop(next(iter(kind)))
    return kind[key]


def per_lead(matrix: FeatureMatrix, model: ScoringModel, seg: np.ndarray,
             names: tuple[str, ...], attr: str) -> np.ndarray:
    """Return a segment policy number (a weight, a threshold) per lead, memoised."""
    table = _segment_table(model, names, attr)
    return _memo(matrix, (attr, tuple(table), names), lambda: table[seg])


def segment_codes(matrix: FeatureMatrix, model: ScoringModel) -> tuple[np.ndarray, tuple[str, ...]]:
    """Return segment codes under the model's rules; memoised, so only new rules cost time."""
    names = (*[r.name for r in model.segments], UNASSIGNED)

    def compute() -> np.ndarray:
        labels = assign_segments(pd.Series(matrix.revenue_usd), pd.Series(matrix.employees),
                                 model.segments)
        return pd.Index(names).get_indexer(pd.Index(labels)).astype("int8")
    return _memo(matrix, ("segments", model.segments), compute), names


def _in_list(names: tuple[str, ...], wanted: tuple[str, ...]) -> np.ndarray:
    """Return per category code (plus a final slot for missing, -1) whether it is listed."""
    listed = {w.lower() for w in wanted}
    return np.array([n.lower() in listed for n in names] + [False])


def _points_by_name(names: tuple[str, ...], points: dict[str, float]) -> np.ndarray:
    """Return per category code (plus the missing slot) its points; unlisted names score 0."""
    return np.array([points.get(n, 0.0) for n in names] + [0.0], dtype="float32")


def no_go_reasons(matrix: FeatureMatrix, model: ScoringModel) -> np.ndarray:
    """Return per lead the first no-go reason's index into NO_GO_REASONS, -1 when none."""
    rules = model.grade.no_go
    domains = matrix.domain_names
    personal = _memo(matrix, ("personal", rules.personal_email_domains),
                     lambda: _in_list(domains, rules.personal_email_domains))
    student = _memo(matrix, ("student", rules.student_email_suffixes), lambda: np.array(
        [any(s.lower() in d for s in rules.student_email_suffixes if s) for d in domains]
        + [False]))
    competitor = _memo(matrix, ("competitor", rules.competitor_email_domains),
                       lambda: _in_list(domains, rules.competitor_email_domains))
    blank = matrix.company_blank & rules.blank_company
    masks = [personal[matrix.domain_code], student[matrix.domain_code],
             competitor[matrix.domain_code], blank]
    return np.select(masks, list(range(len(masks))), default=-1).astype("int8")


# --- pillar parts: each pillar is the clipped sum of its named parts --------------------------

def _segment_table(model: ScoringModel, names: tuple[str, ...], attr: str) -> np.ndarray:
    """Return one policy number per segment code."""
    return np.array([_policy_value(model, n, attr) for n in names], dtype="float32")


def _policy_value(model: ScoringModel, segment: str, attr: str) -> float:
    policy = model.policy_for(segment)
    if attr in PILLARS:
        return getattr(policy.pillar_weights, attr)
    return float(getattr(policy, attr))


def grade_parts(matrix: FeatureMatrix, model: ScoringModel,
                seg: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Return the grade's raw parts per lead (before clipping to 0-100)."""
    g = model.grade
    icp = _memo(matrix, ("icp", g.icp_industries),
                lambda: _in_list(matrix.industry_names, g.icp_industries))
    emp = matrix.employees
    lo, hi = (_segment_table(model, names, a)[seg]
              for a in ("ideal_employees_min", "ideal_employees_max"))
    known = ~np.isnan(emp)
    fits = known & (emp >= lo) & (emp <= hi)
    seniority = {r.name: r.grade_points for r in g.seniority}
    department = {r.name: r.grade_points for r in g.departments}
    f32 = np.float32
    return {
        "base grade": np.full(matrix.n, g.base_points, dtype="float32"),
        "ICP industry": np.where(icp, f32(g.icp_industry_points), f32(0))[matrix.industry_code],
        "company size fits segment": np.where(fits, f32(g.size_fit_points), f32(0)),
        "wrong company size": np.where(known & ~fits, f32(g.wrong_size_points), f32(0)),
        "seniority": _points_by_name(matrix.seniority_names, seniority)[matrix.seniority_code],
        "department": _points_by_name(matrix.department_names, department)[
            matrix.department_code],
    }


def activity_points(matrix: FeatureMatrix, model: ScoringModel) -> np.ndarray:
    """Return per (lead, type) pair its decayed points, capped per type."""
    table = model.activity_points()
    out = decay_weights(model.half_life_days).astype("float32") @ matrix.pair_buckets
    # Pairs are grouped by type, so each type is one slice with a scalar points and cap.
    for kind, activity in enumerate(ACTIVITY_TYPES):
        part = out[matrix.type_bounds[kind]:matrix.type_bounds[kind + 1]]
        rule = table.get(activity)
        if rule is None:
            part[:] = 0
            continue
        part *= np.float32(rule.points)
        np.clip(part, np.float32(-rule.cap), np.float32(rule.cap), out=part)
    return out


def authority_parts(matrix: FeatureMatrix, model: ScoringModel) -> dict[str, np.ndarray]:
    """Return the authority pillar's raw parts per lead."""
    a = model.authority
    table = {r.name: r.authority for r in model.grade.seniority}
    by_code = np.array([table.get(n, a.other_authority) for n in matrix.seniority_names]
                       + [a.other_authority], dtype="float32")
    colleagues = np.minimum(matrix.engaged_colleagues, a.max_colleagues)
    return {"title authority": by_code[matrix.seniority_code],
            "engaged colleagues": colleagues * np.float32(a.per_engaged_colleague)}


def risk_parts(matrix: FeatureMatrix, model: ScoringModel,
               seg: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Return the risk pillar's raw parts per lead (100 = no risk; penalties are negative)."""
    r = model.risk
    blank = (seg == names.index(UNASSIGNED)) | (matrix.industry_code < 0)
    competitor = matrix.days_since_competitor_research <= r.competitor_window_days
    f32, zero = np.float32, np.float32(0)
    return {
        "no-risk baseline": np.full(matrix.n, 100.0, dtype="float32"),
        "stale record": np.where(matrix.days_since_activity > r.stale_days,
                                 f32(-r.stale_penalty), zero),
        "bounced email": np.where(matrix.email_bounced, f32(-r.bounced_penalty), zero),
        "competitor research": np.where(competitor, f32(-r.competitor_penalty), zero),
        "blank firmographics": np.where(blank, f32(-r.blank_firmographics_penalty), zero),
    }


def value_amount(matrix: FeatureMatrix, model: ScoringModel, seg: np.ndarray,
                 names: tuple[str, ...]) -> np.ndarray:
    """Return the deal size per lead: its source opportunity's amount, else the segment norm."""
    expected = _segment_table(model, names, "expected_deal_usd")[seg]
    return np.where(np.isnan(matrix.source_amount_usd), expected, matrix.source_amount_usd)


def value_pillar(amount: np.ndarray, model: ScoringModel) -> np.ndarray:
    """Return the value pillar: log-scaled deal size, floor -> 0, ceiling -> 100."""
    lo, hi = np.log(model.value.floor_usd), np.log(model.value.ceiling_usd)
    scaled = (np.log(np.maximum(amount, 1.0)) - lo) * (100.0 / (hi - lo))
    return np.clip(scaled, 0.0, 100.0).astype("float32")


def _clipped(parts: dict[str, np.ndarray]) -> np.ndarray:
    return np.clip(sum(parts.values()), 0.0, 100.0).astype("float32")


# --- the fast path --------------------------------------------------------------------------

def framework_codes(amount: np.ndarray, model: ScoringModel) -> np.ndarray:
    """Return per deal size the index of its framework in model.frameworks.by_deal_size."""
    code = np.zeros(amount.shape, dtype="int8")
    for rule in model.frameworks.by_deal_size[1:]:
        code += (amount >= rule.min_amount_usd) if rule.inclusive else (
            amount > rule.min_amount_usd)
    return code


def stage_codes(matrix: FeatureMatrix, model: ScoringModel, score: np.ndarray,
                seg: np.ndarray, names: tuple[str, ...], no_go: np.ndarray) -> np.ndarray:
    """Return stage codes (lead < recycled < mql < sal < sql) per DESIGN's stage rules."""
    mql = score >= per_lead(matrix, model, seg, names, "mql_threshold")
    sql = score >= per_lead(matrix, model, seg, names, "sql_threshold")
    hand_raiser = _memo(matrix, ("hand", model.hand_raiser),
                        lambda: matrix.days_since_demo_request <= model.hand_raiser.window_days)
    stage = np.where(mql | hand_raiser, np.int8(STAGE_CODES["mql"]), np.int8(STAGE_CODES["lead"]))
    stage[mql & matrix.has_sal] = STAGE_CODES["sal"]
    stage[sql] = STAGE_CODES["sql"]
    recycled = _memo(matrix, ("recycled", model.recycle, repr(model.grade.no_go)),
                     lambda: _recycled(matrix, model, no_go))
    stage[recycled] = STAGE_CODES["recycled"]
    return stage


def _recycled(matrix: FeatureMatrix, model: ScoringModel, no_go: np.ndarray) -> np.ndarray:
    """Return which leads go back to nurture: no-go, rejected untouched, or MQLs gone cold."""
    rejected = matrix.disqualified_untouched & model.recycle.recycle_disqualified
    gone_cold = matrix.has_mql & ~matrix.has_sql & (
        matrix.days_since_last_touch > model.recycle.no_touch_days)
    return no_go | rejected | gone_cold


def band_codes(score: np.ndarray, model: ScoringModel) -> np.ndarray:
    """Return per score the index of its band (bands are listed from the lowest score up)."""
    code = np.zeros(score.shape, dtype="int8")
    for band in model.bands[1:]:
        code += score >= band.min_score
    return code


def _pillars(matrix: FeatureMatrix, model: ScoringModel, seg: np.ndarray,
             names: tuple[str, ...], no_go: np.ndarray) -> dict[str, np.ndarray]:
    """Return the five pillars, each memoised on the settings it reads.

    A slider move changes one setting, so only the pillar reading it is recomputed.
    """
    sizes = _policy_key(model, names, "ideal_employees_min", "ideal_employees_max")
    deals = _policy_key(model, names, "expected_deal_usd")
    zero = np.float32(0)
    grade = _memo(matrix, ("fit", repr(model.grade), model.segments, sizes), lambda: np.where(
        no_go, zero, _clipped(grade_parts(matrix, model, seg, names))))
    behavior = _memo(matrix, ("urgency", model.half_life_days, repr(model.activity_points())),
                     lambda: behavior_scores(matrix, model))
    value = _memo(matrix, ("value", model.value, model.segments, deals), lambda: value_pillar(
        value_amount(matrix, model, seg, names), model))
    authority = _memo(matrix, ("authority", repr(model.grade.seniority), model.authority),
                      lambda: _clipped(authority_parts(matrix, model)))
    risk = _memo(matrix, ("risk", model.risk, repr(model.grade.no_go), model.segments),
                 lambda: np.where(no_go, zero, _clipped(risk_parts(matrix, model, seg, names))))
    return {"fit": grade, "value": value, "urgency": behavior, "authority": authority,
            "risk": risk}


def _policy_key(model: ScoringModel, names: tuple[str, ...], *attrs: str) -> tuple[Any, ...]:
    """Return the policy numbers a memoised pillar reads, so other policy edits keep its memo."""
    return tuple(_policy_value(model, n, a) for n in names for a in attrs)


def behavior_scores(matrix: FeatureMatrix, model: ScoringModel) -> np.ndarray:
    """Return the 0-100 behaviour score: capped, decayed points summed per lead."""
    total = np.asarray(matrix.pair_sum @ activity_points(matrix, model), dtype="float32")
    return np.clip(total, np.float32(0), np.float32(100), out=total)


def qualification_scores(matrix: FeatureMatrix, model: ScoringModel,
                         pillars: dict[str, np.ndarray], seg: np.ndarray,
                         names: tuple[str, ...], no_go: np.ndarray) -> np.ndarray:
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
    return (np.float32(scale.raw_floor),
            np.float32(100.0 / (scale.raw_ceiling - scale.raw_floor)))


def score_arrays(matrix: FeatureMatrix, model: ScoringModel) -> ScoreArrays:
    """Return every numeric score for every lead; numpy only (1M leads: see bench/rescore.py)."""
    seg, names = segment_codes(matrix, model)
    no_go = _memo(matrix, ("no_go", repr(model.grade.no_go)),
                  lambda: no_go_reasons(matrix, model) >= 0)
    pillars = _pillars(matrix, model, seg, names, no_go)
    score = qualification_scores(matrix, model, pillars, seg, names, no_go)
    deals = _policy_key(model, names, "expected_deal_usd")
    frameworks = _memo(matrix, ("framework", repr(model.frameworks), model.segments, deals),
                       lambda: framework_codes(
        value_amount(matrix, model, seg, names), model))
    return ScoreArrays(
        grade=pillars["fit"], behavior_score=pillars["urgency"], qualification_score=score,
        no_go=no_go, band_code=band_codes(score, model),
        stage_code=stage_codes(matrix, model, score, seg, names, no_go),
        segment_code=seg, framework_code=frameworks,
        band_names=tuple(b.name for b in model.bands), stage_names=STAGES,
        segment_names=names,
        framework_names=tuple(r.name for r in model.frameworks.by_deal_size), **pillars)


# --- explanations ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Contributions:
    """Every lead's contributions in score points: columns are factors, rows sum to the score."""

    labels: tuple[str, ...]
    pillars: tuple[str, ...]
    headline: np.ndarray
    points: np.ndarray
    activity_type: np.ndarray


def _activity_dense(matrix: FeatureMatrix, values: np.ndarray) -> np.ndarray:
    """Return a (leads x activity types) array from per-pair values."""
    dense = np.zeros((matrix.n, len(ACTIVITY_TYPES)), dtype="float32")
    dense[matrix.pair_lead, matrix.pair_type] = values
    return dense


def _pillar_columns(matrix: FeatureMatrix, model: ScoringModel, seg: np.ndarray,
                    names: tuple[str, ...]) -> list[tuple[str, str, np.ndarray, bool, int]]:
    """Return (label, pillar, pillar points, headline?, activity type or -1) per factor."""
    cols: list[tuple[str, str, np.ndarray, bool, int]] = []

    def add(pillar: str, parts: dict[str, np.ndarray], quiet: tuple[str, ...] = ()) -> None:
        for label, pts in parts.items():
            cols.append((label, pillar, pts, label not in quiet, -1))
        raw = sum(parts.values())
        cols.append((f"{pillar} kept within 0-100", pillar,
                     np.clip(raw, 0.0, 100.0) - raw, False, -1))

    add("fit", _split_roles(matrix, model, grade_parts(matrix, model, seg, names)),
        quiet=("base grade",))
    per_type = _activity_dense(matrix, activity_points(matrix, model))
    urgency = {t: per_type[:, i] for i, t in enumerate(ACTIVITY_TYPES)}
    start = len(cols)
    add("urgency", urgency)
    cols[start:start + len(ACTIVITY_TYPES)] = [
        (t.replace("_", " "), "urgency", pts, True, i)
        for i, (t, pts) in enumerate(urgency.items())]
    amount = value_amount(matrix, model, seg, names)
    from_opp = ~np.isnan(matrix.source_amount_usd)
    value = value_pillar(amount, model)
    cols.append(("opportunity amount", "value", np.where(from_opp, value, 0.0), True, -1))
    cols.append(("typical deal for segment", "value", np.where(from_opp, 0.0, value), True, -1))
    add("authority", authority_parts(matrix, model))
    add("risk", risk_parts(matrix, model, seg, names), quiet=("no-risk baseline",))
    return cols


def _split_roles(matrix: FeatureMatrix, model: ScoringModel,
                 parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return grade parts with seniority and department split into one column per rule."""
    out = {k: v for k, v in parts.items() if k not in ("seniority", "department")}
    for rules, codes, names, key in (
            (model.grade.seniority, matrix.seniority_code, matrix.seniority_names, "seniority"),
            (model.grade.departments, matrix.department_code, matrix.department_names,
             "department")):
        for rule in rules:
            hit = np.array([n == rule.name for n in names] + [False])[codes]
            out[rule.label] = np.where(hit, parts[key], 0.0)
    return out


def contributions(matrix: FeatureMatrix, model: ScoringModel) -> Contributions:
    """Return every factor's score points per lead; each row sums to the qualification score."""
    seg, names = segment_codes(matrix, model)
    cols = _pillar_columns(matrix, model, seg, names)
    floor, stretch = scale_terms(model)
    weights = {p: _segment_table(model, names, p)[seg] * stretch for p in PILLARS}
    points = np.stack([weights[pillar] * pts for _, pillar, pts, _, _ in cols], axis=1)
    offset = np.full(matrix.n, -floor * stretch, dtype="float32")
    unclipped = points.sum(axis=1) + offset
    kept = np.clip(unclipped, 0.0, 100.0) - unclipped
    points = np.concatenate([points, offset[:, None], kept[:, None]], axis=1)
    reason = no_go_reasons(matrix, model)
    cancel = np.where(reason >= 0, -points.sum(axis=1), 0.0)
    no_go = np.stack([np.where(reason == i, cancel, 0.0) for i in range(len(NO_GO_REASONS))],
                     axis=1)
    scale_labels = ("score scale floor", "score kept within 0-100")
    return Contributions(
        labels=tuple(c[0] for c in cols) + scale_labels
        + tuple(f"no-go: {r}" for r in NO_GO_REASONS),
        pillars=tuple(c[1] for c in cols) + ("scale", "scale")
        + ("risk",) * len(NO_GO_REASONS),
        headline=np.array([c[3] for c in cols] + [False, False]
                          + [True] * len(NO_GO_REASONS)),
        points=np.concatenate([points, no_go], axis=1).astype("float32"),
        activity_type=np.array([c[4] for c in cols] + [-1, -1] + [-1] * len(NO_GO_REASONS)))


def _one_row(features: pd.DataFrame | pd.Series) -> pd.DataFrame:
    frame = features.to_frame().T if isinstance(features, pd.Series) else features
    return frame.iloc[:1].reset_index(drop=True)


def explain_lead(features: pd.DataFrame | pd.Series, model: ScoringModel) -> pd.DataFrame:
    """Return one lead's contributions (factor, points, pillar), largest first; sum = its score."""
    parts = contributions(feature_matrix(_one_row(features)), model)
    frame = pd.DataFrame({"factor": parts.labels, "points": parts.points[0].astype("float64"),
                          "pillar": parts.pillars})
    frame = frame[frame["points"].abs() > 1e-9]
    return frame.sort_values("points", key=abs, ascending=False).reset_index(drop=True)


def _format_points(points: np.ndarray) -> pd.Series:
    text = pd.Series(np.round(points, 1)).astype(str)
    return pd.Series(np.where(points >= 0, "+", ""), dtype=object) + text


def _factor_items(parts: Contributions, col: np.ndarray, n_all: np.ndarray, n_new: np.ndarray,
                  points: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """Return 'pricing page view ×3 +3.5' per row, '' where the factor is too small to show."""
    kind = parts.activity_type[col]
    detail = np.where(kind < 0, "", " ×" + n_all.astype(str))
    detail = np.where((kind >= 0) & (n_all == n_new), detail + " in 30 days", detail)
    item = (pd.Series(np.array(parts.labels, dtype=object)[col]) + detail + " "
            + _format_points(points))
    return np.where(shown, item, "").astype(object)


def _slot_texts(parts: Contributions, col: np.ndarray, n_all: np.ndarray, n_new: np.ndarray,
                points: np.ndarray, shown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each lead's code into one slot's distinct texts, and those texts."""
    # everything the text reads: factor, counts, points as printed (rounded, with its sign)
    keys = pd.MultiIndex.from_arrays([col, n_all, n_new == n_all, np.round(points, 1),
                                      points >= 0, shown])
    codes, _ = keys.factorize()
    first = _first_rows(codes)
    return codes, _factor_items(parts, col[first], n_all[first], n_new[first], points[first],
                                shown[first])


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Return, for each code 0..max, the first row holding it."""
    first = np.full(codes.max() + 1 if len(codes) else 0, len(codes), dtype="int64")
    np.minimum.at(first, codes, np.arange(len(codes)))
    return first


def top_factors(matrix: FeatureMatrix, model: ScoringModel, k: int = 3) -> pd.Series:
    """Return per lead its k largest headline contributions: 'pricing page view ×3 +3.5; ...'."""
    parts = contributions(matrix, model)
    size = np.where(parts.headline, np.abs(parts.points), 0.0)
    k = min(k, size.shape[1])
    order = np.argsort(-size, axis=1, kind="stable")[:, :k]
    rows = np.arange(matrix.n)
    totals = _activity_dense(matrix, matrix.pair_buckets.sum(axis=0))
    recent = _activity_dense(matrix, matrix.pair_recent)
    # Texts repeat: each slot's (factor, counts, rounded points) and then each lead's trio of
    # slots are built once per distinct value and taken per lead (1M leads: ~20 s -> ~5 s).
    slot_codes, slot_texts = [], []
    for slot in range(k):
        col = order[:, slot]
        kind = np.maximum(parts.activity_type[col], 0)
        codes, texts = _slot_texts(parts, col, totals[rows, kind].astype("int64"),
                                   recent[rows, kind].astype("int64"), parts.points[rows, col],
                                   size[rows, col] >= 0.05)
        slot_codes.append(codes)
        slot_texts.append(texts)
    if not slot_codes:
        return pd.Series([""] * matrix.n, dtype=object)
    trio, _ = pd.MultiIndex.from_arrays(slot_codes).factorize()
    first = _first_rows(trio)
    text = pd.Series([""] * len(first), dtype=object)
    for codes, texts in zip(slot_codes, slot_texts, strict=True):
        piece = pd.Series(texts[codes[first]], dtype=object)
        sep = np.where((text != "") & (piece != ""), "; ", "")
        text = text + pd.Series(sep, dtype=object) + piece
    return pd.Series(text.to_numpy()[trio], dtype=object)


# --- the full per-lead frame ----------------------------------------------------------------

def grade_letters(grade: np.ndarray, model: ScoringModel) -> np.ndarray:
    """Return the letter per grade: the best letter whose minimum the grade reaches."""
    letters = sorted(model.grade.letters.items(), key=lambda kv: -kv[1])
    return np.select([grade >= lo for _, lo in letters], [name for name, _ in letters],
                     default=letters[-1][0])


def sla_due(features: pd.DataFrame, stage: np.ndarray, hours: np.ndarray) -> pd.Series:
    """Return when sales must accept or reject each MQL (MQL time, else as of, + SLA hours)."""
    start = pd.to_datetime(features["mql_at"]).fillna(pd.to_datetime(features["as_of"]))
    due = start.reset_index(drop=True) + pd.to_timedelta(hours, unit="h")
    return due.where(stage == STAGE_CODES["mql"])


def score_leads(features: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Return one row per lead with every score field in SCORE_COLUMNS; input not mutated."""
    matrix = feature_matrix(features)
    s = score_arrays(matrix, model)
    seg = s.segment_code
    per_segment = {a: np.array([getattr(model.policy_for(n), a) for n in s.segment_names],
                               dtype=object) for a in ("playbook", "sla_hours")}
    actions = np.array([[model.policy_for(n).next_actions[st] for st in STAGES]
                        for n in s.segment_names], dtype=object)
    ids = features[["lead_id", "account_id", "email", "company_name"]].reset_index(drop=True)
    return ids.assign(
        segment=np.array(s.segment_names, dtype=object)[seg],
        grade=s.grade, grade_letter=grade_letters(s.grade, model),
        behavior_score=s.behavior_score, fit=s.fit, value=s.value, urgency=s.urgency,
        authority=s.authority, risk=s.risk, qualification_score=s.qualification_score,
        band=np.array(s.band_names, dtype=object)[s.band_code],
        stage=np.array(STAGES, dtype=object)[s.stage_code],
        framework=np.array(s.framework_names, dtype=object)[s.framework_code],
        playbook=per_segment["playbook"][seg], next_action=actions[seg, s.stage_code],
        sla_due_at=sla_due(features, s.stage_code, per_segment["sla_hours"][seg].astype(float)),
        top_factors=top_factors(matrix, model),
    )[list(SCORE_COLUMNS)]


# --- accounts -------------------------------------------------------------------------------

def account_rollup(scores: pd.DataFrame, features: pd.DataFrame,
                   model: ScoringModel) -> pd.DataFrame:
    """Return one row per account: best score, engaged people, roles, group coverage, stage."""
    frame = pd.DataFrame({
        "account_id": scores["account_id"].to_numpy(), "segment": scores["segment"].to_numpy(),
        "qualification_score": scores["qualification_score"].to_numpy(),
        "stage_code": scores["stage"].map(STAGE_CODES).to_numpy(),
        "engaged": features["touched_recently"].fillna(False).to_numpy(dtype=bool),
        "department": features["department"].where(features["department"] != "other").to_numpy(),
    }).dropna(subset=["account_id"])
    engaged_departments = frame["department"].where(frame["engaged"])
    out = frame.assign(engaged_department=engaged_departments).groupby("account_id").agg(
        segment=("segment", "first"), leads=("qualification_score", "size"),
        best_score=("qualification_score", "max"), engaged_people=("engaged", "sum"),
        distinct_departments=("engaged_department", "nunique"), stage_code=("stage_code", "max"))
    segments = out["segment"].unique()
    low = out["segment"].map({s: model.policy_for(s).buying_group_min for s in segments})
    high = out["segment"].map({s: model.policy_for(s).buying_group_max for s in segments})
    return out.reset_index().assign(
        buying_group_min=low.to_numpy(), buying_group_max=high.to_numpy(),
        coverage_ratio=(out["engaged_people"] / ((low + high) / 2)).to_numpy(),
        account_stage=np.array(STAGES, dtype=object)[out["stage_code"].to_numpy()],
    ).drop(columns="stage_code")
