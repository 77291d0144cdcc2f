"""The mapping file's schema: one JSON Schema for editors, kept current, and strict reading."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from lib.errors import ImportRefused
from lib.ingest.mapping_schema import SCHEMA_PATH, mapping_json_schema, mapping_schema_text
from lib.ingest.spec import BUILT_IN, FORMATS_DIR, spec_from_dict

MAPPINGS = sorted(SCHEMA_PATH.parent.glob("*.yaml"))
FORMAT_FILES = [FORMATS_DIR / f"{fmt}.yaml" for fmt in BUILT_IN]
GOOD = {"tables": {"accounts": {"file": "a.csv", "columns": {"account_id": "Id"}}}}


def test_the_checked_in_json_schema_is_up_to_date():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == mapping_schema_text(), (
        "the mapping schema changed: run `python -m lib.ingest` and commit the schema"
    )


@pytest.mark.parametrize("path", MAPPINGS + FORMAT_FILES, ids=lambda p: p.name)
def test_every_shipped_mapping_points_editors_at_the_schema_and_is_valid_under_it(path: Path):
    text = path.read_text(encoding="utf-8")
    schema = Path("../../../data/mappings") if path in FORMAT_FILES else Path()
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={schema / SCHEMA_PATH.name}"
    jsonschema.Draft202012Validator(mapping_json_schema()).validate(yaml.safe_load(text))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"money_unit": "thousand"}, "money_unit: expected a number, got 'thousand'"),
        ({"decimal": "comma"}, "decimal: must be '.' or ',', got 'comma'"),
        ({"date_format": 12}, "date_format: expected text, got 12"),
        ({"date_order": "DMY"}, "date_order: must be 'dmy' or 'mdy'"),
        ({"money_unit": 0}, "money_unit: must be positive"),
        ({"stages": {"won": ["Won", 5]}}, "stages.won[1]: expected text, got 5"),
        ({"stages": {"won": 5}}, "stages.won: expected text, got 5"),
        ({"stages": {"wom": ["Won"]}}, "stages.wom: unknown field"),
        ({"extends": "sfdc"}, "extends: must be 'salesforce', "),
        ({"currencies": {"EUR": "1.08"}}, "currencies.EUR: expected a number"),
        ({"tables": {"deals": {}}}, "tables.deals: unknown field"),
        (
            {"tables": {"accounts": {"file": "a.csv", "columns": {"account_id": 7}}}},
            "tables.accounts.columns.account_id: give a column name, a list of column names, "
            "or a mapping, got 7",
        ),
        (
            {"tables": {"accounts": {"file": "a.csv", "columns": {"account_id": {"colum": "Id"}}}}},
            "tables.accounts.columns.account_id.colum: unknown field",
        ),
        (
            {"tables": {"accounts": {"file": "a.csv", "id": "rows", "columns": {}}}},
            "tables.accounts.id: must be 'row', got 'rows'",
        ),
    ],
)
def test_a_wrong_value_is_refused_by_its_path_in_the_file(change, named):
    with pytest.raises(ImportRefused) as refused:
        spec_from_dict(GOOD | change, "crm.yaml")
    assert str(refused.value).startswith("crm.yaml: ")
    assert named in str(refused.value)


def test_an_editor_flags_what_the_reader_refuses():
    validator = jsonschema.Draft202012Validator(mapping_json_schema())
    assert validator.is_valid(GOOD)
    for bad in (
        GOOD | {"decimal": "comma"},
        {"tables": {"accounts": {"file": "a.csv", "columns": {"score": "S"}}}},
        GOOD | {"activity_types": {"Demo": "demo"}},
        {"tables": {"accounts": {"file": "a.csv", "columns": {"account_id": {"as": "upper"}}}}},
    ):
        assert not validator.is_valid(bad), bad


def test_more_than_three_problems_are_counted_after_the_first_three():
    with pytest.raises(ImportRefused, match=r"\(and 1 more\)$"):
        spec_from_dict(
            GOOD | {"decimal": "x", "date_order": "x", "money_unit": "x", "date_format": 1}, "m"
        )
