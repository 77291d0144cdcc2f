"""The numeric feature matrix the scoring fast path reads, and lookups memoised on it.

A slider move changes one setting; each lookup is memoised on the matrix under the settings it
reads, so only what the move touched is recomputed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import sparse

from lib.features import AGE_BUCKET_NAMES, RECENT_BUCKETS, bucket_columns
from lib.features.leads import ATTRIBUTE_PREFIX
from lib.model import PILLARS, STAGES, AttributeRule, ScoringModel
from lib.model.segments import UNASSIGNED, assign_segments
from lib.store.schema import ACTIVITY_TYPES

STAGE_CODES = {name: code for code, name in enumerate(STAGES)}
NO_GO_REASONS: tuple[str, ...] = (
    "personal email domain",
    "student email",
    "competitor email domain",
    "blank company",
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
    stated_segment: np.ndarray  # the export's own segment name, None where it states none
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
    # attribute name -> per lead value: float64 (numbers, booleans as 1/0; NaN missing) or
    # object (text; None missing), for the attributes the model's rules read
    attributes: dict[str, np.ndarray] = field(default_factory=dict, compare=False)
    cache: dict[Any, dict[Any, Any]] = field(default_factory=dict, compare=False, repr=False)
    # the app shares one matrix between every session's thread: the memo is guarded
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)


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


def _stated(features: pd.DataFrame) -> np.ndarray:
    """Return the export's own segment names (None where it states none, or for a frame built
    without the column, as synthetic benchmark frames are)."""
    if "stated_segment" not in features:
        return np.full(len(features), None, dtype=object)
    return features["stated_segment"].to_numpy(dtype=object)


def _pair_sum(lead: np.ndarray, n: int) -> sparse.csr_array:
    """Return the n x pairs 0/1 matrix that sums pair values into their leads."""
    ones = np.ones(len(lead), dtype="float32")
    return sparse.csr_array((ones, (lead, np.arange(len(lead)))), shape=(n, len(lead)))


def feature_matrix(features: pd.DataFrame) -> FeatureMatrix:
    """Return the numeric arrays `score_arrays` reads, extracted once from `lead_features`."""
    lead, kind, buckets, recent, bounds = _activity_pairs(features)
    number = {
        c: pd.to_numeric(features[c], errors="coerce").to_numpy("float64", na_value=np.nan)
        for c in ("annual_revenue_usd", "employees", "source_opportunity_amount_usd")
    }
    codes = {
        c: _codes(features[c]) for c in ("industry", "seniority", "department", "email_domain")
    }
    return FeatureMatrix(
        n=len(features),
        revenue_usd=number["annual_revenue_usd"],
        employees=number["employees"],
        stated_segment=_stated(features),
        industry_code=codes["industry"][0],
        industry_names=codes["industry"][1],
        seniority_code=codes["seniority"][0],
        seniority_names=codes["seniority"][1],
        department_code=codes["department"][0],
        department_names=codes["department"][1],
        domain_code=codes["email_domain"][0],
        domain_names=codes["email_domain"][1],
        company_blank=_flag(features["company_blank"]),
        email_bounced=_flag(features["email_bounced"]),
        days_since_activity=np.fmin(
            _days(features["days_since_update"]), _days(features["days_since_last_touch"])
        ),
        days_since_last_touch=_days(features["days_since_last_touch"]),
        days_since_demo_request=_days(features["days_since_demo_request"]),
        days_since_competitor_research=_days(features["days_since_competitor_research"]),
        has_mql=features["mql_at"].notna().to_numpy(),
        has_sal=features["sal_at"].notna().to_numpy(),
        has_sql=features["sql_at"].notna().to_numpy(),
        disqualified_untouched=_flag(features["disqualified_untouched"]),
        engaged_colleagues=features["engaged_colleagues"].to_numpy(dtype="float32"),
        source_amount_usd=number["source_opportunity_amount_usd"],
        pair_lead=lead,
        pair_sum=_pair_sum(lead, len(features)),
        pair_type=kind,
        pair_buckets=buckets,
        pair_recent=recent,
        type_bounds=bounds,
        attributes=attribute_arrays(features),
    )


def attribute_arrays(features: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return per `attribute: <name>` column of the features its values as rules read them:
    float64 (numbers, booleans as 1/0; NaN missing) or object text (None missing)."""
    return {
        c.removeprefix(ATTRIBUTE_PREFIX): _attribute_values(features[c])
        for c in features.columns
        if c.startswith(ATTRIBUTE_PREFIX)
    }


