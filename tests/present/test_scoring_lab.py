"""The Scoring lab's logic: widgets <-> model copy, and a hand-made back-test put into words."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from lib.errors import ModelError
from lib.evaluate.backtest import Backtest, backtest, outcomes_from_features
from lib.features import history_features
from lib.metrics.filters import Filters
from lib.model import default_model, model_diff, with_thresholds
from lib.present import charts
from lib.present import scoring_lab as lab_view
from lib.present.needs import NOT_MEASURED
from lib.scoring import feature_matrix
from lib.store.connection import connect
from lib.store.model_versions import model_history, publish_model

MODEL = default_model()


def hand_backtest(transitions: pd.DataFrame | None = None) -> Backtest:
    """Published: 100 MQL, 20 SQL (8 won of 16 closed at the line, 10 won in all).
    Edited: 100 MQL, 30 SQL (9 won of 27 closed at the line)."""
    summary = pd.DataFrame(
        {
            "metric": ["mql_leads", "sql_leads", "recall_won_revenue"],
            "published": [100.0, 20.0, 0.5],
            "edited": [100.0, 30.0, 0.6],
        }
    )
    summary["delta"] = summary["edited"] - summary["published"]
    rates = pd.DataFrame(
        {
            "model": ["published"] * 3 + ["edited"] * 3,
            "metric": ["mql_to_sql", "recall_won", "precision_win_rate"] * 2,
            "successes": [20.0, 8.0, 8.0, 30.0, 9.0, 9.0],
            "trials": [100.0, 10.0, 16.0, 100.0, 10.0, 27.0],
        }
    )
    rates["rate"] = rates["successes"] / rates["trials"]
    rates["rate_low"], rates["rate_high"] = rates["rate"] - 0.05, rates["rate"] + 0.05
    bands = pd.DataFrame(
        {
            "model": ["published", "published", "edited", "edited"],
            "band": ["unlikely", "very_likely"] * 2,
            "leads": [90, 10, 80, 20],
            "won": [1, 9, 2, 8],
            "closed": [10, 20, 0, 40],
            "win_rate": [0.1, 0.45, np.nan, 0.2],
        }
    )
    mix = pd.DataFrame(
        {
            "model": ["published"] * 3 + ["edited"] * 3,
            "segment": ["enterprise", "smb", "unassigned"] * 2,
            "leads": [15.0, 5.0, 0.0, 15.0, 15.0, 0.0],
            "deal_amount_usd": [1.5e6, 5e4, 0.0, 1.5e6, 1.5e5, 0.0],
            "count_share": [0.75, 0.25, 0.0, 0.5, 0.5, 0.0],
            "amount_share": [0.97, 0.03, 0.0, 0.91, 0.09, 0.0],
        }
    )
    if transitions is None:
        transitions = pd.DataFrame(
            {"from_stage": ["mql", "sal"], "to_stage": ["sql", "sql"], "leads": [3, 7]}
        )
    return Backtest(
        summary=summary,
        rates=rates,
        bands=bands,
        mix=mix,
        transitions=transitions,
        changed=np.array([2, 0]),
        score_change=np.array([5.0, 1.0]),
    )


def test_widget_values_turned_back_into_a_model_change_nothing():
    values = lab_view.widget_values(MODEL, "mid_market")
    assert model_diff(MODEL, lab_view.edited_model(MODEL, "mid_market", values)) == []


@pytest.mark.parametrize(
    ("key", "value", "line"),
    [
        ("lab_sql_threshold", 70.0, "mid_market SQL threshold 80 → 70"),
        ("lab_half_life", 14.0, "decay half-life (days) 30 → 14"),
        ("lab_points_pricing_page_view", 12.5, "pricing_page_view points 10 → 12.5"),
        ("lab_grade_wrong_size", -5.0, "grade wrong_size_points -15 → -5"),
    ],
)
def test_each_widget_edits_exactly_its_setting(key, value, line):
    values = lab_view.widget_values(MODEL, "mid_market") | {key: value}
    assert model_diff(MODEL, lab_view.edited_model(MODEL, "mid_market", values)) == [line]


def test_edits_return_a_copy_and_leave_the_published_model_alone():
    values = lab_view.widget_values(MODEL, "smb") | {"lab_mql_threshold": 30.0}
    lab_view.edited_model(MODEL, "smb", values)
    assert MODEL.policies["smb"].mql_threshold == 50.0


def test_an_mql_threshold_at_or_above_the_sql_one_is_refused():
    values = lab_view.widget_values(MODEL, "smb") | {"lab_mql_threshold": 85.0}
    with pytest.raises(ModelError, match="below SQL threshold"):
        lab_view.edited_model(MODEL, "smb", values)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"fit": 1, "value": 1, "urgency": 1, "authority": 1, "risk": 1}, [0.2] * 5),
        ({"fit": 0, "value": 0, "urgency": 0, "authority": 0, "risk": 0}, [0.2] * 5),
        ({"fit": 1, "value": 0, "urgency": 1, "authority": 0, "risk": 0}, [0.5, 0, 0.5, 0, 0]),
        ({"fit": 0.3, "value": 0, "urgency": 0, "authority": 0, "risk": 0}, [1, 0, 0, 0, 0]),
        (
            {"fit": 1, "value": 1, "urgency": 1, "authority": 0, "risk": 0},
            [0.3334, 0.3333, 0.3333, 0, 0],
        ),
    ],
)
def test_weights_are_renormalised_to_sum_to_one(raw, expected):
    weights = lab_view.normalised_weights(raw)
    assert list(weights.values()) == pytest.approx(expected)
    assert abs(sum(weights.values()) - 1.0) < 1e-9


def test_metric_cards_show_edited_values_with_deltas_and_counts():
    cards = {c.label: c for c in lab_view.metric_cards(hand_backtest())}
    sql = cards["Leads reaching SQL"]
    assert (sql.value, sql.delta, sql.caption) == ("30", "+10 leads", "Published model: 20 leads")
    conversion = cards["MQL→SQL conversion"]
    assert (conversion.value, conversion.delta) == ("30.0%", "+10.0 pts (+10 SQLs)")
    assert conversion.caption == (
        "Edited 30.0% (25.0–35.0%), 100 MQLs. Published 20.0% (15.0–25.0%), 100 MQLs."
    )
    precision = cards["Win rate of SQLs"]
    assert precision.delta == "-16.7 pts (+1 won deals)"
    assert "27 closed deals ⚠ small sample" in precision.caption
    assert cards["Won revenue reaching SQL"].delta == "+10.0 pts"


def test_a_history_without_leads_shows_counts_and_says_why_each_rate_is_unmeasured():
    frame = history_features(connect(":memory:"))
    bt = backtest(feature_matrix(frame), outcomes_from_features(frame), MODEL, MODEL)
    cards = {c.label: c for c in lab_view.metric_cards(bt)}
    assert (cards["Leads reaching SQL"].value, cards["Leads reaching SQL"].delta) == (
        "0",
        "+0 leads",
    )
    assert cards["Leads reaching SQL"].delta_color == "off"  # no green arrow for +0
    unmeasured = [c for c in cards.values() if c.value == NOT_MEASURED]
    assert [c.caption for c in unmeasured] == [
        "No lead reaches MQL under either model.",
        "Needs won deals linked to the lead they came from; this history has none.",
        "Needs won deals with amounts, linked to the lead they came from; this history has none.",
        "No SQL lead has a closed deal under either model.",
    ]
    assert {(c.delta, c.delta_color) for c in unmeasured} == {(None, "off")}
    assert len(lab_view.mix_in_words(bt, MODEL)) == 0


def test_an_edit_that_leaves_no_mql_says_so_beside_the_published_rate():
    bt = hand_backtest()
    edited_rows = (bt.rates["model"] == "edited") & (bt.rates["metric"] == "mql_to_sql")
    rates = bt.rates.copy()
    rates.loc[edited_rows, ["successes", "trials", "rate", "rate_low", "rate_high"]] = [
        0.0,
        0.0,
        np.nan,
        np.nan,
        np.nan,
    ]
    card = lab_view.metric_cards(Backtest(**{**vars(bt), "rates": rates}))[2]
    assert (card.value, card.delta) == (NOT_MEASURED, None)
    assert card.caption == "The edited model has no MQLs. Published 20.0% (15.0–25.0%), 100 MQLs."


def test_bands_get_labels_and_wilson_intervals_and_empty_bands_no_rate():
    bands = lab_view.bands_with_intervals(hand_backtest(), MODEL)
    assert list(bands["band"]) == ["Unlikely", "Very likely"] * 2
    assert list(bands["model"][:1]) == ["Published model"]
    first = bands.iloc[1]  # 9 of 20: Wilson 95% 25.8%-65.8%
    assert first["win_rate"] == 0.45
    assert (round(first["win_rate_low"], 3), round(first["win_rate_high"], 3)) == (0.258, 0.658)
    assert np.isnan(bands.iloc[2]["win_rate"])


def test_the_qualified_mix_lists_segments_with_sql_leads_in_words():
    mix = lab_view.mix_in_words(hand_backtest(), MODEL)
    assert list(mix["Segment"]) == ["Enterprise", "SMB"]
    assert list(mix["SQL leads"]) == ["15 → 15", "5 → 15"]
    assert list(mix["Share of SQL leads"]) == ["75.0% → 50.0%", "25.0% → 50.0%"]
    assert list(mix["Deal amount"]) == ["$1.5M → $1.5M", "$50.0k → $150.0k"]


@pytest.mark.parametrize(
    ("transitions", "sentence"),
    [
        (None, "SAL → SQL: 7 leads; MQL → SQL: 3 leads"),
        (pd.DataFrame({"from_stage": [], "to_stage": [], "leads": []}), "No lead changes stage."),
    ],
)
def test_transitions_read_largest_first(transitions, sentence):
    assert lab_view.transitions_in_words(hand_backtest(transitions)) == sentence


def test_changed_leads_show_company_segment_stage_and_score_before_and_after():
    features = pd.DataFrame(
        {
            "company_name": ["Acme", "Bolt", "Core"],
            "segment": ["smb", "enterprise", "mid_market"],
            "channel": ["Events", "Events", "Outbound"],
            "won": [True, False, None],
            "lost": [False, False, None],
        }
    )
    names = ("lead", "recycled", "mql", "sal", "sql")
    before = SimpleNamespace(
        stage_names=names,
        stage_code=np.array([2, 0, 3]),
        qualification_score=np.array([60.0, 10.0, 75.0]),
    )
    after = SimpleNamespace(
        stage_names=names,
        stage_code=np.array([4, 0, 4]),
        qualification_score=np.array([61.0, 10.0, 80.0]),
    )
    table = lab_view.changed_in_words(hand_backtest().changed, features, before, after, MODEL)
    assert table.to_dict("list") == {
        "Company": ["Core", "Acme"],
        "Segment": ["Mid-market", "SMB"],
        "Channel": ["Outbound", "Events"],
        "Stage": ["SAL → SQL", "MQL → SQL"],
        "Score": ["75.0 → 80.0", "60.0 → 61.0"],
        "Score change": [5.0, 1.0],
        "Outcome": ["Open", "Won"],
    }


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        (Filters(), [2, 0]),
        (Filters(segments=("smb",)), [0]),
        (Filters(channels=("Outbound",)), [2]),
        (Filters(segments=("smb",), channels=("Outbound",)), []),
    ],
)
def test_changed_leads_listed_follow_the_sidebar_segments_and_channels(filters, kept):
    features = pd.DataFrame(
        {"segment": ["smb", "smb", "mid_market"], "channel": ["Events", "Outbound", "Outbound"]}
    )
    assert list(lab_view.changed_within(hand_backtest(), features, filters)) == kept


def test_diff_lines_name_segments_activities_and_grade_points_in_words():
    lines = [
        "mid_market SQL threshold 80 → 70",
        "pricing_page_view points 10 → 12",
        "grade wrong_size_points -15 → -5",
    ]
    assert lab_view.diff_in_words(lines, MODEL) == [
        "Mid-market SQL threshold 80 → 70",
        "pricing page view points 10 → 12",
        "grade Wrong company size points -15 → -5",
    ]


def test_versions_are_listed_newest_first_each_diffed_against_the_one_before():
    conn = connect(":memory:")
    publish_model(conn, with_thresholds(MODEL, "smb", 40, 80), "Ana", "looser", based_on=0)
    publish_model(conn, with_thresholds(MODEL, "smb", 40, 70), "Ben", "faster SQL", based_on=1)
    versions = lab_view.version_changes(conn, model_history(conn))
    assert [v.version for v in versions] == [2, 1, 0]  # the default model can be restored too
    assert versions[-1].name == "the default model"
    assert versions[0].title.startswith("Version 2 — Ben, ") and "faster SQL" in versions[0].title
    assert versions[0].changes == ("SMB SQL threshold 80 → 70",)
    assert versions[1].changes == ("SMB MQL threshold 50 → 40",)


def test_the_timing_caption_counts_leads_and_milliseconds():
    assert lab_view.timing_caption(20_000, 0.0123) == (
        "Recomputed 20,000 historical leads in 12 ms."
    )


def test_the_band_chart_has_one_series_per_model_and_flags_small_samples():
    fig = charts.backtest_bands_chart(lab_view.bands_with_intervals(hand_backtest(), MODEL))
    assert [t.name for t in fig.data] == ["Published model", "Edited model"]
    assert list(fig.data[0].text) == ["10 closed ⚠", "20 closed ⚠"]
    assert list(fig.data[1].x) == ["Very likely"]  # a band with nothing closed has no bar
    assert fig.layout.yaxis.title.text == "Win rate"
