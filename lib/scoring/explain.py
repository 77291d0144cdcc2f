"""Every score explained: each factor's points per lead, adding up exactly to the score."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.model import PILLARS, ScoringModel, attribute_rule_label
from lib.scoring.matrix import (
    NO_GO_REASONS,
    FeatureMatrix,
    attribute_hits,
    feature_matrix,
    no_go_reasons,
    segment_codes,
    segment_table,
)
from lib.scoring.parts import (
    ATTRIBUTE_RULES,
    BASE_GRADE,
    DEPARTMENT,
    NO_RISK_BASELINE,
    OPPORTUNITY_AMOUNT,
    PART_LABELS,
    SENIORITY,
    TYPICAL_DEAL,
)
from lib.scoring.pillars import (
    activity_points,
    authority_parts,
    grade_parts,
    risk_parts,
    scale_terms,
    value_amount,
    value_pillar,
)
from lib.store.schema import ACTIVITY_TYPES


@dataclass(frozen=True)
class Contributions:
    """Every lead's contributions in score points: columns are factors, rows sum to the score."""

    labels: tuple[str, ...]
    pillars: tuple[str, ...]
    headline: np.ndarray
    points: np.ndarray
    activity_type: np.ndarray


def _activity_dense(matrix: FeatureMatrix, values: np.ndarray) -> np.ndarray:
    """Return a (leads x activity types) array from per-pair values."""
    dense = np.zeros((matrix.n, len(ACTIVITY_TYPES)), dtype="float32")
    dense[matrix.pair_lead, matrix.pair_type] = values
    return dense


def _pillar_columns(
    matrix: FeatureMatrix, model: ScoringModel, seg: np.ndarray, names: tuple[str, ...]
) -> list[tuple[str, str, np.ndarray, bool, int]]:
    """Return (label, pillar, pillar points, headline?, activity type or -1) per factor."""
    cols: list[tuple[str, str, np.ndarray, bool, int]] = []

    def add(pillar: str, parts: dict[str, np.ndarray], quiet: tuple[str, ...] = ()) -> None:
        """Add a pillar's parts, keyed by the labels people read, and its clipping."""
        for label, pts in parts.items():
            cols.append((label, pillar, pts, label not in quiet, -1))
        raw = sum(parts.values())
        cols.append(
            (f"{pillar} kept within 0-100", pillar, np.clip(raw, 0.0, 100.0) - raw, False, -1)
        )

    add(
        "fit",
        _split_roles(matrix, model, grade_parts(matrix, model, seg, names)),
        quiet=(PART_LABELS[BASE_GRADE],),
    )
    per_type = _activity_dense(matrix, activity_points(matrix, model))
    urgency = {t: per_type[:, i] for i, t in enumerate(ACTIVITY_TYPES)}
    urgency |= _attribute_parts(matrix, model, "behavior")
    start = len(cols)
    add("urgency", urgency)
    cols[start : start + len(ACTIVITY_TYPES)] = [
        (t.replace("_", " "), "urgency", urgency[t], True, i) for i, t in enumerate(ACTIVITY_TYPES)
    ]
    amount = value_amount(matrix, model, seg, names)
    from_opp = ~np.isnan(matrix.source_amount_usd)
    value = value_pillar(amount, model)
    for key, pts in (
        (OPPORTUNITY_AMOUNT, np.where(from_opp, value, 0.0)),
        (TYPICAL_DEAL, np.where(from_opp, 0.0, value)),
    ):
        cols.append((PART_LABELS[key], "value", pts, True, -1))
    add("authority", _labelled(authority_parts(matrix, model)))
    add(
        "risk",
        _labelled(risk_parts(matrix, model, seg, names)),
        quiet=(PART_LABELS[NO_RISK_BASELINE],),
    )
    return cols


def _attribute_parts(
    matrix: FeatureMatrix, model: ScoringModel, score: str
) -> dict[str, np.ndarray]:
    """Return one part per attribute rule of `score` (grade or behavior), under its label;
    rules sharing a label add up under it."""
    parts: dict[str, np.ndarray] = {}
    for rule in model.attribute_rules:
        if rule.score == score:
            label = attribute_rule_label(rule)
            pts = np.where(attribute_hits(matrix, rule), np.float32(rule.points), np.float32(0))
            parts[label] = parts.get(label, 0) + pts
    return parts


