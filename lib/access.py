"""Who may do what: roles from a small TOML file, the actor behind every change, and the check.

Three roles, each allowed what the one before it may and more: a viewer opens every page, an
editor also publishes and restores scoring models (and downloads lead-level records), an admin
also imports and restores data and sees the access settings. A signed-in person's role comes
from their email, else their email's domain, else the file's `unknown` setting (no access by
default). Without sign-in (one person on a laptop) and on the command line, the actor is the
operating-system user and may do everything: whoever can run the app or the CLI there can
already write the workspace's files.

The check lives in the functions that change things (`lib.actions`), not only in what a page
offers, so a control that was never drawn cannot be used anyway.
"""

from __future__ import annotations

import getpass
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from lib.errors import AccessDenied, QualifyError, SignInExpired

ROLES: Final = ("viewer", "editor", "admin")  # each may do all that the ones before it may
NO_ACCESS: Final = "none"
SIGN_IN, COMMAND_LINE, LOCAL = "oidc", "cli", "local"  # how an actor reached the workspace
APP = "app"  # the app acting on its own
FIRST_START = f"{APP}:first start"  # who imported the sample the app gives an empty workspace


@dataclass(frozen=True)
class Permission:
    """One thing a person may do: the least role that may, and what it allows, in words."""

    least_role: str
    allows: str


PERMISSIONS: Final = {
    "view": Permission("viewer", "open every page and explore (filters, lab sliders, a re-fit)"),
    "download_records": Permission(
        "editor", "download lead-level records (Leads' CRM export, Data quality's records)"
    ),
    "publish_model": Permission(
        "editor", "publish a scoring model (Scoring lab, Recalibration) or restore an earlier one"
    ),
    "import_data": Permission("admin", "import exports or the bundled sample"),
    "restore_data": Permission("admin", "make an earlier dataset current again"),
    "see_settings": Permission("admin", "see the access settings in force"),
}


@dataclass(frozen=True)
class AccessRules:
    """Roles by email and by email domain, the role of anyone else signed in (None: no access),
    whether viewers may download lead-level records, and the file they were read from."""

    emails: Mapping[str, str] = field(default_factory=dict)
    domains: Mapping[str, str] = field(default_factory=dict)
    unknown: str | None = None
    viewers_download: bool = False
    source: Path | None = None


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in person (by email) or an operating-system user (CLI, or the app
    without sign-in), their role (None: no access), what they may do and until when."""

    name: str
    via: str
    role: str | None
    permissions: frozenset[str]
    display_name: str = ""
    expires_at: datetime | None = None  # UTC, the identity token's `exp`

    @property
    def identity(self) -> str:
        """Return what the workspace records: 'oidc:ana@acme.com', 'cli:ana', 'local:ana'."""
        return f"{self.via}:{self.name}"

    @property
    def signed_in(self) -> bool:
        """Return True for a person who signed in through the identity provider."""
        return self.via == SIGN_IN


def load_access_rules(path: str | Path) -> AccessRules:
    """Return the rules in a TOML access file (none when it does not exist); QualifyError names
    the key that is wrong and the values it may take."""
    file = Path(path)
    if not file.exists():
        return AccessRules()
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise QualifyError(
            f"{file}: not a TOML file the access rules can be read from: {exc}"
        ) from exc
    return _rules(raw, file)


def _rules(raw: Mapping[str, Any], file: Path) -> AccessRules:
    known = {"emails", "domains", "unknown", "viewers_download"}
    if extra := sorted(set(raw) - known):
        raise QualifyError(
            f"{file}: unknown setting {extra[0]!r}; the settings are {sorted(known)}"
        )
    unknown = raw.get("unknown", NO_ACCESS)
    if unknown != NO_ACCESS:
        _check_role(file, "unknown", unknown)
    download = raw.get("viewers_download", False)
    if not isinstance(download, bool):
        raise QualifyError(f"{file}: viewers_download must be true or false, got {download!r}")
    return AccessRules(
        emails=_table(raw, "emails", file),
        domains=_table(raw, "domains", file),
        unknown=None if unknown == NO_ACCESS else unknown,
        viewers_download=download,
        source=file,
    )


def _table(raw: Mapping[str, Any], key: str, file: Path) -> dict[str, str]:
    table = raw.get(key, {})
    if not isinstance(table, Mapping):
        raise QualifyError(f'{file}: [{key}] must be a table of "name" = "role" lines')
    for name, role in table.items():
        _check_role(file, f"{key}.{name}", role)
    return {str(name).strip().lower().lstrip("@"): role for name, role in table.items()}


def _check_role(file: Path, where: str, role: object) -> None:
    if role not in ROLES:
        raise QualifyError(f"{file}: {where} must be one of {', '.join(ROLES)}, got {role!r}")


def role_for(email: str, rules: AccessRules) -> str | None:
    """Return the role of an email: its own rule, else its domain's, else the `unknown` role."""
    address = email.strip().lower()
    domain = address.rpartition("@")[2]
    return rules.emails.get(address) or rules.domains.get(domain) or rules.unknown


