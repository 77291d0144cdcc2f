"""What a recalibration found, in sentences people read: held-out AUCs compared by a paired
test, calibration, the strongest signals with intervals, and one activity against another."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lib.evaluate.fit import ModelMetrics
from lib.metrics.stats import SMALL_SAMPLE, ratio_interval


def _auc(metrics: ModelMetrics) -> str:
    return f"{metrics.auc:.1%} ({metrics.auc_low:.1%}–{metrics.auc_high:.1%})"


def auc_finding(
    metrics: dict[str, ModelMetrics],
    paired_p: float,
    test_period: tuple[date, date] | None,
    outcome: str = "won",
) -> str:
    """Return how often each model ranks a won deal (or converted lead) above a lost one on
    the held-out period (or random held-out leads), and whether the recalibrated model's
    difference from the current one is beyond chance."""
    new, old = metrics["recalibrated"], metrics["current"]
    gain = (new.auc - old.auc) * 100
    verdict = (
        "beyond chance" if paired_p < 0.05 else "within chance"
    ) + f" (DeLong's paired test on the same deals, p = {paired_p:.2g})"
    held = (
        "On leads held out at random (stratified: the data has no dates to hold out the newest)"
        if test_period is None
        else f"On the held-out period {test_period[0]} to {test_period[1]}"
    )
    pair = (
        "a won deal above a lost one"
        if outcome == "won"
        else "a converted lead above one that did not convert"
    )
    return (
        f"{held} the recalibrated model "
        f"ranks {pair} {_auc(new)} of the time (AUC, 95% interval), the "
        f"current model {_auc(old)}: {gain:+.1f} points, {verdict}; the full fit "
        f"{_auc(metrics['fitted'])}."
    )


def calibration_finding(fitted: ModelMetrics, penalty: float) -> str:
    """Return the full fit's held-out calibration slope and Brier score and its penalty."""
    return (
        f"The full fit's held-out calibration slope is {fitted.calibration_slope:.2f} (1 is "
        "ideal; under 1 its probabilities are too extreme, over 1 too timid) and its Brier "
        f"score {fitted.brier:.3f}, at penalty C = {penalty:g} chosen by time-ordered "
        "cross-validation on the training period."
    )


def _odds(row: pd.Series) -> str:
    return (
        f"{row['label']} ×{row['total_odds_ratio']:.2f} "
        f"({row['total_odds_ratio_low']:.2f}–{row['total_odds_ratio_high']:.2f})"
    )


def signals_finding(coefficients: pd.DataFrame, top: int = 3) -> str:
    """Return the strongest signals seen on at least SMALL_SAMPLE training leads, with their
    odds ratio per standard deviation and its 95% interval."""
    shown = coefficients[coefficients["headline"] & coefficients["total_odds_ratio"].notna()]
    if shown.empty:
        return f"No signal was seen on {SMALL_SAMPLE} or more training leads."
    rare = int((~coefficients["headline"] & coefficients["total_odds_ratio"].notna()).sum())
    text = (
        "Strongest signals (odds per standard deviation, 95% interval): "
        + "; ".join(_odds(row) for _, row in shown.head(top).iterrows())
        + "."
    )
    if rare:
        text += f" {rare} signals seen on fewer than {SMALL_SAMPLE} training leads are not ranked."
    return text


def activity_comparison(
    coefficients: pd.DataFrame, effects: pd.DataFrame, against: str = "demo_request"
) -> str:
    """Return 'Pricing page views predict 2.1× (1.5–3.4×) as strongly as demo requests (...)',
    the ratio of log-odds per standard deviation with Fieller's 95% interval; '' when fewer than
    two activities seen on SMALL_SAMPLE training leads were fitted."""
    activity = coefficients[
        (coefficients["kind"] == "activity")
        & coefficients["headline"]
        & coefficients["total_odds_ratio"].notna()
    ].set_index("signal")
    if len(activity) < 2:
        return ""
    strength = np.log(activity["total_odds_ratio"])
    best = str(strength.idxmax())
    other = (
        against
        if against in activity.index and against != best
        else str(strength.drop(best).idxmax())
    )
    a, b = activity.loc[best], activity.loc[other]
    odds = f"odds ×{a.total_odds_ratio:.2f} vs ×{b.total_odds_ratio:.2f} per standard deviation"
    pair = effects.loc[[best, other], [best, other]].to_numpy()
    low, high = ratio_interval(strength[best], strength[other], pair)
    if not np.isfinite(low) or not np.isfinite(high):
        return (
            f"{a.label.capitalize()} predict wins; {b.label} cannot be told apart from no "
            f"effect, so how many times as strongly is not measurable ({odds})."
        )
    ratio = strength[best] / strength[other]
    return (
        f"{a.label.capitalize()} predict {ratio:.1f}× as strongly as {b.label} (95% interval "
        f"{low:.1f}–{high:.1f}×; {odds})."
    )


def dropped_finding(dropped: dict[str, str], labels: dict[str, str]) -> str:
    """Return which inputs were left out of the fit and why; '' when none was."""
    if not dropped:
        return ""
    return (
        "Left out of the fit: "
        + "; ".join(f"{labels.get(s, s)} ({why})" for s, why in dropped.items())
        + "."
    )


def leakage_finding(attributes: pd.DataFrame) -> str:
    """Return which kept attributes rank the outcome almost perfectly on their own (likely
    recorded after it), or '' when none do."""
    if attributes.empty or not attributes["likely_leakage"].any():
        return ""
    leaky = attributes[attributes["likely_leakage"]]
    named = ", ".join(f"{r.name} (AUC {r.auc:.2f} alone)" for r in leaky.itertuples())
    return (
        f"Likely leakage: {named} ranks the outcome almost perfectly by itself, better than a "
        "whole model of honest fields does; such a field is usually set after the outcome (a "
        "status or tag sales record once a lead converted). Keep it out of any rule."
    )
