from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import special

from lib.cli import main
from lib.errors import RecalibrationError, UntrustedRecalibration
from lib.evaluate.design import out_of_time_split
from lib.evaluate.fit import PENALTY_GRID, ModelMetrics, fit_logistic
from lib.evaluate.recalibration import (
    _refusals,
    export_recalibrated,
    publish_recalibrated,
    recalibrate,
    weights_table,
)
from lib.metrics.stats import calibration_curve, lift_by_decile, roc_auc
from lib.model import PILLARS, default_model, load_model, model_from_dict
from lib.store.connection import connect

NOISE = {"demo_request": 1.0, "email_open": 3.0, "webinar": 0.5, "content_download": 0.8}


def planted_frames(
    n: int, driver: str, seed: int = 7, strength: float = 1.2
) -> dict[str, pd.DataFrame]:
    """Return leads, activities and closed opportunities where only `driver` events drive wins
    (by `strength` log-odds per event; 0: nothing does)."""
    rng = np.random.default_rng(seed)
    ids = [f"L{i}" for i in range(n)]
    created = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    mql = created + pd.Timedelta(days=25)
    counts = {t: rng.poisson(lam, n) for t, lam in NOISE.items() if t != driver}
    counts[driver] = rng.poisson(1.5, n)
    won = rng.random(n) < special.expit(-1.0 + strength * (counts[driver] - 1.5))
    leads = pd.DataFrame(
        {
            "lead_id": ids,
            "email": [f"p{i}@firm{i}.com" for i in range(n)],
            "company_name": [f"Firm {i}" for i in range(n)],
            "title": "Manager",
            "channel": "web",
            "industry": "Retail",
            "annual_revenue_usd": 1e7,
            "employees": 50,
            "created_at": created,
            "mql_at": mql,
            "updated_at": mql,
            "email_bounced": False,
        }
    )
    who = np.concatenate([np.repeat(np.arange(n), c) for c in counts.values()])
    kind = np.concatenate([np.full(c.sum(), t) for t, c in counts.items()])
    hours_before = rng.integers(1, 20 * 24, len(who))
    activities = pd.DataFrame(
        {
            "activity_id": [f"X{i}" for i in range(len(who))],
            "lead_id": np.array(ids)[who],
            "activity_type": kind,
            "subject": "s",
            "occurred_at": mql[who] - pd.to_timedelta(hours_before, unit="h"),
        }
    )
    opportunities = pd.DataFrame(
        {
            "opportunity_id": [f"O{i}" for i in range(n)],
            "lead_id": ids,
            "name": "Deal",
            "stage": np.where(won, "Closed Won", "Closed Lost"),
            "channel": "web",
            "created_at": mql + pd.Timedelta(days=2),
            "close_date": (mql + pd.Timedelta(days=40)).date,
            "is_closed": True,
            "is_won": won,
            "amount_usd": 10000.0,
        }
    )
    return {"leads": leads, "activities": activities, "opportunities": opportunities}


def planted_db(
    n: int = 600, driver: str = "pricing_page_view", path: str = ":memory:", strength: float = 1.2
) -> duckdb.DuckDBPyConnection:
    conn = connect(path)
    for table, frame in planted_frames(n, driver, strength=strength).items():
        conn.register("incoming", frame)
        conn.execute(f"insert into {table} by name select * from incoming")
        conn.unregister("incoming")
    return conn


@pytest.fixture(scope="module")
def planted() -> duckdb.DuckDBPyConnection:
    return planted_db()


@pytest.mark.parametrize("driver", ["pricing_page_view", "webinar"])
def test_recalibration_gives_the_planted_driver_the_most_points_and_the_largest_odds(driver):
    result = recalibrate(planted_db(driver=driver), default_model(), min_closed_deals=100)
    points = {a: r.points for a, r in result.model.behavior_points.items()}
    assert max(points, key=points.get) == driver
    activity = result.coefficients[result.coefficients["kind"] == "activity"]
    assert activity.iloc[0]["signal"] == driver
    assert result.metrics["fitted"].auc > 0.7


def test_recalibrated_points_never_go_negative_for_engagement(planted):
    result = recalibrate(planted, default_model(), min_closed_deals=100)
    assert min(r.points for r in result.model.behavior_points.values()) >= 0


def test_a_signal_never_seen_in_training_keeps_its_current_points(planted):
    result = recalibrate(planted, default_model(), min_closed_deals=100)
    assert "intent_surge" not in NOISE
    assert (
        result.model.intent_points["intent_surge"] == default_model().intent_points["intent_surge"]
    )
    row = result.coefficients.set_index("signal").loc["intent_surge"]
    assert np.isnan(row["total_odds_ratio"])


