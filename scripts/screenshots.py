"""Take a full-page screenshot of every page in headless Chromium: docs/<page>.png.

python scripts/screenshots.py [--db FILE] [--out docs] [--theme light|dark]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_for_app  # noqa: E402

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
    """Start the app, visit each page, and write one PNG per page."""
    args = argparse.ArgumentParser()
    args.add_argument("--db", default="var/qualify.duckdb")
    args.add_argument("--out", default="docs")
    args.add_argument("--theme", default="light", choices=["light", "dark"])
    args.add_argument("--height", type=int, default=3000)
    opts = args.parse_args()
    Path(opts.out).mkdir(exist_ok=True)
    with streamlit_server(Path(opts.db)) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Streamlit scrolls inside its main container, so a full-page shot is only the
        # viewport: make the viewport as tall as the longest page instead
        page = browser.new_page(
            viewport={"width": 1400, "height": opts.height}, color_scheme=opts.theme
        )
        for name in PAGES:
            page.goto(f"{url}/{'' if name == 'overview' else name}")  # the default page is /
            wait_for_app(page)
            suffix = "" if opts.theme == "light" else "_dark"
            page.screenshot(path=f"{opts.out}/{name}{suffix}.png", full_page=True)
            print(f"{opts.out}/{name}{suffix}.png")
        browser.close()


if __name__ == "__main__":
    main()
