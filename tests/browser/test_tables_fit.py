"""Every table on every page and tab fits a 1440-pixel-wide window: no column hidden past the
right edge, on the sample and on the real bulk-loaded workshop org."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lib.store.imports import import_data
from lib.store.workspace import open_workspace
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    open_everything,
    streamlit_server,
    wait_for_app,
)
from tests.shapes.exports import WORKSHOP

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):  # in CI a missing browser is a failure, never a silent skip
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402

PAGES = ("", "quarterly_review", "leads", "scoring_lab", "recalibration", "data_quality", "data")
# each visible table's scrolling area against its width, with its headers to name it
OVERFLOWS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
  .filter(t => t.offsetParent !== null)
  .map(t => [t.querySelector('.dvn-scroller'), t])
  .filter(([s]) => s && s.scrollWidth > s.clientWidth + 1)
  .map(([s, t]) => [...t.querySelectorAll('[role="columnheader"]')]
    .map(h => h.textContent).join(' | ') + ` (${s.scrollWidth} px in ${s.clientWidth})`)"""


def overflowing_tables(page: Page, name: str) -> Iterator[str]:
    """Yield each table on the page, in any of its tabs, wider than the space it is given."""
    open_everything(page, name)
    tabs = page.get_by_role("tab").all()
    for tab in tabs or [None]:
        if tab is not None:
            tab.click()
            page.wait_for_timeout(400)
        yield from page.evaluate(OVERFLOWS)


@pytest.fixture(scope="module", params=["sample", "salesforce_workshop"])
def app_url(
    request: pytest.FixtureRequest,
    workspace_copy: Callable[[Path], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp(request.param)
    db = workspace_copy(folder / "app.duckdb")
    if request.param != "sample":
        import_data(open_workspace(db), [WORKSHOP], replace=True)
    with streamlit_server(db) as url:
        yield url


@pytest.mark.parametrize("name", PAGES)
def test_every_table_fits_a_1440_pixel_window(app_url, name):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(f"{app_url}/{name}")
        wait_for_app(page)
        assert list(overflowing_tables(page, name)) == []
        browser.close()
