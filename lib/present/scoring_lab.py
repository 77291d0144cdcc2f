"""The Scoring lab's logic: widget values <-> an edited model copy, and a back-test in words.

The lab's widgets hold plain numbers keyed by `widget_values`; `edited_model` turns them back
into a validated copy of the model (the published one is never changed), renormalising the five
pillar weights to sum to 1. The back-test's frames become metric cards (edited value, delta
against the published model with counts, 95% Wilson intervals) and tables in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from lib.evaluate.backtest import Backtest
from lib.metrics.filters import Filters
from lib.metrics.stats import rate_frame
from lib.model import (
    PILLARS,
    ScoringModel,
    default_model,
    model_diff,
    with_behavior_points,
    with_changes,
    with_half_life,
    with_pillar_weights,
    with_thresholds,
)
from lib.model.segments import segment_labels
from lib.present.needs import NOT_MEASURED
from lib.present.numbers import money_text, rate_text
from lib.scoring import ScoreArrays
from lib.store.model_versions import load_version, publish_model, restore_version

HALF_LIFE = "lab_half_life"
MQL, SQL = "lab_mql_threshold", "lab_sql_threshold"
WEIGHT_KEYS = {p: f"lab_weight_{p}" for p in PILLARS}
GRADE_KEYS = {
    "icp_industry_points": "lab_grade_icp_industry",
    "size_fit_points": "lab_grade_size_fit",
    "wrong_size_points": "lab_grade_wrong_size",
}
GRADE_WORDS = {
    "icp_industry_points": "ICP industry match",
    "size_fit_points": "Company size fits its segment",
    "wrong_size_points": "Wrong company size",
}
STAGE_WORDS = {"lead": "Lead", "recycled": "Recycled", "mql": "MQL", "sal": "SAL", "sql": "SQL"}
NO_HISTORY = (
    "The back-test needs leads (a Lead or Contact export); this data has none. You can still "
    "edit the model, publish it and restore earlier versions."
)
# what a back-test rate card says when neither model has anything to count
UNMEASURED = {
    "mql_to_sql": "No lead reaches MQL under either model.",
    "recall_won": "Needs won deals linked to the lead they came from; this history has none.",
    "precision_win_rate": "No SQL lead has a closed deal under either model.",
    "revenue": "Needs won deals with amounts, linked to the lead they came from; this history "
    "has none.",
}


def points_key(activity: str) -> str:
    """Return the widget key of one activity type's points per event."""
    return f"lab_points_{activity}"


def activity_words(activity: str) -> str:
    """Return an activity type as people say it: 'Pricing page view'."""
    return activity.replace("_", " ").capitalize()


def widget_values(model: ScoringModel, segment: str) -> dict[str, float]:
    """Return every lab widget's value (key -> number) for `model`, thresholds of `segment`."""
    policy = model.policies[segment]
    values = {key: float(getattr(policy.pillar_weights, p)) for p, key in WEIGHT_KEYS.items()}
    values |= {
        MQL: policy.mql_threshold,
        SQL: policy.sql_threshold,
        HALF_LIFE: model.half_life_days,
    }
    values |= {key: float(getattr(model.grade, f)) for f, key in GRADE_KEYS.items()}
    return values | {points_key(a): r.points for a, r in model.activity_points().items()}


def normalised_weights(raw: Mapping[str, float]) -> dict[str, float]:
    """Return the pillar weights scaled to sum to 1 (equal weights when all are 0)."""
    values = np.array([max(float(raw[p]), 0.0) for p in PILLARS])
    total = values.sum()
    if total <= 0:
        return dict.fromkeys(PILLARS, 1 / len(PILLARS))
    if abs(total - 1.0) < 1e-9:
        return {p: float(v) for p, v in zip(PILLARS, values, strict=True)}
    share = np.round(values / total, 4)
    share[np.argmax(share)] += 1.0 - share.sum()  # rounding leftovers go to the largest weight
    return {p: float(s) for p, s in zip(PILLARS, share, strict=True)}


