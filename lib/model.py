"""The typed scoring model: load, validate, save, edit as copies, and version inside DuckDB.

One `ScoringModel` holds every number the scoring engine reads. It is plain frozen dataclasses,
so a copy edited in the Scoring lab never changes the published one (`with_*` helpers return
new models). The YAML file and the `model_versions` table both hold `model_to_dict` output.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from lib.db import named_query, run_query
from lib.errors import ModelError
from lib.schema import ACTIVITY_TYPES
from lib.segments import UNASSIGNED, SegmentRule

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "models" / "default.yaml"
PILLARS: tuple[str, ...] = ("fit", "value", "urgency", "authority", "risk")
STAGES: tuple[str, ...] = ("lead", "recycled", "mql", "sal", "sql")
WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ActivityPoints:
    """Points per event of one activity type, and the most that type can add (or take)."""

    points: float
    cap: float


@dataclass(frozen=True)
class SeniorityRule:
    """A seniority level found by title keywords; first matching rule wins."""

    name: str
    label: str
    keywords: tuple[str, ...]
    grade_points: float
    authority: float


@dataclass(frozen=True)
class DepartmentRule:
    """A department found by title keywords; first matching rule wins."""

    name: str
    label: str
    keywords: tuple[str, ...]
    grade_points: float


@dataclass(frozen=True)
class NoGoRules:
    """Factors that disqualify a lead outright (grade 0, score 0, recycled)."""

    personal_email_domains: tuple[str, ...]
    student_email_suffixes: tuple[str, ...]
    competitor_email_domains: tuple[str, ...]
    blank_company: bool


@dataclass(frozen=True)
class GradeCriteria:
    """Who the lead is: points that add up to the 0-100 grade, and the letters over it."""

    base_points: float
    icp_industries: tuple[str, ...]
    icp_industry_points: float
    size_fit_points: float
    wrong_size_points: float
    seniority: tuple[SeniorityRule, ...]
    departments: tuple[DepartmentRule, ...]
    no_go: NoGoRules
    letters: dict[str, float]


@dataclass(frozen=True)
class PillarWeights:
    """How one segment combines the five 0-100 pillars; the weights sum to 1."""

    fit: float
    value: float
    urgency: float
    authority: float
    risk: float


@dataclass(frozen=True)
class SegmentPolicy:
    """Everything that differs by segment: weights, thresholds, size, deal, SLA, playbook."""

    pillar_weights: PillarWeights
    mql_threshold: float
    sql_threshold: float
    ideal_employees_min: int
    ideal_employees_max: int
    expected_deal_usd: float
    buying_group_min: int
    buying_group_max: int
    sla_hours: float
    playbook: str
    next_actions: dict[str, str]


@dataclass(frozen=True)
class ValueScale:
    """Deal size mapped to the value pillar on a log scale: floor -> 0, ceiling -> 100."""

    floor_usd: float
    ceiling_usd: float


@dataclass(frozen=True)
class AuthorityRules:
    """Authority pillar: seniority's authority plus engaged colleagues on the account."""

    other_authority: float
    per_engaged_colleague: float
    max_colleagues: int


@dataclass(frozen=True)
class RiskRules:
    """Risk pillar, stored as 0-100 where 100 means no risk: penalties subtract from 100."""

    stale_days: float
    stale_penalty: float
    bounced_penalty: float
    competitor_penalty: float
    competitor_window_days: float
    blank_firmographics_penalty: float


@dataclass(frozen=True)
class HandRaiserRule:
    """A demo request within the window makes a lead at least an MQL at once."""

    window_days: float


@dataclass(frozen=True)
class RecycleRule:
    """Leads that go back to nurture: rejected by sales, or an MQL left untouched too long."""

    no_touch_days: float
    recycle_disqualified: bool


@dataclass(frozen=True)
class Band:
    """A score band and the lowest qualification score in it."""

    name: str
    label: str
    min_score: float


@dataclass(frozen=True)
class FrameworkRule:
    """A framework used from this deal size up (`inclusive`: amount >= min, else amount > min)."""

    name: str
    min_amount_usd: float
    inclusive: bool


@dataclass(frozen=True)
class Frameworks:
    """Qualification frameworks by deal size, and all frameworks a team may pick from."""

    by_deal_size: tuple[FrameworkRule, ...]
    available: dict[str, str]


@dataclass(frozen=True)
class ScoreScale:
    """How the weighted pillar sum maps onto the 0-100 score: raw_floor -> 0, raw_ceiling -> 100.

    A weighted mean of five pillars rarely reaches 95 (every pillar would have to), so without a
    stretch the 95+ band stays empty; (0, 100) leaves the weighted sum as it is.
    """

    raw_floor: float
    raw_ceiling: float


