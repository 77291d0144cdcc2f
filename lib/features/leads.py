"""Per-lead features, computed once per data load, from which any model version scores fast.

Activity counts are kept per type and age bucket (lib.features.buckets), so any half-life
rescored later needs no new query.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lib.features.attributes import attribute_series, rule_attributes
from lib.features.buckets import AGE_BUCKET_EDGES, AGE_BUCKET_NAMES, RECENT_BUCKETS, bucket_columns
from lib.features.titles import title_roles
from lib.model import ScoringModel, default_model
from lib.model.segments import UNASSIGNED, assign_segments
from lib.store.connection import Data, data_as_of, run_query
from lib.store.schema import ACTIVITY_TYPES

# the activity types as the age query numbers them (kind = index into ACTIVITY_TYPES)
ACTIVITY_KINDS = [{"activity_type": t, "kind": kind} for kind, t in enumerate(ACTIVITY_TYPES)]
# kept by history_features only: the real outcome and when it closed, and the moment itself
HISTORY_COLUMNS = ["opportunity_amount_usd", "closed_on", "reference_at"]
# what the model decides from the measured columns (title rules, segment rules, deal sizes)
MODEL_COLUMNS = [
    "seniority",
    "department",
    "segment",
    "deal_amount_usd",
    "engaged_colleagues",
    "account_engaged_departments",
]
COUNT_COLUMNS = [
    *(f"n_{t}" for t in ACTIVITY_TYPES),
    *(f"n_{t}_30d" for t in ACTIVITY_TYPES),
    *bucket_columns(),
]


def activity_counts(ages: pd.DataFrame, n_leads: int) -> pd.DataFrame:
    """Return per lead: events per type and age bucket, total and in the last 30 days.

    `ages` holds lead_pos (the lead's position in lead_id order), kind (index into
    ACTIVITY_TYPES), age_days and events: integers only, so 10M activities count in numpy
    without hashing a single ID string.
    """
    n_types, n_buckets = len(ACTIVITY_TYPES), len(AGE_BUCKET_NAMES)
    bucket = np.searchsorted(
        np.asarray(AGE_BUCKET_EDGES[1:-1]), ages["age_days"].to_numpy(dtype="float64"), side="right"
    )
    flat = (
        ages["lead_pos"].to_numpy(dtype="int64") * n_types + ages["kind"].to_numpy(dtype="int64")
    ) * n_buckets + bucket
    counts = np.bincount(
        flat,
        weights=ages["events"].to_numpy(dtype="float64"),
        minlength=n_leads * n_types * n_buckets,
    )
    cube = counts.reshape(n_leads, n_types, n_buckets).astype("int32")
    frame = pd.DataFrame(cube.reshape(n_leads, n_types * n_buckets), columns=bucket_columns())
    totals = pd.DataFrame(cube.sum(axis=2), columns=[f"n_{t}" for t in ACTIVITY_TYPES])
    recent = pd.DataFrame(
        cube[:, :, :RECENT_BUCKETS].sum(axis=2), columns=[f"n_{t}_30d" for t in ACTIVITY_TYPES]
    )
    return pd.concat([totals, recent, frame], axis=1)


def buying_group_helpers(base: pd.DataFrame) -> pd.DataFrame:
    """Return engaged colleagues (others on the account touched lately) and engaged departments."""
    engaged = base[base["touched_recently"] & base["account_id"].notna()]
    departments = engaged.groupby("account_id")["department"].nunique()
    colleagues = base["account_engaged_people"] - base["touched_recently"].astype("int64")
    return pd.DataFrame(
        {
            "engaged_colleagues": colleagues.clip(lower=0).astype("int64"),
            "account_engaged_departments": base["account_id"]
            .map(departments)
            .fillna(0)
            .astype("int64"),
        },
        index=base.index,
    )


def expected_deal_by_segment(model: ScoringModel) -> dict[str, float]:
    """Return segment -> expected deal size in USD, including the unassigned bucket."""
    names = [r.name for r in model.segments] + [UNASSIGNED]
    return {name: model.policy_for(name).expected_deal_usd for name in names}


def _measured(
    conn: Data, model: ScoringModel, moments: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the per-lead rows and activity ages measured at each lead's reference moment."""
    base = run_query(
        conn,
        "features/lead_features",
        moments | {"buying_group_days": model.buying_group_window_days},
    )
    ages = run_query(conn, "features/activity_ages", moments | {"activity_kinds": ACTIVITY_KINDS})
    base["as_of"] = pd.to_datetime(base["reference_at"])
    return base, ages


def _moments(as_of: pd.Timestamp, horizon_days: float | None = None) -> dict[str, Any]:
    """Return the reference-moment parameters: every lead at as_of, or (with a horizon) each
    at its routing moment, never after as_of."""
    return {
        "as_of": as_of.to_pydatetime(),
        "at_routing_moments": horizon_days is not None,
        "horizon_days": float(horizon_days or 0.0),
    }


