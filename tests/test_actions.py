"""The server refuses a forbidden action called directly, whatever a page offered: every change
and every lead-level download checks the actor first, changes nothing when refused, and records
the actor's identity when allowed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from lib import actions
from lib.access import SIGN_IN, AccessRules, Actor, permissions_for
from lib.errors import AccessDenied, SignInExpired
from lib.model import default_model, with_half_life
from lib.store.activity import activity_log
from lib.store.datasets import current_dataset, kept_datasets
from lib.store.imports import import_data
from lib.store.model_versions import model_history
from lib.store.state import Workspace, state
from lib.store.workspace import open_workspace
from tests.store.exports import salesforce_export, workspace_fingerprint

LEADS = pd.DataFrame({"lead_id": ["L1", "L2"], "email": ["a@x.com", "=cmd()"]})


def person(email: str, role: str | None, minutes_left: float = 60) -> Actor:
    expires = datetime.now(UTC) + timedelta(minutes=minutes_left)
    return Actor(email, SIGN_IN, role, permissions_for(role, AccessRules()), "", expires)


VIEWER = person("ceo@acme.com", "viewer")
EDITOR = person("raj@acme.com", "editor")
ADMIN = person("dana@acme.com", "admin")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A workspace with two small imports, so there is an earlier dataset to restore."""
    opened = open_workspace(tmp_path / "qualify.duckdb")
    import_data(opened, [salesforce_export(tmp_path / "one", tag="one")])
    import_data(opened, [salesforce_export(tmp_path / "two", tag="two")])
    return opened


def _earlier(workspace: Workspace) -> str:
    return next(d.version for d in kept_datasets(workspace) if not d.is_current)


ATTEMPTS: dict[str, Callable[[Actor, Workspace, Path], object]] = {
    "stage an import": lambda a, w, t: actions.stage_import(a, w, [salesforce_export(t / "s")]),
    "restore a dataset": lambda a, w, t: actions.restore_dataset(
        a, w, _earlier(w), based_on=current_dataset(w).version
    ),
    "publish a model": lambda a, w, t: actions.publish_model(
        a, w, with_half_life(default_model(), 9), "x", "y", based_on=0
    ),
    "restore a model": lambda a, w, t: actions.restore_model(a, w, 0, "x", based_on=0),
    "download records": lambda a, w, t: actions.records_csv(a, w, "Leads: CRM export", LEADS),
}
# who may not: a viewer may do none of these, an editor may not touch the data
REFUSED = [(VIEWER, name) for name in ATTEMPTS] + [
    (EDITOR, "stage an import"),
    (EDITOR, "restore a dataset"),
]


@pytest.mark.parametrize(("actor", "attempt"), REFUSED, ids=[f"{a.role} {n}" for a, n in REFUSED])
def test_a_forbidden_action_called_directly_is_refused_and_changes_nothing(
    workspace, tmp_path, actor, attempt
):
    before = workspace_fingerprint(workspace)
    with pytest.raises(AccessDenied, match=f"Not done: {actor.name} is an? {actor.role}"):
        ATTEMPTS[attempt](actor, workspace, tmp_path)
    assert workspace_fingerprint(workspace) == before


def test_an_editor_may_not_apply_an_import_an_admin_staged(workspace, tmp_path):
    staged = actions.stage_import(ADMIN, workspace, [salesforce_export(tmp_path / "s", tag="s")])
    current = current_dataset(workspace).version
    with pytest.raises(AccessDenied):
        actions.apply_import(EDITOR, staged)
    assert current_dataset(workspace).version == current
    actions.apply_import(ADMIN, staged)
    assert current_dataset(workspace).version == staged.version


@pytest.mark.parametrize("attempt", ["publish a model", "download records"])
def test_an_expired_sign_in_is_refused_even_for_what_the_role_allows(workspace, tmp_path, attempt):
    before = workspace_fingerprint(workspace)
    with pytest.raises(SignInExpired, match="Sign in again"):
        ATTEMPTS[attempt](person("raj@acme.com", "editor", -1), workspace, tmp_path)
    assert workspace_fingerprint(workspace) == before


def test_allowed_actions_record_the_actor_and_the_log_holds_each_once(workspace, tmp_path):
    for actor, attempt in [
        (ADMIN, "restore a dataset"),
        (EDITOR, "publish a model"),
        (EDITOR, "download records"),
    ]:
        ATTEMPTS[attempt](actor, workspace, tmp_path)
    actions.restore_model(EDITOR, workspace, 0, "", based_on=1)  # no name given: the person's
    with state(workspace) as conn:
        log = activity_log(conn)
        history = model_history(conn)
    assert history[["identity", "author", "restored_from"]].astype(object).values.tolist() == [
        ["oidc:raj@acme.com", "x", pd.NA],
        ["oidc:raj@acme.com", "raj@acme.com", 0],
    ]
    logged = log[log["identity"].notna()]
    assert sorted(zip(logged["action"], logged["identity"], strict=True)) == [
        ("download", "oidc:raj@acme.com"),
        ("publish", "oidc:raj@acme.com"),
        ("restore data", "oidc:dana@acme.com"),
        ("restore model", "oidc:raj@acme.com"),
    ]
    assert logged.loc[logged["action"] == "download", "after"].item() == len(LEADS)


def test_a_download_is_spreadsheet_safe_csv_of_the_records(workspace):
    text = actions.records_csv(EDITOR, workspace, "Leads: CRM export", LEADS)
    assert text.splitlines() == ["lead_id,email", "L1,a@x.com", "L2,'=cmd()"]
