"""The Recalibration page's logic: the fit's results in words, its charts' frames, guarded files.

Everything here reads a finished `Recalibration`; nothing refits. Exporting follows the same
guard as the CLI: a model that is not trusted (too little data, a fit that did not converge, a
held-out AUC that does not rule out a coin toss...) is refused unless the person forces it.
"""

from __future__ import annotations

import json
from typing import cast

import pandas as pd

from lib.errors import UntrustedRecalibration
from lib.evaluate.attribute_fit import attribute_words
from lib.evaluate.design import signal_label
from lib.evaluate.recalibration import Recalibration, refusal_text, weights_table
from lib.model import PILLARS, ScoringModel, model_to_dict, model_to_yaml
from lib.model.segments import segment_labels
from lib.present.csv_file import csv_text
from lib.present.numbers import rate_texts

MODEL_WORDS = {
    "current": "Current model",
    "recalibrated": "Recalibrated model",
    "fitted": "Full fit (every signal fitted)",
}
KIND_WORDS = {
    "pillar": "Pillar",
    "activity": "Activity (per event)",
    "flag": "Who they are",
    "attribute": "Attribute value",
}
SCORE_WORDS = {"grade": "Grade (who they are)", "behavior": "Behaviour score (what they did)"}
SETTING_WORDS = {
    "pillar weight": "Pillar weight",
    "points per event": "Points per event",
    "score scale": "Score scale",
    "threshold": "Threshold",
}
NAME_WORDS = {
    "raw_floor": "Weighted sum scoring 0",
    "raw_ceiling": "Weighted sum scoring 100",
    "mql_threshold": "MQL threshold",
    "sql_threshold": "SQL threshold",
}
NO_FILES = {"yaml": "", "json": "", "csv": ""}  # what a refused download button holds


def auc_table(result: Recalibration) -> pd.DataFrame:
    """Return one row per model: its words, held-out ROC AUC and DeLong 95% interval, current
    first."""
    rows = [
        {
            "model": MODEL_WORDS[name],
            "auc": result.metrics[name].auc,
            "low": result.metrics[name].auc_low,
            "high": result.metrics[name].auc_high,
        }
        for name in ("current", "recalibrated", "fitted")
    ]
    return pd.DataFrame(rows)


def auc_verdict(result: Recalibration) -> str:
    """Return whether the recalibrated model ranks the held-out deals better than the current
    one beyond chance, by DeLong's paired test on the same deals."""
    new, old = result.metrics["recalibrated"], result.metrics["current"]
    gain, p = new.auc - old.auc, result.paired_p
    if pd.isna(p):
        return f"AUC {gain:+.3f} for the recalibrated model; too few held-out deals to test it."
    if p >= 0.05:
        return (
            f"AUC {gain:+.3f} for the recalibrated model, within chance: DeLong's paired test on "
            f"the same {result.test_size:,} held-out deals gives p = {p:.2g}."
        )
    side = "better" if gain > 0 else "worse"
    return (
        f"The recalibrated model ranks the held-out deals {side}: AUC {gain:+.3f}, beyond "
        f"chance (DeLong's paired test on the same {result.test_size:,} deals, p = {p:.2g})."
    )


def counts_caption(result: Recalibration) -> str:
    """Return what was counted: closed and won deals in the data, and the leads learnt from."""
    counts = result.counts
    if result.outcome == "converted":
        return (
            f"The data holds no closed deal with a source lead, so the fit learns the leads' own "
            f"outcome, converted: {counts['leads_with_outcome']:,} leads with a converted flag, "
            "each as it looked when it was routed."
        )
    unlinked = counts["closed_deals"] - counts["closed_deals_with_lead"]
    return (
        f"The data holds {counts['closed_deals']:,} closed deals ({counts['won_deals']:,} won); "
        f"{unlinked:,} of them have no source lead, so the fit learns from the "
        f"{counts['leads_with_outcome']:,} leads with a closed deal, each as it looked when it "
        "was routed."
    )


