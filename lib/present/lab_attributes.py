"""The Scoring lab's Attributes part: every kept lead attribute with its fill rate, its levels'
share and observed outcome (95% intervals, lift, likely leakage), and the attribute-rule editor's
form <-> an AttributeRule.

Levels come from lib.evaluate.attributes (categories, booleans, number quartiles, levels under
30 leads pooled as "other", blank), measured on the leads with an outcome, so the shares, rates,
lift and leakage flag here are the ones a recalibration sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lib.errors import ModelError
from lib.evaluate.attribute_fit import attribute_words
from lib.evaluate.attributes import BLANK, OTHER, attribute_levels, attribute_summary
from lib.evaluate.design import deal_counts, learned_outcome, training_frame
from lib.features.attributes import kept_attributes
from lib.metrics.stats import SMALL_SAMPLE
from lib.model import AttributeRule, attribute_rule_label
from lib.present.numbers import interval_text, percent_text, small_flag

KIND_WORDS = {"number": "Number", "date": "Date", "boolean": "Yes / no", "category": "Category"}
# what the observed rate is called, and which leads it is measured on
OUTCOME_WORDS = {
    "won": ("Win rate", "leads with a closed deal"),
    "converted": ("Conversion", "leads with a converted flag"),
}
LEAKAGE_FLAG = "⚠ likely leakage"
NO_ATTRIBUTES = (
    "This data keeps no lead attributes, so there is nothing to score on beyond the standard "
    "fields. To keep source columns (Lead Source, TotalVisits, custom fields), name them under "
    "`attributes:` in the mapping you import with (`attributes: [Lead Source, TotalVisits]`, a "
    'pattern such as `"*__c"`, or `attributes: all`); see data/mappings/README.md. Salesforce '
    "exports keep their `__c` custom fields and HubSpot exports their extra properties by default."
)
CHART_LEVELS = 15  # the largest levels charted; the table lists every one

# the rule editor: conditions by attribute kind, in the order offered
CONDITION_WORDS = {
    "equals": "equals",
    "any_of": "is any of",
    "range": "is in a range",
    "contains": "contains",
    "blank": "is blank / is filled",
}
CONDITIONS: dict[str, list[str]] = {
    "category": ["equals", "any_of", "contains", "blank"],
    "number": ["range", "equals", "blank"],
    "boolean": ["equals", "blank"],
    "date": ["equals", "contains", "blank"],
}
SCORE_WORDS = {"grade": "Grade (who they are)", "behavior": "Behaviour score (what they did)"}
FLAG_WORDS = ("Yes", "No")
BLANK_WORDS = ("is blank", "is filled")
# the editor's widget keys, by the form field each holds
RULE_KEYS = {
    field: f"lab_rule_{field}"
    for field in (
        "attribute",
        "condition",
        "text",
        "number",
        "levels",
        "low",
        "high",
        "flag",
        "blank",
        "points",
        "score",
        "label",
    )
}
FORM_DEFAULTS: dict[str, Any] = {
    "text": "",
    "number": None,
    "levels": [],
    "low": None,
    "high": None,
    "flag": FLAG_WORDS[0],
    "blank": BLANK_WORDS[0],
    "points": 10.0,
    "score": "grade",
    "label": "",
}


@dataclass(frozen=True)
class AttributeProfile:
    """What the Attributes part shows: the kept lead attributes (name, kind, filled), their
    levels and summary (lib.evaluate.attributes), the leads in all, and the outcome measured
    ("won", "converted"; None when no lead has one: levels then count every lead)."""

    catalog: pd.DataFrame
    levels: pd.DataFrame
    summary: pd.DataFrame
    leads: int
    outcome: str | None
    measured: int


def attribute_profile(conn: duckdb.DuckDBPyConnection, history: pd.DataFrame) -> AttributeProfile:
    """Return every kept lead attribute's levels among the leads of `history` (history_features)
    with an outcome: closed deals, or the converted flag of a leads-only export."""
    catalog = kept_attributes(conn)
    empty = pd.DataFrame(columns=["name", "levels", "auc", "likely_leakage"])
    if catalog.empty or history.empty:
        return AttributeProfile(catalog, pd.DataFrame(), empty, len(history), None, 0)
    outcome = learned_outcome(deal_counts(conn), history)
    known = training_frame(conn, history, outcome)
    if known["won"].astype(bool).nunique() < 2:  # nothing to compare: the levels' shares only
        leads = history[["lead_id"]].assign(won=False)
        return AttributeProfile(
            catalog, attribute_levels(conn, leads), empty, len(history), None, 0
        )
    levels = attribute_levels(conn, known[["lead_id", "won"]])
    return AttributeProfile(
        catalog, levels, attribute_summary(levels), len(history), outcome, len(known)
    )


def profile_caption(profile: AttributeProfile) -> str:
    """Return what the levels are measured on, in words."""
    kept = f"{len(profile.catalog):,} lead attributes kept on import."
    if profile.outcome is None:
        return (
            f"{kept} No lead has an outcome yet (a closed deal or a converted flag): the levels "
            f"show how the {profile.leads:,} leads spread, not how they turned out."
        )
    rate, on = OUTCOME_WORDS[profile.outcome]
    return (
        f"{kept} Levels, shares and {rate.lower()} are measured on the {profile.measured:,} "
        f"{on} (levels under 30 leads pooled as other). Lift: the level's rate over the "
        "overall rate. AUC alone: how well the attribute by itself ranks the outcome (0.5: no "
        "better than chance); likely leakage: almost perfectly (AUC ≥ 0.9), as a field sales "
        "fills in after the outcome does."
    )


def attributes_in_words(profile: AttributeProfile) -> pd.DataFrame:
    """Return one row per kept attribute: type, fill rate, how well it ranks the outcome alone
    (likely leakage flagged there) and its levels' lift from lowest to highest, in words."""
    auc = dict(zip(profile.summary["name"], profile.summary["auc"], strict=True))
    leaky = set(profile.summary.loc[profile.summary["likely_leakage"].astype(bool), "name"])
    rows = []
    for name, kind, filled in zip(
        profile.catalog["name"], profile.catalog["kind"], profile.catalog["filled"], strict=True
    ):
        row = {
            "Attribute": attribute_words(name),
            "Type": KIND_WORDS.get(kind, kind),
            "Filled": percent_text(
                min(int(filled) / profile.leads, 1.0) if profile.leads else None
            ),
        }
        if profile.outcome is not None:
            levels = _levels_of(profile, name)
            row |= {
                "AUC alone": (f"{auc[name]:.2f}" if name in auc else "—")
                + (f" {LEAKAGE_FLAG}" if name in leaky else ""),
                "Lift": _lift_range(levels),
            }
        rows.append(row)
    return pd.DataFrame(rows)


