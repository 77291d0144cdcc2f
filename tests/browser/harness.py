"""Start `streamlit run app.py` on 127.0.0.1 and drive Debian's Chromium with Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def streamlit_server(
    db: Path,
    port: int | None = None,
    *,
    extra_args: Sequence[str] = (),
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Run the app on 127.0.0.1 against `db` (with more `streamlit run` options and environment
    if given); yield its base URL; stop it afterwards."""
    port = port or free_port()
    env = os.environ | {"QUALIFY_DB": str(db), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env |= dict(extra_env or {})
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            *extra_args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait_until_healthy(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"streamlit exited: {err}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer on {url} within {seconds} s")


SCRIPT_DONE = (
    "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
    " const state = app && app.getAttribute('data-test-script-state');"
    " return state === 'notRunning'; }"
)


def wait_for_app(page, timeout_ms: int = 120_000) -> None:  # noqa: ANN001 (playwright Page)
    """Wait until Streamlit has drawn the page and its script has finished running."""
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=timeout_ms)
    wait_for_script(page, timeout_ms)


def wait_for_script(page, timeout_ms: int = 120_000) -> None:  # noqa: ANN001 (playwright Page)
    """Wait for the current script run to finish, then for Plotly to draw."""
    page.wait_for_timeout(300)  # a widget change reaches the server a moment after the event
    page.wait_for_function(SCRIPT_DONE, timeout=timeout_ms)
    # a rerun (st.rerun, the first visit's navigation hand-over) shows "not running" for an
    # instant between two runs: only a state that holds counts as finished
    page.wait_for_timeout(700)
    page.wait_for_function(SCRIPT_DONE, timeout=timeout_ms)
    page.wait_for_timeout(500)


def open_everything(page, name: str) -> None:  # noqa: ANN001 (playwright Page)
    """Fit the Recalibration page (its results wait for a button) and open every closed
    expander, so all a page can show is drawn."""
    if name == "recalibration":
        page.get_by_role("button", name="Re-fit weights from history").click()
        wait_for_script(page)
    closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(closed.count()):  # each click opens one: the first closed one is the next
        closed.first.click()
        page.wait_for_timeout(200)
