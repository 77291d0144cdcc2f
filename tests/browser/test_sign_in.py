"""Sign-in end to end: Chromium signs in through st.login against a local OpenID Connect provider
(tests/auth/oidc_provider.py) as people of three roles, each offered and refused what its role
allows; an unknown address gets no access; an expired ID token signs the person out.

Screenshots of what each role sees go to $QUALIFY_SCREENSHOTS when set (else a temporary
folder), with the activity log after the session as log.txt.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lib.present.activity import log_in_words, text_table
from lib.store.activity import activity_log
from lib.store.model_versions import model_history
from lib.store.state import state
from lib.store.workspace import open_workspace
from tests.auth.oidc_provider import running_provider
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    streamlit_server,
    wait_for_app,
    wait_for_script,
)

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from tests.browser.test_browser import go_to, move_slider  # noqa: E402

ACCESS = """
unknown = "none"
[emails]
"raj@acme.com" = "editor"
"dana@acme.com" = "admin"
[domains]
"acme.com" = "viewer"
"""
MAIN = '[data-testid="stMain"]'
ROLE_CAN_CHANGE = {"oidc:raj@acme.com": {"publish", "restore model", "download"}}
ROLE_CAN_CHANGE["oidc:dana@acme.com"] = ROLE_CAN_CHANGE["oidc:raj@acme.com"] | {
    "import",
    "restore data",
}


class Served:
    """The app served with sign-in on: its URL, its workspace and where screenshots go."""

    def __init__(self, url: str, db: Path, shots: Path) -> None:
        self.url, self.db, self.shots = url, db, shots

    def log(self):  # noqa: ANN201 (a DataFrame)
        with state(open_workspace(self.db, create=False)) as conn:
            return activity_log(conn)


@pytest.fixture(scope="module")
def served(
    workspace_copy: Callable[[Path], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("sign_in")
    shots = Path(os.environ.get("QUALIFY_SCREENSHOTS") or folder / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    db = workspace_copy(folder / "app.duckdb")
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/oauth2callback"
    with running_provider((redirect,)) as provider:
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "{redirect}"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
            f'client_id = "{provider.client_id}"\n'
            f'client_secret = "{provider.client_secret}"\n'
            f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"\n'
        )
        access = folder / "access.toml"
        access.write_text(ACCESS)
        with streamlit_server(
            db,
            port,
            extra_args=["--secrets.files", str(secrets_file)],
            extra_env={"QUALIFY_ACCESS": str(access)},
        ) as url:
            served = Served(url, db, shots)
            yield served
            (shots / "log.txt").write_text(text_table(log_in_words(served.log())) + "\n")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    contexts = []

    def make() -> Page:  # each person gets a browser of their own: no shared cookies
        contexts.append(browser.new_context(viewport={"width": 1400, "height": 1000}))
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in_screen(page: Page) -> None:
    """Wait for the sign-in page: the app's title and no sidebar navigation."""
    expect(page.locator(f"{MAIN} h1").first).to_have_text("Qualify", timeout=120_000)
    wait_for_script(page)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)


def choose_account(page: Page, email: str, name: str, lifetime: int) -> None:
    """On the provider's account chooser, sign in as `email` with an ID token of `lifetime` s."""
    page.locator("#email").fill(email, timeout=60_000)
    page.locator("#name").fill(name)
    page.locator("#lifetime").fill(str(lifetime))
    page.locator("#continue").click()


def sign_in(page: Page, served: Served, email: str, name: str, lifetime: int = 3600) -> float:
    """Sign in through the provider; return the monotonic time before the ID token was issued."""
    page.goto(served.url)
    sign_in_screen(page)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#email").wait_for(timeout=60_000)
    issued_after = time.monotonic()
    choose_account(page, email, name, lifetime)
    return issued_after


def signed_in_as(page: Page, words: str) -> None:
    wait_for_app(page)
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(words)


def shoot(page: Page, served: Served, name: str) -> None:
    page.screenshot(path=served.shots / f"{name}.png", full_page=True)


def open_tab(page: Page, label: str) -> None:
    page.get_by_role("tab", name=label).click()
    wait_for_script(page)


def test_a_visitor_gets_only_the_sign_in_page_even_on_a_bookmark(new_page, served):
    page = new_page()
    page.goto(f"{served.url}/leads")
    sign_in_screen(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.locator(MAIN)).not_to_contain_text("Leads changing stage")
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)
    shoot(page, served, "0_sign_in")


