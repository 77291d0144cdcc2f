"""What each role is offered, page by page, as st.user reports a signed-in person (AppTest);
without sign-in set up, the one local user is offered everything as before."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.access import FIRST_START, os_user
from lib.store.activity import activity_log
from lib.store.connection import DB_ENV_VAR
from lib.store.model_versions import model_history
from lib.store.state import state
from lib.store.workspace import open_workspace
from tests.fixtures import unescaped
from ui import ACCESS_ENV_VAR

RULES = """
unknown = "none"
[emails]
"raj@acme.com" = "editor"
"dana@acme.com" = "admin"
[domains]
"acme.com" = "viewer"
"""


def signed_in(email: str, name: str, seconds_left: int = 3600) -> dict:
    """Return what st.user holds after st.login: the ID token's claims, `exp` among them."""
    return {
        "is_logged_in": True,
        "email": email,
        "email_verified": True,
        "name": name,
        "exp": int(time.time()) + seconds_left,
        "provider": "default",
    }


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "access.toml"
    path.write_text(RULES)
    monkeypatch.setenv(ACCESS_ENV_VAR, str(path))
    return path


def app_as(user: dict | None) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=180)
    if user is not None:
        at.user = user
    return at


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    return " ".join(unescaped(e.value) for e in [*at.caption, *at.info, *at.warning, *at.error])


def test_without_sign_in_the_local_user_is_offered_everything_and_recorded_by_os_name(app_db):
    at = visit(app_as(None), "pages/data.py")
    assert "Use the bundled sample export" in [b.label for b in at.button]
    assert "Signed in" not in [m.value for m in at.sidebar.markdown]
    visit(at, "pages/scoring_lab.py")
    at.slider(key="lab_sql_threshold").set_value(70.0).run()
    at.text_input(key="lab_author").input("Ana").run()
    at.button(key="lab_publish").click().run()
    with state(open_workspace(app_db)) as conn:
        newest = model_history(conn).iloc[-1]
    assert (newest["identity"], newest["author"]) == (f"local:{os_user()}", "Ana")


def test_a_visitor_who_has_not_signed_in_gets_only_the_sign_in_page(app_db, rules):
    at = app_as({"is_logged_in": False})
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Qualify"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.multiselect  # no data, no filters
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/leads.py")  # no other page is in the navigation


def test_a_page_run_on_its_own_is_gated_too(app_db, rules):
    at = AppTest.from_file("../../pages/leads.py", default_timeout=180)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Qualify"] and not at.dataframe


@pytest.mark.parametrize(
    ("user", "shown"),
    [
        (signed_in("eve@other.org", "Eve"), "no role is given to that address"),
        (signed_in("raj@acme.com", "Raj", seconds_left=-5), "expired"),
        ({**signed_in("mo@acme.com", "Mo"), "email_verified": False}, "verified email"),
    ],
    ids=["unknown address", "expired token", "unverified email"],
)
def test_who_may_not_enter_is_told_why_and_sees_no_data(app_db, rules, user, shown):
    at = app_as(user)
    at.run()
    assert not at.exception
    assert shown in texts(at)
    assert not at.sidebar.multiselect and not at.dataframe
    assert "Sign out" in [b.label for b in at.button]


def test_a_viewer_sees_every_page_but_no_control_that_changes_or_exports(app_db, rules):
    at = app_as(signed_in("ceo@acme.com", "Cleo"))
    visit(at, "pages/data.py")
    assert "Cleo (ceo@acme.com), viewer" in " ".join(unescaped(c.value) for c in at.sidebar.caption)
    assert not [
        b for b in at.button if b.label in ("Use the bundled sample export", "Restore this dataset")
    ]
    assert "Only admins may import exports" in texts(at)
    assert "Only admins may make an earlier dataset current again" in texts(at)
    visit(at, "pages/leads.py")
    assert not at.download_button
    assert "Only editors and admins may download lead-level records" in texts(at)
    visit(at, "pages/data_quality.py")
    assert at.dataframe and not at.download_button
    visit(at, "pages/scoring_lab.py")
    assert at.slider(key="lab_sql_threshold")  # exploring is allowed
    assert not [b for b in at.button if b.key == "lab_publish" or b.label.startswith("Restore")]
    assert "Only editors and admins may publish a scoring model" in texts(at)
    visit(at, "pages/activity.py")
    assert at.dataframe and not [e for e in at.expander if e.label == "Access settings"]


def test_viewers_may_download_records_when_the_access_file_allows_it(app_db, rules):
    rules.write_text(RULES.replace('unknown = "none"', 'unknown = "none"\nviewers_download = true'))
    at = visit(app_as(signed_in("ceo@acme.com", "Cleo")), "pages/leads.py")
    assert [b.label for b in at.download_button] == ["Download CRM export (CSV)"]


def test_an_editor_publishes_under_their_identity_but_may_not_import(app_db, rules):
    at = visit(app_as(signed_in("raj@acme.com", "Raj")), "pages/scoring_lab.py")
    assert at.text_input(key="lab_author").value == "Raj"  # the name is a note, filled in
    at.slider(key="lab_sql_threshold").set_value(70.0).run()
    at.text_input(key="lab_note").input("looser SQL bar").run()
    at.button(key="lab_publish").click().run()
    assert not at.exception
    with state(open_workspace(app_db)) as conn:
        newest = model_history(conn).iloc[-1]
    assert (newest["identity"], newest["author"], newest["note"]) == (
        "oidc:raj@acme.com",
        "Raj",
        "looser SQL bar",
    )
    visit(at, "pages/data.py")
    assert "Only admins may import exports" in texts(at)


def test_an_admin_may_import_restore_and_see_the_access_settings(app_db, rules):
    at = visit(app_as(signed_in("dana@acme.com", "Dana")), "pages/data.py")
    assert "Use the bundled sample export" in [b.label for b in at.button]
    assert "Only admins" not in texts(at)
    visit(at, "pages/activity.py")
    settings = next(e for e in at.expander if e.label == "Access settings")
    who = settings.dataframe[0].value
    assert dict(zip(who["Who"], who["Role"], strict=True)) == {
        "email raj@acme.com": "editor",
        "email dana@acme.com": "admin",
        "anyone at acme.com": "viewer",
        "anyone else signed in": "no access",
    }


def test_roles_written_without_sign_in_set_up_are_flagged_in_the_sidebar(app_db, rules):
    at = visit(app_as(None), "pages/activity.py")
    assert "sign-in is not set up" in " ".join(unescaped(w.value) for w in at.sidebar.warning)


def test_the_sample_the_app_gives_an_empty_workspace_is_logged_as_the_apps_own(
    tmp_path, monkeypatch
):
    db = tmp_path / "fresh.duckdb"
    monkeypatch.setenv(DB_ENV_VAR, str(db))
    at = visit(app_as(None), "pages/activity.py")
    with state(open_workspace(db)) as conn:
        first = activity_log(conn).iloc[-1]
    assert (first["action"], first["identity"]) == ("import", FIRST_START)
    assert at.dataframe[0].value[["Who", "Via"]].values.tolist()[-1] == [
        "first start",
        "the app, on its own",
    ]
