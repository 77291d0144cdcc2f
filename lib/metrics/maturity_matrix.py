"""The maturity matrix as data: each capability, what each level asks of its evidence, and why.

One declarative table, so a reader can see, and a reviewer can argue with, exactly what each
level asks for. lib/metrics/maturity.py measures the evidence and reads levels off this table.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVEL_NAMES: dict[int, str] = {1: "ad hoc", 2: "defined", 3: "managed", 4: "operationalised"}

Evidence = dict[str, float | None]


@dataclass(frozen=True)
class Capability:
    """A maturity capability, its KPI, and the sentences that show people its evidence.

    sentences are tried in order; the first whose fields are all measured is shown.
    """

    key: str
    label: str
    kpi: str
    sentences: tuple[str, ...]
    unmeasured: str
    why: str


@dataclass(frozen=True)
class Threshold:
    """What `capability` needs, on one piece of evidence, to reach `level`."""

    capability: str
    level: int
    evidence: str
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "segmentation",
        "Segmentation strategy",
        "Pipeline mix by segment",
        (
            "{segmented_share:.0%} (95% interval from {segmented_share_low:.0%}) of "
            "{segmentation_records:,.0f} leads and accounts have a segment",
            "{segmented_share:.0%} of {segmentation_records:,.0f} leads and accounts have a "
            "segment",
        ),
        "No leads or accounts to segment yet.",
        "A segment decides a lead's weights, thresholds, SLA and playbook; a record without one "
        "runs on the fallback policy. Half, 80% and 95% mark segmentation going from partial to "
        "covering nearly every record.",
    ),
    Capability(
        "qualification",
        "Qualification framework",
        "Qualified opportunity rate",
        (
            "{qualified_opportunity_share:.0%} (95% interval from "
            "{qualified_opportunity_share_low:.0%}) of {opportunities:,.0f} opportunities came "
            "from a lead that reached SQL",
            "{qualified_opportunity_share:.0%} of {opportunities:,.0f} opportunities came "
            "from a lead that reached SQL",
        ),
        "No opportunities yet.",
        "An opportunity from a lead that reached SQL went through the framework; the share says "
        "how much of the pipeline it gates. A quarter, half and three quarters mark the "
        "framework going from occasional to the norm.",
    ),
    Capability(
        "scoring",
        "Lead & account scoring",
        "Win rate by segment",
        (
            "The top score band wins {top_band_lift:.2f}× the overall win rate (95% interval "
            "from {top_band_lift_low:.2f}×), scored as leads looked when routed",
            "The top score band wins {top_band_lift:.2f}× the overall win rate",
        ),
        "No scored leads with closed deals yet.",
        "A top band that wins no more than the average ranks nothing (1×); 1.2× is a lift a "
        "sales team notices in its win rate, 1.5× makes the top band clearly worth working "
        "first. Leads are scored as they looked when routed, so later activity and a lead's own "
        "deal cannot flatter the score.",
    ),
    Capability(
        "process",
        "Process integration",
        "Speed to first meeting and SLA compliance",
        (
            "{sla_compliance:.0%} (95% interval from {sla_compliance_low:.0%}) of "
            "{mqls_due:,.0f} MQLs were accepted or rejected within their segment's SLA; median "
            "{median_hours_to_first_meeting:,.0f} hours from MQL to first meeting",
            "{sla_compliance:.0%} of {mqls_due:,.0f} MQLs were accepted or rejected within "
            "their segment's SLA; median {median_hours_to_first_meeting:,.0f} hours from MQL "
            "to first meeting",
            "{sla_compliance:.0%} of {mqls_due:,.0f} MQLs were accepted or rejected within "
            "their segment's SLA",
        ),
        "No MQLs due for handling yet.",
        "An MQL left past its SLA goes cold. Half, 75% and 90% answered in time mark the "
        "hand-off from marketing to sales going from occasional to dependable.",
    ),
    Capability(
        "financial",
        "Financial feedback loop",
        "Profitable win rate",
        (
            "{won_with_margin_share:.0%} (95% interval from {won_with_margin_share_low:.0%}) "
            "of {won_deals:,.0f} won deals have a gross margin recorded",
            "{won_with_margin_share:.0%} of {won_deals:,.0f} won deals have a gross margin "
            "recorded",
        ),
        "No won deals yet.",
        "Profitable win rate needs a margin on every won deal: the share recorded says how "
        "much of finance's view reaches qualification. A quarter, 60% and 90% mark it going "
        "from sampled to complete.",
    ),
    Capability(
        "optimisation",
        "Continuous optimisation",
        "Lift in LTV and deal quality",
        (
            "{model_versions:.0f} published model versions, the last "
            "{days_since_last_model:.0f} days before the latest data",
            "{model_versions:.0f} published model versions",
        ),
        "No model published yet.",
        "A model re-fitted recently reflects today's buyers: one published is a start, one "
        "re-fitted within half a year is managed, three or more with the last within a quarter "
        "is a habit.",
    ),
)

MATURITY_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("segmentation", 2, "segmented_share", 0.50, help="half of records have a segment"),
    Threshold("segmentation", 3, "segmented_share", 0.80, help="80% have a segment"),
    Threshold("segmentation", 4, "segmented_share", 0.95, help="95% have a segment"),
    Threshold(
        "qualification",
        2,
        "qualified_opportunity_share",
        0.25,
        help="a quarter of opportunities come from SQLs",
    ),
    Threshold(
        "qualification",
        3,
        "qualified_opportunity_share",
        0.50,
        help="half of opportunities come from SQLs",
    ),
    Threshold(
        "qualification",
        4,
        "qualified_opportunity_share",
        0.75,
        help="three quarters of opportunities come from SQLs",
    ),
    Threshold("scoring", 2, "top_band_lift", 1.0, help="the top band wins at least the average"),
    Threshold("scoring", 3, "top_band_lift", 1.2, help="the top band wins 1.2× the average"),
    Threshold("scoring", 4, "top_band_lift", 1.5, help="the top band wins 1.5× the average"),
    Threshold("process", 2, "sla_compliance", 0.50, help="half of MQLs handled within SLA"),
    Threshold("process", 3, "sla_compliance", 0.75, help="75% of MQLs handled within SLA"),
    Threshold("process", 4, "sla_compliance", 0.90, help="90% of MQLs handled within SLA"),
    Threshold(
        "financial", 2, "won_with_margin_share", 0.25, help="a quarter of won deals record margin"
    ),
    Threshold("financial", 3, "won_with_margin_share", 0.60, help="60% of won deals record margin"),
    Threshold("financial", 4, "won_with_margin_share", 0.90, help="90% of won deals record margin"),
    Threshold("optimisation", 2, "model_versions", 1, help="a scoring model is published"),
    Threshold("optimisation", 3, "model_versions", 2, help="the model has been re-fitted once"),
    Threshold(
        "optimisation",
        3,
        "days_since_last_model",
        maximum=180,
        help="the last version is under 180 days old",
    ),
    Threshold("optimisation", 4, "model_versions", 3, help="three or more versions"),
    Threshold(
        "optimisation",
        4,
        "days_since_last_model",
        maximum=90,
        help="the last version is under 90 days old",
    ),
)
