from __future__ import annotations

import csv

import pandas as pd
import pytest

from lib.present.csv_file import neutralise_formulas
from lib.present.export import CRM_PROPERTY_MAP, crm_export_frame, write_crm_csv
from lib.scoring import SCORE_COLUMNS


def scores(company: str) -> pd.DataFrame:
    row = {c: "x" for c in SCORE_COLUMNS} | {
        "lead_id": "00Q123",
        "email": "a@b.com",
        "company_name": company,
        "grade": 85.04,
        "behavior_score": 12.26,
        "qualification_score": 66.06,
        "sla_due_at": pd.NaT,
    }
    return pd.DataFrame([row])


@pytest.mark.parametrize(
    "cell, shown",
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Acme = best", "Acme = best"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(cell, shown):
    assert neutralise_formulas(pd.Series([cell])).iloc[0] == shown


def test_malicious_company_name_is_written_as_text(tmp_path):
    path = tmp_path / "out.csv"
    rows = write_crm_csv(scores("=cmd|' /C calc'!A0"), path)
    with open(path, newline="", encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert rows == 1 and written[0]["company"] == "'=cmd|' /C calc'!A0"


def test_export_columns_are_the_crm_property_names_with_the_record_id_kept():
    frame = crm_export_frame(scores("Acme"))
    assert list(frame.columns) == [v[0] for v in CRM_PROPERTY_MAP.values()]
    assert frame.loc[0, "record_id"] == "00Q123"
    assert frame.loc[0, "qualify_score"] == 66.1
    assert CRM_PROPERTY_MAP["qualification_score"][1:] == ("qualify_score", "Qualify_Score__c")
