"""Source columns kept as they are: lead and account attributes, typed from all their values.

A mapping's `attributes:` names the columns to keep (headers, patterns such as `*__c`, or
`all` the columns no column rule reads). Each kept column is typed on import the way canonical
columns are inferred (lib.ingest.values): true/false words make a boolean, numbers read with
one decimal mark a number, dates read one way a date, anything else a category. Where the
canonical columns would refuse (a decimal mark or date order that reads two ways), an attribute
is kept as a category and a warning says which setting reads it typed: an extra column never
stops an import. The columns are unpivoted into long form (lib.store.schema.ATTRIBUTE_TABLES)
by position, in a handful of queries per file whatever their number (readers run on each
column's distinct values); their names reach SQL only as $-parameters.
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass

import duckdb

from lib.errors import ImportRefused
from lib.ingest.source import SourceFile
from lib.ingest.spec import FileRule, MappingSpec, is_pattern
from lib.ingest.values import (
    DAY_FIRST,
    MONTH_FIRST,
    Params,
    decimal_evidence,
    iso_moment,
    money_text,
    number_from,
    strptime_moment,
)

# past this many kept columns per file the rest are left out and named: a 5,000-column
# export stays as cheap as the columns it is read for (200 custom fields is a large org)
MAX_KEPT = 500
FLAG_WORDS = ("true", "1", "yes", "y", "t", "false", "0", "no", "n", "f")
MOSTLY = 0.9  # a column this share numbers (or dates) but not all is named in a warning
# how a kept column's text becomes its value: the reader labels below, each one SQL case
READERS = ("boolean", "number.", "number,", "iso", "mdy", "dmy", "format", "category")


@dataclass(frozen=True)
class KeptColumn:
    """One source column kept as an attribute: its header, position and how it is read."""

    name: str
    position: int
    reader: str = "category"

    @property
    def kind(self) -> str:
        """Return number, date, boolean or category."""
        if self.reader.startswith("number"):
            return "number"
        if self.reader in ("iso", "mdy", "dmy", "format"):
            return "date"
        return self.reader


def kept_columns(
    source: SourceFile, rule: FileRule, index: dict[str, int]
) -> tuple[list[KeptColumn], list[str]]:
    """Return the columns the rule keeps, in file order, and notes on those left out; refuse
    a header the rule names that the file lacks."""
    if not rule.attributes and not rule.keep_all:
        return [], []
    counts: dict[str, int] = {}
    for header in source.headers:
        counts[header.strip().lower()] = counts.get(header.strip().lower(), 0) + 1
    for named in rule.attributes:
        if not is_pattern(named) and named.strip().lower() not in index:
            near = difflib.get_close_matches(named.lower(), list(index), n=1, cutoff=0.6)
            hint = f" (did you mean {source.headers[index[near[0]]].strip()!r}?)" if near else ""
            raise ImportRefused(
                source.name,
                f"not in the header row{hint}; the mapping keeps it as a {rule.table} attribute",
                column=named,
            )
    mapped, patterns = rule.mapped(), [a.lower() for a in rule.attributes if is_pattern(a)]
    # a header named outright is kept even when a column rule also reads it (Lead Source as
    # the channel and as an attribute a rule can score); `all` and patterns skip mapped ones
    outright = {a.strip().lower() for a in rule.attributes if not is_pattern(a)}

    def wanted(header: str) -> bool:
        if header in outright:
            return True
        matched = rule.keep_all or any(fnmatch.fnmatchcase(header, p) for p in patterns)
        return matched and header not in mapped

    kept = [
        KeptColumn(header.strip(), i)
        for i, header in enumerate(source.headers)
        if header.strip() and counts[header.strip().lower()] == 1 and wanted(header.strip().lower())
    ]
    if len(kept) <= MAX_KEPT:
        return kept, []
    left = kept[MAX_KEPT:]
    return kept[:MAX_KEPT], [
        f"{source.name}: {len(kept)} columns to keep as attributes; the first {MAX_KEPT} were "
        f"kept and {len(left)} left out (from {left[0].name!r}); name the ones you need under "
        "`attributes:` in a mapping (it may `extends:` this format)"
    ]


def stage_attributes(
    cur: duckdb.DuckDBPyConnection,
    source: SourceFile,
    spec: MappingSpec,
    raw: str,
    name: str,
    kept: list[KeptColumn],
    types: dict[int, str],
) -> tuple[list[KeptColumn], list[str]]:
    """Create table `name` (_row, col 'c<position>' and typed values) from the kept columns of
    the raw table; return the columns with their readers (blank ones dropped) and warnings."""
    params = Params()
    long = _long_form(raw, sorted({k.position for k in kept}), types)
    # each reader runs once per distinct value of a column, not per cell: a custom field
    # holds few (a tier, a count, a date) and strptime over 12M cells took 30 s a format list
    distinct = f"{name}_distinct"
    cur.execute(
        f"create temp table {distinct} as select col, text, count(*) as n from {long} "
        "group by col, text"
    )
    text, bare = "text", money_text("text", params)
    yes, words = params(list(FLAG_WORDS[:5])), params(list(FLAG_WORDS))
    values = _readers(params, spec)
    counted = ", ".join(
        f"coalesce(sum(case when {v} is not null then n end), 0)" for v in values.values()
    )
    sql = (
        f"select col, sum(n), coalesce(sum(case when lower({text}) in "
        f"(select unnest({words})) then n end), 0), {counted} from {distinct} group by col"
    )
    found = {r[0]: r[1:] for r in cur.execute(sql, params.used_by(sql)).fetchall()}
    shapes = _number_shapes(cur, distinct, bare, params, found)
    notes: list[str] = []
    typed = []
    for column in kept:
        counts = found.get(f"c{column.position}")
        if counts is None:
            continue  # blank in every row (custom fields often are): nothing to keep
        filled, flags, *read = counts
        reader = _reader(
            column, filled, flags, dict(zip(values, read, strict=True)), shapes, spec, source, notes
        )
        typed.append(KeptColumn(column.name, column.position, reader))
    typed = _dates_in_range(cur, distinct, values, params, typed, spec, source, notes)
    if not typed:
        return typed, notes
    cols = params([f"c{k.position}" for k in typed])
    readers = params([k.reader for k in typed])
    numbers = " ".join(f"when {params(r)} then {values[r]}" for r in ("number.", "number,"))
    dates = " ".join(f"when {params(r)} then {values[r]}" for r in ("iso", "mdy", "dmy", "format"))
    sql = (
        f"create temp table {name}_typed as select col, text, "
        f"(case k.reader {numbers} end) as number_value, "
        f"cast((case k.reader {dates} end) as timestamp) as date_value, "
        f"(case when k.reader = 'boolean' then lower({text}) in (select unnest({yes})) end) "
        f"as flag_value, (case when k.reader = 'category' then {text} end) as text_value "
        f"from {distinct} join (select unnest({cols}) as col, unnest({readers}) as reader) "
        "as k using (col)"
    )
    cur.execute(sql, params.used_by(sql))
    first = params(source.first_row)
    # a row per value keeps the column's position ('c12'), never its header: a short string
    # stored inline, where 120M copies of a long header would each take heap memory
    sql = (
        f"create temp table {name} as select _rid + {first} as _row, col, "
        "t.number_value, t.date_value, t.flag_value, t.text_value "
        f"from {long} join {name}_typed as t using (col, text)"
    )
    cur.execute(sql, params.used_by(sql))
    cur.execute(f"drop table {distinct}")
    cur.execute(f"drop table {name}_typed")
    return typed, notes


def _long_form(raw: str, positions: list[int], types: dict[int, str]) -> str:
    """Return SQL of the raw columns at these positions unpivoted: (_rid, col 'c<i>', text),
    a row per non-blank value."""
    cells = ", ".join(
        f"nullif(trim(c{i}), '') as c{i}"
        if types[i] == "VARCHAR"
        else f"cast(c{i} as varchar) as c{i}"
        for i in positions
    )
    on = ", ".join(f"c{i}" for i in positions)
    return f"(unpivot (select rowid as _rid, {cells} from {raw}) on {on} into name col value text)"


def _readers(params: Params, spec: MappingSpec) -> dict[str, str]:
    """Return SQL reading `text` for each typed reader of READERS."""
    text = "text"
    return {
        "number.": number_from(money_text(text, params), "."),
        "number,": number_from(money_text(text, params), ","),
        "iso": iso_moment(text),
        "mdy": f"coalesce({strptime_moment(text, list(MONTH_FIRST), params)}, {iso_moment(text)})",
        "dmy": f"coalesce({strptime_moment(text, list(DAY_FIRST), params)}, {iso_moment(text)})",
        "format": f"try_strptime({text}, {params(spec.date_format or '%Y-%m-%d')})",
    }


def _number_shapes(
    cur: duckdb.DuckDBPyConnection,
    distinct: str,
    bare: str,
    params: Params,
    found: dict[str, tuple[int, ...]],
) -> dict[str, set[str]]:
    """Return the distinct shapes (digits as 9) of each column that reads as numbers."""
    numeric = [col for col, (filled, _, dot, comma, *_) in found.items() if filled in (dot, comma)]
    if not numeric:
        return {}
    sql = (
        f"select col, list(distinct regexp_replace({bare}, '[0-9]', '9', 'g')) from {distinct} "
        f"where col in (select unnest({params(numeric)})) group by col"
    )
    return {r[0]: set(r[1]) for r in cur.execute(sql, params.used_by(sql)).fetchall()}


def _reader(
    column: KeptColumn,
    filled: int,
    flags: int,
    read: dict[str, int],
    shapes: dict[str, set[str]],
    spec: MappingSpec,
    source: SourceFile,
    notes: list[str],
) -> str:
    """Return how a column's text is read, noting a column that stays a category although
    it nearly reads typed, or reads typed only with a setting."""
    where = f"{source.name}: kept column {column.name!r}"
    if flags == filled:
        return "boolean"
    col = f"c{column.position}"
    if col in shapes:
        decimal, why = _decimal(shapes[col], spec)
        if decimal is not None and read[f"number{decimal}"] == filled:
            return f"number{decimal}"
        if why:
            notes.append(f"{where} is kept as a category: {why}")
            return "category"
    date = _date_reader(read, filled, spec)
    if date == "either":
        notes.append(
            f"{where} is kept as a category: every date reads both day-first and month-first; "
            "a date_order of dmy or mdy in a mapping (or --date-order) reads it as dates"
        )
        return "category"
    if date is not None:
        return date
    best = max(read["number."], read["number,"], read["iso"], read["mdy"], read["dmy"])
    if best >= MOSTLY * filled:
        notes.append(
            f"{where} is kept as a category: {best} of its {filled} values read as numbers "
            "or dates, the others do not"
        )
    return "category"


def _decimal(shapes: set[str], spec: MappingSpec) -> tuple[str | None, str]:
    """Return the decimal mark numbers of these shapes are read with, or why none is."""
    proven, either = decimal_evidence(shapes)
    if len(proven) > 1:
        return None, "its numbers are written both as 1,234.5 and 1.234,5"
    if spec.decimal is not None:
        if proven and proven != {spec.decimal}:
            mark = next(iter(proven))
            return None, f"its numbers use {mark!r} as the decimal mark, the settings say "
            f"{spec.decimal!r}"
        return spec.decimal, ""
    if proven:
        return next(iter(proven)), ""
    if either:
        return None, (
            "every number reads two ways (12,400); a decimal in a mapping (or --decimal) "
            "reads it as numbers"
        )
    return ".", ""


def _date_reader(read: dict[str, int], filled: int, spec: MappingSpec) -> str | None:
    """Return the date reader that reads every value, 'either' when two orders do, or None."""
    if read["iso"] == filled:
        return "iso"
    if spec.date_format and read["format"] == filled:
        return "format"
    if read["mdy"] == filled and read["dmy"] == filled:
        return spec.date_order or "either"
    return next((r for r in ("mdy", "dmy") if read[r] == filled), None)


def _dates_in_range(
    cur: duckdb.DuckDBPyConnection,
    distinct: str,
    values: dict[str, str],
    params: Params,
    typed: list[KeptColumn],
    spec: MappingSpec,
    source: SourceFile,
    notes: list[str],
) -> list[KeptColumn]:
    """Return the columns with a date column holding a year outside the range turned into a
    category (a 9999-12-31 placeholder is not a date), noted by name."""
    dated = [k for k in typed if k.kind == "date"]
    if not dated:
        return typed
    whens = " ".join(f"when {params(r)} then {values[r]}" for r in ("iso", "mdy", "dmy", "format"))
    first, last = spec.years
    low, high = params(f"{first}-01-01"), params(f"{last + 1}-01-01")
    cols, readers = params([f"c{k.position}" for k in dated]), params([k.reader for k in dated])
    value = f"cast((case k.reader {whens} end) as timestamp)"
    sql = (
        f"select distinct col from {distinct} join (select unnest({cols}) as col, "
        f"unnest({readers}) as reader) as k using (col) "
        f"where {value} < cast({low} as timestamp) or {value} >= cast({high} as timestamp)"
    )
    outside = {r[0] for r in cur.execute(sql, params.used_by(sql)).fetchall()}
    for k in dated:
        if f"c{k.position}" in outside:
            notes.append(
                f"{source.name}: kept column {k.name!r} is kept as a category: it has dates "
                f"outside the years {first}-{last} (a date_range in a mapping allows others)"
            )
    return [
        KeptColumn(k.name, k.position, "category") if f"c{k.position}" in outside else k
        for k in typed
    ]
