"""The typed scoring model: every number the scoring engine reads, as frozen dataclasses.

Every value inside is immutable too (tuples, FrozenMap), so a model is hashable and a published
one cannot be changed: edits (lib.model.edit) return new models. The field types are also the
file's schema (lib.model.schema): strict, finite, ranges where one field alone decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, with_config

from lib.model.segments import UNASSIGNED, SegmentRule
from lib.schema_tools import (
    SCHEMA_CONFIG,
    Finite,
    Flag,
    FrozenMap,
    NonNegative,
    Positive,
    Text,
    Whole,
    Within,
)
from lib.store.schema import ACTIVITY_TYPES

PILLARS: tuple[str, ...] = ("fit", "value", "urgency", "authority", "risk")
STAGES: tuple[str, ...] = ("lead", "recycled", "mql", "sal", "sql")

Score = Annotated[Finite, Within(0, 100)]  # on the 0-100 qualification scale

# The JSON Schema lists a table's allowed keys so editors complete them; a wrong key is refused
# by lib.model.validate with a message naming it.
STAGE_KEYS = Field(json_schema_extra={"propertyNames": {"enum": list(STAGES)}})
ACTIVITY_KEYS = Field(json_schema_extra={"propertyNames": {"enum": list(ACTIVITY_TYPES)}})


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class ActivityPoints:
    """Points per event of one activity type, and the most that type can add (or take)."""

    points: Finite
    cap: Finite


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class SeniorityRule:
    """A seniority level found by title keywords; first matching rule wins."""

    name: Text
    label: Text
    keywords: tuple[Text, ...]
    grade_points: Finite
    authority: Finite


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class DepartmentRule:
    """A department found by title keywords; first matching rule wins."""

    name: Text
    label: Text
    keywords: tuple[Text, ...]
    grade_points: Finite


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class NoGoRules:
    """Factors that disqualify a lead outright (grade 0, score 0, recycled)."""

    personal_email_domains: tuple[Text, ...]
    student_email_suffixes: tuple[Text, ...]
    competitor_email_domains: tuple[Text, ...]
    blank_company: Flag


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class GradeCriteria:
    """Who the lead is: points that add up to the 0-100 grade, and the letters over it."""

    base_points: Finite
    icp_industries: tuple[Text, ...]
    icp_industry_points: Finite
    size_fit_points: Finite
    wrong_size_points: Finite
    seniority: tuple[SeniorityRule, ...]
    departments: tuple[DepartmentRule, ...]
    no_go: NoGoRules
    letters: FrozenMap[Text, Finite]


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class PillarWeights:
    """How one segment combines the five 0-100 pillars; the weights sum to 1."""

    fit: NonNegative
    value: NonNegative
    urgency: NonNegative
    authority: NonNegative
    risk: NonNegative


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class SegmentPolicy:
    """Everything that differs by segment: weights, thresholds, size, deal, SLA, playbook."""

    pillar_weights: PillarWeights
    mql_threshold: Score
    sql_threshold: Score
    ideal_employees_min: Whole
    ideal_employees_max: Whole
    expected_deal_usd: Finite
    buying_group_min: Whole
    buying_group_max: Whole
    sla_hours: Finite
    playbook: Text
    next_actions: Annotated[FrozenMap[Text, Text], STAGE_KEYS]


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class ValueScale:
    """Deal size mapped to the value pillar on a log scale: floor -> 0, ceiling -> 100."""

    floor_usd: Finite
    ceiling_usd: Finite


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class AuthorityRules:
    """Authority pillar: seniority's authority plus engaged colleagues on the account."""

    other_authority: Finite
    per_engaged_colleague: Finite
    max_colleagues: Whole


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class RiskRules:
    """Risk pillar, stored as 0-100 where 100 means no risk: penalties subtract from 100."""

    stale_days: Finite
    stale_penalty: Finite
    bounced_penalty: Finite
    competitor_penalty: Finite
    competitor_window_days: Finite
    blank_firmographics_penalty: Finite


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class HandRaiserRule:
    """A demo request within the window makes a lead at least an MQL at once."""

    window_days: Finite


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class RecycleRule:
    """Leads that go back to nurture: rejected by sales, or an MQL left untouched too long."""

    no_touch_days: Finite
    recycle_disqualified: Flag


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class Band:
    """A score band and the lowest qualification score in it."""

    name: Text
    label: Text
    min_score: Score


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class FrameworkRule:
    """A framework used from this deal size up (`inclusive`: amount >= min, else amount > min)."""

    name: Text
    min_amount_usd: Finite
    inclusive: Flag


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class Frameworks:
    """Qualification frameworks by deal size, and all frameworks a team may pick from."""

    by_deal_size: tuple[FrameworkRule, ...]
    available: FrozenMap[Text, Text]


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class ScoreScale:
    """How the weighted pillar sum maps onto the 0-100 score: raw_floor -> 0, raw_ceiling -> 100.

    A weighted mean of five pillars rarely reaches 95 (every pillar would have to), so without a
    stretch the 95+ band stays empty; (0, 100) leaves the weighted sum as it is.
    """

    raw_floor: Finite
    raw_ceiling: Finite


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class AttributeRule:
    """Points for leads whose attribute (a source column kept on import) meets one condition:
    `equals` a value, is `any_of` a list, lies in [`at_least`, `below`), `contains` a text, or
    is `blank` (true) / filled (false). Text matches ignore case and surrounding spaces. The
    points go to the grade (who the lead is) or the behaviour score (what it did)."""

    attribute: Text
    points: Finite
    score: Literal["grade", "behavior"] = "grade"
    label: Text | None = None
    equals: Text | Flag | Finite | None = None
    any_of: tuple[Text, ...] | None = None
    at_least: Finite | None = None
    below: Finite | None = None
    contains: Text | None = None
    blank: Flag | None = None


