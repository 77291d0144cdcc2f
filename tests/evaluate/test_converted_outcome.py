"""A leads-only export with a converted flag: the outcome recalibration learns, named
"converted", split at random (stratified) when there are no dates to hold the newest out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from lib.cli import main
from lib.evaluate.design import stratified_split
from lib.evaluate.recalibration import recalibrate, recalibration_summary
from lib.ingest import import_sources
from lib.model import default_model
from lib.present.recalibration import counts_caption, period_caption
from lib.store.connection import connect

MAPPING = """
name: Leads only
tables:
  leads:
    file: "leads*.csv"
    columns:
      lead_id: Prospect ID
      industry: Industry
      employees: Employees
      company_name: Company
      converted: Converted
{dated}
"""


def leads_only(folder: Path, n: int = 600, dated: bool = False) -> tuple[Path, Path]:
    """Write a leads-only export: ICP-industry leads convert 60% of the time, others 10%."""
    rng = np.random.default_rng(7)
    folder.mkdir(parents=True, exist_ok=True)
    rows = [["Prospect ID", "Industry", "Employees", "Converted", "Created", "Company"]]
    for i in range(n):
        icp = i % 2 == 0
        converted = rng.random() < (0.6 if icp else 0.1)
        industry = "Computer Software" if icp else "Retail"
        created = f"2024-{1 + i * 12 // n:02d}-{1 + i % 28:02d}"
        rows.append([f"p{i:04d}", industry, "50", str(int(converted)), created, f"Co {i}"])
    with (folder / "leads.csv").open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    mapping = folder / "mapping.yaml"
    mapping.write_text(MAPPING.format(dated="      created_at: Created" if dated else ""))
    return folder / "leads.csv", mapping


def test_a_converted_date_alone_marks_the_lead_converted(tmp_path):
    (tmp_path / "leads.csv").write_text("id,won_on\na,2024-03-01\nb,\n")
    (tmp_path / "m.yaml").write_text(
        "tables:\n  leads:\n    file: 'leads*.csv'\n"
        "    columns: {lead_id: id, converted_at: won_on}\n"
    )
    conn = connect(":memory:")
    import_sources(conn, [tmp_path / "leads.csv"], mapping=tmp_path / "m.yaml")
    assert conn.execute("select lead_id, converted from leads order by 1").fetchall() == [
        ("a", True),
        ("b", False),
    ]


def test_without_deals_recalibration_learns_converted_on_a_random_stratified_split(tmp_path):
    source, mapping = leads_only(tmp_path)
    conn = connect(":memory:")
    import_sources(conn, [source], mapping=mapping)
    converted = conn.execute("select count(*) from leads where converted").fetchall()[0][0]
    result = recalibrate(conn, default_model(), min_closed_deals=100)
    assert (result.outcome, result.split) == ("converted", "random")
    assert result.train_period is None and result.test_period is None
    assert result.leads_with_outcome == 600
    assert result.test_size == 150  # a quarter held out
    # stratified: the held-out share of conversions is the held-out share of leads
    assert result.counts["test_wins"] == round(converted * 0.25)
    # industry is the planted effect: the current model's ICP points already rank it
    assert result.metrics["current"].auc > 0.7
    assert period_caption(result).endswith(
        "drawn at random, stratified by outcome: the data has no dates to hold out the newest, "
        "so this is not an out-of-time test."
    )
    assert "learns the leads' own outcome, converted: 600 leads" in counts_caption(result)
    summary = recalibration_summary(result)
    assert (summary["split"], summary["outcome"]) == ("random", "converted")
    assert summary["test_period"] is None


def test_with_creation_dates_the_newest_leads_are_held_out(tmp_path):
    source, mapping = leads_only(tmp_path, dated=True)
    conn = connect(":memory:")
    import_sources(conn, [source], mapping=mapping)
    result = recalibrate(conn, default_model(), min_closed_deals=100)
    assert (result.outcome, result.split) == ("converted", "out_of_time")
    assert result.train_period is not None and result.test_period is not None
    assert result.train_period[1] <= result.test_period[0]


def test_the_stratified_split_holds_out_each_class_in_proportion():
    import pandas as pd

    deals = pd.DataFrame(
        {"lead_id": [f"l{i:02d}" for i in range(40)], "won": [i < 8 for i in range(40)]}
    )
    train, test = stratified_split(deals, 0.25)
    assert (len(train), len(test)) == (30, 10)
    assert (int(train["won"].sum()), int(test["won"].sum())) == (6, 2)
    assert set(train["lead_id"]).isdisjoint(test["lead_id"])
    again, _ = stratified_split(deals, 0.25)
    assert list(again["lead_id"]) == list(train["lead_id"])  # seeded: a re-run splits alike


def test_recalibrate_json_says_the_split_and_the_outcome(tmp_path, capsys):
    source, mapping = leads_only(tmp_path / "export")
    db = str(tmp_path / "q.duckdb")
    assert main(["import", str(source), "--mapping", str(mapping), "--db", db]) == 0
    capsys.readouterr()
    assert main(["recalibrate", "--db", db, "--json", "--min-deals", "100"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["split"], out["outcome"]) == ("random", "converted")
    assert out["leads_with_outcome"] == 600
    assert out["closed_deals"] == 0


@pytest.mark.parametrize("dated", [False, True])
def test_the_printed_recalibration_names_the_outcome(tmp_path, capsys, dated):
    source, mapping = leads_only(tmp_path / "export", dated=dated)
    db = str(tmp_path / "q.duckdb")
    assert main(["import", str(source), "--mapping", str(mapping), "--db", db]) == 0
    capsys.readouterr()
    out = str(tmp_path / "model.yaml")
    assert main(["recalibrate", "--db", db, "--min-deals", "100", "--out", out, "--force"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Outcome: converted; leads with one 600: train 450")
    assert ("split at random" in first) is not dated