@dataclass(frozen=True)
class ScoringModel:
    """Every setting the scoring engine reads; one published version is one of these."""

    version: int
    author: str
    note: str
    created_at: str
    segments: tuple[SegmentRule, ...]
    unassigned_policy: str
    grade: GradeCriteria
    behavior_points: dict[str, ActivityPoints]
    intent_points: dict[str, ActivityPoints]
    half_life_days: float
    value: ValueScale
    authority: AuthorityRules
    risk: RiskRules
    policies: dict[str, SegmentPolicy]
    hand_raiser: HandRaiserRule
    recycle: RecycleRule
    bands: tuple[Band, ...]
    frameworks: Frameworks
    buying_group_window_days: float = 90.0
    score_scale: ScoreScale = ScoreScale(raw_floor=0.0, raw_ceiling=100.0)

    def policy_for(self, segment: str) -> SegmentPolicy:
        """Return the segment's policy; unassigned leads use `unassigned_policy`'s."""
        return self.policies[self.unassigned_policy if segment == UNASSIGNED else segment]

    def activity_points(self) -> dict[str, ActivityPoints]:
        """Return behaviour and intent points in one table (activity type -> points)."""
        return self.behavior_points | self.intent_points


# --- dict <-> dataclass, with validation of shape -------------------------------------------

def _build(hint: Any, value: Any, path: str) -> Any:
    """Return `value` converted to `hint`, raising ModelError naming `path` on a mismatch."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _build_dataclass(hint, value, path)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ModelError(f"{path}: expected a list, got {value!r}")
        item = typing.get_args(hint)[0]
        return tuple(_build(item, v, f"{path}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ModelError(f"{path}: expected a mapping, got {value!r}")
        item = typing.get_args(hint)[1]
        return {str(k): _build(item, v, f"{path}.{k}") for k, v in value.items()}
    return _build_scalar(hint, value, path)


def _build_scalar(hint: Any, value: Any, path: str) -> Any:
    """Return a bool/int/float/str checked against its hint."""
    if hint is bool and isinstance(value, bool):
        return value
    if hint in (int, float) and isinstance(value, int | float) and not isinstance(value, bool):
        if hint is int and float(value) != int(value):
            raise ModelError(f"{path}: expected a whole number, got {value!r}")
        return hint(value)
    if hint is str and isinstance(value, str):
        return value
    raise ModelError(f"{path}: expected {getattr(hint, '__name__', hint)}, got {value!r}")


def _build_dataclass(cls: Any, value: Any, path: str) -> Any:
    """Return an instance of `cls` from a mapping with exactly its fields."""
    if not isinstance(value, dict):
        raise ModelError(f"{path or 'model'}: expected a mapping, got {value!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in value:
        if key not in known:
            raise ModelError(f"{_join(path, key)}: unknown field")
    kwargs = {}
    for name, f in known.items():
        if name in value:
            kwargs[name] = _build(hints[name], value[name], _join(path, name))
        elif f.default is dataclasses.MISSING:
            raise ModelError(f"{_join(path, name)}: missing field")
    return cls(**kwargs)


def _join(path: str, key: Any) -> str:
    """Return a dotted path inside the model file."""
    return f"{path}.{key}" if path else str(key)


def _plain(value: Any) -> Any:
    """Return a JSON-safe copy: dataclasses to dicts, tuples to lists."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def model_from_dict(d: dict[str, Any]) -> ScoringModel:
    """Return the validated model a mapping describes; ModelError names the offending path."""
    model = _build_dataclass(ScoringModel, d, "")
    validate_model(model)
    return model


def model_to_dict(model: ScoringModel) -> dict[str, Any]:
    """Return a JSON-safe mapping that `model_from_dict` turns back into an equal model."""
    return _plain(model)


# --- semantic validation --------------------------------------------------------------------

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


# --- files ----------------------------------------------------------------------------------

def model_to_yaml(model: ScoringModel) -> str:
    """Return the model as human-readable YAML text."""
    return yaml.safe_dump(model_to_dict(model), sort_keys=False, allow_unicode=True, width=100)


def model_from_yaml(text: str, source: str = "model") -> ScoringModel:
    """Return the validated model in YAML text; errors are prefixed with `source`."""
    try:
        data = yaml.safe_load(text)
        return model_from_dict(data)
    except yaml.YAMLError as exc:
        raise ModelError(f"{source}: not valid YAML: {exc}") from exc
    except ModelError as exc:
        raise ModelError(f"{source}: {exc}") from exc


def load_model(path: str | Path) -> ScoringModel:
    """Return the validated model stored in a YAML file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model file: {exc}") from exc
    return model_from_yaml(text, str(path))


def save_model(model: ScoringModel, path: str | Path) -> None:
    """Write the model as YAML to `path` (parent folders created)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(model_to_yaml(model), encoding="utf-8")


