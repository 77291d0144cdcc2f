"""The headless commands: score writes the documented CRM columns, kpis prints plain JSON."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from lib.cli import main
from lib.features.files import read_feature_file
from lib.model import default_model, save_model, with_half_life
from lib.present.export import CRM_PROPERTY_MAP
from lib.store.workspace import open_workspace
from tests.store.exports import salesforce_export, workspace_fingerprint

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


def test_an_import_that_would_shrink_the_data_exits_2_with_counts_until_replace(
    app_db, tmp_path, capsys
):
    before = workspace_fingerprint(open_workspace(app_db))
    export = salesforce_export(tmp_path / "small", tag="small")
    assert main(["import", str(export), "--db", str(app_db)]) == 2
    err = capsys.readouterr().err
    assert "leads 20,000 -> 3 rows" in err and "run again with --replace" in err
    assert "  leads              20,000          3" in err
    assert workspace_fingerprint(open_workspace(app_db)) == before
    assert main(["import", str(export), "--db", str(app_db), "--replace"]) == 0
    assert "leads                   3 rows" in capsys.readouterr().out


def test_datasets_lists_the_kept_ones_and_restore_data_brings_one_back(app_db, tmp_path, capsys):
    export = salesforce_export(tmp_path / "small", tag="small")
    assert main(["import", str(export), "--db", str(app_db), "--replace"]) == 0
    capsys.readouterr()
    assert main(["datasets", "--db", str(app_db)]) == 0
    current, earlier = capsys.readouterr().out.splitlines()
    assert current.startswith("current") and current.endswith(" 12 records")
    assert earlier.endswith("228,995 records") and "salesforce" in earlier
    version = earlier.split()[0]
    assert main(["restore-data", "--db", str(app_db), "--version", version]) == 0
    out = capsys.readouterr().out
    assert f"Restored dataset {version}" in out
    assert "  leads                   3     20,000" in out
    assert main(["kpis", "--db", str(app_db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["overall"]["won"] > 3


def test_publish_states_its_base_version_and_is_refused_when_another_came_first(
    app_db, tmp_path, capsys
):
    model = tmp_path / "model.yaml"
    save_model(with_half_life(default_model(), 14), model)
    publish = ["publish", str(model), "--db", str(app_db), "--author", "cron"]
    assert main([*publish, "--based-on", "0"]) == 0
    assert "as model version 1" in capsys.readouterr().out
    assert main([*publish, "--based-on", "0"]) == 2
    assert "Not published: you started from the default model" in capsys.readouterr().err
    assert main(["score", "--db", str(app_db), "--out", str(tmp_path / "s.csv")]) == 0
    assert "with model version 1" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["kpis"], ["score", "--out", "s.csv"], ["datasets"]])
def test_a_command_that_reads_refuses_a_workspace_that_does_not_exist(tmp_path, capsys, command):
    missing = tmp_path / "typo.duckdb"
    assert main([command[0], "--db", str(missing), *command[1:]]) == 2
    assert "There is no workspace at" in capsys.readouterr().err
    assert not missing.exists()


def test_the_cli_acts_as_its_os_user_and_log_lists_what_it_did(app_db, tmp_path, capsys):
    from lib.access import os_user

    model = tmp_path / "model.yaml"
    save_model(with_half_life(default_model(), 14), model)
    publish = ["publish", str(model), "--db", str(app_db), "--based-on", "0", "--note", "nightly"]
    assert main([*publish, "--author", "cron"]) == 0
    assert main(["score", "--db", str(app_db), "--out", str(tmp_path / "s.csv")]) == 0
    capsys.readouterr()
    assert main(["log", "--db", str(app_db), "--json"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert [(r["Action"], r["Who"], r["Via"]) for r in log[:2]] == [
        ("download", os_user(), "command line"),
        ("publish", os_user(), "command line"),
    ]
    assert log[0]["After"] == "20,000 records" and log[0]["What"].startswith("score file ")
    assert (log[1]["Name given"], log[1]["Note"]) == ("cron", "nightly")
    assert log[1]["Before"] == "the default model" and log[1]["After"] == "version 1"
    assert main(["log", "--db", str(app_db)]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split()[:4] == ["When", "(UTC)", "Who", "Via"] and len(rows) == len(log)


@pytest.mark.parametrize("named", ["Mid-market", "MID_MARKET", "mid_market", " mid-MARKET "])
def test_kpis_take_a_segment_by_name_or_label_in_any_case(app_db, capsys, named):
    assert main(["kpis", "--db", str(app_db), "--json", "--segment", named]) == 0
    rows = json.loads(capsys.readouterr().out)["by_segment"]
    assert [row["segment"] for row in rows] == ["mid_market"]


def test_kpis_refuse_a_segment_the_model_does_not_have_naming_the_ones_it_has(app_db, capsys):
    assert main(["kpis", "--db", str(app_db), "--segment", "Large"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown segment 'Large'; the model's: enterprise (Enterprise)")


def test_an_unexpected_error_is_one_line_and_its_traceback_comes_with_debug(
    app_db, capsys, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("lib.cli.kept_datasets", broken)
    assert main(["datasets", "--db", str(app_db)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unexpected RuntimeError: disk on fire" in err
    assert "--debug" in err and "Traceback" not in err
    for debug in (["--debug", "datasets"], ["datasets", "--debug"]):
        with pytest.raises(RuntimeError, match="disk on fire"):
            main([*debug, "--db", str(app_db)])


def test_the_kpis_table_groups_thousands(app_db, capsys):
    assert main(["kpis", "--db", str(app_db)]) == 0
    overall = capsys.readouterr().out.splitlines()[-1]
    assert re.match(r"overall +won +\d{1,3}(,\d{3})+ lost +\d{1,3}(,\d{3})+ ", overall)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--tables", "DIR"], "--tables need --engine spark"),
        (["--engine", "spark"], "reads --tables DIR or --spark-tables"),
        (["--engine", "spark", "--tables", "D", "--spark-tables", "c.s"], "not both"),
        (
            ["--engine", "spark", "--tables", "D", "--spark-master", "local[2]"]
            + ["--spark-remote", "sc://h:15002"],
            "--spark-master or --spark-remote",
        ),
    ],
)
def test_engine_options_that_do_not_go_together_are_refused_before_anything_runs(
    flags, message, capsys
):
    with pytest.raises(SystemExit) as exited:
        main(["kpis", "--json", *flags])
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_an_unreachable_spark_connect_server_exits_2_naming_it_without_a_traceback(
    tmp_path, capsys
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = [
        "--engine",
        "spark",
        "--tables",
        str(tmp_path),
        "--spark-remote",
        f"sc://127.0.0.1:{port}",
    ]
    assert main(["kpis", "--json", *args]) == 2
    err = capsys.readouterr().err
    assert f"No Spark Connect server answers at sc://127.0.0.1:{port}" in err
    assert "Traceback" not in err


def test_export_tables_writes_each_canonical_table_with_its_rows_and_logs_it(
    app_db, tmp_path, capsys
):
    out = tmp_path / "tables"
    assert main(["export-tables", "--db", str(app_db), "--out", str(out)]) == 0
    assert pq.read_metadata(out / "leads.parquet").num_rows == 20_000
    assert pq.read_metadata(out / "activities.parquet").num_rows == 199_995
    assert "opportunities       5,000 rows" in capsys.readouterr().out
    assert main(["log", "--db", str(app_db), "--json"]) == 0
    newest = json.loads(capsys.readouterr().out)[0]
    rows = sum(pq.read_metadata(f).num_rows for f in out.glob("*.parquet"))
    assert (newest["Action"], newest["What"]) == ("download", f"tables {out}")
    assert newest["After"] == f"{rows:,} records"


def test_features_writes_a_file_that_reads_back_with_every_lead_and_logs_it(
    app_db, tmp_path, capsys
):
    out = tmp_path / "features.parquet"
    assert main(["features", "--db", str(app_db), "--out", str(out)]) == 0
    frame, about, warnings = read_feature_file(out, default_model())
    assert len(frame) == 20_000 and frame["lead_id"].is_unique
    assert (about.moment, about.engine, about.leads) == ("routing", "duckdb", 20_000)
    assert "Measured 20,000 leads at routing on duckdb" in capsys.readouterr().out
    assert main(["log", "--db", str(app_db), "--json"]) == 0
    newest = json.loads(capsys.readouterr().out)[0]
    assert (newest["What"], newest["After"]) == (f"feature file {out}", "20,000 records")


def test_publish_and_score_warn_by_name_about_a_rule_on_an_attribute_the_data_lacks(
    app_db, tmp_path, capsys
):
    from dataclasses import replace

    from lib.model import AttributeRule

    model = tmp_path / "model.yaml"
    rule = AttributeRule("Rating__c", 10.0, equals="Hot")  # the sample keeps no such column
    save_model(replace(default_model(), attribute_rules=(rule,)), model)
    assert main(["publish", str(model), "--db", str(app_db), "--based-on", "0"]) == 0
    published = capsys.readouterr()
    assert "as model version 1" in published.out
    assert "warning: The model's rules read the attribute 'Rating__c'" in published.err
    assert main(["score", "--db", str(app_db), "--out", str(tmp_path / "s.csv")]) == 0
    scored = capsys.readouterr()
    assert "'Rating__c', which this data does not hold" in scored.err
    assert "Scored 20,000 leads" in scored.out
    plain = tmp_path / "plain.yaml"
    save_model(default_model(), plain)
    score_plain = ["score", "--db", str(app_db), "--out", str(tmp_path / "s.csv")]
    assert main([*score_plain, "--model", str(plain)]) == 0
    assert "warning" not in capsys.readouterr().err
