"""The parts each pillar adds up from: stable keys the engine and recalibration use, and the
words explanations show for them (reword a label here; nothing looks a part up by its label)."""

from __future__ import annotations

# fit (the grade)
BASE_GRADE = "base_grade"
ICP_INDUSTRY = "icp_industry"
SIZE_FITS = "size_fits"
WRONG_SIZE = "wrong_size"
SENIORITY = "seniority"  # explained per seniority rule, under the rule's label
DEPARTMENT = "department"  # explained per department rule, under the rule's label
ATTRIBUTE_RULES = "attribute_rules"  # explained per attribute rule, under the rule's label
# value
OPPORTUNITY_AMOUNT = "opportunity_amount"
TYPICAL_DEAL = "typical_deal"
# authority
TITLE_AUTHORITY = "title_authority"
ENGAGED_COLLEAGUES = "engaged_colleagues"
# risk (100 = no risk; penalties are negative)
NO_RISK_BASELINE = "no_risk_baseline"
STALE = "stale"
BOUNCED = "bounced"
COMPETITOR_RESEARCH = "competitor_research"
BLANK_FIRMOGRAPHICS = "blank_firmographics"

PART_LABELS: dict[str, str] = {
    BASE_GRADE: "base grade",
    ICP_INDUSTRY: "ICP industry",
    SIZE_FITS: "company size fits segment",
    WRONG_SIZE: "wrong company size",
    OPPORTUNITY_AMOUNT: "opportunity amount",
    TYPICAL_DEAL: "typical deal for segment",
    TITLE_AUTHORITY: "title authority",
    ENGAGED_COLLEAGUES: "engaged colleagues",
    NO_RISK_BASELINE: "no-risk baseline",
    STALE: "stale record",
    BOUNCED: "bounced email",
    COMPETITOR_RESEARCH: "competitor research",
    BLANK_FIRMOGRAPHICS: "blank firmographics",
}
