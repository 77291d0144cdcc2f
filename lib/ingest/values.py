"""How one text column writes its dates or numbers, inferred from all of its values.

A column is read one way or refused: when day-first and month-first both read every date, or
`12,400` could be twelve thousand or twelve, the import stops and names the column and the
setting that settles it. Inference runs one query per column over the staged text; the
formats and labels reach SQL as $-parameters only.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from lib.errors import ImportRefused

# formats seen in CRM exports: Salesforce reports (3/2/2024, 3/2/2024 1:05 PM), Excel in a
# German locale (14.02.2023 09:12), UK reports (02/03/2024 13:05); ISO is read by a cast
MONTH_FIRST = (
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
)
DAY_FIRST = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %I:%M %p",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y",
)
CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY"}  # "$" is several currencies: no code
# a leading or trailing ISO code or symbol, then grouping spaces and apostrophes, are dropped
MONEY_AFFIX = r"^([A-Z]{3}|[$€£¥])\s*|\s*([A-Z]{3}|[$€£¥])$"
CODE_AFFIX = r"^[A-Z]{3}\s|\s[A-Z]{3}$"
GROUPING = r"[\s\x{00A0}\x{202F}'’]"


class Params:
    """The $-parameters of one generated query: values reach DuckDB apart from the SQL text."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        """Register a value and return its placeholder."""
        key = f"p{len(self.values)}"
        self.values[key] = value
        return f"${key}"

    def used_by(self, sql: str) -> dict[str, Any]:
        """Return the parameters this SQL names (DuckDB refuses extra ones)."""
        named = set(re.findall(r"\$(\w+)", sql))
        return {k: v for k, v in self.values.items() if k in named}


def iso_moment(text: str) -> str:
    """Return SQL reading ISO dates and times (offset or zone name applied, stored in UTC)."""
    return f"cast(try_cast({text} as timestamptz) as timestamp)"


def strptime_moment(text: str, formats: list[str], param: Params) -> str:
    """Return SQL reading the text with the first of these strptime formats that fits."""
    return f"try_strptime({text}, {param(formats)})"


def date_reader(
    cur: duckdb.DuckDBPyConnection,
    raw: str,
    text: str,
    param: Params,
    *,
    order: str | None,
    file: str,
    header: str,
) -> str:
    """Return SQL reading this column's dates, choosing ISO, month-first or day-first."""
    iso = iso_moment(text)
    # ISO values are unambiguous, so they may sit among locale dates (Excel date cells beside
    # dates typed as text); the order is decided by the values that are not ISO
    readers = {
        "iso": iso,
        "mdy": f"coalesce({strptime_moment(text, list(MONTH_FIRST), param)}, {iso})",
        "dmy": f"coalesce({strptime_moment(text, list(DAY_FIRST), param)}, {iso})",
    }
    sql = f"select count({text}), {', '.join(f'count({r})' for r in readers.values())} from {raw}"
    counts = cur.execute(sql, param.used_by(sql)).fetchall()[0]
    filled, read = counts[0], dict(zip(readers, counts[1:], strict=True))
    if read["iso"] == filled:
        return readers["iso"]
    if read["mdy"] == filled and read["dmy"] == filled and filled:
        if order is None:
            raise ImportRefused(
                file,
                "every date here reads both day-first and month-first (3/2/2024 is 3 February "
                "or 2 March); say which: a date_order of dmy or mdy in a mapping, "
                "--date-order on the command line, or the Import page's date order",
                column=header,
            )
        return readers[order]
    return readers[max(readers, key=lambda k: read[k])]


def money_text(text: str, param: Params) -> str:
    """Return SQL of the value without currency code or symbol, grouping spaces or apostrophes."""
    bare = f"regexp_replace(trim({text}), {param(MONEY_AFFIX)}, '', 'g')"
    return f"regexp_replace({bare}, {param(GROUPING)}, '', 'g')"


def row_currency(text: str, param: Params) -> str:
    """Return SQL of the ISO code a value carries (`USD 12,400.00`, `12.400,00 €`), else null."""
    symbols = " ".join(
        f"when strpos({text}, {param(s)}) > 0 then {param(code)}"
        for s, code in CURRENCY_SYMBOLS.items()
    )
    coded = f"regexp_extract(trim({text}), {param(CODE_AFFIX)}, 0)"
    return f"(case when {coded} <> '' then trim({coded}) {symbols} end)"


def number_shapes(cur: duckdb.DuckDBPyConnection, raw: str, bare: str, param: Params) -> set[str]:
    """Return the distinct shapes of a column's numbers, digits written as 9 (`9,999.99`)."""
    sql = (
        f"select distinct regexp_replace({bare}, '[0-9]', '9', 'g') from {raw} "
        f"where {bare} is not null and {bare} <> '' limit 1000"
    )
    return {r[0] for r in cur.execute(sql, param.used_by(sql)).fetchall()}


def decimal_evidence(shapes: set[str]) -> tuple[set[str], bool]:
    """Return the decimal marks the shapes prove ('.' / ','), and whether any could be either."""
    proven: set[str] = set()
    either = False
    for shape in shapes:
        shape = shape.lstrip("-")
        if re.fullmatch(r"9+(\.9+)?([eE][-+]?9+)?", shape):
            if re.fullmatch(r"9{1,3}\.999", shape):
                either = True
            elif "." in shape:
                proven.add(".")
        elif re.fullmatch(r"9{1,3}(,999)+(\.9+)?", shape):
            if "." in shape:
                proven.add(".")
            else:
                either = True
        elif re.fullmatch(r"9{1,3}(\.999)+(,9+)?", shape) or re.fullmatch(r"9+,9+", shape):
            proven.add(",")
    return proven, either


def number_from(bare: str, decimal: str) -> str:
    """Return SQL reading the bare text as a double with this decimal mark."""
    if decimal == ",":
        return f"try_cast(replace(replace({bare}, '.', ''), ',', '.') as double)"
    return f"try_cast(replace({bare}, ',', '') as double)"