def test_pillar_weights_sum_to_one_and_the_note_says_what_was_done(planted):
    result = recalibrate(planted, default_model(), min_closed_deals=100)
    for policy in result.model.policies.values():
        assert sum(getattr(policy.pillar_weights, p) for p in PILLARS) == pytest.approx(1.0)
    assert "Recalibrated" in result.model.note
    assert "600 leads with a closed deal" in result.model.note
    assert f"{result.metrics['recalibrated'].auc:.3f}" in result.model.note
    assert result.model.version == default_model().version + 1


def test_fit_recovers_known_coefficients_on_a_large_sample():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20000, 2))
    y = (rng.random(20000) < special.expit(-0.5 + x @ np.array([1.0, -2.0]))).astype(float)
    w = fit_logistic(x, y, l2=1e-6)
    assert w == pytest.approx([-0.5, 1.0, -2.0], abs=0.08)


def test_the_guard_refuses_under_the_minimum_and_force_overrides(planted, tmp_path):
    result = recalibrate(planted, default_model(), min_closed_deals=1000)
    assert not result.trusted
    assert result.refusals[0].startswith("only 600 leads with a closed deal to learn from")
    with pytest.raises(UntrustedRecalibration, match="only 600 leads with a closed deal"):
        export_recalibrated(result, tmp_path / "m.yaml")
    with pytest.raises(UntrustedRecalibration):
        publish_recalibrated(connect(":memory:"), result, author="ana")
    assert not (tmp_path / "m.yaml").exists()
    export_recalibrated(result, tmp_path / "m.yaml", force=True)
    assert load_model(tmp_path / "m.yaml") == result.model


def test_at_the_minimum_the_result_is_trusted(planted):
    assert recalibrate(planted, default_model(), min_closed_deals=600).trusted


def test_too_few_deals_to_fit_at_all_is_refused():
    with pytest.raises(RecalibrationError, match="10 leads with a closed deal"):
        recalibrate(planted_db(n=10), default_model())


@pytest.mark.parametrize("name", ["model.yaml", "model.yml", "model.json"])
def test_exported_files_load_back_as_the_same_model(planted, tmp_path, name):
    result = recalibrate(planted, default_model(), min_closed_deals=100)
    path = export_recalibrated(result, tmp_path / name)
    loaded = (
        model_from_dict(json.loads(path.read_text()))
        if name.endswith(".json")
        else load_model(path)
    )
    assert loaded == result.model


def test_an_unknown_file_type_is_refused(planted, tmp_path):
    result = recalibrate(planted, default_model(), min_closed_deals=100)
    with pytest.raises(RecalibrationError, match=r"\.yaml"):
        export_recalibrated(result, tmp_path / "model.txt")


def test_weights_table_lists_every_pillar_per_segment_and_every_activity(planted):
    result = recalibrate(planted, default_model(), min_closed_deals=100)
    table = weights_table(result)
    pillars = table[table["setting"] == "pillar weight"]
    assert len(pillars) == 3 * len(PILLARS)
    assert pillars.groupby("segment")["recalibrated"].sum().tolist() == pytest.approx([1, 1, 1])
    points = table[table["setting"] == "points per event"].set_index("name")
    assert points.loc["demo_request", "current"] == 30
    assert (table["change"] == table["recalibrated"] - table["current"]).all()


@pytest.mark.parametrize("n, share", [(12, 0.25), (10, 0.5), (7, 0.3), (100, 0.1)])
def test_out_of_time_split_trains_on_older_deals_and_tests_on_the_newest(n, share):
    rng = np.random.default_rng(n)
    dates = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 30, n), unit="D")
    deals = pd.DataFrame({"lead_id": [f"L{i:03d}" for i in range(n)], "close_date": dates})
    train, test = out_of_time_split(deals, share)
    assert len(test) == round(n * share) and len(train) == n - round(n * share)
    assert train["close_date"].max() <= test["close_date"].min()
    newest = deals.sort_values(["close_date", "lead_id"]).tail(round(n * share))
    assert sorted(test["lead_id"]) == sorted(newest["lead_id"])


def test_the_split_on_the_planted_history_keeps_train_dates_before_test_dates(planted):
    result = recalibrate(planted, default_model(), min_closed_deals=100)
    assert (result.train_size, result.test_size) == (450, 150)
    assert result.train_period[1] <= result.test_period[0]


