"""Mapping specs: which export file feeds which canonical table, column by column.

Salesforce and HubSpot are built-in specs (formats/*.yaml) in the very format a user writes
for a home-grown export, so every source goes through one engine. A user's mapping may
`extend` a built-in one and add only what differs (a won stage, a date order, currency rates).
Every key is checked here: a mapping's text names columns and labels, never SQL.
"""

from __future__ import annotations

import fnmatch
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from lib.errors import ImportRefused
from lib.store.schema import ACTIVITY_TYPES, PRIMARY_KEYS, TABLES

FORMATS_DIR = Path(__file__).parent / "formats"
BUILT_IN = ("salesforce", "salesforce_report", "hubspot")
MONEY_COLUMNS = frozenset({"amount_usd", "annual_revenue_usd", "gross_margin_usd"})
HOW = ("value", "present", "first_of_list", "constant", "row_id")
# the engine's own columns, kept beside the canonical ones while staging; a mapping may name
# these and no other `_` target, and each is a fixed SQL identifier with a fixed type
INTERNAL_TARGETS: dict[str, str] = {
    "_converted_opportunity_id": "VARCHAR",  # links a Salesforce lead to its opportunity
    "_is_deleted": "BOOLEAN",  # Salesforce IsDeleted: such rows are dropped and counted
    "_currency": "VARCHAR",  # ISO code of the row's money columns
}
DATE_ORDERS = ("dmy", "mdy")
DECIMALS = (".", ",")
DEFAULT_YEARS = (1900, 2100)
TOP_KEYS = {
    "name",
    "extends",
    "tables",
    "stages",
    "activity_types",
    "date_format",
    "date_order",
    "date_range",
    "decimal",
    "money_unit",
    "company_currency",
    "currencies",
}
COLUMN_KEYS = {"column", "columns", "as", "unit", "value", "date_format", "company_currency"}


@dataclass(frozen=True)
class ColumnRule:
    """How one canonical column is read: the first non-blank of `sources`, then `how`."""

    target: str
    sources: tuple[str, ...] = ()
    how: str = "value"
    unit: float = 1.0
    constant: str | None = None
    date_format: str | None = None
    company_currency: tuple[str, ...] = ()  # sources already in the company currency


@dataclass(frozen=True)
class FileRule:
    """One export file (matched by name pattern or by its headers) feeding one canonical table.

    `detect` lists headers that must all be present (each one a tuple of spellings, any of
    which will do); `detect_any` adds headers of which at least one must be present. A
    `companion` rule reads the same file into a second table (a report's accounts).
    """

    table: str
    columns: tuple[ColumnRule, ...]
    pattern: str | None = None
    detect: tuple[tuple[str, ...], ...] = ()
    detect_any: tuple[str, ...] = ()
    companion: bool = False

    def score(self, name: str, headers: set[str]) -> int | None:
        """Return how closely a file of this name and (lower-cased) headers matches, or None."""
        if self.pattern is not None:
            hit = fnmatch.fnmatch(Path(name).name.lower(), self.pattern.lower())
            return 1000 if hit else None
        if not self.detect or not all(any(a.lower() in headers for a in d) for d in self.detect):
            return None
        extra = sum(h.lower() in headers for h in self.detect_any)
        if self.detect_any and not extra:
            return None
        return len(self.detect) + extra

    def sources(self) -> set[str]:
        """Return every header (lower-cased) this rule may read."""
        named = {s.lower() for c in self.columns for s in c.sources}
        return named | {a.lower() for d in self.detect for a in d}


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
    date_order: str | None = None
    years: tuple[int, int] = DEFAULT_YEARS
    decimal: str | None = None
    company_currency: str | None = None
    rates: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class ImportOptions:
    """Settings given beside a format (CLI flags, Import page choices) without copying it."""

    won_stages: tuple[str, ...] = ()
    lost_stages: tuple[str, ...] = ()
    open_stages: tuple[str, ...] = ()
    date_order: str | None = None
    decimal: str | None = None
    company_currency: str | None = None
    rates: tuple[tuple[str, float], ...] = field(default_factory=tuple)


def load_spec(path: str | os.PathLike[str]) -> MappingSpec:
    """Return the spec in a mapping YAML file; refuse it with the offending key named."""
    return spec_from_dict(_read_yaml(Path(path)), Path(path).name)


def built_in_spec(fmt: str) -> MappingSpec:
    """Return the built-in spec for one of BUILT_IN."""
    return load_spec(FORMATS_DIR / f"{fmt}.yaml")


