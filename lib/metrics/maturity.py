"""The maturity matrix: measured evidence -> a level (1 ad hoc .. 4 operationalised) per capability.

What each level asks for is data, in lib/metrics/maturity_matrix.py. A rate is judged on the
lower end of its 95% interval (the evidence's `<key>_low`), so a level is reached only when the
data shows it beyond chance; score bands are read on leads scored as they looked when routed.
"""

from __future__ import annotations

import math
import string

import duckdb
import pandas as pd

from lib.metrics.maturity_matrix import (
    CAPABILITIES,
    LEVEL_NAMES,
    MATURITY_THRESHOLDS,
    Capability,
    Evidence,
    Threshold,
)
from lib.metrics.outcomes import outcomes_by_band
from lib.metrics.stats import SMALL_SAMPLE, wilson_interval
from lib.model.segments import SegmentRule
from lib.store.connection import data_as_of, run_query
from lib.store.staging import segment_params


def _measured(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def _holds(threshold: Threshold, evidence: Evidence) -> bool:
    # a minimum is judged on the interval's lower end where the evidence has one
    key = threshold.evidence
    value = (
        evidence.get(f"{key}_low", evidence.get(key)) if threshold.minimum else evidence.get(key)
    )
    if value is None or not _measured(value):
        return False
    return (threshold.minimum is None or value >= threshold.minimum) and (
        threshold.maximum is None or value <= threshold.maximum
    )


def _level(capability: str, evidence: Evidence) -> int:
    level = 1
    for next_level in (2, 3, 4):
        rules = [
            t for t in MATURITY_THRESHOLDS if t.capability == capability and t.level == next_level
        ]
        if not all(_holds(t, evidence) for t in rules):
            break
        level = next_level
    return level


def _sentence(capability: Capability, evidence: Evidence) -> str:
    for template in capability.sentences:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
        if all(_measured(evidence.get(name)) for name in fields):
            return template.format(**{name: evidence[name] for name in fields}) + "."
    return capability.unmeasured


def _next_step(capability: str, level: int) -> str:
    needs = [
        t.help for t in MATURITY_THRESHOLDS if t.capability == capability and t.level == level + 1
    ]
    return "; ".join(needs)


def maturity_levels(evidence: Evidence) -> pd.DataFrame:
    """Return one row per capability: label, KPI, level 1-4, level name, the evidence sentence
    and what the next level needs; pure, evidence is not mutated."""
    levels = [_level(c.key, evidence) for c in CAPABILITIES]
    return pd.DataFrame(
        {
            "capability": [c.key for c in CAPABILITIES],
            "label": [c.label for c in CAPABILITIES],
            "kpi": [c.kpi for c in CAPABILITIES],
            "level": levels,
            "level_name": [LEVEL_NAMES[level] for level in levels],
            "evidence": [_sentence(c, evidence) for c in CAPABILITIES],
            "next_level_needs": [
                _next_step(c.key, lv) for c, lv in zip(CAPABILITIES, levels, strict=True)
            ],
        }
    )


def _share(part: float, whole: float) -> float | None:
    return float(part) / float(whole) if whole else None


def _low(part: float, whole: float) -> float | None:
    """Return the lower end of the 95% Wilson interval of part / whole; None without trials."""
    return float(wilson_interval(int(part), int(whole))[0]) if whole else None


def threshold_table() -> pd.DataFrame:
    """Return one row per capability: what levels 2, 3 and 4 ask for and why the cut-offs
    sit there, for people to read beside the levels."""
    needs = {
        (c.key, level): "; ".join(
            t.help for t in MATURITY_THRESHOLDS if t.capability == c.key and t.level == level
        )
        for c in CAPABILITIES
        for level in (2, 3, 4)
    }
    return pd.DataFrame(
        {
            "Capability": [c.label for c in CAPABILITIES],
            **{
                f"Level {level}: {LEVEL_NAMES[level]}": [
                    needs[(c.key, level)] for c in CAPABILITIES
                ]
                for level in (2, 3, 4)
            },
            "Why these cut-offs": [c.why for c in CAPABILITIES],
        }
    )


def _segmentation_evidence(
    conn: duckdb.DuckDBPyConnection, rules: tuple[SegmentRule, ...]
) -> Evidence:
    counts = run_query(conn, "maturity/segment_coverage", segment_params(rules)).iloc[0]
    return {
        "segmented_share": _share(counts["segmented"], counts["records"]),
        "segmented_share_low": _low(counts["segmented"], counts["records"]),
        "segmentation_records": float(counts["records"]),
    }


def _opportunity_evidence(conn: duckdb.DuckDBPyConnection) -> Evidence:
    counts = run_query(conn, "maturity/opportunity_evidence").iloc[0]
    return {
        "qualified_opportunity_share": _share(
            counts["qualified_opportunities"], counts["opportunities"]
        ),
        "qualified_opportunity_share_low": _low(
            counts["qualified_opportunities"], counts["opportunities"]
        ),
        "opportunities": float(counts["opportunities"]),
        "won_with_margin_share": _share(counts["won_with_margin"], counts["won"]),
        "won_with_margin_share_low": _low(counts["won_with_margin"], counts["won"]),
        "won_deals": float(counts["won"]),
    }


def _scoring_evidence(
    conn: duckdb.DuckDBPyConnection, scores: pd.DataFrame | None, min_band_deals: int
) -> Evidence:
    if scores is None or scores.empty:
        return {"top_band_lift": None}
    # the highest band with enough closed deals to say anything: a 2-deal top band reads 0x
    bands = outcomes_by_band(conn, scores)
    judged = bands[bands["closed"] >= min_band_deals]
    if judged.empty or pd.isna(judged["lift"].iloc[0]):
        return {"top_band_lift": None}
    top = judged.iloc[0]
    # the band's Wilson bound over the overall rate (its own deals are a small part of that)
    overall = top["win_rate"] / top["lift"] if top["lift"] else float("nan")
    return {
        "top_band_lift": float(top["lift"]),
        "top_band_lift_low": float(top["win_rate_low"] / overall) if overall else None,
    }


def _process_evidence(
    conn: duckdb.DuckDBPyConnection,
    rules: tuple[SegmentRule, ...],
    sla_hours: dict[str, float],
    as_of: pd.Timestamp | None,
) -> Evidence:
    mqls = run_query(conn, "maturity/mql_handling", segment_params(rules))
    # a segment without its own SLA is held to the loosest one rather than left out
    loosest = max(sla_hours.values(), default=float("nan"))
    sla = mqls["segment"].map(sla_hours).fillna(loosest).astype("float64")
    handled_hours = (mqls["handled_at"] - mqls["mql_at"]).dt.total_seconds() / 3600
    waiting_hours = (as_of - mqls["mql_at"]).dt.total_seconds() / 3600 if as_of is not None else 0.0
    # an MQL still inside its SLA window is not yet due, so it is neither a hit nor a miss
    due = handled_hours.notna() | (waiting_hours > sla)
    meeting_hours = (mqls["first_meeting_at"] - mqls["mql_at"]).dt.total_seconds() / 3600
    return {
        "sla_compliance": _share((handled_hours <= sla).sum(), due.sum()),
        "sla_compliance_low": _low((handled_hours <= sla).sum(), due.sum()),
        "mqls_due": float(due.sum()),
        "median_hours_to_first_meeting": None
        if meeting_hours.dropna().empty
        else float(meeting_hours.median()),
    }


def _optimisation_evidence(
    model_versions: int, last_published_at: pd.Timestamp | None, as_of: pd.Timestamp | None
) -> Evidence:
    if last_published_at is None or as_of is None:
        return {"model_versions": float(model_versions), "days_since_last_model": None}
    # measured against the data, like every age here; a model newer than the data is 0 days old
    days = max((as_of - pd.Timestamp(last_published_at)).days, 0)
    return {"model_versions": float(model_versions), "days_since_last_model": float(days)}


def maturity_evidence(
    conn: duckdb.DuckDBPyConnection,
    rules: tuple[SegmentRule, ...],
    scores: pd.DataFrame | None,
    model_versions: int,
    sla_hours: dict[str, float],
    last_published_at: pd.Timestamp | None = None,
    as_of: pd.Timestamp | None = None,
    min_band_deals: int = SMALL_SAMPLE,
) -> Evidence:
    """Return the evidence maturity_levels reads, measured from the data (None = not measurable).

    Score-band lift is read from the highest band with at least `min_band_deals` closed deals.
    """
    as_of = data_as_of(conn) if as_of is None else pd.Timestamp(as_of)
    return (
        _segmentation_evidence(conn, rules)
        | _opportunity_evidence(conn)
        | _scoring_evidence(conn, scores, min_band_deals)
        | _process_evidence(conn, rules, sla_hours, as_of)
        | _optimisation_evidence(model_versions, last_published_at, as_of)
    )
