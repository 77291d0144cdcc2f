"""Load one export file into a typed staging table, refusing the first value that will not parse.

User text never becomes SQL: raw columns are renamed by position (c0, c1, ...) as they are read,
and every label, unit or format from a spec is passed as a $-parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import duckdb

from lib.errors import ImportRefused
from lib.ingest.files import SourceFile
from lib.ingest.spec import ColumnRule, FileRule, MappingSpec
from lib.store.schema import ACTIVITY_TYPES, TABLES

REQUIRED: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "leads": ("lead_id",),
    "activities": ("lead_id", "activity_type", "occurred_at"),
    "opportunities": ("opportunity_id", "close_date"),
}
TYPED = ("TIMESTAMP", "DATE", "DOUBLE", "BIGINT", "BOOLEAN")
NUMBER_TYPES = frozenset(
    {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "FLOAT",
        "DOUBLE",
    }
)
TIME_TYPES = dict.fromkeys(
    (
        "DATE",
        "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP_S",
        "TIMESTAMP_MS",
        "TIMESTAMP_NS",
    ),
    "time",
)
TABLES_KIND = {
    col: {
        "TIMESTAMP": "date and time",
        "DATE": "date",
        "DOUBLE": "number",
        "BIGINT": "whole number",
        "BOOLEAN": "true/false value",
    }.get(typ, "value")
    for table in TABLES.values()
    for col, (typ, _) in table.items()
}
LOST_WITHOUT = {  # (table, reference column) -> what the KPIs lose when a file lacks it
    ("opportunities", "account_id"): "pipeline mix by segment will not include these deals",
}


@dataclass
class Staged:
    """A staged file: its table name in DuckDB, the canonical table it feeds, and notes."""

    table: str
    canonical: str
    file: str
    rows: int
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # canonical column -> header read

    def header_of(self, target: str) -> str:
        """Return the export's header that fed canonical column `target` (else `target`)."""
        return self.columns.get(target, target)


def load_raw(cur: duckdb.DuckDBPyConnection, source: SourceFile, name: str) -> list[str]:
    """Make `name` hold the file as columns c0..cN in file order; return their SQL types.

    A CSV becomes a temporary table of text; a Parquet file stays a view of its typed columns
    (copying 10M rows as text cost more than all the checks), with `rowid` its row number.
    """
    cols = [f"c{i}" for i in range(len(source.headers))]
    if source.is_parquet:
        rel = cur.read_parquet(str(source.path), file_row_number=True)
        cur.register(
            name,
            rel.select(
                *[
                    duckdb.ColumnExpression(h).alias(c)
                    for h, c in zip(rel.columns[:-1], cols, strict=True)
                ],
                duckdb.ColumnExpression(rel.columns[-1]).alias("rowid"),
            ),
        )
        described = cur.execute(f"select column_name, column_type from (describe {name})")
        return [t for c, t in described.fetchall() if c != "rowid"]
    # no sniffing: the dialect is known, and a bad row then fails with its line number
    rel = cur.read_csv(
        str(source.path),
        header=False,
        skiprows=1,
        auto_detect=False,
        sep=source.delimiter,
        quotechar='"',
        escapechar='"',
        columns=dict.fromkeys(cols, "VARCHAR"),
        null_padding=False,
    )
    cur.register(f"{name}_file", rel)
    try:
        cur.execute(f"create temp table {name} as select * from {name}_file")
    except duckdb.Error as exc:
        row, reason = _csv_error(exc)
        raise ImportRefused(source.name, f"malformed row: {reason}", row=row) from exc
    finally:
        cur.unregister(f"{name}_file")
    return ["VARCHAR"] * len(cols)


def drop_raw(cur: duckdb.DuckDBPyConnection, source: SourceFile, name: str) -> None:
    """Drop what load_raw made."""
    if source.is_parquet:
        cur.unregister(name)
    else:
        cur.execute(f"drop table {name}")


def _csv_error(exc: Exception) -> tuple[int | None, str]:
    """Return the spreadsheet row (header = 1) and the reason DuckDB gives for a bad CSV."""
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if found:
        reason = f"{found[2]} fields where the header row has {found[1]}"
    elif "unterminated quote" in text:
        reason = "a quoted value is never closed"
    else:
        reason = text.strip().splitlines()[0][:300]
    return (int(line[1]) if line else None), reason


