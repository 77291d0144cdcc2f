"""The only non-page module that imports Streamlit: cached loaders, the shared sidebar, formatting.

Caching sits here, at the UI boundary. Every cached function takes what it computes from — the
data connection and the dataset version it reads, the scoring model, the filters — and reads
nothing from globals, so a new import or a publish changes the key and refreshes every page.
Connections and large read-only results (features, matrices, scores) are `cache_resource`,
shared by every session's thread; what they hand out is never mutated (the scoring memo on a
feature matrix takes a lock). One read-only DuckDB connection per dataset file, every query on
its own cursor; the workspace's state (which dataset and model are current) is opened only for a
moment, so the CLI can import, score or publish while the app serves the same workspace.

Who is using the app is read at every run (`who`): the local user when secrets.toml has no
[auth], else the signed-in person with the role the access file gives them. The sidebar says who
it is; what their role may not use is not drawn, and lib.actions refuses it anyway.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAuthError

from lib.access import (
    FIRST_START,
    PERMISSIONS,
    AccessRules,
    Actor,
    allowed,
    load_access_rules,
    local_actor,
    role_words,
    signed_in_actor,
    who_may,
)
from lib.errors import AccessDenied, QualifyError, SignInExpired
from lib.evaluate.backtest import Outcomes, outcomes_from_features
from lib.evaluate.recalibration import Recalibration, recalibrate, with_mql_volume
from lib.features import history_features, lead_features
from lib.features.attributes import attribute_series, rule_attributes
from lib.features.attributes import kept_attributes as attribute_catalog
from lib.features.leads import ATTRIBUTE_PREFIX
from lib.metrics import quality
from lib.metrics.bundle import KpiBundle, kpi_bundle
from lib.metrics.coverage import Coverage, kpi_inputs
from lib.metrics.filters import Filters
from lib.metrics.kpis import breakdown_table, profitable_win_rate, recorded_breakdowns
from lib.metrics.maturity import Evidence, maturity_evidence
from lib.metrics.outcomes import band_scores, outcomes_by_band
from lib.metrics.stats import SMALL_SAMPLE
from lib.model import ScoringModel, default_model, segment_labels, sla_hours_by_segment
from lib.present import data_quality as quality_view
from lib.present.breakdown import BREAKDOWN_LABELS
from lib.present.lab_attributes import AttributeProfile
from lib.present.lab_attributes import attribute_profile as lab_attribute_profile
from lib.present.needs import NOT_MEASURED, crm_tables_needed, feature_file_text
from lib.present.numbers import SMALL_SAMPLE_FLAG, money_text, percent_text
from lib.present.sidebar import model_change_text
from lib.present.text import literal
from lib.scoring import (
    FeatureMatrix,
    ScoreArrays,
    account_rollup,
    feature_matrix,
    score_arrays,
    score_leads,
)
from lib.scoring.matrix import with_attribute_values
from lib.store import datasets
from lib.store.connection import data_as_of, database_path
from lib.store.feature_datasets import feature_channels, stored_features
from lib.store.imports import import_sample_if_empty
from lib.store.model_versions import load_version, model_history
from lib.store.state import Workspace, current_versions, state
from lib.store.workspace import open_dataset, open_workspace

# Cached per dataset and model version: an import or a publish adds entries, so keep only the
# last few (features of 1M leads hold ~2 GB).
CACHED_VERSIONS = 4
NO_DATA = "empty"  # the dataset version before anything was imported
# the sidebar's filter widgets, drawn by every page
FILTER_KEYS = ("f_period", "f_segments", "f_channels")
LOG = logging.getLogger("qualify")
MISSING = "—"  # what every table shows for a missing value (Streamlit's default is "None")
# whole numbers as people read them (1,736), in the browser's locale; Streamlit's default is 1736
COUNT_COLUMN = st.column_config.NumberColumn(format="localized")


def route_through_app_navigation() -> None:
    """Run app.py's st.navigation even when a session starts on a page's URL.

    Streamlit treats an app with a pages/ folder as a v1 multipage app until the entry script
    first calls st.navigation (`PagesManager.uses_pages_directory`, a private class flag of
    Streamlit 1.67 with no public switch), so a fresh server opened on /leads (a bookmark) runs
    the page alone with a file-name menu. Clearing the flag and rerunning routes through app.py.
    tests/browser/test_navigation.py fails loudly if an upgrade changes this behaviour.
    """
    from streamlit.runtime.pages_manager import PagesManager

    # Once per session: AppTest resets the flag before every run, and a rerun on each run would
    # swallow every button click (the click's run is cut short, the rerun sees no click).
    if PagesManager.uses_pages_directory and not st.session_state.get("_navigation_rerouted"):
        st.session_state["_navigation_rerouted"] = True
        PagesManager.uses_pages_directory = False
        st.rerun()


# --- the workspace -----------------------------------------------------------------------------


@st.cache_resource(show_spinner="Opening the workspace")
def _workspace(path: str) -> Workspace:
    """Open the workspace once per process (migrating an old file, sweeping what killed imports
    left); a workspace with no data gets the bundled sample."""
    opened = open_workspace(path)
    import_sample_if_empty(opened, identity=FIRST_START)
    return opened


def workspace() -> Workspace:
    """Return the configured workspace: its state file and its datasets."""
    return _workspace(db_path())


def db_path() -> str:
    """Return the database: `streamlit run app.py -- --db FILE`, else $QUALIFY_DB, else default."""
    args = sys.argv[1:]
    flag = args[args.index("--db") + 1] if "--db" in args[:-1] else None
    return str(database_path(flag))


# An import writes a new dataset file and the next run switches to it: one read-only connection
# per dataset, shared by every session.
@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def connection(path: str, data_version: str) -> duckdb.DuckDBPyConnection:
    """Return a read-only connection to one dataset of the workspace at path."""
    return open_dataset(workspace(), None if data_version == NO_DATA else data_version)


@st.cache_data(max_entries=CACHED_VERSIONS, show_spinner=False)
def dataset(data_version: str) -> datasets.Dataset | None:
    """Return what a dataset is: its import, files and rows (versions are unique: random hex)."""
    return datasets.find_dataset(workspace(), data_version)


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def published(path: str, model_version: int) -> ScoringModel:
    """Return one published model version (0: the default model)."""
    if model_version == 0:
        return default_model()
    with state(workspace()) as stored:
        return load_version(stored, model_version)


@st.cache_data(max_entries=CACHED_VERSIONS, show_spinner=False)
def _model_history(path: str, model_version: int) -> pd.DataFrame:
    with state(workspace()) as stored:
        return model_history(stored)


@dataclass(frozen=True)
class Context:
    """What every page reads: the data (connection and version), the model, the filters and
    who is using the app (what they may do)."""

    conn: duckdb.DuckDBPyConnection
    data_version: str
    model: ScoringModel
    filters: Filters
    actor: Actor


# --- cached loaders: each takes what it computes from ----------------------------------------


@st.cache_data(show_spinner=False, max_entries=CACHED_VERSIONS)
def channels(_conn: duckdb.DuckDBPyConnection, data_version: str) -> list[str]:
    """Return the channels in the data (of its leads, for a feature file)."""
    if is_feature_file(data_version):
        return feature_channels(_conn)
    return datasets.channels(_conn)


@st.cache_data(show_spinner=False, max_entries=CACHED_VERSIONS)
def period(_conn: duckdb.DuckDBPyConnection, data_version: str) -> tuple[date, date] | None:
    """Return the first and last day of the data."""
    return datasets.data_period(_conn)


@st.cache_data(show_spinner=False, max_entries=CACHED_VERSIONS)
def coverage(_conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel) -> Coverage:
    """Return how many records carry the fields each KPI is measured from."""
    return kpi_inputs(_conn, model.segments)


# Features, matrices and scores are large and read-only: cache_resource shares one copy instead
# of pickling a frame per call.
@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Computing lead features")
def features(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel
) -> pd.DataFrame:
    """Return every lead's features as of the data's end, under the model's title rules."""
    return lead_features(_conn, model=model)


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Scoring leads")
def scores(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel
) -> pd.DataFrame:
    """Return every lead scored by the model."""
    return score_leads(features(_conn, data_version, model), model)


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def segment_views(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel
) -> dict[str, pd.DataFrame]:
    """Return each account's and lead's segment, for placing quality records."""
    return quality.record_segments(_conn, model.segments)