def edited_model(model: ScoringModel, segment: str, values: Mapping[str, Any]) -> ScoringModel:
    """Return a validated copy of `model` carrying the widget values; ModelError if invalid."""
    weights = normalised_weights({p: values[key] for p, key in WEIGHT_KEYS.items()})
    edited = with_pillar_weights(model, segment, weights)
    edited = with_thresholds(edited, segment, values[MQL], values[SQL])
    for activity in model.activity_points():
        edited = with_behavior_points(edited, activity, values[points_key(activity)])
    grade = replace(
        edited.grade,
        icp_industry_points=float(values[GRADE_KEYS["icp_industry_points"]]),
        size_fit_points=float(values[GRADE_KEYS["size_fit_points"]]),
        wrong_size_points=float(values[GRADE_KEYS["wrong_size_points"]]),
    )
    return with_half_life(with_changes(edited, grade=grade), values[HALF_LIFE])


# --- the back-test in words -----------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One st.metric: label, the edited value, its delta against published (None: nothing to
    compare), a caption."""

    label: str
    value: str
    delta: str | None
    caption: str
    delta_color: Literal["normal", "off"] = "normal"  # "off": no green arrow for a zero change


def _colour(delta: Any) -> Literal["normal", "off"]:
    """Return the metric's delta colour: neutral when nothing moved (or nothing to compare)."""
    return "normal" if delta and not np.isnan(delta) else "off"


def _summary(bt: Backtest) -> pd.DataFrame:
    return bt.summary.set_index("metric")


def _count_card(bt: Backtest, label: str, metric: str, noun: str) -> Card:
    row = _summary(bt).loc[metric]
    return Card(
        label,
        f"{row['edited']:,.0f}",
        f"{row['delta']:+,.0f} {noun}",
        f"Published model: {row['published']:,.0f} {noun}",
        _colour(_summary(bt).at[metric, "delta"]),
    )


def _rate_card(bt: Backtest, label: str, metric: str, noun: str, counted: str) -> Card:
    rates = bt.rates[bt.rates["metric"] == metric].set_index("model")
    new, old = rates.loc["edited"].to_dict(), rates.loc["published"].to_dict()
    texts = [
        rate_text(r["rate"], r["rate_low"], r["rate_high"], int(r["trials"]), noun)
        for r in (new, old)
    ]
    if not new["trials"]:  # a rate over nothing is not measured, and has no change to show
        why = UNMEASURED[metric] if not old["trials"] else f"The edited model has no {noun}."
        published = f" Published {texts[1]}." if old["trials"] else ""
        return Card(label, NOT_MEASURED, None, why + published, "off")
    points = (new["rate"] - old["rate"]) * 100
    delta = (
        f"{points:+.1f} pts ({new['successes'] - old['successes']:+,.0f} {counted})"
        if old["trials"]
        else None
    )
    return Card(
        label,
        f"{new['rate']:.1%}",
        delta,
        f"Edited {texts[0]}. Published {texts[1]}.",
        _colour(new["successes"] - old["successes"]),
    )


def metric_cards(bt: Backtest) -> list[Card]:
    """Return the lab's headline numbers: funnel counts, MQL→SQL, recall (won deals and won
    revenue at or above the SQL line) and precision (win rate of closed deals there)."""
    revenue = _summary(bt).loc["recall_won_revenue"]
    revenue_card = (
        Card(
            "Won revenue reaching SQL",
            f"{revenue['edited']:.1%}",
            f"{(revenue['delta']) * 100:+.1f} pts",
            f"Share of all won revenue scored at or above the SQL line; published model "
            f"{revenue['published']:.1%}.",
            _colour(_summary(bt).at["recall_won_revenue", "delta"]),
        )
        if not np.isnan(revenue["edited"])
        else Card("Won revenue reaching SQL", NOT_MEASURED, None, UNMEASURED["revenue"], "off")
    )
    return [
        _count_card(bt, "Leads reaching MQL", "mql_leads", "leads"),
        _count_card(bt, "Leads reaching SQL", "sql_leads", "leads"),
        _rate_card(bt, "MQL→SQL conversion", "mql_to_sql", "MQLs", "SQLs"),
        _rate_card(bt, "Won deals reaching SQL", "recall_won", "won deals", "won deals"),
        revenue_card,
        _rate_card(bt, "Win rate of SQLs", "precision_win_rate", "closed deals", "won deals"),
    ]


