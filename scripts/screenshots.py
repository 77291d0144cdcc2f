"""Take a full-page screenshot of every page in headless Chromium: docs/<page>.png.

python scripts/screenshots.py [--db FILE] [--out docs] [--theme light|dark] [--width 1440]
                              [--all]

With --all the Recalibration page is fitted first, every expander is opened and each tab of a
page gets a screenshot of its own (<page>_tab<N>.png): what reading the whole app takes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser.harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    open_everything,
    streamlit_server,
    wait_for_app,
)

PAGES = (
    "overview",
    "quarterly_review",
    "leads",
    "scoring_lab",
    "recalibration",
    "data_quality",
    "data",
)


def main() -> None:
    """Start the app, visit each page, and write one PNG per page (and tab, with --all)."""
    args = argparse.ArgumentParser()
    args.add_argument("--db", default="var/qualify.duckdb")
    args.add_argument("--out", default="docs")
    args.add_argument("--theme", default="light", choices=["light", "dark"])
    args.add_argument("--width", type=int, default=1440)
    args.add_argument("--height", type=int, default=3000)
    args.add_argument("--all", action="store_true", help="fit, open expanders, shoot each tab")
    opts = args.parse_args()
    Path(opts.out).mkdir(exist_ok=True)
    suffix = "" if opts.theme == "light" else "_dark"
    with streamlit_server(Path(opts.db)) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Streamlit scrolls inside its main container, so a full-page shot is only the
        # viewport: make the viewport as tall as the longest page instead
        page = browser.new_page(
            viewport={"width": opts.width, "height": opts.height}, color_scheme=opts.theme
        )
        for name in PAGES:
            page.goto(f"{url}/{'' if name == 'overview' else name}")  # the default page is /
            wait_for_app(page)
            if opts.all:
                open_everything(page, name)
            shots = [f"{opts.out}/{name}{suffix}.png"]
            page.screenshot(path=shots[0], full_page=True)
            tabs = page.get_by_role("tab").all() if opts.all else []
            for number, tab in enumerate(tabs[1:], start=2):
                tab.click()
                page.wait_for_timeout(500)
                shots.append(f"{opts.out}/{name}_tab{number}{suffix}.png")
                page.screenshot(path=shots[-1], full_page=True)
            print("\n".join(shots))
        browser.close()


if __name__ == "__main__":
    main()