def _levels_of(profile: AttributeProfile, name: str) -> pd.DataFrame:
    """Return one attribute's levels, numbers in bin order, others largest first; other and
    blank last."""
    if profile.levels.empty:
        return profile.levels
    rows = profile.levels[profile.levels["name"] == name]
    special = rows["level"].isin([OTHER, BLANK])
    named = rows[~special]
    named = (
        named.sort_values("low", kind="stable")
        if named["low"].notna().any()
        else named.sort_values(["leads", "level"], ascending=[False, True], kind="stable")
    )
    return pd.concat([named, rows[special].sort_values("level", ascending=False)])


def level_words(level: str, low: float, high: float) -> str:
    """Return a level as people read it: '12 to 30' for a number bin, 'Yes' for true,
    'Blank', 'Other (levels under 30 leads)'."""
    if not np.isnan(low):
        return f"{low:,.4g}" if low == high else f"{low:,.4g} to {high:,.4g}"
    words = {
        "true": "Yes",
        "false": "No",
        "dated": "Has a date",
        BLANK: "Blank",
        OTHER: f"Other (levels under {SMALL_SAMPLE} leads)",
    }
    return words.get(level, level)


def _lift_range(levels: pd.DataFrame) -> str:
    lift = levels.loc[levels["leads"] >= SMALL_SAMPLE, "lift"].dropna()
    if lift.empty:
        return "—"
    return f"{lift.min():.2f}–{lift.max():.2f}×"


def levels_in_words(profile: AttributeProfile, name: str) -> pd.DataFrame:
    """Return one attribute's levels: leads, share, the observed rate with its 95% interval
    (levels under 30 leads flagged), and lift; without an outcome, leads and share only."""
    levels = _levels_of(profile, name)
    total = int(levels["leads"].sum())
    frame = pd.DataFrame(
        {
            "Level": [
                level_words(str(v), float(lo), float(hi))
                for v, lo, hi in zip(levels["level"], levels["low"], levels["high"], strict=True)
            ],
            "Leads": levels["leads"].astype("int64").to_numpy(),
            "Share": [percent_text(n / total) for n in levels["leads"]],
        }
    )
    if profile.outcome is None:
        return frame
    rate, _ = OUTCOME_WORDS[profile.outcome]
    return frame.assign(
        **{
            rate: [
                f"{interval_text(r, lo, hi)} {small_flag(n)}".strip()
                for r, lo, hi, n in zip(
                    levels["rate"],
                    levels["rate_low"],
                    levels["rate_high"],
                    levels["leads"],
                    strict=True,
                )
            ],
            "Lift": [f"{v:.2f}×" for v in levels["lift"]],
        }
    )


