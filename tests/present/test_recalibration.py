"""The Recalibration page's logic on a hand-made result whose every answer is known."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from lib.errors import UntrustedRecalibration
from lib.evaluate.fit import ModelMetrics
from lib.evaluate.recalibration import Recalibration
from lib.metrics.stats import auc_interval
from lib.model import default_model, model_from_yaml, with_behavior_points, with_pillar_weights
from lib.present import charts
from lib.present import recalibration as recal_view

CURRENT = default_model()
NEW_WEIGHTS = {"fit": 0.4, "value": 0.05, "urgency": 0.25, "authority": 0.15, "risk": 0.15}
TRUST_WARNING = "Only 120 closed deals (< 500): the recalibrated model is not trusted"


def metrics(auc: float, top_lift: float) -> ModelMetrics:
    lift = pd.DataFrame(
        {
            "decile": [1, 2],
            "leads": [10, 10],
            "won": [6, 2],
            "win_rate": [0.6, 0.2],
            "lift": [top_lift, 2 - top_lift],
        }
    )
    calibration = pd.DataFrame(
        {
            "leads": [10, 10],
            "won": [2, 6],
            "mean_predicted": [0.3, 0.5],
            "observed": [0.2, 0.6],
            "observed_low": [0.06, 0.31],
            "observed_high": [0.51, 0.83],
        }
    )
    return ModelMetrics(auc=auc, lift=lift, calibration=calibration)


def result(trusted: bool = True) -> Recalibration:
    new = with_pillar_weights(CURRENT, "mid_market", NEW_WEIGHTS)
    new = with_behavior_points(new, "pricing_page_view", 25.0)
    coefficients = pd.DataFrame(
        {
            "signal": ["pricing_page_view", "icp_industry"],
            "label": ["pricing page views", "ICP industry"],
            "kind": ["activity", "flag"],
            "coefficient": [0.9, 0.2],
            "odds_ratio": [2.4596, 1.2214],
            "effect_per_unit": [0.5, 0.01],
            "total_odds_ratio": [2.87, 1.47],
            "points": [25.0, None],
        }
    )
    warnings = ((TRUST_WARNING,) if not trusted else ()) + ("enterprise: 99 closed deals",)
    return Recalibration(
        model=new,
        current_model=CURRENT,
        coefficients=coefficients,
        metrics={
            "current": metrics(0.674, 1.5),
            "recalibrated": metrics(0.708, 1.8),
            "fitted": metrics(0.714, 1.9),
        },
        closed_deals=120 if not trusted else 1035,
        train_size=776,
        test_size=259,
        train_period=(date(2024, 1, 2), date(2026, 5, 29)),
        test_period=(date(2026, 5, 30), date(2026, 10, 31)),
        trusted=trusted,
        warnings=warnings,
        findings=("A sentence.",),
    )


def test_aucs_are_listed_current_then_recalibrated_then_full_fit_in_words():
    table = recal_view.auc_table(result())
    assert list(table["model"]) == [
        "Current model",
        "Recalibrated model",
        "Full fit (every signal)",
    ]
    assert list(table["auc"]) == [0.674, 0.708, 0.714]


def test_the_period_caption_names_both_periods_and_their_sizes():
    text = recal_view.period_caption(result())
    assert "776 deals closed 02 Jan 2024 – 29 May 2026" in text
    assert "newest 259, closed 30 May 2026 – 31 Oct 2026" in text


@pytest.mark.parametrize(
    ("frame", "column", "expected"),
    [
        (recal_view.lift_frame, "lift", [1.5, 0.5, 1.8, 0.2]),
        (recal_view.calibration_frame, "observed", [0.2, 0.6, 0.2, 0.6]),
    ],
)
def test_chart_frames_stack_current_then_recalibrated(frame, column, expected):
    tidy = frame(result())
    assert list(tidy["model"]) == ["Current model"] * 2 + ["Recalibrated model"] * 2
    assert list(tidy[column]) == pytest.approx(expected)


def test_the_weights_table_reads_in_words_with_only_real_changes_nonzero():
    table = recal_view.weights_in_words(result())
    fit = table[(table["Segment"] == "Mid-market") & (table["Name"] == "Fit")].iloc[0]
    assert (fit["Setting"], fit["Current"], fit["Recalibrated"], fit["Change"]) == (
        "Pillar weight",
        0.25,
        0.4,
        0.15,
    )
    pricing = table[table["Name"] == "Pricing page views"].iloc[0]
    assert (pricing["Segment"], pricing["Recalibrated"]) == ("All segments", 25.0)
    assert pricing["Odds ratio per SD"] == 2.87
    assert (table["Change"] != 0).sum() == 3  # fit +0.15, urgency -0.15, pricing points


def test_the_signal_table_has_headers_and_kinds_in_words():
    table = recal_view.coefficients_in_words(result())
    assert list(table["Signal"]) == ["Pricing page views", "ICP industry"]
    assert list(table["Kind"]) == ["Activity (per event)", "Who they are"]
    assert list(table["Recalibrated points per event"]) == ["25", ""]
    assert list(table["Odds ratio per SD, all else fixed"]) == [2.46, 1.22]


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        (True, ["Enterprise: 99 closed deals"]),
        (False, ["Enterprise: 99 closed deals"]),
    ],
)
def test_fit_notes_leave_out_only_the_trust_warning(trusted, expected):
    assert recal_view.fit_notes(result(trusted)) == expected


def test_the_trust_warning_names_the_count_and_the_minimum_only_when_untrusted():
    assert recal_view.trust_warning(result(), 500) is None
    text = recal_view.trust_warning(result(trusted=False), 500)
    assert "Only 120 closed deals, fewer than the minimum of 500" in text


@pytest.mark.parametrize(
    ("trusted", "force", "refused"),
    [
        (True, False, False),
        (False, False, True),
        (False, True, False),
    ],
)
def test_model_files_are_refused_for_an_untrusted_fit_unless_forced(trusted, force, refused):
    if refused:
        with pytest.raises(UntrustedRecalibration, match="120 closed deals"):
            recal_view.model_files(result(trusted), force)
        return
    files = recal_view.model_files(result(trusted), force)
    assert model_from_yaml(files["yaml"]) == result().model
    assert '"mid_market"' in files["json"] and files["csv"].startswith("setting,segment")


def test_the_lift_chart_has_one_bar_series_per_model_and_axes_in_words():
    fig = charts.lift_by_decile_chart(recal_view.lift_frame(result()))
    assert [t.name for t in fig.data] == ["Current model", "Recalibrated model"]
    assert fig.layout.xaxis.title.text == "Score decile (1 = highest scores)"


def test_the_calibration_chart_draws_the_diagonal_and_one_line_per_model():
    fig = charts.calibration_chart(recal_view.calibration_frame(result()))
    assert [t.name for t in fig.data] == [
        "Perfectly calibrated",
        "Current model",
        "Recalibrated model",
    ]
    assert list(fig.data[1].error_y.array) == pytest.approx([0.31, 0.23])


def test_auc_intervals_come_from_the_held_out_won_and_lost_counts():
    table = recal_view.auc_table(result())  # 8 won and 12 lost in each fixture's deciles
    low, high = auc_interval(0.708, 8, 12)
    row = table.iloc[1]
    assert (row["low"], row["high"]) == (low, high)
    assert row["low"] < row["auc"] < row["high"]


def test_an_auc_gain_inside_overlapping_intervals_is_called_noise():
    verdict = recal_view.auc_verdict(result())
    assert verdict.startswith("AUC +0.034 for the recalibrated model, inside the noise")