@st.cache_data(show_spinner="Measuring the KPIs", max_entries=32)
def kpis(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel, filters: Filters
) -> KpiBundle:
    """Return every funnel KPI the Overview and the Quarterly review show, for these filters."""
    return kpi_bundle(_conn, model, filters)


@st.cache_data(show_spinner=False, max_entries=32)
def profitable(
    _conn: duckdb.DuckDBPyConnection,
    data_version: str,
    model: ScoringModel,
    filters: Filters,
    margin_target: float,
) -> pd.DataFrame:
    """Return the profitable win rate by segment at a margin target the page chose."""
    return profitable_win_rate(_conn, model.segments, filters, margin_target)


@st.cache_data(show_spinner=False, max_entries=CACHED_VERSIONS)
def breakdowns(_conn: duckdb.DuckDBPyConnection, data_version: str) -> list[str]:
    """Return what this data can be broken down by: channel, then the dimensions it records."""
    return recorded_breakdowns(_conn)


@st.cache_data(show_spinner=False, max_entries=32)
def breakdown(
    _conn: duckdb.DuckDBPyConnection,
    data_version: str,
    model: ScoringModel,
    filters: Filters,
    by: str,
) -> pd.DataFrame:
    """Return the KPIs broken down by `by` (one row per value, then overall)."""
    return breakdown_table(_conn, model.segments, filters, by)


