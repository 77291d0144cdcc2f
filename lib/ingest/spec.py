"""Mapping specs: which export file feeds which canonical table, column by column.

Built-in formats (formats/*.yaml) are written in the very format a user writes for a
home-grown export, so every source goes through one engine. A user's mapping may `extend` a
built-in one and add only what differs (a won stage, a date order, currency rates). The file
is read through its schema (lib.ingest.mapping_schema); what spans keys is checked here, and
every refusal names the mapping file and the key's path. A mapping's text names columns and
labels, never SQL: targets come from the canonical tables and INTERNAL_TARGETS only.
"""

from __future__ import annotations

import fnmatch
import functools
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from lib.errors import ImportRefused
from lib.ingest.mapping_schema import (
    BUILT_IN,
    HOW,
    INTERNAL_TARGETS,
    MAPPING_SCHEMA,
    ColumnSpec,
    FileSpec,
    MappingFile,
)
from lib.schema_tools import error_text
from lib.store.schema import ACTIVITY_TYPES, PRIMARY_KEYS, TABLES

__all__ = ["BUILT_IN", "HOW", "INTERNAL_TARGETS"]

FORMATS_DIR = Path(__file__).parent / "formats"
MONEY_COLUMNS = frozenset({"amount_usd", "annual_revenue_usd", "gross_margin_usd"})
DATE_ORDERS = ("dmy", "mdy")
DECIMALS = (".", ",")
DEFAULT_YEARS = (1900, 2100)
# fields a table cannot be read without; an opportunity also needs `stage` or `is_won`
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "leads": ("lead_id",),
    "activities": ("lead_id", "activity_type", "occurred_at"),
    "opportunities": ("opportunity_id", "close_date"),
}
# (table, linked table) -> the reference column that links them, for `linked: leads.created_at`
LINKS: dict[tuple[str, str], str] = {
    ("opportunities", "leads"): "lead_id",
    ("opportunities", "accounts"): "account_id",
    ("leads", "accounts"): "account_id",
    ("activities", "leads"): "lead_id",
}


@dataclass(frozen=True)
class ColumnRule:
    """How one canonical column is read: the first non-blank of `sources`, then `how`.

    `values` maps a source value (lower-cased, trimmed) to the value stored; `linked` takes
    the field from the record a reference column points to, where the row's own is blank;
    `optional` sources may be absent from the file, the others must be in its header row.
    """

    target: str
    sources: tuple[str, ...] = ()
    how: str = "value"
    unit: float = 1.0
    constant: str | None = None
    date_format: str | None = None
    company_currency: tuple[str, ...] = ()  # sources already in the company currency
    optional: bool = False
    values: tuple[tuple[str, str], ...] = ()
    linked: tuple[str, str] | None = None  # (table, field)


@dataclass(frozen=True)
class FileRule:
    """One export file (matched by name pattern or by its headers) feeding one canonical table.

    `detect` lists headers that must all be present (each one a tuple of spellings, any of
    which will do); `detect_any` adds headers of which at least one must be present. A
    `companion` rule reads the same file into a second table (a report's accounts); with
    `row_ids` every row is its own record, keyed by file and row. `attributes` names source
    columns kept as they are (lead and account attributes): headers, or patterns such as
    `*__c`; `keep_all` keeps every column no column rule reads.
    """

    table: str
    columns: tuple[ColumnRule, ...]
    pattern: str | None = None
    detect: tuple[tuple[str, ...], ...] = ()
    detect_any: tuple[str, ...] = ()
    companion: bool = False
    row_ids: bool = False
    attributes: tuple[str, ...] = ()
    keep_all: bool = False

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
        kept = {a.lower() for a in self.attributes if not is_pattern(a)}
        return named | kept | {a.lower() for d in self.detect for a in d}

    def mapped(self) -> set[str]:
        """Return every header (lower-cased) a column rule reads: not kept as an attribute."""
        return {s.lower() for c in self.columns for s in c.sources}


def is_pattern(name: str) -> bool:
    """Return whether an attribute entry is a header pattern (`*__c`) rather than a header."""
    return any(ch in name for ch in "*?[")


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
    """Return the spec in a mapping YAML file; refuse it with the offending key's path named."""
    return spec_from_dict(_read_yaml(Path(path)), Path(path).name)


@functools.cache  # package files, fixed for the process; the spec is frozen (tuples only)
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


def validated_file(raw: dict[str, Any], name: str) -> MappingFile:
    """Return the file checked against its schema; ImportRefused names the first problems."""
    try:
        return MAPPING_SCHEMA.validate_python(raw)
    except ValidationError as exc:
        lines = [error_text({**e, "loc": _as_written(e["loc"], raw)}) for e in exc.errors()]
        more = f" (and {len(lines) - 3} more)" if len(lines) > 3 else ""
        raise ImportRefused(name, "; ".join(lines[:3]) + more) from exc


