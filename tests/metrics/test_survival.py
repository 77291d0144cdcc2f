"""Competing-risks curves against hand-worked values and statsmodels' Aalen-Johansen estimator."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight

from lib.metrics.survival import (
    LOST,
    OPEN,
    WON,
    cumulative_incidence,
    median_days_to_close,
    median_days_to_win,
    value_at,
)


def test_a_lost_deal_is_an_outcome_and_an_open_one_is_censored_by_hand() -> None:
    # 4 at risk: won at 5 -> won 1/4; lost at 6 -> lost 1/4, 2 open; open at 7 (censored);
    # 1 at risk, won at 9 -> won 1/4 + 1/2 * 1 = 3/4... of the half still open: 1/4 + 1/2
    curve = cumulative_incidence([5, 6, 7, 9], [WON, LOST, OPEN, WON])
    by_day = curve.set_index("days")
    assert by_day.index.tolist() == [0.0, 5.0, 6.0, 9.0]
    assert by_day["won"].tolist() == pytest.approx([0, 0.25, 0.25, 0.75])
    assert by_day["lost"].tolist() == pytest.approx([0, 0, 0.25, 0.25])
    assert by_day["still_open"].tolist() == pytest.approx([1, 0.75, 0.5, 0.0])
    assert by_day["at_risk"].tolist() == [4, 4, 3, 1]


def test_dropping_lost_deals_would_overstate_the_share_won() -> None:
    curve = cumulative_incidence([10, 20, 30, 40], [WON, LOST, LOST, LOST])
    assert curve["won"].iloc[-1] == pytest.approx(0.25)  # not 1.0 as "won deals only" says
    assert median_days_to_win(curve) == 10.0
    assert median_days_to_close(curve) == 20.0


# statsmodels divides by zero in its variance when the last deals at risk all end together
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_curves_match_statsmodels_on_random_deals_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 60, 400).astype(float)
    outcome = rng.choice([OPEN, WON, LOST], 400, p=[0.3, 0.25, 0.45])
    curve = cumulative_incidence(days, outcome)
    oracle = CumIncidenceRight(days, outcome)
    times = oracle.times
    assert value_at(curve, "won", times) == pytest.approx(oracle.cinc[0])
    assert value_at(curve, "lost", times) == pytest.approx(oracle.cinc[1])
    closed = SurvfuncRight(days, (outcome != OPEN).astype(int))
    assert value_at(curve, "still_open", closed.surv_times) == pytest.approx(closed.surv_prob)


def test_the_median_to_win_is_half_of_the_wins_seen_not_half_of_all_deals() -> None:
    # three wins (at 10, 20, 90) among ten deals; the rest lost at 15: wins plateau at 0.3
    days = [10, 20, 90] + [15] * 7
    curve = cumulative_incidence(days, [WON] * 3 + [LOST] * 7)
    assert curve["won"].iloc[-1] == pytest.approx(0.3)
    assert median_days_to_win(curve) == 20.0


def test_nothing_won_leaves_the_median_to_win_undefined() -> None:
    curve = cumulative_incidence([3, 4, 5], [LOST, OPEN, OPEN])
    assert np.isnan(median_days_to_win(curve))
    assert np.isnan(median_days_to_close(curve))  # two in three are still open at the end
    assert median_days_to_close(cumulative_incidence([3, 4], [LOST, OPEN])) == 3.0  # half


def test_a_deal_closed_on_day_zero_starts_the_curve_below_one() -> None:
    curve = cumulative_incidence([0, 4], [WON, OPEN])
    assert curve["days"].tolist() == [0.0, 4.0]
    assert curve["still_open"].tolist() == pytest.approx([0.5, 0.5])


def test_no_deals_give_an_empty_curve() -> None:
    curve = cumulative_incidence([], [])
    assert curve.empty and "won" in curve
    assert np.isnan(median_days_to_win(curve))


def test_value_at_reads_the_step_before_or_on_the_day() -> None:
    curve = cumulative_incidence([5, 6, 7, 9], [WON, LOST, OPEN, WON])
    assert value_at(curve, "won", [0, 4.9, 5, 8, 100]).tolist() == pytest.approx(
        [0, 0, 0.25, 0.25, 0.75]
    )
