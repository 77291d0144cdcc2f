"""Every page renders on every shape of data, with no raw missing value shown."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.store.connection import DB_ENV_VAR
from tests.fixtures import unescaped
from tests.shapes.conftest import Imported
from tests.shapes.exports import SHAPE_NAMES
from ui import MISSING

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = (
    "overview",
    "quarterly_review",
    "leads",
    "scoring_lab",
    "recalibration",
    "data_quality",
    "data",
)
SEPARATED = {"localized", "dollar", "accounting", "percent"}  # formats that group thousands
RAW_MISSING = re.compile(r"\b(nan|NaN|None|NaT|<NA>|inf)\b")


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if page == "scoring_lab":  # its Attributes tab is drawn only while open: open it
        at.session_state["lab_tab"] = at.session_state["lab_tab_no_history"] = "Attributes"
    at.switch_page(f"pages/{page}.py").run()
    if (
        page == "recalibration"
        and not at.exception
        and any(b.key == "recal_run" for b in at.button)  # not on a feature file's data
    ):
        at.button(key="recal_run").click().run()
    return at


def texts(at: AppTest) -> Iterator[str]:
    """Yield every text a person reads on the page: headings, prose, metrics, notices."""
    for kind in (
        "title",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
    ):
        yield from (element.value for element in getattr(at, kind))
    for metric in at.metric:
        yield from (metric.label, metric.value)


def raw_cells(at: AppTest) -> Iterator[str]:
    """Yield each table cell a person would read as a raw missing value: text such as 'nan', or
    a missing value in a table that does not show missing values as a dash."""
    for table in at.dataframe:
        frame: pd.DataFrame = table.value
        for column in frame.columns:
            values = frame[column]
            texts = values.dropna().astype(str)
            yield from (f"{column}: {t}" for t in texts[texts.str.fullmatch(RAW_MISSING)])
            if values.isna().any() and table.proto.placeholder != MISSING:
                yield f"{column}: a missing value shown as 'None'"


def unseparated_counts(at: AppTest) -> Iterator[str]:
    """Yield each whole-number column a table shows without thousands separators (1736)."""
    for table in at.dataframe:
        config = json.loads(table.proto.columns or "{}")
        for column in table.value.columns:
            if not pd.api.types.is_integer_dtype(table.value[column].dtype):
                continue
            number_format = config.get(column, {}).get("type_config", {}).get("format", "")
            if number_format not in SEPARATED:
                yield column


@pytest.fixture
def shape_db(
    request: pytest.FixtureRequest,
    shape_workspace: Callable[[str], Imported],
    monkeypatch: pytest.MonkeyPatch,
) -> Imported:
    imported = shape_workspace(request.param)
    monkeypatch.setenv(DB_ENV_VAR, str(imported.db))
    return imported


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("shape_db", SHAPE_NAMES, indirect=True)
def test_every_page_renders_on_every_shape_with_no_raw_missing_value_or_bare_count(shape_db, page):
    at = open_page(page)
    assert not at.exception, at.exception[0].message
    shown = [t for t in texts(at) if RAW_MISSING.search(t)]
    assert shown == []
    assert sorted(set(raw_cells(at))) == []
    assert sorted(set(unseparated_counts(at))) == []


@pytest.mark.parametrize("page", (*PAGES, "activity"))
def test_every_page_renders_on_a_feature_file_with_no_raw_missing_value_or_bare_count(
    feature_file_workspace: Path, monkeypatch: pytest.MonkeyPatch, page: str
):
    monkeypatch.setenv(DB_ENV_VAR, str(feature_file_workspace))
    at = open_page(page)
    assert not at.exception, at.exception[0].message
    assert [t for t in texts(at) if RAW_MISSING.search(t)] == []
    assert sorted(set(raw_cells(at))) == []
    assert sorted(set(unseparated_counts(at))) == []


@pytest.mark.parametrize(
    ("shape_db", "measured"),
    [
        ("only_leads", False),
        ("opportunities_without_amounts", False),
        ("opportunities_without_created_dates", False),
        ("no_activities", True),
    ],
    indirect=["shape_db"],
)
def test_velocity_says_what_it_needs_where_no_won_deal_can_weigh_and_price_it(shape_db, measured):
    at = open_page("overview")
    needs = "Not measured. Needs won opportunities with an amount and a created date"
    assert any(unescaped(i.value).startswith(needs) for i in at.info) is not measured
    assert any("Expected won revenue" in m.value for m in at.markdown) is measured


@pytest.mark.parametrize("shape_db", SHAPE_NAMES, indirect=True)
def test_the_lab_lists_the_kept_attributes_or_says_how_to_keep_them(shape_db):
    at = open_page("scoring_lab")
    assert not at.exception
    listed = [d.value for d in at.dataframe if "Attribute" in d.value.columns]
    none_kept = [i.value for i in at.info if "keeps no lead attributes" in i.value]
    assert len(listed) + len(none_kept) == 1
    if listed:  # custom fields (…__c) are named in words
        assert not listed[0]["Attribute"].str.contains("__c").any()