def bands_with_intervals(bt: Backtest, model: ScoringModel) -> pd.DataFrame:
    """Return the back-test's bands with band labels, model words and Wilson bounds."""
    labels = {b.name: b.label for b in model.bands}
    frame = bt.bands.assign(
        model=bt.bands["model"].map({"published": "Published model", "edited": "Edited model"}),
        band=bt.bands["band"].map(labels).fillna(bt.bands["band"]),
    )
    rates = rate_frame(frame["won"], frame["closed"], prefix="win_rate")
    return pd.concat([frame.drop(columns="win_rate"), rates], axis=1)


def mix_in_words(bt: Backtest, model: ScoringModel) -> pd.DataFrame:
    """Return the SQL set per segment as 'published → edited' in words: SQL leads, their share
    and deal amount (no row when no lead reaches SQL under either model)."""
    columns = pd.MultiIndex.from_product(
        [["leads", "count_share", "deal_amount_usd"], ["published", "edited"]]
    )
    wide = bt.mix.pivot(index="segment", columns="model").reindex(columns=columns)
    labels = segment_labels(model.segments)
    rows = wide[(wide["leads"] > 0).to_numpy().any(axis=1)]

    def change(column: str, text: Callable[[float], str]) -> list[str]:
        pairs = zip(rows[(column, "published")], rows[(column, "edited")], strict=True)
        return [f"{text(a)} → {text(b)}" for a, b in pairs]

    return pd.DataFrame(
        {
            "Segment": [labels.get(s, s) for s in rows.index],
            "SQL leads": change("leads", lambda v: f"{v:,.0f}"),
            "Share of SQL leads": change("count_share", lambda v: f"{v:.1%}"),
            "Deal amount": change("deal_amount_usd", money_text),
        }
    )


def transitions_in_words(bt: Backtest) -> str:
    """Return 'SQL → SAL: 45 leads; SQL → MQL: 5 leads', or a sentence saying none move."""
    if bt.transitions.empty:
        return "No lead changes stage."
    rows = bt.transitions.sort_values("leads", ascending=False, kind="stable")
    return "; ".join(
        f"{STAGE_WORDS[str(a)]} → {STAGE_WORDS[str(b)]}: {int(n):,} leads"
        for a, b, n in zip(rows["from_stage"], rows["to_stage"], rows["leads"], strict=True)
    )