def stage_file(
    cur: duckdb.DuckDBPyConnection, source: SourceFile, rule: FileRule, spec: MappingSpec, name: str
) -> Staged:
    """Stage `source` through `rule` into table `name` with canonical columns; refuse bad values."""
    raw = f"{name}_raw"
    types = load_raw(cur, source, raw)
    index = {h.lower(): i for i, h in reversed(list(enumerate(source.headers)))}
    filled = _filled_columns(cur, raw, types)
    notes: list[str] = []
    params: dict[str, Any] = {}
    selects, checks = [], []
    read_from: dict[str, str] = {}
    by_target = {c.target: c for c in rule.columns}
    for target in REQUIRED[rule.table]:
        if target not in by_target or not _present(by_target[target], index):
            wanted = by_target[target].sources if target in by_target else (target,)
            raise ImportRefused(
                source.name,
                "required column is missing from the header row",
                column=" / ".join(wanted),
            )
    for target, (sql_type, _) in TABLES[rule.table].items():
        column = by_target.get(target)
        present = [s for s in column.sources if s.lower() in index] if column else []
        used = [s for s in present if filled[index[s.lower()]]]
        if present:
            read_from[target] = (used or present)[0]
        if column and present and not used and target in ("is_won", "is_closed"):
            notes.append(
                f"{source.name}: {present[0]} is blank in every row; "
                "closed and won are taken from the stage"
            )
        text = _text_expr(column, used, index, types, params, spec) if column else None
        if column is not None and column.how == "present" and present and text is None:
            text = "cast(null as varchar)"  # the columns exist and are blank: nothing bounced
        native = _native_expr(
            sql_type,
            column,
            [types[index[s.lower()]] for s in used],
            [index[s.lower()] for s in used],
            params,
        )
        typed = native or _typed_expr(target, sql_type, text, column, params, spec, bool(used))
        selects.append(f"{typed} as {target}")
        if (
            native is None
            and text is not None
            and sql_type in TYPED
            and column
            and column.how == "value"
        ):
            checks.append((target, used, f"{text} is not null and {typed} is null"))
    for column in rule.columns:
        if column.target.startswith("_"):
            used = [s for s in column.sources if s.lower() in index]
            selects.append(
                f"{_text_expr(column, used, index, types, params, spec) or 'null'} "
                f"as {column.target}"
            )
    notes += _lost_reference_notes(rule, by_target, index, source)
    _refuse_unparsed(cur, raw, checks, params, source)
    _refuse_blank_ids(cur, raw, rule, by_target, index, types, source)
    _run(
        cur,
        f"create temp table {name} as select {', '.join(selects)}, "
        f"rowid + 2 as _row, $_file as _file from {raw}",
        params | {"_file": source.name},
    )
    drop_raw(cur, source, raw)
    rows = cur.execute(f"select count(*) from {name}").fetchall()[0][0]
    return Staged(name, rule.table, source.name, rows, notes, read_from)


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


def _present(column: ColumnRule, index: dict[str, int]) -> bool:
    return column.how == "constant" or any(s.lower() in index for s in column.sources)


def _cell(i: int, types: list[str]) -> str:
    """Return raw column i as text, null when blank."""
    return f"nullif(trim(c{i}), '')" if types[i] == "VARCHAR" else f"cast(c{i} as varchar)"


def _kind(sql_type: str) -> str | None:
    """Return 'time', 'number' or 'flag' for a natively typed column, None for text and others."""
    if sql_type in NUMBER_TYPES or sql_type.startswith("DECIMAL"):
        return "number"
    return TIME_TYPES.get(sql_type) or ("flag" if sql_type == "BOOLEAN" else None)


def _native_expr(
    sql_type: str,
    column: ColumnRule | None,
    used_types: list[str],
    used: list[int],
    params: dict[str, Any],
) -> str | None:
    """Return the typed value straight from typed (Parquet) columns, or None to parse text."""
    want = {
        "TIMESTAMP": "time",
        "DATE": "time",
        "DOUBLE": "number",
        "BIGINT": "number",
        "BOOLEAN": "flag",
    }.get(sql_type)
    if (
        column is None
        or column.how != "value"
        or not used
        or want is None
        or any(_kind(t) != want for t in used_types)
    ):
        return None
    if want == "number":
        value = (
            f"coalesce({', '.join(f'cast(c{i} as double)' for i in used)}) "
            f"* {_param(params, column.unit)}"
        )
        return value if sql_type == "DOUBLE" else f"cast(round({value}) as bigint)"
    value = f"coalesce({', '.join(f'cast(c{i} as {sql_type})' for i in used)})"
    return f"coalesce({value}, false)" if want == "flag" else value


def _filled_columns(cur: duckdb.DuckDBPyConnection, raw: str, types: list[str]) -> list[bool]:
    """Return, per raw column, whether any row holds a value (stops at the first that does)."""
    tests = ", ".join(
        f"exists (select 1 from {raw} where {_cell(i, types)} is not null)"
        for i in range(len(types))
    )
    return [bool(n) for n in cur.execute(f"select {tests}").fetchall()[0]]