def permissions_for(role: str | None, rules: AccessRules) -> frozenset[str]:
    """Return the names of the permissions a role holds (none for no role)."""
    if role is None:
        return frozenset()
    rank = ROLES.index(role)
    held = {name for name, p in PERMISSIONS.items() if ROLES.index(p.least_role) <= rank}
    if role == "viewer" and rules.viewers_download:
        held.add("download_records")
    return frozenset(held)


def signed_in_actor(
    claims: Mapping[str, Any], rules: AccessRules, now: datetime | None = None
) -> Actor:
    """Return the actor the identity token's claims name; AccessDenied, saying what to do, when
    they name no verified email or a person with no role, SignInExpired once `exp` has passed."""
    expires_at = _expiry(claims)
    if expires_at <= (now or datetime.now(UTC)):
        raise SignInExpired(
            f"Your sign-in expired at {expires_at:%H:%M} UTC, so you were signed out. "
            "Sign in again to go on."
        )
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise AccessDenied(
            "Your identity provider did not share a verified email address, and roles are "
            "given by email. Ask your administrator to include the email claim."
        )
    role = role_for(email, rules)
    if role is None:
        raise AccessDenied(
            f"You are signed in as {email}, but no role is given to that address. "
            "Ask an admin of Qualify to add it to the access file."
        )
    return Actor(
        email,
        SIGN_IN,
        role,
        permissions_for(role, rules),
        str(claims.get("name") or ""),
        expires_at,
    )


def _expiry(claims: Mapping[str, Any]) -> datetime:
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise AccessDenied(
            "Your sign-in carries no expiry time, so it cannot be trusted. Sign in again."
        )
    return datetime.fromtimestamp(exp, UTC)


def local_actor() -> Actor:
    """Return the actor of the app without sign-in: the operating-system user, every permission."""
    return _os_actor(LOCAL)


def command_line_actor() -> Actor:
    """Return the actor of the CLI: the operating-system user running it, every permission."""
    return _os_actor(COMMAND_LINE)


def _os_actor(via: str) -> Actor:
    return Actor(os_user(), via, "admin", frozenset(PERMISSIONS))


def os_user() -> str:
    """Return the name of the operating-system user running this process ('unknown' if none)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def allowed(actor: Actor, permission: str, now: datetime | None = None) -> bool:
    """Return True when the actor holds the permission and their sign-in has not expired."""
    return permission in actor.permissions and not _expired(actor, now)


def require(actor: Actor, permission: str, now: datetime | None = None) -> None:
    """Return when the actor may; else raise SignInExpired or AccessDenied naming who may."""
    if _expired(actor, now):
        raise SignInExpired(
            f"Not done: your sign-in expired at {actor.expires_at:%H:%M} UTC. Sign in again."
        )
    if permission not in actor.permissions:
        raise AccessDenied(
            f"Not done: {actor.name} is {role_words(actor.role)}, and only "
            f"{who_may(permission)} may {PERMISSIONS[permission].allows}."
        )


def who_may(permission: str) -> str:
    """Return the roles holding a permission in words: 'editors and admins'."""
    roles = ROLES[ROLES.index(PERMISSIONS[permission].least_role) :]
    return " and ".join(f"{role}s" for role in roles)


def _expired(actor: Actor, now: datetime | None) -> bool:
    return actor.expires_at is not None and actor.expires_at <= (now or datetime.now(UTC))


def role_words(role: str | None) -> str:
    """Return 'an admin', 'a viewer', or 'without a role'."""
    if role is None:
        return "without a role"
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"