def attribute_rule_label(rule: AttributeRule) -> str:
    """Return the words a rule is explained by: its own label, else its condition."""
    if rule.label:
        return rule.label
    if rule.blank is not None:
        return f"{rule.attribute} is {'blank' if rule.blank else 'filled'}"
    if rule.any_of is not None:
        return f"{rule.attribute} is one of {', '.join(rule.any_of)}"
    if rule.contains is not None:
        return f"{rule.attribute} contains '{rule.contains}'"
    if rule.equals is not None:
        value = str(rule.equals).lower() if isinstance(rule.equals, bool) else rule.equals
        return (
            f"{rule.attribute} = {value:g}"
            if isinstance(value, float)
            else f"{rule.attribute} = {value}"
        )
    low = "" if rule.at_least is None else f"{rule.at_least:g} <= "
    high = "" if rule.below is None else f" < {rule.below:g}"
    return f"{low}{rule.attribute}{high}"


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class ScoringModel:
    """Every setting the scoring engine reads; one published version is one of these."""

    version: Whole
    author: Text
    note: Text
    created_at: Text
    segments: tuple[SegmentRule, ...]
    unassigned_policy: Text
    grade: GradeCriteria
    behavior_points: Annotated[FrozenMap[Text, ActivityPoints], ACTIVITY_KEYS]
    intent_points: Annotated[FrozenMap[Text, ActivityPoints], ACTIVITY_KEYS]
    half_life_days: Positive
    value: ValueScale
    authority: AuthorityRules
    risk: RiskRules
    policies: FrozenMap[Text, SegmentPolicy]
    hand_raiser: HandRaiserRule
    recycle: RecycleRule
    bands: tuple[Band, ...]
    frameworks: Frameworks
    buying_group_window_days: Finite = 90.0
    score_scale: ScoreScale = ScoreScale(raw_floor=0.0, raw_ceiling=100.0)
    attribute_rules: tuple[AttributeRule, ...] = ()

    def policy_for(self, segment: str) -> SegmentPolicy:
        """Return the segment's policy; unassigned leads use `unassigned_policy`'s."""
        return self.policies[self.unassigned_policy if segment == UNASSIGNED else segment]

    def activity_points(self) -> FrozenMap[str, ActivityPoints]:
        """Return behaviour and intent points in one table (activity type -> points)."""
        return self.behavior_points | self.intent_points


def sla_hours_by_segment(model: ScoringModel) -> dict[str, float]:
    """Return segment -> SLA hours from the model's policies; unassigned uses its fallback's."""
    names = [rule.name for rule in model.segments] + [UNASSIGNED]
    return {name: model.policy_for(name).sla_hours for name in names}
