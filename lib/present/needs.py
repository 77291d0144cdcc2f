"""What a KPI says in place of its number when the data cannot measure it: the data it needs.

A rate over no trials is not 0% and "—" beside "0 closed deals" reads as measured. Two cases are
told apart: the export lacks what the KPI counts ("Needs leads with MQL dates; this data has
none.") and the period or filters exclude all of it, though the data has some.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.features.files import FeatureFile
from lib.metrics.coverage import Coverage

NOT_MEASURED = "Not measured"


@dataclass(frozen=True)
class Need:
    """What a KPI is measured from: the Coverage count, in words, and its noun when counted."""

    count: str
    words: str
    noun: str


NEEDS: dict[str, Need] = {
    "win_rate": Need("closed_deals", "closed opportunities (won or lost)", "closed deals"),
    "mql_to_sql": Need("leads_with_mql", "leads with MQL dates", "MQLs"),
    "cycle_time": Need(
        "won_with_cycle",
        "won opportunities with a created date on or before their close date (or stated "
        "days to close)",
        "won deals",
    ),
    "open_pipeline": Need("opportunities", "opportunities", "opportunities"),
    "segment_wins": Need(
        "closed_segmented",
        "closed opportunities on accounts with annual revenue or employee counts",
        "closed deals",
    ),
    "pipeline_mix": Need(
        "open_segmented",
        "open opportunities on accounts with annual revenue or employee counts",
        "open deals",
    ),
    "qualified_rate": Need(
        "deals_from_leads", "opportunities linked to the lead they came from", "opportunities"
    ),
    "sla": Need("mqls_answered", "MQLs with sales' accept or reject dates", "MQLs"),
    "first_meeting": Need("mqls_met", "MQLs with first-meeting dates", "MQLs"),
    "profitable": Need("won_with_margin", "won opportunities with a gross margin", "won deals"),
    "score_bands": Need(
        "closed_from_leads", "closed opportunities linked to their source leads", "closed deals"
    ),
    "velocity": Need(
        "won_priced_dated",
        "won opportunities with an amount and a created date on or before their close date",
        "won deals",
    ),
    "leads": Need("leads", "leads (a Lead or Contact export)", "leads"),
}
# the maturity matrix's capabilities, by the KPI each shows now
CAPABILITY_KPIS = {
    "segmentation": "pipeline_mix",
    "qualification": "qualified_rate",
    "scoring": "segment_wins",
    "process": "sla",
    "financial": "profitable",
    "optimisation": "score_bands",
}


def missing_text(kpi: str, coverage: Coverage) -> str | None:
    """Return 'Needs leads with MQL dates; this data has none.' when the data holds nothing the
    KPI counts, else None."""
    need = NEEDS[kpi]
    if getattr(coverage, need.count):
        return None
    return f"Needs {need.words}; this data has none."


def unmeasured_text(kpi: str, coverage: Coverage, counted: int) -> str | None:
    """Return why the KPI has no number when it counted nothing under the filters: the data it
    needs, or that the period and filters leave out all the data has; None when it counted."""
    if counted:
        return None
    need = NEEDS[kpi]
    total = getattr(coverage, need.count)
    return missing_text(kpi, coverage) or (
        f"No {need.noun} in the chosen period, segments and channels; the data has "
        f"{total:,} in all. Widen the filters to measure it."
    )


# what each page needing the CRM's tables shows, and the command that measures it where a
# warehouse's tables live (None: no command does; the CRM export must be imported)
CRM_PAGES: dict[str, tuple[str, str | None]] = {
    "Overview": ("the funnel KPIs", "kpis --engine spark --tables DIR --json"),
    "Quarterly review": (
        "the KPIs by quarter",
        "kpis --engine spark --tables DIR --start D --end D",
    ),
    "Leads": ("every lead's score as of today", "score --engine spark --tables DIR --out FILE.csv"),
    "Data quality": ("the data-quality checks", None),
    "Recalibration": ("weights re-fitted on closed deals and their opportunities", None),
}


def feature_file_text(name: str, about: FeatureFile) -> str:
    """Return one line saying what a feature-file dataset is: its file, leads, how and when
    they were measured."""
    moment = "at their routing moments" if about.moment == "routing" else "as of the data's end"
    as_of = f", data as of {about.as_of[:10]}" if about.as_of else ""
    return (
        f"Feature file {name}: {about.leads:,} leads measured {moment} on {about.engine} "
        f"from {about.source}{as_of}"
    )


def crm_tables_needed(page: str, caption: str) -> str:
    """Return what a page says on a feature-file dataset: what it is measured from, what the
    dataset holds instead, and how to get the page's figures."""
    what, command = CRM_PAGES.get(page, ("its figures", None))
    where = f"run `python -m lib.cli {command}` where the tables live, or " if command else ""
    return (
        f"The {page} page shows {what}, measured from the CRM's tables (accounts, leads, "
        f"activities, opportunities). The current data is a feature file, which holds each "
        f"lead's features only ({caption}); the Scoring lab runs on it. For {what} of the same "
        f"data, {where}import the CRM export (or restore a CRM dataset) on the Import data page."
    )
