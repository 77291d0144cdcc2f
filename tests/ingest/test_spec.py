"""What a mapping must say beyond its schema: known columns, required fields, sound links."""

from __future__ import annotations

import pytest

from lib.errors import ImportRefused
from lib.ingest.spec import BUILT_IN, built_in_spec, spec_from_dict


def opportunities(columns: dict, **rule) -> dict:
    """Return a mapping with one opportunities file rule of these columns."""
    return {
        "stages": {"won": ["Won"], "lost": ["Lost"]},
        "tables": {"opportunities": {"file": "deals.csv", "columns": columns, **rule}},
    }


DEAL = {"opportunity_id": "Id", "stage": "Stage", "close_date": "Closed"}


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            opportunities({"opportunity_id": "Id", "stage": "Stage"}),
            "tables.opportunities: opportunities.close_date is not mapped",
        ),
        (
            opportunities({"stage": "Stage", "close_date": "Closed"}),
            "tables.opportunities: opportunities.opportunity_id is not mapped",
        ),
        (
            opportunities({"opportunity_id": "Id", "close_date": "Closed"}),
            "opportunities.stage is not mapped (nor is_won)",
        ),
        (
            {"tables": {"activities": {"file": "a.csv", "columns": {"lead_id": "Who"}}}},
            "tables.activities: activities.activity_type is not mapped",
        ),
        (
            {"tables": {"leads": {"file": "l.csv", "columns": {"email": "Email"}}}},
            "tables.leads: leads.lead_id is not mapped",
        ),
    ],
)
def test_a_required_field_left_unmapped_is_named_as_not_mapped(mapping, message):
    with pytest.raises(ImportRefused, match="crm.yaml") as refused:
        spec_from_dict(mapping, "crm.yaml")
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("columns", "rule", "message"),
    [
        (DEAL | {"score": "S"}, {}, "unknown column 'score'"),
        (DEAL | {"_rank": "R"}, {}, "unknown column '_rank'"),
        (DEAL | {"name": {"column": "A", "columns": ["B"]}}, {}, "give 'column' or 'columns', not"),
        (DEAL | {"name": {"as": "constant"}}, {}, "`as: constant` needs a `value`"),
        (DEAL | {"name": {"optional": True}}, {}, "give 'column' or 'columns'"),
        (
            DEAL | {"lead_id": {"column": "L", "as": "first_of_list", "values": {"a": "b"}}},
            {},
            "a value map reads plain values, not `as: first_of_list`",
        ),
        (DEAL, {"id": "row"}, "with `id: row` each row is its own record; drop opportunity_id"),
        (DEAL, {"detect": ["Id"]}, "give 'file' or 'detect', not both"),
        (DEAL | {"created_at": {"linked": "lead.created_at"}}, {}, "give table.field"),
        (DEAL | {"created_at": {"linked": "activities.occurred_at"}}, {}, "not activities"),
        (DEAL | {"created_at": {"linked": "leads.email"}}, {}, "leads.email is a VARCHAR"),
        (DEAL | {"_currency": {"linked": "accounts.country"}}, {}, "are read, not linked"),
    ],
)
def test_a_column_the_engine_cannot_read_is_refused_by_its_path(columns, rule, message):
    with pytest.raises(ImportRefused) as refused:
        spec_from_dict(opportunities(columns, **rule), "crm.yaml")
    assert "crm.yaml: tables.opportunities" in str(refused.value)
    assert message in str(refused.value)


def test_id_row_stands_in_for_the_record_id():
    spec = spec_from_dict(
        opportunities({"stage": "Stage", "close_date": "Closed"}, id="row"), "crm.yaml"
    )
    assert spec.files[0].row_ids


def test_a_value_map_link_and_optional_source_are_read_into_the_rule():
    spec = spec_from_dict(
        opportunities(
            DEAL
            | {
                "is_won": {"column": "Status", "values": {"Won": True, "Open": False}},
                "created_at": {"linked": "leads.created_at", "optional": True},
                "amount_usd": {"column": "Cents", "unit": 0.01, "optional": True},
            }
        ),
        "crm.yaml",
    )
    by_target = {c.target: c for c in spec.files[0].columns}
    assert by_target["is_won"].values == (("won", "true"), ("open", "false"))
    assert by_target["created_at"].linked == ("leads", "created_at")
    assert (by_target["amount_usd"].unit, by_target["amount_usd"].optional) == (0.01, True)
    assert not by_target["stage"].optional


def test_money_unit_scales_money_columns_only_and_a_column_unit_wins():
    spec = spec_from_dict(
        opportunities(DEAL | {"amount_usd": "Amt", "gross_margin_usd": {"column": "M", "unit": 2}})
        | {"money_unit": 1000},
        "crm.yaml",
    )
    units = {c.target: c.unit for c in spec.files[0].columns}
    assert (units["amount_usd"], units["gross_margin_usd"], units["stage"]) == (1000, 2, 1)


@pytest.mark.parametrize("fmt", BUILT_IN)
def test_every_built_in_format_reads_as_a_spec(fmt):
    spec = built_in_spec(fmt)
    assert spec.files and all(rule.detect for rule in spec.files)


def test_a_mapping_extending_a_built_in_adds_stage_labels_and_keeps_its_tables():
    spec = spec_from_dict({"extends": "zoho", "stages": {"won": "Renewed"}}, "mine.yaml")
    assert "renewed" in spec.won_stages and "closed won" in spec.won_stages
    assert spec.name == "Zoho CRM export (with overlay)"
    assert {rule.table for rule in spec.files} == {"accounts", "leads", "opportunities"}
