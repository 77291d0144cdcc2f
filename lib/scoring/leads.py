"""The full per-lead score frame (for the Leads page and the CRM export) and the account roll-up."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.model import STAGES, ScoringModel
from lib.scoring.explain import top_factors
from lib.scoring.matrix import STAGE_CODES, feature_matrix
from lib.scoring.pillars import score_arrays

SCORE_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "account_id",
    "email",
    "company_name",
    "segment",
    "grade",
    "grade_letter",
    "behavior_score",
    "fit",
    "value",
    "urgency",
    "authority",
    "risk",
    "qualification_score",
    "band",
    "stage",
    "framework",
    "playbook",
    "next_action",
    "sla_due_at",
    "top_factors",
)


def grade_letters(grade: np.ndarray, model: ScoringModel) -> np.ndarray:
    """Return the letter per grade: the best letter whose minimum the grade reaches."""
    letters = sorted(model.grade.letters.items(), key=lambda kv: -kv[1])
    return np.select(
        [grade >= lo for _, lo in letters], [name for name, _ in letters], default=letters[-1][0]
    )


def sla_due(features: pd.DataFrame, stage: np.ndarray, hours: np.ndarray) -> pd.Series:
    """Return when sales must accept or reject each MQL (MQL time, else as of, + SLA hours)."""
    start = pd.to_datetime(features["mql_at"]).fillna(pd.to_datetime(features["as_of"]))
    due = start.reset_index(drop=True) + pd.to_timedelta(hours, unit="h")
    return due.where(stage == STAGE_CODES["mql"])


def score_leads(features: pd.DataFrame, model: ScoringModel) -> pd.DataFrame:
    """Return one row per lead with every score field in SCORE_COLUMNS; input not mutated."""
    matrix = feature_matrix(features)
    s = score_arrays(matrix, model)
    seg = s.segment_code
    per_segment = {
        a: np.array([getattr(model.policy_for(n), a) for n in s.segment_names], dtype=object)
        for a in ("playbook", "sla_hours")
    }
    actions = np.array(
        [[model.policy_for(n).next_actions[st] for st in STAGES] for n in s.segment_names],
        dtype=object,
    )
    ids = features[["lead_id", "account_id", "email", "company_name"]].reset_index(drop=True)
    return ids.assign(
        segment=np.array(s.segment_names, dtype=object)[seg],
        grade=s.grade,
        grade_letter=grade_letters(s.grade, model),
        behavior_score=s.behavior_score,
        fit=s.fit,
        value=s.value,
        urgency=s.urgency,
        authority=s.authority,
        risk=s.risk,
        qualification_score=s.qualification_score,
        band=np.array(s.band_names, dtype=object)[s.band_code],
        stage=np.array(STAGES, dtype=object)[s.stage_code],
        framework=np.array(s.framework_names, dtype=object)[s.framework_code],
        playbook=per_segment["playbook"][seg],
        next_action=actions[seg, s.stage_code],
        sla_due_at=sla_due(features, s.stage_code, per_segment["sla_hours"][seg].astype(float)),
        top_factors=top_factors(matrix, model),
    )[list(SCORE_COLUMNS)]


def account_rollup(
    scores: pd.DataFrame, features: pd.DataFrame, model: ScoringModel
) -> pd.DataFrame:
    """Return one row per account: best score, engaged people, roles, group coverage, stage."""
    frame = pd.DataFrame(
        {
            "account_id": scores["account_id"].to_numpy(),
            "segment": scores["segment"].to_numpy(),
            "qualification_score": scores["qualification_score"].to_numpy(),
            "stage_code": scores["stage"].map(STAGE_CODES).to_numpy(),
            "engaged": features["touched_recently"].fillna(False).to_numpy(dtype=bool),
            "department": features["department"]
            .where(features["department"] != "other")
            .to_numpy(),
        }
    ).dropna(subset=["account_id"])
    engaged_departments = frame["department"].where(frame["engaged"])
    out = (
        frame.assign(engaged_department=engaged_departments)
        .groupby("account_id")
        .agg(
            segment=("segment", "first"),
            leads=("qualification_score", "size"),
            best_score=("qualification_score", "max"),
            engaged_people=("engaged", "sum"),
            distinct_departments=("engaged_department", "nunique"),
            stage_code=("stage_code", "max"),
        )
    )
    segments = out["segment"].unique()
    # as integers even with no account (an empty map would come back as text)
    low = out["segment"].map({s: model.policy_for(s).buying_group_min for s in segments})
    low = low.astype("int64")
    high = out["segment"].map({s: model.policy_for(s).buying_group_max for s in segments})
    high = high.astype("int64")
    return (
        out.reset_index()
        .assign(
            buying_group_min=low.to_numpy(),
            buying_group_max=high.to_numpy(),
            coverage_ratio=(out["engaged_people"] / ((low + high) / 2)).to_numpy(),
            account_stage=np.array(STAGES, dtype=object)[out["stage_code"].to_numpy()],
        )
        .drop(columns="stage_code")
    )