def level_chart_rows(profile: AttributeProfile, name: str) -> pd.DataFrame:
    """Return the largest levels of one attribute for its chart: label (with leads, small
    flagged), leads, rate and its 95% bounds (rates NaN without an outcome)."""
    levels = _levels_of(profile, name)
    top = levels.nlargest(CHART_LEVELS, "leads", keep="first").index
    rows = levels.loc[[i for i in levels.index if i in top]]
    labels = [
        f"{level_words(str(v), float(lo), float(hi))} — {int(n):,} leads"
        + (" ⚠" if n < SMALL_SAMPLE else "")
        for v, lo, hi, n in zip(
            rows["level"], rows["low"], rows["high"], rows["leads"], strict=True
        )
    ]
    nan = np.full(len(rows), np.nan)
    measured = profile.outcome is not None
    return pd.DataFrame(
        {
            "label": labels,
            "leads": rows["leads"].astype("int64").to_numpy(),
            "rate": rows["rate"].to_numpy() if measured else nan,
            "rate_low": rows["rate_low"].to_numpy() if measured else nan,
            "rate_high": rows["rate_high"].to_numpy() if measured else nan,
        }
    )


def overall_rate(profile: AttributeProfile) -> float:
    """Return the outcome's rate among the measured leads (NaN without an outcome)."""
    if profile.outcome is None or profile.levels.empty:
        return float("nan")
    first = profile.levels[profile.levels["name"] == profile.levels["name"].iloc[0]]
    return float(first["wins"].sum() / first["leads"].sum())


# --- the rule editor ------------------------------------------------------------------------


def attribute_rule(form: Mapping[str, Any], kind: str) -> AttributeRule:
    """Return the rule the editor's form describes (form: RULE_KEYS' fields -> values) for an
    attribute of `kind`; ModelError saying what to fill in when the condition lacks a value."""
    condition = form["condition"]
    common: dict[str, Any] = {
        "attribute": form["attribute"],
        "points": float(form["points"]),
        "score": form["score"],
        "label": str(form.get("label") or "").strip() or None,
    }
    if condition == "blank":
        return AttributeRule(**common, blank=form["blank"] == BLANK_WORDS[0])
    if condition == "range":
        low, high = form.get("low"), form.get("high")
        if low is None and high is None:
            raise ModelError("Give a lowest value, a value to stay below, or both.")
        if low is not None and high is not None and low >= high:
            raise ModelError(f"The value to stay below must be above the lowest ({low:g}).")
        return AttributeRule(
            **common,
            at_least=None if low is None else float(low),
            below=None if high is None else float(high),
        )
    if condition == "any_of":
        if not form.get("levels"):
            raise ModelError("Pick at least one value.")
        return AttributeRule(**common, any_of=tuple(str(v) for v in form["levels"]))
    if condition == "equals" and kind == "boolean":
        return AttributeRule(**common, equals=form["flag"] == FLAG_WORDS[0])
    if condition == "equals" and kind == "number":
        if form.get("number") is None:
            raise ModelError("Give the number to match.")
        return AttributeRule(**common, equals=float(form["number"]))
    text = str(form.get("text") or "").strip()
    if not text:
        raise ModelError("Give the text to match.")
    if condition == "contains":
        return AttributeRule(**common, contains=text)
    return AttributeRule(**common, equals=text)


def rule_condition(rule: AttributeRule) -> str:
    """Return the editor's condition for a rule: equals, any_of, range, contains or blank."""
    if rule.blank is not None:
        return "blank"
    if rule.any_of is not None:
        return "any_of"
    if rule.contains is not None:
        return "contains"
    if rule.equals is not None:
        return "equals"
    return "range"


def rule_form(rule: AttributeRule) -> dict[str, Any]:
    """Return the editor's form (RULE_KEYS' fields -> values) showing a rule, to edit it."""
    form = FORM_DEFAULTS | {
        "attribute": rule.attribute,
        "condition": rule_condition(rule),
        "points": rule.points,
        "score": rule.score,
        "label": rule.label or "",
        "levels": list(rule.any_of or ()),
        "low": rule.at_least,
        "high": rule.below,
        "text": rule.contains or "",
    }
    if rule.blank is not None:
        form["blank"] = BLANK_WORDS[0] if rule.blank else BLANK_WORDS[1]
    if isinstance(rule.equals, bool):
        form["flag"] = FLAG_WORDS[0] if rule.equals else FLAG_WORDS[1]
    elif isinstance(rule.equals, float | int):
        form["number"] = float(rule.equals)
    elif rule.equals is not None:
        form["text"] = rule.equals
    return form


def rule_in_words(rule: AttributeRule) -> str:
    """Return 'Partner Tier = Gold: +20 grade points' (a custom field's name in words)."""
    where = "grade" if rule.score == "grade" else "behaviour"
    label = attribute_rule_label(replace(rule, attribute=attribute_words(rule.attribute)))
    return f"{label}: {rule.points:+g} {where} points"


def observed_values(values: pd.Series, limit: int = 200) -> list[str]:
    """Return an attribute's distinct values (as lib.features.attributes.attribute_series gives
    them), the most frequent first, at most `limit`, for the editor's list of values."""
    counts = values.dropna().astype(str).str.strip().value_counts(sort=True)
    return sorted(counts.index[:limit], key=lambda v: (-counts[v], v))