def test_a_viewer_sees_every_page_but_is_offered_no_change_and_no_download(new_page, served):
    page = new_page()
    sign_in(page, served, "ceo@acme.com", "Cleo")
    signed_in_as(page, "Cleo (ceo@acme.com), viewer")
    nav = page.locator('[data-testid="stSidebarNav"]')
    for title in ("Overview", "Leads", "Scoring lab", "Recalibration", "Import data", "Activity"):
        expect(nav).to_contain_text(title)
    shoot(page, served, "1_viewer_overview")
    go_to(page, "Leads")
    open_tab(page, "CRM export")
    expect(page.get_by_role("button", name="Download CRM export (CSV)")).to_have_count(0)
    expect(page.locator(MAIN)).to_contain_text("Only editors and admins may download lead-level")
    shoot(page, served, "1_viewer_leads_export")
    go_to(page, "Scoring lab")
    open_tab(page, "Publish")
    expect(page.get_by_role("button", name=re.compile("^Publish as version"))).to_have_count(0)
    expect(page.locator(MAIN)).to_contain_text("Only editors and admins may publish")
    shoot(page, served, "1_viewer_lab_publish")
    go_to(page, "Import data")
    expect(page.get_by_role("button", name="Use the bundled sample export")).to_have_count(0)
    expect(page.locator(MAIN)).to_contain_text("Only admins may import exports")
    shoot(page, served, "1_viewer_import")
    assert not [i for i in served.log()["identity"] if i == "oidc:ceo@acme.com"]


def test_an_editor_publishes_and_downloads_under_their_identity(new_page, served):
    page = new_page()
    sign_in(page, served, "raj@acme.com", "Raj")
    signed_in_as(page, "Raj (raj@acme.com), editor")
    go_to(page, "Scoring lab")
    move_slider(page, "SQL threshold", -10)
    open_tab(page, "Publish")
    expect(page.get_by_label("Your name", exact=True)).to_have_value("Raj")
    page.get_by_label("Why (recorded with the version)").fill("looser SQL bar")
    page.get_by_label("Why (recorded with the version)").press("Enter")
    wait_for_script(page)
    shoot(page, served, "2_editor_lab_publish")
    page.get_by_role("button", name=re.compile("^Publish as version")).click()
    wait_for_script(page)
    with state(open_workspace(served.db, create=False)) as conn:
        newest = model_history(conn).iloc[-1]
    assert (newest["identity"], newest["author"], newest["note"]) == (
        "oidc:raj@acme.com",
        "Raj",
        "looser SQL bar",
    )
    go_to(page, "Leads")
    open_tab(page, "CRM export")
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download CRM export (CSV)").click()
    rows = len(Path(download.value.path()).read_text(encoding="utf-8").splitlines()) - 1
    assert rows == 20_000
    go_to(page, "Import data")
    expect(page.get_by_role("button", name="Use the bundled sample export")).to_have_count(0)
    shoot(page, served, "2_editor_import")
    mine = served.log().query("identity == 'oidc:raj@acme.com'")
    assert {"publish", "download"} <= set(mine["action"])
    assert mine.query("action == 'download'")["after"].tolist()[:1] == [20_000]


def test_an_admin_imports_restores_and_reads_who_did_what(new_page, served):
    page = new_page()
    sign_in(page, served, "dana@acme.com", "Dana")
    signed_in_as(page, "Dana (dana@acme.com), admin")
    go_to(page, "Import data")
    page.get_by_role("button", name="Use the bundled sample export").click()
    expect(page.locator(MAIN)).to_contain_text("Imported a salesforce export", timeout=240_000)
    wait_for_script(page)
    page.get_by_text("Restore an earlier dataset").click()
    wait_for_script(page)
    page.get_by_role("button", name="Restore this dataset").click()
    wait_for_script(page)
    expect(page.locator(MAIN)).to_contain_text("Restored:", timeout=120_000)
    wait_for_script(page)
    go_to(page, "Activity")
    table = page.locator(f"{MAIN} [data-testid='stDataFrame']").first
    expect(table).to_be_visible()
    page.get_by_text("Access settings").click()
    wait_for_script(page)
    expect(page.locator(MAIN)).to_contain_text("anyone at acme.com")
    shoot(page, served, "3_admin_activity")
    log = served.log()
    mine = log.query("identity == 'oidc:dana@acme.com'")
    assert mine["action"].tolist()[:2] == ["restore data", "import"]
    # every change any signed-in person made is one their role allows; the viewer made none
    signed = log[log["identity"].fillna("").str.startswith("oidc:")]
    assert all(
        a in ROLE_CAN_CHANGE[i] for i, a in zip(signed["identity"], signed["action"], strict=True)
    )


def test_an_address_with_no_role_is_told_so_and_sees_no_data(new_page, served):
    page = new_page()
    sign_in(page, served, "eve@other.org", "Eve")
    sign_in_screen(page)
    expect(page.locator(MAIN)).to_contain_text("signed in as eve@other.org, but no role")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    shoot(page, served, "4_unknown_refused")


def test_an_expired_id_token_signs_the_person_out_and_says_so(new_page, served):
    page = new_page()
    lifetime = 45  # long enough for the first page to load on a busy machine
    issued_after = sign_in(page, served, "raj@acme.com", "Raj", lifetime=lifetime)
    signed_in_as(page, "Raj (raj@acme.com), editor")
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("until")
    # the token was issued a moment after `issued_after`: wait until it has surely expired
    time.sleep(max(0.0, issued_after + lifetime + 8 - time.monotonic()))
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Leads", exact=True).click()
    sign_in_screen(page)
    expect(page.locator(MAIN)).to_contain_text("expired at")
    expect(page.locator(MAIN)).to_contain_text("so you were signed out")
    shoot(page, served, "5_expired")
    page.get_by_role("button", name="Sign in again").click()
    expect(page.locator("#email")).to_be_visible(timeout=60_000)  # back at the provider
