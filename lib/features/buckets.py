"""Activity age buckets: how behaviour decays with any half-life without recounting events.

Behaviour decays with a half-life the Scoring lab may change on every slider move, so events
are not summed with one fixed half-life. Instead each lead keeps, per activity type, counts in
fixed age buckets; decayed points for any half-life H are then counts @ 2**(-midpoint / H).

Precision this costs: an event is weighed as if it were at its bucket's mid-point, so its
weight is off by at most a factor 2**(±width / 2H). With H = 30 days that is ≤ 8% for events
under 14 days old, ≤ 20% at 14-30 days, ≤ 41% at 30-60 days (where an event already weighs
≤ half) and more beyond 90 days, where weights are ≤ 1/8; a lead's behaviour score typically
moves by a point or two. Counts in the last 30 days are exact (30 is a bucket edge).
"""

from __future__ import annotations

import numpy as np

from lib.store.schema import ACTIVITY_TYPES

AGE_BUCKET_EDGES: tuple[float, ...] = (0, 7, 14, 30, 60, 90, 180, 365, np.inf)
# The last bucket is open; 545 days (18 months) stands for "over a year" in the decay.
AGE_BUCKET_MIDPOINTS: tuple[float, ...] = (3.5, 10.5, 22.0, 45.0, 75.0, 135.0, 272.5, 545.0)
AGE_BUCKET_NAMES: tuple[str, ...] = (
    "d0_7",
    "d7_14",
    "d14_30",
    "d30_60",
    "d60_90",
    "d90_180",
    "d180_365",
    "d365_up",
)
RECENT_BUCKETS = 3  # buckets 0-7, 7-14, 14-30: "in the last 30 days"


def bucket_column(activity_type: str, bucket: str) -> str:
    """Return the features column holding one activity type's events in one age bucket."""
    return f"act_{activity_type}__{bucket}"


def bucket_columns() -> list[str]:
    """Return every age-bucket column, type-major, in ACTIVITY_TYPES x AGE_BUCKET_NAMES order."""
    return [bucket_column(t, b) for t in ACTIVITY_TYPES for b in AGE_BUCKET_NAMES]


def decay_weights(half_life_days: float) -> np.ndarray:
    """Return each age bucket's weight 2**(-midpoint / half-life): one half-life old counts half."""
    return np.exp2(-np.asarray(AGE_BUCKET_MIDPOINTS) / half_life_days)
