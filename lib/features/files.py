"""A per-lead feature file: features measured where the data lives (Spark), scored on a laptop.

`python -m lib.cli features --out FILE.parquet` writes one; `read_feature_file` gives its leads
back, ready to score and back-test, and the app opens one as a dataset of its workspace
(lib.store.feature_datasets), where the Scoring lab back-tests on it.
The file says, in its Parquet metadata, when and how its leads were measured. On reading, what
a model decides from the measurements (title roles, segments, deal sizes, buying-group helpers)
is recomputed under the reader's model; what SQL measured with a model setting (the
buying-group window) cannot be, so a different window is named in a warning.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lib.errors import QualifyError
from lib.features.leads import (
    ATTRIBUTE_PREFIX,
    COUNT_COLUMNS,
    HISTORY_COLUMNS,
    MODEL_COLUMNS,
    features_for_model,
)
from lib.model import ScoringModel

METADATA_KEY = b"qualify.features"
MOMENTS = ("routing", "data-end")  # each lead at its routing moment, or all as of the data
# the measured columns a model re-derives from, the scoring matrix and the back-test read, and
# the lab names changed leads by (the rest of a file's columns are carried along unread)
READ_COLUMNS = (
    "lead_id",
    "account_id",
    "company_name",
    "channel",
    "title",
    "industry",
    "email_domain",
    "annual_revenue_usd",
    "employees",
    "stated_segment",
    "account_engaged_people",
    "touched_recently",
    "company_blank",
    "email_bounced",
    "days_since_update",
    "days_since_last_touch",
    "days_since_demo_request",
    "days_since_competitor_research",
    "disqualified_untouched",
    "mql_at",
    "sal_at",
    "sql_at",
    "source_opportunity_amount_usd",
    "won",
    "lost",
    "won_amount_usd",
)


class FeatureFileError(QualifyError):
    """A file that is not a readable Qualify feature file, or not the kind asked for."""


@dataclass(frozen=True)
class FeatureFile:
    """How a feature file's leads were measured."""

    moment: str  # one of MOMENTS
    as_of: str  # the data's last moment, ISO
    buying_group_window_days: float
    model_version: int
    engine: str  # duckdb or spark
    source: str  # the database, Parquet folder or Spark schema read
    leads: int


def write_feature_file(
    features: pd.DataFrame, path: str | os.PathLike[str], about: FeatureFile
) -> int:
    """Write the features and how they were measured to a Parquet file; return the leads written."""
    table = pa.Table.from_pandas(features, preserve_index=False)
    meta = (table.schema.metadata or {}) | {METADATA_KEY: about_text(about).encode()}
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        pq.write_table(table.replace_schema_metadata(meta), partial)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise FeatureFileError(f"Cannot write {target}: {exc}") from exc
    return int(table.num_rows)


def feature_file_info(path: str | os.PathLike[str], name: object = None) -> FeatureFile:
    """Return how a feature file's leads were measured; refuse a file Qualify did not write
    (the message names it as `name`, default its path)."""
    named = name or path
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        raise FeatureFileError(f"{named} is not a readable Parquet file: {exc}") from exc
    if METADATA_KEY not in meta:
        raise FeatureFileError(
            f"{named} is not a Qualify feature file: write one with "
            "`python -m lib.cli features --out FILE.parquet`"
        )
    return about_from_text(meta[METADATA_KEY], named)


def about_text(about: FeatureFile) -> str:
    """Return how a feature file's leads were measured as the JSON its metadata holds."""
    return json.dumps(asdict(about))


def about_from_text(text: str | bytes, name: object) -> FeatureFile:
    """Return the FeatureFile a feature file's metadata (JSON) describes; refuse what is not one."""
    try:
        return FeatureFile(**json.loads(text))
    except (TypeError, ValueError) as exc:
        raise FeatureFileError(f"{name} has feature metadata Qualify cannot read: {exc}") from exc


def read_feature_file(
    path: str | os.PathLike[str], model: ScoringModel, moment: str = "routing"
) -> tuple[pd.DataFrame, FeatureFile, tuple[str, ...]]:
    """Return the file's features under `model`, how they were measured, and warnings; refuse a
    file measured at another moment or lacking columns the features need."""
    about = feature_file_info(path)
    refuse_unusable(about, pq.read_schema(path).names, path, moment)
    frame = pq.read_table(path).to_pandas()
    warnings = feature_warnings(about, model, path, frame.columns)
    return features_for_model(frame, model), about, warnings


def refuse_unusable(
    about: FeatureFile, columns: Sequence[str], name: object, moment: str = "routing"
) -> None:
    """Refuse (FeatureFileError naming `name`) a feature file measured at another moment than
    `moment`, or lacking columns the features need."""
    if about.moment != moment:
        raise FeatureFileError(
            f"{name} holds leads measured at {about.moment}; this needs {moment}: "
            f"write it with `features --moment {moment}`"
        )
    needed = {*READ_COLUMNS, *MODEL_COLUMNS, *COUNT_COLUMNS}
    needed |= set(HISTORY_COLUMNS) if moment == "routing" else set()
    missing = sorted(needed - set(columns))
    if missing:
        raise FeatureFileError(f"{name} lacks the feature column(s) {', '.join(missing)}")


def feature_warnings(
    about: FeatureFile, model: ScoringModel, name: object, columns: Sequence[str]
) -> tuple[str, ...]:
    """Return what the file measured differently from what `model` asks (its buying-group
    window, attributes its rules read that it lacks), each as a sentence naming the file."""
    file = Path(str(name)).name
    warnings = []
    if not math.isclose(about.buying_group_window_days, model.buying_group_window_days):
        warnings.append(
            f"{file} counts engaged colleagues over {about.buying_group_window_days:g} days; "
            f"the model says {model.buying_group_window_days:g}. Rewrite the file to measure "
            "the model's window."
        )
    read = sorted({rule.attribute for rule in model.attribute_rules})
    lacking = [a for a in read if ATTRIBUTE_PREFIX + a not in columns]
    if lacking:
        warnings.append(
            f"{file} holds no values of the attribute(s) {', '.join(lacking)} the model's rules "
            "read: every lead counts as blank for them. Rewrite the file under this model."
        )
    return tuple(warnings)