def default_model() -> ScoringModel:
    """Return the model in data/models/default.yaml."""
    return load_model(DEFAULT_MODEL_PATH)


# --- pure edits -----------------------------------------------------------------------------

def with_changes(model: ScoringModel, **changes: Any) -> ScoringModel:
    """Return a validated copy with top-level fields replaced; the input is not changed."""
    new = replace(model, **changes)
    validate_model(new)
    return new


def _with_policy(model: ScoringModel, segment: str, **changes: Any) -> ScoringModel:
    if segment not in model.policies:
        raise ModelError(f"policies.{segment}: unknown segment")
    policy = replace(model.policies[segment], **changes)
    return with_changes(model, policies=model.policies | {segment: policy})


def with_pillar_weights(model: ScoringModel, segment: str,
                        weights: dict[str, float]) -> ScoringModel:
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


# --- versions in the database ---------------------------------------------------------------

def ensure_versions_table(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the model_versions table when this database has none yet."""
    cur = conn.cursor()
    try:
        cur.execute(named_query("model_versions_table"))
    finally:
        cur.close()


def publish_model(conn: duckdb.DuckDBPyConnection, model: ScoringModel, author: str,
                  note: str) -> ScoringModel:
    """Store the model as the next version (never overwriting) and return it as stored."""
    ensure_versions_table(conn)
    latest = run_query(conn, "model_latest_version")["version"].iloc[0]
    version = 1 if pd.isna(latest) else int(latest) + 1
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    stored = replace(model, version=version, author=author, note=note,
                     created_at=now.isoformat(sep=" "))
    run_query(conn, "model_publish", {"version": version, "created_at": now, "author": author,
                                      "note": note, "body": model_to_yaml(stored)})
    return stored


def model_history(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per published version: version, created_at, author, note (oldest first)."""
    ensure_versions_table(conn)
    return run_query(conn, "model_history")


def load_version(conn: duckdb.DuckDBPyConnection, version: int) -> ScoringModel:
    """Return one published version; ModelError when there is no such version."""
    ensure_versions_table(conn)
    body = run_query(conn, "model_version_body", {"version": int(version)})
    if body.empty:
        raise ModelError(f"model version {version} has not been published")
    return model_from_yaml(body["body"].iloc[0], f"model version {version}")


def published_model(conn: duckdb.DuckDBPyConnection) -> ScoringModel:
    """Return the latest published version, or the default model file when none is published."""
    ensure_versions_table(conn)
    latest = run_query(conn, "model_latest_version")["version"].iloc[0]
    return default_model() if pd.isna(latest) else load_version(conn, int(latest))


def restore_version(conn: duckdb.DuckDBPyConnection, version: int, author: str,
                    note: str) -> ScoringModel:
    """Publish a copy of an old version as the newest one and return it."""
    return publish_model(conn, load_version(conn, version), author, note)


# --- diff -----------------------------------------------------------------------------------

_BOOKKEEPING = ("version", "author", "note", "created_at")
_TABLES = ("behavior_points", "intent_points", "policies")
_LEAF_LABELS = {
    "mql_threshold": "MQL threshold", "sql_threshold": "SQL threshold",
    "half_life_days": "decay half-life (days)", "sla_hours": "SLA hours",
    "pillar_weights": "weight of",
}


def _flatten(value: Any, parts: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Return {path parts: leaf value}; lists stay whole leaves."""
    if isinstance(value, dict):
        out: dict[tuple[str, ...], Any] = {}
        for key, item in value.items():
            out |= _flatten(item, (*parts, str(key)))
        return out
    return {parts: value}


def _label(parts: tuple[str, ...]) -> str:
    """Return a path people read: 'mid_market MQL threshold', 'pricing_page_view points'."""
    shown = parts[1:] if parts[0] in _TABLES and len(parts) > 1 else parts
    return " ".join(_LEAF_LABELS.get(p, p) for p in shown)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def model_diff(old: ScoringModel, new: ScoringModel) -> list[str]:
    """Return a readable line per changed setting, e.g. 'mid_market MQL threshold 50 → 55'."""
    before = {k: v for k, v in model_to_dict(old).items() if k not in _BOOKKEEPING}
    after = {k: v for k, v in model_to_dict(new).items() if k not in _BOOKKEEPING}
    flat_old, flat_new = _flatten(before), _flatten(after)
    lines = []
    for path in list(flat_old) + [p for p in flat_new if p not in flat_old]:
        if path not in flat_new:
            lines.append(f"{_label(path)} removed (was {_show(flat_old[path])})")
        elif path not in flat_old:
            lines.append(f"{_label(path)} added: {_show(flat_new[path])}")
        elif flat_old[path] != flat_new[path]:
            lines.append(f"{_label(path)} {_show(flat_old[path])} → {_show(flat_new[path])}")
    return lines