def _as_written(loc: tuple[int | str, ...], raw: Any) -> tuple[int | str, ...]:
    """Drop the [0] of a list the file wrote as one value (`won: Closed Won`, one file rule)."""
    kept: list[int | str] = []
    for part in loc:
        if isinstance(part, int) and not isinstance(raw, list):
            continue
        kept.append(part)
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            # a key the short form implies (`columns` of `stage: [A, B]`): stay on its value
            raw = raw if isinstance(part, str) else None
    return tuple(kept)


def spec_from_dict(raw: dict[str, Any], name: str) -> MappingSpec:
    """Return a validated spec from its YAML form (an `extends` key overlays a built-in)."""
    mapping = validated_file(raw, name)
    if mapping.extends is not None:
        merged = _overlay(_read_yaml(FORMATS_DIR / f"{mapping.extends}.yaml"), raw)
        mapping = validated_file(merged, name)
    if mapping.tables is None:
        raise ImportRefused(name, "tables: missing field (or `extends:` a built-in format)")
    money_unit = mapping.money_unit or 1.0
    files = []
    for table in TABLES:
        entries = getattr(mapping.tables, table) or ()
        for i, entry in enumerate(entries):
            where = f"tables.{table}" + (f"[{i}]" if len(entries) > 1 else "")
            for target, column in entry.columns.items():
                if column.column is not None and column.columns is not None:
                    at = f"{where}.columns.{target}"
                    raise ImportRefused(name, f"{at}: give 'column' or 'columns', not both")
            files.append(_file_rule(table, entry, money_unit))
            _check_rule(files[-1], name, where)
    stages = mapping.stages
    return MappingSpec(
        name=mapping.name or name,
        files=tuple(files),
        won_stages=_labels(stages.won if stages else None),
        lost_stages=_labels(stages.lost if stages else None),
        open_stages=_labels(stages.open if stages else None),
        activity_prefixes=_activity_prefixes(mapping.activity_types or {}, name),
        date_format=mapping.date_format,
        date_order=mapping.date_order,
        years=_years(mapping.date_range, name),
        decimal=mapping.decimal,
        company_currency=_currency(mapping.company_currency, name),
        rates=tuple(_rates(dict(mapping.currencies or {}), name).items()),
    )


