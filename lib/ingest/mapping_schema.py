"""The mapping file's schema: what a mapping YAML may hold, key by key, read through pydantic.

Strict as the model file is (lib.schema_tools): `money_unit: thousand`, `decimal: comma` or
`date_format: 12` are refused by their path in the file, and any key the schema does not list
is refused by name. The same types give the JSON Schema that editors use for completion,
checked in beside the example mappings (`# yaml-language-server: $schema=mapping.schema.json`).

    python -m lib.ingest    # rewrite data/mappings/mapping.schema.json after changing a field

What spans keys (a column the table does not have, a required field left unmapped, a link to
a table that is not linked) is checked where the file becomes a spec (lib.ingest.spec).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, TypeAdapter, with_config
from pydantic_core import PydanticCustomError

from lib.schema_tools import SCHEMA_CONFIG, Finite, Flag, FrozenMap, Positive, Text, Whole
from lib.store.schema import ACTIVITY_TYPES, TABLES

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "data" / "mappings" / "mapping.schema.json"

BuiltIn = Literal[
    "salesforce", "salesforce_report", "hubspot", "pipedrive", "zoho", "close", "dynamics365"
]
BUILT_IN: tuple[str, ...] = get_args(BuiltIn)
How = Literal["value", "present", "first_of_list", "constant", "row_id"]
HOW: tuple[str, ...] = get_args(How)
# the engine's own columns, kept beside the canonical ones while staging; a mapping may name
# these and no other `_` target, and each is a fixed SQL identifier with a fixed type
INTERNAL_TARGETS: dict[str, str] = {
    "_converted_opportunity_id": "VARCHAR",  # links a Salesforce lead to its opportunity
    "_is_deleted": "BOOLEAN",  # Salesforce IsDeleted: such rows are dropped and counted
    "_currency": "VARCHAR",  # ISO code of the row's money columns
}


def _one_or_list(value: Any) -> Any:
    """A single name stands for a list of one: `won: Closed Won` is `won: [Closed Won]`."""
    return value if isinstance(value, list | tuple) else [value]


def _column_form(value: Any) -> Any:
    """`stage: Deal Stage` and `stage: [Stage, Deal Stage]` are short for the mapping form."""
    if isinstance(value, str):
        return {"column": value}
    if isinstance(value, list | tuple):
        return {"columns": list(value)}
    if isinstance(value, dict):
        return value
    raise PydanticCustomError(
        "column_form", "give a column name, a list of column names, or a mapping"
    )


def _entries(value: Any) -> Any:
    """A table fed by one file rule may give the rule itself instead of a list of one."""
    return [value] if isinstance(value, dict) else value


Names = Annotated[
    tuple[Text, ...], BeforeValidator(_one_or_list, json_schema_input_type=Text | list[Text])
]


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class ColumnSpec:
    """Where one canonical column's value comes from (the mapping form of a column)."""

    column: Text | None = None
    columns: Names | None = None
    how: How | None = Field(default=None, alias="as")
    value: Text | Flag | Finite | None = None
    values: FrozenMap[Text | Whole, Text | Flag] | None = None
    unit: Positive | None = None
    date_format: Text | None = None
    company_currency: Names | None = None
    optional: Flag = False
    linked: Text | None = None


Column = Annotated[
    ColumnSpec,
    BeforeValidator(_column_form, json_schema_input_type=Text | list[Text] | ColumnSpec),
]


def _column_keys(table: str) -> Any:
    """Editors complete a table's column names; the reader refuses others with its own words."""
    return Field(json_schema_extra={"propertyNames": {"enum": [*TABLES[table], *INTERNAL_TARGETS]}})


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class FileSpec:
    """One export file (by name pattern or by its headers) and how its columns are read."""

    columns: FrozenMap[Text, Column]
    file: Text | None = None
    detect: (
        Annotated[
            tuple[Names, ...],
            BeforeValidator(_one_or_list, json_schema_input_type=Text | list[Text | list[Text]]),
        ]
        | None
    ) = None
    detect_any: Names | None = None
    companion: Flag = False
    id: Literal["row"] | None = None
    attributes: Literal["all"] | Names | None = None


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class AccountsFile(FileSpec):
    """A file feeding accounts."""

    columns: Annotated[FrozenMap[Text, Column], _column_keys("accounts")]


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class LeadsFile(FileSpec):
    """A file feeding leads (leads or contacts)."""

    columns: Annotated[FrozenMap[Text, Column], _column_keys("leads")]


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class ActivitiesFile(FileSpec):
    """A file feeding activities."""

    columns: Annotated[FrozenMap[Text, Column], _column_keys("activities")]


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class OpportunitiesFile(FileSpec):
    """A file feeding opportunities (deals)."""

    columns: Annotated[FrozenMap[Text, Column], _column_keys("opportunities")]


AccountsFiles = Annotated[
    tuple[AccountsFile, ...],
    BeforeValidator(_entries, json_schema_input_type=AccountsFile | list[AccountsFile]),
]
LeadsFiles = Annotated[
    tuple[LeadsFile, ...],
    BeforeValidator(_entries, json_schema_input_type=LeadsFile | list[LeadsFile]),
]
ActivitiesFiles = Annotated[
    tuple[ActivitiesFile, ...],
    BeforeValidator(_entries, json_schema_input_type=ActivitiesFile | list[ActivitiesFile]),
]
OpportunitiesFiles = Annotated[
    tuple[OpportunitiesFile, ...],
    BeforeValidator(_entries, json_schema_input_type=OpportunitiesFile | list[OpportunitiesFile]),
]


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class Tables:
    """Each canonical table and the file rules that feed it (one, or a list)."""

    accounts: AccountsFiles | None = None
    leads: LeadsFiles | None = None
    activities: ActivitiesFiles | None = None
    opportunities: OpportunitiesFiles | None = None


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class Stages:
    """Stage labels that mean won, lost and still open (matched ignoring case and spaces)."""

    won: Names | None = None
    lost: Names | None = None
    open: Names | None = None


ACTIVITY_LABELS = Field(json_schema_extra={"additionalProperties": {"enum": list(ACTIVITY_TYPES)}})


@with_config(SCHEMA_CONFIG)
@dataclass(frozen=True)
class MappingFile:
    """A whole mapping file: its tables, stage labels, activity labels and value formats."""

    name: Text | None = None
    extends: BuiltIn | None = None
    tables: Tables | None = None
    stages: Stages | None = None
    activity_types: Annotated[FrozenMap[Text, Text], ACTIVITY_LABELS] | None = None
    date_format: Text | None = None
    date_order: Literal["dmy", "mdy"] | None = None
    date_range: tuple[Whole, Whole] | None = None
    decimal: Literal[".", ","] | None = None
    money_unit: Positive | None = None
    company_currency: Text | None = None
    currencies: FrozenMap[Text, Positive] | None = None


MAPPING_SCHEMA: TypeAdapter[MappingFile] = TypeAdapter(MappingFile)


def mapping_json_schema() -> dict[str, Any]:
    """Return the mapping file's JSON Schema (draft 2020-12): keys, types, no unknown keys."""
    schema = MAPPING_SCHEMA.json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def mapping_schema_text() -> str:
    """Return the JSON Schema as data/mappings/mapping.schema.json holds it."""
    return json.dumps(mapping_json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_mapping_schema() -> Path:
    """Write the JSON Schema to data/mappings/mapping.schema.json and return its path."""
    SCHEMA_PATH.write_text(mapping_schema_text(), encoding="utf-8")
    return SCHEMA_PATH
