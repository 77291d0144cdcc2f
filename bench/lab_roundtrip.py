"""Browser round trip of a Scoring-lab slider move on the sample, in headless Chromium.

    python bench/lab_roundtrip.py [--moves 15] [--json]

Times from the key press that moves the SQL threshold to the end of the script run that
redraws every back-test number (what a person waits for), median over the moves.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lib.store.connection import connect  # noqa: E402
from lib.store.datasets import import_sample  # noqa: E402
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_for_app  # noqa: E402

WATCH = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__ran = false; window.__done = null;
  new MutationObserver((_, observer) => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running') window.__ran = true;
    if (window.__ran && state === 'notRunning') { window.__done = performance.now();
                                                   observer.disconnect(); }
  }).observe(app, {attributes: true});
}"""


def sample_database(folder: Path) -> Path:
    """Return a database file holding the bundled sample."""
    path = folder / "sample.duckdb"
    with connect(path) as conn:
        import_sample(conn)
    return path


def round_trips(url: str, moves: int) -> list[float]:
    """Return the milliseconds of each slider move, from key press to the redrawn page."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/scoring_lab")
        wait_for_app(page)
        slider = page.get_by_role("slider", name="SQL threshold").first
        times = []
        for i in range(moves):
            page.evaluate(WATCH)
            slider.focus()
            started = page.evaluate("performance.now()")
            slider.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")
            page.wait_for_function("window.__done !== null", timeout=60_000)
            times.append(page.evaluate("window.__done") - started)
            page.wait_for_timeout(200)
        browser.close()
    return times


def main() -> None:
    """Measure and print the median round trip."""
    args = argparse.ArgumentParser()
    args.add_argument("--moves", type=int, default=15)
    args.add_argument("--json", action="store_true")
    opts = args.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = sample_database(Path(tmp))
        with streamlit_server(db) as url:
            times = round_trips(url, opts.moves)
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "moves": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
    }
    print(
        json.dumps(result)
        if opts.json
        else f"Scoring lab slider round trip on the sample: median {result['p50_ms']} ms, "
        f"slowest {result['max_ms']} ms over {result['moves']} moves"
    )


if __name__ == "__main__":
    main()
