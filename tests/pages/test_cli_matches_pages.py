"""The CLI's `kpis --json` and the Overview page give the same numbers for the same filters."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.cli import main

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def cli_overall(capsys: pytest.CaptureFixture[str], db: str, *flags: str) -> dict:
    assert main(["kpis", "--db", db, "--json", *flags]) == 0
    return json.loads(capsys.readouterr().out)["overall"]


def overview(segments: list[str] | None = None, period: tuple[date, date] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    if segments is not None:
        at.sidebar.multiselect(key="f_segments").set_value(segments).run()
    if period is not None:
        at.sidebar.date_input(key="f_period").set_value(period).run()
    assert not at.exception
    return at


def shown(at: AppTest, label: str) -> tuple[str, str]:
    """Return a rate metric's value and the caption under it (interval and count)."""
    index = next(i for i, m in enumerate(at.metric) if m.label == label)
    captions = [c.value for c in at.main.caption if "95% interval" in c.value]
    return at.metric[index].value, captions[index]


@pytest.mark.parametrize(
    ("segments", "period", "flags"),
    [
        (None, None, ()),
        (["smb"], None, ("--segment", "smb")),
        (
            ["enterprise", "mid_market"],
            (date(2025, 4, 1), date(2026, 3, 31)),
            (
                "--segment",
                "enterprise",
                "--segment",
                "mid_market",
                "--start",
                "2025-04-01",
                "--end",
                "2026-03-31",
            ),
        ),
    ],
)
def test_cli_kpis_and_the_overview_page_agree_for_the_same_filters(
    app_db, capsys, segments, period, flags
):
    expected = cli_overall(capsys, str(app_db), *flags)
    at = overview(segments, period)
    win_rate, win_caption = shown(at, "Win rate")
    assert win_rate == f"{expected['win_rate']:.1%}"
    assert f"{expected['won'] + expected['lost']:,} closed deals" in win_caption
    low, high = expected["win_rate_ci"]
    assert f"{low:.1%}–{high:.1%}" in win_caption
    mql_rate, mql_caption = shown(at, "MQL→SQL")
    assert mql_rate == f"{expected['mql_to_sql_rate']:.1%}"
    assert f"{expected['mqls']:,} MQLs" in mql_caption