def brute_force_auc(score: list[float], won: list[int]) -> float:
    pairs = [(p, q) for p, q in product(range(len(score)), repeat=2) if won[p] and not won[q]]
    return sum(
        1.0 if score[p] > score[q] else 0.5 if score[p] == score[q] else 0.0 for p, q in pairs
    ) / len(pairs)


@pytest.mark.parametrize(
    "score, won",
    [
        ([0.1, 0.4, 0.35, 0.8, 0.4], [0, 0, 1, 1, 1]),
        ([1, 2, 3, 4], [0, 0, 1, 1]),
        ([4, 3, 2, 1], [0, 0, 1, 1]),
        ([5, 5, 5, 5, 1, 9], [1, 0, 1, 0, 0, 1]),
    ],
)
def test_auc_matches_a_brute_force_count_of_pairs(score, won):
    assert roc_auc(np.array(score), np.array(won)) == pytest.approx(brute_force_auc(score, won))


def test_auc_is_not_a_number_when_every_deal_has_one_outcome():
    assert np.isnan(roc_auc(np.array([1.0, 2.0]), np.array([1, 1])))


def test_lift_by_decile_matches_a_plain_pandas_computation():
    rng = np.random.default_rng(3)
    score, won = rng.random(100), (rng.random(100) < 0.3).astype(int)
    plain = pd.DataFrame({"score": score, "won": won}).sort_values("score", ascending=False)
    plain["decile"] = np.arange(100) // 10 + 1
    expected = plain.groupby("decile")["won"].mean() / won.mean()
    lift = lift_by_decile(score, won)
    assert lift["decile"].tolist() == list(range(1, 11))
    assert lift["lift"].to_numpy() == pytest.approx(expected.to_numpy())
    assert lift["leads"].tolist() == [10] * 10


def test_calibration_curve_bins_hold_every_deal_and_observed_rates():
    probability = np.repeat([0.1, 0.5, 0.9], 10)
    won = np.concatenate([[1] + [0] * 9, [1] * 5 + [0] * 5, [1] * 9 + [0]])
    curve = calibration_curve(probability, won, bins=3)
    assert curve["leads"].tolist() == [10, 10, 10]
    assert curve["mean_predicted"].tolist() == pytest.approx([0.1, 0.5, 0.9])
    assert curve["observed"].tolist() == pytest.approx([0.1, 0.5, 0.9])


def test_cli_refuses_an_untrusted_model_and_writes_it_with_force(tmp_path: Path, capsys):
    db = tmp_path / "planted.duckdb"
    planted_db(path=str(db)).close()
    out = tmp_path / "recalibrated.yaml"
    command = ["recalibrate", "--db", str(db), "--out", str(out), "--min-deals", "1000"]
    assert main(command) == 2
    assert "Refusing" in capsys.readouterr().err and not out.exists()
    assert main([*command, "--force"]) == 0
    printed = capsys.readouterr().out
    assert "test AUC current" in printed and "train 450" in printed
    assert "not trusted: only 600 leads with a closed deal" in printed
    assert load_model(out).author == "Qualify recalibration"


