"""Browser round trip of Scoring-lab slider moves on the sample, in headless Chromium.

    python bench/lab_roundtrip.py [--sessions 1] [--moves 15] [--db FILE] [--json]

Times from the key press that moves the SQL threshold to the end of the script run that
redraws every back-test number (what a person waits for). With --sessions N, N browser
sessions (one Chromium, N contexts) move their sliders at the same time against one server:
the load a team puts on a shared studio. With --db, a copy of that workspace instead of the
sample (its data and published model: attribute rules, kept attributes). Prints the median and
the slowest move.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lib.store.imports import import_sample  # noqa: E402
from lib.store.workspace import open_workspace  # noqa: E402
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, SCRIPT_DONE, streamlit_server  # noqa: E402

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
TIMEOUT_MS = 180_000
LOST_AFTER_MS = 30_000  # no rerun this long after a press, and the value unchanged: it was lost


def sample_database(folder: Path) -> Path:
    """Return a workspace holding the bundled sample."""
    path = folder / "sample.duckdb"
    import_sample(open_workspace(path))
    return path


def copied_workspace(source: Path, folder: Path) -> Path:
    """Return a copy of a workspace (state file and datasets): the run may not change it."""
    path = folder / "copy.duckdb"
    shutil.copy(source, path)
    datasets = source.with_name(source.name + ".datasets")
    shutil.copytree(datasets, path.with_name(path.name + ".datasets"))
    return path


async def settled(page: Page) -> None:
    """Wait until the page's script has finished and stays finished (no rerun follows)."""
    for _ in range(2):
        await page.wait_for_function(SCRIPT_DONE, timeout=TIMEOUT_MS)
        await page.wait_for_timeout(400)


async def timed_move(page: Page, key: str) -> float | None:
    """Return the milliseconds from one key press to the end of the rerun it starts; None when
    the press was lost (the slider kept its value: under load a press can land mid-redraw)."""
    slider = page.get_by_role("slider", name="SQL threshold").first
    await settled(page)
    before = await slider.get_attribute("aria-valuenow")
    await page.evaluate(WATCH)
    await slider.focus()
    started = await page.evaluate("performance.now()")
    await slider.press(key)
    try:
        await page.wait_for_function("window.__done !== null", timeout=LOST_AFTER_MS)
    except PlaywrightTimeout:
        if await slider.get_attribute("aria-valuenow") == before:
            return None
        await page.wait_for_function("window.__done !== null", timeout=TIMEOUT_MS)
    return float(await page.evaluate("window.__done")) - started


async def session(
    browser: Browser, url: str, moves: int, ready: asyncio.Barrier, lost: list[int]
) -> list[float]:
    """Open the lab in a context of its own, wait for every session, then time each move."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await page.goto(f"{url}/scoring_lab")
    await page.wait_for_selector('[data-testid="stSidebar"]', timeout=TIMEOUT_MS)
    await settled(page)
    await ready.wait()  # every session has its page; now they all move at once
    times: list[float] = []
    while len(times) < moves:
        took = await timed_move(page, "ArrowLeft" if len(times) % 2 == 0 else "ArrowRight")
        if took is None:
            lost.append(1)
        else:
            times.append(took)
    await context.close()
    return times


async def round_trips(url: str, sessions: int, moves: int, lost: list[int]) -> list[float]:
    """Return the milliseconds of every move of every session; lost presses counted in lost."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ready = asyncio.Barrier(sessions)
        results = await asyncio.gather(
            *(session(browser, url, moves, ready, lost) for _ in range(sessions))
        )
        await browser.close()
    return [t for times in results for t in times]


def main() -> None:
    """Measure and print the median and slowest round trip."""
    args = argparse.ArgumentParser()
    args.add_argument("--sessions", type=int, default=1)
    args.add_argument("--moves", type=int, default=15)
    args.add_argument("--db", type=Path, help="a workspace to copy instead of the sample")
    args.add_argument("--json", action="store_true")
    opts = args.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = copied_workspace(opts.db, Path(tmp)) if opts.db else sample_database(Path(tmp))
        with streamlit_server(db) as url:
            lost: list[int] = []
            times = asyncio.run(round_trips(url, opts.sessions, opts.moves, lost))
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "sessions": opts.sessions,
        "moves": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p90_ms": round(statistics.quantiles(times, n=10, method="inclusive")[-1], 1),
        "max_ms": round(max(times), 1),
        "lost_presses": len(lost),
    }
    print(
        json.dumps(result)
        if opts.json
        else f"Scoring lab slider round trip on {opts.db or 'the sample'}, {result['sessions']} "
        f"session(s) at "
        f"once: median {result['p50_ms']} ms, p90 {result['p90_ms']} ms, slowest "
        f"{result['max_ms']} ms over {result['moves']} moves ({len(lost)} presses lost mid-redraw "
        "and pressed again, not timed)"
    )


if __name__ == "__main__":
    main()
