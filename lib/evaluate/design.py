"""What a recalibration fits on: closed deals with point-in-time features, and the design matrix."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy import linalg

from lib.errors import RecalibrationError
from lib.evaluate.attribute_fit import LEVEL_PREFIX
from lib.features import AGE_BUCKET_NAMES, bucket_column, decay_weights
from lib.metrics.stats import SMALL_SAMPLE
from lib.model import (
    PILLARS,
    ScoringModel,
)
from lib.scoring import (
    FeatureMatrix,
    feature_matrix,
    grade_parts,
    risk_parts,
    score_arrays,
    segment_codes,
)
from lib.scoring.parts import (
    BLANK_FIRMOGRAPHICS,
    BOUNCED,
    ENGAGED_COLLEAGUES,
    ICP_INDUSTRY,
    PART_LABELS,
    SIZE_FITS,
    STALE,
    WRONG_SIZE,
)
from lib.store.connection import run_query

MIN_CLOSED_DEALS = 500  # DESIGN.md: below about 500 closed deals a fitted model is not trusted
MIN_WINS_PER_INPUT = 10  # fewer wins per fitted input and a logistic fit learns noise
MIN_TEST_WINS = 30  # fewer held-out wins and the held-out AUC says little
COLLINEAR_R2 = 0.999  # an input its fellow inputs explain this well adds nothing but noise
PILLAR_LABELS = {
    "fit": "fit pillar (grade)",
    "value": "value pillar (deal size)",
    "urgency": "urgency pillar (behaviour)",
    "authority": "authority pillar",
    "risk": "risk pillar (100 = no risk)",
}
# scoring parts fitted as 0/1 flags, by the pillar they come from; a flag's name is its part key
FLAG_PARTS = {
    ICP_INDUSTRY: "grade",
    SIZE_FITS: "grade",
    WRONG_SIZE: "grade",
    STALE: "risk",
    BOUNCED: "risk",
    BLANK_FIRMOGRAPHICS: "risk",
}
# No flag for recent competitor research: the decayed competitor-research count carries it, and
# both together fit as a +/- pair (+4.2 per event, -4.2 for the flag on the sample) whose net
# effect a points table cannot express.
# Standing alone in a table of signals, two read longer than in a lead's explanation.
FLAG_LABELS = {key: PART_LABELS[key] for key in FLAG_PARTS} | {
    SIZE_FITS: "company size fits its segment",
    ENGAGED_COLLEAGUES: "engaged colleagues on the account",
}


def deal_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return closed_deals and won_deals in the data, closed_deals_with_lead (those a fit can
    learn from) and undated_bounces (bounced leads whose bounce cannot be placed in time)."""
    row = run_query(conn, "evaluate/deal_counts").iloc[0]
    return {str(k): int(v) for k, v in row.items()}


def learned_outcome(counts: dict[str, int], history: pd.DataFrame) -> str:
    """Return what a recalibration learns: "won" (closed deals) when any closed deal has a
    source lead; else "converted" when leads record their own outcome (a leads-only export)."""
    if counts["closed_deals_with_lead"] == 0 and history["converted"].notna().any():
        return "converted"
    return "won"


def training_frame(
    conn: duckdb.DuckDBPyConnection, history: pd.DataFrame, outcome: str = "won"
) -> pd.DataFrame:
    """Return the leads of `history` (history_features: each lead at its routing moment) with
    an outcome: their point-in-time features, won, lost and close_date. For "won" that is a
    closed deal; for "converted" the lead's own flag, `won` meaning converted and close_date
    the lead's creation (NaT where the export has none), so the newest leads are held out."""
    if outcome == "converted":
        known = history[history["converted"].notna()]
        converted = known["converted"].astype(bool)
        return known.assign(
            won=converted, lost=~converted, close_date=pd.to_datetime(known["created_at"])
        ).reset_index(drop=True)
    # closed_on is the source (latest) opportunity's; a lead whose closed deal is an older one
    # still gets a date from its last closed opportunity.
    closed = run_query(conn, "evaluate/closed_deals").set_index("lead_id")["close_date"]
    # reindex, not map: mapping through an empty series of dates fails to cast
    latest = pd.Series(closed.reindex(history["lead_id"]).to_numpy(), index=history.index)
    close_date = pd.to_datetime(history["closed_on"]).fillna(pd.to_datetime(latest))
    frame = history.assign(close_date=close_date)
    return frame[frame["won"] | frame["lost"]].reset_index(drop=True)


