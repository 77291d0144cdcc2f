"""Per-lead features at a reference moment (now, or each lead's routing time), from SQL."""

from lib.features.buckets import (
    AGE_BUCKET_EDGES,
    AGE_BUCKET_MIDPOINTS,
    AGE_BUCKET_NAMES,
    RECENT_BUCKETS,
    bucket_column,
    bucket_columns,
    decay_weights,
)
from lib.features.leads import history_features, lead_features
from lib.features.titles import keyword_pattern, title_roles

__all__ = [
    "AGE_BUCKET_EDGES",
    "AGE_BUCKET_MIDPOINTS",
    "AGE_BUCKET_NAMES",
    "RECENT_BUCKETS",
    "bucket_column",
    "bucket_columns",
    "decay_weights",
    "history_features",
    "keyword_pattern",
    "lead_features",
    "title_roles",
]
