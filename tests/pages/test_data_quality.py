"""The Data quality page on the bundled sample: fix-first ranking, records, and its controls."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest


def open_page() -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=120)
    at.switch_page("pages/data_quality.py").run()
    assert not at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def listed_counts(at: AppTest) -> list[int]:
    """Return the count each issue's expander lists ('1. Stale records — 1,234 listed')."""
    found = [re.search(r"— ([\d,]+) listed$", e.label) for e in at.expander]
    return [int(m.group(1).replace(",", "")) for m in found if m]


def test_data_quality_renders_with_the_shared_sidebar_filters(app_db):
    at = open_page()
    assert {m.key for m in at.sidebar.multiselect} >= {"f_segments", "f_channels"}
    assert at.title[0].value == "Data quality"


def test_data_quality_ranks_the_samples_problems_with_real_counts(app_db):
    at = open_page()
    summary = at.dataframe[0].value
    assert len(summary) == 7  # dates after the export: none on the sample, listed all the same
    assert summary["Share of records checked (95% interval)"].str.contains("of 20,000").any()
    assert summary["Fix order"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert metric(at, "Bounce rate, all leads").endswith("%")
    assert any("of 20,000 leads" in c.value for c in at.caption)
    assert len(at.get("download_button")) == 7


def test_choosing_one_segment_in_the_sidebar_narrows_the_records_listed(app_db):
    at = open_page()
    before = (metric(at, "Bounce rate, chosen segments and channels"), listed_counts(at))
    at.sidebar.multiselect(key="f_segments").set_value(["enterprise"]).run()
    after = (metric(at, "Bounce rate, chosen segments and channels"), listed_counts(at))
    assert not at.exception
    assert after[0] != before[0]
    assert len(after[1]) == len(before[1]) == 7
    # enterprise is one of three segments: no issue lists more, and together they list fewer
    assert all(a <= b for a, b in zip(after[1], before[1], strict=True))
    assert sum(after[1]) < sum(before[1])


def test_a_longer_staleness_threshold_finds_fewer_stale_leads(app_db):
    at = open_page()

    def stale_records() -> int:
        summary = at.dataframe[0].value
        share = summary.loc[summary["Issue"].str.contains("no update")].iloc[0, 3]
        return int(re.search(r"([\d,]+) of", share).group(1).replace(",", ""))

    at.slider(key="stale_days").set_value(30).run()
    at30 = stale_records()
    at.slider(key="stale_days").set_value(180).run()
    assert not at.exception
    assert 0 < stale_records() < at30
    assert any("over 180 days" in e.label for e in at.expander)