def with_options(spec: MappingSpec, options: ImportOptions | None) -> MappingSpec:
    """Return the spec with the options' stage labels added and value settings applied."""
    if options is None:
        return spec
    for key, value, allowed in (
        ("date order", options.date_order, DATE_ORDERS),
        ("decimal", options.decimal, DECIMALS),
    ):
        if value is not None and value not in allowed:
            raise ImportRefused(key, f"{value!r} is not one of {', '.join(allowed)}")
    return replace(
        spec,
        won_stages=spec.won_stages + _labels(options.won_stages),
        lost_stages=spec.lost_stages + _labels(options.lost_stages),
        open_stages=spec.open_stages + _labels(options.open_stages),
        date_order=options.date_order or spec.date_order,
        decimal=options.decimal or spec.decimal,
        company_currency=(options.company_currency or spec.company_currency or None),
        rates=tuple({**dict(spec.rates), **_rates(dict(options.rates), "options")}.items()),
    )


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportRefused(path.name, f"cannot read the mapping file: {exc}") from exc
    if not isinstance(raw, dict):
        raise ImportRefused(path.name, "a mapping file is a YAML mapping with a 'tables' key")
    return raw


def spec_from_dict(raw: dict[str, Any], name: str) -> MappingSpec:
    """Return a validated spec from its YAML form (an `extends` key overlays a built-in)."""
    _known_keys(raw, TOP_KEYS, name, "top level")
    if "extends" in raw:
        base = _text(raw["extends"], name, "extends")
        if base not in BUILT_IN:
            raise ImportRefused(name, f"extends: '{base}' is not one of {', '.join(BUILT_IN)}")
        raw = _overlay(_read_yaml(FORMATS_DIR / f"{base}.yaml"), raw)
    tables = raw.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise ImportRefused(name, "'tables' must map canonical tables to their files")
    money_unit = _number(raw.get("money_unit", 1), name, "money_unit")
    files = tuple(
        _file_rule(table, entry, money_unit, name)
        for table, entries in tables.items()
        for entry in (entries if isinstance(entries, list) else [entries])
    )
    stages = _mapping(raw.get("stages"), name, "stages")
    _known_keys(stages, {"won", "lost", "open"}, name, "stages")
    return MappingSpec(
        name=str(raw.get("name", name)),
        files=files,
        won_stages=_labels(_list(stages.get("won"), name, "stages.won")),
        lost_stages=_labels(_list(stages.get("lost"), name, "stages.lost")),
        open_stages=_labels(_list(stages.get("open"), name, "stages.open")),
        activity_prefixes=_activity_prefixes(raw.get("activity_types"), name),
        date_format=_optional_text(raw.get("date_format"), name, "date_format"),
        date_order=_choice(raw.get("date_order"), DATE_ORDERS, name, "date_order"),
        years=_years(raw.get("date_range"), name),
        decimal=_choice(raw.get("decimal"), DECIMALS, name, "decimal"),
        company_currency=_currency(raw.get("company_currency"), name),
        rates=tuple(_rates(_mapping(raw.get("currencies"), name, "currencies"), name).items()),
    )


