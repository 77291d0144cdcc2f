"""No SQL in lib/ is built from anything but constants: a scan of every query-running call.

Each `execute`, `sql`, `query` or `_run` call must get a string constant, a named query
file, or text built (f-string, `+`, `.join`) only from the names below; a name assigned in
the same function is followed back to what it was assigned (or appended). The SQL builder
functions of lib/ingest (staging, columns, values) are scanned the same way at each `return`. Each
allowed name holds text made from constants: a table or column name from lib.store.schema
or spec.INTERNAL_TARGETS, a raw column `c<i>` (i an int), a `$p<n>` placeholder from
Params, or SQL assembled by the builders, which follow the same rule. User text (headers,
labels, file names, mapping values) reaches DuckDB only as $-parameters.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNERS = {"execute", "executemany", "sql", "query", "_run"}
# query files, the schema's DDL and compatibility views (names from TABLES only; the file's own
# column names are only tested for membership), column names read back from staging tables, and
# a query file as SQLGlot spells it for Spark (lib/store/dialects.py: parameters stay parameters)
SAFE_CALLS = {"named_query", "create_table_sql", "compatible_view_sql", "_columns", "spark_sql"}
PLACEHOLDERS = {"params", "param"}  # Params.__call__: registers a value, returns "$p<n>"
# builders returning SQL text from constants and placeholders (lib/ingest/values.py, staging)
BUILDERS = {
    "_cell",
    "_text",
    "_typed",
    "_moment",
    "_number",
    "_activity_type",
    "_in_company_currency",
    "_mapped",
    "iso_moment",
    "strptime_moment",
    "money_text",
    "number_from",
    "row_currency",
    "date_reader",
    "join",
    "sorted",
    "column",
    "_long_form",
    "_readers",
}
ALLOWED = {  # parameters and loop variables that carry constant names or built SQL
    "TABLES",  # lib.store.schema
    "PRIMARY_KEYS",  # lib.store.schema
    "sql_type",  # a DuckDB type from TABLES or INTERNAL_TARGETS
    "internal",  # a name from INTERNAL_TARGETS
    "table",  # a canonical table
    "t",  # a canonical table
    "key",  # a canonical table's record ID column
    "column",  # a canonical column
    "name",  # a staging table: _stage_file_<i>_<j>
    "raw",  # its raw view or table: <name>_raw
    "i",  # a raw column's position (an int)
    "text",  # a builder's argument: SQL of a raw column as text
    "value",  # a builder's argument: SQL of a typed value
    "bare",  # a builder's argument: SQL of a number's text without currency or grouping
    "LINKS",  # lib.ingest.spec: the reference column linking two canonical tables
    "target",  # a canonical column a spec names, checked against lib.store.schema
    "linked_field",  # a canonical column of a linked table, checked against the schema
    "long",  # lib/ingest/attributes: kept raw columns unpivoted by position (_long_form)
    "values",  # lib/ingest/attributes: SQL readers of an unpivoted value (_readers)
    "distinct",  # lib/ingest/attributes: the staging table of a file's distinct kept values
}
ALLOWED_ATTRS = {"raw", "condition", "table", "canonical", "cur", "params", "index", "types"}
BUILDER_FILES = {"staging.py", "columns.py", "values.py", "attributes.py"}


class Scope:
    """What each name is assigned (or appended) within one function, to follow it back."""

    def __init__(self, function: ast.AST | None) -> None:
        self.values: dict[str, list[ast.AST]] = {}
        for node in ast.walk(function) if function is not None else ():
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and node.value:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            self.values.setdefault(name.id, []).append(node.value)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("append", "extend")
                and isinstance(node.func.value, ast.Name)
            ):
                self.values.setdefault(node.func.value.id, []).extend(node.args)

    def safe(self, node: ast.AST, seen: frozenset[str] = frozenset()) -> bool:
        """Return True when the node is SQL text made only from allowed names and builders."""
        if isinstance(node, ast.Name):
            if node.id in seen:  # x = f"{x} ...": its other assignments are being checked
                return True
            if node.id not in self.values:  # a parameter or loop variable: must be listed
                return node.id in ALLOWED
            return all(self.safe(v, seen | {node.id}) for v in self.values[node.id])
        if isinstance(node, ast.BoolOp):
            return all(self.safe(v, seen) for v in node.values)
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str | int | float) or node.value is None
        if isinstance(node, ast.Attribute):
            return node.attr in ALLOWED_ATTRS
        if isinstance(node, ast.JoinedStr):
            return all(
                self.safe(v.value, seen) for v in node.values if isinstance(v, ast.FormattedValue)
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.safe(node.left, seen) and self.safe(node.right, seen)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, seen) and self.safe(node.orelse, seen)
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in SAFE_CALLS or called in PLACEHOLDERS:
                return True
            # a builder's own returns are scanned; its arguments name positions and messages
            return called in BUILDERS
        if isinstance(node, ast.GeneratorExp | ast.ListComp):
            return self.safe(node.elt, seen)
        if isinstance(node, ast.Dict):
            return all(self.safe(v, seen) for v in node.values)
        if isinstance(node, ast.List | ast.Tuple):
            return all(self.safe(e, seen) for e in node.elts)
        if isinstance(node, ast.Subscript):
            return self.safe(node.value, seen)
        return False


def _safe(node: ast.AST) -> bool:
    return Scope(None).safe(node)


def _functions(tree: ast.AST) -> list[ast.FunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]


def offenders() -> list[str]:
    """Return 'file:line' of SQL built from anything but constants: query calls and builders."""
    found = []
    for path in sorted((ROOT / "lib").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in _functions(tree):
            scope = Scope(function)
            for node in ast.walk(function):
                sql = _sql_argument(node)
                builds = function.name in BUILDERS and path.name in BUILDER_FILES
                if builds and isinstance(node, ast.Return) and node.value:
                    # a builder returning (sql, header) pairs: the header is for messages
                    sql = node.value.elts[0] if isinstance(node.value, ast.Tuple) else node.value
                if sql is not None and not scope.safe(sql):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(sql)[:90]}")
    return found


def _sql_argument(node: ast.AST) -> ast.AST | None:
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if called not in RUNNERS:
        return None
    return node.args[1] if called == "_run" and len(node.args) > 1 else node.args[0]


def test_every_query_in_lib_is_built_only_from_constant_names() -> None:
    assert offenders() == []


def test_the_scan_catches_user_text_formatted_into_sql() -> None:
    bad = ast.parse('cur.execute(f"select * from t where stage = {label}")').body[0]
    assert isinstance(bad, ast.Expr) and isinstance(bad.value, ast.Call)
    assert not _safe(bad.value.args[0])
    good = ast.parse('cur.execute(f"select {column} from {table} where x = $v")').body[0]
    assert isinstance(good, ast.Expr) and isinstance(good.value, ast.Call)
    assert _safe(good.value.args[0])