def _overlay(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Return the base format overlaid: stage lists and labels add up, tables replace."""
    merged = {**base, **{k: v for k, v in top.items() if k != "extends"}}
    for key in ("stages", "activity_types", "currencies"):
        if isinstance(base.get(key), dict) and isinstance(top.get(key), dict):
            merged[key] = {**base[key], **top[key]}
    if isinstance(base.get("stages"), dict) and isinstance(top.get("stages"), dict):
        for kind, labels in top["stages"].items():
            merged["stages"][kind] = [*_as_list(base["stages"].get(kind)), *_as_list(labels)]
    if isinstance(base.get("tables"), dict) and isinstance(top.get("tables"), dict):
        merged["tables"] = {**base["tables"], **top["tables"]}
    if "name" not in top:
        merged["name"] = f"{base.get('name', 'built-in')} (with overlay)"
    return merged


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _labels(value: Any) -> tuple[str, ...]:
    return tuple(str(v).strip().lower() for v in (value or []))


def _file_rule(table: str, entry: FileSpec, money_unit: float) -> FileRule:
    columns = tuple(
        _column_rule(target, value, money_unit if target in MONEY_COLUMNS else 1.0)
        for target, value in entry.columns.items()
    )
    return FileRule(
        table,
        columns,
        entry.file,
        entry.detect or (),
        entry.detect_any or (),
        entry.companion,
        entry.id == "row",
        () if entry.attributes in (None, "all") else tuple(entry.attributes),
        entry.attributes == "all",
    )


def _column_rule(target: str, spec: ColumnSpec, unit: float) -> ColumnRule:
    how = spec.how or ("constant" if spec.value is not None else "value")
    sources = spec.columns or ((spec.column,) if spec.column is not None else ())
    return ColumnRule(
        target=target,
        sources=sources,
        how=how,
        unit=spec.unit or unit,
        constant=None if spec.value is None else _constant(spec.value),
        date_format=spec.date_format,
        company_currency=spec.company_currency or (),
        optional=spec.optional,
        values=tuple((_key(k), _constant(v)) for k, v in (spec.values or {}).items()),
        linked=_link(spec.linked) if spec.linked else None,
    )


def _constant(value: str | bool | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _key(value: str | int) -> str:
    return str(value).strip().lower()


def _link(text: str) -> tuple[str, str]:
    table, _, column = text.partition(".")
    return table, column


def _check_rule(rule: FileRule, name: str, where: str) -> None:
    """Refuse what the schema alone cannot see: unknown columns, fields left unmapped, links."""
    known = [*TABLES[rule.table], *INTERNAL_TARGETS]
    for column in rule.columns:
        at = f"{where}.columns.{column.target}"
        if column.target not in known:
            listed = ", ".join(known)
            raise ImportRefused(
                name, f"{where}.columns: unknown column '{column.target}' (known: {listed})"
            )
        _check_column(rule.table, column, at, name)
    if (rule.attributes or rule.keep_all) and (
        rule.table not in ("leads", "accounts") or rule.companion
    ):
        raise ImportRefused(
            name,
            f"{where}.attributes: source columns are kept on leads and accounts only"
            + (" (not on a companion table)" if rule.companion else ""),
        )
    if rule.pattern is None and not rule.detect:
        raise ImportRefused(name, f"{where}: give 'file' (a name pattern) or 'detect' (headers)")
    if rule.pattern is not None and rule.detect:
        raise ImportRefused(name, f"{where}: give 'file' or 'detect', not both")
    mapped = {c.target for c in rule.columns}
    key = PRIMARY_KEYS[rule.table]
    if rule.row_ids and key in mapped:
        raise ImportRefused(
            name, f"{where}.columns.{key}: with `id: row` each row is its own record; drop {key}"
        )
    required = [f for f in REQUIRED_FIELDS[rule.table] if not (rule.row_ids and f == key)]
    for target in required:
        if target not in mapped:
            raise ImportRefused(name, f"{where}: {rule.table}.{target} is not mapped")
    if rule.table == "opportunities" and not mapped & {"stage", "is_won"}:
        raise ImportRefused(
            name,
            f"{where}: opportunities.stage is not mapped (nor is_won); won and lost come "
            "from one of them",
        )


def _check_column(table: str, column: ColumnRule, at: str, name: str) -> None:
    if column.how == "constant" and column.constant is None:
        raise ImportRefused(name, f"{at}: `as: constant` needs a `value`")
    if column.how not in ("constant", "row_id") and not column.sources and not column.linked:
        raise ImportRefused(name, f"{at}: give 'column' or 'columns' (or 'linked')")
    if column.values and column.how != "value":
        raise ImportRefused(name, f"{at}: a value map reads plain values, not `as: {column.how}`")
    if column.linked is None:
        return
    linked_table, linked_field = column.linked
    if column.target in INTERNAL_TARGETS:
        raise ImportRefused(name, f"{at}.linked: the engine's own columns are read, not linked")
    if linked_field not in TABLES.get(linked_table, {}):
        raise ImportRefused(
            name,
            f"{at}.linked: give table.field, e.g. leads.created_at, not '{linked_table}."
            f"{linked_field}'",
        )
    if (table, linked_table) not in LINKS:
        linkable = sorted({t for (s, t) in LINKS if s == table}) or ["none"]
        raise ImportRefused(
            name, f"{at}.linked: {table} link to {', '.join(linkable)}, not {linked_table}"
        )
    mine, theirs = _sql_type(table, column.target), _sql_type(linked_table, linked_field)
    if mine != theirs and {mine, theirs} != {"DATE", "TIMESTAMP"}:
        raise ImportRefused(
            name, f"{at}.linked: {linked_table}.{linked_field} is a {theirs}, not a {mine}"
        )


def _sql_type(table: str, column: str) -> str:
    return INTERNAL_TARGETS.get(column) or TABLES[table][column][0]


def _years(value: tuple[int, int] | None, name: str) -> tuple[int, int]:
    if value is None:
        return DEFAULT_YEARS
    if not (1 <= value[0] < value[1] <= 9999):
        raise ImportRefused(name, f"date_range: give [first year, last year], not {list(value)}")
    return value


def _currency(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ImportRefused(name, f"currency {value!r} is not a three-letter ISO code")
    return code


def _rates(raw: dict[str, Any], name: str) -> dict[str, float]:
    rates = {_currency(str(k), name) or "": float(v) for k, v in raw.items()}
    for code, rate in rates.items():
        if not 0 < rate < math.inf:
            raise ImportRefused(name, f"currencies.{code}: give a positive number, not {rate!r}")
    return rates


def _activity_prefixes(value: Any, name: str) -> tuple[tuple[str, str], ...]:
    prefixes = tuple((str(k).lower(), str(v)) for k, v in value.items())
    for label, kind in prefixes:
        if kind not in ACTIVITY_TYPES:
            raise ImportRefused(
                name,
                f"activity_types.{label}: unknown type '{kind}' "
                f"(known: {', '.join(ACTIVITY_TYPES)})",
            )
    return prefixes
