"""Stage one export file through its rule into a typed table, refusing the first wrong value.

User text never becomes SQL: raw columns are read by position (c0, c1, ...) and only those the
rule reads; canonical and internal column names come from constants (lib.store.schema,
spec.INTERNAL_TARGETS); every label, unit, format or rate from a spec is a $-parameter.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace

import duckdb

from lib.errors import ImportRefused
from lib.ingest.attributes import KeptColumn, kept_columns, stage_attributes
from lib.ingest.columns import ColumnReader
from lib.ingest.raw import drop_raw, first_line, load_raw
from lib.ingest.source import SourceFile
from lib.ingest.spec import INTERNAL_TARGETS, REQUIRED_FIELDS, ColumnRule, FileRule, MappingSpec
from lib.ingest.values import Params
from lib.store.schema import PRIMARY_KEYS, TABLES

LOST_WITHOUT = {  # (table, reference column) -> what the KPIs lose when a file lacks it
    ("opportunities", "account_id"): "pipeline mix by segment will not include these deals",
}


@dataclass
class Staged:
    """A staged file: its table in DuckDB, the canonical table it feeds, and what it held."""

    table: str
    canonical: str
    file: str
    rows: int
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, str | None] = field(default_factory=dict)  # canonical -> header read
    deleted: int = 0
    currencies: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # fields the rule maps whose columns the file does not have
    source: SourceFile | None = None
    optional_absent: tuple[tuple[str, tuple[str, ...]], ...] = ()  # field, its optional sources
    linked: tuple[tuple[str, str, str], ...] = ()  # field, the linked table and its field
    attributes: tuple[KeptColumn, ...] = ()  # source columns kept, in table `table`_attrs

    def header_of(self, target: str) -> str:
        """Return the export's header that fed canonical column `target` (else `target`)."""
        return self.columns.get(target) or target


def stage_file(
    cur: duckdb.DuckDBPyConnection, source: SourceFile, rule: FileRule, spec: MappingSpec, name: str
) -> Staged:
    """Stage `source` through `rule` into table `name` with canonical columns; refuse bad values."""
    index, notes = _header_index(source, rule)
    if rule.row_ids:  # every row its own record: the key is made from file and row
        key = ColumnRule(PRIMARY_KEYS[rule.table], how="row_id")
        rule = replace(rule, columns=(*rule.columns, key))
        notes.append(
            f"{source.name}: each row is its own {rule.table} record (id: row), so a record "
            "exported on two rows counts twice"
        )
    by_target = {c.target: c for c in rule.columns}
    _refuse_missing(source, rule, by_target, index)
    kept, left_out = kept_columns(source, rule, index)
    raw = f"{name}_raw"
    try:
        read = {index[h] for h in rule.sources() if h in index}
        types = load_raw(cur, source, raw, sorted(read | {k.position for k in kept}))
        staged = _stage(cur, source, rule, spec, name, raw, index, types, notes)
        if kept:
            typed, typing_notes = stage_attributes(
                cur, source, spec, raw, f"{name}_attrs", kept, types
            )
            staged.attributes = tuple(typed)
            staged.warnings += left_out + typing_notes
        return staged
    except duckdb.Error as exc:
        raise ImportRefused(source.name, f"could not be read: {first_line(exc)}") from exc
    finally:
        drop_raw(cur, source, raw)


