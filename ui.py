"""The only non-page module that imports Streamlit: cached loaders, the shared sidebar, formatting.

Caching sits here, at the UI boundary: one DuckDB connection per process (`cache_resource`;
every query runs on its own cursor because sessions run in threads) and query results keyed
by the dataset version, so an import refreshes every page.
"""

from __future__ import annotations

import math
import sys
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from lib.evaluate.backtest import Outcomes, outcomes_from_features
from lib.evaluate.recalibration import Recalibration, recalibrate
from lib.features import history_features, lead_features
from lib.metrics import quality
from lib.metrics.filters import Filters
from lib.metrics.maturity import Evidence, maturity_evidence
from lib.metrics.outcomes import outcomes_by_band
from lib.metrics.stats import SMALL_SAMPLE
from lib.model import ScoringModel, sla_hours_by_segment
from lib.model.segments import SegmentRule, segment_labels
from lib.present import data_quality as quality_view
from lib.present.numbers import SMALL_SAMPLE_FLAG, money_text, percent_text
from lib.scoring import (
    FeatureMatrix,
    ScoreArrays,
    account_rollup,
    feature_matrix,
    score_arrays,
    score_leads,
)
from lib.store import datasets
from lib.store.connection import connect, data_as_of, database_path
from lib.store.model_versions import model_history, published_model
from lib.store.staging import segment_frames

# Cached per dataset and model version: an import or a publish adds entries, so keep only the
# last few (features of 1M leads hold ~2 GB).
CACHED_VERSIONS = 4


def _use_app_navigation() -> None:
    """Run app.py's st.navigation even when a session starts on a page's URL.

    Streamlit treats an app with a pages/ folder as a v1 multipage app until the entry script
    first calls st.navigation, so a fresh server opened on /overview (a bookmark) runs the page
    alone with a file-name menu. Clearing that flag and rerunning routes through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    # Once per session: AppTest resets the flag before every run, and a rerun on each run would
    # swallow every button click (the click's run is cut short, the rerun sees no click).
    if PagesManager.uses_pages_directory and not st.session_state.get("_navigation_rerouted"):
        st.session_state["_navigation_rerouted"] = True
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_resource(show_spinner="Opening the database")
def connection(path: str) -> duckdb.DuckDBPyConnection:
    """Return the app's one connection; a database with no data gets the bundled sample."""
    conn = connect(path)
    if datasets.current_dataset(conn) is None:
        datasets.import_sample(conn)
    return conn


def db_path() -> str:
    """Return the database: `streamlit run app.py -- --db FILE`, else $QUALIFY_DB, else default."""
    args = sys.argv[1:]
    flag = args[args.index("--db") + 1] if "--db" in args[:-1] else None
    return str(database_path(flag))


def conn() -> duckdb.DuckDBPyConnection:
    """Return the cached connection to the configured database file."""
    return connection(db_path())


def dataset_version() -> str:
    """Return the current import's version: the cache key of every data query."""
    current = datasets.current_dataset(conn())
    return current.version if current else "empty"


@st.cache_data(show_spinner=False)
def channels(version: str) -> list[str]:
    """Return the channels in the data (cached per dataset version)."""
    return datasets.channels(conn())


@st.cache_data(show_spinner=False)
def period(version: str) -> tuple[date, date] | None:
    """Return the first and last day of the data (cached per dataset version)."""
    return datasets.data_period(conn())


# Features and the feature matrix are large and read-only: cache_resource shares one copy
# instead of pickling a frame per call, and they are keyed by the dataset version.
@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Computing lead features")
def _features(path: str, version: str) -> pd.DataFrame:
    return lead_features(conn())


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def _matrix(path: str, version: str) -> FeatureMatrix:
    return feature_matrix(_features(path, version))


def features() -> pd.DataFrame:
    """Return the per-lead features of the current data (computed once per import)."""
    return _features(db_path(), dataset_version())


def matrix() -> FeatureMatrix:
    """Return the numeric feature matrix the Scoring lab rescores on every move."""
    return _matrix(db_path(), dataset_version())


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Scoring leads")
def _scores(path: str, version: str, model_version: int, body: str) -> pd.DataFrame:
    return score_leads(_features(path, version), current_model())


def scores() -> pd.DataFrame:
    """Return every lead scored by the published model (cached per data and model version)."""
    model = current_model()
    return _scores(db_path(), dataset_version(), model.version, model.created_at)


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def _views(path: str, version: str, rules: tuple[SegmentRule, ...]) -> dict[str, pd.DataFrame]:
    return segment_frames(conn(), rules)


