"""Real browser: Debian's Chromium, driven by Playwright, against `streamlit run app.py`."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    streamlit_server,
    wait_for_app,
    wait_for_script,
)

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):  # in CI a missing browser is a failure, never a silent skip
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

# the default page (Overview) lives at the root: /overview is not one of its URLs
PAGES = {
    "": "Overview",
    "quarterly_review": "Quarterly review",
    "leads": "Leads",
    "scoring_lab": "Scoring lab",
    "recalibration": "Recalibration",
    "data_quality": "Data quality",
    "data": "Import data",
}


@pytest.fixture(scope="module")
def app_url(
    workspace_copy: Callable[[Path], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    db = workspace_copy(tmp_path_factory.mktemp("browser") / "app.duckdb")
    with streamlit_server(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)


@pytest.mark.parametrize(("path", "title"), PAGES.items())
def test_every_page_renders_in_chromium_with_the_shared_navigation(page, app_url, path, title):
    open_page(page, f"{app_url}/{path}")
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(title)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav).to_contain_text("Scoring lab")
    expect(nav).not_to_contain_text("app")  # the v1 file-name menu would list the entry script


def move_slider(page: Page, label: str, steps: int) -> None:
    """Move a slider by keyboard; retry if a late rerun redrew it and dropped the focus."""
    key = "ArrowRight" if steps > 0 else "ArrowLeft"
    thumb = page.get_by_role("slider", name=label).first
    target = str(int(thumb.input_value()) + steps)
    for _ in range(3):
        wait_for_script(page)
        thumb = page.get_by_role("slider", name=label).first
        thumb.focus()
        for _ in range(abs(int(target) - int(thumb.input_value()))):
            thumb.press(key)
        if thumb.input_value() == target:
            break
    expect(thumb).to_have_value(target)
    wait_for_script(page)


def test_moving_the_target_mix_slider_changes_the_gap_to_target(page, app_url):
    open_page(page, app_url)
    gap = page.get_by_text(re.compile("the target mix"))
    before = gap.inner_text()
    move_slider(page, "Target enterprise share", -20)
    expect(gap).not_to_have_text(before, timeout=60_000)
    assert "Enterprise" in gap.inner_text()


def test_moving_the_lab_sql_threshold_changes_the_back_test(page, app_url):
    open_page(page, f"{app_url}/scoring_lab")
    changes = page.get_by_text(re.compile("^Leads changing stage:"))
    expect(changes).to_contain_text("no lead changes stage", ignore_case=True)
    before = changes.inner_text()
    move_slider(page, "SQL threshold", -10)
    expect(changes).not_to_have_text(before, timeout=60_000)
    expect(changes).to_contain_text("SQL")


def go_to(page: Page, title: str) -> None:
    """Follow the sidebar navigation to a page, as a person clicks it."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    wait_for_script(page)
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(title)


def test_leaving_the_lab_and_coming_back_keeps_the_edit(page, app_url):
    open_page(page, f"{app_url}/scoring_lab")
    move_slider(page, "SQL threshold", -10)
    edited = page.get_by_text(re.compile("^Leads changing stage:")).inner_text()
    go_to(page, "Overview")
    go_to(page, "Scoring lab")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_role("slider", name="SQL threshold").first).to_have_value("70")
    expect(page.get_by_text(re.compile("^Leads changing stage:"))).to_have_text(edited)


def test_leaving_leads_and_coming_back_keeps_the_search(page, app_url):
    open_page(page, f"{app_url}/leads")
    search = page.get_by_label("Search company or email")
    search.fill("acme")
    search.press("Enter")
    wait_for_script(page)
    shown = page.get_by_text(re.compile("^Showing [0-9,]+ of"))
    expect(shown).not_to_have_text(re.compile("^Showing 20,000 of"))
    narrowed = shown.inner_text()
    go_to(page, "Overview")
    go_to(page, "Leads")
    expect(page.get_by_label("Search company or email")).to_have_value("acme")
    expect(page.get_by_text(re.compile("^Showing [0-9,]+ of"))).to_have_text(narrowed)


def test_a_fresh_server_opened_on_a_bookmark_routes_through_the_app_navigation(
    browser, workspace_copy, tmp_path
):
    # a new server process: nobody has opened / yet, so Streamlit still thinks "v1 pages/"
    db = workspace_copy(tmp_path / "bookmark.duckdb")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    with streamlit_server(db) as url:
        open_page(page, f"{url}/leads")
        expect(page.locator('[data-testid="stMain"] h1').first).to_have_text("Leads")
        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav).to_contain_text("Scoring lab")  # app.py's titles, not file names
        expect(nav).not_to_contain_text("app")
    context.close()
