"""The headless commands: score writes the documented CRM columns, kpis prints plain JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from lib.cli import main
from lib.present.export import CRM_PROPERTY_MAP

README = Path(__file__).resolve().parent.parent / "README.md"
EXPORT_COLUMNS = [names[0] for names in CRM_PROPERTY_MAP.values()]


def test_score_writes_one_row_per_lead_with_the_documented_crm_columns(app_db, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main(["score", "--db", str(app_db), "--out", str(out)]) == 0
    scores = pd.read_csv(out, dtype=str)
    assert list(scores.columns) == EXPORT_COLUMNS
    assert len(scores) == 20_000 and scores["record_id"].is_unique
    assert set(scores["qualify_stage"]) == {"lead", "recycled", "mql", "sal", "sql"}
    assert "Scored 20,000 leads" in capsys.readouterr().out


def test_every_export_column_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    assert [c for c in EXPORT_COLUMNS if c not in readme] == []


def test_kpis_json_has_a_row_per_default_segment_and_rates_as_fractions(app_db, capsys):
    assert main(["kpis", "--db", str(app_db), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    segments = [row["segment"] for row in result["by_segment"]]
    assert segments[:3] == ["enterprise", "mid_market", "smb"]
    for row in [*result["by_segment"], result["overall"]]:
        assert 0 <= row["win_rate"] <= 1
        assert row["win_rate_ci"][0] <= row["win_rate"] <= row["win_rate_ci"][1]
    assert result["overall"]["won"] == sum(row["won"] for row in result["by_segment"])


def test_a_refused_command_exits_2_with_the_message_and_no_traceback(tmp_path, capsys):
    empty = tmp_path / "Lead.csv"
    empty.write_text("")
    assert main(["import", str(empty), "--db", str(tmp_path / "q.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "Lead.csv" in err and "empty" in err and "Traceback" not in err
