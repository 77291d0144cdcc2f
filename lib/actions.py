"""Every change a person makes, checked against their role and recorded under their identity.

The pages and the CLI call these, never the store's writers directly (tests/test_architecture.py
holds the pages to it): each first refuses with AccessDenied, changing nothing, an actor who may
not (a role without the permission, or a sign-in that has expired), then acts and records the
actor's identity with the change, beside the free-text name people type as a note.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from lib import access
from lib.access import Actor
from lib.evaluate import recalibration
from lib.evaluate.recalibration import Recalibration
from lib.ingest import ImportOptions, Progress
from lib.model import ScoringModel
from lib.present import scoring_lab
from lib.present.csv_file import csv_text
from lib.store import feature_datasets, imports, model_versions
from lib.store.activity import record_download
from lib.store.datasets import Dataset
from lib.store.imports import Source, StagedImport
from lib.store.state import Workspace, state


def stage_import(
    actor: Actor,
    workspace: Workspace,
    sources: Sequence[Source],
    *,
    source_format: str = "auto",
    mapping: Source | None = None,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> StagedImport:
    """Read and check exports into a new data file for an actor who may import (admins)."""
    access.require(actor, "import_data")
    return imports.stage_import(
        workspace,
        sources,
        source_format=source_format,
        mapping=mapping,
        options=options,
        progress=progress,
    )


def stage_feature_file(actor: Actor, workspace: Workspace, source: Source) -> StagedImport:
    """Read a feature file into a new data file for an actor who may import (admins); applied
    like an import (`apply_import`)."""
    access.require(actor, "import_data")
    return feature_datasets.stage_feature_file(workspace, source)


def apply_import(
    actor: Actor, staged: StagedImport, *, replace: bool = False, author: str | None = None
) -> Dataset:
    """Make a staged import current, recorded under the actor (refused: the import is left
    staged, for `imports.discard_import`)."""
    access.require(actor, "import_data")
    return imports.apply_import(
        staged, replace=replace, author=author or _name(actor), identity=actor.identity
    )


def restore_dataset(
    actor: Actor,
    workspace: Workspace,
    version: str,
    *,
    based_on: str | None,
    author: str | None = None,
) -> Dataset:
    """Make a kept earlier dataset current again, for an actor who may restore data (admins)."""
    access.require(actor, "restore_data")
    return imports.restore_dataset(
        workspace,
        version,
        based_on=based_on,
        author=author or _name(actor),
        identity=actor.identity,
    )


def publish_model(
    actor: Actor,
    workspace: Workspace,
    model: ScoringModel,
    author: str,
    note: str,
    *,
    based_on: int,
) -> ScoringModel:
    """Publish a model as the next version, for an actor who may publish (editors, admins)."""
    access.require(actor, "publish_model")
    with state(workspace) as conn:
        return model_versions.publish_model(
            conn, model, author or _name(actor), note, based_on=based_on, identity=actor.identity
        )


def restore_model(
    actor: Actor, workspace: Workspace, version: int, author: str, *, based_on: int
) -> ScoringModel:
    """Publish a copy of an earlier version (0: the default model) as the newest, for an actor
    who may publish."""
    access.require(actor, "publish_model")
    with state(workspace) as conn:
        return scoring_lab.restore(
            conn, version, author or _name(actor), based_on=based_on, identity=actor.identity
        )


def publish_recalibrated(
    actor: Actor, workspace: Workspace, result: Recalibration, author: str, *, force: bool
) -> ScoringModel:
    """Publish a recalibrated model as the next version, for an actor who may publish."""
    access.require(actor, "publish_model")
    with state(workspace) as conn:
        return recalibration.publish_recalibrated(
            conn, result, author or _name(actor), force, identity=actor.identity
        )


def records_csv(actor: Actor, workspace: Workspace, what: str, records: pd.DataFrame) -> str:
    """Return lead-level records as CSV text for an actor who may download them, and log the
    download (what, how many records) under the actor."""
    access.require(actor, "download_records")
    text = csv_text(records)
    log_download(actor, workspace, what, len(records))
    return text


def log_download(actor: Actor, workspace: Workspace, what: str, records: int) -> None:
    """Record that the actor took lead-level records out of the workspace (a download, the
    CLI's score file); AccessDenied when they may not."""
    access.require(actor, "download_records")
    with state(workspace) as conn:
        record_download(conn, actor.identity, what, records)


def _name(actor: Actor) -> str:
    return actor.display_name or actor.name
