"""The activity log: each import, data restore, publish, model restore and download once, newest
first, under the identity that did it, with the counts before and after."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from lib.model import default_model, with_half_life
from lib.store.activity import COLUMNS, activity_log, record_download
from lib.store.imports import import_data, restore_dataset
from lib.store.model_versions import publish_model, restore_version
from lib.store.state import Workspace, state
from lib.store.workspace import open_workspace
from tests.store.exports import salesforce_export


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return open_workspace(tmp_path / "qualify.duckdb")


def test_a_new_workspace_has_an_empty_log_with_every_column(workspace):
    with state(workspace) as conn:
        log = activity_log(conn)
    assert log.empty and tuple(log.columns) == COLUMNS


def test_every_kind_of_action_is_logged_once_with_its_identity_and_counts(workspace, tmp_path):
    # 3 rows in each of the four files: 12 records; then 5 in each: 20 records
    small = salesforce_export(tmp_path / "small", tag="small")
    larger = salesforce_export(
        tmp_path / "larger", accounts=5, leads=5, opportunities=5, tasks=5, tag="larger"
    )
    first = import_data(workspace, [small], author="Ana", identity="oidc:ana@acme.com")
    second = import_data(workspace, [larger], author="cron", identity="cli:svc")
    restore_dataset(
        workspace, first.version, based_on=second.version, identity="oidc:dana@acme.com"
    )
    raj = "oidc:raj@acme.com"
    with state(workspace) as conn:
        model = with_half_life(default_model(), 20)
        publish_model(conn, model, "Raj", "slower decay", based_on=0, identity=raj)
        restore_version(conn, 1, "Raj", "Restored version 1", based_on=1, identity=raj)
        record_download(conn, raj, "Leads: CRM export", 3)
        log = activity_log(conn)
    assert list(
        map(tuple, log[["action", "identity", "before", "after", "unit"]].astype(object).values)
    ) == list(
        reversed(
            [
                ("import", "oidc:ana@acme.com", pd.NA, 12, "records"),
                ("import", "cli:svc", 12, 20, "records"),
                ("restore data", "oidc:dana@acme.com", 20, 12, "records"),
                ("publish", raj, 0, 1, "model version"),
                ("restore model", raj, 1, 2, "model version"),
                ("download", raj, pd.NA, 3, "records"),
            ]
        )
    )  # newest first
    assert log["at"].is_monotonic_decreasing
    what = dict(zip(log["action"], log["what"], strict=False))
    assert what["download"] == "Leads: CRM export"
    assert what["restore model"] == "model version 2, a copy of version 1"
    assert what["publish"] == "model version 1"
    assert what["restore data"].startswith("the salesforce dataset imported ")
    assert log.loc[log["identity"] == "cli:svc", "what"].item() == (
        "salesforce export: Account.csv, Lead.csv, Opportunity.csv and 1 more"
    )
    assert log.loc[log["action"] == "publish", ["author", "note"]].values.tolist() == [
        ["Raj", "slower decay"]
    ]


def test_actions_recorded_before_identities_were_are_listed_without_one(workspace, tmp_path):
    import_data(workspace, [salesforce_export(tmp_path / "x")], author="root")
    with state(workspace) as conn:
        row = activity_log(conn).iloc[0]
    assert (row["action"], row["identity"], row["author"]) == ("import", None, "root")


def test_a_download_records_its_time_who_what_and_how_many(workspace):
    at = datetime(2026, 11, 24, 9, 30)
    with state(workspace) as conn:
        record_download(conn, "oidc:ceo@acme.com", "Data quality: Stale leads", 1204, at=at)
        row = activity_log(conn).iloc[0]
    assert (row["at"], row["identity"], row["what"], row["after"]) == (
        pd.Timestamp(at),
        "oidc:ceo@acme.com",
        "Data quality: Stale leads",
        1204,
    )