def lead_features(
    conn: Data,
    as_of: pd.Timestamp | None = None,
    model: ScoringModel | None = None,
) -> pd.DataFrame:
    """Return one row per lead with every feature scoring reads, measured as of `as_of`.

    `as_of` defaults to the latest timestamp in the data; `model` (default model when None)
    supplies title keywords, segment rules and expected deal sizes. Raw firmographics are kept
    so segments can be reassigned cheaply when a model changes its segment rules.
    """
    model = model or default_model()
    moment = pd.Timestamp(as_of or data_as_of(conn) or pd.Timestamp.now())
    base, ages = _measured(conn, model, _moments(moment))
    features = _with_derived_features(base.drop(columns=HISTORY_COLUMNS), ages, model)
    return with_attributes(conn, features, model)


def history_features(
    conn: Data, model: ScoringModel | None = None, horizon_days: float = 30.0
) -> pd.DataFrame:
    """Return `lead_features`' columns with each lead measured at its own routing moment.

    reference_at = least(coalesce(mql_at, created_at + horizon_days), as_of): when the lead
    was (or, never made MQL, could have been) routed. Only activities strictly before it count;
    ages, staleness (last touch, last known edit) and the buying-group window are measured from
    it, and `as_of` holds it, so a back-test asks what a model would have decided then and a fit
    does not learn from what happened after the outcome began. What this choice means:
    - MQL, sales' accept (sal_at) and reject (disqualified_at) stay as recorded: they are the
      routing verdict (sales answers within the SLA's hours) and define the MQL, SAL and
      recycled stages, never the score; sql_at and first_meeting_at count only if earlier.
    - An opportunity's amount feeds the value pillar only if it existed before reference_at
      (else the segment's typical deal does); its real amount stays in `deal_amount_usd`.
    - Firmographics and titles are as they are now: the CRM keeps no history of them.
    - Labels stay attached: won, lost, won_amount_usd, opportunity_amount_usd and closed_on
      (close date of the source opportunity when closed).
    Both come from one query; `lead_features` is the same query with every moment at as_of.
    """
    model = model or default_model()
    moment = pd.Timestamp(data_as_of(conn) or pd.Timestamp.now())
    base = _with_derived_features(*_measured(conn, model, _moments(moment, horizon_days)), model)
    return with_attributes(conn, base, model)


ATTRIBUTE_PREFIX = "attribute: "  # a feature column holding a kept source column's values


def with_attributes(conn: Data, features: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Return the features with a column `attribute: <name>` for each attribute the model's
    rules read: numbers as floats, booleans as 1.0/0.0, categories as text, dates as ISO
    text, missing where the lead has none (or the dataset does not hold the attribute)."""
    return with_attribute_columns(conn, features, list(rule_attributes(model)))


def with_attribute_columns(conn: Data, features: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Return the features with a column `attribute: <name>` for each of these attributes the
    frame lacks, read as `with_attributes` reads them."""
    values = attribute_series(conn, [n for n in names if ATTRIBUTE_PREFIX + n not in features])
    if not values:
        return features
    columns = {ATTRIBUTE_PREFIX + n: features["lead_id"].map(s) for n, s in values.items()}
    return pd.concat([features, pd.DataFrame(columns, index=features.index)], axis=1)


def _with_derived_features(
    base: pd.DataFrame, ages: pd.DataFrame, model: ScoringModel
) -> pd.DataFrame:
    """Return the SQL rows plus title roles, segment, deal size, helpers and activity counts."""
    # the age queries number leads in lead_id order, as the base queries sort them
    if not base["lead_id"].is_monotonic_increasing:
        raise ValueError("lead features must come sorted by lead_id")
    counts = activity_counts(ages, len(base))
    return _with_model_columns(base, counts.set_axis(base.index), model)


def _with_model_columns(
    base: pd.DataFrame, counts: pd.DataFrame, model: ScoringModel
) -> pd.DataFrame:
    """Return the measured rows plus what the model decides (roles, segment, deal size, helpers)
    and the activity counts; history rows (with their real deal amount) keep that amount."""
    base = pd.concat([base, title_roles(base["title"], model.grade)], axis=1)
    base["segment"] = assign_segments(
        base["annual_revenue_usd"], base["employees"], model.segments, base["stated_segment"]
    )
    expected = base["segment"].map(expected_deal_by_segment(model))
    known = (
        "opportunity_amount_usd"
        if "opportunity_amount_usd" in base
        else "source_opportunity_amount_usd"
    )
    base["deal_amount_usd"] = base[known].fillna(expected)
    return pd.concat([base, buying_group_helpers(base), counts], axis=1)


def features_for_model(features: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Return `lead_features` or `history_features` rows with every column the model decides
    recomputed under `model` (measured columns kept); input not mutated."""
    counts = features[COUNT_COLUMNS]
    base = features.drop(columns=[*MODEL_COLUMNS, *COUNT_COLUMNS])
    return _with_model_columns(base, counts, model)