def with_attribute_values(matrix: FeatureMatrix, features: pd.DataFrame) -> FeatureMatrix:
    """Return the matrix with the attribute columns of `features` (one row per lead, in the
    matrix's order) it lacks, and a fresh memo; input not changed."""
    added = {
        name: values
        for name, values in attribute_arrays(features).items()
        if name not in matrix.attributes
    }
    if not added:
        return matrix
    return replace(matrix, attributes=matrix.attributes | added, cache={}, lock=threading.Lock())


def _attribute_values(values: pd.Series) -> np.ndarray:
    """Return an attribute's values as float64 (NaN missing) when numeric, else text (None)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy("float64", na_value=np.nan)
    text = values.astype(object)
    return np.asarray(text.where(text.notna(), None).to_numpy(dtype=object), dtype=object)


def attribute_hits(matrix: FeatureMatrix, rule: AttributeRule) -> np.ndarray:
    """Return per lead whether its attribute meets the rule's condition (memoised). A lead
    without the value (or a dataset without the attribute) meets only `blank: true`; text
    compares ignoring case and surrounding spaces; a range reads numbers only."""
    # keyed by the condition alone: a rule whose points (or score, or label) change in the
    # Scoring lab reuses its hits (1M leads: ~300 ms a text rule, bench/whatif.py)
    condition = replace(rule, points=0.0, score="grade", label=None)
    return memo(matrix, ("attribute", condition), lambda: _hits(matrix, rule))


def _lowered(matrix: FeatureMatrix, name: str, values: np.ndarray) -> pd.Series:
    """Return a text attribute's values stripped and lowercased (memoised per attribute)."""
    return pd.Series(
        memo(
            matrix,
            ("attribute_text", name),
            lambda: pd.Series(values, dtype=object).str.strip().str.lower().to_numpy(),
        ),
        dtype=object,
    )


def _hits(matrix: FeatureMatrix, rule: AttributeRule) -> np.ndarray:
    values = matrix.attributes.get(rule.attribute)
    if values is None:
        values = np.full(matrix.n, np.nan)
    numeric = values.dtype.kind == "f"
    missing = np.isnan(values) if numeric else np.array([v is None for v in values], dtype=bool)
    if rule.blank is not None:
        return missing if rule.blank else ~missing
    if numeric:
        with np.errstate(invalid="ignore"):
            if rule.at_least is not None or rule.below is not None:
                low = -np.inf if rule.at_least is None else rule.at_least
                high = np.inf if rule.below is None else rule.below
                return (values >= low) & (values < high)
            wanted = [rule.equals] if rule.equals is not None else list(rule.any_of or ())
            numbers = [n for n in (_number(w) for w in wanted) if n is not None]
            matched: np.ndarray = np.isin(values, numbers) & ~missing
            return matched
    text = _lowered(matrix, rule.attribute, values)
    if rule.contains is not None:
        found = text.str.contains(rule.contains.strip().lower(), regex=False)
        return found.fillna(False).to_numpy(dtype=bool)
    if rule.equals is None and rule.any_of is None:
        return np.zeros(matrix.n, dtype=bool)  # a range on text: no text is a number
    wanted = [rule.equals] if rule.equals is not None else list(rule.any_of or ())
    words = {str(w).lower() if isinstance(w, bool) else str(w).strip().lower() for w in wanted}
    return text.isin(words).to_numpy(dtype=bool)


