"""The Leads page's logic: filter and sort scored leads, name columns in words, explain a score.

Filtering is boolean masks over whole columns (20k leads: a few ms), so every widget move on the
page re-filters the full scored frame without caching.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from lib.model import PILLARS, ScoringModel
from lib.model.segments import segment_labels
from lib.present.export import CRM_PROPERTY_MAP

STAGE_LABELS: dict[str, str] = {
    "lead": "Lead",
    "recycled": "Recycled to nurture",
    "mql": "MQL",
    "sal": "SAL",
    "sql": "SQL",
}
NO_ACCOUNTS = (
    "No lead is linked to an account, so there is nothing to roll up: the roll-up needs leads "
    "converted to accounts (or contacts with an account)."
)
COLUMN_LABELS: dict[str, str] = {
    "lead_id": "Lead ID",
    "account_id": "Account ID",
    "email": "Email",
    "company_name": "Company",
    "channel": "Channel",
    "segment": "Segment",
    "stage": "Stage",
    "band": "Band",
    "qualification_score": "Qualification score",
    "grade": "Grade",
    "grade_letter": "Grade letter",
    "behavior_score": "Behaviour score",
    "framework": "Framework",
    "playbook": "Playbook",
    "next_action": "Next action",
    "sla_due_at": "SLA due",
    "top_factors": "Top factors",
}
# what the list shows, narrow enough for a 1440-pixel window; framework and top factors are in
# the CRM export, channel is a filter, and a lead's factors are drawn under "Why this score"
TABLE_COLUMNS: tuple[str, ...] = (
    "company_name",
    "email",
    "segment",
    "stage",
    "band",
    "qualification_score",
    "grade_letter",
    "next_action",
    "sla_due_at",
)
SORTABLE: dict[str, str] = {
    "qualification_score": "Qualification score",
    "grade": "Grade",
    "sla_due_at": "SLA due",
    "company_name": "Company",
}
CHART_FACTORS = 15  # the rest of a lead's factors are summed into one "smaller factors" bar


@dataclass(frozen=True)
class LeadQuery:
    """Which scored leads to list; None means no restriction, an empty tuple means none pass."""

    segments: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    stages: tuple[str, ...] | None = None
    bands: tuple[str, ...] | None = None
    frameworks: tuple[str, ...] | None = None
    min_score: float = 0.0
    search: str = ""


def _within(values: pd.Series, allowed: tuple[str, ...] | None) -> np.ndarray:
    if allowed is None:
        return np.ones(len(values), dtype=bool)
    return values.isin(allowed).to_numpy()


def _matches(scores: pd.DataFrame, text: str) -> np.ndarray:
    """Return whether company or email contains text (any case, taken literally)."""
    text = text.strip()
    if not text:
        return np.ones(len(scores), dtype=bool)
    # lower() then a literal contains: 4x faster than case=False on Arrow strings (20k: 6 ms)
    hit = [
        scores[c].str.lower().str.contains(text.lower(), regex=False, na=False).to_numpy()
        for c in ("company_name", "email")
    ]
    return hit[0] | hit[1]


def lead_mask(scores: pd.DataFrame, channels: pd.Series, query: LeadQuery) -> np.ndarray:
    """Return one boolean per lead: whether it passes every restriction of query."""
    score = scores["qualification_score"].to_numpy(dtype="float64")
    mask: np.ndarray = (
        _within(scores["segment"], query.segments)
        & _within(channels.reset_index(drop=True), query.channels)
        & _within(scores["stage"], query.stages)
        & _within(scores["band"], query.bands)
        & _within(scores["framework"], query.frameworks)
        & (score >= query.min_score)
        & _matches(scores, query.search)
    )
    return mask


def filtered_leads(
    scores: pd.DataFrame,
    channels: pd.Series,
    query: LeadQuery,
    sort_by: str = "qualification_score",
    ascending: bool = False,
) -> pd.DataFrame:
    """Return the leads passing query with their channel, sorted (stable); inputs not mutated."""
    mask = lead_mask(scores, channels, query)
    chosen = scores.loc[mask].assign(channel=channels.to_numpy()[mask])
    return chosen.sort_values(
        sort_by, ascending=ascending, kind="stable", na_position="last", ignore_index=True
    )


def value_labels(model: ScoringModel) -> dict[str, dict[str, str]]:
    """Return column -> {stored value: word people read} for segment, stage and band."""
    return {
        "segment": segment_labels(model.segments),
        "stage": STAGE_LABELS,
        "band": {b.name: b.label for b in model.bands},
    }


def in_words(
    frame: pd.DataFrame, model: ScoringModel, columns: tuple[str, ...] = TABLE_COLUMNS
) -> pd.DataFrame:
    """Return the chosen columns with values and headers in words; input not mutated."""
    out = frame[list(columns)].copy()
    for column, labels in value_labels(model).items():
        if column in out:
            out[column] = out[column].map(labels).fillna(out[column])
    if "qualification_score" in out:
        out["qualification_score"] = out["qualification_score"].astype("float64").round(1)
    return out.rename(columns=COLUMN_LABELS)


def lead_choices(leads: pd.DataFrame, limit: int = 200) -> dict[str, str]:
    """Return 'Company · email · score 61.2 · lead_id' -> lead_id for the first `limit` leads."""
    # The ID keeps labels unique (duplicate leads share company and email), so the label itself
    # can be the widget's option; AppTest cannot drive a selectbox through a format_func.
    head = leads.head(limit)
    text = (
        head["company_name"].fillna("(no company)")
        + " · "
        + head["email"].fillna("")
        + " · score "
        + head["qualification_score"].astype("float64").round(1).astype(str)
        + " · "
        + head["lead_id"]
    )
    return dict(zip(text, head["lead_id"], strict=True))


def feature_row(features: pd.DataFrame, lead_id: str) -> pd.DataFrame:
    """Return the one-row features frame of lead_id (empty when it is not there)."""
    return cast(pd.DataFrame, features.loc[features["lead_id"].to_numpy() == lead_id].head(1))


def _sentence_case(text: pd.Series) -> pd.Series:
    # str.capitalize would lower the rest: "ICP industry" -> "Icp industry"
    return text.str[:1].str.upper() + text.str[1:]


def chart_factors(explanation: pd.DataFrame, keep: int = CHART_FACTORS) -> pd.DataFrame:
    """Return the `keep` largest factors, the rest summed into one row, then the score-scale
    adjustments last (points earned first, then how the scale maps them); the sum is unchanged."""
    scale = explanation[explanation["pillar"] == "scale"]
    factors = explanation[explanation["pillar"] != "scale"]
    ranked = factors.reindex(
        factors["points"].abs().sort_values(ascending=False, kind="stable").index
    )
    top, rest = ranked.head(keep), ranked.iloc[keep:]
    parts = [top]
    if len(rest):
        plural = "" if len(rest) == 1 else "s"
        parts.append(
            pd.DataFrame(
                {
                    "factor": [f"{len(rest)} smaller factor{plural}"],
                    "points": [float(rest["points"].sum())],
                    "pillar": ["Several"],
                }
            )
        )
    parts.append(scale[scale["points"] != 0])
    chart = pd.concat(parts, ignore_index=True)
    # a chart draws one bar per label: a label two pillars share (competitor research is
    # behaviour and a risk) is told apart by its pillar
    shared = chart["factor"].duplicated(keep=False)
    chart["factor"] = chart["factor"].where(~shared, chart["factor"] + " (" + chart["pillar"] + ")")
    return chart.assign(
        factor=_sentence_case(chart["factor"]), pillar=_sentence_case(chart["pillar"])
    )[["factor", "points", "pillar"]]


def pillar_values(score_row: pd.Series) -> dict[str, float]:
    """Return pillar name in words -> its 0-100 value for one scored lead."""
    return {p.capitalize(): float(score_row[p]) for p in PILLARS}


def accounts_in_words(
    rollup: pd.DataFrame,
    scores: pd.DataFrame,
    model: ScoringModel,
    segments: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Return one row per account (best score first) with headers and values in words."""
    named = scores.dropna(subset=["account_id"]).drop_duplicates("account_id")
    names = named.set_index("account_id")["company_name"]
    shown = rollup if segments is None else rollup[rollup["segment"].isin(segments)]
    shown = shown.sort_values("best_score", ascending=False, kind="stable")
    group = shown["buying_group_min"].astype(str) + "–" + shown["buying_group_max"].astype(str)
    labels = segment_labels(model.segments)
    return pd.DataFrame(
        {
            "Company": shown["account_id"].map(names).to_numpy(),
            "Segment": shown["segment"].map(labels).fillna(shown["segment"]).to_numpy(),
            "Leads": shown["leads"].to_numpy(),
            "Best score": shown["best_score"].astype("float64").round(1).to_numpy(),
            "Engaged people": shown["engaged_people"].to_numpy(),
            "Expected buying group": group.to_numpy(),
            "Buying group covered": shown["coverage_ratio"].to_numpy(),
            "Account stage": shown["account_stage"].map(STAGE_LABELS).to_numpy(),
            "Account ID": shown["account_id"].to_numpy(),
        }
    )


def crm_mapping() -> pd.DataFrame:
    """Return one row per exported field: its name in words, CSV, HubSpot and Salesforce names."""
    rows = [(COLUMN_LABELS[k], *names) for k, names in CRM_PROPERTY_MAP.items()]
    return pd.DataFrame(
        rows, columns=["Qualify field", "CSV column", "HubSpot property", "Salesforce field"]
    )


TABLE_ROWS = 25_000  # a browser table of 1M rows costs ~4 s a run; the export holds them all


def count_caption(shown: int, total: int, listed: int | None = None) -> str:
    """Return 'Showing 1,234 of 20,000 leads', saying so when only the first `listed` are listed."""
    text = f"Showing {shown:,} of {total:,} leads"
    if listed is not None and listed < shown:
        text += f"; the first {listed:,} in this order are listed, the CRM export holds all"
    return text