def _run(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[Any]:
    """Run generated SQL with just the parameters it names (DuckDB refuses extra ones)."""
    named = set(re.findall(r"\$(\w+)", sql))
    return cur.execute(sql, {k: v for k, v in params.items() if k in named}).fetchall()


def _param(params: dict[str, Any], value: Any) -> str:
    key = f"p{len(params)}"
    params[key] = value
    return f"${key}"


def _text_expr(
    column: ColumnRule | None,
    used: list[str],
    index: dict[str, int],
    types: list[str],
    params: dict[str, Any],
    spec: MappingSpec,
) -> str | None:
    if column is None:
        return None
    if column.how == "constant":
        return f"cast({_param(params, column.constant)} as varchar)"
    if not used:
        return None
    parts = [_cell(index[s.lower()], types) for s in used]
    if column.target == "activity_type":
        mapped = [_activity_type_expr(p, params, spec) for p in parts]
        return f"coalesce({', '.join(mapped)}, 'other')"
    text = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
    if column.how == "first_of_list":
        return f"nullif(trim(split_part({text}, ';', 1)), '')"
    return text


def _activity_type_expr(text: str, params: dict[str, Any], spec: MappingSpec) -> str:
    """Map a subject or type label to a canonical activity type by its prefix; null if none."""
    whens = [
        f"when lower({text}) like {_param(params, prefix + '%')} then {_param(params, kind)}"
        for prefix, kind in spec.activity_prefixes
    ]
    canonical = _param(params, list(ACTIVITY_TYPES))
    whens.append(
        f"when replace(lower({text}), ' ', '_') in (select unnest({canonical})) "
        f"then replace(lower({text}), ' ', '_')"
    )
    return f"(case {' '.join(whens)} end)"


def _typed_expr(
    target: str,
    sql_type: str,
    text: str | None,
    column: ColumnRule | None,
    params: dict[str, Any],
    spec: MappingSpec,
    column_in_use: bool,
) -> str:
    if text is None:
        return f"cast(null as {sql_type})"
    if column is not None and column.how == "present":
        return f"({text} is not null)"
    if sql_type in ("TIMESTAMP", "DATE"):
        if spec.date_format:
            moment = f"try_strptime({text}, {_param(params, spec.date_format)})"
        else:
            moment = f"cast(try_cast({text} as timestamptz) as timestamp)"
        return moment if sql_type == "TIMESTAMP" else f"cast({moment} as date)"
    if sql_type in ("DOUBLE", "BIGINT"):
        number = (
            f"replace(replace({text}, '.', ''), ',', '.')"
            if spec.decimal == ","
            else f"replace(replace({text}, ',', ''), ' ', '')"
        )
        unit = column.unit if column is not None else 1.0
        value = f"try_cast({number} as double) * {_param(params, unit)}"
        return value if sql_type == "DOUBLE" else f"cast(round({value}) as bigint)"
    if sql_type == "BOOLEAN":
        flag = (
            f"case when lower({text}) in ('true', '1', 'yes', 'y', 't') then true "
            f"when lower({text}) in ('false', '0', 'no', 'n', 'f') then false end"
        )
        # a flag column in use writes "1" or blank: there blank means false, not unknown
        return f"coalesce({flag}, false)" if column_in_use else flag
    return text


def _refuse_unparsed(
    cur: duckdb.DuckDBPyConnection,
    raw: str,
    checks: list[tuple[str, list[str], str]],
    params: dict[str, Any],
    source: SourceFile,
) -> None:
    if not checks:
        return
    firsts = ", ".join(f"min(case when {cond} then rowid end)" for _, _, cond in checks)
    bad = _run(cur, f"select {firsts} from {raw}", params)[0]
    found = [
        (row, target, used)
        for row, (target, used, _) in zip(bad, checks, strict=True)
        if row is not None
    ]
    if not found:
        return
    row, target, used = min(found, key=lambda f: f[0])
    col = used[0]
    index = {h.lower(): i for i, h in enumerate(source.headers)}
    value = cur.execute(
        f"select c{index[col.lower()]} from {raw} where rowid = $r", {"r": row}
    ).fetchall()[0][0]
    kind = TABLES_KIND.get(target, "value")
    raise ImportRefused(source.name, f"cannot read {value!r} as a {kind}", column=col, row=row + 2)


def _refuse_blank_ids(
    cur: duckdb.DuckDBPyConnection,
    raw: str,
    rule: FileRule,
    by_target: dict[str, ColumnRule],
    index: dict[str, int],
    types: list[str],
    source: SourceFile,
) -> None:
    key = {"accounts": "account_id", "leads": "lead_id", "opportunities": "opportunity_id"}.get(
        rule.table
    )
    if key is None or by_target[key].how == "constant":
        return
    used = [s for s in by_target[key].sources if s.lower() in index]
    blank = " and ".join(f"{_cell(index[s.lower()], types)} is null" for s in used)
    row = cur.execute(f"select min(rowid) from {raw} where {blank}").fetchall()[0][0]
    if row is not None:
        raise ImportRefused(source.name, "the record ID is blank", column=used[0], row=row + 2)