def _stage(
    cur: duckdb.DuckDBPyConnection,
    source: SourceFile,
    rule: FileRule,
    spec: MappingSpec,
    name: str,
    raw: str,
    index: dict[str, int],
    types: dict[int, str],
    notes: list[str],
) -> Staged:
    by_target = {c.target: c for c in rule.columns}
    params = Params()
    reader = ColumnReader(cur, source, spec, raw, index, types, params)
    currency = reader.currency_rule = by_target.get("_currency")
    reader.currency_column = next(
        (index[s.lower()] for s in (currency.sources if currency else ()) if s.lower() in index),
        None,
    )
    own = [(t, (INTERNAL_TARGETS[t], "")) for t in by_target if t in INTERNAL_TARGETS]
    targets = [*TABLES[rule.table].items(), *own]
    selects, read_from = [], {}
    for target, (sql_type, _) in targets:
        column = by_target.get(target)
        expr, header = reader.column(target, sql_type, column, notes)
        selects.append(f"{expr} as {target}")
        read_from[target] = header
    reader.refuse_bad_rows()
    _refuse_blank_ids(cur, raw, rule, by_target, index, types, source)
    file_param, first_row = params(source.name), params(source.first_row)
    sql = (
        f"create temp table {name} as select {', '.join(selects)}, "
        f"rowid + {first_row} as _row, {file_param} as _file from {raw}"
    )
    cur.execute(sql, params.used_by(sql))
    rows = cur.execute(f"select count(*) from {name}").fetchall()[0][0]
    if source.report_total is not None and rows != source.report_total:
        raise ImportRefused(
            source.name,
            f"the report says {source.report_total} records but {rows} rows were read: a "
            "report with groupings or subtotals cannot be read; export it as Details Only",
        )
    deleted = _drop_deleted(cur, name, by_target)
    if rule.companion:
        notes += _keep_first_per_key(cur, name, rule.table, source.name)
    for internal in ("_is_deleted", "_currency"):
        if internal in by_target:
            cur.execute(f"alter table {name} drop column {internal}")
    notes += _lost_reference_notes(rule, by_target, index, source)
    notes += _negative_margin_notes(cur, name, rule, source)
    if rows == 0:
        notes.append(f"{source.name}: a header row and no records; {rule.table} gets none from it")
    if deleted:
        notes.append(f"{source.name}: {deleted} deleted records (IsDeleted) left out")
    columns = {t: read_from[t] for t in TABLES[rule.table]}
    absent = tuple(
        t
        for t, header in columns.items()
        if header is None
        and t in by_target
        and by_target[t].how not in ("constant", "row_id")
        and by_target[t].linked is None
    )
    optional_absent = tuple(
        (c.target, c.sources)
        for c in rule.columns
        if c.optional and c.sources and not any(s.lower() in index for s in c.sources)
    )
    final = rows - deleted
    if rule.companion:
        final = cur.execute(f"select count(*) from {name}").fetchall()[0][0]
    return Staged(
        name,
        rule.table,
        source.name,
        final,
        notes,
        columns,
        deleted,
        reader.currencies,
        absent,
        source,
        optional_absent,
        tuple((c.target, *c.linked) for c in rule.columns if c.linked),
    )


def _header_index(source: SourceFile, rule: FileRule) -> tuple[dict[str, int], list[str]]:
    """Return lower-cased header -> position; refuse a header the rule reads that repeats."""
    positions: dict[str, list[int]] = {}
    for i, header in enumerate(source.headers):
        if header.strip():
            positions.setdefault(header.strip().lower(), []).append(i)
    repeated = {h: p for h, p in positions.items() if len(p) > 1}
    read = sorted(h for h in repeated if h in rule.sources())
    if read:
        first = repeated[read[0]]
        raise ImportRefused(
            source.name,
            f"the header row has this name {len(first)} times (columns "
            f"{', '.join(str(p + 1) for p in first)}); rename all but one",
            column=source.headers[first[0]],
        )
    notes = [
        f"{source.name}: column {source.headers[p[0]]!r} appears {len(p)} times; not read"
        for h, p in repeated.items()
    ]
    return {h: p[0] for h, p in positions.items()}, notes


def _refuse_missing(
    source: SourceFile, rule: FileRule, by_target: dict[str, ColumnRule], index: dict[str, int]
) -> None:
    """Refuse a source the mapping names that the header row lacks (unless declared optional),
    and a required field none of whose sources is there."""
    for named in rule.columns:
        if named.optional or named.how == "row_id":
            continue
        for header in named.sources:
            if header.lower() not in index:
                raise ImportRefused(
                    source.name,
                    f"not in the header row{_closest(header, source.headers)}; the mapping "
                    f"reads it for {rule.table}.{named.target} (`optional: true` if an "
                    "export may lack it)",
                    column=header,
                )
    for target in REQUIRED_FIELDS[rule.table]:
        column = by_target.get(target)
        if column is None or not _present(column, index):
            wanted = column.sources if column else (target,)
            raise ImportRefused(
                source.name,
                "required column is missing from the header row"
                + _closest(wanted[0], source.headers),
                column=" / ".join(wanted),
            )
    if rule.table == "opportunities" and not any(
        t in by_target and _present(by_target[t], index) for t in ("stage", "is_won")
    ):
        wanted = by_target["stage"].sources if "stage" in by_target else ("stage",)
        raise ImportRefused(
            source.name,
            "required column is missing from the header row (won and lost come from it)"
            + _closest(wanted[0], source.headers),
            column=" / ".join(wanted),
        )


