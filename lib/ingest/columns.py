"""SQL for each canonical column of one staged file, and the checks that refuse a bad row.

Each source column is read on its own (its dates and numbers inferred from its values), then
sources are coalesced, scaled by unit, converted to the company currency and cast. Every
value read registers checks (unreadable, out of range, negative, not finite, too large) that
run as one query; the first failing row in file order is refused with its column and value.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from lib.errors import ImportRefused
from lib.ingest.source import SourceFile
from lib.ingest.spec import INTERNAL_TARGETS, MONEY_COLUMNS, ColumnRule, MappingSpec
from lib.ingest.values import (
    Params,
    date_reader,
    decimal_evidence,
    money_text,
    number_from,
    number_shapes,
    row_currency,
)
from lib.store.schema import ACTIVITY_TYPES, TABLES

# below zero these would make a share above 100% or a negative segment; a gross margin may
# really be negative (a loss-making deal), so it is kept and counted in a warning instead
NON_NEGATIVE = frozenset({"amount_usd", "annual_revenue_usd", "employees", "cycle_days"})
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
TABLES_TYPE = {
    col: typ for table in TABLES.values() for col, (typ, _) in table.items()
} | INTERNAL_TARGETS


@dataclass
class Check:
    """One condition that refuses a row: the header and raw column it reads, and why."""

    header: str
    raw: int
    condition: str
    reason: str  # what the value is ("negative, ..."), or the kind it cannot be read as
    unreadable: bool = False

    def message(self, value: object) -> str:
        """Return the refusal's words for the offending value."""
        if self.unreadable:
            return f"cannot read {value!r} as a {self.reason}"
        return f"{value!r} is {self.reason}"


class ColumnReader:
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
        self.checks: list[Check] = []
        self.currencies: tuple[str, ...] = ()
        self.currency_column: int | None = None
        self.currency_rule: ColumnRule | None = None  # its value map turns names into codes

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
            if not used and column.sources:
                notes.append(
                    f"{self.source.name}: no record IDs (a report export): each row is counted "
                    "as its own record, so one exported twice counts twice; accounts are keyed "
                    "by name, so two accounts of one name are one"
                )
            label, first = self.params(self.source.name + ":"), self.params(self.source.first_row)
            row = f"{label} || cast(rowid + {first} as varchar)"
            return f"coalesce({self._text(used) or 'cast(null as varchar)'}, {row})", header
        if column.how == "present":
            if not present:  # the export never says: unknown, not false
                return f"cast(null as {sql_type})", None
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
        if column.values:  # the mapped label is read as the target's type, like any text
            native, text = "VARCHAR", self._mapped(text, column, header, i)
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

    def _mapped(self, text: str, column: ColumnRule, header: str, i: int) -> str:
        """Return SQL of the value map applied to the text; a value not in the map is refused."""
        whens = " ".join(
            f"when {self.params(key)} then {self.params(value)}" for key, value in column.values
        )
        mapped = f"(case lower({text}) {whens} end)"
        known = ", ".join(key for key, _ in column.values[:8])
        more = ", ..." if len(column.values) > 8 else ""
        self.checks.append(
            Check(
                header,
                i,
                f"{text} is not null and {mapped} is null",
                f"not in the value map ({known}{more})",
            )
        )
        return mapped

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
            code = self._cell(self.currency_column)
            if self.currency_rule is not None and self.currency_rule.values:
                named = self.source.headers[self.currency_column]
                code = self._mapped(code, self.currency_rule, named, self.currency_column)
            codes.append(f"upper({code})")
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
            kind = KINDS.get(TABLES_TYPE.get(target, ""), "value")
            self.checks.append(Check(header, raw, condition, kind, unreadable=True))
        else:
            self.checks.append(Check(header, raw, condition, reason))

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
        raise ImportRefused(
            self.source.name,
            check.message(value),
            column=check.header,
            row=row + self.source.first_row,
        )
