"""Pipeline velocity: by hand on a few deals, against the known truth of a simulated steady
pipeline, and its back-test against revenue counted straight from the deals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.metrics import kpis
from lib.metrics.filters import Filters
from lib.metrics.velocity import ALL_SEGMENTS, velocity_at, velocity_backtest, won_revenue
from lib.model.segments import DEFAULT_SEGMENTS
from lib.store.connection import connect

END = pd.Timestamp("2025-12-31")


def deals_frame(rows: list[tuple[str, str, str | None, str, float]]) -> pd.DataFrame:
    """Return deals as opportunity_cycles gives them: (segment, created, closed, outcome, $)."""
    frame = pd.DataFrame(rows, columns=["segment", "created", "closed", "outcome", "amount_usd"])
    return pd.DataFrame(
        {
            "segment": frame["segment"],
            "created_day": pd.to_datetime(frame["created"]),
            "closed_day": pd.to_datetime(frame["closed"]),
            "is_closed": frame["outcome"] != "open",
            "is_won": frame["outcome"] == "won",
            "amount_usd": frame["amount_usd"].astype(float),
            "as_of_day": END,
        }
    )


def test_an_open_deal_counts_its_chance_to_win_within_the_horizon_given_its_age() -> None:
    # closed history: won on day 10 and day 100, lost on day 50, all in the window
    deals = deals_frame(
        [
            ("smb", "2025-06-01", "2025-06-11", "won", 10_000),
            ("smb", "2025-06-01", "2025-09-09", "won", 30_000),
            ("smb", "2025-06-01", "2025-07-21", "lost", 5_000),
            ("smb", "2025-12-01", None, "open", 99_000),  # 30 days old at the end
        ]
    )
    row = velocity_at(deals, END, window=730, horizon=90).set_index("segment").loc["smb"]
    # curve: won 1/4 at 10; lost 1/4 at 50; won 1/4 at 100 (the open deal left at 30)...
    # at risk at 50 are 2 (the open deal aged 30 has left): lost += 3/4 * 1/2 = 3/8, S = 3/8;
    # at 100 one at risk: won += 3/8 -> F(100) = 5/8. Open deal aged 30: S(30) = 3/4,
    # F(120) - F(30) = 5/8 - 1/4 = 3/8, so q = (3/8) / (3/4) = 1/2
    assert row["open_deals"] == 1 and row["expected_wins_open"] == pytest.approx(0.5)
    # new deals: 4 created over the 214 days from 1 June to the end, F's integral over 0..90:
    # 1/4 from day 10 to 90 = 80/4 = 20 days
    assert row["expected_wins_new"] == pytest.approx(4 / 214 * 20)
    assert row["avg_won_amount_usd"] == 20_000  # the two wins of the window, not the open $99k
    wins = 0.5 + 4 / 214 * 20
    assert row["velocity_usd_per_day"] == pytest.approx(wins * 20_000 / 90)
    assert row["velocity_low"] < row["velocity_usd_per_day"] < row["velocity_high"]
    assert row["small_sample"]


def simulated_pipeline(
    rate: float, win: float, mean_days: float, amount: float, days: int, seed: int
) -> pd.DataFrame:
    """Deals arriving at `rate` a day for `days` days, each won with chance `win`, closing after
    an exponential time (mean `mean_days`) whatever the outcome; open if that is after the end."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate * days)
    created = END - pd.to_timedelta(rng.integers(0, days, n), unit="D")
    close = created + pd.to_timedelta(np.ceil(rng.exponential(mean_days, n)), unit="D")
    closed = close <= END
    won = rng.random(n) < win
    return pd.DataFrame(
        {
            "segment": "smb",
            "created_day": created,
            "closed_day": pd.Series(close).where(closed),
            "is_closed": closed,
            "is_won": closed & won,
            "amount_usd": amount,
            "as_of_day": END,
        }
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_a_steady_pipeline_forecasts_its_true_won_revenue_per_day(seed: int) -> None:
    # in a steady state revenue is won at rate x win chance x amount a day: 5 x 0.3 x 10k = 15k
    deals = simulated_pipeline(5.0, 0.3, 40.0, 10_000.0, 1100, seed)
    row = velocity_at(deals, END).set_index("segment").loc["smb"]
    assert row["velocity_usd_per_day"] == pytest.approx(15_000, rel=0.07)
    assert row["velocity_low"] < 15_000 < row["velocity_high"]


def test_the_old_formula_would_have_missed_the_steady_truth_by_far() -> None:
    # open deals x win rate x average won / median days to win: what the Overview used to show
    deals = simulated_pipeline(5.0, 0.3, 40.0, 10_000.0, 1100, 1)
    closed = deals[deals["is_closed"]]
    days = (closed["closed_day"] - closed["created_day"]).dt.days
    old = (~deals["is_closed"]).sum() * closed["is_won"].mean() * 10_000 / days.median()
    assert old > 1.3 * 15_000


def test_the_backtest_checks_each_past_forecast_against_wins_counted_from_the_deals() -> None:
    deals = simulated_pipeline(5.0, 0.3, 40.0, 10_000.0, 1100, 3)
    backtest = velocity_backtest(deals, windows=3)
    total = backtest[backtest["segment"] == ALL_SEGMENTS]
    assert total["made_on"].tolist() == [END - pd.Timedelta(days=90 * k) for k in (3, 2, 1)]
    for made_on, realised in zip(total["made_on"], total["realised"], strict=True):
        after = deals[
            deals["is_won"]
            & (deals["closed_day"] > made_on)
            & (deals["closed_day"] <= made_on + pd.Timedelta(days=90))
        ]
        assert realised == pytest.approx(after["amount_usd"].sum() / 90)
    assert total["predicted"].sum() / total["realised"].sum() == pytest.approx(1.0, rel=0.1)


def test_a_forecast_made_in_the_past_knows_only_what_had_happened_by_then() -> None:
    deals = deals_frame(
        [
            ("smb", "2025-01-01", "2025-01-20", "won", 10_000),
            ("smb", "2025-09-01", "2025-12-01", "won", 50_000),  # open on 1 October
        ]
    )
    then = velocity_at(deals, pd.Timestamp("2025-10-01"), window=730).set_index("segment")
    assert then.loc["smb", "open_deals"] == 1 and then.loc["smb", "avg_won_amount_usd"] == 10_000
    assert won_revenue(deals, pd.Timestamp("2025-10-01"), END)["smb"] == 50_000


def test_kpis_velocity_orders_segments_then_all_and_sets_the_last_quarter_beside(
    sample_conn,
) -> None:
    conn = sample_conn
    table = kpis.pipeline_velocity_by_segment(conn, DEFAULT_SEGMENTS, Filters())
    assert table["segment"].tolist() == [
        "enterprise",
        "mid_market",
        "smb",
        "unassigned",
        ALL_SEGMENTS,
    ]
    total = table.set_index("segment").loc[ALL_SEGMENTS]
    won = conn.sql(
        "select sum(amount_usd) from opportunities where is_won "
        "and close_date > date '2026-10-31' - 90 and close_date <= date '2026-10-31'"
    ).fetchall()[0][0]
    assert total["won_per_day_last_quarter"] == pytest.approx(won / 90)
    # the forecast agrees with what the same method forecast at past quarter-ends
    backtest = kpis.pipeline_velocity_backtest(conn, DEFAULT_SEGMENTS, Filters())
    every = backtest[backtest["segment"] == ALL_SEGMENTS]
    assert every["predicted"].sum() / every["realised"].sum() == pytest.approx(1.0, abs=0.1)


def test_no_deals_give_no_forecast_and_no_backtest() -> None:
    conn = connect(":memory:")
    assert kpis.pipeline_velocity_by_segment(conn, DEFAULT_SEGMENTS, Filters()).empty
    assert kpis.pipeline_velocity_backtest(conn, DEFAULT_SEGMENTS, Filters()).empty
