"""The Recalibration page's logic on a hand-made result whose every answer is known."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from lib.errors import UntrustedRecalibration
from lib.evaluate.attribute_fit import AttributeEncoding, Level
from lib.evaluate.fit import ModelMetrics
from lib.evaluate.recalibration import Recalibration
from lib.model import (
    AttributeRule,
    default_model,
    model_from_yaml,
    with_behavior_points,
    with_changes,
    with_pillar_weights,
)
from lib.present import charts
from lib.present import recalibration as recal_view

CURRENT = default_model()
NEW_WEIGHTS = {"fit": 0.4, "value": 0.05, "urgency": 0.25, "authority": 0.15, "risk": 0.15}
REFUSAL = "only 120 leads with a closed deal to learn from (< 500)"


def metrics(auc: float, top_lift: float) -> ModelMetrics:
    lift = pd.DataFrame(
        {
            "decile": [1, 2],
            "leads": [10, 10],
            "won": [6, 2],
            "win_rate": [0.6, 0.2],
            "lift": [top_lift, 2 - top_lift],
            "small_sample": [True, True],
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
            "small_sample": [True, True],
        }
    )
    return ModelMetrics(auc, auc - 0.06, auc + 0.06, lift, calibration, 0.9, 0.18)


ROUTING = pd.DataFrame(
    {
        "model": ["current", "recalibrated"],
        "lead": [13134, 13380],
        "recycled": [3267, 3267],
        "mql": [1715, 1469],
        "sal": [1231, 1196],
        "sql": [653, 688],
        "reached_mql": [3599, 3353],
        "median_score": [30.81, 30.81],
        "mql_to_sql": [653 / 3599, 688 / 3353],
        "mql_to_sql_low": [0.169, 0.192],
        "mql_to_sql_high": [0.194, 0.219],
        "sql_won": [170, 213],
        "sql_closed": [368, 456],
        "sql_win_rate": [170 / 368, 213 / 456],
        "sql_win_rate_low": [0.412, 0.422],
        "sql_win_rate_high": [0.513, 0.513],
    }
)


def result(trusted: bool = True, paired_p: float = 0.28) -> Recalibration:
    new = with_pillar_weights(CURRENT, "mid_market", NEW_WEIGHTS)
    new = with_behavior_points(new, "pricing_page_view", 25.0)
    coefficients = pd.DataFrame(
        {
            "signal": ["pricing_page_view", "icp_industry", "urgency"],
            "label": ["pricing page views", "ICP industry", "urgency pillar (behaviour)"],
            "kind": ["activity", "flag", "pillar"],
            "support": [635, 378, 775],
            "coefficient": [0.9, 0.2, None],
            "odds_ratio": [2.4596, 1.2214, None],
            "odds_ratio_low": [2.18, 0.88, None],
            "odds_ratio_high": [3.12, 1.56, None],
            "effect_per_unit": [0.5, 0.01, None],
            "total_odds_ratio": [2.87, 1.47, None],
            "points": [25.0, None, None],
            "left_out": [None, None, "the other inputs explain it (R² 0.9992)"],
        }
    )
    counts = {
        "closed_deals": 4209,
        "won_deals": 1201,
        "closed_deals_with_lead": 1035 if trusted else 120,
        "leads_with_outcome": 1035 if trusted else 120,
        "train_size": 776,
        "test_size": 259,
        "train_wins": 241,
        "test_wins": 71,
        "fitted_inputs": 22,
        "undated_bounces": 0,
    }
    return Recalibration(
        model=new,
        current_model=CURRENT,
        coefficients=coefficients,
        effects=pd.DataFrame(),
        metrics={
            "current": metrics(0.674, 1.5),
            "recalibrated": metrics(0.708, 1.8),
            "fitted": metrics(0.714, 1.9),
        },
        paired_p=paired_p,
        counts=counts,
        penalty=0.1,
        penalty_table=pd.DataFrame({"penalty": [0.1, 1.0], "held_out_log_loss": [0.5, 0.52]}),
        dropped={"urgency": "the other inputs explain it (R² 0.9992)"},
        converged=True,
        routing=ROUTING,
        train_period=(date(2024, 1, 2), date(2026, 5, 29)),
        test_period=(date(2026, 5, 30), date(2026, 10, 31)),
        trusted=trusted,
        refusals=() if trusted else (REFUSAL,),
        warnings=("enterprise: 99 leads",),
        findings=("A sentence.",),
        matrix=None,  # type: ignore[arg-type]  # nothing here rescores
        outcomes=None,  # type: ignore[arg-type]
    )


def test_aucs_are_listed_current_then_recalibrated_then_full_fit_in_words():
    table = recal_view.auc_table(result())
    assert list(table["model"]) == [
        "Current model",
        "Recalibrated model",
        "Full fit (every signal fitted)",
    ]
    assert list(table["auc"]) == [0.674, 0.708, 0.714]


def test_the_captions_name_what_was_counted_the_periods_their_wins_and_the_penalty():
    counted = recal_view.counts_caption(result())
    assert counted.startswith("The data holds 4,209 closed deals (1,201 won); 3,174 of them")
    assert "learns from the 1,035 leads with a closed deal" in counted
    text = recal_view.period_caption(result())
    assert "776 leads whose deals closed 02 Jan 2024 – 29 May 2026 (241 won)" in text
    assert "newest 259, closed 30 May 2026 – 31 Oct 2026 (71 won;" in text
    penalty = recal_view.penalty_caption(result())
    assert penalty.startswith("Penalty C = 0.1 (smaller is stronger), chosen among 2")
    assert "22 inputs fitted, 1 left out" in penalty


def test_routing_reads_stage_counts_and_rates_per_model():
    table = recal_view.routing_in_words(result())
    assert table["Model"].tolist() == ["Current model", "Recalibrated model"]
    assert table["Reached MQL"].tolist() == [3599, 3353]
    assert table["MQL→SQL"].tolist()[1] == "20.5% (19.2–21.9%), 3,353 MQLs"
    assert table["SQL win rate"].tolist()[0] == "46.2% (41.2–51.3%), 368 closed"


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
    assert {"Weighted sum scoring 0", "MQL threshold"} <= set(table["Name"])


def test_the_signal_table_has_headers_kinds_intervals_and_why_a_signal_was_left_out():
    table = recal_view.coefficients_in_words(result())
    assert list(table["Signal"]) == [
        "Pricing page views",
        "ICP industry",
        "Urgency pillar (behaviour)",
    ]
    assert list(table["Kind"]) == ["Activity (per event)", "Who they are", "Pillar"]
    assert list(table["Recalibrated points per event"]) == ["25", "", ""]
    assert list(table["95% interval"]) == ["2.18–3.12", "0.88–1.56", ""]
    assert list(table["Training leads with it"]) == [635, 378, 775]
    assert table["Left out of the fit"].tolist()[2].startswith("the other inputs explain it")


def test_fit_notes_name_segments_as_people_do():
    assert recal_view.fit_notes(result()) == ["Enterprise: 99 leads"]


def test_the_trust_warning_gives_the_reasons_only_when_untrusted():
    assert recal_view.trust_warning(result()) is None
    text = recal_view.trust_warning(result(trusted=False))
    assert text.startswith(f"Not trusted: {REFUSAL}. Export and publish are refused")


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
        with pytest.raises(UntrustedRecalibration, match="only 120 leads with a closed deal"):
            recal_view.model_files(result(trusted), force)
        return
    files = recal_view.model_files(result(trusted), force)
    assert model_from_yaml(files["yaml"]) == result().model
    assert '"mid_market"' in files["json"] and files["csv"].startswith("setting,segment")


def test_the_lift_chart_has_one_bar_series_per_model_and_axes_in_words():
    fig = charts.lift_by_decile_chart(recal_view.lift_frame(result()))
    assert [t.name for t in fig.data] == ["Current model", "Recalibrated model"]
    assert fig.layout.xaxis.title.text == "Score decile (1 = highest scores)"
    assert list(fig.data[0].text) == ["⚠", "⚠"]  # 10 deals a decile


def test_the_calibration_chart_draws_the_diagonal_and_one_line_per_model():
    fig = charts.calibration_chart(recal_view.calibration_frame(result()))
    assert [t.name for t in fig.data] == [
        "Perfectly calibrated",
        "Current model",
        "Recalibrated model",
    ]
    assert list(fig.data[1].error_y.array) == pytest.approx([0.31, 0.23])
    assert list(fig.data[1].marker.symbol) == ["circle-open", "circle-open"]  # 10 deals a bin


def test_auc_intervals_are_the_delong_bounds_of_each_model():
    row = recal_view.auc_table(result()).iloc[1]
    assert (row["auc"], row["low"], row["high"]) == pytest.approx((0.708, 0.648, 0.768))


@pytest.mark.parametrize(
    ("paired_p", "start"),
    [
        (0.28, "AUC +0.034 for the recalibrated model, within chance: DeLong's paired test"),
        (0.01, "The recalibrated model ranks the held-out deals better: AUC +0.034, beyond"),
    ],
)
def test_the_verdict_comes_from_the_paired_test_not_from_overlapping_intervals(paired_p, start):
    assert recal_view.auc_verdict(result(paired_p=paired_p)).startswith(start)


def with_attributes() -> Recalibration:
    """The hand-made result with two fitted attribute rules, a leak kept and one left out."""
    rules = (
        AttributeRule("Tier", 20.0, "grade", "Tier is Gold", equals="Gold"),
        AttributeRule("Visits", 8.0, "behavior", "Visits 7 or more", at_least=7.0),
        AttributeRule("Region", 5.0, "grade", "Region is North", equals="North"),  # not fitted
    )
    levels = (Level("Tier", "is Gold", values=("Gold",)), Level("Visits", "7 or more", low=7.0))
    attributes = pd.DataFrame(
        {"name": ["Status", "Stage", "Tier"], "likely_leakage": [True, True, False]}
    )
    encoding = AttributeEncoding(levels, {}, {"Status": "likely leakage: AUC 0.990"})
    return replace(
        result(),
        model=with_changes(result().model, attribute_rules=rules),
        encoding=encoding,
        attributes=attributes,
        kept_attributes=("Stage",),
    )


def test_attribute_rules_the_fit_wrote_are_listed_with_their_score_in_words():
    table = recal_view.attribute_rules_in_words(with_attributes())
    assert table.to_dict("records") == [
        {"Attribute": "Tier", "Field in the export": "Tier", "Rule": "Tier is Gold",
         "Adds to": "Grade (who they are)", "Points": 20.0},
        {"Attribute": "Visits", "Field in the export": "Visits", "Rule": "Visits 7 or more",
         "Adds to": "Behaviour score (what they did)", "Points": 8.0},
    ]  # fmt: skip


def test_attributes_left_out_flagged_and_kept_are_said():
    fitted = with_attributes()
    assert recal_view.left_out_attributes(fitted) == ["Status left out: likely leakage: AUC 0.990."]
    custom = replace(fitted, encoding=replace(fitted.encoding, left_out={"Sales_Status__c": "x"}))
    assert recal_view.left_out_attributes(custom) == ["Sales Status (Sales_Status__c) left out: x."]
    assert recal_view.flagged_attributes(fitted) == ["Status", "Stage"]
    caption = recal_view.attributes_caption(fitted)
    assert caption.startswith("Rules fitted on 2 lead attribute(s)")
    assert caption.endswith("Kept although flagged as likely leakage: Stage.")
    assert recal_view.attributes_caption(result()) == "No lead attribute was fitted as a rule."