def _labelled(parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return a pillar's parts keyed by the labels people read instead of their keys."""
    return {PART_LABELS[key]: pts for key, pts in parts.items()}


def _split_roles(
    matrix: FeatureMatrix, model: ScoringModel, parts: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Return labelled grade parts with seniority and department split into one per rule."""
    out = _labelled(
        {k: v for k, v in parts.items() if k not in (SENIORITY, DEPARTMENT, ATTRIBUTE_RULES)}
    )
    out |= _attribute_parts(matrix, model, "grade")
    for rules, codes, names, key in (
        (model.grade.seniority, matrix.seniority_code, matrix.seniority_names, SENIORITY),
        (model.grade.departments, matrix.department_code, matrix.department_names, DEPARTMENT),
    ):
        for rule in rules:
            hit = np.array([n == rule.name for n in names] + [False])[codes]
            out[rule.label] = np.where(hit, parts[key], 0.0)
    return out


def contributions(matrix: FeatureMatrix, model: ScoringModel) -> Contributions:
    """Return every factor's score points per lead; each row sums to the qualification score."""
    seg, names = segment_codes(matrix, model)
    cols = _pillar_columns(matrix, model, seg, names)
    floor, stretch = scale_terms(model)
    weights = {p: segment_table(model, names, p)[seg] * stretch for p in PILLARS}
    points = np.stack([weights[pillar] * pts for _, pillar, pts, _, _ in cols], axis=1)
    offset = np.full(matrix.n, -floor * stretch, dtype="float32")
    unclipped = points.sum(axis=1) + offset
    kept = np.clip(unclipped, 0.0, 100.0) - unclipped
    points = np.concatenate([points, offset[:, None], kept[:, None]], axis=1)
    reason = no_go_reasons(matrix, model)
    cancel = np.where(reason >= 0, -points.sum(axis=1), 0.0)
    no_go = np.stack(
        [np.where(reason == i, cancel, 0.0) for i in range(len(NO_GO_REASONS))], axis=1
    )
    scale_labels = ("score scale floor", "score kept within 0-100")
    return Contributions(
        labels=tuple(c[0] for c in cols)
        + scale_labels
        + tuple(f"no-go: {r}" for r in NO_GO_REASONS),
        pillars=tuple(c[1] for c in cols) + ("scale", "scale") + ("risk",) * len(NO_GO_REASONS),
        headline=np.array([c[3] for c in cols] + [False, False] + [True] * len(NO_GO_REASONS)),
        points=np.concatenate([points, no_go], axis=1).astype("float32"),
        activity_type=np.array([c[4] for c in cols] + [-1, -1] + [-1] * len(NO_GO_REASONS)),
    )


def _one_row(features: pd.DataFrame | pd.Series) -> pd.DataFrame:
    frame = features.to_frame().T if isinstance(features, pd.Series) else features
    return frame.iloc[:1].reset_index(drop=True)


def explain_lead(features: pd.DataFrame | pd.Series, model: ScoringModel) -> pd.DataFrame:
    """Return one lead's contributions (factor, points, pillar), largest first; sum = its score."""
    parts = contributions(feature_matrix(_one_row(features)), model)
    frame = pd.DataFrame(
        {
            "factor": parts.labels,
            "points": parts.points[0].astype("float64"),
            "pillar": parts.pillars,
        }
    )
    frame = frame[frame["points"].abs() > 1e-9]
    return frame.sort_values("points", key=abs, ascending=False).reset_index(drop=True)


def _format_points(points: np.ndarray) -> pd.Series:
    text = pd.Series(np.round(points, 1)).astype(str)
    return pd.Series(np.where(points >= 0, "+", ""), dtype=object) + text


def _factor_items(
    parts: Contributions,
    col: np.ndarray,
    n_all: np.ndarray,
    n_new: np.ndarray,
    points: np.ndarray,
    shown: np.ndarray,
) -> np.ndarray:
    """Return 'pricing page view ×3 +3.5' per row, '' where the factor is too small to show."""
    kind = parts.activity_type[col]
    detail = np.where(kind < 0, "", " ×" + n_all.astype(str))
    detail = np.where((kind >= 0) & (n_all == n_new), detail + " in 30 days", detail)
    item = (
        pd.Series(np.array(parts.labels, dtype=object)[col]) + detail + " " + _format_points(points)
    )
    return np.where(shown, item, "").astype(object)


def _slot_texts(
    parts: Contributions,
    col: np.ndarray,
    n_all: np.ndarray,
    n_new: np.ndarray,
    points: np.ndarray,
    shown: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return each lead's code into one slot's distinct texts, and those texts."""
    # everything the text reads: factor, counts, points as printed (rounded, with its sign)
    keys = pd.MultiIndex.from_arrays(
        [col, n_all, n_new == n_all, np.round(points, 1), points >= 0, shown]
    )
    codes, _ = keys.factorize()
    first = _first_rows(codes)
    return codes, _factor_items(
        parts, col[first], n_all[first], n_new[first], points[first], shown[first]
    )


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Return, for each code 0..max, the first row holding it."""
    first = np.full(codes.max() + 1 if len(codes) else 0, len(codes), dtype="int64")
    np.minimum.at(first, codes, np.arange(len(codes)))
    return first


def top_factors(matrix: FeatureMatrix, model: ScoringModel, k: int = 3) -> pd.Series:
    """Return per lead its k largest headline contributions: 'pricing page view ×3 +3.5; ...'."""
    parts = contributions(matrix, model)
    size = np.where(parts.headline, np.abs(parts.points), 0.0)
    k = min(k, size.shape[1])
    order = np.argsort(-size, axis=1, kind="stable")[:, :k]
    rows = np.arange(matrix.n)
    totals = _activity_dense(matrix, matrix.pair_buckets.sum(axis=0))
    recent = _activity_dense(matrix, matrix.pair_recent)
    # Texts repeat: each slot's (factor, counts, rounded points) and then each lead's trio of
    # slots are built once per distinct value and taken per lead (1M leads: ~20 s -> ~5 s).
    slot_codes, slot_texts = [], []
    for slot in range(k):
        col = order[:, slot]
        kind = np.maximum(parts.activity_type[col], 0)
        codes, texts = _slot_texts(
            parts,
            col,
            totals[rows, kind].astype("int64"),
            recent[rows, kind].astype("int64"),
            parts.points[rows, col],
            size[rows, col] >= 0.05,
        )
        slot_codes.append(codes)
        slot_texts.append(texts)
    if not slot_codes:
        return pd.Series([""] * matrix.n, dtype=object)
    trio, _ = pd.MultiIndex.from_arrays(slot_codes).factorize()
    first = _first_rows(trio)
    text = pd.Series([""] * len(first), dtype=object)
    for codes, texts in zip(slot_codes, slot_texts, strict=True):
        piece = pd.Series(texts[codes[first]], dtype=object)
        sep = np.where((text != "") & (piece != ""), "; ", "")
        text = text + pd.Series(sep, dtype=object) + piece
    return pd.Series(text.to_numpy()[trio], dtype=object)