def _overlay(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Return the base format overlaid: stage lists and labels add up, tables replace."""
    merged = {**base, **{k: v for k, v in top.items() if k != "extends"}}
    for key in ("stages", "activity_types", "currencies"):
        if isinstance(base.get(key), dict) and isinstance(top.get(key), dict):
            merged[key] = {**base[key], **top[key]}
    if isinstance(base.get("stages"), dict) and isinstance(top.get("stages"), dict):
        for kind, labels in top["stages"].items():
            merged["stages"][kind] = [*(base["stages"].get(kind) or []), *(labels or [])]
    if isinstance(base.get("tables"), dict) and isinstance(top.get("tables"), dict):
        merged["tables"] = {**base["tables"], **top["tables"]}
    if "name" not in top:
        merged["name"] = f"{base.get('name', 'built-in')} (with overlay)"
    return merged


def _labels(value: Any) -> tuple[str, ...]:
    return tuple(str(v).strip().lower() for v in (value or []))


def _known_keys(raw: dict[str, Any], known: set[str], name: str, where: str) -> None:
    unknown = sorted(map(str, set(raw) - known))
    if unknown:
        raise ImportRefused(
            name,
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})",
        )


def _mapping(value: Any, name: str, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ImportRefused(name, f"{where}: give a mapping (key: value lines), not {value!r}")
    return value


def _list(value: Any, name: str, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | int | float):
        return [value]
    if not isinstance(value, list):
        raise ImportRefused(name, f"{where}: give a list of labels, not {value!r}")
    return value


def _text(value: Any, name: str, where: str) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool) or str(value) == "":
        raise ImportRefused(name, f"{where}: give a column name or label, not {value!r}")
    return str(value)


def _optional_text(value: Any, name: str, where: str) -> str | None:
    return None if value is None else _text(value, name, where)


def _number(value: Any, name: str, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ImportRefused(name, f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number) or number <= 0:
        raise ImportRefused(name, f"{where}: give a positive number, not {value!r}")
    return number


def _choice(value: Any, allowed: tuple[str, ...], name: str, where: str) -> str | None:
    if value is None:
        return None
    if str(value).lower() not in allowed:
        raise ImportRefused(name, f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return str(value).lower()


def _years(value: Any, name: str) -> tuple[int, int]:
    if value is None:
        return DEFAULT_YEARS
    if not (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and 1 <= v <= 9999 for v in value)
        and value[0] < value[1]
    ):
        raise ImportRefused(name, f"date_range: give [first year, last year], not {value!r}")
    return value[0], value[1]


def _currency(value: Any, name: str) -> str | None:
    if value is None:
        return None
    code = str(value).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ImportRefused(name, f"currency {value!r} is not a three-letter ISO code")
    return code


def _rates(raw: dict[str, Any], name: str) -> dict[str, float]:
    return {_currency(k, name) or "": _number(v, name, f"currencies.{k}") for k, v in raw.items()}


def _activity_prefixes(value: Any, name: str) -> tuple[tuple[str, str], ...]:
    prefixes = tuple(
        (str(k).lower(), str(v)) for k, v in _mapping(value, name, "activity_types").items()
    )
    for label, kind in prefixes:
        if kind not in ACTIVITY_TYPES:
            raise ImportRefused(
                name,
                f"activity_types: '{label}' maps to unknown type '{kind}' "
                f"(known: {', '.join(ACTIVITY_TYPES)})",
            )
    return prefixes


def _file_rule(table: str, entry: Any, money_unit: float, name: str) -> FileRule:
    if table not in TABLES:
        raise ImportRefused(name, f"unknown table '{table}' (known: {', '.join(TABLES)})")
    if not isinstance(entry, dict) or not isinstance(entry.get("columns"), dict):
        raise ImportRefused(name, f"tables.{table}: give 'file' (or 'detect') and 'columns'")
    _known_keys(entry, {"file", "detect", "detect_any", "columns", "companion"}, name, table)
    where = f"tables.{table}"
    columns = tuple(
        _column_rule(table, str(target), value, money_unit, name)
        for target, value in entry["columns"].items()
    )
    key = PRIMARY_KEYS[table]
    if table != "activities" and key not in {c.target for c in columns}:
        raise ImportRefused(name, f"{where}: the record ID column '{key}' must be mapped")
    detect = tuple(
        tuple(_text(a, name, f"{where}.detect") for a in _list(item, name, f"{where}.detect"))
        for item in _list(entry.get("detect"), name, f"{where}.detect")
    )
    pattern = _optional_text(entry.get("file"), name, f"{where}.file")
    if pattern is None and not detect:
        raise ImportRefused(name, f"{where}: give 'file' (a name pattern) or 'detect' (headers)")
    return FileRule(
        table,
        columns,
        pattern,
        detect,
        tuple(_text(h, name, where) for h in _list(entry.get("detect_any"), name, where)),
        bool(entry.get("companion", False)),
    )


def _column_rule(table: str, target: str, value: Any, money_unit: float, name: str) -> ColumnRule:
    where = f"tables.{table}.{target}"
    if target not in TABLES[table] and target not in INTERNAL_TARGETS:
        known = ", ".join([*TABLES[table], *INTERNAL_TARGETS])
        raise ImportRefused(name, f"tables.{table}: unknown column '{target}' (known: {known})")
    unit = money_unit if target in MONEY_COLUMNS else 1.0
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return ColumnRule(target, (_text(value, name, where),), unit=unit)
    if isinstance(value, list):
        return ColumnRule(target, tuple(_text(v, name, where) for v in value), unit=unit)
    if isinstance(value, dict):
        _known_keys(value, COLUMN_KEYS, name, where)
        how = value.get("as", "constant" if "value" in value else "value")
        if how not in HOW:
            raise ImportRefused(name, f"{where}: 'as' must be one of {HOW}")
        sources = _list(value.get("columns"), name, where) or _list(
            value.get("column"), name, where
        )
        if how not in ("constant", "row_id") and not sources:
            raise ImportRefused(name, f"{where}: give 'column' or 'columns'")
        return ColumnRule(
            target,
            tuple(_text(s, name, where) for s in sources),
            how,
            _number(value.get("unit", unit), name, f"{where}.unit"),
            None if value.get("value") is None else str(value.get("value")),
            _optional_text(value.get("date_format"), name, f"{where}.date_format"),
            tuple(_text(s, name, where) for s in _list(value.get("company_currency"), name, where)),
        )
    raise ImportRefused(name, f"{where}: give a column name, a list, or a mapping")