def out_of_time_split(deals: pd.DataFrame, test_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (train, test): deals sorted by close date, the newest `test_share` held out."""
    if not 0 < test_share < 1:
        raise RecalibrationError(f"test_share must be between 0 and 1, got {test_share}")
    ordered = deals.sort_values(["close_date", "lead_id"], kind="stable").reset_index(drop=True)
    n_test = int(round(len(ordered) * test_share))
    cut = len(ordered) - n_test
    return ordered.iloc[:cut].reset_index(drop=True), ordered.iloc[cut:].reset_index(drop=True)


def stratified_split(
    deals: pd.DataFrame, test_share: float, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (train, test) drawn at random, `test_share` of the wins and of the others each
    held out (seeded, so a re-run splits alike): for outcomes without dates to order by."""
    if not 0 < test_share < 1:
        raise RecalibrationError(f"test_share must be between 0 and 1, got {test_share}")
    ordered = deals.sort_values("lead_id", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    held = np.zeros(len(ordered), dtype=bool)
    for outcome in (True, False):
        rows = np.flatnonzero(ordered["won"].astype(bool).to_numpy() == outcome)
        held[rng.permutation(rows)[: int(round(len(rows) * test_share))]] = True
    # the training rows are shuffled too: cross-validation folds them in order
    train = ordered[~held].iloc[rng.permutation(int((~held).sum()))]
    return train.reset_index(drop=True), ordered[held].reset_index(drop=True)


def activity_signals(model: ScoringModel) -> list[str]:
    """Return the activity types the model scores (behaviour then intent)."""
    return list(model.activity_points())


def decayed_counts(features: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Return per lead and scored activity type its decayed events, capped where points cap."""
    weights = decay_weights(model.half_life_days)
    out = {}
    for activity, rule in model.activity_points().items():
        counts = features[[bucket_column(activity, b) for b in AGE_BUCKET_NAMES]]
        decayed = counts.to_numpy(dtype="float64") @ weights
        # events past the cap add nothing to the score, so they must add nothing here either
        limit = rule.cap / abs(rule.points) if rule.points else np.inf
        out[activity] = np.minimum(decayed, limit)
    return pd.DataFrame(out, index=features.index)


def signal_flags(
    features: pd.DataFrame, matrix: FeatureMatrix, model: ScoringModel
) -> pd.DataFrame:
    """Return per lead the 0/1 grade and risk flags, one seniority flag per rule, colleagues."""
    seg, names = segment_codes(matrix, model)
    parts = {
        "grade": grade_parts(matrix, model, seg, names),
        "risk": risk_parts(matrix, model, seg, names),
    }
    flags = {key: (parts[kind][key] != 0).astype("float64") for key, kind in FLAG_PARTS.items()}
    seniority = features["seniority"].to_numpy()
    for rule in model.grade.seniority:
        flags[f"seniority_{rule.name}"] = (seniority == rule.name).astype("float64")
    flags[ENGAGED_COLLEAGUES] = matrix.engaged_colleagues.astype("float64")
    return pd.DataFrame(flags, index=features.index)


def design_matrix(features: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Return one row per lead: the five pillars under `model`, decayed activity, flags."""
    matrix = feature_matrix(features)
    scores = score_arrays(matrix, model)
    pillars = pd.DataFrame(
        {p: getattr(scores, p).astype("float64") for p in PILLARS}, index=features.index
    )
    return pd.concat(
        [pillars, decayed_counts(features, model), signal_flags(features, matrix, model)], axis=1
    )


def signal_label(signal: str, model: ScoringModel) -> str:
    """Return the words people use for a design-matrix column."""
    if signal in PILLAR_LABELS:
        return PILLAR_LABELS[signal]
    if signal.startswith(LEVEL_PREFIX):
        return signal.removeprefix(LEVEL_PREFIX)
    if signal in model.activity_points():
        words = signal.replace("_", " ")
        return words + " events" if words.endswith("research") else words + "s"
    if signal.startswith("seniority_"):
        rules = {r.name: r.label for r in model.grade.seniority}
        return rules.get(signal.removeprefix("seniority_"), signal)
    return FLAG_LABELS.get(signal, signal.replace("_", " "))


def support(x: pd.DataFrame) -> pd.Series:
    """Return per design column how many leads show the signal (a non-zero value)."""
    return (x != 0).sum().astype("int64")


def _explained(target: np.ndarray, others: np.ndarray) -> float:
    """Return the R-squared of a least-squares fit of target on others and a constant."""
    design = np.column_stack([np.ones(len(target)), others])
    fitted = design @ np.linalg.lstsq(design, target, rcond=None)[0]
    spread = float(np.sum((target - target.mean()) ** 2))
    return 1.0 - float(np.sum((target - fitted) ** 2)) / spread if spread > 0 else 1.0


def independent_columns(x: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """Return the columns to fit and {dropped column: why}: signals seen on fewer than
    SMALL_SAMPLE training leads (their effect would be a handful of deals' noise, and each
    fitted input needs its share of wins), then each pillar the other inputs explain
    (R-squared >= COLLINEAR_R2, as the urgency pillar is a capped sum of the activity counts),
    then any column exactly in the span of those before it."""
    seen = support(x)
    dropped = {
        c: f"seen on {seen[c]} training leads (< {SMALL_SAMPLE})"
        for c in x.columns
        if seen[c] < SMALL_SAMPLE or x[c].nunique() < 2
    }
    # attribute levels are fitted all together (no reference level, the penalty makes them
    # identifiable: lib.evaluate.attribute_fit), so they stay out of the collinearity checks
    levels = [c for c in x.columns if c not in dropped and str(c).startswith(LEVEL_PREFIX)]
    kept = [c for c in x.columns if c not in dropped and c not in levels]
    for pillar in [p for p in PILLARS if p in kept]:
        others = [c for c in kept if c != pillar]
        r2 = _explained(x[pillar].to_numpy(dtype="float64"), x[others].to_numpy(dtype="float64"))
        if r2 >= COLLINEAR_R2:
            kept.remove(pillar)
            dropped[pillar] = f"the other inputs explain it (R² {r2:.4f})"
    scaled = (x[kept] - x[kept].mean()) / x[kept].std(ddof=0)
    _, r, pivot = linalg.qr(scaled.to_numpy(dtype="float64"), mode="economic", pivoting=True)
    diagonal = np.abs(np.diag(r))
    rank = int(np.sum(diagonal > diagonal[0] * 1e-9)) if len(diagonal) else 0
    for position in sorted(pivot[rank:]):
        dropped[kept[position]] = "a combination of other inputs"
    independent = [c for i, c in enumerate(kept) if i in set(pivot[:rank])]
    return independent + levels, dropped
