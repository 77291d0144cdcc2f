"""Fields taken from a linked record in another file: an opportunity's created date from its
lead's first contact, a lead's region from its account's.

Runs on the combined staging tables, after every file is staged, so a link may cross files.
Table and column names come from the spec's checked constants (spec.LINKS, the canonical
tables); the file a rule read is a parameter.
"""

from __future__ import annotations

import duckdb

from lib.ingest.spec import LINKS
from lib.ingest.staging import Staged
from lib.store.schema import PRIMARY_KEYS, TABLES


def fill_linked(cur: duckdb.DuckDBPyConnection, staged: list[Staged]) -> list[str]:
    """Fill `linked` fields from the record each row points to (an opportunity's created date
    from its lead's), where the row's own is blank; say how many rows got one."""
    notes = []
    for part in sorted(staged, key=lambda s: list(TABLES).index(s.canonical)):
        for target, table, linked_field in part.linked:
            here, ref, key = part.canonical, LINKS[(part.canonical, table)], PRIMARY_KEYS[table]
            typ = TABLES[here][target][0]
            # identifiers from the spec's checked constants; the file name is a parameter
            cur.execute(
                f"update _stage_{here} set {target} = cast(linked.{linked_field} as {typ}) "
                f"from _stage_{table} as linked where _stage_{here}.{target} is null "
                f"and _stage_{here}._file = $file and linked.{key} = _stage_{here}.{ref}",
                {"file": part.file},
            )
            rows, filled = cur.execute(
                f"select count(*), count({target}) from _stage_{here} where _file = $file",
                {"file": part.file},
            ).fetchall()[0]
            one = table.removesuffix("s")
            missing = f" ({rows - filled} without: no {one}, or the {one} has none)"
            notes.append(
                f"{part.file}: {here}.{target} taken from the linked {one}'s {linked_field} where "
                f"blank; {filled} of {rows} rows have one" + (missing if rows > filled else "")
            )
    return notes