def period_caption(result: Recalibration) -> str:
    """Return one sentence with the train and held-out test periods, their sizes and wins."""
    if result.train_period is None or result.test_period is None:
        return (
            f"Fitted on {result.train_size:,} leads ({result.counts['train_wins']:,} converted); "
            f"validated on {result.test_size:,} others ({result.counts['test_wins']:,} "
            "converted) drawn at random, stratified by outcome: the data has no dates to hold "
            "out the newest, so this is not an out-of-time test."
        )
    (a, b), (c, d) = result.train_period, result.test_period
    if result.outcome == "converted":
        return (
            f"Fitted on {result.train_size:,} leads created {a:%d %b %Y} – {b:%d %b %Y} "
            f"({result.counts['train_wins']:,} converted); validated on the newest "
            f"{result.test_size:,}, created {c:%d %b %Y} – {d:%d %b %Y} "
            f"({result.counts['test_wins']:,} converted; out of time: the fit never saw them)."
        )
    return (
        f"Fitted on {result.train_size:,} leads whose deals closed {a:%d %b %Y} – {b:%d %b %Y} "
        f"({result.counts['train_wins']:,} won); validated on the newest "
        f"{result.test_size:,}, closed {c:%d %b %Y} – {d:%d %b %Y} "
        f"({result.counts['test_wins']:,} won; out of time: the fit never saw them)."
    )


def penalty_caption(result: Recalibration) -> str:
    """Return the penalty chosen, how, and the inputs left out of the fit."""
    return (
        f"Penalty C = {result.penalty:g} (smaller is stronger), chosen among "
        f"{len(result.penalty_table)} by time-ordered cross-validation on the training period: "
        f"{result.counts['fitted_inputs']} inputs fitted, {len(result.dropped)} left out (see "
        "the signal table)."
    )


ROUTING_WORDS = {
    "lead": "Lead",
    "recycled": "Recycled",
    "mql": "MQL",
    "sal": "SAL",
    "sql": "SQL",
    "reached_mql": "Reached MQL",
}


def routing_in_words(result: Recalibration) -> pd.DataFrame:
    """Return per model the leads per stage on history (every lead at its routing moment),
    MQL->SQL and the SQL win rate with their intervals, and the median score."""
    routing = result.routing
    names = {
        "current": MODEL_WORDS["current"],
        "recalibrated": MODEL_WORDS["recalibrated"]
        + (f", thresholds for {result.mql_volume:,} MQLs" if result.mql_volume is not None else ""),
    }
    return pd.DataFrame(
        {"Model": routing["model"].map(names)}
        | {words: routing[key].astype("int64") for key, words in ROUTING_WORDS.items()}
        | {
            "MQL→SQL": rate_texts(routing, "mql_to_sql", "reached_mql", "MQLs"),
            "SQL win rate": rate_texts(routing, "sql_win_rate", "sql_closed", "closed"),
            "Median score": routing["median_score"].round(1),
        }
    )


def _tidy(result: Recalibration, part: str, models: tuple[str, ...]) -> pd.DataFrame:
    frames = [getattr(result.metrics[m], part).assign(model=MODEL_WORDS[m]) for m in models]
    return cast(pd.DataFrame, pd.concat(frames, ignore_index=True))


def lift_frame(result: Recalibration) -> pd.DataFrame:
    """Return lift by decile of the current and recalibrated scores, with a `model` column."""
    return _tidy(result, "lift", ("current", "recalibrated"))


def calibration_frame(result: Recalibration) -> pd.DataFrame:
    """Return calibration bins of the current and recalibrated models, with a `model` column."""
    return _tidy(result, "calibration", ("current", "recalibrated"))


def _interval(low: float, high: float) -> str:
    return "" if pd.isna(low) else f"{low:.2f}–{high:.2f}"


def coefficients_in_words(result: Recalibration) -> pd.DataFrame:
    """Return the signal table with headers in words, strongest first (as fitted): odds ratios
    per SD with their 95% intervals, training leads showing it, and why a signal was left out."""
    table = result.coefficients
    left_out = table["left_out"] if "left_out" in table else pd.Series("", index=table.index)
    return pd.DataFrame(
        {
            "Signal": table["label"].map(_sentence),
            "Kind": table["kind"].map(KIND_WORDS),
            "Training leads with it": table["support"].astype("int64"),
            "Odds ratio per SD, all else fixed": table["odds_ratio"].round(2),
            "95% interval": [
                _interval(lo, hi)
                for lo, hi in zip(table["odds_ratio_low"], table["odds_ratio_high"], strict=True)
            ],
            "Odds ratio per SD, in total": table["total_odds_ratio"].round(2),
            "Recalibrated points per event": table["points"].map(
                lambda p: "" if pd.isna(p) else f"{p:g}"
            ),
            "Left out of the fit": left_out.fillna(""),
        }
    )