def test_a_model_no_better_than_a_coin_toss_is_refused_and_the_cli_exits_2(tmp_path, capsys):
    db = tmp_path / "noise.duckdb"
    planted_db(path=str(db), strength=0.0).close()
    result = recalibrate(connect(db), default_model(), min_closed_deals=100)
    assert not result.trusted
    assert any("does not rule out a coin toss (0.5)" in r for r in result.refusals)
    out = tmp_path / "noise.yaml"
    assert main(["recalibrate", "--db", str(db), "--min-deals", "100", "--out", str(out)]) == 2
    assert "coin toss" in capsys.readouterr().err and not out.exists()
    assert main(["recalibrate", "--db", str(db), "--min-deals", "100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["trusted"] is False


COUNTS = {
    "closed_deals": 4209,
    "closed_deals_with_lead": 1035,
    "leads_with_outcome": 1035,
    "train_wins": 241,
    "fitted_inputs": 22,
    "test_wins": 71,
}


def refusals(counts=None, auc=(0.72, 0.65, 0.79), paired_p=0.3, scores=None, converged=True):
    metric = ModelMetrics(*auc, pd.DataFrame(), pd.DataFrame(), 1.0, 0.2)
    current = ModelMetrics(0.70, 0.62, 0.77, pd.DataFrame(), pd.DataFrame(), 1.0, 0.2)
    return _refusals(
        COUNTS | (counts or {}),
        {"recalibrated": metric, "current": current},
        paired_p,
        np.arange(10.0) if scores is None else scores,
        converged,
        "ABNORMAL_TERMINATION_IN_LNSRCH",
        500,
    )


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({}, ()),
        (
            {"counts": {"leads_with_outcome": 499}},
            "only 499 leads with a closed deal to learn from (< 500); the data holds 4,209 "
            "closed deals, 3,174 of them with no source lead",
        ),
        (
            {"counts": {"train_wins": 200}},
            "200 wins in training for 22 fitted inputs: 9.1 per input (< 10)",
        ),
        (
            {"counts": {"test_wins": 29}},
            "only 29 wins in the held-out period (< 30): too few to judge the model on",
        ),
        (
            {"converged": False},
            "the fit did not converge (ABNORMAL_TERMINATION_IN_LNSRCH)",
        ),
        (
            {"auc": (0.5, 0.43, 0.57)},
            "its held-out AUC 0.500 (95% interval 0.430–0.570) does not rule out a coin toss (0.5)",
        ),
        (
            {"auc": (0.60, 0.53, 0.67), "paired_p": 0.01},
            "it ranks the held-out deals worse than the current model (AUC 0.600 against 0.700, "
            "DeLong's paired test p = 0.01)",
        ),
        ({"scores": np.full(10, 42.0)}, "it gives every held-out deal the same score"),
    ],
)
def test_each_reason_not_to_trust_a_fit_is_named(case, expected):
    found = refusals(**case)
    assert found == (expected if isinstance(expected, tuple) else (expected,))


def test_the_json_names_what_it_counted_and_shows_routing_under_both_models(tmp_path, capsys):
    db = tmp_path / "planted.duckdb"
    conn = planted_db(path=str(db))
    # a deal closed on an account, no lead: counted as a closed deal, not learnt from
    conn.execute("""insert into opportunities (opportunity_id, is_closed, is_won, close_date)
        values ('A1', true, true, date '2025-06-01')""")
    conn.close()
    assert main(["recalibrate", "--db", str(db), "--json", "--min-deals", "100"]) == 0
    found = json.loads(capsys.readouterr().out)
    frames = planted_frames(600, "pricing_page_view")
    won = int(frames["opportunities"]["is_won"].sum())
    assert (found["closed_deals"], found["won_deals"]) == (601, won + 1)
    assert (found["closed_deals_with_lead"], found["leads_with_outcome"]) == (600, 600)
    assert (found["train_size"], found["test_size"]) == (450, 150)
    for key in ("auc_recalibrated", "auc_current", "paired_p", "calibration_slope", "brier"):
        assert isinstance(found[key], float)
    low, high = found["auc_recalibrated_ci"]
    assert low < found["auc_recalibrated"] < high
    assert found["penalty"] in PENALTY_GRID and isinstance(found["trusted"], bool)
    for model in ("current", "recalibrated"):
        stages = found["stages"][model]
        assert sum(stages[s] for s in ("lead", "recycled", "mql", "sal", "sql")) == 600
        assert stages["reached_mql"] == stages["mql"] + stages["sal"] + stages["sql"]


def test_keeping_todays_mql_volume_refits_the_thresholds(tmp_path, capsys):
    db = tmp_path / "planted.duckdb"
    planted_db(path=str(db)).close()
    command = ["recalibrate", "--db", str(db), "--json", "--min-deals", "100"]
    assert main([*command, "--keep-mqls", "current"]) == 0
    found = json.loads(capsys.readouterr().out)
    today = found["stages"]["current"]["reached_mql"]
    assert found["mql_volume"] == today
    assert found["stages"]["recalibrated"]["reached_mql"] == pytest.approx(today, rel=0.05)
    with pytest.raises(SystemExit):
        main([*command, "--keep-mqls", "lots"])
    refused = capsys.readouterr().err
    assert "--keep-mqls takes a whole number of MQLs or 'current', not 'lots'" in refused


def test_the_cli_needs_somewhere_to_put_the_result(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["recalibrate", "--db", ":memory:"])
    assert stopped.value.code == 2
    assert "--out FILE" in capsys.readouterr().err


def test_leads_without_closed_deals_are_refused_naming_the_data_needed():
    conn = connect(":memory:")
    conn.execute("insert into leads (lead_id, created_at) values ('L1', '2024-01-01')")
    with pytest.raises(RecalibrationError, match="0 leads with a closed deal: needs at least 20"):
        recalibrate(conn, default_model())
