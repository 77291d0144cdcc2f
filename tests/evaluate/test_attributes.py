"""Each kept attribute's conversion by level on the training leads, and leakage flagged."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib.evaluate.attributes import BLANK, OTHER, level_auc
from lib.evaluate.recalibration import recalibrate, recalibration_summary
from lib.ingest import import_sources
from lib.model import default_model
from lib.store.connection import connect

MAPPING = """
tables:
  leads:
    file: "leads*.csv"
    columns: {lead_id: Prospect ID, company_name: Company, industry: Industry, converted: Converted}
    attributes: [Source, Tags, Visitor ID]
"""


def planted(folder: Path, n: int = 800) -> tuple[Path, Path]:
    """Leads whose Source carries a planted effect (Reference 60%, Google 20%, a third blank at
    20%), Tags a planted leak (Closed exactly when converted), Visitor ID unique per lead."""
    rng = np.random.default_rng(11)
    rows = [["Prospect ID", "Company", "Industry", "Converted", "Source", "Tags", "Visitor ID"]]
    for i in range(n):
        source = ("Reference", "Google", "")[i % 3]
        converted = rng.random() < {"Reference": 0.6, "Google": 0.2, "": 0.2}[source]
        tags = "Closed" if converted else ("Ringing", "Busy")[i % 2]
        rows.append([f"p{i:04d}", f"Co {i}", "Retail", str(int(converted)), source, tags, f"v{i}"])
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "leads.csv").open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    (folder / "mapping.yaml").write_text(MAPPING)
    return folder / "leads.csv", folder / "mapping.yaml"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    source, mapping = planted(tmp_path_factory.mktemp("planted"))
    conn = connect(":memory:")
    import_sources(conn, [source], mapping=mapping)
    return recalibrate(conn, default_model(), min_closed_deals=100)


def test_levels_count_every_training_lead_once_per_attribute(result):
    levels = result.attribute_levels
    for name in ("Source", "Tags", "Visitor ID"):
        rows = levels[levels["name"] == name]
        assert rows["leads"].sum() == result.train_size
        assert rows["wins"].sum() == result.counts["train_wins"]
    source = levels[levels["name"] == "Source"].set_index("level")
    assert set(source.index) == {"Reference", "Google", BLANK}  # blank is a level of its own
    assert source.loc["Reference", "rate"] > source.loc["Google", "rate"]
    # a unique ID has no level of 30 leads: pooled, it says nothing
    assert list(levels[levels["name"] == "Visitor ID"]["level"]) == [OTHER]


def test_the_planted_leak_is_flagged_and_the_planted_effect_is_not(result):
    summary = result.attributes.set_index("name")
    assert summary.loc["Tags", "auc"] == pytest.approx(1.0)
    assert bool(summary.loc["Tags", "likely_leakage"])
    assert 0.6 < summary.loc["Source", "auc"] < 0.9
    assert not bool(summary.loc["Source", "likely_leakage"])
    assert summary.loc["Visitor ID", "auc"] == pytest.approx(0.5)
    assert any(f.startswith("Likely leakage: Tags (AUC 1.00 alone)") for f in result.findings)
    listed = {a["name"]: a for a in recalibration_summary(result)["attributes"]}
    assert listed["Tags"]["likely_leakage"] is True
    assert {lv["level"] for lv in listed["Source"]["levels"]} == {"Reference", "Google", BLANK}


def test_the_auc_of_levels_counts_ties_half():
    levels = pd.DataFrame({"leads": [2, 2], "wins": [1, 0]}).assign(rate=lambda f: f.wins / f.leads)
    # the win sits above both losses of the 0% level and ties the loss of its own: (2 + 0.5) / 3
    assert level_auc(levels) == pytest.approx(2.5 / 3)
    perfect = pd.DataFrame({"leads": [10, 10], "wins": [10, 0]}).assign(rate=[1.0, 0.0])
    assert level_auc(perfect) == 1.0
