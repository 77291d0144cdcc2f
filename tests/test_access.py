"""Roles from the access file, the actor an ID token's claims name, and the permission check."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lib.access import (
    AccessRules,
    Actor,
    allowed,
    command_line_actor,
    load_access_rules,
    local_actor,
    os_user,
    permissions_for,
    require,
    role_for,
    signed_in_actor,
)
from lib.errors import AccessDenied, QualifyError, SignInExpired

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
RULES = AccessRules(
    emails={"raj@acme.com": "editor", "dana@acme.com": "admin"},
    domains={"acme.com": "viewer", "partner.io": "editor"},
)


def claims(email: str = "raj@acme.com", minutes_left: float = 60, **more: object) -> dict:
    exp = int((NOW + timedelta(minutes=minutes_left)).timestamp())
    return {"email": email, "email_verified": True, "name": "Raj", "exp": exp, **more}


@pytest.mark.parametrize(
    ("email", "unknown", "role"),
    [
        ("raj@acme.com", None, "editor"),  # its own rule beats its domain's
        ("RAJ@Acme.com ", None, "editor"),  # emails are compared without case or blanks
        ("ceo@acme.com", None, "viewer"),  # the domain's rule
        ("ana@partner.io", None, "editor"),
        ("eve@other.org", None, None),  # nobody named: no access by default
        ("eve@other.org", "viewer", "viewer"),  # unless the file says otherwise
        ("eve@sub.acme.com", None, None),  # a subdomain is another domain
    ],
)
def test_the_role_of_an_email_comes_from_its_own_rule_then_its_domain_then_unknown(
    email, unknown, role
):
    rules = AccessRules(RULES.emails, RULES.domains, unknown=unknown)
    assert role_for(email, rules) == role


def test_each_role_holds_what_the_one_before_holds_and_more():
    viewer, editor, admin = (permissions_for(r, RULES) for r in ("viewer", "editor", "admin"))
    assert viewer == {"view"}
    assert editor == {"view", "download_records", "publish_model"}
    assert admin == editor | {"import_data", "restore_data", "see_settings"}
    assert permissions_for(None, RULES) == frozenset()
    assert permissions_for("viewer", AccessRules(viewers_download=True)) == {
        "view",
        "download_records",
    }


def test_the_access_file_is_read_with_domains_written_with_or_without_at(tmp_path: Path):
    path = tmp_path / "access.toml"
    path.write_text(
        'unknown = "viewer"\nviewers_download = true\n'
        '[emails]\n"Dana@Acme.com" = "admin"\n[domains]\n"@acme.com" = "editor"\n'
    )
    rules = load_access_rules(path)
    assert rules == AccessRules(
        {"dana@acme.com": "admin"}, {"acme.com": "editor"}, "viewer", True, path
    )


def test_no_access_file_gives_no_role_to_anyone(tmp_path: Path):
    rules = load_access_rules(tmp_path / "missing.toml")
    assert rules.source is None and role_for("ana@acme.com", rules) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[emails]\n"raj@acme.com" = "editr"\n', r"emails\.raj@acme\.com must be one of viewer"),
        ('unknown = "guest"\n', "unknown must be one of viewer, editor, admin, got 'guest'"),
        ('viewers_download = "yes"\n', "viewers_download must be true or false"),
        ('admins = ["dana@acme.com"]\n', "unknown setting 'admins'"),
        ("emails = 3\n", r"\[emails\] must be a table"),
        ("[emails\n", "not a TOML file"),
    ],
)
def test_a_wrong_access_file_is_refused_naming_what_to_fix(tmp_path: Path, text, message):
    path = tmp_path / "access.toml"
    path.write_text(text)
    with pytest.raises(QualifyError, match=message):
        load_access_rules(path)


def test_a_signed_in_person_acts_under_their_email_until_their_token_expires():
    actor = signed_in_actor(claims(minutes_left=30), RULES, now=NOW)
    assert (actor.identity, actor.role, actor.display_name) == (
        "oidc:raj@acme.com",
        "editor",
        "Raj",
    )
    assert actor.expires_at == NOW + timedelta(minutes=30)
    assert allowed(actor, "publish_model", now=NOW)
    assert not allowed(actor, "publish_model", now=NOW + timedelta(minutes=30))


@pytest.mark.parametrize(
    ("token", "error", "message"),
    [
        (claims(minutes_left=-1), SignInExpired, "expired at 09:59 UTC"),
        (claims(minutes_left=0), SignInExpired, "expired at 10:00 UTC"),
        ({**claims(), "exp": None}, AccessDenied, "no expiry"),
        (claims(email_verified=False), AccessDenied, "verified email"),
        (claims(email=""), AccessDenied, "verified email"),
        (claims(email="eve@other.org"), AccessDenied, "signed in as eve@other.org, but no role"),
    ],
    ids=["expired", "expiring now", "no exp", "unverified", "no email", "no role"],
)
def test_claims_that_give_no_access_are_refused_saying_why(token, error, message):
    with pytest.raises(error, match=message):
        signed_in_actor(token, RULES, now=NOW)


def test_require_names_who_may_and_refuses_an_expired_sign_in_first():
    viewer = signed_in_actor(claims("ceo@acme.com"), RULES, now=NOW)
    with pytest.raises(AccessDenied, match="ceo@acme.com is a viewer, and only editors and admins"):
        require(viewer, "publish_model", now=NOW)
    admin = signed_in_actor(claims("dana@acme.com", minutes_left=5), RULES, now=NOW)
    require(admin, "import_data", now=NOW)
    with pytest.raises(SignInExpired, match="expired at 10:05 UTC"):
        require(admin, "import_data", now=NOW + timedelta(minutes=6))


def test_without_sign_in_and_on_the_command_line_the_os_user_may_do_everything():
    for actor, via in ((local_actor(), "local"), (command_line_actor(), "cli")):
        assert actor.identity == f"{via}:{os_user()}"
        assert actor.expires_at is None and not actor.signed_in
        for permission in ("import_data", "restore_data", "publish_model", "download_records"):
            require(actor, permission)


def test_an_actor_without_a_role_may_do_nothing():
    nobody = Actor("eve@other.org", "oidc", None, frozenset())
    with pytest.raises(AccessDenied, match="eve@other.org is without a role, and only viewers"):
        require(nobody, "view")


def test_the_example_files_are_what_the_app_reads():
    root = Path(__file__).resolve().parent.parent / ".streamlit"
    rules = load_access_rules(root / "access.example.toml")
    assert role_for("dana@acme.com", rules) == "admin" and rules.unknown is None
    auth = tomllib.loads((root / "secrets.example.toml").read_text())["auth"]
    required = {"redirect_uri", "cookie_secret", "client_id", "client_secret"}
    assert required | {"server_metadata_url"} <= set(auth)
    assert auth["redirect_uri"].endswith("/oauth2callback")
