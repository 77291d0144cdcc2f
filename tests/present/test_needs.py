"""A KPI with nothing to count says what it needs, or that the filters left everything out."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from lib.metrics.coverage import Coverage
from lib.present.needs import CAPABILITY_KPIS, NEEDS, missing_text, unmeasured_text

NOTHING = Coverage(**{f.name: 0 for f in fields(Coverage)})
EVERYTHING = Coverage(**{f.name: 12 for f in fields(Coverage)})


@pytest.mark.parametrize("kpi", list(NEEDS))
def test_every_kpi_names_the_data_it_needs_when_the_export_has_none(kpi):
    text = missing_text(kpi, NOTHING)
    assert text == f"Needs {NEEDS[kpi].words}; this data has none."
    assert missing_text(kpi, EVERYTHING) is None


def test_mql_to_sql_without_mql_dates_needs_them_whatever_else_the_data_holds():
    coverage = replace(EVERYTHING, leads_with_mql=0)
    assert unmeasured_text("mql_to_sql", coverage, 0) == (
        "Needs leads with MQL dates; this data has none."
    )


def test_a_period_that_leaves_every_closed_deal_out_says_so_with_the_datas_count():
    coverage = replace(NOTHING, closed_deals=1_500)
    assert unmeasured_text("win_rate", coverage, 0) == (
        "No closed deals in the chosen period, segments and channels; the data has 1,500 in "
        "all. Widen the filters to measure it."
    )


def test_a_kpi_that_counted_something_is_measured():
    assert unmeasured_text("win_rate", NOTHING, 3) is None


def test_every_maturity_capability_has_a_kpi_with_a_need():
    assert set(CAPABILITY_KPIS.values()) <= set(NEEDS)
    assert set(CAPABILITY_KPIS) == {
        "segmentation",
        "qualification",
        "scoring",
        "process",
        "financial",
        "optimisation",
    }