def _setting_name(name: str, model: ScoringModel) -> str:
    if name in NAME_WORDS:
        return NAME_WORDS[name]
    return _sentence(name if name in PILLARS else signal_label(name, model))


def weights_in_words(result: Recalibration) -> pd.DataFrame:
    """Return `weights_table` with settings, segments and names in words."""
    table = weights_table(result)
    segments = segment_labels(result.model.segments) | {"all": "All segments"}
    return pd.DataFrame(
        {
            "Setting": table["setting"].map(SETTING_WORDS),
            "Segment": table["segment"].map(segments),
            "Name": [_setting_name(n, result.model) for n in table["name"]],
            "Current": table["current"].round(3),
            "Recalibrated": table["recalibrated"].round(3),
            "Change": table["change"].round(3),
            "Odds ratio per SD": table["odds_ratio_per_sd"].round(2),
        }
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def fit_notes(result: Recalibration) -> list[str]:
    """Return the fit's warnings, each naming its segment as people do ('Mid-market: ...')."""
    labels = segment_labels(result.model.segments)
    notes = []
    for warning in result.warnings:
        name, colon, rest = warning.partition(": ")
        notes.append(f"{labels[name]}: {rest}" if colon and name in labels else warning)
    return notes


def trust_warning(result: Recalibration) -> str | None:
    """Return why the recalibrated model is not trusted, else None."""
    if result.trusted:
        return None
    return (
        f"Not trusted: {refusal_text(result)}. Export and publish are refused unless you tick "
        "the override below."
    )


def model_files(result: Recalibration, force: bool) -> dict[str, str]:
    """Return {'yaml', 'json', 'csv'} file texts; refuse an untrusted fit unless forced."""
    if not (result.trusted or force):
        raise UntrustedRecalibration(
            f"Refusing: {refusal_text(result)}; tick the override to export it anyway"
        )
    return {
        "yaml": model_to_yaml(result.model),
        "json": json.dumps(model_to_dict(result.model), indent=2),
        "csv": csv_text(weights_table(result)),
    }


def attribute_rules_in_words(result: Recalibration) -> pd.DataFrame:
    """Return one row per attribute rule the fit wrote: attribute (in words, and as the export
    names it), condition, score, points."""
    rules = [r for r in result.model.attribute_rules if r.attribute in result.encoding.attributes]
    return pd.DataFrame(
        {
            "Attribute": [attribute_words(r.attribute) for r in rules],
            "Field in the export": [r.attribute for r in rules],
            "Rule": [r.label or "" for r in rules],
            "Adds to": [SCORE_WORDS[r.score] for r in rules],
            "Points": [r.points for r in rules],
        }
    )


def left_out_attributes(result: Recalibration) -> list[str]:
    """Return one sentence per lead attribute left out of the fit, saying why."""
    return [f"{_named(name)} left out: {why}." for name, why in result.encoding.left_out.items()]


def _named(name: str) -> str:
    """Return an attribute in words, with the export's name when that differs."""
    words = attribute_words(name)
    return words if words == name else f"{words} ({name})"


def flagged_attributes(result: Recalibration) -> list[str]:
    """Return the attributes flagged as likely leakage (fitted only when the person keeps them)."""
    flagged = result.attributes
    if flagged.empty:
        return []
    return [str(n) for n in flagged.loc[flagged["likely_leakage"].astype(bool), "name"]]


def attributes_caption(result: Recalibration) -> str:
    """Return how attribute rules were fitted, in one paragraph."""
    fitted = result.encoding.attributes
    if not fitted:
        return "No lead attribute was fitted as a rule."
    kept = (
        f" Kept although flagged as likely leakage: {', '.join(result.kept_attributes)}."
        if result.kept_attributes
        else ""
    )
    return (
        f"Rules fitted on {len(fitted)} lead attribute(s): each value seen on enough training "
        "leads (numbers in quantile bins, rare values pooled) is fitted beside the pillars, "
        "shrunk toward the average lead (a value on few leads most), and its points are its "
        "log-odds over the attribute's least likely value, on the pillar's point scale. The "
        "recalibrated model's rules on these attributes replace the current ones." + kept
    )