def segment_views(rules: tuple[SegmentRule, ...]) -> dict[str, pd.DataFrame]:
    """Return the account and lead segment frames every KPI query joins (computed once)."""
    return _views(db_path(), dataset_version(), rules)


# Score bands against outcomes and the maturity evidence are measured on all the data (no
# filter applies): once per data and model version instead of ~1.5 s and ~3 s per run at 1M.
@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def _band_outcomes(path: str, version: str, model_version: int, created_at: str) -> pd.DataFrame:
    return outcomes_by_band(conn(), scores())


def band_outcomes() -> pd.DataFrame:
    """Return every scored lead's band outcomes (cached per data and model version)."""
    model = current_model()
    return _band_outcomes(db_path(), dataset_version(), model.version, model.created_at)


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Measuring maturity")
def _maturity(
    path: str, version: str, model_version: int, created_at: str, versions: int
) -> Evidence:
    model, history = current_model(), model_versions()
    return maturity_evidence(
        conn(),
        model.segments,
        scores(),
        len(history),
        sla_hours_by_segment(model),
        history["created_at"].max() if len(history) else None,
        views=segment_views(model.segments),
    )


def maturity() -> Evidence:
    """Return the maturity matrix's evidence, measured on all the data (cached per version)."""
    model = current_model()
    return _maturity(
        db_path(), dataset_version(), model.version, model.created_at, len(model_versions())
    )


# Issue records are all-data lists (the sidebar filters them afterwards): the five that do not
# depend on the staleness cutoff once per import, the stale leads and summary per cutoff.
@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Checking data quality")
def _standing_issues(path: str, version: str) -> dict[str, pd.DataFrame]:
    return quality.standing_issue_records(conn())


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Checking data quality")
def _quality(path: str, version: str, days: int) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    as_of = data_as_of(conn())
    records = {"stale_leads": quality.stale_leads(conn(), as_of, days)} | _standing_issues(
        path, version
    )
    return quality.quality_summary(conn(), as_of, days, records=records), records


def quality_issues(days: int) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Return the fix-first summary and each issue's records, all data (cached per cutoff)."""
    return _quality(db_path(), dataset_version(), int(days))


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def _lead_scope(path: str, version: str, rules: tuple[SegmentRule, ...]) -> pd.DataFrame:
    return quality_view.lead_scope(segment_views(rules)["lead_segment"], features())


def lead_scope(rules: tuple[SegmentRule, ...]) -> pd.DataFrame:
    """Return every lead's segment and channel, the Data quality filters' scope (once)."""
    return _lead_scope(db_path(), dataset_version(), rules)


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def _bounce_rate(path: str, version: str) -> dict[str, float | int | bool]:
    return quality.bounce_rate(conn())


def bounce_rate() -> dict[str, float | int | bool]:
    """Return the all-leads bounce rate with its interval (cached per dataset version)."""
    return _bounce_rate(db_path(), dataset_version())


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def _accounts(path: str, version: str, model_version: int, created_at: str) -> pd.DataFrame:
    return account_rollup(scores(), features(), current_model())


def accounts() -> pd.DataFrame:
    """Return one row per account rolled up from the scored leads (cached per data and model)."""
    model = current_model()
    return _accounts(db_path(), dataset_version(), model.version, model.created_at)


def model_versions() -> pd.DataFrame:
    """Return the published versions (not cached: publishing must show at once)."""
    return model_history(conn())


# History (each lead at its routing moment, with its outcome) feeds the Scoring lab's back-test:
# ~1.5 s to build on the sample, so once per import; the published baseline once per version.
@st.cache_resource(
    max_entries=CACHED_VERSIONS, show_spinner="Measuring every lead at its routing moment"
)
def _history(path: str, version: str) -> tuple[pd.DataFrame, FeatureMatrix, Outcomes]:
    frame = history_features(conn())
    return frame, feature_matrix(frame), outcomes_from_features(frame)


def history_frame() -> pd.DataFrame:
    """Return every lead's point-in-time history features and outcome (once per import)."""
    return _history(db_path(), dataset_version())[0]


def history_matrix() -> FeatureMatrix:
    """Return the feature matrix of the history the Scoring lab back-tests on."""
    return _history(db_path(), dataset_version())[1]


def history_outcomes() -> Outcomes:
    """Return the outcome arrays aligned with `history_matrix()`."""
    return _history(db_path(), dataset_version())[2]


@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner=False)
def _history_baseline(path: str, version: str, model_version: int, created_at: str) -> ScoreArrays:
    return score_arrays(history_matrix(), current_model())


