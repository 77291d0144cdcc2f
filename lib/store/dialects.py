"""The named queries in other engines' SQL: SQLGlot translates the spelling, and the few places
where DuckDB and Spark differ in meaning are rewritten here, and nowhere else.

Each rewrite makes Spark compute what DuckDB computes, value for value:
- `datediff('second', a, b)` counts second boundaries crossed on DuckDB (0.9 s -> 1.1 s is 1);
  Spark's datediff with a unit counts whole elapsed seconds (0). Written as the difference of
  floored epoch seconds, which is DuckDB's count, before 1970 too. `datediff('day', a, b)`
  counts midnights on DuckDB, so it is the difference of the two calendar dates.
- `percentile_cont(q) within group (order by x)` is exact on DuckDB; SQLGlot writes Spark's
  percentile_approx, which is not. Spark's `percentile(x, q)` is exact and interpolates the
  same way.
- `/` divides as doubles on DuckDB whatever the operands; on Spark a decimal literal such as
  86400.0 makes it decimal division, rounded to 6 places. Both sides are cast to double.
Values stay parameters (`$name` becomes Spark's `:name`); nothing is formatted into the text.
"""

from __future__ import annotations

from functools import cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from lib.store.staging import staged_query

SOURCE = "duckdb"
SPARK = "spark"


def _exact_median(node: exp.Expression) -> exp.Expression:
    """Return percentile(x, q) for percentile_cont(q) within group (order by x)."""
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont):
        ordered = node.expression.expressions
        if len(ordered) != 1 or ordered[0].args.get("desc"):
            raise ValueError("a median orders by one column, ascending")
        return exp.Anonymous(this="percentile", expressions=[ordered[0].this, node.this.this])
    return node


def _epoch_seconds(value: exp.Expression) -> exp.Expression:
    """Return whole seconds since 1970, floored (Spark's unix_seconds floors before 1970 too)."""
    return exp.Anonymous(
        this="unix_seconds", expressions=[exp.cast(value, exp.DataType.build("timestamp_ltz"))]
    )


def _boundary_difference(node: exp.Expression) -> exp.Expression:
    """Return DuckDB's datediff for the units the queries use, as Spark computes it exactly."""
    if not isinstance(node, exp.DateDiff):
        return node
    unit = node.text("unit").lower()
    start, end = node.expression, node.this
    if unit == "second":
        return exp.paren(exp.Sub(this=_epoch_seconds(end), expression=_epoch_seconds(start)))
    if unit == "day":
        day = exp.DataType.build("date")
        return exp.Anonymous(
            this="datediff", expressions=[exp.cast(end, day), exp.cast(start, day)]
        )
    raise ValueError(f"datediff by '{unit}' has no Spark translation here: use second or day")


def _double_division(node: exp.Expression) -> exp.Expression:
    """Return a / b with both sides cast to double, as DuckDB divides."""
    if isinstance(node, exp.Div):
        double = exp.DataType.build("double")
        return exp.Div(
            this=exp.cast(node.this, double), expression=exp.cast(node.expression, double)
        )
    return node


SPARK_REWRITES = (_exact_median, _boundary_difference, _double_division)


@cache
def spark_sql(name: str) -> str:
    """Return lib/sql/<name>.sql as it runs on Spark: staged, rewritten where meaning differs,
    with $-parameters as :name markers."""
    tree = sqlglot.parse_one(staged_query(name), read=SOURCE)
    for rewrite in SPARK_REWRITES:
        tree = tree.transform(rewrite)
    return tree.sql(dialect=SPARK, unsupported_level=ErrorLevel.RAISE)


def transpiled(name: str, dialect: str) -> str:
    """Return lib/sql/<name>.sql staged and spelled for another SQL dialect (no rewrites)."""
    text = staged_query(name)
    return sqlglot.transpile(text, read=SOURCE, write=dialect, unsupported_level=ErrorLevel.RAISE)[
        0
    ]
