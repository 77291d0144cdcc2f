"""The typed scoring model: every number the scoring engine reads, as frozen dataclasses.

A copy edited in the Scoring lab never changes the published one: edits (lib.model.edit)
return new models.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.model.segments import UNASSIGNED, SegmentRule

PILLARS: tuple[str, ...] = ("fit", "value", "urgency", "authority", "risk")
STAGES: tuple[str, ...] = ("lead", "recycled", "mql", "sal", "sql")


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


def sla_hours_by_segment(model: ScoringModel) -> dict[str, float]:
    """Return segment -> SLA hours from the model's policies; unassigned uses its fallback's."""
    names = [rule.name for rule in model.segments] + [UNASSIGNED]
    return {name: model.policy_for(name).sla_hours for name in names}