def changed_within(bt: Backtest, features: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Return the indices of the back-test's changed leads inside the filters' segments and
    channels (the back-test itself always counts every lead)."""
    idx = bt.changed
    keep = np.ones(len(idx), dtype=bool)
    for column, allowed in (("segment", filters.segments), ("channel", filters.channels)):
        if allowed is not None:
            keep &= np.isin(features[column].to_numpy()[idx], list(allowed))
    return idx[keep]


def changed_in_words(
    idx: np.ndarray,
    features: pd.DataFrame,
    before: ScoreArrays,
    after: ScoreArrays,
    model: ScoringModel,
) -> pd.DataFrame:
    """Return leads (row indices) that change stage: company, segment, channel, old → new
    stage and score, and what happened to them."""
    labels = segment_labels(model.segments)
    stages = np.array([STAGE_WORDS[s] for s in before.stage_names], dtype=object)
    old, new = before.qualification_score[idx], after.qualification_score[idx]
    return pd.DataFrame(
        {
            "Company": features["company_name"].to_numpy()[idx],
            "Segment": [labels.get(s, s) for s in features["segment"].to_numpy()[idx]],
            "Channel": features["channel"].to_numpy()[idx],
            "Stage": [
                f"{a} → {b}"
                for a, b in zip(
                    stages[before.stage_code[idx]], stages[after.stage_code[idx]], strict=True
                )
            ],
            "Score": [f"{a:.1f} → {b:.1f}" for a, b in zip(old, new, strict=True)],
            "Score change": np.round(new - old, 1),
            "Outcome": np.select(
                [
                    features["won"].fillna(False).to_numpy(bool)[idx],
                    features["lost"].fillna(False).to_numpy(bool)[idx],
                ],
                ["Won", "Lost"],
                default="Open",
            ),
        }
    )


def changed_caption(shown: int, bt: Backtest) -> str:
    """Return how many leads change stage in all, and which of them the table lists."""
    total = int(bt.transitions["leads"].sum()) if not bt.transitions.empty else 0
    if total == 0:
        return "No lead changes stage under the edited model."
    listed = len(bt.changed)
    picked = "all of them" if listed == total else f"the {listed:,} with the largest score change"
    return (
        f"{total:,} leads change stage; listed: {picked}, {shown:,} of those within the "
        "sidebar's segments and channels."
    )


def base_of(model: ScoringModel) -> tuple[int, str]:
    """Return what identifies a published version."""
    return (model.version, model.created_at)


def rebase_notice(published: ScoringModel, start: ScoringModel, conflicts: tuple[str, ...]) -> str:
    """Return what happened to unsaved edits when another version was published meanwhile."""
    text = (
        f"Version {published.version} was published while you were editing (you started from "
        f"version {start.version}). Your unsaved edits are kept, applied on top of version "
        f"{published.version}."
    )
    if conflicts:
        text += " Both changed " + ", ".join(conflicts) + ": your value is kept there."
    return text


def diff_in_words(lines: list[str] | tuple[str, ...], model: ScoringModel) -> list[str]:
    """Return `model_diff` lines with segment, activity and grade names as people say them."""
    words = {r.name: r.label for r in model.segments}
    words |= {a: activity_words(a).lower() for a in model.activity_points()}
    words |= {f: GRADE_WORDS[f] + " points" for f in GRADE_KEYS}
    pattern = re.compile(
        r"\b(" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")\b"
    )
    return [pattern.sub(lambda m: words[m.group(1)], line) for line in lines]


def timing_caption(leads: int, seconds: float) -> str:
    """Return 'recomputed 20,000 leads in 12 ms'."""
    return f"Recomputed {leads:,} historical leads in {seconds * 1000:.0f} ms."


# --- versions -------------------------------------------------------------------------------


def history_in_words(history: pd.DataFrame) -> pd.DataFrame:
    """Return the published versions newest first with headers in words."""
    rows = history.sort_values("version", ascending=False)
    return pd.DataFrame(
        {
            "Version": rows["version"].to_numpy(),
            "Published": pd.to_datetime(rows["created_at"]).to_numpy(),
            "By": rows["author"].to_numpy(),
            "Why": rows["note"].to_numpy(),
        }
    )


@dataclass(frozen=True)
class VersionChange:
    """One version: its number (0 = the default model file), a title (who, when, why) and what
    it changed against the version before it."""

    version: int
    title: str
    changes: tuple[str, ...]

    @property
    def name(self) -> str:
        """Return 'version 3', or 'the default model' for version 0."""
        return f"version {self.version}" if self.version else "the default model"


DEFAULT_ENTRY = VersionChange(0, "The default model — data/models/default.yaml", ())


def version_changes(
    conn: duckdb.DuckDBPyConnection, history: pd.DataFrame, limit: int = 20
) -> list[VersionChange]:
    """Return the newest `limit` versions newest first, each diffed against the version before
    it (the default model for the first), and the default model last: it can be restored too."""
    rows = history.sort_values("version").reset_index(drop=True)
    start = max(len(rows) - limit, 0)
    before = default_model() if start == 0 else load_version(conn, rows["version"][start - 1])
    out = []
    recent = rows.iloc[start:]
    for version, created_at, author, note in zip(
        recent["version"], recent["created_at"], recent["author"], recent["note"], strict=True
    ):
        current = load_version(conn, int(version))
        when = pd.Timestamp(created_at).strftime("%d %b %Y %H:%M")
        out.append(
            VersionChange(
                int(version),
                f"Version {version} — {author}, {when}: {note}",
                tuple(diff_in_words(model_diff(before, current), current)),
            )
        )
        before = current
    return [*out[::-1], DEFAULT_ENTRY]


def restore(
    conn: duckdb.DuckDBPyConnection,
    version: int,
    who: str,
    *,
    based_on: int,
    identity: str | None = None,
) -> ScoringModel:
    """Publish a copy of an earlier version (0: the default model file) as the newest, recorded
    under the person who restored it; VersionConflict when the newest is no longer `based_on`."""
    if version == 0:
        return publish_model(
            conn,
            default_model(),
            who,
            "Restored the default model",
            based_on=based_on,
            identity=identity,
            restored_from=0,
        )
    return restore_version(
        conn, version, who, f"Restored version {version}", based_on=based_on, identity=identity
    )