def history_baseline() -> ScoreArrays:
    """Return the published model's scores on history (cached per data and model version)."""
    model = current_model()
    return _history_baseline(db_path(), dataset_version(), model.version, model.created_at)


# A fit takes ~0.5 s on the sample: cached per data, model and settings so that moving
# between pages, or back to an earlier setting, does not refit.
@st.cache_resource(max_entries=CACHED_VERSIONS, show_spinner="Re-fitting weights from history")
def _recalibration(
    path: str, version: str, model_version: int, created_at: str, min_deals: int, test_share: float
) -> Recalibration:
    return recalibrate(conn(), current_model(), min_closed_deals=min_deals, test_share=test_share)


def recalibration(min_deals: int, test_share: float) -> Recalibration:
    """Return the published model re-fitted on closed deals (cached per data, model, settings)."""
    model = current_model()
    return _recalibration(
        db_path(),
        dataset_version(),
        model.version,
        model.created_at,
        int(min_deals),
        float(test_share),
    )


def current_model() -> ScoringModel:
    """Return the latest published model (or the default model before anything is published)."""
    return published_model(conn())


def _persisted(key: str, default: Any, valid: Any = None) -> None:
    """Seed a shared filter widget from its stored copy before the widget is drawn.

    Streamlit drops a widget's value when another page draws "the same" widget, so the value
    lives under `_<key>` and is written back into the widget key on every run.
    """
    store = f"_{key}"
    value = st.session_state.get(store, default)
    if valid is not None and isinstance(value, list):
        value = [v for v in value if v in valid]
    st.session_state[store] = value
    st.session_state[key] = value


def _within(period: Any, span: tuple[date, date]) -> tuple[date, date]:
    """Return the stored period clamped to the data's span (a new import may cover other days)."""
    if not period or len(period) != 2:
        return span
    start, end = max(period[0], span[0]), min(period[1], span[1])
    return (start, end) if start <= end else span


def _remember(key: str) -> None:
    st.session_state[f"_{key}"] = st.session_state[key]


def sidebar() -> tuple[Filters, ScoringModel]:
    """Draw the shared sidebar (data source, model version, filters); return filters and model."""
    _use_app_navigation()  # here, not at import: a rerun raised mid-import leaves ui half-built
    version = dataset_version()
    current = datasets.current_dataset(conn())
    model = current_model()
    with st.sidebar:
        st.markdown("**Data**")
        st.caption(data_caption(current))
        st.markdown("**Scoring model**")
        st.caption(
            f"Published version {model.version}"
            if model.version
            else "Default model (nothing published yet)"
        )
        st.markdown("**Filters**")
        span = period(version)
        if span is not None:
            st.session_state["_f_period"] = _within(st.session_state.get("_f_period"), span)
            _persisted("f_period", span)
            st.date_input(
                "Period",
                key="f_period",
                min_value=span[0],
                max_value=span[1],
                on_change=_remember,
                args=("f_period",),
                help="Close date for win rate and cycle time, MQL date for "
                "conversion, created date for pipeline created.",
            )
        labels = segment_labels(model.segments)
        _persisted("f_segments", [r.name for r in model.segments], valid=labels)
        st.multiselect(
            "Segments",
            options=list(labels),
            key="f_segments",
            format_func=labels.get,
            on_change=_remember,
            args=("f_segments",),
        )
        options = channels(version)
        _persisted("f_channels", options, valid=options)
        st.multiselect(
            "Channels", options=options, key="f_channels", on_change=_remember, args=("f_channels",)
        )
    return _filters(span, labels, options), model


def _filters(span: tuple[date, date] | None, labels: dict[str, str], options: list[str]) -> Filters:
    chosen = st.session_state.get("f_period") or ()
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
    what = "Bundled sample export" if current.is_sample else f"{current.source_format} export"
    return f"{what}, imported {current.version[:16]}"


def pct(value: float | None) -> str:
    """Return '23.4%' for people; an em dash when there is no rate."""
    return percent_text(value)


def money(value: float | None) -> str:
    """Return $1.2M / $340k / $950 for people; an em dash when missing."""
    return money_text(value)


def rate_metric(
    label: str,
    rate: float | None,
    low: float | None,
    high: float | None,
    count: int,
    noun: str,
    help: str | None = None,
) -> None:
    """Draw a rate as a metric with its 95% interval, count and small-sample flag underneath."""
    st.metric(label, pct(rate), help=help)
    interval = "" if low is None or math.isnan(low) else f"95% interval {low:.1%}–{high:.1%}, "
    flag = f" {SMALL_SAMPLE_FLAG}" if count < SMALL_SAMPLE else ""
    st.caption(f"{interval}{count:,} {noun}{flag}")
