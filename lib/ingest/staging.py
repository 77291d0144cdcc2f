"""Load one export file into a typed staging table, refusing the first value that is wrong.

User text never becomes SQL: raw columns are read by position (c0, c1, ...) and only those the
rule reads; canonical and internal column names come from constants (lib.store.schema,
spec.INTERNAL_TARGETS); every label, unit, format or rate from a spec is a $-parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from lib.errors import ImportRefused
from lib.ingest.source import SourceFile
from lib.ingest.spec import INTERNAL_TARGETS, MONEY_COLUMNS, ColumnRule, FileRule, MappingSpec
from lib.ingest.values import (
    Params,
    date_reader,
    decimal_evidence,
    money_text,
    number_from,
    number_shapes,
    row_currency,
)
from lib.store.schema import ACTIVITY_TYPES, PRIMARY_KEYS, TABLES

REQUIRED: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "leads": ("lead_id",),
    "activities": ("lead_id", "activity_type", "occurred_at"),
    "opportunities": ("opportunity_id", "close_date"),
}
# below zero these would make a share above 100% or a negative segment; a gross margin may
# really be negative (a loss-making deal), so it is kept and counted in a warning instead
NON_NEGATIVE = frozenset({"amount_usd", "annual_revenue_usd", "employees"})
MAX_NUMBER = 1e15  # above any real amount or headcount; sums stay exact in a double
KINDS = {
    "TIMESTAMP": "date and time",
    "DATE": "date",
    "DOUBLE": "number",
    "BIGINT": "whole number",
    "BOOLEAN": "true/false value",
}
NUMBER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE"}
    | {"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
)
TIME_TYPES = frozenset(
    {"DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS"}
    | {"TIMESTAMP_NS"}
)
FLAG_WORDS = (["true", "1", "yes", "y", "t"], ["false", "0", "no", "n", "f"])
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

    def header_of(self, target: str) -> str:
        """Return the export's header that fed canonical column `target` (else `target`)."""
        return self.columns.get(target) or target


@dataclass
class _Check:
    """One condition that refuses a row: its column, header, raw column and the reason."""

    header: str
    raw: int
    condition: str
    reason: str


def stage_file(
    cur: duckdb.DuckDBPyConnection, source: SourceFile, rule: FileRule, spec: MappingSpec, name: str
) -> Staged:
    """Stage `source` through `rule` into table `name` with canonical columns; refuse bad values."""
    index, notes = _header_index(source, rule)
    by_target = {c.target: c for c in rule.columns}
    _refuse_missing(source, rule, by_target, index)
    raw = f"{name}_raw"
    types = load_raw(cur, source, raw, sorted({index[h] for h in rule.sources() if h in index}))
    try:
        return _stage(cur, source, rule, spec, name, raw, index, types, notes)
    except duckdb.Error as exc:
        raise ImportRefused(source.name, f"could not be read: {_first_line(exc)}") from exc
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
    reader = _Reader(cur, source, spec, raw, index, types, params)
    currency = by_target.get("_currency")
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
        _keep_first_per_key(cur, name, PRIMARY_KEYS[rule.table])
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
        if header is None and t in by_target and by_target[t].how not in ("constant", "row_id")
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
    )


