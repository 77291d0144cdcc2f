"""Rates and money written for people, checked against hand-worked strings."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from lib.metrics.kpis import MQL_TO_SQL_HEALTHY_HIGH, MQL_TO_SQL_HEALTHY_LOW
from lib.present.numbers import (
    ABOVE_HEALTHY,
    BELOW_HEALTHY,
    HEALTHY_MQL_TO_SQL,
    count_text,
    interval_text,
    money_text,
    percent_text,
    rate_text,
    rate_texts,
    small_flag,
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0.8, 0.49, 0.943, 10, "closed"), "80.0% (49.0–94.3%), 10 closed ⚠ small sample"),
        ((0.273, 0.241, 0.306, 812, "closed"), "27.3% (24.1–30.6%), 812 closed"),
        ((0.5, 0.4, 0.6, 30, "MQLs"), "50.0% (40.0–60.0%), 30 MQLs"),
        ((float("nan"), float("nan"), float("nan"), 0, "closed"), "— (0 closed)"),
        ((0.25, None, None, 1200, "leads"), "25.0%, 1,200 leads"),
    ],
)
def test_rate_text_shows_interval_count_and_flags_small_samples(args: tuple, expected: str) -> None:
    assert rate_text(*args) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (950, "$950"),
        (340_000, "$340.0k"),
        (1_250_000, "$1.2M"),
        (-16_867_140, "-$16.9M"),
        (2e9, "$2.0B"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_money_text_scales_to_k_m_b(value: float | None, expected: str) -> None:
    assert money_text(value) == expected


@pytest.mark.parametrize(
    ("rate", "expected"), [(0.2345, "23.4%"), (None, "—"), (float("nan"), "—")]
)
def test_percent_text_writes_one_decimal_or_a_dash(rate, expected):
    assert percent_text(rate) == expected


def test_the_healthy_mql_to_sql_band_is_worded_from_its_one_pair_of_numbers():
    low, high = MQL_TO_SQL_HEALTHY_LOW, MQL_TO_SQL_HEALTHY_HIGH
    assert (low, high) == (0.10, 0.25)
    assert (BELOW_HEALTHY, HEALTHY_MQL_TO_SQL, ABOVE_HEALTHY) == (
        "Below 10%",
        "10–25%",
        "Above 25%",
    )


def test_no_module_or_page_types_the_band_itself():
    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("lib/**/*.py"), *root.glob("pages/*.py"), root / "ui.py", root / "app.py"]
    typed = [
        p.name
        for p in sources
        if re.search(r"10\s*[–-]\s*25\s*%|Below 10%|Above 25%", p.read_text())
    ]
    assert typed == []


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 open deals"), (1, "1 open deal"), (2301, "2,301 open deals")],
)
def test_count_text_groups_the_count_and_agrees_the_noun(count: int, expected: str) -> None:
    assert count_text(count, "open deal") == expected
    assert count_text(count, "opportunity", "opportunities").endswith("y" if count == 1 else "ies")


def test_rate_texts_reads_each_rows_rate_interval_and_trials_by_column_name() -> None:
    frame = pd.DataFrame(
        {"win": [0.25, float("nan")], "win_low": [0.2, None], "win_high": [0.3, None],
         "closed": [400, 0]}
    )  # fmt: skip
    assert rate_texts(frame, "win", "closed", "closed") == [
        rate_text(0.25, 0.2, 0.3, 400, "closed"),
        "— (0 closed)",
    ]


def test_interval_text_gives_the_rate_with_its_interval_and_drops_an_unknown_bound():
    assert interval_text(0.273, 0.241, 0.306) == "27.3% (24.1–30.6%)"
    assert interval_text(0.273, float("nan"), 0.306) == "27.3%"
    assert small_flag(29) == "⚠ small sample" and small_flag(30) == ""
