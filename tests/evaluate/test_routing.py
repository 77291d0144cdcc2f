"""What a model does to routing on history, counted independently from the scored leads."""

from __future__ import annotations

import numpy as np
import pytest

from lib.evaluate.backtest import outcomes_from_features
from lib.evaluate.routing import fitted_scale, routing_row, thresholds_for_volume
from lib.features import history_features
from lib.model import default_model, with_changes, with_pillar_weights
from lib.scoring import feature_matrix, score_arrays, score_leads

HEAVY_URGENCY = {"fit": 0.1, "value": 0.0, "urgency": 0.7, "authority": 0.1, "risk": 0.1}
MORE_FIT = {"fit": 0.4, "value": 0.05, "urgency": 0.25, "authority": 0.15, "risk": 0.15}


@pytest.fixture(scope="module")
def history(sample_conn):
    frame = history_features(sample_conn, model=default_model())
    return frame, feature_matrix(frame)


def other_model(weights: dict[str, float] = HEAVY_URGENCY):
    model = default_model()
    for segment in model.policies:
        model = with_pillar_weights(model, segment, weights)
    return model


def test_stage_counts_and_rates_match_the_scored_leads_counted_by_hand(history) -> None:
    frame, matrix = history
    model = default_model()
    row = routing_row("current", score_arrays(matrix, model), outcomes_from_features(frame))
    stages = score_leads(frame, model)["stage"]
    assert {s: row[s] for s in ("lead", "recycled", "mql", "sal", "sql")} == (
        stages.value_counts().to_dict()
    )
    reached = stages.isin(["mql", "sal", "sql"])
    assert row["reached_mql"] == reached.sum()
    assert row["mql_to_sql"] == pytest.approx((stages == "sql").sum() / reached.sum())
    at_sql = (stages == "sql").to_numpy()
    won, lost = frame["won"].to_numpy(bool), frame["lost"].to_numpy(bool)
    assert (row["sql_won"], row["sql_closed"]) == (won[at_sql].sum(), (won | lost)[at_sql].sum())
    assert row["sql_win_rate_low"] < row["sql_win_rate"] < row["sql_win_rate_high"]


def test_a_fitted_scale_puts_the_median_and_90th_percentile_where_the_reference_has_them(
    history,
) -> None:
    _, matrix = history
    reference, model = default_model(), other_model(MORE_FIT)
    scale = fitted_scale(matrix, model, reference)
    assert scale is not None and 0 <= scale.raw_floor < scale.raw_ceiling <= 100
    scaled = with_changes(model, score_scale=scale)
    ours = score_arrays(matrix, scaled)
    theirs = score_arrays(matrix, reference)
    routed, routed_ref = ~ours.no_go, ~theirs.no_go
    for q in (0.5, 0.9):
        assert np.quantile(ours.qualification_score[routed], q) == pytest.approx(
            np.quantile(theirs.qualification_score[routed_ref], q), abs=0.05
        )


@pytest.mark.parametrize("wanted", [None, 4_500])  # None: as many as today's model routes
def test_thresholds_refit_to_keep_a_chosen_mql_volume_and_todays_sql_share(
    history, wanted: int | None
) -> None:
    frame, matrix = history
    reference, model = default_model(), other_model(MORE_FIT)
    outcomes = outcomes_from_features(frame)
    before = routing_row("current", score_arrays(matrix, reference), outcomes)
    wanted = wanted or int(before["reached_mql"])
    refit = thresholds_for_volume(matrix, model, reference, wanted)
    after = routing_row("refit", score_arrays(matrix, refit), outcomes)
    assert after["reached_mql"] == pytest.approx(wanted, rel=0.02)
    assert after["sql"] / after["reached_mql"] == pytest.approx(
        before["sql"] / before["reached_mql"], abs=0.02
    )
    for policy in refit.policies.values():
        assert 0 <= policy.mql_threshold < policy.sql_threshold <= 100


def test_hand_raisers_over_a_segments_share_keep_their_mql_and_the_others_give_way(history):
    frame, matrix = history
    reference, model = default_model(), other_model()
    refit = thresholds_for_volume(matrix, model, reference, 2_500)
    after = routing_row("refit", score_arrays(matrix, refit), outcomes_from_features(frame))
    # heavy on urgency, SMB's hand-raisers alone outnumber its share of 2,500: it keeps them
    assert refit.policies["smb"].mql_threshold == 99.9
    assert after["reached_mql"] == pytest.approx(2_500, rel=0.02)
