"""Per-lead scores as a CSV a CRM can re-import (written safely by lib.present.csv_file)."""

from __future__ import annotations

import os

import pandas as pd

from lib.present.csv_file import write_csv

# score column -> (export column, HubSpot custom property, Salesforce custom field).
# The export column is the HubSpot internal name, so a HubSpot import maps without edits.
CRM_PROPERTY_MAP: dict[str, tuple[str, str, str]] = {
    "lead_id": ("record_id", "hs_object_id", "Id"),
    "email": ("email", "email", "Email"),
    "company_name": ("company", "company", "Company"),
    "segment": ("qualify_segment", "qualify_segment", "Qualify_Segment__c"),
    "grade": ("qualify_grade", "qualify_grade", "Qualify_Grade__c"),
    "grade_letter": ("qualify_grade_letter", "qualify_grade_letter", "Qualify_Grade_Letter__c"),
    "behavior_score": (
        "qualify_behavior_score",
        "qualify_behavior_score",
        "Qualify_Behavior_Score__c",
    ),
    "qualification_score": ("qualify_score", "qualify_score", "Qualify_Score__c"),
    "band": ("qualify_band", "qualify_band", "Qualify_Band__c"),
    "stage": ("qualify_stage", "qualify_stage", "Qualify_Stage__c"),
    "framework": ("qualify_framework", "qualify_framework", "Qualify_Framework__c"),
    "playbook": ("qualify_playbook", "qualify_playbook", "Qualify_Playbook__c"),
    "next_action": ("qualify_next_action", "qualify_next_action", "Qualify_Next_Action__c"),
    "sla_due_at": ("qualify_sla_due_at", "qualify_sla_due_at", "Qualify_SLA_Due_At__c"),
    "top_factors": ("qualify_reasons", "qualify_reasons", "Qualify_Reasons__c"),
}
SCORE_DECIMALS = 1


def crm_export_frame(scores: pd.DataFrame) -> pd.DataFrame:
    """Return one row per lead with CRM-named columns (see CRM_PROPERTY_MAP); input not mutated."""
    frame = scores[list(CRM_PROPERTY_MAP)].copy()
    numeric = ["grade", "behavior_score", "qualification_score"]
    frame[numeric] = frame[numeric].astype("float64").round(SCORE_DECIMALS)
    frame["sla_due_at"] = pd.to_datetime(frame["sla_due_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    return frame.rename(columns={k: v[0] for k, v in CRM_PROPERTY_MAP.items()})


def write_crm_csv(scores: pd.DataFrame, path: str | os.PathLike[str]) -> int:
    """Write the CRM export as UTF-8 CSV to `path` and return the number of rows written."""
    return write_csv(crm_export_frame(scores), path)