class _Reader:
    """Builds each canonical column's SQL from its source columns, collecting row checks."""

    def __init__(
        self,
        cur: duckdb.DuckDBPyConnection,
        source: SourceFile,
        spec: MappingSpec,
        raw: str,
        index: dict[str, int],
        types: dict[int, str],
        params: Params,
    ) -> None:
        self.cur, self.source, self.spec, self.raw = cur, source, spec, raw
        self.index, self.types, self.params = index, types, params
        self.checks: list[_Check] = []
        self.currencies: tuple[str, ...] = ()
        self.currency_column: int | None = None

    def column(
        self, target: str, sql_type: str, column: ColumnRule | None, notes: list[str]
    ) -> tuple[str, str | None]:
        """Return the SQL of one canonical column and the header it was read from."""
        if column is None:
            return f"cast(null as {sql_type})", None
        if column.how == "constant":
            return f"cast(cast({self.params(column.constant)} as varchar) as {sql_type})", None
        present = [s for s in column.sources if s.lower() in self.index]
        used = [s for s in present if self._filled(self.index[s.lower()])]
        if target in MONEY_COLUMNS:
            used = used[:1]  # amounts in two currencies never mix row by row
        header = next(iter(used or present), None)
        if column.how == "row_id":
            if not used:
                notes.append(
                    f"{self.source.name}: no record IDs (a report export): each row is counted "
                    "as its own record, so one exported twice counts twice; accounts are keyed "
                    "by name, so two accounts of one name are one"
                )
            label, first = self.params(self.source.name + ":"), self.params(self.source.first_row)
            row = f"{label} || cast(rowid + {first} as varchar)"
            return f"coalesce({self._text(used) or 'cast(null as varchar)'}, {row})", header
        if column.how == "present":
            flagged = self._text(used)
            return ("false" if flagged is None else f"({flagged} is not null)"), header
        if present and not used and target in ("is_won", "is_closed"):
            notes.append(
                f"{self.source.name}: {present[0]} is blank in every row; "
                "closed and won are taken from the stage"
            )
        if not used:
            return f"cast(null as {sql_type})", header
        if column.how == "first_of_list":
            return f"nullif(trim(split_part({self._text(used)}, ';', 1)), '')", header
        if target == "activity_type":
            return self._activity_type(used), header
        parts = [self._typed(target, sql_type, s, column) for s in used]
        value = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
        if sql_type in ("DOUBLE", "BIGINT"):
            value = f"{value} * {self.params(column.unit)}"
            if target in MONEY_COLUMNS:
                value = self._in_company_currency(value, used[0], column)
            if sql_type == "BIGINT":
                value = f"cast(round({value}) as bigint)"
        if sql_type == "DATE":
            value = f"cast({value} as date)"
        return value, header

    def _filled(self, i: int) -> bool:
        sql = f"select exists (select 1 from {self.raw} where {self._cell(i)} is not null)"
        return bool(self.cur.execute(sql).fetchall()[0][0])

    def _cell(self, i: int) -> str:
        """Return raw column i as text, null when blank."""
        return f"nullif(trim(c{i}), '')" if self.types[i] == "VARCHAR" else f"cast(c{i} as varchar)"

    def _text(self, used: list[str]) -> str | None:
        parts = [self._cell(self.index[s.lower()]) for s in used]
        return (
            None if not parts else parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
        )

    def _typed(self, target: str, sql_type: str, header: str, column: ColumnRule) -> str:
        """Return one source column read as the target's type, registering its row checks."""
        i = self.index[header.lower()]
        native, text = self.types[i], self._cell(i)
        if sql_type == "BOOLEAN":
            if native == "BOOLEAN":
                return f"coalesce(c{i}, false)"
            yes, no = self.params(FLAG_WORDS[0]), self.params(FLAG_WORDS[1])
            flag = (
                f"(case when lower({text}) in (select unnest({yes})) then true "
                f"when lower({text}) in (select unnest({no})) then false end)"
            )
            self._check(header, i, f"{text} is not null and {flag} is null", "unreadable", target)
            # a flag column in use writes "1" or blank: there blank means false, not unknown
            return f"coalesce({flag}, false)"
        if sql_type in ("TIMESTAMP", "DATE"):
            value = self._moment(i, native, text, column, header)
            first, last = self.spec.years
            low, high = self.params(f"{first}-01-01"), self.params(f"{last + 1}-01-01")
            self._check(header, i, f"{text} is not null and {value} is null", "unreadable", target)
            self._check(
                header,
                i,
                f"({value} < cast({low} as timestamp) or {value} >= cast({high} as timestamp))",
                f"outside the years {first}-{last} (a date_range in a mapping allows others)",
                target,
            )
            return value
        if sql_type in ("DOUBLE", "BIGINT"):
            value = self._number(i, native, text, header)
            self._check(header, i, f"{text} is not null and {value} is null", "unreadable", target)
            self._check(header, i, f"not isfinite({value})", "not a finite number", target)
            self._check(
                header,
                i,
                f"isfinite({value}) and abs({value}) > {self.params(MAX_NUMBER)}",
                "too large to be real (over 10^15)",
                target,
            )
            if target in NON_NEGATIVE:
                self._check(
                    header,
                    i,
                    f"{value} < 0",
                    "negative, which would skew every share and sum",
                    target,
                )
            return value
        return text

    def _moment(self, i: int, native: str, text: str, column: ColumnRule, header: str) -> str:
        if native in TIME_TYPES:
            return f"cast(c{i} as timestamp)"
        fmt = column.date_format or self.spec.date_format
        if fmt:
            return f"try_strptime({text}, {self.params(fmt)})"
        return date_reader(
            self.cur,
            self.raw,
            text,
            self.params,
            order=self.spec.date_order,
            file=self.source.name,
            header=header,
        )

    def _number(self, i: int, native: str, text: str, header: str) -> str:
        if native in NUMBER_TYPES or native.startswith("DECIMAL"):
            return f"cast(c{i} as double)"
        bare = money_text(text, self.params)
        proven, either = decimal_evidence(number_shapes(self.cur, self.raw, bare, self.params))
        decimal = self._decimal(proven, either, header)
        return number_from(bare, decimal)

    def _decimal(self, proven: set[str], either: bool, header: str) -> str:
        if len(proven) > 1:
            raise ImportRefused(
                self.source.name,
                "numbers are written both as 1,234.5 and 1.234,5; write them one way",
                column=header,
            )
        if self.spec.decimal is not None:
            if proven and proven != {self.spec.decimal}:
                raise ImportRefused(
                    self.source.name,
                    f"numbers are written with {next(iter(proven))!r} as the decimal mark, "
                    f"but the settings say {self.spec.decimal!r}",
                    column=header,
                )
            return self.spec.decimal
        if proven:
            return next(iter(proven))
        if either:
            raise ImportRefused(
                self.source.name,
                "every number here could be read two ways (12,400 is twelve thousand four "
                "hundred or twelve point four); say which: decimal in a mapping, --decimal on "
                "the command line, or the Import page's decimal mark",
                column=header,
            )
        return "."

    def _in_company_currency(self, value: str, header: str, column: ColumnRule) -> str:
        """Return the amount in the company currency, or refuse naming the currencies found."""
        if header in column.company_currency:
            return value
        i = self.index[header.lower()]
        codes = [row_currency(self._cell(i), self.params)] if self.types[i] == "VARCHAR" else []
        if self.currency_column is not None:
            codes.append(f"upper({self._cell(self.currency_column)})")
        if not codes:
            return value
        code = codes[0] if len(codes) == 1 else f"coalesce({', '.join(codes)})"
        sql = f"select distinct {code} from {self.raw} where {code} is not null limit 50"
        found = sorted(r[0] for r in self.cur.execute(sql, self.params.used_by(sql)).fetchall())
        company = self.spec.company_currency
        if not found or found == [company] or (company is None and len(found) == 1):
            self.currencies = tuple(found) or self.currencies
            return value
        rates = dict(self.spec.rates) | ({company: 1.0} if company else {})
        missing = [c for c in found if c not in rates]
        if missing or company is None:
            raise ImportRefused(
                self.source.name,
                f"amounts are in {', '.join(found)}: export the amount in the company currency, "
                "or give the company currency and rates (company_currency and currencies: "
                "{EUR: 1.08} in a mapping, or --currency and --currency-rate EUR=1.08)",
                column=header,
            )
        self.currencies = (company,)
        whens = " ".join(f"when {self.params(c)} then {self.params(rates[c])}" for c in found)
        return f"({value} * (case {code} {whens} else 1.0 end))"

    def _activity_type(self, used: list[str]) -> str:
        """Map a subject or type label to a canonical activity type by its prefix; else other."""
        mapped = []
        for header in used:
            text = self._cell(self.index[header.lower()])
            whens = [
                f"when lower({text}) like {self.params(prefix + '%')} then {self.params(kind)}"
                for prefix, kind in self.spec.activity_prefixes
            ]
            canonical = self.params(list(ACTIVITY_TYPES))
            whens.append(
                f"when replace(lower({text}), ' ', '_') in (select unnest({canonical})) "
                f"then replace(lower({text}), ' ', '_')"
            )
            mapped.append(f"(case {' '.join(whens)} end)")
        return f"coalesce({', '.join(mapped)}, 'other')"

    def _check(self, header: str, raw: int, condition: str, reason: str, target: str) -> None:
        if reason == "unreadable":
            reason = (
                f"cannot read {{value!r}} as a {KINDS.get(TABLES_TYPE.get(target, ''), 'value')}"
            )
        self.checks.append(_Check(header, raw, condition, reason))

    def refuse_bad_rows(self) -> None:
        """Refuse the first row (file order) that fails any check, naming column and value."""
        if not self.checks:
            return
        firsts = ", ".join(f"min(case when {c.condition} then rowid end)" for c in self.checks)
        sql = f"select {firsts} from {self.raw}"
        bad = self.cur.execute(sql, self.params.used_by(sql)).fetchall()[0]
        found = [
            (row, check) for row, check in zip(bad, self.checks, strict=True) if row is not None
        ]
        if not found:
            return
        row, check = min(found, key=lambda f: f[0])
        value = self.cur.execute(
            f"select c{check.raw} from {self.raw} where rowid = $r", {"r": row}
        ).fetchall()[0][0]
        reason = (
            check.reason.format(value=value)
            if "{value" in check.reason
            else f"{value!r} is {check.reason}"
        )
        raise ImportRefused(
            self.source.name, reason, column=check.header, row=row + self.source.first_row
        )