# Score bands against outcomes and the maturity evidence are measured on all the data (no
# filter applies), on every lead scored as it looked when routed (the Scoring lab's history):
# scored as of today, a won lead's own deal and later activity would flatter its score.
@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def routed_scores(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel
) -> pd.DataFrame:
    """Return every lead's band and score at its routing moment."""
    past = history(_conn, data_version, model)
    return band_scores(past.frame, history_baseline(_conn, data_version, model))


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def band_outcomes(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel
) -> pd.DataFrame:
    """Return the outcomes of every lead by the score band it had when routed."""
    return outcomes_by_band(_conn, routed_scores(_conn, data_version, model))


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Measuring maturity")
def maturity(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel, versions: int
) -> Evidence:
    """Return the maturity matrix's evidence, measured on all the data."""
    published = model_versions()
    return maturity_evidence(
        _conn,
        model.segments,
        routed_scores(_conn, data_version, model),
        versions,
        sla_hours_by_segment(model),
        published["created_at"].max() if len(published) else None,
    )


# Issue records are all-data lists (the sidebar filters them afterwards): the five that do not
# depend on the staleness cutoff once per import, the stale leads and summary per cutoff.
@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Checking data quality")
def standing_issues(_conn: duckdb.DuckDBPyConnection, data_version: str) -> dict[str, pd.DataFrame]:
    """Return each standing data-quality issue's records."""
    return quality.standing_issue_records(_conn)


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Checking data quality")
def quality_issues(
    _conn: duckdb.DuckDBPyConnection, data_version: str, days: int
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Return the fix-first summary and each issue's records, all data, for a staleness cutoff."""
    as_of = data_as_of(_conn)
    records = {"stale_leads": quality.stale_leads(_conn, as_of, days)} | standing_issues(
        _conn, data_version
    )
    return quality.quality_summary(_conn, as_of, days, records=records), records


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def lead_scope(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel
) -> pd.DataFrame:
    """Return every lead's segment and channel, the Data quality filters' scope."""
    return quality_view.lead_scope(
        segment_views(_conn, data_version, model)["lead_segment"],
        features(_conn, data_version, model),
    )


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def bounce_rate(
    _conn: duckdb.DuckDBPyConnection, data_version: str
) -> dict[str, float | int | bool]:
    """Return the all-leads bounce rate with its interval."""
    return quality.bounce_rate(_conn)


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def accounts(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel
) -> pd.DataFrame:
    """Return one row per account rolled up from the scored leads."""
    return account_rollup(
        scores(_conn, data_version, model), features(_conn, data_version, model), model
    )


@dataclass(frozen=True)
class History:
    """Every lead at its routing moment with its outcome: what the Scoring lab back-tests on."""

    frame: pd.DataFrame
    matrix: FeatureMatrix
    outcomes: Outcomes
    warnings: tuple[str, ...] = ()  # what a feature file measured differently from the model


# ~1.5 s to build on the sample, so once per import and model
@st.cache_resource(
    max_entries=CACHED_VERSIONS, show_spinner="Measuring every lead at its routing moment"
)
def history(_conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel) -> History:
    """Return every lead's point-in-time features (measured here, or read from the feature file
    the dataset was opened from), their matrix and the outcome arrays."""
    if is_feature_file(data_version):
        frame, warnings = stored_features(_conn, model)
    else:
        frame, warnings = history_features(_conn, model=model), ()
    return History(frame, feature_matrix(frame), outcomes_from_features(frame), warnings)


# A draft rule may read an attribute the published model's rules do not, which its history
# features never loaded: each attribute's values are read once per dataset (a query and a
# lead_id map, only when a rule names an attribute first), and the matrix that adds them to
# the history's is kept per attribute set, so slider moves reuse its memo.
@st.cache_resource(max_entries=16, show_spinner=False)  # ~70 MB each at 1M leads (ID index)
def attribute_values(_conn: duckdb.DuckDBPyConnection, data_version: str, name: str) -> pd.Series:
    """Return one lead attribute's values by lead_id (empty when the data lacks it)."""
    return attribute_series(_conn, [name])[name]


@st.cache_data(max_entries=CACHED_VERSIONS, show_spinner=False)
def kept_attributes(_conn: duckdb.DuckDBPyConnection, data_version: str) -> pd.DataFrame:
    """Return the lead attributes the dataset keeps: name, kind, filled."""
    return attribute_catalog(_conn)


def lab_matrix(
    conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel, draft: ScoringModel
) -> FeatureMatrix:
    """Return the history matrix (under the published `model`) holding every attribute the
    draft's rules read: the history's own when it holds them all."""
    past = history(conn, data_version, model)
    extra = tuple(n for n in rule_attributes(draft) if n not in past.matrix.attributes)
    return _matrix_with(conn, data_version, model, extra) if extra else past.matrix


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Reading the attribute's values")
def _matrix_with(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel, names: tuple[str, ...]
) -> FeatureMatrix:
    past = history(_conn, data_version, model)
    values = {name: attribute_values(_conn, data_version, name) for name in names}
    ids = past.frame["lead_id"]
    columns = {ATTRIBUTE_PREFIX + name: ids.map(series) for name, series in values.items()}
    return with_attribute_values(past.matrix, pd.DataFrame(columns, index=ids.index))


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Measuring the attributes")
def attribute_profile(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel
) -> AttributeProfile:
    """Return every kept lead attribute's levels against the outcome, on the lab's history."""
    return lab_attribute_profile(_conn, history(_conn, data_version, model).frame)


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def history_baseline(
    _conn: duckdb.DuckDBPyConnection, data_version: str, model: ScoringModel
) -> ScoreArrays:
    """Return the model's scores on history: the published side of every back-test."""
    return score_arrays(history(_conn, data_version, model).matrix, model)


# A fit takes ~1.5 s on the sample (penalty tuned over 9 x 4 folds): cached per data, model and
# settings so that moving between pages, or back to an earlier setting, does not refit. It reads
# the Scoring lab's cached history (every lead at its routing moment) instead of measuring again.
@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Re-fitting weights from history")
def recalibration(
    _conn: duckdb.DuckDBPyConnection,
    data_version: str,
    model: ScoringModel,
    min_deals: int,
    test_share: float,
    keep_attributes: tuple[str, ...] = (),
) -> Recalibration:
    """Return the model re-fitted on closed deals with these settings (attributes flagged as
    likely leakage fitted only when kept)."""
    past = history(_conn, data_version, model)
    return recalibrate(
        _conn,
        model,
        min_closed_deals=min_deals,
        test_share=test_share,
        history=past.frame,
        matrix=past.matrix,
        keep_attributes=keep_attributes,
    )


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Re-fitting the thresholds")
def recalibration_for_volume(
    _conn: duckdb.DuckDBPyConnection,
    data_version: str,
    model: ScoringModel,
    min_deals: int,
    test_share: float,
    mql_volume: int,
    keep_attributes: tuple[str, ...] = (),
) -> Recalibration:
    """Return the re-fitted model with thresholds that keep `mql_volume` MQLs on history."""
    fitted = recalibration(_conn, data_version, model, min_deals, test_share, keep_attributes)
    return with_mql_volume(fitted, mql_volume)


def model_versions() -> pd.DataFrame:
    """Return the published versions (cached per newest version: a publish shows at once)."""
    return _model_history(db_path(), current_versions(workspace()).model)


# --- the shared sidebar -------------------------------------------------------------------------


def _keep(key: str, default: Any) -> None:
    """Carry a sidebar widget's value to the page being drawn (Streamlit's documented idiom).

    A widget's state belongs to the page that drew it; writing the value back under the same
    key before the widget is drawn hands it to this page's copy of the widget.
    """
    st.session_state[key] = st.session_state.get(key, default)


def _reset_filters_on_new_data(
    data_version: str, span: Any, labels: dict[str, str], options: list[str]
) -> None:
    """After an import (in any session), reset the filters to everything and say what changed."""
    seen = st.session_state.get("_seen_data_version")
    st.session_state["_seen_data_version"] = data_version
    if seen is None or seen == data_version:
        return
    dropped = [c for c in st.session_state.get("f_channels", []) if c not in options]
    for key in FILTER_KEYS:
        st.session_state.pop(key, None)
    notice = "New data was imported: the filters now cover all of it."
    if dropped:
        notice += " Channels not in the new data: " + ", ".join(dropped) + "."
    st.session_state["_filters_notice"] = notice


def _note_new_model(version: int) -> None:
    """After a publish or restore elsewhere (a session, the CLI), say so once in this session."""
    seen = st.session_state.get("_seen_model_version")
    st.session_state["_seen_model_version"] = version
    if seen is not None and seen != version:
        st.session_state["_model_notice"] = model_change_text(model_versions(), seen, version)


def saw_model_version(version: int) -> None:
    """Record that this session published or restored `version` itself: nothing to tell it."""
    st.session_state["_seen_model_version"] = version


def sidebar() -> Context:
    """Draw the shared sidebar (who is signed in, data source, model version, filters); return
    the page context. Nobody signed in with a role: the sign-in page instead, and the run stops."""
    route_through_app_navigation()  # here, not at import: a rerun raised mid-import half-builds ui
    actor = gate()
    versions = current_versions(workspace())  # a stat of the state file when nothing changed
    version = versions.dataset or NO_DATA
    db = connection(db_path(), version)
    current = dataset(version)
    model = published(db_path(), versions.model)
    span = period(db, version)
    labels = segment_labels(model.segments)
    options = channels(db, version)
    _reset_filters_on_new_data(version, span, labels, options)
    _note_new_model(versions.model)
    with st.sidebar:
        _account(actor)
        st.markdown("**Data**")
        st.caption(literal(data_caption(current)))
        st.markdown("**Scoring model**")
        st.caption(
            f"Published version {model.version}"
            if model.version
            else "Default model (nothing published yet)"
        )
        if "_model_notice" in st.session_state:
            st.info(literal(st.session_state.pop("_model_notice")), icon=":material/sync:")
        st.markdown("**Filters**")
        if "_filters_notice" in st.session_state:
            st.info(literal(st.session_state.pop("_filters_notice")), icon=":material/restart_alt:")
        if span is not None:
            _keep("f_period", span)
            st.session_state["f_period"] = _within(st.session_state["f_period"], span)
            st.date_input(
                "Period",
                key="f_period",
                min_value=span[0],
                max_value=span[1],
                help="Close date for win rate and cycle time, MQL date for "
                "conversion, created date for pipeline created.",
            )
        _keep("f_segments", [r.name for r in model.segments])
        st.session_state["f_segments"] = [s for s in st.session_state["f_segments"] if s in labels]
        st.multiselect(
            "Segments",
            options=list(labels),
            key="f_segments",
            format_func=lambda name: labels.get(name, name),
        )
        _keep("f_channels", options)
        st.session_state["f_channels"] = [c for c in st.session_state["f_channels"] if c in options]
        st.multiselect("Channels", options=options, key="f_channels")
    return Context(db, version, model, _filters(labels, options), actor)


def _within(chosen: Any, span: tuple[date, date]) -> tuple[date, date]:
    """Return the chosen period clamped to the data's span; the whole span when unusable."""
    if not chosen or len(chosen) != 2:
        return span
    start, end = max(chosen[0], span[0]), min(chosen[1], span[1])
    return (start, end) if start <= end else span


def _filters(labels: dict[str, str], options: list[str]) -> Filters:
    chosen: Sequence[date] = st.session_state.get("f_period") or ()
    start, end = (chosen[0], chosen[1]) if len(chosen) == 2 else (None, None)
    segments = st.session_state.get("f_segments") or []
    picked_channels = st.session_state.get("f_channels") or []
    return Filters(
        start=start,
        end=end,
        segments=None if set(segments) >= set(labels) - {"unassigned"} else tuple(segments),
        channels=None if set(picked_channels) >= set(options) else tuple(picked_channels),
    )


def data_caption(current: datasets.Dataset | None) -> str:
    """Return one line saying what data the app is showing."""
    if current is None:
        return "No data imported yet."
    if current.feature_file is not None:
        opened = f", opened {current.imported_at:%Y-%m-%d %H:%M} UTC"
        return feature_file_text(current.files[0], current.feature_file) + opened
    what = "Bundled sample export" if current.is_sample else f"{current.source_format} export"
    return f"{what}, imported {current.imported_at:%Y-%m-%d %H:%M} UTC"


def is_feature_file(data_version: str) -> bool:
    """Return True when the dataset was opened from a feature file (it has no CRM tables)."""
    current = dataset(data_version)
    return current is not None and current.feature_file is not None


def needs_crm_tables(ctx: Context, page: str) -> None:
    """On a dataset opened from a feature file, say what `page` is measured from and how to
    get it, and stop the run: the file holds each lead's features, not the CRM's tables."""
    if is_feature_file(ctx.data_version):
        st.title(page)
        st.info(literal(crm_tables_needed(page, data_caption(dataset(ctx.data_version)))))
        st.stop()


def breakdown_choice(db: duckdb.DuckDBPyConnection, data_version: str, key: str) -> str:
    """Draw the "Break down by" choice (channel and the dimensions the data records)."""
    options = breakdowns(db, data_version)
    return str(
        st.selectbox(
            "Break down by", options, format_func=lambda by: BREAKDOWN_LABELS.get(by, by), key=key
        )
    )


# --- who is using the app -----------------------------------------------------------------------

ACCESS_ENV_VAR = "QUALIFY_ACCESS"
ACCESS_FILE = Path(".streamlit") / "access.toml"  # beside secrets.toml, where sign-in is set up


def access_file() -> Path:
    """Return the roles file: $QUALIFY_ACCESS, else .streamlit/access.toml."""
    return Path(os.environ.get(ACCESS_ENV_VAR) or ACCESS_FILE)


def who() -> Actor | QualifyError:
    """Return who uses this session, or why nobody may yet (to show on the sign-in page).

    Without an [auth] section in secrets.toml, st.user has no `is_logged_in` and the actor is
    the local user, allowed everything. With it, the signed-in person's role comes from the
    access file and their identity token's expiry is honoured (Streamlit keeps its cookie for 30
    days whatever the token says). Read at every run: an expiry or a changed role takes effect
    at the person's next click.
    """
    user = st.user.to_dict()
    if "is_logged_in" not in user:
        return local_actor()
    if not user["is_logged_in"]:
        return AccessDenied("Sign in with your work account to open Qualify.")
    try:
        return signed_in_actor(user, load_access_rules(access_file()))
    except QualifyError as exc:
        return exc


def may_enter() -> bool:
    """Return True when this session may use the app (else it gets the sign-in page)."""
    return isinstance(who(), Actor)


def gate() -> Actor:
    """Return who uses this session; when nobody may, draw the sign-in page and stop the run."""
    found = who()
    if isinstance(found, Actor):
        return found
    sign_in_page()
    st.stop()


def sign_in_page() -> None:
    """Draw what a person sees until they may use Qualify: the sign-in button, or why not."""
    found = who()
    st.title("Qualify")
    st.caption("Lead qualification and segmentation studio")
    if isinstance(found, Actor):  # signed in meanwhile (another tab): carry on to the app
        st.rerun()
    user = st.user.to_dict()
    if not user.get("is_logged_in"):
        st.info(literal(found), icon=":material/login:")
        for provider in _providers():
            label = f"Sign in with {provider.capitalize()}" if provider else "Sign in"
            if st.button(label, key=f"sign_in_{provider}", type="primary"):
                _sign_in(provider)
        return
    if isinstance(found, SignInExpired):
        st.warning(literal(found), icon=":material/timer_off:")
        if st.button("Sign in again", key="sign_in_again", type="primary"):
            signed_with = user.get("provider")
            _sign_in(signed_with if isinstance(signed_with, str) else None)
    else:
        st.error(literal(found), icon=":material/block:")
    if st.button("Sign out", key="sign_out_refused"):
        st.logout()


def _providers() -> list[str | None]:
    """Return the providers set up in secrets.toml's [auth]: its named sections (Google, Okta,
    ...), else None for the settings written in [auth] itself."""
    if not st.secrets.load_if_toml_exists():
        return [None]
    section = st.secrets.get("auth", {})
    named = [k for k, v in section.items() if hasattr(v, "keys") and "client_id" in v]
    return [*named] or [None]


def _sign_in(provider: str | None) -> None:
    try:
        st.login(provider if provider and provider != "default" else None)
    except StreamlitAuthError as exc:  # a missing key in secrets.toml: say which
        st.error(literal(f"Sign-in is not set up right: {exc}"))


def _account(actor: Actor) -> None:
    """Draw who is signed in, their role, until when, and the sign-out button."""
    if not actor.signed_in:
        if access_file().exists():  # roles were written, but sign-in was never switched on
            st.warning(
                literal(
                    f"{access_file()} gives roles, but sign-in is not set up (no [auth] in "
                    "secrets.toml): everyone who reaches this app may do everything."
                )
            )
        return
    st.markdown("**Signed in**")
    name = f"{actor.display_name} ({actor.name})" if actor.display_name else actor.name
    until = f" until {actor.expires_at:%H:%M} UTC" if actor.expires_at else ""
    st.caption(literal(f"{name}, {actor.role}{until}"))
    if st.button("Sign out", key="sign_out", icon=":material/logout:"):
        st.logout()


def not_offered(actor: Actor, permission: str) -> None:
    """Say, where a control would be, that this role may not use it and who may."""
    st.caption(
        literal(
            f"Only {who_may(permission)} may {PERMISSIONS[permission].allows}; "
            f"you are signed in as {role_words(actor.role)}."
        ),
    )


def access_rules() -> AccessRules | None:
    """Return the access rules in force, or None when sign-in is not set up."""
    if "is_logged_in" not in st.user.to_dict():
        return None
    return load_access_rules(access_file())


def may(actor: Actor, permission: str) -> bool:
    """Return True when the actor may do this now (their sign-in has not expired)."""
    return allowed(actor, permission)


# --- tables -------------------------------------------------------------------------------------


def table(data: pd.DataFrame, column_config: dict[str, Any] | None = None, **options: Any) -> Any:
    """Draw a table as every page does: no index, whole numbers with thousands separators, a
    missing value as a dash; column_config adds to (or overrides) that."""
    counts = {
        column: COUNT_COLUMN
        for column in data.columns
        if pd.api.types.is_integer_dtype(data[column].dtype)
    }
    return st.dataframe(
        data,
        hide_index=True,
        placeholder=MISSING,
        column_config=counts | (column_config or {}),
        **options,
    )


# --- a page that fails -------------------------------------------------------------------------


def page_failed(title: str, exc: Exception) -> None:
    """Show why a page could not be drawn and what to do; log the traceback under a reference."""
    if isinstance(exc, QualifyError):  # a refusal a person can act on: its message says how
        st.error(literal(exc), icon=":material/error:")
        return
    reference = uuid.uuid4().hex[:8]
    LOG.error("Page %r failed (reference %s)", title, reference, exc_info=exc)
    st.error(
        f"The {literal(title)} page could not be drawn ({type(exc).__name__}). Reload the page; "
        "if it fails again, give whoever runs Qualify the reference "
        f"**{reference}**: the details are in its log.",
        icon=":material/error:",
    )


# --- numbers for people -------------------------------------------------------------------------


def pct(value: float | None) -> str:
    """Return '23.4%' for people; an em dash when there is no rate."""
    return percent_text(value)


def money(value: float | None) -> str:
    """Return $1.2M / $340k / $950 for people; an em dash when missing."""
    return money_text(value)


def rate_metric(
    label: str,
    rate: float | None,
    interval: Sequence[float | None],
    count: int,
    noun: str,
    help: str | None = None,
    unmeasured: str | None = None,
) -> None:
    """Draw a rate as a metric with its 95% interval (low, high), count and small-sample flag
    underneath; with `unmeasured` (why there is no number), that reason in place of the number."""
    if unmeasured:
        st.metric(label, NOT_MEASURED, help=help)
        st.caption(literal(unmeasured))
        return
    st.metric(label, pct(rate), help=help)
    low, high = interval
    bounds = (
        ""
        if low is None or high is None or math.isnan(low)
        else f"95% interval {low:.1%}–{high:.1%}, "
    )
    flag = f" {SMALL_SAMPLE_FLAG}" if count < SMALL_SAMPLE else ""
    st.caption(f"{bounds}{count:,} {noun}{flag}")
