"""Mapping specs: which export file feeds which canonical table, column by column.

Salesforce and HubSpot are built-in specs (formats/*.yaml) in the very format a user writes
for a home-grown export, so every source goes through one engine.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lib.errors import ImportRefused
from lib.store.schema import ACTIVITY_TYPES, PRIMARY_KEYS, TABLES

FORMATS_DIR = Path(__file__).parent / "formats"
BUILT_IN = ("salesforce", "hubspot")
MONEY_COLUMNS = frozenset({"amount_usd", "annual_revenue_usd", "gross_margin_usd"})
HOW = ("value", "present", "first_of_list", "constant")


@dataclass(frozen=True)
class ColumnRule:
    """How one canonical column is read: the first non-blank of `sources`, then `how`."""

    target: str
    sources: tuple[str, ...] = ()
    how: str = "value"
    unit: float = 1.0
    constant: str | None = None


@dataclass(frozen=True)
class FileRule:
    """One export file (matched by name pattern or by its headers) feeding one canonical table."""

    table: str
    columns: tuple[ColumnRule, ...]
    pattern: str | None = None
    detect: tuple[str, ...] = ()

    def matches(self, name: str, headers: set[str]) -> bool:
        """Return True when a file of this name and these (lower-cased) headers is this rule's."""
        if self.pattern is not None:
            return fnmatch.fnmatch(Path(name).name.lower(), self.pattern.lower())
        return bool(self.detect) and all(h.lower() in headers for h in self.detect)


@dataclass(frozen=True)
class MappingSpec:
    """A whole export format: its files, stage labels, activity labels and value formats."""

    name: str
    files: tuple[FileRule, ...]
    won_stages: tuple[str, ...] = ()
    lost_stages: tuple[str, ...] = ()
    open_stages: tuple[str, ...] = ()
    activity_prefixes: tuple[tuple[str, str], ...] = ()
    date_format: str | None = None
    decimal: str = "."


def load_spec(path: str | os.PathLike[str]) -> MappingSpec:
    """Return the spec in a mapping YAML file; refuse it with the offending key named."""
    name = Path(path).name
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ImportRefused(name, f"cannot read the mapping file: {exc}") from exc
    if not isinstance(raw, dict):
        raise ImportRefused(name, "a mapping file is a YAML mapping with a 'tables' key")
    return spec_from_dict(raw, name)


def built_in_spec(fmt: str) -> MappingSpec:
    """Return the built-in spec for 'salesforce' or 'hubspot'."""
    return load_spec(FORMATS_DIR / f"{fmt}.yaml")


def spec_from_dict(raw: dict[str, Any], name: str) -> MappingSpec:
    """Return a validated spec from its YAML form."""
    _known_keys(
        raw,
        {"name", "tables", "stages", "activity_types", "date_format", "decimal", "money_unit"},
        name,
        "top level",
    )
    tables = raw.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise ImportRefused(name, "'tables' must map canonical tables to their files")
    money_unit = float(raw.get("money_unit", 1))
    files = tuple(
        _file_rule(table, entry, money_unit, name)
        for table, entries in tables.items()
        for entry in (entries if isinstance(entries, list) else [entries])
    )
    stages = raw.get("stages") or {}
    _known_keys(stages, {"won", "lost", "open"}, name, "stages")
    prefixes = tuple((str(k).lower(), str(v)) for k, v in (raw.get("activity_types") or {}).items())
    for label, kind in prefixes:
        if kind not in ACTIVITY_TYPES:
            raise ImportRefused(
                name,
                f"activity_types: '{label}' maps to unknown type '{kind}' "
                f"(known: {', '.join(ACTIVITY_TYPES)})",
            )
    return MappingSpec(
        name=str(raw.get("name", name)),
        files=files,
        won_stages=_labels(stages.get("won")),
        lost_stages=_labels(stages.get("lost")),
        open_stages=_labels(stages.get("open")),
        activity_prefixes=prefixes,
        date_format=raw.get("date_format"),
        decimal=str(raw.get("decimal", ".")),
    )


def _labels(value: Any) -> tuple[str, ...]:
    return tuple(str(v).strip().lower() for v in (value or []))


def _known_keys(raw: dict[str, Any], known: set[str], name: str, where: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ImportRefused(
            name,
            f"{where}: unknown key(s) {', '.join(map(str, unknown))} "
            f"(known: {', '.join(sorted(known))})",
        )


def _file_rule(table: str, entry: Any, money_unit: float, name: str) -> FileRule:
    if table not in TABLES:
        raise ImportRefused(name, f"unknown table '{table}' (known: {', '.join(TABLES)})")
    if not isinstance(entry, dict) or not isinstance(entry.get("columns"), dict):
        raise ImportRefused(name, f"tables.{table}: give 'file' (or 'detect') and 'columns'")
    _known_keys(entry, {"file", "detect", "columns"}, name, f"tables.{table}")
    columns = tuple(
        _column_rule(table, target, value, money_unit, name)
        for target, value in entry["columns"].items()
    )
    key = PRIMARY_KEYS[table]
    if table != "activities" and key not in {c.target for c in columns}:
        raise ImportRefused(name, f"tables.{table}: the record ID column '{key}' must be mapped")
    return FileRule(table, columns, entry.get("file"), tuple(entry.get("detect") or ()))


def _column_rule(table: str, target: str, value: Any, money_unit: float, name: str) -> ColumnRule:
    if target not in TABLES[table] and not target.startswith("_"):
        raise ImportRefused(
            name, f"tables.{table}: unknown column '{target}' (known: {', '.join(TABLES[table])})"
        )
    unit = money_unit if target in MONEY_COLUMNS else 1.0
    if isinstance(value, str):
        return ColumnRule(target, (value,), unit=unit)
    if isinstance(value, list):
        return ColumnRule(target, tuple(map(str, value)), unit=unit)
    if isinstance(value, dict):
        _known_keys(
            value, {"column", "columns", "as", "unit", "value"}, name, f"tables.{table}.{target}"
        )
        how = value.get("as", "constant" if "value" in value else "value")
        if how not in HOW:
            raise ImportRefused(name, f"tables.{table}.{target}: 'as' must be one of {HOW}")
        sources = value.get("columns") or ([value["column"]] if "column" in value else [])
        return ColumnRule(
            target,
            tuple(map(str, sources)),
            how,
            float(value.get("unit", unit)),
            value.get("value"),
        )
    raise ImportRefused(name, f"tables.{table}.{target}: give a column name, a list, or a mapping")