TABLES_TYPE = {
    col: typ for table in TABLES.values() for col, (typ, _) in table.items()
} | INTERNAL_TARGETS


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
    for target in REQUIRED[rule.table]:
        column = by_target.get(target)
        if column is None or not _present(column, index):
            wanted = column.sources if column else (target,)
            raise ImportRefused(
                source.name,
                "required column is missing from the header row",
                column=" / ".join(wanted),
            )
    if rule.table == "opportunities" and not any(
        t in by_target and _present(by_target[t], index) for t in ("stage", "is_won")
    ):
        wanted = by_target["stage"].sources if "stage" in by_target else ("stage",)
        raise ImportRefused(
            source.name,
            "required column is missing from the header row (won and lost come from it)",
            column=" / ".join(wanted),
        )


def _present(column: ColumnRule, index: dict[str, int]) -> bool:
    return column.how in ("constant", "row_id") or any(s.lower() in index for s in column.sources)


def load_raw(
    cur: duckdb.DuckDBPyConnection, source: SourceFile, name: str, needed: list[int]
) -> dict[int, str]:
    """Make `name` hold the needed columns as c<i> (i = position in the file); return types.

    Only the columns a rule reads are kept: a 5,000-column export costs what its used columns
    cost. A CSV becomes a temporary table of text; a Parquet file stays a view of its typed
    columns, with `rowid` its row number.
    """
    needed = needed or [0]
    if source.is_parquet:
        rel = cur.read_parquet(str(source.path), file_row_number=True)
        names = rel.columns[:-1]
        cur.register(
            name,
            rel.select(
                *[duckdb.ColumnExpression(names[i]).alias(f"c{i}") for i in needed],
                duckdb.ColumnExpression(rel.columns[-1]).alias("rowid"),
            ),
        )
        described = cur.execute(f"select column_name, column_type from (describe {name})")
        return {int(c[1:]): t for c, t in described.fetchall() if c != "rowid"}
    # no sniffing: the dialect is known, and a bad row then fails with its line number
    rel = cur.read_csv(
        str(source.path),
        header=False,
        skiprows=1,
        auto_detect=False,
        sep=source.delimiter,
        quotechar='"',
        escapechar='"',
        columns={f"c{i}": "VARCHAR" for i in range(len(source.headers))},
        null_padding=False,
    )
    cur.register(f"{name}_file", rel)
    try:
        cur.execute(
            f"create temp table {name} as select {', '.join(f'c{i}' for i in needed)} "
            f"from {name}_file"
        )
    except duckdb.Error as exc:
        row, reason = _csv_error(exc)
        raise ImportRefused(source.name, f"malformed row: {reason}", row=row) from exc
    finally:
        cur.unregister(f"{name}_file")
    return dict.fromkeys(needed, "VARCHAR")


def drop_raw(cur: duckdb.DuckDBPyConnection, source: SourceFile, name: str) -> None:
    """Drop what load_raw made."""
    if source.is_parquet:
        cur.unregister(name)
    else:
        cur.execute(f"drop table if exists {name}")


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
        reason = _first_line(exc)
    return (int(line[1]) if line else None), reason


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]


def _drop_deleted(
    cur: duckdb.DuckDBPyConnection, name: str, by_target: dict[str, ColumnRule]
) -> int:
    if "_is_deleted" not in by_target:
        return 0
    return int(cur.execute(f"delete from {name} where _is_deleted").fetchall()[0][0])


def _keep_first_per_key(cur: duckdb.DuckDBPyConnection, name: str, key: str) -> None:
    """A companion table repeats its record on every row of the file: keep the first of each."""
    cur.execute(
        f"delete from {name} where {key} is null or rowid not in "
        f"(select min(rowid) from {name} group by {key})"
    )


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
    if rule.table == "activities" or by_target[key].how in ("constant", "row_id") or rule.companion:
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
