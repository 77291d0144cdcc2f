"""The staging layer: shared CTEs in lib/sql/staging/ that a query names and the runner prepends.

A query names what it reads on its second line, `-- staging: filtered_leads, stg_leads`; each
staging file is one select, may name its own staging inputs the same way, and becomes one CTE
of that name. So segments, channels and the page filters are written once, and the composed
text is plain SQL that another engine can run (values stay $-parameters, never formatted in).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from lib.model.segments import UNASSIGNED, SegmentRule

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
STAGING = "staging"
# the value of a channel or breakdown dimension the CRM left blank: its own value, so a blank
# source is never counted under a CRM's literal "unknown" (a spreadsheet's filters say the same)
BLANK = "(blank)"

# what the staging SQL calls a record it cannot place: one place for Python and SQL alike
LABELS: dict[str, str] = {"unassigned_segment": UNASSIGNED, "blank": BLANK}

_USES = re.compile(r"^-- staging: *(.*)$", re.MULTILINE)
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_WITH = re.compile(r"with\s", re.IGNORECASE)
_COMMENT = re.compile(r"--[^\n]*")


def sql_text(name: str) -> str:
    """Return the text of lib/sql/<name>.sql as written."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def staging_inputs(text: str) -> tuple[str, ...]:
    """Return the staging CTEs a query's header names, in the order written."""
    found = _USES.search(_header(text))
    names = tuple(n.strip() for n in found.group(1).split(",")) if found else ()
    for name in names:
        if not _NAME.fullmatch(name) or not (SQL_DIR / STAGING / f"{name}.sql").is_file():
            raise ValueError(f"'{name}' is not a staging query in lib/sql/{STAGING}/")
    return names


def _header(text: str) -> str:
    """Return the comment lines a query starts with."""
    lines = text.splitlines()
    count = next((i for i, line in enumerate(lines) if not line.startswith("--")), len(lines))
    return "\n".join(lines[:count])


def _in_dependency_order(names: tuple[str, ...], seen: tuple[str, ...] = ()) -> list[str]:
    """Return the named staging CTEs and everything they read, each after its inputs."""
    ordered: list[str] = []
    for name in names:
        if name in seen:
            raise ValueError(f"staging queries read each other in a circle: {' -> '.join(seen)}")
        inputs = _in_dependency_order(staging_inputs(sql_text(f"{STAGING}/{name}")), (*seen, name))
        ordered += [n for n in [*inputs, name] if n not in ordered]
    return ordered


def _body(text: str) -> str:
    """Return a query without its header comments or trailing semicolon."""
    return text[len(_header(text)) :].strip().rstrip(";")


@cache
def staged_query(name: str) -> str:
    """Return lib/sql/<name>.sql with the staging CTEs it names (and theirs) prepended."""
    text = sql_text(name)
    ctes = _in_dependency_order(staging_inputs(text))
    if not ctes:
        return text
    own = _body(text)
    defined = ",\n".join(f"{n} as (\n{_body(sql_text(f'{STAGING}/{n}'))}\n)" for n in ctes)
    if _WITH.match(own):
        return f"{_header(text)}\nwith\n{defined},\n{own[4:].lstrip()}\n"
    return f"{_header(text)}\nwith\n{defined}\n{own}\n"


def query_parameters(sql: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Return the $-parameters sql uses, from given or else LABELS; raise when one is missing."""
    values = LABELS | dict(given)
    used = sorted(set(_PARAMETER.findall(_COMMENT.sub("", sql))))
    missing = [name for name in used if name not in values]
    if missing:
        raise ValueError(f"the query needs parameters it was not given: {', '.join(missing)}")
    return {name: values[name] for name in used}


def segment_params(rules: tuple[SegmentRule, ...]) -> dict[str, Any]:
    """Return the $segment_rules parameter: the rules in order, as staging SQL reads them."""
    return {
        "segment_rules": [
            {
                "position": position,
                "segment": rule.name,
                "min_annual_revenue_usd": float(rule.min_annual_revenue_usd),
                "min_employees": float(rule.min_employees),
            }
            for position, rule in enumerate(rules, start=1)
        ]
    }