def _closest(header: str, headers: tuple[str, ...]) -> str:
    """Return ` (did you mean 'deal_stage'?)` for the nearest header, or '' when none is near."""
    named = {h.strip().lower(): h.strip() for h in headers if h.strip()}
    near = difflib.get_close_matches(header.strip().lower(), list(named), n=1, cutoff=0.6)
    return f" (did you mean {named[near[0]]!r}?)" if near else ""


def _present(column: ColumnRule, index: dict[str, int]) -> bool:
    return (
        column.how in ("constant", "row_id")
        or column.linked is not None
        or any(s.lower() in index for s in column.sources)
    )


def _drop_deleted(
    cur: duckdb.DuckDBPyConnection, name: str, by_target: dict[str, ColumnRule]
) -> int:
    if "_is_deleted" not in by_target:
        return 0
    return int(cur.execute(f"delete from {name} where _is_deleted").fetchall()[0][0])


def _keep_first_per_key(
    cur: duckdb.DuckDBPyConnection, name: str, table: str, file: str
) -> list[str]:
    """A companion table repeats its record on every row of the file: keep the first of each,
    and say when a record's rows disagree (a client's size code differing between its deals)."""
    key, columns = PRIMARY_KEYS[table], ", ".join(TABLES[table])
    clashes, first, rows = cur.execute(
        f"select count(*), min({key}), arg_min(rows, {key}) from (select {key}, "
        f"list(distinct _row) as rows from (select {columns}, min(_row) as _row from {name} "
        f"where {key} is not null group by all) group by {key} having count(*) > 1)"
    ).fetchall()[0]
    cur.execute(
        f"delete from {name} where {key} is null or rowid not in "
        f"(select min(rowid) from {name} group by {key})"
    )
    if not clashes:
        return []
    shown = ", ".join(str(r) for r in sorted(rows)[:2])
    return [
        f"{file}: {clashes} {table} records differ between the rows that carry them (first: "
        f"{first!r} on rows {shown}); the first row of each was kept"
    ]


def _negative_margin_notes(
    cur: duckdb.DuckDBPyConnection, name: str, rule: FileRule, source: SourceFile
) -> list[str]:
    if rule.table != "opportunities":
        return []
    negative = cur.execute(f"select count(*) from {name} where gross_margin_usd < 0").fetchall()[0][
        0
    ]
    return (
        [f"{source.name}: {negative} deals with a negative gross margin (kept: a loss is real)"]
        if negative
        else []
    )


def _lost_reference_notes(
    rule: FileRule, by_target: dict[str, ColumnRule], index: dict[str, int], source: SourceFile
) -> list[str]:
    """Say what is lost when a file maps a reference column its header row does not have."""
    notes = []
    for (table, target), lost in LOST_WITHOUT.items():
        column = by_target.get(target)
        if rule.table == table and column is not None and not _present(column, index):
            notes.append(
                f"{source.name} has no account column ({' / '.join(column.sources)}): {lost}"
            )
    return notes


def _refuse_blank_ids(
    cur: duckdb.DuckDBPyConnection,
    raw: str,
    rule: FileRule,
    by_target: dict[str, ColumnRule],
    index: dict[str, int],
    types: dict[int, str],
    source: SourceFile,
) -> None:
    key = PRIMARY_KEYS[rule.table]
    if (
        rule.table == "activities"
        or by_target[key].how in ("constant", "row_id")
        or by_target[key].linked is not None
        or rule.companion
    ):
        return
    used = [s for s in by_target[key].sources if s.lower() in index]
    blank = " and ".join(
        f"nullif(trim(c{index[s.lower()]}), '') is null"
        if types[index[s.lower()]] == "VARCHAR"
        else f"c{index[s.lower()]} is null"
        for s in used
    )
    row = cur.execute(f"select min(rowid) from {raw} where {blank}").fetchall()[0][0]
    if row is not None:
        raise ImportRefused(
            source.name, "the record ID is blank", column=used[0], row=row + source.first_row
        )
