"""KPIs broken down by a dimension, in words, on a tiny hand-made breakdown table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.present.breakdown import breakdown_table, open_pipeline_text


@pytest.mark.parametrize(
    ("amount", "count", "unpriced", "expected"),
    [
        (1_200_000.0, 3, 0, "$1.2M in 3 deals"),
        (1_200_000.0, 5, 2, "$1.2M in 3 deals; amount unknown for 2 open deals"),
        (0.0, 2, 2, "amount unknown for 2 open deals"),
        (0.0, 0, 0, "none"),
    ],
)
def test_open_pipeline_names_deals_without_an_amount(amount, count, unpriced, expected):
    assert open_pipeline_text(amount, count, unpriced) == expected


def test_a_breakdown_reads_in_words_with_not_measured_and_the_overall_row():
    frame = pd.DataFrame(
        {
            "region": ["EMEA", "(blank)", "overall"],
            "closed": [3, 0, 3],
            "win_rate": [2 / 3, np.nan, 2 / 3],
            "win_rate_low": [0.2, np.nan, 0.2],
            "win_rate_high": [0.9, np.nan, 0.9],
            "open_pipeline_amount": [0.0, 5000.0, 5000.0],
            "open_pipeline_count": [1, 1, 2],
            "open_pipeline_unpriced": [1, 0, 1],
            "mqls": [4, 0, 4],
            "mql_to_sql_measured": [False] * 3,
            "mql_to_won_rate": [0.25, np.nan, 0.25],
            "mql_to_won_rate_low": [0.05, np.nan, 0.05],
            "mql_to_won_rate_high": [0.7, np.nan, 0.7],
            "median_won_cycle_days": [30.0, np.nan, 30.0],
        }
    )
    table = breakdown_table(frame, "region", {})
    assert table.columns.tolist() == [
        "Region",
        "Win rate",
        "Open pipeline",
        "MQL→SQL",
        "MQL→won",
        "Median days to win",
    ]
    assert table["Region"].tolist() == ["EMEA", "(blank)", "Overall"]
    assert table["Open pipeline"].tolist() == [
        "amount unknown for 1 open deal",
        "$5.0k in 1 deal",
        "$5.0k in 1 deal; amount unknown for 1 open deal",
    ]
    assert set(table["MQL→SQL"]) == {"not measured: the export has no SQL dates"}
    assert table["Median days to win"].tolist() == ["30", "—", "30"]
    assert table["Win rate"].tolist()[1] == "— (0 closed)"
