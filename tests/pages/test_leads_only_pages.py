"""Every page on a real leads-only export (a cut of X Education's leads: a converted flag and
attributes; no accounts, activities, deals, company names or dates): no page fails, and what
such an export cannot show is said in words."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.cli import main
from lib.store.connection import DB_ENV_VAR
from tests.fixtures import X_EDUCATION_MAPPING, x_education_subset

PAGES = (
    "overview",
    "quarterly_review",
    "leads",
    "scoring_lab",
    "recalibration",
    "data_quality",
    "data",
    "activity",
)


@pytest.fixture(scope="module")
def leads_only_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("leads_only")
    db = folder / "q.duckdb"
    export = x_education_subset(folder, leads=600)
    assert (
        main(["import", str(export), "--mapping", str(X_EDUCATION_MAPPING), "--db", str(db)]) == 0
    )
    return db


@pytest.fixture
def app(leads_only_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(DB_ENV_VAR, str(leads_only_db))
    return leads_only_db


def page(name: str) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=120)
    at.switch_page(f"pages/{name}.py").run()
    return at


def texts(at: AppTest) -> list[str]:
    return [e.value for kind in ("error", "warning", "info", "caption") for e in getattr(at, kind)]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_draws_without_an_error(app, name):
    at = page(name)
    if name == "recalibration":
        at.button(key="recal_run").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


def test_the_overview_says_what_needs_deals(app):
    at = page("overview")
    assert {m.value for m in at.metric} == {"Not measured"}
    assert any("Needs closed opportunities" in t for t in texts(at))


def test_the_quarterly_review_has_no_quarters_to_compare(app):
    at = page("quarterly_review")
    assert any("Needs closed opportunities" in t for t in texts(at))


def test_the_leads_page_lists_every_lead_without_recycling_them_for_a_blank_company(app):
    at = page("leads")
    assert "Showing 600 of 600 leads" in texts(at)
    assert any("nothing to roll up" in t for t in texts(at))


def test_recalibration_learns_converted_on_a_random_split_and_keeps_mqls_from_one(app):
    at = page("recalibration")
    at.button(key="recal_run").click().run()
    assert any("converted" in t and "600 leads" in t for t in texts(at))
    assert any("drawn at random, stratified by outcome" in t for t in texts(at))
    # no lead reaches MQL today: the volume to keep starts at the widget's minimum
    assert at.number_input(key="recal_mql_volume").value == 1
    at.checkbox(key="recal_keep").check().run()
    assert not at.exception


def test_data_quality_says_no_record_carries_a_date(app):
    at = page("data_quality")
    assert any(t.startswith("No record carries a date") for t in texts(at))
