"""The Recalibration page's logic: the fit's results in words, its charts' frames, guarded files.

Everything here reads a finished `Recalibration`; nothing refits. Exporting follows the same
guard as the CLI: a model fitted on fewer closed deals than the minimum is refused unless the
person explicitly forces it.
"""

from __future__ import annotations

import json

import pandas as pd

from lib.errors import UntrustedRecalibration
from lib.evaluate.design import signal_label
from lib.evaluate.recalibration import Recalibration, weights_table
from lib.metrics.stats import auc_interval
from lib.model import PILLARS, ScoringModel, model_to_dict, model_to_yaml
from lib.model.segments import segment_labels
from lib.present.csv_file import csv_text

MODEL_WORDS = {
    "current": "Current model",
    "recalibrated": "Recalibrated model",
    "fitted": "Full fit (every signal)",
}
KIND_WORDS = {"pillar": "Pillar", "activity": "Activity (per event)", "flag": "Who they are"}
SETTING_WORDS = {"pillar weight": "Pillar weight", "points per event": "Points per event"}
NO_FILES = {"yaml": "", "json": "", "csv": ""}  # what a refused download button holds


def auc_table(result: Recalibration) -> pd.DataFrame:
    """Return one row per model: its words, held-out ROC AUC and 95% interval, current first."""
    order = ("current", "recalibrated", "fitted")
    rows = []
    for name in order:
        metrics = result.metrics[name]
        won = int(metrics.lift["won"].sum())
        low, high = auc_interval(metrics.auc, won, int(metrics.lift["leads"].sum()) - won)
        rows.append({"model": MODEL_WORDS[name], "auc": metrics.auc, "low": low, "high": high})
    return pd.DataFrame(rows)


def auc_verdict(result: Recalibration) -> str:
    """Return whether the recalibrated model's held-out AUC beats the current one beyond noise."""
    table = auc_table(result).set_index("model")
    new, old = table.loc[MODEL_WORDS["recalibrated"]], table.loc[MODEL_WORDS["current"]]
    gain = new["auc"] - old["auc"]
    if new["low"] > old["high"]:
        return f"The recalibrated model wins clearly: AUC {gain:+.3f}, intervals apart."
    if old["low"] > new["high"]:
        return f"The recalibrated model loses clearly: AUC {gain:+.3f}, intervals apart."
    return (
        f"AUC {gain:+.3f} for the recalibrated model, inside the noise: the 95% intervals "
        f"overlap ({old['low']:.3f}–{old['high']:.3f} against "
        f"{new['low']:.3f}–{new['high']:.3f})."
    )


def period_caption(result: Recalibration) -> str:
    """Return one sentence with the train and held-out test periods and their sizes."""
    (a, b), (c, d) = result.train_period, result.test_period
    return (
        f"Fitted on {result.train_size:,} deals closed {a:%d %b %Y} – {b:%d %b %Y}; "
        f"validated on the newest {result.test_size:,}, closed {c:%d %b %Y} – "
        f"{d:%d %b %Y} (out of time: the fit never saw them)."
    )


def _tidy(result: Recalibration, part: str, models: tuple[str, ...]) -> pd.DataFrame:
    frames = [getattr(result.metrics[m], part).assign(model=MODEL_WORDS[m]) for m in models]
    return pd.concat(frames, ignore_index=True)


def lift_frame(result: Recalibration) -> pd.DataFrame:
    """Return lift by decile of the current and recalibrated scores, with a `model` column."""
    return _tidy(result, "lift", ("current", "recalibrated"))


def calibration_frame(result: Recalibration) -> pd.DataFrame:
    """Return calibration bins of the current and recalibrated models, with a `model` column."""
    return _tidy(result, "calibration", ("current", "recalibrated"))


def coefficients_in_words(result: Recalibration) -> pd.DataFrame:
    """Return the signal table with headers in words, strongest first (as fitted)."""
    table = result.coefficients
    return pd.DataFrame(
        {
            "Signal": table["label"].map(_sentence),
            "Kind": table["kind"].map(KIND_WORDS),
            "Odds ratio per SD, all else fixed": table["odds_ratio"].round(2),
            "Odds ratio per SD, in total": table["total_odds_ratio"].round(2),
            "Recalibrated points per event": table["points"].map(
                lambda p: "" if pd.isna(p) else f"{p:g}"
            ),
        }
    )


def _setting_name(name: str, model: ScoringModel) -> str:
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
    """Return the fit's warnings other than the trust one (`trust_warning` words that), each
    naming its segment as people do ('Mid-market: ...' for 'mid_market: ...')."""
    labels = segment_labels(result.model.segments)
    notes = []
    for warning in result.warnings[0 if result.trusted else 1 :]:
        name, colon, rest = warning.partition(": ")
        notes.append(f"{labels[name]}: {rest}" if colon and name in labels else warning)
    return notes


def trust_warning(result: Recalibration, min_deals: int) -> str | None:
    """Return the warning to show when the fit rests on too few closed deals, else None."""
    if result.trusted:
        return None
    return (
        f"Only {result.closed_deals:,} closed deals, fewer than the minimum of "
        f"{min_deals:,}: a model fitted on so few is not trusted. Export and publish are "
        "refused unless you tick the override below."
    )


def model_files(result: Recalibration, force: bool) -> dict[str, str]:
    """Return {'yaml', 'json', 'csv'} file texts; refuse an untrusted fit unless forced."""
    if not (result.trusted or force):
        raise UntrustedRecalibration(
            f"Refusing: the model was fitted on {result.closed_deals} closed deals, fewer than "
            "the minimum; tick the override to export it anyway"
        )
    return {
        "yaml": model_to_yaml(result.model),
        "json": json.dumps(model_to_dict(result.model), indent=2),
        "csv": csv_text(weights_table(result)),
    }