def _number(value: object) -> float | None:
    """Return a rule's value as a number to compare numeric attributes with (true = 1)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().lower()
    if text in ("true", "yes"):
        return 1.0
    if text in ("false", "no"):
        return 0.0
    try:
        return float(text)
    except ValueError:
        return None


MEMO_PER_KIND = 4  # a slider move adds one 1M-float array per changed setting; keep the last 4


def memo(matrix: FeatureMatrix, key: tuple[Any, ...], compute: Any) -> np.ndarray:
    """Return compute() memoised on the matrix under key (key[0] names the kind; LRU per kind).

    Thread-safe: the lock guards the memo, not the computation, so sessions moving different
    sliders compute at once; two computing the same key both get equal arrays, one is kept.
    """
    with matrix.lock:
        kind = matrix.cache.setdefault(key[0], {})
        if key in kind:
            kind[key] = kind.pop(key)
            return cast(np.ndarray, kind[key])
    value = compute()
    if isinstance(value, np.ndarray):
        value.flags.writeable = False  # shared by every session: nobody may change it in place
    with matrix.lock:
        kind[key] = value
        while len(kind) > MEMO_PER_KIND:
            kind.pop(next(iter(kind)))
        return cast(np.ndarray, kind[key])


def per_lead(
    matrix: FeatureMatrix, model: ScoringModel, seg: np.ndarray, names: tuple[str, ...], attr: str
) -> np.ndarray:
    """Return a segment policy number (a weight, a threshold) per lead, memoised."""
    table = segment_table(model, names, attr)
    return memo(matrix, (attr, tuple(table), names), lambda: table[seg])


def segment_codes(matrix: FeatureMatrix, model: ScoringModel) -> tuple[np.ndarray, tuple[str, ...]]:
    """Return segment codes under the model's rules; memoised, so only new rules cost time."""
    names = (*[r.name for r in model.segments], UNASSIGNED)

    def compute() -> np.ndarray:
        labels = assign_segments(
            pd.Series(matrix.revenue_usd),
            pd.Series(matrix.employees),
            model.segments,
            pd.Series(matrix.stated_segment),
        )
        return pd.Index(names).get_indexer(pd.Index(labels)).astype("int8")

    return memo(matrix, ("segments", model.segments), compute), names


def in_list(names: tuple[str, ...], wanted: tuple[str, ...]) -> np.ndarray:
    """Return per category code (plus a final slot for missing, -1) whether it is listed."""
    listed = {w.lower() for w in wanted}
    return np.array([n.lower() in listed for n in names] + [False])


def points_by_name(names: tuple[str, ...], points: dict[str, float]) -> np.ndarray:
    """Return per category code (plus the missing slot) its points; unlisted names score 0."""
    return np.array([points.get(n, 0.0) for n in names] + [0.0], dtype="float32")


def no_go_reasons(matrix: FeatureMatrix, model: ScoringModel) -> np.ndarray:
    """Return per lead the first no-go reason's index into NO_GO_REASONS, -1 when none."""
    rules = model.grade.no_go
    domains = matrix.domain_names
    personal = memo(
        matrix,
        ("personal", rules.personal_email_domains),
        lambda: in_list(domains, rules.personal_email_domains),
    )
    student = memo(
        matrix,
        ("student", rules.student_email_suffixes),
        lambda: np.array(
            [any(s.lower() in d for s in rules.student_email_suffixes if s) for d in domains]
            + [False]
        ),
    )
    competitor = memo(
        matrix,
        ("competitor", rules.competitor_email_domains),
        lambda: in_list(domains, rules.competitor_email_domains),
    )
    blank = matrix.company_blank & rules.blank_company
    masks = [
        personal[matrix.domain_code],
        student[matrix.domain_code],
        competitor[matrix.domain_code],
        blank,
    ]
    return np.select(masks, list(range(len(masks))), default=-1).astype("int8")


def segment_table(model: ScoringModel, names: tuple[str, ...], attr: str) -> np.ndarray:
    """Return one policy number per segment code."""
    return np.array([policy_value(model, n, attr) for n in names], dtype="float32")


def policy_value(model: ScoringModel, segment: str, attr: str) -> float:
    policy = model.policy_for(segment)
    if attr in PILLARS:
        return float(getattr(policy.pillar_weights, attr))
    return float(getattr(policy, attr))
