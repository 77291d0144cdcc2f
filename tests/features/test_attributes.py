"""Lead attributes read typed by lead, and rules naming an attribute the data does not hold."""

from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pytest

from lib.features.attributes import (
    attribute_series,
    kept_attributes,
    missing_attributes,
    missing_attributes_text,
    unheld_attributes_text,
)
from lib.ingest import import_sources
from lib.model import AttributeRule, default_model
from lib.store.connection import connect

ROWS = [
    ["Prospect ID", "Company", "Lead Source", "TotalVisits", "Newsletter", "Signed Up"],
    ["a1", "Acme", "Reference", "12", "Yes", "2024-03-01"],
    ["a2", "Bolt", "Google", "3", "No", ""],
    ["a3", "Core", "", "", "No", "2024-05-02"],
]
MAPPING = """
tables:
  leads:
    file: "leads*.csv"
    columns: {lead_id: Prospect ID, company_name: Company}
    attributes: all
"""


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("attributes")
    with (folder / "leads.csv").open("w", newline="") as f:
        csv.writer(f).writerows(ROWS)
    (folder / "mapping.yaml").write_text(MAPPING)
    db = connect(":memory:")
    import_sources(db, [folder / "leads.csv"], mapping=folder / "mapping.yaml")
    return db


def ruled(*names: str):
    return replace(default_model(), attribute_rules=tuple(AttributeRule(n, 1.0) for n in names))


def test_the_catalog_lists_each_kept_lead_attribute_with_its_kind_and_fill(conn):
    catalog = kept_attributes(conn)
    assert dict(
        zip(catalog["name"], zip(catalog["kind"], catalog["filled"], strict=True), strict=True)
    ) == {  # fmt: skip
        "Lead Source": ("category", 2),
        "Newsletter": ("boolean", 3),
        "Signed Up": ("date", 2),
        "TotalVisits": ("number", 2),
    }


def test_values_come_typed_by_lead_and_a_missing_attribute_is_empty(conn):
    values = attribute_series(conn, ["TotalVisits", "Newsletter", "Signed Up", "Lead Source", "X"])
    assert values["TotalVisits"].to_dict() == {"a1": 12.0, "a2": 3.0}
    assert values["Newsletter"].to_dict() == {"a1": 1.0, "a2": 0.0, "a3": 0.0}
    assert values["Signed Up"].to_dict() == {"a1": "2024-03-01", "a3": "2024-05-02"}
    assert values["Lead Source"].to_dict() == {"a1": "Reference", "a2": "Google"}
    assert values["X"].empty
    assert values["TotalVisits"].dtype == np.float64


def test_no_names_asks_nothing():
    assert attribute_series(None, []) == {}  # type: ignore[arg-type]  # no query is run


def test_a_rule_on_an_attribute_not_held_is_named_with_the_closest_kept_name():
    model = ruled("Lead Source", "lead source ", "Budget")
    assert missing_attributes(model, ["Lead Source"]) == ("Budget", "lead source ")
    text = missing_attributes_text(model, ["Lead Source", "TotalVisits"])
    assert text is not None
    assert "attributes 'Budget', 'lead source ' (did you mean 'Lead Source'?)" in text
    assert "match only blank: true" in text and "under attributes: in the mapping" in text


def test_a_model_whose_rules_the_data_holds_gets_no_warning(conn):
    assert missing_attributes_text(ruled("TotalVisits"), ["TotalVisits"]) is None
    assert unheld_attributes_text(conn, ruled("TotalVisits", "Newsletter")) is None
    assert "'Totalvisits' (did you mean 'TotalVisits'?)" in (
        unheld_attributes_text(conn, ruled("Totalvisits")) or ""
    )


def test_a_model_without_rules_is_not_checked_against_the_data():
    assert unheld_attributes_text(None, default_model()) is None  # type: ignore[arg-type]
